import json

import keras
import numpy as np
import pytest
from scipy import special, stats

from forecaster.models.heads import (
    DistributionParams,
    LocationShift,
    MonotoneQuantiles,
    denormalize,
    output_head,
    point_head,
)
from forecaster.models.layers import WindowDenormalization
from forecaster.models.losses import (
    NormalNLL,
    PinballLoss,
    StudentTNLL,
    log_gamma,
    make_loss,
    point_loss,
)
from forecaster.models.predictive import (
    denormalize_numpy,
    distribution_quantiles,
    point_forecast,
    quantile_columns,
    sample_paths,
)
from forecaster.models.spec import LOSSES, POINT_LOSSES, check_quantiles, head_size


def test_point_head_shape():
    x = keras.Input((7,))
    m = keras.Model(x, point_head(x, 5))
    assert m.output_shape == (None, 5)


@pytest.mark.parametrize("name", POINT_LOSSES)
def test_losses_are_zero_at_truth(name):
    y = np.arange(6, dtype="float32").reshape(2, 3)
    assert float(point_loss(name)(y, y)) == 0.0
    assert float(point_loss(name)(y, y + 1)) > 0


def test_unknown_loss():
    with pytest.raises(ValueError, match="argument `loss`, expected one of"):
        point_loss("logcosh")


# -- probabilistic heads ----------------------------------------------------------
QS = (0.1, 0.5, 0.9)


def _json(cfg):
    return json.dumps(cfg, sort_keys=True)


def test_losses_tuple_and_head_size():
    assert LOSSES == ("mse", "mae", "huber", "quantile", "normal", "student_t")
    sizes = [head_size(n, QS) for n in LOSSES]
    assert sizes == [1, 1, 1, 3, 2, 3]


@pytest.mark.parametrize(
    ("loss", "shape"),
    [
        ("mse", (None, 4)),
        ("quantile", (None, 4, 3)),
        ("normal", (None, 4, 2)),
        ("student_t", (None, 4, 3)),
    ],
)
def test_output_head_shapes(loss, shape):
    x = keras.Input((7,))
    m = keras.Model(x, output_head(x, 4, loss, QS))
    assert m.output_shape == shape
    shifted = keras.Model(x, output_head(x, 4, loss, QS, shift=x[:, :4]))
    assert shifted.output_shape == shape


def test_monotone_quantiles_under_adversarial_raw():
    rng = np.random.default_rng(0)
    raw = rng.normal(scale=50.0, size=(64, 5, 4)).astype("float32")
    raw[..., 1:] = -200.0 * np.abs(raw[..., 1:])  # softplus underflows to 0
    raw[::2, :, 2] = 80.0
    q = np.asarray(MonotoneQuantiles((0.05, 0.3, 0.7, 0.95))(raw))
    assert np.all(np.diff(q, axis=-1) >= 0)
    np.testing.assert_array_equal(q[..., 0], raw[..., 0])
    # ...and after denormalisation with any positive scale
    loc = rng.normal(scale=1e3, size=(64, 1)).astype("float32")
    scale = np.abs(rng.normal(scale=1e2, size=(64, 1))).astype("float32") + 1e-3
    out = np.asarray(WindowDenormalization("quantile")([q, loc, scale]))
    assert np.all(np.diff(out, axis=-1) >= 0)


def test_monotone_quantiles_math():
    raw = np.array([[[1.0, 0.0, np.log(np.e - 1)]]], dtype="float32")
    q = np.asarray(MonotoneQuantiles(QS)(raw))
    np.testing.assert_allclose(q, [[[1.0, 1 + np.log(2), 2 + np.log(2)]]], rtol=1e-6)


def test_distribution_params_scale_positive_and_df_above_two():
    raw = np.array([[[0.3, -200.0, -200.0], [1.0, 50.0, 50.0]]], dtype="float32")
    p = np.asarray(DistributionParams("student_t")(raw))
    assert np.all(p[..., 1] > 0) and np.all(p[..., 2] > 2)
    np.testing.assert_allclose(p[..., 0], raw[..., 0])
    np.testing.assert_allclose(p[0, 1, 1:], [50.0001, 52.001], rtol=1e-6)
    p = np.asarray(DistributionParams("normal")(raw[..., :2]))
    assert p.shape == (1, 2, 2) and np.all(p[..., 1] > 0)


