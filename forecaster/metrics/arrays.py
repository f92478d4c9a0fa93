"""Point, probabilistic and interval forecast accuracy metrics on arrays.

Each returns a ``float`` averaged over all points (and quantile levels);
:func:`forecaster.metrics.evaluate` applies them per series to a
cross-validation frame. sMAPE and
MASE follow Makridakis, Spiliotis and Assimakopoulos (2020), "The M4
Competition: 100,000 time series and 61 forecasting methods", IJF 36(1), 54-74.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["coverage", "crps_from_quantiles", "crps_from_samples",
           "interval_width", "mae", "mase", "pinball_loss", "rmse",
           "smape"]  # fmt: skip

_RAISES = """Raises
    ------
    ValueError
        On a shape mismatch, empty or NaN input%s.
    TypeError
        If an input is not numeric."""
_Y_YHAT = """Parameters
    ----------
    y, yhat : array_like
        Observed and forecast values, same shape.

    Returns
    -------
    float
        The metric, averaged over all points."""
_Q_PRED = (
    """Parameters
    ----------
    y : array_like
        Observations, shape ``S``.
    q_pred : array_like
        Quantile predictions, shape ``S + (Q,)``.
    quantiles : array_like
        The ``Q`` levels, each in ``(0, 1)``.

    Returns
    -------
    float
        The score averaged over all points and levels.

    """
    + _RAISES % " or levels outside (0, 1)"
)
_DOCS = {
    "point": _Y_YHAT + "\n\n    " + _RAISES % "",
    "quantile": _Q_PRED,
    "raises": _RAISES % "",
    "raises_lohi": _RAISES % ", or lo > hi anywhere",
    "raises_mase": _RAISES % ", season_length not a positive int,\n        or "
    "y_train not 1-D with more than season_length points",
}


def _arr(x: ArrayLike, name: str) -> np.ndarray:
    """``x`` as a non-empty float array without NaN."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric, got {type(x).__name__}") from exc
    if a.size == 0 or np.isnan(a).any():
        raise ValueError(f"{name} must be non-empty and free of NaN")
    return a


def _same(x: ArrayLike, z: ArrayLike, nx: str, nz: str) -> tuple[np.ndarray, ...]:
    a, b = _arr(x, nx), _arr(z, nz)
    if a.shape != b.shape:
        raise ValueError(f"{nx} and {nz} differ in shape: {a.shape} vs {b.shape}")
    return a, b


def mae(y: ArrayLike, yhat: ArrayLike) -> float:
    """Mean absolute error ``mean(|y - yhat|)``.

    %(point)s

    Examples
    --------
    >>> mae([1, 2, 3], [2, 2, 5])
    1.0
    """
    a, b = _same(y, yhat, "y", "yhat")
    return float(np.mean(np.abs(a - b)))


def rmse(y: ArrayLike, yhat: ArrayLike) -> float:
    """Root mean squared error ``sqrt(mean((y - yhat)^2))``.

    %(point)s

    Examples
    --------
    >>> round(rmse([1, 2, 3], [2, 2, 5]), 6)  # sqrt(5 / 3)
    1.290994
    """
    a, b = _same(y, yhat, "y", "yhat")
    return float(np.sqrt(np.mean((a - b) ** 2)))


def smape(y: ArrayLike, yhat: ArrayLike) -> float:
    """Symmetric MAPE in percent, M4 definition (Makridakis et al. 2020).

    ``sMAPE = 200 / h * sum_t |y_t - yhat_t| / (|y_t| + |yhat_t|)``, in
    ``[0, 200]``. A term with ``y_t == yhat_t == 0`` (0/0) is defined as 0.

    %(point)s

    Examples
    --------
    >>> round(smape([1, 2, 3], [2, 2, 5]), 4)  # 200/3 * (1/3 + 0 + 2/8)
    38.8889
    >>> smape([0, 1], [0, 1])
    0.0
    """
    a, b = _same(y, yhat, "y", "yhat")
    num, den = np.abs(a - b), np.abs(a) + np.abs(b)
    return float(200.0 * np.mean(np.divide(num, den, out=num * 0, where=den > 0)))


def _naive_scale(y_train: ArrayLike, m: object) -> float:
    """In-sample MAE of the seasonal naive forecast with period ``m``."""
    if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
        raise ValueError(f"season_length must be a positive int, got {m!r}")
    a = _arr(y_train, "y_train")
    if a.ndim != 1 or a.size <= m:
        raise ValueError(f"y_train must be 1-D with > {m} points, got {a.shape}")
    return float(np.mean(np.abs(a[m:] - a[:-m])))


def mase(
    y: ArrayLike, yhat: ArrayLike, y_train: ArrayLike, season_length: int = 1
) -> float:
    """Mean absolute scaled error, M4 definition (Makridakis et al. 2020).

    MAE of the forecast divided by the in-sample MAE of the seasonal naive
    forecast with period ``m``: ``mean_{t>m} |y_train[t] - y_train[t-m]|``.

    Parameters
    ----------
    y, yhat : array_like
        Observed and forecast values over the horizon, same shape.
    y_train : array_like
        1-D in-sample history that precedes the forecast.
    season_length : int, default 1
        Seasonal period ``m``; 1 gives the non-seasonal naive scale.

    Returns
    -------
    float
        The MASE. When the scale is 0 (a constant or exactly ``m``-periodic
        history) it is ``inf`` for a nonzero error and ``0.0`` for zero error.

    %(raises_mase)s

    Examples
    --------
    >>> mase([5, 6], [4, 8], y_train=[1, 2, 4, 7])  # 1.5 / mean(1, 2, 3)
    0.75
    >>> mase([1], [2], y_train=[3, 3])
    inf
    """
    scale, err = _naive_scale(y_train, season_length), mae(y, yhat)
    return err / scale if scale > 0 else (float("inf") if err > 0 else 0.0)


