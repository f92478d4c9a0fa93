"""Statistical baselines: naive, seasonal naive, drift and the Theta method.

Frame functions take a long frame (``unique_id, ds, y``; names configurable)
and return ``unique_id, ds, yhat`` with ``horizon`` future timestamps per
series, series in order of first appearance (each sorted by time before
fitting). The pure-array helpers work on one 1-D series.

References: Assimakopoulos & Nikolopoulos (2000), "The theta model: a
decomposition approach to forecasting", IJF 16(4); Hyndman & Billah (2003),
"Unmasking the Theta method", IJF 19(2); Makridakis, Spiliotis &
Assimakopoulos (2020), "The M4 Competition", IJF 36(1).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar
from scipy.signal import lfilter
from scipy.stats import norm

__all__ = ["naive", "seasonal_naive", "drift", "theta", "naive_forecast",
           "seasonal_naive_forecast", "seasonal_naive_interval", "drift_forecast",
           "theta_forecast"]  # fmt: skip

_DOCS = {
    "array": """Parameters
    ----------
    y : array_like
        One series, oldest first, without NaN.
    horizon : int
        Number of steps to forecast.""",
    "frame": """Parameters
    ----------
    df : pandas.DataFrame
        Long frame with columns ``id_col, time_col, target_col``.
    horizon : int
        Number of future steps per series.%s
    freq : str or int, optional
        Pandas offset alias (``"MS"``, ``"30min"``, ``"W-SAT"``, ``"YS"``), or
        an integer step for an integer time column. Inferred per series
        (:func:`pandas.infer_freq`, needs 3 timestamps) when omitted.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Columns ``id_col, time_col, "yhat"``, ``horizon`` rows per series.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame, the target is not numeric or an integer
        argument has the wrong type.
    ValueError
        On missing columns, duplicated (id, time) pairs, NaN targets, a series
        shorter than %s, or a frequency that cannot be inferred.""",
    "season": """
    season_length : int
        Seasonal period ``m``.""",
}


def _pos_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)


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
    return np.full(_pos_int(horizon, "horizon"), _series(y, 1)[-1])


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
    h, m = _pos_int(horizon, "horizon"), _pos_int(season_length, "season_length")
    return np.resize(_series(y, m)[-m:], h)


def _check_level(level: object) -> float:
    if isinstance(level, bool) or not isinstance(level, int | float | np.number):
        raise TypeError(f"level must be a number in (0, 100), got {level!r}")
    if not 0 < level < 100:
        raise ValueError(f"level must be in (0, 100), got {level!r}")
    return float(level)


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
        NaN, or ``level`` is outside ``(0, 100)``.
    TypeError
        If ``level`` is not a number.

    Examples
    --------
    >>> lo, hi = seasonal_naive_interval([1.0, 2.0, 2.0, 3.0], 3, 2, 68.27)
    >>> lo.round(3).tolist(), hi.round(3).tolist()
    ([1.0, 2.0, 0.586], [3.0, 4.0, 3.414])
    """
    h, m = _pos_int(horizon, "horizon"), _pos_int(season_length, "season_length")
    z = norm.ppf(0.5 + _check_level(level) / 200.0)
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
    h, a = _pos_int(horizon, "horizon"), _series(y, 2)
    return a[-1] + np.arange(1, h + 1) * (a[-1] - a[0]) / (a.size - 1)


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
    h, m = _pos_int(horizon, "horizon"), _pos_int(season_length, "season_length")
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


def _future_dates(last: object, h: int, freq: str | int) -> pd.Index:
    """The ``h`` time stamps after ``last`` at offset alias (or int step) ``freq``.

    Examples
    --------
    >>> [str(d.date()) for d in _future_dates(pd.Timestamp("2024-01-01"), 2, "MS")]
    ['2024-02-01', '2024-03-01']
    >>> _future_dates(10, 3, 2).tolist()
    [12, 14, 16]
    """
    if isinstance(last, int | np.integer) and not isinstance(last, bool):
        return pd.Index(int(last) + _pos_int(freq, "freq") * np.arange(1, h + 1))
    try:
        dates = pd.date_range(start=last, periods=h + 1, freq=freq)  # type: ignore
    except (TypeError, ValueError) as exc:
        raise ValueError(f"invalid freq {freq!r} after {last!r}: {exc}") from exc
    return dates[1:] if dates[0] == last else dates[:h]


def _infer_freq(ds: pd.Series, uid: object) -> str | int:
    if pd.api.types.is_integer_dtype(ds):
        steps = np.unique(np.diff(ds.to_numpy()))
        if len(steps) == 1 and steps[0] > 0:
            return int(steps[0])
    elif len(ds) >= 3:
        with warnings.catch_warnings():  # pandas 3 warns it will return an offset
            warnings.simplefilter("ignore")
            freq = pd.infer_freq(ds)
        if freq is not None:
            return getattr(freq, "freqstr", freq)
    raise ValueError(f"series {uid!r}: cannot infer freq of {ds.name!r}; pass freq")


