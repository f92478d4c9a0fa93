"""The defaults derived from the data: season, lookback, window norm."""

import pytest

from forecaster import RecurrentForecaster
from forecaster.estimators.defaults import (
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
    import numpy as np
    import pandas as pd

    t = pd.date_range("1900-01-01", periods=60, freq=freq)
    y = pd.Series(np.linspace(5.0, 2.0, 60), t)
    est = RecurrentForecaster(
        horizon=2, lookback=8, hidden_units=4, max_epochs=1, verbose=0
    ).fit(y)
    assert est.window_norm == "auto"  # the parameter is stored as given
    assert est.window_norm_ == expected
    layer = est.model_.get_layer("window_norm")
    assert layer.mode == expected
