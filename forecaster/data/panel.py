"""The panel: many series as one contiguous float32 array plus offsets.

Everything downstream (scaling, windows, forecast timestamps) works on a
:class:`Panel`, never on the pandas frame: series ``k`` occupies rows
``indptr[k]:indptr[k + 1]`` of ``values``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecaster.data.clock import aware_times, clock_times, zone_of
from forecaster.data.frequency import infer_freq
from forecaster.data.validation import id_codes, validate_long_frame

__all__ = ["Panel", "panel_from_frame", "future_times", "forecast_frame"]


@dataclass(frozen=True)
class Panel:
    """Series stored back to back.

    Attributes
    ----------
    ids : numpy.ndarray
        Series identifiers (str), shape ``(n_series,)``.
    indptr : numpy.ndarray
        int64 offsets, shape ``(n_series + 1,)``.
    values : numpy.ndarray
        float32 ``(n_total, n_features)``; column 0 is the target.
    times : numpy.ndarray
        Naive datetime64 timestamps, shape ``(n_total,)``. With ``tz`` set,
        local wall-clock time for calendar frequencies (``"D"``, ``"MS"``)
        and UTC for fixed durations (``"h"``): :mod:`forecaster.data.clock`.
    freq : str
        Pandas offset alias shared by all series.
    features : tuple of str
        Column names of ``values`` (target first).
    tz : str or None
        Zone name of the input timestamps (``"Europe/Berlin"``); None if naive.
    """

    ids: np.ndarray
    indptr: np.ndarray
    values: np.ndarray
    times: np.ndarray
    freq: str
    features: tuple[str, ...]
    tz: str | None = None

    @property
    def n_series(self) -> int:
        return len(self.ids)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.indptr)

    @property
    def series_index(self) -> np.ndarray:
        """Series number of every row, shape ``(n_total,)``."""
        return np.repeat(np.arange(self.n_series), self.lengths)

    @property
    def last_times(self) -> np.ndarray:
        return self.times[self.indptr[1:] - 1]

    def head(self, n_keep: np.ndarray) -> Panel:
        """The first ``n_keep[k]`` points of every series (a time-ordered cut)."""
        n_keep = np.minimum(np.asarray(n_keep, dtype=np.int64), self.lengths)
        rows = np.concatenate(
            [np.arange(s, s + n) for s, n in zip(self.indptr[:-1], n_keep, strict=True)]
        )
        indptr = np.concatenate([[0], np.cumsum(n_keep)]).astype(np.int64)
        return Panel(
            self.ids,
            indptr,
            self.values[rows],
            self.times[rows],
            self.freq,
            self.features,
            self.tz,
        )


def panel_from_frame(
    df: pd.DataFrame,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    feature_cols: Sequence[str] = (),
    freq: str | None = None,
) -> Panel:
    """Validate a long frame and pack it into a :class:`Panel`.

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame; unsorted input is sorted.
    id_col, time_col, target_col : str
        Column names.
    feature_cols : sequence of str
        Numeric covariate columns stored after the target.
    freq : str, optional
        Offset alias; inferred per series when omitted.

    Returns
    -------
    Panel

    Raises
    ------
    ValueError, TypeError
        From :func:`forecaster.data.validation.validate_long_frame` and
        :func:`forecaster.data.frequency.infer_freq`.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": ["b"] * 3 + ["a"] * 3,
    ...                    "ds": list(pd.date_range("2020", periods=3, freq="D")) * 2,
    ...                    "y": [4.0, 5, 6, 1, 2, 3]})
    >>> p = panel_from_frame(df)
    >>> p.ids.tolist(), p.indptr.tolist(), p.freq
    (['a', 'b'], [0, 3, 6], 'D')
    """
    df = validate_long_frame(df, id_col, time_col, target_col, feature_cols)
    codes, text = id_codes(df[id_col])
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    indptr = np.append(starts, len(df)).astype(np.int64)
    ids = text[codes[starts]]
    del codes
    tcol = df[time_col]
    tz = zone_of(tcol)
    if tz is None:
        times = tcol.to_numpy(dtype="datetime64[ns]")
        f = infer_freq(times, indptr, ids, freq)
    else:
        # naive on the clock the frequency steps on (forecaster.data.clock),
        # so that arithmetic and NumPy stay simple; forecasts get tz back
        times, f = clock_times(tcol, indptr, ids, freq)
    cols = [target_col, *feature_cols]
    # validate_long_frame rejected values beyond float32's range
    values = df[cols].to_numpy(dtype=np.float32)
    return Panel(ids, indptr, values, times, f, tuple(cols), tz)


def future_times(last_times: np.ndarray, freq: str, horizon: int) -> np.ndarray:
    """Timestamps of the ``horizon`` steps after each series' last one.

    Steps are taken on the clock of ``last_times`` (a :class:`Panel`'s: naive
    wall-clock or UTC); :func:`forecaster.data.clock.aware_times` gives them
    their zone.

    Returns
    -------
    numpy.ndarray
        datetime64, shape ``(n_series * horizon,)``, series-major.
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    last = pd.DatetimeIndex(np.asarray(last_times, dtype="datetime64[ns]"))
    if not len(last) or not horizon:
        return np.array([], dtype="datetime64[ns]")
    try:
        # one vectorised shift per step, not one date_range per series (10k
        # series: ~4 s -> a few ms); each last time is on the offset's grid,
        # so last + k * offset is the k-th step of date_range(last + offset)
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.PerformanceWarning)
            steps = [(last + k * offset).to_numpy() for k in range(1, horizon + 1)]
        return np.stack(steps, axis=1).reshape(-1)
    except pd.errors.PerformanceWarning:  # an offset pandas shifts row by row
        out = [
            pd.date_range(t + offset, periods=horizon, freq=offset).to_numpy()
            for t in last
        ]
        return np.concatenate(out)


