"""Window baselines: seasonal naive, its residuals, a shifted location."""

import keras
import numpy as np
import pytest

from forecaster.models.baseline import (
    AddToLocation,
    SeasonalNaiveBaseline,
    seasonal_residuals,
)


@pytest.mark.parametrize("season", [1, 3, 4])
def test_seasonal_naive_baseline_repeats_the_last_season(season):
    x = np.arange(2 * 8 * 2, dtype="float32").reshape(2, 8, 2)  # (B, L, F)
    got = keras.ops.convert_to_numpy(SeasonalNaiveBaseline(season, 5)(x))
    want = [x[:, 8 - season + j % season, 0] for j in range(5)]
    np.testing.assert_array_equal(got, np.stack(want, axis=1))


@pytest.mark.parametrize(
    "loss,shape", [("mse", (2, 3)), ("quantile", (2, 3, 4)), ("normal", (2, 3, 2))]
)
def test_add_to_location_moves_the_location_only(loss, shape):
    out = np.random.default_rng(0).normal(size=shape).astype("float32")
    shift = np.arange(6, dtype="float32").reshape(2, 3)
    got = keras.ops.convert_to_numpy(AddToLocation(loss)([out, shift]))
    if loss == "mse":
        np.testing.assert_allclose(got, out + shift)
    elif loss == "quantile":  # every quantile
        np.testing.assert_allclose(got, out + shift[..., None])
    else:  # loc moves, the scale stays
        np.testing.assert_allclose(got[..., 0], out[..., 0] + shift)
        np.testing.assert_array_equal(got[..., 1], out[..., 1])


def test_seasonal_residuals_are_what_the_decoder_sees():
    x = np.arange(2 * 6 * 1, dtype="float32").reshape(2, 6, 1) ** 2  # (B, L, F)
    targets = np.ones((2, 4), dtype="float32")
    base, first, resid = (
        keras.ops.convert_to_numpy(t) for t in seasonal_residuals(x, targets, 2, 4)
    )
    np.testing.assert_array_equal(base, x[:, [4, 5, 4, 5], 0])
    np.testing.assert_array_equal(first, x[:, 5, :1] - x[:, 3, :1])
    np.testing.assert_array_equal(resid + base, targets)  # added back: the values


def test_a_seq2seq_forecast_with_a_baseline_starts_near_seasonal_naive():
    from forecaster.models.seq2seq import build_seq2seq

    keras.utils.set_random_seed(0)
    nets = build_seq2seq(12, 1, 4, hidden_units=4, baseline_season=4)
    x = np.tile(np.array([0.0, 5.0, -5.0, 1.0], "float32"), 3)[None, :, None]
    got = keras.ops.convert_to_numpy(nets.predict({"history": x}))
    # an untrained decoder adds a small residual to the repeated last season
    np.testing.assert_allclose(got[0], x[0, -4:, 0], atol=1.0)


def test_seasonal_mean_baseline_averages_the_profile_at_the_last_level():
    # three noisy seasons of a period-4 profile on a rising level: the mean
    # of the seasons' profiles at the last season's mean
    rng = np.random.default_rng(0)
    profile = np.array([1.0, -2.0, 3.0, -2.0])
    level = np.repeat([10.0, 20.0, 30.0], 4)
    y = level + np.tile(profile, 3) + rng.normal(0, 0.5, 12)
    x = y.astype("float32")[None, :, None]  # (1, 12, 1)
    got = keras.ops.convert_to_numpy(SeasonalNaiveBaseline(4, 6, cycles=3)(x))[0]
    seasons = y.reshape(3, 4)
    shape = (seasons - seasons.mean(axis=1, keepdims=True)).mean(axis=0)
    want = shape + seasons[-1].mean()
    np.testing.assert_allclose(got, np.resize(want, 6), rtol=1e-6)
    # closer to the noise-free season than seasonal naive's repeat
    truth = 30.0 + profile
    naive = keras.ops.convert_to_numpy(SeasonalNaiveBaseline(4, 4)(x))[0]
    assert np.abs(got[:4] - truth).mean() < np.abs(naive - truth).mean()


def test_seasonal_mean_baseline_of_one_cycle_is_seasonal_naive_and_saves():
    x = np.random.default_rng(1).normal(size=(3, 12, 2)).astype("float32")
    one = SeasonalNaiveBaseline(4, 5, cycles=1)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(one(x)),
        keras.ops.convert_to_numpy(SeasonalNaiveBaseline(4, 5)(x)),
    )
    layer = SeasonalNaiveBaseline.from_config(
        SeasonalNaiveBaseline(4, 5, cycles=3).get_config()
    )
    assert layer.cycles == 3
    with pytest.raises(ValueError, match="`cycles` must be at least 1, got 0"):
        SeasonalNaiveBaseline(4, 5, cycles=0)


def test_seasonal_residuals_over_a_seasonal_mean():
    x = np.arange(2 * 8 * 1, dtype="float32").reshape(2, 8, 1) ** 2  # (B, L, F)
    targets = np.ones((2, 3), dtype="float32")
    base, _, resid = (
        keras.ops.convert_to_numpy(t) for t in seasonal_residuals(x, targets, 2, 3, 3)
    )
    want = keras.ops.convert_to_numpy(SeasonalNaiveBaseline(2, 3, cycles=3)(x))
    np.testing.assert_allclose(base, want)
    np.testing.assert_allclose(resid + base, targets, rtol=1e-6)
