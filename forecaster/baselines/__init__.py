"""Statistical baselines: naive, seasonal naive, drift and the Theta method.

* Estimators with the networks' facade (:mod:`~forecaster.baselines.
  estimators`): ``Naive()``, ``SeasonalNaive(season_length=12)``,
  ``Drift()``, ``Theta(season_length=12)``; ``fit(df)``, ``predict(h=...,
  level=...)``, and a place in :func:`forecaster.cross_validation`'s dict of
  models.
* Functions of a frame (:mod:`~forecaster.baselines.functional`):
  ``naive(df, horizon)``, ``seasonal_naive(df, horizon, season_length)``...
* The methods on one array (:mod:`~forecaster.baselines.methods`):
  ``naive_forecast(y, horizon)``, ``seasonal_naive_interval(...)``...

Frames are validated, and frequencies inferred, by :mod:`forecaster.data`
(:mod:`~forecaster.baselines.frames`).
"""

from forecaster.baselines.estimators import Drift, Naive, SeasonalNaive, Theta
from forecaster.baselines.functional import drift, naive, seasonal_naive, theta
from forecaster.baselines.methods import (
    drift_forecast,
    drift_interval,
    naive_forecast,
    seasonal_naive_forecast,
    seasonal_naive_interval,
    theta_forecast,
)

# the baselines by their short names (the command line's --baselines)
BASELINES = {"naive": Naive, "snaive": SeasonalNaive, "drift": Drift, "theta": Theta}

__all__ = ["BASELINES", "Drift", "Naive", "SeasonalNaive", "Theta", "drift",
           "drift_forecast", "drift_interval", "naive", "naive_forecast",
           "seasonal_naive", "seasonal_naive_forecast", "seasonal_naive_interval",
           "theta", "theta_forecast"]  # fmt: skip