def _apply(
    df: pd.DataFrame,
    horizon: int,
    fc: Callable[[np.ndarray], np.ndarray | dict[str, np.ndarray]],
    min_len: int,
    freq: str | int | None,
    cols: tuple[str, str, str],
) -> pd.DataFrame:
    """Run ``fc`` on every series of ``df`` and build the forecast frame.

    ``fc`` returns the ``yhat`` array, or a dict of columns (``yhat`` first).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    id_col, time_col, target_col = cols
    if missing := [c for c in cols if c not in df.columns]:
        raise ValueError(f"columns {missing} not found in df")
    target = df[target_col]
    if pd.api.types.is_bool_dtype(target) or not pd.api.types.is_numeric_dtype(target):
        raise TypeError(f"target {target_col!r} must be numeric, got {target.dtype}")
    if df.duplicated([id_col, time_col]).any():
        raise ValueError(f"df has duplicated ({id_col!r}, {time_col!r}) pairs")
    ids, times, preds = [], [], []
    for uid, g in df.groupby(id_col, sort=False, observed=True):
        g = g.sort_values(time_col)
        y = g[target_col].to_numpy(dtype=float)
        if y.size < min_len or np.isnan(y).any():
            raise ValueError(
                f"series {uid!r} needs >= {min_len} observations without NaN in "
                f"{target_col!r}, got {y.size} with {int(np.isnan(y).sum())} NaN"
            )
        step = _infer_freq(g[time_col], uid) if freq is None else freq
        times.append(_future_dates(g[time_col].iloc[-1], horizon, step))
        ids.append([uid] * horizon)
        pred = fc(y)
        preds.append(pred if isinstance(pred, dict) else {"yhat": pred})
    if not ids:
        raise ValueError("df has no rows")
    cols = {k: np.concatenate([p[k] for p in preds]) for k in preds[0]}
    out = pd.DataFrame({id_col: np.concatenate(ids), **cols})
    out.insert(1, time_col, times[0].append(times[1:]).astype(df[time_col].dtype))
    out[id_col] = out[id_col].astype(df[id_col].dtype)
    return out


def naive(
    df: pd.DataFrame,
    horizon: int,
    freq: str | int | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Naive forecast: every step repeats the series' last value.

    %(frame_naive)s

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "y": [1.0, 2.0, 3.0],
    ...                    "ds": pd.date_range("2024-01-01", periods=3, freq="MS")})
    >>> naive(df, 2)
      unique_id         ds  yhat
    0         a 2024-04-01   3.0
    1         a 2024-05-01   3.0
    """
    h = _pos_int(horizon, "horizon")
    fc = lambda y: naive_forecast(y, h)  # noqa: E731
    return _apply(df, h, fc, 1, freq, (id_col, time_col, target_col))


def seasonal_naive(
    df: pd.DataFrame,
    horizon: int,
    season_length: int,
    freq: str | int | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    level: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Seasonal naive forecast: repeat the last ``season_length`` values.

    %(frame_seasonal_naive)s

    With ``level`` (percentages, e.g. ``[80, 95]``) the frame also has the
    columns ``yhat_lo80, yhat_hi80, ...`` of :func:`seasonal_naive_interval`,
    and every series then needs more than ``season_length`` points.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "ds": [1, 2, 3, 4], "y": [1.0, 2, 3, 4]})
    >>> seasonal_naive(df, 3, season_length=2)["yhat"].tolist()
    [3.0, 4.0, 3.0]
    >>> seasonal_naive(df, 1, season_length=2, level=[80]).columns.tolist()
    ['unique_id', 'ds', 'yhat', 'yhat_lo80', 'yhat_hi80']
    """
    h, m = _pos_int(horizon, "horizon"), _pos_int(season_length, "season_length")
    levels = [] if level is None else [_check_level(lv) for lv in level]
    if not levels:
        fc = lambda y: seasonal_naive_forecast(y, h, m)  # noqa: E731
        return _apply(df, h, fc, m, freq, (id_col, time_col, target_col))

    def fc_interval(y: np.ndarray) -> dict[str, np.ndarray]:
        cols = {"yhat": seasonal_naive_forecast(y, h, m)}
        for lv in levels:
            lo, hi = seasonal_naive_interval(y, h, m, lv)
            cols[f"yhat_lo{lv:g}"], cols[f"yhat_hi{lv:g}"] = lo, hi
        return cols

    return _apply(df, h, fc_interval, m + 1, freq, (id_col, time_col, target_col))


def drift(
    df: pd.DataFrame,
    horizon: int,
    freq: str | int | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Random walk with drift: extend the line through the first and last value.

    %(frame_drift)s

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "ds": [1, 2, 3], "y": [1.0, 3.0, 5.0]})
    >>> drift(df, 2)
      unique_id  ds  yhat
    0         a   4   7.0
    1         a   5   9.0
    """
    h = _pos_int(horizon, "horizon")
    fc = lambda y: drift_forecast(y, h)  # noqa: E731
    return _apply(df, h, fc, 2, freq, (id_col, time_col, target_col))


def theta(
    df: pd.DataFrame,
    horizon: int,
    season_length: int = 1,
    freq: str | int | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Classic Theta method (M4 benchmark) per series; see :func:`theta_forecast`.

    %(frame_theta)s

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "ds": range(10), "y": 5.0})
    >>> theta(df, 2)["yhat"].round(6).tolist()
    [5.0, 5.0]
    """
    h, m = _pos_int(horizon, "horizon"), _pos_int(season_length, "season_length")
    fc = lambda y: theta_forecast(y, h, m)  # noqa: E731
    return _apply(df, h, fc, 3, freq, (id_col, time_col, target_col))


_DOCS.update(
    frame_naive=_DOCS["frame"] % ("", "1 point"),
    frame_seasonal_naive=_DOCS["frame"] % (_DOCS["season"], "season_length"),
    frame_drift=_DOCS["frame"] % ("", "2 points"),
    frame_theta=_DOCS["frame"] % (_DOCS["season"] + " Default 1.", "3 points"),
)
for _name in __all__:  # fill the shared docstring sections (absent under -OO)
    if (_func := globals()[_name]).__doc__:
        _func.__doc__ %= _DOCS
