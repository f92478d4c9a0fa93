"""The defaults derived from the data: season, lookback, window norm, baseline."""

import numpy as np
import pandas as pd
import pytest

from forecaster import RecurrentForecaster, Seq2SeqForecaster
from forecaster.estimators.defaults import (
    choose_baseline_season,
    resolve_lookback,
    resolve_window_norm,
    season_length,
)


@pytest.mark.parametrize(
    "freq,season",
    [("MS", 12), ("30min", 48), ("h", 24), ("W-SAT", 52), ("YS", 1), ("D", 7)],
)
def test_season_length(freq, season):
    assert season_length(freq) == season


def test_resolve_lookback():
    assert resolve_lookback(10, 3, "h", 100) == 10
    assert resolve_lookback(None, 3, "h", 100) == 48
    assert resolve_lookback(None, 30, "MS", 1000) == 90
    assert resolve_lookback(None, 3, "h", 20) == 17


@pytest.mark.parametrize(
    "window_norm,freq,expected",
    [
        ("auto", "YS", "standard"),
        ("auto", "YE", "standard"),
        ("auto", "MS", "mean"),
        ("auto", "30min", "mean"),
        ("auto", "D", "mean"),
        ("mean", "YS", "mean"),
        ("standard", "MS", "standard"),
        (None, "YS", None),
    ],
)
def test_resolve_window_norm(window_norm, freq, expected):
    assert resolve_window_norm(window_norm, freq) == expected


@pytest.mark.parametrize("freq,expected", [("YS", "standard")])
def test_fit_resolves_auto_window_norm(freq, expected):
    t = pd.date_range("1900-01-01", periods=60, freq=freq)
    y = pd.Series(np.linspace(5.0, 2.0, 60), t)
    est = RecurrentForecaster(
        horizon=2, lookback=8, hidden_units=4, max_epochs=1, verbose=0
    ).fit(y)
    assert est.window_norm == "auto"  # the parameter is stored as given
    assert est.window_norm_ == expected
    layer = est.model_.get_layer("window_norm")
    assert layer.mode == expected


def _errors(naive, seasonal):
    def errors_of(periods):
        assert periods[0] == 1
        return np.array([naive, seasonal])

    return errors_of


@pytest.mark.parametrize(
    "baseline,freq,lookback,errors,expected",
    [
        ("auto", "MS", 36, (0.5, 0.9), 1),  # the data favour naive
        ("auto", "MS", 36, (0.9, 0.5), 12),
        ("auto", "MS", 36, (0.7, 0.7), 12),  # a tie keeps the season
        ("auto", "MS", 36, (np.nan, np.nan), 12),  # no evidence: the season
        ("auto", "MS", 12, (0.5, 0.9), None),  # no whole season to repeat
        ("auto", "YS", 18, (0.5, 0.9), None),  # not seasonal
        ("seasonal_naive", "MS", 36, (0.5, 0.9), 12),  # asked for: kept
        ("naive", "MS", 36, (0.9, 0.5), 1),
        (None, "MS", 36, (0.5, 0.9), None),
    ],
)
def test_choose_baseline_season(baseline, freq, lookback, errors, expected):
    assert (
        choose_baseline_season(baseline, freq, lookback, _errors(*errors)) == expected
    )


def _monthly(y):
    t = pd.date_range("2000-01-01", periods=len(y), freq="MS")
    return pd.Series(y, t)


@pytest.mark.parametrize("family", [RecurrentForecaster, Seq2SeqForecaster])
def test_fit_chooses_the_baseline_from_the_training_windows(family):
    rng = np.random.default_rng(0)
    settings = dict(horizon=6, lookback=24, hidden_units=4, max_epochs=1, verbose=0)
    season = 10 + np.tile(np.sin(np.arange(12) / 12 * 2 * np.pi), 10)
    walk = 10 + np.cumsum(rng.normal(size=120))
    seasonal = family(**settings).fit(_monthly(season + 0.01 * rng.normal(size=120)))
    trending = family(**settings).fit(_monthly(walk))
    assert (seasonal.baseline_season_, trending.baseline_season_) == (12, 1)
    forced = family(**settings, baseline="seasonal_naive").fit(_monthly(walk))
    assert forced.baseline_season_ == 12


@pytest.mark.parametrize("family", [RecurrentForecaster, Seq2SeqForecaster])
def test_a_seasonal_mean_baseline_averages_as_many_seasons_as_the_lookback_holds(
    family,
):
    settings = dict(horizon=6, hidden_units=4, max_epochs=1, verbose=0)
    y = _monthly(10 + np.tile(np.sin(np.arange(12) / 12 * 2 * np.pi), 10))
    cycles = {}
    for lookback in (24, 36, 48):
        est = family(**settings, lookback=lookback, baseline="seasonal_mean").fit(y)
        assert est.baseline_season_ == 12
        cycles[lookback] = est.model_.get_layer("baseline").cycles
    assert cycles == {24: 2, 36: 3, 48: 3}
    naive = family(**settings, lookback=36, baseline="seasonal_naive").fit(y)
    assert naive.model_.get_layer("baseline").cycles == 1


@pytest.mark.parametrize(
    "freq,periods,lookback,cycles",
    [("MS", 120, 36, 3), ("QS", 60, 16, 3), ("h", 24 * 20, 72, 1), ("D", 140, 28, 1)],
)
def test_auto_averages_a_yearly_season_only(freq, periods, lookback, cycles):
    # the year of quarterly/monthly/weekly data is averaged over up to three
    # seasons; a daily or intraday season stays seasonal naive
    from forecaster.estimators.defaults import season_length

    m = season_length(freq)
    t = pd.date_range("2000-01-01", periods=periods, freq=freq)
    y = pd.Series(10 + np.sin(np.arange(periods) * 2 * np.pi / m), t)
    settings = dict(horizon=4, hidden_units=4, max_epochs=1, verbose=0)
    est = RecurrentForecaster(**settings, lookback=lookback).fit(y)
    assert (est.baseline_season_, est.baseline_cycles_) == (m, cycles)
