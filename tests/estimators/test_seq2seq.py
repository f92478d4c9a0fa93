"""Seq2SeqForecaster: the facade, free-running forecasts, sampling, attention."""

import re

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from forecaster.estimators.inputs import history_of, network_inputs
from forecaster.estimators.seq2seq import Seq2SeqForecaster
from tests.conftest import DRIVEN, TINY, make_frame, sine

H, LOOKBACK = 6, 24
SINE = dict(
    horizon=H,
    lookback=LOOKBACK,
    hidden_units=16,
    max_epochs=8,
    verbose=0,
    random_state=0,
)


def split(frame, h=H):
    """Training part and the held-out last ``h`` points of each series."""
    tail = frame.groupby("unique_id").cumcount(ascending=False) < h
    return frame[~tail].reset_index(drop=True), frame[tail].reset_index(drop=True)


def mae_vs_naive(est, train, test):
    out = est.fit(train).predict()
    naive = np.repeat(train.groupby("unique_id")["y"].last().to_numpy(), H)
    truth = test["y"].to_numpy()
    mae = np.abs(out["yhat"].to_numpy() - truth).mean()
    return mae, np.abs(naive - truth).mean()


@pytest.fixture(scope="module")
def fitted():
    """One trained model with attention, shared by the read-only tests:
    ``(estimator, training frame, held-out frame, mae, naive mae)``."""
    est = Seq2SeqForecaster(**SINE, attention="bahdanau")
    train, test = split(sine())
    return (est, train, test, *mae_vs_naive(est, train, test))


def test_sklearn_data_free_checks():
    est = Seq2SeqForecaster()
    check_no_attributes_set_in_init("Seq2SeqForecaster", est)
    check_parameters_default_constructible("Seq2SeqForecaster", est)
    check_get_params_invariance("Seq2SeqForecaster", est)
    check_set_params("Seq2SeqForecaster", est)


def test_init_stores_as_is_clone_and_unfitted():
    est = Seq2SeqForecaster(attention="luong", scheduled_sampling=0.3, wiring="x")
    assert est.get_params()["wiring"] == "x"  # validated at fit, not here
    assert clone(est).get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        est.predict()
    with pytest.raises(NotFittedError):
        est.predict_attention()


def test_learns_the_sine_wave_3x_better_than_naive(fitted):
    *_, mae, naive = fitted
    assert naive / mae > 3, (mae, naive)


def test_forecasts_run_free_and_never_see_future_targets(fitted):
    est, train, test, *_ = fitted
    assert set(est.networks_.predict.input) == {"history"}
    before = est.predict()
    history = network_inputs(est, history_of(est, None), None, None)["history"]
    truth = test["y"].to_numpy().reshape(2, H)
    targets = (truth - est.scaler_.loc) / est.scaler_.scale
    inputs = {"history": history, "targets": targets.astype("float32")}
    # Teacher forced with the true future, the trained model forecasts
    # otherwise than predict(), which is that model run free.
    forced = np.asarray(est.model_(inputs, training=True))
    free = np.asarray(est.model_(inputs, training=False))
    raw = est.networks_.predict.predict_on_batch({"history": history})
    np.testing.assert_allclose(free, raw, atol=1e-5)
    assert np.abs(forced - raw).max() > 1e-3
    # Editing the fitted frame's last horizon (the last training window's
    # targets) in place after fit cannot change predict() ...
    last = train.groupby("unique_id").cumcount(ascending=False) < H
    original = train.loc[last, "y"].copy()
    try:
        train.loc[last, "y"] = 100.0
        np.testing.assert_array_equal(est.predict()["yhat"], before["yhat"])
        # ... whereas passing that frame as history does: not a no-op edit.
        assert np.abs(est.predict(train)["yhat"] - before["yhat"]).max() > 10
    finally:
        train.loc[last, "y"] = original
    np.testing.assert_allclose(est.predict(train)["yhat"], before["yhat"], atol=1e-5)


