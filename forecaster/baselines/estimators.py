"""The statistical baselines as estimators with the networks' facade.

``Naive()``, ``SeasonalNaive(season_length=12)``, ``Drift()`` and
``Theta(season_length=12)`` follow scikit-learn (parameters stored as given,
``fit`` returns the estimator, fitted state ends in ``_``, ``NotFittedError``
before ``fit``) and the networks' frames: ``fit(df)`` takes a long frame or a
Series, ``predict()`` returns ``unique_id, ds, yhat`` (plus ``yhat_lo80``,
``yhat_hi80``... for ``predict(level=[80])`` where the method has intervals).
They learn nothing a new history would not give: ``predict(df=history)``
forecasts from ``history`` alone, which is what
:func:`forecaster.backtest.cross_validation` asks at every cutoff. The
horizon may be left unset (``horizon=None``): ``predict(h=...)`` gives it,
and ``cross_validation`` with several models sets it to theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from forecaster.baselines import methods
from forecaster.baselines.frames import (
    History,
    check_lengths,
    forecast_frame,
    read_history,
)
from forecaster.data.validation import check_positive_int
from forecaster.estimators.defaults import season_length as usual_season
from forecaster.estimators.uncertainty import check_levels

__all__ = ["Naive", "SeasonalNaive", "Drift", "Theta"]


class _Baseline(BaseEstimator):
    """``fit`` / ``predict`` of every baseline; a method implements
    :meth:`_forecast` and :meth:`_min_length` (not used directly)."""

    def fit(self, df: pd.DataFrame | pd.Series, y=None) -> _Baseline:
        """Validate and remember the history of every series of ``df``.

        Parameters
        ----------
        df : pandas.DataFrame or pandas.Series
            Long frame (``id_col, time_col, target_col``) or one series with
            a ``DatetimeIndex``; regular series without NaN.
        y : None
            Ignored (scikit-learn's signature).

        Returns
        -------
        self

        Raises
        ------
        TypeError, ValueError
            From the data layer's validation (naming column, series and
            row), on a bad parameter, or a series too short for the method.
        """
        check_positive_int("horizon", self.horizon, allow_none=True)
        history = read_history(
            df, self.id_col, self.time_col, self.target_col, self.freq
        )
        self.season_length_ = self._season(history)
        check_lengths(history, *self._min_length(()))
        self.history_ = history
        self.ids_ = history.panel.ids
        self.freq_ = history.freq
        self.input_was_series_ = isinstance(df, pd.Series)
        return self

    def predict(
        self,
        df: pd.DataFrame | pd.Series | None = None,
        level: Sequence[float] | None = None,
        h: int | None = None,
    ) -> pd.DataFrame:
        """Forecast the steps after the end of every series.

        Parameters
        ----------
        df : pandas.DataFrame or pandas.Series, optional
            New history (same frequency) to forecast from; default the
            data given to ``fit``.
        level : sequence of float, optional
            Normal prediction intervals in percent, as ``yhat_lo80``,
            ``yhat_hi80``... columns.
        h : int, optional
            Steps to forecast; default ``horizon``.

        Returns
        -------
        pandas.DataFrame
            ``id_col, time_col, "yhat"`` (+ interval columns), ``h`` rows per
            series; for a Series, a frame indexed by ``time_col``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            Without a horizon, on a bad ``level``, or on invalid or too
            short history.
        """
        check_is_fitted(self, "history_")
        steps = self._steps(h)
        levels = check_levels(level)
        history = self.history_
        if df is not None:
            cols = (self.id_col, self.time_col, self.target_col)
            history = read_history(df, *cols, freq=self.freq_)
        check_lengths(history, *self._min_length(levels))
        per_series = [self._forecast(y, steps, levels) for y in history.series()]
        columns = {k: np.concatenate([p[k] for p in per_series]) for k in per_series[0]}
        out = forecast_frame(history, columns, steps, self.id_col, self.time_col)
        series = self.input_was_series_ if df is None else isinstance(df, pd.Series)
        return out.drop(columns=self.id_col).set_index(self.time_col) if series else out

    def _steps(self, h: int | None) -> int:
        if h is None and self.horizon is None:
            raise ValueError(
                f"{type(self).__name__} has no horizon: set horizon= or pass "
                "predict(h=...)."
            )
        steps = self.horizon if h is None else h
        check_positive_int("h" if h is not None else "horizon", steps)
        return int(steps)

    # -- the method's hooks -------------------------------------------------
    def _season(self, history: History) -> int:
        """The seasonal period the method uses (1: none)."""
        return 1

    def _min_length(self, levels: list[float]) -> tuple[int, str]:
        """Points each series needs, and why (for the message)."""
        raise NotImplementedError

    def _forecast(self, y: np.ndarray, h: int, levels) -> dict[str, np.ndarray]:
        """``{"yhat": ..., "yhat_lo80": ...}`` for one series ``y``."""
        raise NotImplementedError


def _with_intervals(yhat, levels, interval) -> dict[str, np.ndarray]:
    """``yhat`` and, per level, the bounds ``interval(level)`` returns."""
    cols = {"yhat": yhat}
    for lv in levels:
        cols[f"yhat_lo{lv:g}"], cols[f"yhat_hi{lv:g}"] = interval(lv)
    return cols


class SeasonalNaive(_Baseline):
    """Seasonal naive: every step repeats the value one season before.

    Parameters
    ----------
    season_length : int, optional
        Seasonal period ``m``; default the frequency's usual one (12 for
        monthly, 24 for hourly data; 1 for an integer time column).
    horizon : int, optional
        Steps to forecast; or pass ``predict(h=...)``.
    freq : str or int, optional
        Offset alias, or an integer step for an integer time column;
        inferred when omitted.
    id_col, time_col, target_col : str
        Column names.

    Attributes
    ----------
    history_ : History
        The series seen at fit (float64 target, panel of the data layer).
    ids_ : numpy.ndarray
        Their ids (text), in output order.
    freq_ : str or int
        The frequency, given or inferred.
    season_length_ : int
        The period used.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "y": [1.0, 2, 3, 4],
    ...                    "ds": pd.date_range("2024-01-01", periods=4, freq="D")})
    >>> SeasonalNaive(season_length=2, horizon=3).fit(df).predict()["yhat"].tolist()
    [3.0, 4.0, 3.0]
    """

    def __init__(
        self,
        season_length: int | None = None,
        horizon: int | None = None,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ):
        self.season_length = season_length
        self.horizon = horizon
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _season(self, history: History) -> int:
        """``season_length``, else the frequency's usual period."""
        m = self.season_length
        if m is not None:
            check_positive_int("season_length", m)
            return int(m)
        return 1 if history.integer_time else usual_season(history.panel.freq)

    def _min_length(self, levels):
        m = self.season_length_
        if levels:  # the residuals need one season before them
            return m + 1, f"season_length {m} + 1 for the interval's residuals"
        return m, f"season_length {m}"

    def _forecast(self, y, h, levels):
        m = self.season_length_
        return _with_intervals(
            methods.seasonal_naive_forecast(y, h, m),
            levels,
            lambda lv: methods.seasonal_naive_interval(y, h, m, lv),
        )


