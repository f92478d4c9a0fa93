"""Seq2SeqForecaster with quantile and distribution heads: columns, coherent
sample paths through the decoder, seeds, coverage, persistence, export."""

import numpy as np
import pandas as pd
import pytest

import forecaster
from forecaster import Seq2SeqForecaster
from forecaster.estimators.inputs import history_of, network_inputs
from forecaster.testing import check_forecaster
from tests.conftest import make_frame
from tests.test_uncertainty import COMMON as COVERAGE
from tests.test_uncertainty import _noisy_sines, _split

H, LOOKBACK = 6, 12
COMMON = dict(
    horizon=H,
    lookback=LOOKBACK,
    hidden_units=16,
    batch_size=64,
    verbose=0,
    random_state=0,
)


def random_walks(n_series=20, length=160, seed=0):
    rng = np.random.default_rng(seed)
    return make_frame(
        {f"w{k}": np.cumsum(rng.normal(size=length)) for k in range(n_series)}
    )


@pytest.fixture(scope="module")
def walks():
    return random_walks()


@pytest.fixture(scope="module")
def normal(walks):
    """A normal-loss seq2seq fitted on random walks, whose paths should be
    random walks too: each draw is the next step's level."""
    return Seq2SeqForecaster(
        **COMMON, loss="normal", max_epochs=10, learning_rate=1e-2
    ).fit(walks)


def _q_columns(frame):
    return [c for c in frame.columns if c.startswith("yhat_q")]


