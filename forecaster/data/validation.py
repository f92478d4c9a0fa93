"""Validation of user input: pure functions, each raising a clear error.

Every check here runs before any TensorFlow code, and every message names the
column, the series and the first offending row or timestamp, plus the fix.
Functions return new objects and never modify their input.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from forecaster.data.messages import label as _label
from forecaster.data.messages import where as _where

__all__ = [
    "id_codes",
    "series_to_frame",
    "validate_long_frame",
    "ensure_time_dtype",
    "check_min_length",
    "check_positive_int",
]


def check_positive_int(name: str, value: object, allow_none: bool = False) -> None:
    """Raise if ``value`` is not a positive integer.

    Examples
    --------
    >>> check_positive_int("horizon", 0)
    Traceback (most recent call last):
    ...
    ValueError: Received an invalid value for argument `horizon`, expected a positive integer, got 0.
    """  # noqa: E501
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected a positive "
            f"integer, got {value!r}."
        )


def series_to_frame(
    series: pd.Series,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> pd.DataFrame:
    """Turn a single series with a ``DatetimeIndex`` into a long frame.

    Parameters
    ----------
    series : pandas.Series
        Values indexed by timestamps.
    id_col, time_col, target_col : str
        Column names of the long frame.

    Returns
    -------
    pandas.DataFrame
        Columns ``id_col`` (the series' name, or ``"series"``), ``time_col``,
        ``target_col``.

    Raises
    ------
    TypeError
        If the index is not a ``DatetimeIndex``.

    Examples
    --------
    >>> s = pd.Series([1.0, 2.0], index=pd.date_range("2020", periods=2, freq="D"))
    >>> series_to_frame(s).columns.tolist()
    ['unique_id', 'ds', 'y']
    """
    if not isinstance(series.index, pd.DatetimeIndex):
        raise TypeError(
            "A pandas Series must have a DatetimeIndex, got "
            f"{type(series.index).__name__}. Set one with "
            "`series.index = pd.to_datetime(...)`, or pass a long frame with "
            f"columns {id_col!r}, {time_col!r}, {target_col!r}."
        )
    name = "series" if series.name is None else str(series.name)
    return pd.DataFrame(
        {
            id_col: np.full(len(series), name, dtype=object),
            time_col: series.index.to_numpy(),
            target_col: series.to_numpy(),
        }
    )


def ensure_time_dtype(df: pd.DataFrame, time_col: str = "ds") -> pd.DataFrame:
    """Return ``df`` with ``time_col`` as a datetime64 column.

    Strings are parsed; timezone-aware timestamps are kept when all agree.
    Mixing timezone-aware and naive timestamps, or unparsable values, raise.

    Raises
    ------
    ValueError
        Naming the first row whose timestamp cannot be parsed or whose
        timezone awareness differs from the first row's.
    TypeError
        If the column holds numbers or booleans instead of timestamps.
    """
    col = df[time_col]
    if isinstance(col.dtype, pd.DatetimeTZDtype) or pdt.is_datetime64_dtype(col.dtype):
        return df
    if pdt.is_numeric_dtype(col.dtype) or pdt.is_bool_dtype(col.dtype):
        raise TypeError(
            f"Column {time_col!r} must hold timestamps, got dtype {col.dtype}. "
            "Convert it with `pd.to_datetime` first."
        )
    values = col.to_numpy(dtype=object)
    # Mixed awareness is the classic silent-garbage case: find the first row
    # that disagrees with row 0 and name it.
    aware = np.array([getattr(v, "tzinfo", None) is not None for v in values], bool)
    if aware.any() and not aware.all():
        first = int(np.flatnonzero(aware != aware[0])[0])
        raise ValueError(
            f"Column {time_col!r} mixes timezone-aware and naive timestamps: row "
            f"{_label(df.index[first])} ({values[first]!r}) differs from row "
            f"{_label(df.index[0])} ({values[0]!r}). Convert all to one timezone, "
            "e.g. `pd.to_datetime(df['ds'], utc=True)`."
        )
    out = df.copy()
    try:
        out[time_col] = pd.to_datetime(col)
    except (ValueError, TypeError) as exc:
        bad = _first_unparsable(values)
        where = ""
        if bad is not None:
            where = f" row {_label(df.index[bad])} ({_label(values[bad])})"
        raise ValueError(
            f"Column {time_col!r} could not be parsed as timestamps:{where}. "
            f"Details: {exc}"
        ) from None
    return out


def _first_unparsable(values: np.ndarray) -> int | None:
    for i, v in enumerate(values):
        try:
            pd.Timestamp(v)
        except (ValueError, TypeError):
            return i
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return i
    return None


def validate_long_frame(
    df: pd.DataFrame,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str | None = "y",
    numeric_cols: Sequence[str] = (),
) -> pd.DataFrame:
    """Validate a long frame and return a sorted, clean copy.

    Parameters
    ----------
    df : pandas.DataFrame
        Long frame with one row per (series, timestamp).
    id_col, time_col : str
        Series identifier and timestamp columns.
    target_col : str or None
        Target column; ``None`` skips target checks (future covariate frames).
    numeric_cols : sequence of str
        Further columns that must be present, numeric and finite.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``(id_col, time_col)`` (stable; unsorted input is accepted),
        with a fresh ``RangeIndex`` and a datetime ``time_col``.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame, or a value column is not numeric.
    ValueError
        If the frame is empty, a column is missing, a value is NaN or
        infinite, or a ``(id, timestamp)`` pair is duplicated. The message
        names the column, the series and the first offending row.

    Examples
    --------
    >>> df = pd.DataFrame({"unique_id": ["a", "a"], "ds": ["2020-01-02", "2020-01-01"],
    ...                    "y": [2.0, 1.0]})
    >>> validate_long_frame(df)["y"].tolist()
    [1.0, 2.0]
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"Expected a pandas DataFrame (long format: {id_col!r}, {time_col!r}, "
            f"{target_col!r}) or a Series with a DatetimeIndex, got "
            f"{type(df).__name__}."
        )
    value_cols = _check_columns(df, id_col, time_col, target_col, numeric_cols)
    if len(df) == 0:
        raise ValueError("The frame is empty: at least one series is needed.")
    _check_ids(df, id_col)
    df = ensure_time_dtype(df, time_col)
    _check_times(df, id_col, time_col)
    for col in value_cols:
        _check_numeric_finite(df, col, id_col, time_col)
    return _sorted_unique(df, id_col, time_col).reset_index(drop=True)