class Naive(SeasonalNaive):
    """Naive: every step repeats the last value (seasonal naive with ``m = 1``).

    Parameters, attributes and intervals as :class:`SeasonalNaive`, without
    ``season_length``.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "ds": [1, 2, 3], "y": [1.0, 2, 5]})
    >>> Naive(horizon=2).fit(df).predict()["yhat"].tolist()
    [5.0, 5.0]
    """

    def __init__(
        self,
        horizon: int | None = None,
        freq: str | int | None = None,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ):
        self.horizon = horizon
        self.freq = freq
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def _season(self, history: History) -> int:
        return 1


class Drift(Naive):
    """Random walk with drift: the line through the first and last value.

    Intervals as R's ``rwf(drift=TRUE)`` (:func:`~forecaster.baselines.
    methods.drift_interval`). Parameters and attributes as :class:`Naive`.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "ds": [1, 2, 3], "y": [1.0, 3, 5]})
    >>> Drift(horizon=2).fit(df).predict()["yhat"].tolist()
    [7.0, 9.0]
    """

    def _min_length(self, levels):
        if levels:
            return 3, "3 for the drift interval's spread"
        return 2, "a first and a last point"

    def _forecast(self, y, h, levels):
        return _with_intervals(
            methods.drift_forecast(y, h),
            levels,
            lambda lv: methods.drift_interval(y, h, lv),
        )


class Theta(SeasonalNaive):
    """The classic Theta method of the M4 benchmarks (no intervals).

    See :func:`~forecaster.baselines.methods.theta_forecast`; a seasonal
    adjustment with ``season_length > 1`` when the series passes the 90%
    autocorrelation test. Parameters and attributes as
    :class:`SeasonalNaive`.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": "a", "ds": range(10), "y": 5.0})
    >>> Theta(horizon=2).fit(df).predict()["yhat"].round(6).tolist()
    [5.0, 5.0]
    """

    def predict(
        self, df: pd.DataFrame | pd.Series | None = None, h: int | None = None
    ) -> pd.DataFrame:
        """Forecast as :meth:`SeasonalNaive.predict`, without ``level``."""
        return super().predict(df, h=h)

    def _min_length(self, levels):
        return 3, "3 for the trend line and the smoothing"

    def _forecast(self, y, h, levels):
        return {"yhat": methods.theta_forecast(y, h, self.season_length_)}