def test_pinball_loss_by_hand():
    y = np.array([[1.0, 2.0]], dtype="float32")  # (B=1, H=2)
    yhat = np.array([[[0.0, 1.0, 3.0], [2.0, 2.0, 2.0]]], dtype="float32")
    # step 1: e = 1, 0, -2 -> 0.1 * 1, 0, 0.1 * 2 ; step 2: all zero
    expected = (0.1 + 0.0 + 0.2) / 6
    assert float(PinballLoss(QS)(y, yhat)) == pytest.approx(expected, rel=1e-6)


def test_normal_nll_matches_scipy():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(8, 5)).astype("float32")
    loc = rng.normal(size=(8, 5)).astype("float32")
    scale = rng.uniform(0.2, 3.0, size=(8, 5)).astype("float32")
    got = float(NormalNLL()(y, np.stack([loc, scale], -1)))
    ref = -stats.norm.logpdf(y, loc, scale).mean()
    assert got == pytest.approx(ref, rel=1e-5, abs=1e-5)


def test_student_t_nll_matches_scipy():
    rng = np.random.default_rng(2)
    y = rng.normal(scale=3, size=(8, 5)).astype("float32")
    loc = rng.normal(size=(8, 5)).astype("float32")
    scale = rng.uniform(0.2, 3.0, size=(8, 5)).astype("float32")
    df = rng.uniform(2.001, 60.0, size=(8, 5)).astype("float32")
    got = float(StudentTNLL()(y, np.stack([loc, scale, df], -1)))
    ref = -stats.t.logpdf(y, df, loc, scale).mean()
    assert got == pytest.approx(ref, rel=1e-5, abs=1e-5)


def test_log_gamma_matches_scipy():
    x = np.concatenate([np.geomspace(1e-3, 3, 200), np.geomspace(3, 1e6, 200)]).astype(
        "float32"
    )
    ref = special.gammaln(x.astype("float64"))
    np.testing.assert_allclose(np.asarray(log_gamma(x)), ref, rtol=1e-5, atol=1e-5)


def test_losses_compute_in_float32_from_float16():
    y = np.zeros((2, 3), dtype="float16")
    p = np.stack([np.zeros((2, 3)), np.full((2, 3), 1e-4)], -1).astype("float16")
    out = NormalNLL()(y, p)
    assert out.dtype == "float32" and np.isfinite(float(out))


@pytest.mark.parametrize("loss", LOSSES)
def test_denormalize_layer_matches_numpy(loss):
    rng = np.random.default_rng(3)
    p = head_size(loss, QS)
    shape = (4, 6) if p == 1 else (4, 6, p)
    out = rng.normal(size=shape).astype("float32")
    if loss in ("normal", "student_t"):
        out[..., 1:] = np.abs(out[..., 1:]) + 2.5
    loc = rng.normal(size=(4, 1)).astype("float32")
    scale = rng.uniform(0.5, 2, size=(4, 1)).astype("float32")
    got = np.asarray(WindowDenormalization(loss)([out, loc, scale]))
    ref = denormalize_numpy(out, loc[:, 0], scale, loss)  # (N,) and (N, 1) both work
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)
    if loss in ("normal", "student_t"):
        np.testing.assert_allclose(ref[..., 0], out[..., 0] * scale + loc, rtol=1e-6)
        np.testing.assert_allclose(ref[..., 1], out[..., 1] * scale, rtol=1e-6)
        np.testing.assert_array_equal(ref[..., 2:], out[..., 2:])
    else:
        extra = (1,) * (out.ndim - 2)
        expected = out * scale.reshape(4, 1, *extra) + loc.reshape(4, 1, *extra)
        np.testing.assert_allclose(ref, expected, rtol=1e-6)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("stats_shape", [(4, 1), (4,)])
def test_denormalize_takes_plain_tensors_and_widens_to_float64(loss, stats_shape):
    # what a SavedModel's function holds: float32 head outputs, float64 scaler
    import tensorflow as tf

    rng = np.random.default_rng(5)
    p = head_size(loss, QS)
    out = rng.normal(size=(4, 6) if p == 1 else (4, 6, p)).astype("float32")
    if loss in ("normal", "student_t"):
        out[..., 1:] = np.abs(out[..., 1:]) + 2.5
    loc = rng.normal(scale=1e3, size=stats_shape)  # float64
    scale = rng.uniform(0.5, 2, size=stats_shape)
    got = denormalize(tf.constant(out), tf.constant(loc), tf.constant(scale), loss)
    assert got.dtype == tf.float64 and tuple(got.shape) == out.shape
    ref = denormalize_numpy(out, loc, scale, loss)  # float64 too
    np.testing.assert_allclose(keras.ops.convert_to_numpy(got), ref, rtol=1e-12)
    same = denormalize(out, loc.astype("float32"), scale.astype("float32"), loss)
    assert keras.backend.standardize_dtype(same.dtype) == "float32"


