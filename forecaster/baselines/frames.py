"""The baselines' frame adapter, on the data layer.

A long frame (or a Series) becomes a :class:`History`: the panel of
:func:`forecaster.data.panel.panel_from_frame` (validation, frequency
inference and the regularity check are the data layer's) plus the target in
float64, which the baselines need exact (the panel holds float32). Forecasts
come back as the networks' long frame, their timestamps from
:func:`forecaster.data.panel.future_times`. Integer time columns (steps
``1, 2, 3`` or ``10, 12, 14``) ride on the same path as nanosecond ticks
after 1970-01-01 and are turned back into integers on the way out.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from forecaster.data.clock import aware_times
from forecaster.data.frames import as_pandas
from forecaster.data.panel import Panel, future_times, panel_from_frame
from forecaster.data.validation import (
    check_positive_int,
    series_to_frame,
    validate_long_frame,
)

__all__ = ["History", "read_history", "check_lengths", "forecast_frame", "as_given"]


class History(NamedTuple):
    """Every series of a frame, validated and sorted by (id text, time).

    Attributes
    ----------
    panel : Panel
        Ids, offsets ``indptr``, timestamps, frequency and timezone.
    y : numpy.ndarray
        float64 target, aligned with the panel's rows.
    integer_time : bool
        Whether the time column held integers (``panel.times`` are then
        nanosecond ticks and ``panel.freq`` a multiple of ``"ns"``).
    """

    panel: Panel
    y: np.ndarray
    integer_time: bool

    def series(self) -> list[np.ndarray]:
        """The target of each series, oldest first."""
        return np.split(self.y, self.panel.indptr[1:-1])

    @property
    def freq(self) -> str | int:
        """The frequency as a user passes it: an alias, or an integer step."""
        if self.integer_time:
            return int(pd.tseries.frequencies.to_offset(self.panel.freq).nanos)
        return self.panel.freq


def read_history(
    df: pd.DataFrame | pd.Series,
    id_col: str,
    time_col: str,
    target_col: str,
    freq: str | int | None = None,
) -> History:
    """Validate ``df`` and pack it as a :class:`History`.

    Parameters
    ----------
    df : pandas.DataFrame or pandas.Series
        Long frame, or one series with a ``DatetimeIndex``.
    id_col, time_col, target_col : str
        Column names.
    freq : str or int, optional
        Offset alias, or an integer step for an integer time column;
        inferred when omitted.

    Raises
    ------
    TypeError, ValueError
        From :func:`forecaster.data.validation.validate_long_frame` and the
        frequency inference, naming the column, series and row.
    """
    df = as_pandas(df, "df")  # polars converted at the edge
    if isinstance(df, pd.Series):
        df = series_to_frame(df, id_col, time_col, target_col)
    integer = isinstance(df, pd.DataFrame) and _integer_column(df, time_col)
    if integer:
        ticks = df[time_col].to_numpy(dtype=np.int64).view("datetime64[ns]")
        df = df.assign(**{time_col: ticks})
        check_positive_int("freq", freq, allow_none=True)
        freq = None if freq is None else f"{freq}ns"
    try:
        # validated once here for the float64 target in the panel's row
        # order; panel_from_frame finds the frame sorted and keeps that order
        frame = validate_long_frame(df, id_col, time_col, target_col)
        panel = panel_from_frame(frame, id_col, time_col, target_col, freq=freq)
    except ValueError as exc:
        if not integer:
            raise
        raise ValueError(
            f"{exc} (The integer column {time_col!r} is read as nanoseconds after "
            "1970-01-01.)"
        ) from exc
    return History(panel, frame[target_col].to_numpy(dtype=np.float64), integer)


def _integer_column(df: pd.DataFrame, col: str) -> bool:
    if col not in df.columns or isinstance(df[col], pd.DataFrame):
        return False  # missing or repeated: validation names it
    dtype = df[col].dtype
    return pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(
        dtype
    )


def check_lengths(history: History, min_length: int, why: str) -> None:
    """Raise naming the first series with fewer than ``min_length`` points.

    Raises
    ------
    ValueError
        ``series 'a' needs >= 4 observations (a full season), got 3``.
    """
    lengths = history.panel.lengths
    short = np.flatnonzero(lengths < min_length)
    if short.size:
        k = int(short[0])
        more = f" ({short.size - 1} more series too)" if short.size > 1 else ""
        raise ValueError(
            f"series {str(history.panel.ids[k])!r} needs >= {min_length} "
            f"observations ({why}), got {lengths[k]}{more}. Drop the short "
            "series or use a simpler baseline."
        )


def forecast_frame(
    history: History,
    columns: dict[str, np.ndarray],
    horizon: int,
    id_col: str,
    time_col: str,
) -> pd.DataFrame:
    """``id_col, time_col, *columns``: ``horizon`` rows per series, the
    networks' layout (series by id text, timestamps after each series' end).

    ``columns`` holds flat arrays, series-major (``n_series * horizon``).
    """
    p = history.panel
    steps = future_times(p.last_times, p.freq, horizon)
    if history.integer_time:
        ds = pd.Index(pd.DatetimeIndex(steps).asi8)
    else:  # the panel's clock back to the user's (local or UTC by frequency)
        ds = aware_times(steps, p.freq, p.tz)
    return pd.DataFrame(
        {
            id_col: np.repeat(np.asarray(p.ids, dtype=object), horizon),
            time_col: ds,
            **columns,
        }
    )


def as_given(forecast: pd.DataFrame, df: pd.DataFrame, id_col: str, time_col: str):
    """``forecast`` in the terms of ``df``: series in order of first
    appearance, ids as ``df`` holds them (not as text), times in its dtype.

    The layout of the frame functions (:func:`forecaster.baselines.naive`
    ...), which predate the estimators.
    """
    ids = df[id_col]
    text = ids.astype(str)
    first = ~text.duplicated().to_numpy()
    original = dict(zip(text[first], ids[first], strict=True))
    rank = {key: i for i, key in enumerate(text[first])}
    order = np.argsort(forecast[id_col].map(rank).to_numpy(), kind="stable")
    out = forecast.iloc[order].reset_index(drop=True)
    out[id_col] = out[id_col].map(original).astype(ids.dtype)
    times = df[time_col].dtype  # strings were parsed: they stay timestamps
    if pd.api.types.is_integer_dtype(times) or pd.api.types.is_datetime64_any_dtype(
        times
    ):
        out[time_col] = out[time_col].astype(times)
    return out
