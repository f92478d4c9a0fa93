"""In-sample errors of the repeat forecasts (data/seasonality.py)."""

import numpy as np

from forecaster.data.seasonality import repeat_errors


def _one(y):
    return np.asarray(y, float), np.array([0, len(y)]), np.array([len(y)])


def test_a_pure_season_is_forecast_exactly_by_its_period():
    y, ind, n = _one(np.tile([3.0, 1.0, 4.0, 1.0, 5.0], 12))
    naive, seasonal = repeat_errors(y, ind, n, lookback=10, horizon=5, periods=(1, 5))
    assert seasonal == 0.0 and naive > 0.5


def test_a_random_walk_favours_naive():
    rng = np.random.default_rng(0)
    y, ind, n = _one(np.cumsum(rng.normal(size=400)))
    naive, seasonal = repeat_errors(y, ind, n, 24, 12, (1, 12))
    assert naive < 0.8 * seasonal


def test_a_line_has_known_errors():
    # y = t: naive misses by 1..h (mean (h+1)/2), period p by p every step
    y, ind, n = _one(np.arange(50.0))
    errors = repeat_errors(y, ind, n, lookback=8, horizon=4, periods=(1, 4))
    np.testing.assert_allclose(errors, [2.5, 4.0])


def test_series_weigh_alike_whatever_their_units():
    small = np.tile([0.0, 1.0], 30)
    values = np.concatenate([small, 1000 * small])
    ind, n = np.array([0, 60, 120]), np.array([60, 60])
    both = repeat_errors(values, ind, n, 4, 2, (1, 2))
    alone = repeat_errors(small, ind[:2], n[:1], 4, 2, (1, 2))
    np.testing.assert_allclose(both, alone)


def test_only_the_training_part_is_read():
    y = np.concatenate([np.arange(40.0), np.full(20, np.nan)])
    errors = repeat_errors(y, np.array([0, 60]), np.array([40]), 8, 4, (1, 4))
    np.testing.assert_allclose(errors, [2.5, 4.0])


def test_constant_and_short_series_are_left_out():
    values = np.concatenate([np.full(30, 7.0), np.arange(5.0), np.arange(40.0)])
    ind, n = np.array([0, 30, 35, 75]), np.array([30, 5, 40])
    np.testing.assert_allclose(repeat_errors(values, ind, n, 8, 4, (1, 4)), [2.5, 4.0])
    assert np.isnan(repeat_errors(values[:35], ind[:3], n[:2], 8, 4, (1, 4))).all()


def test_only_the_last_origins_are_scored():
    # a season for 200 points, then a line: the last windows see only the line
    y = np.concatenate([np.tile([0.0, 9.0], 100), 100 + np.arange(60.0)])
    ind, n = np.array([0, len(y)]), np.array([len(y)])
    recent = repeat_errors(y, ind, n, 4, 2, (1, 2), max_origins=50)
    every = repeat_errors(y, ind, n, 4, 2, (1, 2))
    assert recent[0] < recent[1] and every[0] > every[1]