def test_attention_weights_per_series(fitted):
    est, *_ = fitted
    weights, ids = est.predict_attention()
    assert weights.shape == (2, H, LOOKBACK)
    assert ids.tolist() == ["a", "b"]
    assert (weights >= 0).all()
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)
    one = sine().query("unique_id == 'b'")
    w_b, ids_b = est.predict_attention(one.iloc[:-H])
    assert ids_b.tolist() == ["b"]
    np.testing.assert_allclose(w_b[0], weights[1], atol=1e-6)


def test_save_load_rebuilds_the_shared_inference_models(fitted, tmp_path):
    import forecaster

    est, *_ = fitted
    est.save(tmp_path / "s2s")
    again = forecaster.load(tmp_path / "s2s")
    np.testing.assert_array_equal(again.predict()["yhat"], est.predict()["yhat"])
    np.testing.assert_array_equal(
        again.predict_attention()[0], est.predict_attention()[0]
    )


def test_scheduled_sampling_follows_the_schedule_in_fit():
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            layer = self.model.get_layer("decoder")
            seen.append(float(layer.sampling_probability))

    class Spied(Seq2SeqForecaster):
        def _fit_callbacks(self):
            return [*super()._fit_callbacks(), Spy()]

    est = Spied(**{**TINY, "max_epochs": 3}, scheduled_sampling=0.8)
    est.fit(sine(120))
    np.testing.assert_allclose(seen, [0.0, 0.4, 0.8], rtol=1e-6)
    assert np.isfinite(est.predict()["yhat"]).all()
    with pytest.raises(ValueError, match="fitted with attention=None"):
        est.predict_attention()
    assert Seq2SeqForecaster(**TINY, scheduled_sampling=None)._fit_callbacks() == []
    assert Seq2SeqForecaster(**TINY, scheduled_sampling=0)._fit_callbacks() == []
    assert Seq2SeqForecaster().scheduled_sampling == 0.5  # measured: the default


