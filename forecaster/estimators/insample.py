"""In-sample forecasts: every window of a history, forecast in batched calls.

NeuralForecast's ``predict_insample``: for each cutoff (the last point of a
lookback window) the model forecasts the ``horizon`` steps after it, which
the history also holds, so the fitted values and residuals of the whole
history come out as one long frame. Windows go through the prediction
network a chunk at a time (``tf.data``, one gather and one call per chunk),
never one call per window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecaster.data.clock import aware_times
from forecaster.data.validation import check_positive_int
from forecaster.data.windows import make_dataset, window_starts
from forecaster.estimators.inputs import (
    fitted_panel,
    scaler_for,
    static_for,
    static_inputs,
)
from forecaster.models.predictive import denormalize_numpy, point_forecast

__all__ = ["predict_insample"]

_CHUNK = 4096  # windows per network call


def predict_insample(est, df, step_size: int = 1, static_df=None) -> pd.DataFrame:
    """Forecasts of ``est`` from every ``step_size``-th window of ``df``.

    Parameters
    ----------
    est : BaseForecaster
        Fitted.
    df : pandas.DataFrame or pandas.Series
        The history (typically the frame given to ``fit``), with the
        covariates the model was fitted with.
    step_size : int, default 1
        Steps between consecutive cutoffs of a series, counted from its
        first full window.
    static_df : pandas.DataFrame, optional
        Static features of series not seen at fit.

    Returns
    -------
    pandas.DataFrame
        ``id_col, time_col, cutoff, target_col, yhat``: one row per window
        and horizon step, series-major, then by cutoff and step.
    """
    check_positive_int("step_size", step_size)
    panel = fitted_panel(est, df)
    lookback, h = est.lookback_, est.horizon
    starts, series = _starts(panel, lookback, h, step_size)
    scaler = scaler_for(est, panel)
    yhat = _forecasts(est, panel, scaler, starts, static_df)  # (W, H)
    steps = starts[:, None] + lookback + np.arange(h)  # (W, H) rows of the targets
    cutoff = panel.times[starts + lookback - 1]
    freq, tz = est.freq_, est.tz_
    return pd.DataFrame(
        {
            est.id_col: np.repeat(np.asarray(panel.ids, dtype=object)[series], h),
            est.time_col: aware_times(panel.times[steps.reshape(-1)], freq, tz),
            "cutoff": aware_times(np.repeat(cutoff, h), freq, tz),
            est.target_col: panel.values[steps.reshape(-1), 0].astype(np.float64),
            "yhat": yhat.reshape(-1),
        }
    )


def _starts(panel, lookback: int, h: int, step_size: int):
    """Window starts every ``step_size`` steps per series, and their series."""
    starts = window_starts(panel.indptr, lookback, h)
    series = np.searchsorted(panel.indptr, starts, side="right") - 1
    keep = (starts - panel.indptr[series]) % step_size == 0
    return starts[keep], series[keep]


def _forecasts(est, panel, scaler, starts, static_df) -> np.ndarray:
    """Point forecasts ``(W, H)`` in data units, one network call per chunk."""
    from forecaster.data.scaling import transform

    static = {}
    if est.layout_.static:
        static = static_inputs(*static_for(est, panel.ids, static_df))
    scaled = np.asarray(transform(scaler, panel.values, panel.indptr), np.float32)
    ds = make_dataset(
        scaled,
        starts,
        est.lookback_,
        est.horizon,
        _CHUNK,
        future_cols=est.layout_.future_idx,
        indptr=panel.indptr,
        static=static,
    )
    raw = np.concatenate([est._forward(x) for x, _ in ds.as_numpy_iterator()])
    series = np.searchsorted(panel.indptr, starts, side="right") - 1
    loc, scale = scaler.loc[series, :1], scaler.scale[series, :1]  # (W, 1)
    out = denormalize_numpy(raw, loc, scale, est.loss)
    return point_forecast(out, est.loss, est.quantiles).astype(np.float64)
