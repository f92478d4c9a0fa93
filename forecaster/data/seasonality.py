"""How well repeating the last period forecasts a panel: in-sample evidence.

The estimators' ``baseline="auto"`` asks which window baseline, the last
value (period 1) or the last season, forecasts the series' own training
windows better over the horizon, as the M4 benchmarks test a series for
seasonality before they use it. No Keras here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["repeat_errors"]


def repeat_errors(
    target: np.ndarray,
    indptr: np.ndarray,
    train_len: np.ndarray,
    lookback: int,
    horizon: int,
    periods: Sequence[int],
    max_origins: int = 1000,
) -> np.ndarray:
    """Mean scaled error of repeating each period's last values over the horizon.

    For every training window of every series (its last ``max_origins``
    windows: recent behaviour, and a cost that does not grow with the
    series' length), the forecast of period ``p`` repeats the lookback's
    last ``p`` values over the ``horizon``. Its mean absolute error is
    divided by the series' mean absolute one-step change (MASE's scale, so
    that series of different units weigh alike) and averaged over series.

    Parameters
    ----------
    target : numpy.ndarray
        The panel's target column, series back to back, shape ``(n_total,)``.
    indptr : numpy.ndarray
        Series offsets, length ``n_series + 1``.
    train_len : numpy.ndarray
        Points of each series to use (its training part), from its start.
    lookback, horizon : int
        Window geometry; every period must be at most ``lookback``.
    periods : sequence of int
        The repeat periods to score (1 is naive, the season seasonal naive).
    max_origins : int, default 1000
        Windows scored per series, at most.

    Returns
    -------
    numpy.ndarray
        One mean scaled error per period; NaN when no series has a training
        window and a non-constant training part.

    Examples
    --------
    >>> season = np.tile([0.0, 5.0, 1.0, 7.0], 10)  # a pure season of 4
    >>> walk = np.cumsum(np.tile([1.0, -1.0, 1.0, 1.0], 10))  # a trend
    >>> ind = np.array([0, 40])
    >>> repeat_errors(season, ind, np.array([40]), 8, 4, (1, 4)).round(2).tolist()
    [0.58, 0.0]
    >>> repeat_errors(walk, ind, np.array([40]), 8, 4, (1, 4)).round(2).tolist()
    [1.36, 2.0]
    """
    args = (lookback, horizon, periods, max_origins)
    spans = zip(indptr[:-1], train_len, strict=True)
    errors = [_series_errors(target[s : s + n], *args) for s, n in spans]
    errors = [e for e in errors if e is not None]
    return np.mean(errors, axis=0) if errors else np.full(len(periods), np.nan)


def _series_errors(y, lookback, horizon, periods, max_origins):
    """One series' scaled repeat errors, one per period; None when it has no
    training window or is constant (no scale)."""
    y, window = np.asarray(y, dtype=np.float64), lookback + horizon
    scale = np.mean(np.abs(np.diff(y))) if len(y) >= window else 0.0
    if not np.isfinite(scale) or scale == 0:
        return None
    windows = sliding_window_view(y, window)[-max_origins:]
    past, future = windows[:, :lookback], windows[:, lookback:]
    errors = np.empty(len(periods))
    for i, p in enumerate(periods):
        repeated = np.tile(past[:, lookback - p :], (1, -(-horizon // p)))
        errors[i] = np.mean(np.abs(future - repeated[:, :horizon])) / scale
    return errors
