"""The baselines as functions of a frame: ``naive(df, horizon)`` and kin.

Each fits the estimator of :mod:`forecaster.baselines.estimators` and returns
its forecast in the terms of ``df`` (:func:`~forecaster.baselines.frames.
as_given`): series in order of first appearance, ids and times in the dtypes
of ``df``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from forecaster.baselines.estimators import Drift, Naive, SeasonalNaive, Theta
from forecaster.baselines.frames import as_given

__all__ = ["naive", "seasonal_naive", "drift", "theta"]

_DOCS = {
    "frame": """Parameters
    ----------
    df : pandas.DataFrame
        Long frame with columns ``id_col, time_col, target_col``.
    horizon : int
        Number of future steps per series.%s
    freq : str or int, optional
        Pandas offset alias (``"MS"``, ``"30min"``, ``"W-SAT"``, ``"YS"``), or
        an integer step for an integer time column; inferred when omitted.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Columns ``id_col, time_col, "yhat"``, ``horizon`` rows per series.

    Raises
    ------
    TypeError, ValueError
        From the data layer's validation (missing columns, duplicated (id,
        time) pairs, NaN or non-numeric targets, irregular series, naming the
        column, series and row), on a bad argument, or a series shorter than
        %s.""",
    "season": """
    season_length : int
        Seasonal period ``m``.""",
}


def _run(estimator, df: pd.DataFrame, **predict_kw) -> pd.DataFrame:
    forecast = estimator.fit(df).predict(**predict_kw)
    return as_given(forecast, df, estimator.id_col, estimator.time_col)


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
    cols = dict(id_col=id_col, time_col=time_col, target_col=target_col)
    return _run(Naive(horizon=horizon, freq=freq, **cols), df)


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
    columns ``yhat_lo80, yhat_hi80, ...`` of
    :func:`~forecaster.baselines.methods.seasonal_naive_interval`, and every
    series then needs more than ``season_length`` points.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "ds": [1, 2, 3, 4], "y": [1.0, 2, 3, 4]})
    >>> seasonal_naive(df, 3, season_length=2)["yhat"].tolist()
    [3.0, 4.0, 3.0]
    >>> seasonal_naive(df, 1, season_length=2, level=[80]).columns.tolist()
    ['unique_id', 'ds', 'yhat', 'yhat_lo80', 'yhat_hi80']
    """
    cols = dict(id_col=id_col, time_col=time_col, target_col=target_col)
    est = SeasonalNaive(season_length=season_length, horizon=horizon, freq=freq, **cols)
    return _run(est, df, level=level)


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
    cols = dict(id_col=id_col, time_col=time_col, target_col=target_col)
    return _run(Drift(horizon=horizon, freq=freq, **cols), df)


def theta(
    df: pd.DataFrame,
    horizon: int,
    season_length: int = 1,
    freq: str | int | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Classic Theta method (M4 benchmark) per series; see
    :func:`~forecaster.baselines.methods.theta_forecast`.

    %(frame_theta)s

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "ds": range(10), "y": 5.0})
    >>> theta(df, 2)["yhat"].round(6).tolist()
    [5.0, 5.0]
    """
    cols = dict(id_col=id_col, time_col=time_col, target_col=target_col)
    est = Theta(season_length=season_length, horizon=horizon, freq=freq, **cols)
    return _run(est, df)


_DOCS.update(
    frame_naive=_DOCS["frame"] % ("", "1 point"),
    frame_seasonal_naive=_DOCS["frame"] % (_DOCS["season"], "season_length"),
    frame_drift=_DOCS["frame"] % ("", "2 points"),
    frame_theta=_DOCS["frame"] % (_DOCS["season"] + " Default 1.", "3 points"),
)
for _name in __all__:  # fill the shared docstring sections (absent under -OO)
    if (_func := globals()[_name]).__doc__:
        _func.__doc__ %= _DOCS
