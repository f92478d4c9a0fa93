"""Statistical baselines on one series: naive, seasonal naive, drift, Theta.

Pure functions of a 1-D array (oldest first, no NaN) and a horizon; the
estimators of :mod:`forecaster.baselines.estimators` run them per series of a
long frame.

References: Assimakopoulos & Nikolopoulos (2000), "The theta model: a
decomposition approach to forecasting", IJF 16(4); Hyndman & Billah (2003),
"Unmasking the Theta method", IJF 19(2); Makridakis, Spiliotis &
Assimakopoulos (2020), "The M4 Competition", IJF 36(1); Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.), 5.5.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar
from scipy.signal import lfilter
from scipy.stats import norm

from forecaster.data.validation import check_positive_int
from forecaster.estimators.uncertainty import check_levels

__all__ = ["naive_forecast", "seasonal_naive_forecast", "seasonal_naive_interval",
           "drift_forecast", "drift_interval", "theta_forecast"]  # fmt: skip

_DOCS = {
    "array": """Parameters
    ----------
    y : array_like
        One series, oldest first, without NaN.
    horizon : int
        Number of steps to forecast.""",
    "season": """
    season_length : int
        Seasonal period ``m``.""",
}


def _positive(name: str, value: object) -> int:
    """``value`` as an int, after :func:`check_positive_int`."""
    check_positive_int(name, value)
    return int(value)  # type: ignore[call-overload]


def _z(level: float) -> float:
    """The standard normal quantile of a central ``level`` % interval."""
    levels = check_levels(level)
    if len(levels) != 1:
        raise ValueError(
            "Received an invalid value for argument `level`, expected one "
            f"percentage in (0, 100), got {level!r}."
        )
    return float(norm.ppf(0.5 + levels[0] / 200.0))


def _series(y: ArrayLike, min_len: int) -> np.ndarray:
    a = np.asarray(y, dtype=float)
    if a.ndim != 1 or a.size < min_len or np.isnan(a).any():
        raise ValueError(
            f"y must be 1-D with >= {min_len} points and no NaN, got shape {a.shape}"
        )
    return a


def naive_forecast(y: ArrayLike, horizon: int) -> np.ndarray:
    """Repeat the last observation.

    %(array)s

    Returns
    -------
    numpy.ndarray
        ``horizon`` copies of ``y[-1]``.

    Raises
    ------
    ValueError
        If ``y`` is empty, not 1-D or has NaN, or ``horizon < 1``.

    Examples
    --------
    >>> naive_forecast([1.0, 2.0, 3.0], 2)
    array([3., 3.])
    """
    return np.full(_positive("horizon", horizon), _series(y, 1)[-1])


def seasonal_naive_forecast(
    y: ArrayLike, horizon: int, season_length: int
) -> np.ndarray:
    """Repeat the last season: ``yhat[n+h] = y[n+h-m*ceil(h/m)]``.

    %(array)s%(season)s

    Returns
    -------
    numpy.ndarray
        The ``horizon`` forecasts.

    Raises
    ------
    ValueError
        If ``y`` has fewer than ``season_length`` points, is not 1-D or has NaN.

    Examples
    --------
    >>> seasonal_naive_forecast([1.0, 2.0, 3.0, 4.0], 3, season_length=2)
    array([3., 4., 3.])
    """
    h, m = _positive("horizon", horizon), _positive("season_length", season_length)
    return np.resize(_series(y, m)[-m:], h)


def seasonal_naive_interval(
    y: ArrayLike, horizon: int, season_length: int, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Normal prediction interval of the seasonal naive forecast.

    As statsforecast's ``SeasonalNaive`` and Hyndman & Athanasopoulos,
    *Forecasting: Principles and Practice* (3rd ed.), section 5.5: with the
    in-sample residuals ``r[t] = y[t] - y[t-m]``, ``sigma = sqrt(mean(r^2))``
    and ``k = floor((h - 1) / m)`` (whole seasons before step ``h``), the
    ``h``-step standard deviation is ``sigma * sqrt(k + 1)`` and the interval
    ``yhat +/- z * sigma_h`` with ``z`` the standard normal
    ``(1 + level / 100) / 2`` quantile. Uses only ``y``.

    %(array)s%(season)s
    level : float
        Coverage in percent, in ``(0, 100)``.

    Returns
    -------
    lo, hi : numpy.ndarray
        The ``horizon`` lower and upper bounds.

    Raises
    ------
    ValueError
        If ``y`` has ``season_length`` points or fewer, is not 1-D or has
        NaN, or ``level`` is not a number in ``(0, 100)``.

    Examples
    --------
    >>> lo, hi = seasonal_naive_interval([1.0, 2.0, 2.0, 3.0], 3, 2, 68.27)
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([1.0, 2.0, 0.586], [3.0, 4.0, 3.414])
    """
    h, m = _positive("horizon", horizon), _positive("season_length", season_length)
    z = _z(level)
    a = _series(y, m + 1)
    sigma = np.sqrt(np.mean((a[m:] - a[:-m]) ** 2))
    half = z * sigma * np.sqrt(np.arange(h) // m + 1.0)
    yhat = seasonal_naive_forecast(a, h, m)
    return yhat - half, yhat + half


def drift_forecast(y: ArrayLike, horizon: int) -> np.ndarray:
    """Random walk with drift: ``y[n] + h * (y[n] - y[1]) / (n - 1)``.

    %(array)s

    Returns
    -------
    numpy.ndarray
        The ``horizon`` forecasts.

    Raises
    ------
    ValueError
        If ``y`` has fewer than 2 points, is not 1-D or has NaN.

    Examples
    --------
    >>> drift_forecast([1.0, 3.0, 5.0], 2)
    array([7., 9.])
    """
    h, a = _positive("horizon", horizon), _series(y, 2)
    return a[-1] + np.arange(1, h + 1) * (a[-1] - a[0]) / (a.size - 1)


def drift_interval(
    y: ArrayLike, horizon: int, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Normal prediction interval of the drift forecast.

    As R's ``rwf(drift=TRUE)`` and *Forecasting: Principles and Practice*
    (3rd ed.), table 5.2: with the ``n - 1`` one-step changes ``d`` of ``y``
    and ``s`` their sample standard deviation, the ``h``-step standard
    deviation is ``s * sqrt(h * (1 + h / (n - 1)))`` (the random walk's
    spread plus the uncertainty of the estimated drift ``mean(d)``).

    %(array)s
    level : float
        Coverage in percent, in ``(0, 100)``.

    Returns
    -------
    lo, hi : numpy.ndarray
        The ``horizon`` lower and upper bounds.

    Raises
    ------
    ValueError
        If ``y`` has fewer than 3 points, is not 1-D or has NaN, or ``level``
        is not a number in ``(0, 100)``.

    Examples
    --------
    >>> lo, hi = drift_interval([0.0, 1.0, 3.0], 1, 68.27)  # 4.5 +/- 0.707 * 1.225
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([3.634], [5.366])
    """
    h, a = _positive("horizon", horizon), _series(y, 3)
    z = _z(level)
    s = np.std(np.diff(a), ddof=1)
    steps = np.arange(1, h + 1)
    half = z * s * np.sqrt(steps * (1.0 + steps / (a.size - 1)))
    yhat = drift_forecast(a, h)
    return yhat - half, yhat + half


def _ses_levels(y: np.ndarray, alpha: float) -> np.ndarray:
    """Levels with ``l[0] = y[0]`` and ``l[t] = a y[t] + (1 - a) l[t-1]``."""
    rest = lfilter([alpha], [1.0, alpha - 1.0], y[1:], zi=[(1.0 - alpha) * y[0]])[0]
    return np.concatenate([y[:1], rest])


def _ses_fit(y: ArrayLike) -> tuple[float, float]:
    """Simple exponential smoothing fitted by minimising the one-step SSE.

    The initial level is ``y[0]``; ``alpha`` minimises ``sum_{t>=1} (y[t] -
    l[t-1])^2`` on ``[0.01, 0.99]`` (:func:`scipy.optimize.minimize_scalar`,
    bounded). Returns ``(alpha, final level)``; the level is the forecast.
    """
    a = _series(y, 2)

    def sse(alpha: float) -> float:
        return float(np.sum((a[1:] - _ses_levels(a, alpha)[:-1]) ** 2))

    alpha = float(minimize_scalar(sse, bounds=(0.01, 0.99), method="bounded").x)
    return alpha, float(_ses_levels(a, alpha)[-1])


def _seasonality_test(y: np.ndarray, m: int) -> bool:
    """90% autocorrelation seasonality test of the M4 benchmarks.

    With ``r_k`` the sample ACF of ``n`` points, ``y`` is seasonal iff
    ``|r_m| > 1.645 / sqrt(n) * sqrt(1 + 2 * sum_{k<m} r_k^2)``; always
    ``False`` when ``m == 1`` or ``n < 3 m``.

    Examples
    --------
    >>> t = np.arange(48)
    >>> _seasonality_test(10 + np.sin(2 * np.pi * t / 12), 12)
    True
    >>> _seasonality_test(np.arange(48.0), 12)
    False
    """
    n, d = y.size, y - y.mean()
    if m == 1 or n < 3 * m or not d.any():
        return False
    acf = np.array([d[k:] @ d[: n - k] for k in range(1, m + 1)]) / (d @ d)
    limit = 1.645 / np.sqrt(n) * np.sqrt(1.0 + 2.0 * np.sum(acf[:-1] ** 2))
    return bool(abs(acf[-1]) > limit)


def _seasonal_indices(a: np.ndarray, m: int) -> np.ndarray:
    """Seasonal indices of a classical multiplicative decomposition.

    As R's ``decompose(type="multiplicative")``: centred moving-average trend
    (``2 x m`` for even ``m``), per-position mean of ``y / trend``, indices
    normalised to mean 1. Needs ``len(a) >= 2 m`` and ``a > 0``; returns the
    index of every observation.

    Examples
    --------
    >>> _seasonal_indices(np.tile([2.0, 4.0], 4), 2)[:2].round(4)
    array([0.6667, 1.3333])
    """
    w = np.ones(m) / m if m % 2 else np.r_[0.5, np.ones(m - 1), 0.5] / m
    half = len(w) // 2
    ratio = np.full(a.size, np.nan)
    ratio[half : a.size - half] = a[half : a.size - half] / np.convolve(a, w, "valid")
    figure = np.array([np.nanmean(ratio[i::m]) for i in range(m)])
    return np.resize(figure / figure.mean(), a.size)


def theta_forecast(y: ArrayLike, horizon: int, season_length: int = 1) -> np.ndarray:
    """Classic Theta method, as the M4 benchmark.

    1. If ``season_length > 1``, all values are positive and
       :func:`_seasonality_test` passes, divide ``y`` by the indices of
       :func:`_seasonal_indices`.
    2. Fit the linear trend ``L[t] = a + b t`` (theta line 0) by least squares.
    3. Fit SES (:func:`_ses_fit`) to the theta line ``2 y - L``.
    4. Forecast ``(L[n+h] + level) / 2``, i.e. SES with drift ``b / 2``
       (Hyndman & Billah 2003); reseasonalise with the last ``m`` indices.

    On an exact line the forecast thus lags it by about ``b * h / 2``. Unlike
    the M4 R code, negative forecasts are not clipped to zero.

    %(array)s
    season_length : int, default 1
        Seasonal period ``m``; 1 skips the seasonal adjustment.

    Returns
    -------
    numpy.ndarray
        The ``horizon`` forecasts.

    Raises
    ------
    ValueError
        If ``y`` has fewer than 3 points, is not 1-D or has NaN.

    Examples
    --------
    >>> theta_forecast([3.0, 3.0, 3.0, 3.0], 2)
    array([3., 3.])
    """
    h, m = _positive("horizon", horizon), _positive("season_length", season_length)
    a = _series(y, 3)
    n, seasonal_out = a.size, np.ones(h)
    if m > 1 and (a > 0).all() and _seasonality_test(a, m):
        idx = _seasonal_indices(a, m)
        a, seasonal_out = a / idx, np.resize(idx[-m:], h)
    t = np.arange(1, n + h + 1, dtype=float)
    slope, intercept = np.polyfit(t[:n], a, 1)
    line = intercept + slope * t
    _, level = _ses_fit(2.0 * a - line[:n])
    return 0.5 * (line[n:] + level) * seasonal_out


for _name in __all__:  # fill the shared docstring sections (absent under -OO)
    if (_func := globals()[_name]).__doc__:
        _func.__doc__ %= _DOCS
