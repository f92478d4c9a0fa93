"""Forecast accuracy: array metrics and the per-series evaluation of a frame.

Array metrics (:mod:`forecaster.metrics.arrays`) return a ``float``;
:func:`evaluate` (:mod:`forecaster.metrics.evaluation`) scores every series of
a cross-validation frame with them.
"""

from forecaster.metrics.arrays import (
    coverage,
    crps_from_quantiles,
    crps_from_samples,
    interval_width,
    mae,
    mase,
    pinball_loss,
    rmse,
    smape,
)
from forecaster.metrics.evaluation import evaluate

__all__ = ["coverage", "crps_from_quantiles", "crps_from_samples", "evaluate",
           "interval_width", "mae", "mase", "pinball_loss", "rmse",
           "smape"]  # fmt: skip