def test_denormalization_layer_keeps_its_outputs_dtype():
    out = np.ones((2, 3, 2), "float16")
    stats = np.full((2, 1), 2.0, "float32")
    layer = WindowDenormalization("normal", dtype="float16")
    got = layer([out, stats, stats])
    assert keras.backend.standardize_dtype(got.dtype) == "float16"
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(got)[..., 0], 4.0)


def test_the_old_head_denormalization_name_still_deserialises():
    # configs written before issue 15 name the layer forecaster>HeadDenormalization
    ser = keras.saving.serialize_keras_object(WindowDenormalization("student_t"))
    ser["registered_name"] = "forecaster>HeadDenormalization"
    ser["class_name"] = "HeadDenormalization"
    layer = keras.saving.deserialize_keras_object(ser)
    assert isinstance(layer, WindowDenormalization) and layer.loss == "student_t"


@pytest.mark.parametrize(
    "obj",
    [
        MonotoneQuantiles(QS, name="q"),
        DistributionParams("student_t", dtype="float32"),
        LocationShift(),
        WindowDenormalization("normal"),
        PinballLoss([0.25, 0.75]),
        NormalNLL(),
        StudentTNLL(reduction="sum"),
    ],
    ids=lambda o: type(o).__name__,
)
def test_config_round_trip(obj):
    cfg = obj.get_config()
    again = type(obj).from_config(json.loads(_json(cfg))).get_config()
    assert _json(again) == _json(cfg)
    ser = keras.saving.serialize_keras_object(obj)
    assert ser["registered_name"] == f"forecaster>{type(obj).__name__}"
    assert _json(keras.saving.deserialize_keras_object(ser).get_config()) == _json(cfg)


def test_model_with_heads_round_trips():
    x = keras.Input((3,))
    loc = keras.layers.Dense(1)(x)
    scale = keras.layers.Dense(1, activation="softplus")(x)
    out = output_head(x, 2, "student_t", shift=keras.layers.Dense(2)(x))
    out = WindowDenormalization("student_t")([out, loc, scale])
    m = keras.Model(x, out)
    again = keras.Model.from_config(m.get_config())
    again.set_weights(m.get_weights())
    data = np.random.default_rng(4).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(again.predict_on_batch(data), m.predict_on_batch(data))


def _fit_constant_head(loss, y, quantiles=None, batch=256):
    """Fit a head on constant features: one pass, ``len(y) / batch`` steps."""
    keras.utils.set_random_seed(0)
    x = keras.Input((1,))
    model = keras.Model(x, output_head(x, 1, loss, quantiles))
    lr = keras.optimizers.schedules.CosineDecay(0.05, len(y) // batch)  # no jitter
    model.compile(keras.optimizers.Adam(lr), make_loss(loss, quantiles))
    ones = np.ones((len(y), 1), dtype="float32")
    model.fit(ones, y, batch_size=batch, epochs=1, verbose=0)
    return model.predict_on_batch(ones[:1])[0, 0]


def test_pinball_training_recovers_gaussian_quantiles():
    y = np.random.default_rng(5).normal(size=(300 * 256, 1)).astype("float32")
    q = _fit_constant_head("quantile", y, QS)
    np.testing.assert_allclose(q, stats.norm.ppf(QS), atol=0.15)


def test_normal_nll_training_recovers_mean_and_std():
    rng = np.random.default_rng(6)
    y = rng.normal(1.0, 2.0, size=(300 * 256, 1)).astype("float32")
    loc, scale = _fit_constant_head("normal", y)
    assert loc == pytest.approx(1.0, abs=0.15)
    assert scale == pytest.approx(2.0, abs=0.15)


def test_make_loss_types():
    assert isinstance(make_loss("quantile", QS), PinballLoss)
    assert isinstance(make_loss("normal"), NormalNLL)
    assert isinstance(make_loss("student_t"), StudentTNLL)
    assert isinstance(make_loss("mae"), keras.losses.MeanAbsoluteError)


def test_quantile_columns():
    assert quantile_columns([0.1, 0.5, 0.9]) == ["yhat_q0.1", "yhat_q0.5", "yhat_q0.9"]
    assert quantile_columns((0.025, 0.975)) == ["yhat_q0.025", "yhat_q0.975"]


def test_point_forecast():
    out = np.arange(12.0).reshape(2, 2, 3)
    np.testing.assert_array_equal(point_forecast(out, "quantile", QS), out[..., 1])
    np.testing.assert_allclose(
        point_forecast(out, "quantile", (0.1, 0.3, 0.7)), out[..., 1] + 0.5
    )
    np.testing.assert_array_equal(
        point_forecast(out, "quantile", (0.6, 0.7, 0.8)), out[..., 0]
    )
    np.testing.assert_array_equal(point_forecast(out, "student_t"), out[..., 0])
    np.testing.assert_array_equal(point_forecast(out[..., 0], "mse"), out[..., 0])


def test_distribution_quantiles_match_scipy():
    levels = (0.025, 0.1, 0.5, 0.9, 0.975)
    normal = np.array([[[1.0, 2.0], [-3.0, 0.5]]])  # (1, 2, 2)
    got = distribution_quantiles(normal, "normal", levels)
    assert got.shape == (1, 2, 5)
    np.testing.assert_allclose(got[0, 1], stats.norm.ppf(levels, -3.0, 0.5))
    student = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 30.0]])  # (2, 3)
    got = distribution_quantiles(student, "student_t", levels)
    np.testing.assert_allclose(got[0], stats.t.ppf(levels, 3.0, 1.0, 2.0))
    np.testing.assert_allclose(got[1], stats.t.ppf(levels, 30.0))