@pytest.mark.parametrize(
    # student_t shares the code path of the normal head (fixture below): slow
    "loss",
    ["quantile", pytest.param("student_t", marks=pytest.mark.slow)],
)
def test_each_loss_trains_and_predicts_the_recurrent_columns(walks, loss, tmp_path):
    est = Seq2SeqForecaster(**COMMON, loss=loss, max_epochs=2).fit(walks)
    assert est.model_.output_shape == (None, H, 3)
    fc = est.predict(level=[80])
    assert fc.columns.tolist() == [
        "unique_id",
        "ds",
        "yhat",
        "yhat_q0.1",
        "yhat_q0.5",
        "yhat_q0.9",
        "yhat_lo80",
        "yhat_hi80",
    ]
    assert len(fc) == 20 * H and np.isfinite(fc.iloc[:, 2:].to_numpy()).all()
    assert (fc["yhat_q0.1"] <= fc["yhat_q0.5"]).all()
    assert (fc["yhat_q0.5"] <= fc["yhat_q0.9"]).all()
    # yhat is the median (loc for a Student-t); 80% = the 0.1 / 0.9 quantiles
    np.testing.assert_allclose(fc["yhat"], fc["yhat_q0.5"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fc["yhat_lo80"], fc["yhat_q0.1"], rtol=1e-6)
    np.testing.assert_allclose(fc["yhat_hi80"], fc["yhat_q0.9"], rtol=1e-6)
    sampled = est.predict(level=[80], num_samples=1000)
    assert sampled.columns.tolist() == fc.columns.tolist()
    np.testing.assert_array_equal(sampled["yhat"], fc["yhat"])
    q = sampled[["yhat_q0.1", "yhat_q0.5", "yhat_q0.9"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    # the first step has no earlier draw to propagate: its sampled quantiles
    # are those of the predicted distribution
    first = fc.groupby("unique_id").head(1).index
    width = (fc["yhat_q0.9"] - fc["yhat_q0.1"])[first].to_numpy()[:, None]
    error = sampled.loc[first, _q_columns(fc)] - fc.loc[first, _q_columns(fc)]
    assert (np.abs(error.to_numpy()) < 0.15 * width).all()
    # the SavedModel serves the same quantiles (or loc, scale, df)
    out = _serve(est, tmp_path / "export")
    served = {"yhat", "quantiles"} if loss == "quantile" else {"yhat", "scale", "df"}
    assert set(out) == served
    np.testing.assert_allclose(
        out["yhat"].reshape(-1), fc["yhat"], rtol=1e-5, atol=1e-5
    )
    if loss == "quantile":
        got = out["quantiles"].reshape(-1, 3)
        np.testing.assert_allclose(got, fc[_q_columns(fc)], rtol=1e-5, atol=1e-5)


def _serve(est, path) -> dict:
    """Export ``est``, reload it with plain TensorFlow, serve its last windows."""
    import tensorflow as tf

    est.export_saved_model(path)
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    out = serve(
        history=tf.constant(est.last_windows_.astype(np.float32)),
        unique_id=tf.constant(np.asarray(est.ids_).astype(str)),
    )
    return {k: np.asarray(v) for k, v in out.items()}


def test_normal_loss_columns_and_exact_quantiles(normal):
    from scipy import stats

    fc = normal.predict(level=[80, 95])
    assert _q_columns(fc) == ["yhat_q0.1", "yhat_q0.5", "yhat_q0.9"]
    half = (fc["yhat_q0.9"] - fc["yhat"]) / stats.norm.ppf(0.9)
    np.testing.assert_allclose(
        fc["yhat_hi95"] - fc["yhat"], half * stats.norm.ppf(0.975), rtol=1e-6
    )
    assert (fc["yhat_lo95"] < fc["yhat_lo80"]).all()


def test_sample_paths_are_coherent_across_the_horizon(normal):
    paths, ids = normal.predict_samples(num_samples=2000)
    assert paths.shape == (20, H, 2000) and ids.tolist()[:2] == ["w0", "w1"]
    # Across paths, step t+1 moves with step t: the draw is fed back. A
    # random walk's levels correlate sqrt(t / (t + 1)) >= 0.71; independent
    # per-step draws (the many-to-one family's) would correlate 0.
    corr = np.array(
        [[np.corrcoef(p[t], p[t + 1])[0, 1] for t in range(H - 1)] for p in paths]
    )  # (series, H - 1)
    assert (corr.mean(axis=0) > 0.5).all() and (corr > 0.2).all(), corr.mean(0)
    # ... so the spread of the paths grows along the horizon, as a walk's
    # (sqrt(t + 1)), while each step's own predicted scale along the point
    # path stays flat: the uncertainty of earlier draws is carried forward.
    spread = paths.std(axis=-1).mean(axis=0)  # (H,)
    fc = normal.predict()
    sd = ((fc["yhat_q0.9"] - fc["yhat"]) / 1.2816).to_numpy().reshape(20, H)
    assert spread[-1] > 1.8 * spread[0], spread
    assert spread[-1] > 1.5 * sd.mean(axis=0)[-1], (spread, sd.mean(axis=0))


def test_same_seed_same_paths_other_seed_others(normal):
    a, _ = normal.predict_samples(num_samples=50, random_state=1)
    b, _ = normal.predict_samples(num_samples=50, random_state=1)
    c, _ = normal.predict_samples(num_samples=50, random_state=2)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).min() > 0
    # predict(num_samples=) draws with the estimator's random_state
    one = normal.predict(level=[80], num_samples=100)
    pd.testing.assert_frame_equal(one, normal.predict(level=[80], num_samples=100))


def test_free_running_never_sees_future_targets(normal, walks):
    est = normal
    assert set(est.networks_.predict.input) == {"history"}
    assert set(est.networks_.sampler.input) == {"history", "noise"}
    history = network_inputs(est, history_of(est, None), None, None)["history"]
    rng = np.random.default_rng(0)
    free = est.networks_.predict.predict_on_batch({"history": history})  # (N, H, 2)
    for targets in (rng.normal(size=(20, H)), np.full((20, H), 100.0)):
        inputs = {"history": history, "targets": targets.astype("float32")}
        run_free = np.asarray(est.model_(inputs, training=False))
        np.testing.assert_allclose(run_free, free, atol=1e-5)
        forced = np.asarray(est.model_(inputs, training=True))
        assert np.abs(forced - free)[:, 1:].max() > 1e-3
        np.testing.assert_allclose(forced[:, 0], free[:, 0], atol=1e-5)


def test_predict_samples_needs_a_distribution_and_a_count(normal):
    with pytest.raises(ValueError, match="num_samples"):
        normal.predict(num_samples=0)
    point = Seq2SeqForecaster(horizon=2, lookback=4, hidden_units=2, max_epochs=1)
    point.set_params(verbose=0, random_state=0).fit(random_walks(2, 30))
    with pytest.raises(ValueError, match="fitted with the point loss 'mse'"):
        point.predict_samples()
    # a point model ignores num_samples, as RecurrentForecaster does
    assert point.predict(num_samples=10).columns.tolist() == ["unique_id", "ds", "yhat"]


def test_save_load_gives_identical_forecasts_and_paths(normal, tmp_path):
    normal.save(tmp_path / "s2s_normal")
    again = forecaster.load(tmp_path / "s2s_normal")
    pd.testing.assert_frame_equal(again.predict(level=[80]), normal.predict(level=[80]))
    np.testing.assert_array_equal(
        again.predict_samples(num_samples=20)[0],
        normal.predict_samples(num_samples=20)[0],
    )


def test_export_serves_the_predictive_distribution(normal, tmp_path):
    from scipy import stats

    out = _serve(normal, tmp_path / "export")
    assert set(out) == {"yhat", "scale"}
    fc = normal.predict()
    np.testing.assert_allclose(
        out["yhat"].reshape(-1), fc["yhat"], rtol=1e-5, atol=1e-5
    )
    q9 = fc["yhat"] + out["scale"].reshape(-1) * stats.norm.ppf(0.9)
    np.testing.assert_allclose(q9, fc["yhat_q0.9"], rtol=1e-5, atol=1e-5)


@pytest.mark.slow  # ~16 s; test_testing runs the seq2seq conformance unmarked
def test_conformance_with_a_normal_head():
    check_forecaster(Seq2SeqForecaster(loss="normal"))


# -- calibration ---------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("loss", ["normal", "student_t"])
def test_distribution_interval_coverage_on_noisy_sine(loss):
    # the recurrent family's coverage set-up, with sd-1 noise
    train, test = _split(_noisy_sines(sigma=1.0), 20)  # 2,000 held-out points
    est = Seq2SeqForecaster(**COVERAGE, loss=loss).fit(train)
    for num_samples in (None, 1000):
        fc = est.predict(level=[80, 95], num_samples=num_samples)
        m = test.merge(fc, on=["unique_id", "ds"])
        assert len(m) == 2000
        for level, tol in ((80, 0.05), (95, 0.03)):
            inside = (m["y"] >= m[f"yhat_lo{level}"]) & (m["y"] <= m[f"yhat_hi{level}"])
            assert abs(inside.mean() - level / 100) <= tol, (num_samples, level)