def forecast_frame(
    ids: Sequence[str],
    last_times: np.ndarray,
    freq: str,
    tz: str | None,
    values: np.ndarray,
    id_col: str,
    time_col: str,
    as_series: bool,
    extra: dict | None = None,
) -> pd.DataFrame:
    """The long output frame: one row per (series, step) after each series' end.

    Parameters
    ----------
    ids : sequence of str
        Series identifiers, shape ``(N,)``.
    last_times : numpy.ndarray
        datetime64 ``(N,)``, each series' last, on the panel's clock.
    freq : str
        Pandas offset alias of the steps.
    tz : str or None
        Timezone of the output timestamps
        (:func:`forecaster.data.clock.aware_times`).
    values : numpy.ndarray
        Point forecasts ``(N, H)``; ``H`` is the number of steps.
    id_col, time_col : str
        Column names of the output.
    as_series : bool
        Index by ``time_col``, without ``id_col`` (the input was a Series).
    extra : dict, optional
        Further columns, each ``N * H`` values in series-major order.

    Returns
    -------
    pandas.DataFrame
        ``id_col``, ``time_col``, ``yhat`` (float64), then the ``extra`` columns.

    Examples
    --------
    >>> last = np.array(["2020-01-01", "2020-03-01"], "datetime64[ns]")
    >>> fc = forecast_frame(["a", "b"], last, "MS", None, np.array([[1, 2], [3, 4]]),
    ...                     "unique_id", "ds", False)
    >>> fc["ds"].dt.strftime("%Y-%m").tolist(), fc["yhat"].tolist()
    (['2020-02', '2020-03', '2020-04', '2020-05'], [1.0, 2.0, 3.0, 4.0])
    """
    h = values.shape[1]
    ds = aware_times(future_times(last_times, freq, h), freq, tz)
    frame = pd.DataFrame(
        {
            id_col: np.repeat(np.asarray(ids, dtype=object), h),
            time_col: ds,
            "yhat": values.reshape(-1).astype(np.float64),
            **(extra or {}),
        }
    )
    if as_series:
        return frame.drop(columns=id_col).set_index(time_col)
    return frame
