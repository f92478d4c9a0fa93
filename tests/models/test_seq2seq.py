"""The seq2seq networks: teacher forcing, free running, sampling, attention."""

import json

import keras
import numpy as np
import pytest

from forecaster.estimators.training import ScheduledSampling
from forecaster.models.seq2seq import Seq2SeqDecoder, build_seq2seq

L, H = 10, 5
RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, L, 1)).astype("float32")
Y = RNG.normal(size=(8, H)).astype("float32")


def build(**kw):
    """``(train, inference)``; with ``return_attention`` the inference network
    is the one that also outputs the weights."""
    kw = {"hidden_units": 6, **kw}
    nets = build_seq2seq(L, kw.pop("n_features", 1), H, **kw)
    return nets.train, nets.predict if nets.attention is None else nets.attention


def decoder_of(model) -> Seq2SeqDecoder:
    return model.get_layer("decoder")


def run(train, x=X, y=Y, training=True):
    return keras.ops.convert_to_numpy(
        train({"history": x, "targets": y}, training=training)
    )


@pytest.fixture(scope="module")
def models():
    return build(attention="bahdanau", return_attention=True)


def test_teacher_forcing_output_t_depends_on_target_t_minus_1(models):
    train, _ = models
    base = run(train)
    for t in range(1, H):
        y = Y.copy()
        y[:, t - 1] += 1.0
        out = run(train, y=y)
        np.testing.assert_array_equal(out[:, :t], base[:, :t])
        assert np.abs(out[:, t] - base[:, t]).min() > 1e-6
    # the last target is never an input
    y = Y.copy()
    y[:, -1] += 1.0
    np.testing.assert_array_equal(run(train, y=y), base)


def test_inference_never_sees_targets(models):
    train, infer = models
    assert set(infer.input) == {"history"}
    free, _ = infer.predict_on_batch({"history": X})
    # the training model run in inference mode runs free too (validation loss)
    for y in (Y, Y * 0, Y + 100):
        np.testing.assert_allclose(run(train, y=y, training=False), free, atol=1e-6)
    assert np.abs(run(train) - free).max() > 1e-3


def test_sampling_probability_is_used_in_the_training_graph(models):
    train, infer = models
    decoder = decoder_of(train)
    free, _ = infer.predict_on_batch({"history": X})
    try:
        decoder.sampling_probability.assign(1.0)
        # always its own prediction: the targets are ignored
        np.testing.assert_allclose(run(train), free, atol=1e-5)
        np.testing.assert_allclose(run(train, y=Y + 100), free, atol=1e-5)
        decoder.sampling_probability.assign(0.0)
        forced = run(train)
        assert np.abs(forced - free).max() > 1e-3
        # per-sample, per-step coins: step 1 takes the truth about half the time
        decoder.sampling_probability.assign(0.5)
        x = np.repeat(X, 50, axis=0)
        y = np.repeat(Y, 50, axis=0)
        mixed = run(train, x=x, y=y)
        decoder.sampling_probability.assign(0.0)
        forced = run(train, x=x, y=y)
        truth_at_1 = np.isclose(mixed[:, 1], forced[:, 1], atol=1e-6)
        assert 0.35 < truth_at_1.mean() < 0.65
    finally:
        decoder.sampling_probability.assign(0.0)


def test_no_gradient_through_fed_back_predictions():
    import tensorflow as tf

    train, _ = build(window_norm=None)
    decoder = decoder_of(train)
    decoder.sampling_probability.assign(1.0)
    bias = decoder.projection.bias
    with tf.GradientTape() as tape:
        out = train({"history": X, "targets": Y}, training=True)
        step_1 = tf.reduce_sum(out[:, 1])
    # only the direct path: d yhat_1 / d bias = 1 per sample; through the
    # fed-back yhat_0 it would add d yhat_1 / d yhat_0 (not 0 for this net)
    assert float(tape.gradient(step_1, bias)[0]) == pytest.approx(len(X), rel=1e-6)


@pytest.mark.parametrize(
    "cell,bidirectional,wiring",
    [
        ("lstm", True, "context_every_step"),
        ("gru", True, "init_state"),
        ("rnn", False, "context_every_step"),
        ("peephole_lstm", True, "init_state"),
        ("coupled_lstm", False, "init_state"),
    ],
)
def test_cells_bidirectional_and_wirings_build_and_predict(cell, bidirectional, wiring):
    train, infer = build(
        cell=cell,
        bidirectional=bidirectional,
        wiring=wiring,
        num_layers=2,
        dropout=0.1,
        attention="luong",
    )
    assert train.output_shape == infer.output_shape == (None, H)
    out = infer.predict_on_batch({"history": X})
    assert out.shape == (8, H) and np.isfinite(out).all()
    assert run(train).shape == (8, H)
    if bidirectional:
        assert "bridge_0" in [layer.name for layer in train.layers]