def pinball_loss(y: ArrayLike, q_pred: ArrayLike, quantiles: ArrayLike) -> float:
    """Mean quantile (pinball) loss over points and quantile levels.

    For level ``tau`` and quantile prediction ``q`` the loss is
    ``max(tau * (y - q), (tau - 1) * (y - q))``.

    %(quantile)s

    Examples
    --------
    >>> round(pinball_loss([10.0], [[8.0]], [0.9]), 10)  # 0.9 * (10 - 8)
    1.8
    """
    a, q, tau = _arr(y, "y"), _arr(q_pred, "q_pred"), _arr(quantiles, "quantiles")
    if tau.ndim != 1 or ((tau <= 0) | (tau >= 1)).any():
        raise ValueError(f"quantiles must be 1-D levels in (0, 1), got {tau.tolist()}")
    if q.shape != a.shape + tau.shape:
        raise ValueError(f"q_pred must have shape {a.shape + tau.shape}, got {q.shape}")
    diff = a[..., None] - q
    return float(np.mean(np.maximum(tau * diff, (tau - 1.0) * diff)))


def crps_from_quantiles(y: ArrayLike, q_pred: ArrayLike, quantiles: ArrayLike) -> float:
    """CRPS approximated as twice the mean pinball loss over quantile levels.

    ``CRPS = 2 * integral_0^1 pinball_tau dtau``; the integral is replaced by
    the mean over the given levels. This Riemann-sum approximation is only
    faithful for levels spread evenly over ``(0, 1)`` (e.g. 0.1, ..., 0.9)
    and ignores the tails beyond the outermost levels.

    %(quantile)s

    Examples
    --------
    >>> round(crps_from_quantiles([1.0], [[0.0, 1.0, 2.0]], [0.25, 0.5, 0.75]), 6)
    0.333333
    """
    return 2.0 * pinball_loss(y, q_pred, quantiles)


def crps_from_samples(y: ArrayLike, samples: ArrayLike) -> float:
    """CRPS from predictive samples, energy form ``E|X-y| - 0.5 E|X-X'|``.

    Expectations are over the empirical distribution of the samples (last
    axis). ``E|X - X'|`` uses the sorted samples ``x_(1) <= ... <= x_(n)``:
    ``(2 / n^2) * sum_i (2i - n - 1) x_(i)``, so the cost is ``O(n log n)``.

    Parameters
    ----------
    y : array_like
        Observations, shape ``S``.
    samples : array_like
        Samples, shape ``S + (n,)``.

    Returns
    -------
    float
        CRPS averaged over all points.

    %(raises)s

    Examples
    --------
    >>> crps_from_samples(1.0, [3.0])  # one sample: |x - y|
    2.0
    >>> crps_from_samples([0.0], [[-1.0, 1.0]])  # 1 - 0.5 * 1
    0.5
    """
    a, s = _arr(y, "y"), _arr(samples, "samples")
    if s.shape[:-1] != a.shape or s.ndim != a.ndim + 1:
        raise ValueError(f"samples must have shape {a.shape} + (n,), got {s.shape}")
    n = s.shape[-1]
    w = (2.0 * np.arange(1, n + 1) - n - 1.0) / n**2
    half_spread = np.sort(s, axis=-1) @ w  # 0.5 * E|X - X'|
    return float(np.mean(np.mean(np.abs(s - a[..., None]), axis=-1) - half_spread))


def coverage(y: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> float:
    """Fraction of observations inside the closed intervals ``[lo, hi]``.

    Parameters
    ----------
    y, lo, hi : array_like
        Observations and interval bounds, same shape.

    Returns
    -------
    float
        Empirical coverage in ``[0, 1]``.

    %(raises_lohi)s

    Examples
    --------
    >>> coverage([1, 2, 3, 4], [0, 2, 3.5, 0], [1, 3, 4, 3])
    0.5
    """
    interval_width(lo, hi)  # validates the bounds
    a, lo_a = _same(y, lo, "y", "lo")
    return float(np.mean((a >= lo_a) & (a <= np.asarray(hi, dtype=float))))


def interval_width(lo: ArrayLike, hi: ArrayLike) -> float:
    """Mean width ``hi - lo`` of prediction intervals.

    Parameters
    ----------
    lo, hi : array_like
        Interval bounds, same shape.

    Returns
    -------
    float
        Mean width.

    %(raises_lohi)s

    Examples
    --------
    >>> interval_width([0, 1], [2, 5])
    3.0
    """
    lo_a, hi_a = _same(lo, hi, "lo", "hi")
    if (lo_a > hi_a).any():
        raise ValueError("lo must be <= hi element-wise")
    return float(np.mean(hi_a - lo_a))


for _name in __all__:  # fill the shared docstring sections (absent under -OO)
    if (_func := globals()[_name]).__doc__:
        _func.__doc__ %= _DOCS