def _check_columns(
    df: pd.DataFrame,
    id_col: str,
    time_col: str,
    target_col: str | None,
    numeric_cols: Sequence[str],
) -> list[str]:
    """Raise if a needed column is absent or repeated; return the value columns
    (the target, then the other numeric ones)."""
    required = [id_col, time_col] + ([target_col] if target_col else [])
    required += [c for c in numeric_cols if c not in required]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(
            f"The frame is missing required columns: {missing}. It has "
            f"{list(map(str, df.columns))}; rename columns or pass id_col=, "
            "time_col=, target_col=."
        )
    repeated = [c for c in required if int((df.columns == c).sum()) > 1]
    if repeated:
        raise ValueError(
            f"Columns {repeated} appear more than once in the frame; drop or rename "
            "the duplicates."
        )
    others = [c for c in numeric_cols if c != target_col]
    return ([target_col] if target_col else []) + others


def _check_ids(df: pd.DataFrame, id_col: str) -> None:
    """Raise on a missing series id, or on two ids that print the same (``1``
    and ``"1"``): series are told apart by their text, so they would merge."""
    ids = df[id_col]
    if ids.isna().any():
        row = df.index[int(np.flatnonzero(ids.isna().to_numpy())[0])]
        raise ValueError(
            f"Column {id_col!r} has a missing series id at row {_label(row)}."
        )
    if ids.dtype != object:
        return
    try:
        n_values = len(pd.unique(ids))
    except TypeError:  # unhashable ids (lists): only their text is compared
        return
    text = ids.astype(str)
    if n_values <= len(pd.unique(text)):
        return
    seen: dict[str, object] = {}
    for value, key in zip(ids, text, strict=True):
        if key in seen and seen[key] != value:
            raise ValueError(
                f"Column {id_col!r} holds different ids that read the same, "
                f"{_label(seen[key])} and {_label(value)}: series are told apart "
                "by their text. Make the ids distinct as strings."
            )
        seen.setdefault(key, value)