def test_window_norm_makes_forecasts_level_equivariant():
    _, infer = build(wiring="context_every_step")
    a = infer.predict_on_batch({"history": X})
    b = infer.predict_on_batch({"history": X + 100})
    np.testing.assert_allclose(b - a, 100, rtol=1e-4, atol=1e-3)


def test_covariates_are_causal_per_step():
    train, infer = build(n_features=3, n_future=2, n_static=1, static_vocab_sizes=(4,))
    assert set(infer.input) == {"history", "future", "static_numeric", "static_codes"}
    inputs = {
        "history": RNG.normal(size=(8, L, 3)).astype("float32"),
        "future": RNG.normal(size=(8, H, 2)).astype("float32"),
        "static_numeric": RNG.normal(size=(8, 1)).astype("float32"),
        "static_codes": RNG.integers(0, 4, size=(8, 1)).astype("int32"),
    }
    base = infer.predict_on_batch(inputs)
    for t in range(H):
        future = inputs["future"].copy()
        future[:, t] += 1.0
        out = infer.predict_on_batch({**inputs, "future": future})
        np.testing.assert_array_equal(out[:, :t], base[:, :t])
        assert np.abs(out[:, t] - base[:, t]).min() > 1e-7
    static = {**inputs, "static_numeric": inputs["static_numeric"] + 1}
    assert np.abs(infer.predict_on_batch(static) - base)[:, 0].min() > 1e-7
    assert train.predict_on_batch({**inputs, "targets": Y}).shape == (8, H)


def test_attention_weights_are_a_distribution_over_the_lookback(models):
    _, infer = models
    _, weights = infer.predict_on_batch({"history": X})
    assert weights.shape == (8, H, L)
    assert (weights >= 0).all()
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "layer",
    [
        Seq2SeqDecoder("gru", 7, 4, "context_every_step", "bahdanau", seed=3),
        Seq2SeqDecoder("peephole_lstm", 3, 2),
    ],
    ids=["decoder_gru", "decoder_peephole"],
)
def test_config_round_trip(layer):
    config = layer.get_config()
    again = type(layer).from_config(config).get_config()
    assert json.dumps(again, sort_keys=True) == json.dumps(config, sort_keys=True)


@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
def test_inference_model_saves_and_reloads_safely(tmp_path):
    _, infer = build(
        cell="coupled_lstm",
        bidirectional=True,
        wiring="context_every_step",
        attention="luong",
        return_attention=True,
    )
    path = str(tmp_path / "infer.keras")
    infer.save(path)
    again = keras.models.load_model(path, safe_mode=True)
    for a, b in zip(
        infer.predict_on_batch({"history": X}),
        again.predict_on_batch({"history": X}),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("schedule", ["linear", "exponential", "inverse_sigmoid"])
def test_schedules_rise_from_teacher_forcing_to_the_final_probability(schedule):
    cb = ScheduledSampling(0.8, epochs=9, schedule=schedule)
    p = np.array([cb.probability(e) for e in range(12)])
    assert p[0] == 0 and p[8] == pytest.approx(0.8) and (p[8:] == p[8]).all()
    assert (np.diff(p[:9]) > 0).all()
    quarter = p[2] / 0.8  # r = 0.25
    expected = {"linear": 0.25, "exponential": 0.70, "inverse_sigmoid": 0.07}
    assert quarter == pytest.approx(expected[schedule], abs=0.01)
    if schedule == "linear":
        np.testing.assert_allclose(p[:9], 0.1 * np.arange(9))
    if schedule == "inverse_sigmoid":
        assert p[4] == pytest.approx(0.4)  # half way at mid-training


def test_callback_sets_the_decoder_variable_at_each_epoch(models):
    train, _ = models
    cb = ScheduledSampling(0.5, epochs=3, schedule="linear")
    cb.set_model(train)
    try:
        for epoch, want in enumerate([0.0, 0.25, 0.5]):
            cb.on_epoch_begin(epoch)
            assert float(decoder_of(train).sampling_probability) == want
    finally:
        decoder_of(train).sampling_probability.assign(0.0)


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        ({"wiring": "every"}, "argument `wiring`, expected one of"),
        ({"attention": "dot"}, "argument `attention`, expected one of"),
        ({"return_attention": True}, "`return_attention=True` needs an `attention`"),
        ({"cell": "lstmm"}, "argument `cell`, expected one of"),
    ],
)
def test_bad_arguments_named(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        build(**kwargs)


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        ({"schedule": "cosine"}, "argument `schedule`, expected one of"),
        ({"final_probability": 1.5}, "argument `final_probability`, expected a float"),
    ],
)
def test_bad_schedule_arguments_named(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        ScheduledSampling(**kwargs)