def test_sample_paths_moments():
    params = np.array([[1.0, 2.0], [-5.0, 0.1]])
    s = sample_paths(params, "normal", 40_000, np.random.default_rng(7))
    assert s.shape == (2, 40_000)
    np.testing.assert_allclose(s.mean(-1), [1.0, -5.0], atol=0.03)
    np.testing.assert_allclose(s.std(-1), [2.0, 0.1], rtol=0.02)
    t = sample_paths([[[3.0, 1.5, 10.0]]], "student_t", 40_000, 8)
    assert t.shape == (1, 1, 40_000)
    assert t.mean() == pytest.approx(3.0, abs=0.03)
    assert t.var() == pytest.approx(1.5**2 * 10 / 8, rel=0.05)
    again = sample_paths([[[3.0, 1.5, 10.0]]], "student_t", 40_000, 8)
    np.testing.assert_array_equal(t, again)


@pytest.mark.parametrize(
    "bad", [None, [], "0.5", [0.5, 0.5], [0.9, 0.1], [0.0, 0.5], [0.5, 1.0], [True]]
)
def test_invalid_quantiles(bad):
    msg = "Received an invalid value for argument `quantiles`, expected a non-empty"
    with pytest.raises(ValueError, match=msg):
        check_quantiles(bad)
    with pytest.raises(ValueError, match=msg):
        make_loss("quantile", bad)
    with pytest.raises(ValueError, match=msg):
        output_head(keras.Input((2,)), 3, "quantile", bad)
    with pytest.raises(ValueError, match=msg):
        MonotoneQuantiles(bad)


def test_invalid_loss_kind_levels_and_samples():
    with pytest.raises(ValueError, match=r"argument `loss`, expected one of \('mse'"):
        make_loss("gamma")
    with pytest.raises(ValueError, match="argument `loss`"):
        WindowDenormalization("pinball")
    with pytest.raises(ValueError, match="argument `loss`"):
        distribution_quantiles([[0.0, 1.0]], "quantile", QS)
    with pytest.raises(ValueError, match="argument `kind`"):
        DistributionParams("quantile")
    with pytest.raises(ValueError, match="argument `levels`"):
        distribution_quantiles([[0.0, 1.0]], "normal", [0.5, 0.2])
    with pytest.raises(ValueError, match="argument `params`"):
        sample_paths([[0.0, 1.0]], "student_t", 3)
    with pytest.raises(ValueError, match="argument `num_samples`, expected a positive"):
        sample_paths([[0.0, 1.0]], "normal", 0)


@pytest.mark.parametrize("loss", ["quantile", "student_t"])
def test_head_is_float32_under_mixed_precision(loss):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        x = keras.Input((3,))
        model = keras.Model(x, output_head(x, 2, loss, QS))
        out = model.predict_on_batch(np.ones((4, 3), dtype="float32"))
        loss_value = make_loss(loss, QS)(np.zeros((4, 2), "float32"), out)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert model.output.dtype == "float32" and out.dtype == np.float32
    assert loss_value.dtype == "float32" and np.isfinite(float(loss_value))