def driven(n=200, seed=0):
    """Two series ``y = 3 x + noise`` with a random future-known driver ``x``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, n))
    df = make_frame({"a": 3 * x[0], "b": 3 * x[1] + 1})
    df["y"] += 0.1 * rng.normal(size=2 * n)
    df["x"], df["p"] = x.ravel(), np.arange(2.0 * n)
    return df


def test_covariates_feed_the_decoder_step_by_step():
    train, test = split(driven(), h=3)
    static = pd.DataFrame({"unique_id": ["a", "b"], "store": ["n", "s"]})
    est = Seq2SeqForecaster(
        **TINY,
        future_covariates=["x"],
        past_covariates=["p"],
        static_features=["store"],
        calendar_features=["hour"],
    ).fit(train, static_df=static)
    future = test[["unique_id", "ds", "x"]]
    base = est.predict(future_df=future)["yhat"].to_numpy().reshape(2, 3)
    bumped = future.copy()
    bumped.loc[bumped.groupby("unique_id").cumcount() == 1, "x"] += 5.0
    out = est.predict(future_df=bumped)["yhat"].to_numpy().reshape(2, 3)
    np.testing.assert_array_equal(out[:, 0], base[:, 0])  # causal: not before t
    assert np.abs(out[:, 1] - base[:, 1]).min() > 1e-5


@pytest.mark.slow
def test_future_covariate_driven_target_5x_better():
    train, test = split(driven(400), h=12)
    fut = test[["unique_id", "ds", "x"]]
    with_x = Seq2SeqForecaster(**DRIVEN, future_covariates=["x"]).fit(train)
    without = Seq2SeqForecaster(**DRIVEN).fit(train[["unique_id", "ds", "y"]])
    truth = test["y"].to_numpy()
    mae_with = np.abs(with_x.predict(future_df=fut)["yhat"].to_numpy() - truth)
    mae_without = np.abs(without.predict()["yhat"].to_numpy() - truth)
    assert mae_with.mean() * 5 < mae_without.mean(), (mae_with, mae_without)


@pytest.mark.parametrize(
    "param,value,msg",
    [
        ("wiring", "every_step", "argument `wiring`, expected one of"),
        ("attention", "dot", "argument `attention`, expected one of"),
        ("scheduled_sampling", 1.5, "argument `scheduled_sampling`, expected None"),
        ("scheduled_sampling", -0.1, "argument `scheduled_sampling`"),
        ("scheduled_sampling", "0.5", "argument `scheduled_sampling`"),
        ("sampling_schedule", "cosine", "argument `sampling_schedule`"),
        ("bidirectional", "yes", "argument `bidirectional`, expected a bool"),
        ("context_units", 0, "argument `context_units`, expected a positive"),
        ("context_units", 2.5, "argument `context_units`, expected a positive"),
        ("cell", "lstmm", "argument `cell`, expected one of"),
    ],
)
def test_bad_params_named(param, value, msg):
    with pytest.raises(ValueError, match=msg):
        Seq2SeqForecaster(**{**TINY, param: value}).fit(sine(60))


@pytest.mark.parametrize(
    "wiring,context_units,fed",
    [
        ("context_every_step", 3, 3),
        ("context_every_step", None, 4),
        ("init_state", 3, 0),
    ],
)
def test_context_bottleneck_feeds_the_decoder(wiring, context_units, fed):
    # The decoder cell's input: the previous value plus the context fed at
    # every step, projected to `context_units` (or the raw state, 4 units).
    est = Seq2SeqForecaster(**TINY, wiring=wiring, context_units=context_units)
    est.fit(sine(60))
    names = {layer.name for layer in est.model_.layers}
    assert ("context_projection" in names) == (fed == 3)
    kernel = est.model_.get_layer("decoder").cell.kernel
    assert tuple(kernel.shape) == (1 + fed, 4 * TINY["hidden_units"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "wiring,attention",
    [
        ("init_state", None),
        ("init_state", "luong"),
        ("context_every_step", None),
        ("context_every_step", "bahdanau"),
        ("context_every_step", "luong"),
    ],
)
def test_every_wiring_and_attention_learns_the_sine_wave(wiring, attention):
    est = Seq2SeqForecaster(**SINE, wiring=wiring, attention=attention)
    mae, naive = mae_vs_naive(est, *split(sine()))
    assert naive / mae > 3, (mae, naive)


@pytest.mark.slow
@pytest.mark.parametrize(
    "cell,schedule",
    [("gru", "inverse_sigmoid"), ("peephole_lstm", "exponential")],
)
def test_bidirectional_custom_cells_with_sampling_learn(cell, schedule):
    est = Seq2SeqForecaster(
        **SINE,
        cell=cell,
        bidirectional=True,
        scheduled_sampling=0.5,
        sampling_schedule=schedule,
    )
    mae, naive = mae_vs_naive(est, *split(sine()))
    assert naive / mae > 3, (mae, naive)


def test_scheduled_sampling_reaches_every_members_decoder():
    from forecaster.models.seq2seq import Seq2SeqDecoder

    est = Seq2SeqForecaster(
        **{**TINY, "max_epochs": 3}, scheduled_sampling=0.8, ensemble_size=2
    ).fit(sine(120))
    decoders = [
        layer
        for layer in est.model_._flatten_layers(include_self=False)
        if isinstance(layer, Seq2SeqDecoder)
    ]
    assert len(decoders) == 2
    for layer in decoders:
        assert float(layer.sampling_probability) == pytest.approx(0.8)


def test_an_ensembles_sample_paths_pool_its_members():
    est = Seq2SeqForecaster(**TINY, loss="normal", ensemble_size=2).fit(sine(120))
    paths, ids = est.predict_samples(num_samples=8)
    assert paths.shape[1:] == (TINY["horizon"], 8) and np.isfinite(paths).all()
    # Exact names: Keras auto-names SelectMember "select_member_<n>" once one
    # was built earlier in the process, which a substring test would count.
    names = [m.name for m in est.networks_.sampler.layers]
    assert sum(re.fullmatch(r"member_\d+_sampler", n) is not None for n in names) == 2