def _check_times(df: pd.DataFrame, id_col: str, time_col: str) -> None:
    """Raise on a missing timestamp, or one the panel's nanoseconds cannot hold."""
    if df[time_col].isna().any():
        i = int(np.flatnonzero(df[time_col].isna().to_numpy())[0])
        raise ValueError(
            f"Column {time_col!r} has a missing timestamp at row "
            f"{_label(df.index[i])} (series {str(df[id_col].iloc[i])!r})."
        )
    # pandas parses years 1 to 9999 (at a coarser unit); the panel holds
    # nanoseconds, where they would silently wrap around.
    lo, hi = pd.Timestamp.min, pd.Timestamp.max
    if isinstance(df[time_col].dtype, pd.DatetimeTZDtype):
        lo, hi = lo.tz_localize("UTC"), hi.tz_localize("UTC")
    outside = ((df[time_col] < lo) | (df[time_col] > hi)).to_numpy()
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise ValueError(
            f"Column {time_col!r} has a timestamp outside {lo.year + 1}-{hi.year - 1} "
            f"at {_where(df, i, id_col, time_col)}; pandas timestamps in "
            "nanoseconds cannot hold it."
        )


def _sorted_unique(df: pd.DataFrame, id_col: str, time_col: str) -> pd.DataFrame:
    """``df`` sorted by ``(id, time)``; raise on a repeated ``(id, time)`` pair.

    A stable sort keeps the user's order among equal keys, so the message can
    name the first duplicate as the user sees it. The keys are integer ranks
    of the ids' text, not an object array of strings, and the sort is skipped
    for sorted input (the common case): at 1e7 rows that saves a few hundred
    MB of peak memory.
    """
    tvals = df[time_col].to_numpy(dtype="datetime64[ns]")
    codes, text = id_codes(df[id_col])
    if not _is_sorted(codes, tvals):
        order = np.lexsort((tvals, codes))
        df = df.iloc[order]
        codes, tvals = codes[order], tvals[order]
        del order
    dup = (codes[1:] == codes[:-1]) & (tvals[1:] == tvals[:-1])
    if dup.any():
        i = int(np.flatnonzero(dup)[0]) + 1
        raise ValueError(
            f"Duplicate ({id_col!r}, {time_col!r}) pair: series {text[codes[i]]!r} "
            f"has timestamp {pd.Timestamp(tvals[i])} more than once (row "
            f"{_label(df.index[i])}). Aggregate or drop duplicates first."
        )
    return df


