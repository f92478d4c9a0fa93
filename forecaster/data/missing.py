"""Missing-data policies: fill gaps and NaN before validation (pure pandas).

A series has *gaps* when timestamps are absent from its regular grid, and
*missing values* when a row holds NaN in the target or a covariate.
:func:`fill_missing` applies one policy to both, per series:

* ``"raise"`` (the default): nothing is filled; validation then raises,
  naming the series, the column and the first NaN's timestamp, or the first
  missing timestamp of a gap.
* ``"ffill"``: the last observed value is carried forward.
* ``"interpolate"``: linear in time between the neighbouring observations.
* ``"zero"``: missing values are 0 (counts, sales).

Leading missing values (before a series' first observation) cannot be
carried forward or interpolated: ``"ffill"`` and ``"interpolate"`` fill them
backward with the first observed value, as they fill trailing ones with the
last. Infinite values are not missing: they are left for validation to
reject.

Each series is first reindexed onto its regular grid (every timestamp of the
frequency between its first and last one), the new rows holding NaN in every
column but the id and the time; then the NaN of the value columns are
filled. Without ``freq=``, a series' grid is the frequency guessed from its
timestamps (:func:`forecaster.data.frequency.guess_series_freq`), or, for a
series too short to guess, the one frequency guessed for the others. A
series without a grid (off-grid timestamps, or no frequency found) is not
reindexed, only its NaN are filled, and validation then reports its
irregular timestamps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecaster.data.clock import aware_times, series_clock, zone_of
from forecaster.data.frequency import guess_series_freq
from forecaster.data.messages import label
from forecaster.data.validation import ensure_time_dtype

__all__ = ["FILL_POLICIES", "fill_missing"]

FILL_POLICIES = ("raise", "ffill", "interpolate", "zero")

# Filling a gap must not turn a mis-guessed frequency into millions of rows.
_MAX_GROWTH = 10
_MIN_CAP = 10_000


def fill_missing(
    df: pd.DataFrame,
    policy: str,
    id_col: str = "unique_id",
    time_col: str = "ds",
    value_cols: Sequence[str] = ("y",),
    freq: str | None = None,
) -> pd.DataFrame:
    """Fill gaps and NaN of every series of a long frame with one policy.

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame. Anything else, or a frame that validation would reject
        for other reasons (missing columns, ids or timestamps, duplicates,
        non-numeric values), is returned unchanged: validation names it.
    policy : {"raise", "ffill", "interpolate", "zero"}
        ``"raise"`` returns ``df`` unchanged; see the module docstring.
    id_col, time_col : str
        Series identifier and timestamp columns.
    value_cols : sequence of str
        The target, then covariate columns to fill (absent ones are skipped).
    freq : str, optional
        Pandas offset alias of the grid. Default: guessed (module docstring).

    Returns
    -------
    pandas.DataFrame
        A new frame sorted by ``(id_col, time_col)``; ``df`` if nothing is done.

    Raises
    ------
    ValueError
        For an unknown ``policy``, a series' column with no value to fill
        from, or a series that filling would grow tenfold (a wrong ``freq``).

    Examples
    --------
    >>> ds = pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-05"])
    >>> df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": [1.0, None, 4.0]})
    >>> fill_missing(df, "interpolate")["y"].tolist()
    [1.0, 1.75, 2.5, 3.25, 4.0]
    >>> fill_missing(df, "ffill")["y"].tolist()
    [1.0, 1.0, 1.0, 1.0, 4.0]
    """
    if policy not in FILL_POLICIES:
        raise ValueError(
            f"Received an invalid value for argument `fill_missing`, expected one "
            f"of {FILL_POLICIES}, got {policy!r}."
        )
    parsed = None if policy == "raise" else _parsed(df, id_col, time_col, value_cols)
    if parsed is None:
        return df
    series = _split_series(parsed, id_col, time_col)
    freqs = [freq] * len(series) if freq is not None else _guess_freqs(series, time_col)
    parts = [
        _fill_series(part, f, value_cols, id_col, time_col, policy)
        for part, f in zip(series, freqs, strict=True)
    ]
    return pd.concat(parts, ignore_index=True)


def _split_series(df: pd.DataFrame, id_col: str, time_col: str) -> list[pd.DataFrame]:
    """The series of ``df``, each sorted by time, ordered by the ids' text."""
    key = df[id_col].astype(str).to_numpy()
    order = np.lexsort((df[time_col].to_numpy(dtype="datetime64[ns]"), key))
    df, key = df.iloc[order], key[order]  # the user's row labels, for messages
    bounds = np.append(np.flatnonzero(np.r_[True, key[1:] != key[:-1]]), len(df))
    return [df.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _guess_freqs(series: list[pd.DataFrame], time_col: str) -> list[str | None]:
    """Each series' guessed grid; a series too short to guess its own grid
    uses the panel's one, when the others agree on one."""
    freqs = [
        guess_series_freq(series_clock(pd.DatetimeIndex(p[time_col]), None))
        for p in series
    ]
    known = set(freqs) - {None}
    if len(known) != 1:
        return freqs
    common = known.pop()
    return [
        common if f is None and len(p) < 3 else f
        for p, f in zip(series, freqs, strict=True)
    ]


def _fill_series(
    part: pd.DataFrame,
    freq: str | None,
    value_cols: Sequence[str],
    id_col: str,
    time_col: str,
    policy: str,
) -> pd.DataFrame:
    """One series on its grid of ``freq``, with the NaN of ``value_cols`` filled.

    The first present column is the target: with no value at all it cannot
    be filled, and neither can a covariate except with zeros.
    """
    rows = _rows_text(part.index)  # the user's rows, named if nothing fills them
    part = _reindex(part, id_col, time_col, freq)  # a copy: filled in place
    cols = [c for c in dict.fromkeys(value_cols) if c in part.columns]
    for col in cols:
        values = part[col].to_numpy(dtype="float64", na_value=np.nan)
        missing = np.isnan(values)
        if not missing.any():
            continue
        if missing.all() and (col == cols[0] or policy != "zero"):
            what = "the target" if col == cols[0] else "a covariate"
            raise ValueError(
                f"Series {str(part[id_col].iloc[0])!r} has no value at all in "
                f"column {col!r} ({what}; {rows}): fill_missing={policy!r} has "
                "nothing to fill it from. Drop the series, or provide values."
            )
        part[col] = _fill(values, missing, part[time_col], policy)
    return part


def _rows_text(index: pd.Index) -> str:
    """``row 3`` or ``rows 3, 4, 5, ... (12 rows)``: a series' row labels."""
    if len(index) == 1:
        return f"row {label(index[0])}"
    shown = ", ".join(label(r) for r in index[:3])
    return f"rows {shown}" + (f", ... ({len(index)} rows)" if len(index) > 3 else "")


def _parsed(
    df, id_col: str, time_col: str, value_cols: Sequence[str]
) -> pd.DataFrame | None:
    """``df`` with parsed timestamps if it is clean enough to fill, else None
    (validation then names the problem)."""
    if not isinstance(df, pd.DataFrame) or len(df) == 0:
        return None
    if df.columns.has_duplicates or not {id_col, time_col} <= set(df.columns):
        return None
    if df[id_col].isna().any():
        return None
    for col in value_cols:
        if col in df.columns:
            dtype = df[col].dtype
            if (
                pd.api.types.is_bool_dtype(dtype)
                or pd.api.types.is_complex_dtype(dtype)
                or not pd.api.types.is_numeric_dtype(dtype)
            ):
                return None
    try:
        df = ensure_time_dtype(df, time_col)
    except (ValueError, TypeError):
        return None
    times = df[time_col]
    lo, hi = pd.Timestamp.min, pd.Timestamp.max
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        lo, hi = lo.tz_localize("UTC"), hi.tz_localize("UTC")
    if times.isna().any() or ((times < lo) | (times > hi)).any():
        return None
    keys = pd.DataFrame(
        {"id": df[id_col].astype(str).to_numpy(), "t": times.to_numpy("datetime64[ns]")}
    )
    return None if keys.duplicated().any() else df


def _reindex(
    part: pd.DataFrame, id_col: str, time_col: str, freq: str | None
) -> pd.DataFrame:
    """One series on its regular grid (a copy), or unchanged if there is none.

    The grid of tz-aware times is laid on the clock of ``freq``
    (:mod:`forecaster.data.clock`), then given the zone back.
    """
    aware = pd.DatetimeIndex(part[time_col])
    if freq is None or len(aware) < 2:
        return part.copy()
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        return part.copy()  # validation names the bad alias
    times = series_clock(aware, offset.freqstr)
    step = (times[0] + offset) - times[0]
    if step <= pd.Timedelta(0):
        return part.copy()
    size = int((times[-1] - times[0]) // step) + 1
    if size == len(times) and times.is_monotonic_increasing:
        if pd.date_range(times[0], periods=size, freq=offset).equals(times):
            return part.copy()  # already regular
    cap = max(_MAX_GROWTH * len(times), _MIN_CAP)
    if size > cap:
        raise ValueError(
            f"Series {str(part[id_col].iloc[0])!r} would grow from {len(times)} to "
            f"about {size} rows if its gaps were filled at frequency "
            f"{offset.freqstr!r}: check freq=, or resample the series first."
        )
    grid = pd.date_range(times[0], times[-1], freq=offset)
    if not times.isin(grid).all():
        return part.copy()  # off-grid timestamps: validation names them
    grid = aware_times(grid.to_numpy("datetime64[ns]"), offset.freqstr, zone_of(aware))
    out = part.set_index(time_col).reindex(grid)
    out.index.name = time_col
    out = out.reset_index()[list(part.columns)]
    uid = part[id_col].iloc[0]  # any object, even a tuple
    out[id_col] = pd.Series([uid] * len(out), index=out.index, dtype=object).astype(
        part[id_col].dtype
    )
    return out


def _fill(
    values: np.ndarray, missing: np.ndarray, times: pd.Series, policy: str
) -> np.ndarray:
    """``values`` with the ``missing`` ones filled by ``policy``."""
    if policy == "zero" or missing.all():  # all missing: only "zero" gets here
        return np.where(missing, 0.0, values)
    if policy == "interpolate":
        # np.interp holds the end values constant outside the observed range:
        # leading NaN take the first observation, trailing ones the last.
        t = times.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
        return np.interp(t, t[~missing], values[~missing])
    # ffill: position of the last observation at or before each row; leading
    # rows (no observation yet) take the first one.
    last = np.maximum.accumulate(np.where(missing, -1, np.arange(len(values))))
    last[last < 0] = int(np.flatnonzero(~missing)[0])
    return values[last]
