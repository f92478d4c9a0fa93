"""The probabilistic seq2seq decoder: feedback values, draws, coherent paths."""

import json

import keras
import numpy as np
import pytest
from scipy import stats

from forecaster.models.predictive import point_forecast
from forecaster.models.sampling import (
    draw,
    draw_noise,
    noise_channels,
    point_value,
    quantile_at,
    sample_inputs,
)
from forecaster.models.seq2seq import Seq2SeqDecoder, build_seq2seq

L, H, B = 10, 5, 6
RNG = np.random.default_rng(0)
X = RNG.normal(size=(B, L, 1)).astype("float32")
LEVELS = (0.1, 0.5, 0.9)


def np_(t):
    return keras.ops.convert_to_numpy(t)


def test_noise_shapes_channels_and_seed():
    assert [noise_channels(x) for x in ("mse", "normal", "student_t", "quantile")] == [
        0,
        1,
        2,
        1,
    ]
    z = draw_noise("student_t", (4, 3), 0)
    assert z.shape == (4, 3, 2) and z.dtype == np.float32
    np.testing.assert_array_equal(z, draw_noise("student_t", (4, 3), 0))
    assert not np.array_equal(z, draw_noise("student_t", (4, 3), 1))
    u = draw_noise("quantile", (1000, 2), 0)
    assert u.shape == (1000, 2, 1) and 0 <= u.min() and u.max() < 1
    with pytest.raises(
        ValueError, match="a point loss \\('mse'\\) has no distribution"
    ):
        draw_noise("mse", (2, 2))


@pytest.mark.parametrize("levels", [(0.1, 0.5, 0.9), (0.05, 0.3, 0.9), (0.6, 0.8)])
def test_quantile_at_is_linear_inside_and_flat_outside(levels):
    values = np.sort(RNG.normal(size=(50, len(levels))), axis=-1).astype("float32")
    u = RNG.uniform(size=50).astype("float32")
    u[:3] = [0.01, 0.99, levels[0]]
    got = np_(quantile_at(keras.ops.convert_to_tensor(values), u, levels))
    want = [np.interp(ui, levels, vi) for ui, vi in zip(u, values, strict=True)]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # u = 0.5 (a Python float) is predict()'s median, the fed-back value
    median = np_(point_value(keras.ops.convert_to_tensor(values), "quantile", levels))
    np.testing.assert_allclose(
        median[:, 0], point_forecast(values, "quantile", levels), atol=1e-6
    )


@pytest.mark.parametrize("levels", [(0.1, 0.5, 0.9), (0.2, 0.3, 0.8), (0.6, 0.8)])
def test_the_fed_back_median_is_predicts_yhat_exactly(levels):
    # one function for both: the decoder is fed the very yhat predict reports
    values = np.sort(RNG.normal(size=(50, len(levels))), axis=-1).astype("float32")
    fed = np_(point_value(keras.ops.convert_to_tensor(values), "quantile", levels))
    np.testing.assert_array_equal(fed[:, 0], point_forecast(values, "quantile", levels))


def test_normal_draw_and_point_value():
    params = np.array([[1.0, 2.0], [-1.0, 0.5]], "float32")
    z = np.array([[0.3], [-2.0]], "float32")
    np.testing.assert_allclose(np_(draw(params, z, "normal")), [[1.6], [-2.0]])
    np.testing.assert_array_equal(np_(point_value(params, "normal")), [[1.0], [-1.0]])


@pytest.mark.parametrize("df", [2.5, 5.0, 30.0])
def test_student_t_draws_match_scipy_quantiles(df):
    n = 200_000
    params = np.tile(np.array([[0.5, 2.0, df]], "float32"), (n, 1))
    noise = draw_noise("student_t", (n, 1), 0)[:, 0]  # (n, 2)
    t = (np_(draw(params, noise, "student_t"))[:, 0] - 0.5) / 2.0
    levels = [0.1, 0.25, 0.5, 0.75, 0.9]
    got, want = np.quantile(t, levels), stats.t.ppf(levels, df)
    # Wilson-Hilferty: within 1.2% at the 10% / 90% quantiles for df >= 2
    np.testing.assert_allclose(got, want, rtol=0.02, atol=0.01)


def test_sample_inputs_repeat_each_row_series_major():
    rows = sample_inputs({"history": np.arange(3)[:, None]}, 2)
    assert rows["history"][:, 0].tolist() == [0, 0, 1, 1, 2, 2]


@pytest.fixture(scope="module", params=["normal", "student_t", "quantile"])
def sampler(request):
    loss = request.param
    nets = build_seq2seq(
        L, 1, H, hidden_units=6, loss=loss, quantiles=LEVELS, return_sampler=True
    )
    return loss, nets.train, nets.predict, nets.sampler


def _paths(model, noise):
    return model.predict_on_batch({"history": X, "noise": noise})


def test_neutral_noise_reproduces_the_free_running_point_path(sampler):
    loss, _, infer, sampler = sampler
    neutral = np.zeros((B, H, noise_channels(loss)), "float32")
    if loss == "quantile":
        neutral += 0.5
    point = point_forecast(infer.predict_on_batch({"history": X}), loss, LEVELS)
    np.testing.assert_allclose(_paths(sampler, neutral), point, rtol=1e-5, atol=1e-5)


def test_a_draw_at_step_t_changes_every_later_step_and_no_earlier_one(sampler):
    loss, *_, sampler = sampler
    noise = draw_noise(loss, (B, H), 0)
    if loss == "quantile":  # between two levels: a flat tail could hide a change
        noise = 0.15 + 0.3 * noise
    base = _paths(sampler, noise)
    for t in range(H - 1):
        other = noise.copy()
        other[:, t, 0] += 0.4  # a different draw at step t only
        out = _paths(sampler, other)
        np.testing.assert_array_equal(out[:, :t], base[:, :t])
        # the sampled value is fed back: steps after t move with it; with
        # independent per-step draws they would not
        assert (np.abs(out[:, t + 1 :] - base[:, t + 1 :]) > 1e-6).all()


def test_decoder_config_round_trips_with_the_head():
    layer = Seq2SeqDecoder("gru", 4, 3, loss="quantile", quantiles=LEVELS)
    config = layer.get_config()
    again = Seq2SeqDecoder.from_config(config).get_config()
    assert json.dumps(again, sort_keys=True) == json.dumps(config, sort_keys=True)
    assert config["loss"] == "quantile" and config["quantiles"] == list(LEVELS)


def test_point_loss_has_no_sampler():
    with pytest.raises(ValueError, match="`return_sampler=True` needs a probabilistic"):
        build_seq2seq(L, 1, H, hidden_units=4, return_sampler=True)