def id_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of series ids, ranked by the ids' text.

    Series are told apart and ordered by their text (``str(id)``); the codes
    sort the same way as the text, so ``(codes, time)`` orders a frame by
    ``(id, time)`` without an object array of one string per row.

    Returns
    -------
    codes : numpy.ndarray
        int64, one per row; ``text[codes[i]]`` is row ``i``'s id as text.
    text : numpy.ndarray
        object array of the distinct ids' text, sorted.

    Examples
    --------
    >>> codes, text = id_codes(pd.Series(["b", "a", "b", 10]))
    >>> codes.tolist(), text.tolist()
    ([2, 1, 2, 0], ['10', 'a', 'b'])
    """
    string_typed = pdt.is_string_dtype(ids.dtype) and ids.dtype != object
    if string_typed or pdt.is_integer_dtype(ids.dtype):
        # str(value) is the text pandas gives these dtypes: factorise the
        # values themselves, no per-row string is made
        raw, uniques = pd.factorize(ids, use_na_sentinel=False)
        labels = np.asarray([str(u) for u in uniques], dtype=object)
    else:
        # object ids (1 and 1.0 hash alike, lists do not hash): by their text
        raw, uniques = pd.factorize(ids.astype(str).to_numpy(dtype=object))
        labels = np.asarray(uniques, dtype=object)
    # ids that print the same are rejected before (_check_ids), so
    # after this the distinct labels are distinct texts
    text, rank = np.unique(labels.astype(str), return_inverse=True)
    return rank.astype(np.int64)[raw], text.astype(object)


def _is_sorted(codes: np.ndarray, times: np.ndarray) -> bool:
    """Whether rows are ordered by ``(codes, times)``, in one O(n) pass."""
    if len(codes) < 2:
        return True
    step = np.diff(codes)
    if (step < 0).any():
        return False
    return bool(((step > 0) | (times[1:] >= times[:-1])).all())


def _check_numeric_finite(
    df: pd.DataFrame, col: str, id_col: str, time_col: str
) -> None:
    s = df[col]
    if pdt.is_complex_dtype(s.dtype):
        raise TypeError(
            f"Column {col!r} must hold real numbers, got dtype {s.dtype}. Take the "
            "real part or the magnitude (np.real, np.abs) first."
        )
    if pdt.is_bool_dtype(s.dtype) or not pdt.is_numeric_dtype(s.dtype):
        coerced = pd.to_numeric(s, errors="coerce")
        bad = np.flatnonzero(coerced.isna().to_numpy() & s.notna().to_numpy())
        at = ""
        if bad.size:
            i = int(bad[0])
            at = (
                f" First non-numeric value {_label(s.iloc[i])} at "
                f"{_where(df, i, id_col, time_col)}."
            )
        raise TypeError(
            f"Column {col!r} must be numeric, got dtype {s.dtype}.{at} Convert it "
            "with `pd.to_numeric`."
        )
    values = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        kind = "NaN" if np.isnan(values[i]) else "infinite"
        fix = (
            "Fill or drop missing values first (the estimators' fill_missing= "
            "does it: 'ffill', 'interpolate' or 'zero')."
            if kind == "NaN"
            else "Clip or drop infinite values first."
        )
        raise ValueError(
            f"Column {col!r} has {int(bad.sum())} NaN/infinite value(s); the first "
            f"({kind}) is at row {_label(df.index[i])}: series "
            f"{str(df[id_col].iloc[i])!r}, {time_col} {df[time_col].iloc[i]}. {fix}"
        )
    # The network computes in float32: larger values would become inf.
    big = np.abs(values) > np.finfo(np.float32).max
    if big.any():
        i = int(np.flatnonzero(big)[0])
        raise ValueError(
            f"Column {col!r} at {_where(df, i, id_col, time_col)} holds "
            f"{float(values[i])!r}, which would overflow float32 (|x| > 3.4e38). "
            "Rescale the data first."
        )


def check_min_length(
    indptr: np.ndarray, ids: Sequence[str], min_length: int, why: str
) -> None:
    """Raise if any series has fewer than ``min_length`` points.

    Raises
    ------
    ValueError
        Naming up to five short series and their lengths.
    """
    lengths = np.diff(indptr)
    short = np.flatnonzero(lengths < min_length)
    if short.size:
        named = ", ".join(f"{str(ids[k])!r} ({lengths[k]} points)" for k in short[:5])
        more = f" and {short.size - 5} more" if short.size > 5 else ""
        raise ValueError(
            f"{short.size} series are shorter than {min_length} points ({why}): "
            f"{named}{more}. Use a shorter lookback, or drop these series."
        )
