"""Covariates: calendar features, static features, future-known frames.

Three kinds of exogenous information, as NeuralForecast and darts name them:

* **static** per series (``static_df`` keyed by the series id): numeric
  columns are standardised across series, categorical ones become integer
  codes for a learned embedding (code 0 is "unknown");
* **past-observed** (known up to the forecast origin only): extra columns of
  the history;
* **future-known** (also known over the horizon: prices, holidays, calendar):
  extra columns of the history *and* of the horizon, taken from
  ``future_df`` at predict time.

Pure functions over pandas / NumPy; no Keras.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecaster._registry import register_state_class
from forecaster.data.clock import check_zone, zone_of
from forecaster.data.messages import label as _label
from forecaster.data.validation import ensure_time_dtype

__all__ = [
    "CALENDAR_PERIODS",
    "calendar_columns",
    "calendar_features",
    "StaticEncoding",
    "fit_static",
    "encode_static",
    "future_block",
]

# Period of each calendar attribute, for its sin/cos encoding.
CALENDAR_PERIODS = {
    "minute": 60,
    "hour": 24,
    "dayofweek": 7,
    "day": 31,
    "dayofyear": 366,
    "weekofyear": 53,
    "month": 12,
    "quarter": 4,
}


def calendar_columns(names: Sequence[str]) -> list[str]:
    """Column names of the sin/cos encoding of ``names``.

    Raises
    ------
    ValueError
        For an unknown calendar feature.

    Examples
    --------
    >>> calendar_columns(["month"])
    ['month_sin', 'month_cos']
    """
    out = []
    for n in names:
        if n not in CALENDAR_PERIODS:
            raise ValueError(
                "Received an invalid value for argument `calendar_features`: "
                f"{n!r} is not one of {sorted(CALENDAR_PERIODS)}."
            )
        out += [f"{n}_sin", f"{n}_cos"]
    return out


def calendar_features(times: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Sin/cos encodings of calendar attributes of ``times``.

    Parameters
    ----------
    times : numpy.ndarray
        datetime64 timestamps, shape ``(n,)``.
    names : sequence of str
        Keys of :data:`CALENDAR_PERIODS`.

    Returns
    -------
    numpy.ndarray
        float32 ``(n, 2 * len(names))`` in :func:`calendar_columns` order.

    Examples
    --------
    >>> t = np.array(["2020-01-01T06:00"], "datetime64[ns]")
    >>> x = calendar_features(t, ["hour"])
    >>> np.round(x, 6) + 0.0  # sin and cos of 6/24 of a day (cos ~ 0 in float32)
    array([[1., 0.]], dtype=float32)
    """
    idx = pd.DatetimeIndex(times)
    cols = []
    for n in names:
        calendar_columns([n])  # validates the name
        if n == "weekofyear":
            v = idx.isocalendar().week.to_numpy(dtype=float)
        else:
            # pandas 3 deprecates dayofweek/dayofyear for day_of_week/day_of_year
            attr = {"dayofweek": "day_of_week", "dayofyear": "day_of_year"}.get(n, n)
            v = np.asarray(getattr(idx, attr), dtype=float)
        angle = 2 * np.pi * v / CALENDAR_PERIODS[n]
        cols += [np.sin(angle), np.cos(angle)]
    if not cols:
        return np.zeros((len(idx), 0), dtype=np.float32)
    return np.stack(cols, axis=1).astype(np.float32)


@register_state_class
@dataclass(frozen=True)
class StaticEncoding:
    """How static features are encoded, fitted on the training series.

    Attributes
    ----------
    numeric : tuple of str
        Numeric columns, standardised with ``mean`` and ``std``.
    categorical : tuple of str
        Categorical columns; ``vocab[j]`` lists column j's known categories
        (code ``k + 1`` for ``vocab[j][k]``; 0 means unknown).
    mean, std : numpy.ndarray
        float64 ``(len(numeric),)``.
    vocab : tuple of tuple of str
    """

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    vocab: tuple[tuple[str, ...], ...]


def _static_rows(
    static_df: pd.DataFrame | None, ids: np.ndarray, columns: Sequence[str], id_col: str
) -> pd.DataFrame:
    """The rows of ``static_df`` for ``ids``, in that order, validated."""
    if static_df is None:
        raise ValueError(
            f"static_features={list(columns)} were declared but no static_df was "
            f"given: pass static_df= with columns {[id_col, *columns]}."
        )
    if not isinstance(static_df, pd.DataFrame):
        raise TypeError(
            f"static_df must be a pandas DataFrame, got {type(static_df).__name__}."
        )
    missing = [c for c in [id_col, *columns] if c not in static_df.columns]
    if missing:
        raise ValueError(f"static_df is missing columns: {missing}.")
    keys = static_df[id_col].astype(str)
    dup = keys.duplicated()
    if dup.any():
        raise ValueError(
            f"static_df has more than one row for series {keys[dup].iloc[0]!r}."
        )
    table = static_df.assign(**{id_col: keys}).set_index(id_col)
    absent = [str(i) for i in ids if i not in table.index]
    if absent:
        raise ValueError(
            f"static_df has no row for series {absent[:5]}"
            f"{' and more' if len(absent) > 5 else ''}: every series needs its "
            "static features."
        )
    return table.loc[list(ids), list(columns)]


def fit_static(
    static_df: pd.DataFrame | None, ids: np.ndarray, columns: Sequence[str], id_col: str
) -> StaticEncoding:
    """Fit the static encoding on the training series.

    Raises
    ------
    ValueError
        If ``static_df`` is missing, lacks a column or a series, or has NaN
        in a numeric column (naming the series).
    """
    rows = _static_rows(static_df, ids, columns, id_col)
    numeric = tuple(
        c
        for c in columns
        if pd.api.types.is_numeric_dtype(rows[c].dtype)
        and not pd.api.types.is_bool_dtype(rows[c].dtype)
    )
    categorical = tuple(c for c in columns if c not in numeric)
    x = rows[list(numeric)].to_numpy(dtype=np.float64)
    _check_finite(x, numeric, rows.index)
    mean = x.mean(axis=0) if len(x) else np.zeros(len(numeric))
    std = x.std(axis=0) if len(x) else np.ones(len(numeric))
    std = np.where(std > 0, std, 1.0)
    vocab = tuple(tuple(sorted(rows[c].astype(str).unique())) for c in categorical)
    return StaticEncoding(numeric, categorical, mean, std, vocab)


def _check_finite(x: np.ndarray, names: Sequence[str], index: pd.Index) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(
            f"static_df column {names[c]!r} has a NaN/infinite value for series "
            f"{index[r]!r}."
        )


def encode_static(
    enc: StaticEncoding, static_df: pd.DataFrame | None, ids: np.ndarray, id_col: str
) -> tuple[np.ndarray, np.ndarray]:
    """Encode the static features of ``ids``.

    Returns
    -------
    numeric : numpy.ndarray
        float32 ``(n, len(enc.numeric))``, standardised.
    codes : numpy.ndarray
        int32 ``(n, len(enc.categorical))``; 0 for a category unseen at fit
        (a ``UserWarning`` names it).
    """
    rows = _static_rows(static_df, ids, enc.numeric + enc.categorical, id_col)
    x = rows[list(enc.numeric)].to_numpy(dtype=np.float64)
    _check_finite(x, enc.numeric, rows.index)
    numeric = ((x - enc.mean) / enc.std).astype(np.float32)
    codes = np.zeros((len(ids), len(enc.categorical)), dtype=np.int32)
    for j, c in enumerate(enc.categorical):
        lookup = {v: k + 1 for k, v in enumerate(enc.vocab[j])}
        vals = rows[c].astype(str).to_numpy()
        codes[:, j] = [lookup.get(v, 0) for v in vals]
        unseen = sorted({str(v) for v in vals if v not in lookup})
        if unseen:
            warnings.warn(
                f"Static column {c!r} has categories unseen at fit {unseen[:5]}; "
                "they use the 'unknown' embedding.",
                UserWarning,
                stacklevel=3,
            )
    return numeric, codes


def future_block(
    future_df: pd.DataFrame | None,
    ids: np.ndarray,
    times: np.ndarray | pd.DatetimeIndex,
    columns: Sequence[str],
    id_col: str,
    time_col: str,
) -> np.ndarray:
    """Future-known covariates for the forecast timestamps.

    Parameters
    ----------
    future_df : pandas.DataFrame
        Long frame with ``id_col``, ``time_col`` and ``columns``; may hold
        more rows than needed. Its timestamps must be in the zone of
        ``times`` (or naive, as they are).
    ids : numpy.ndarray
        Series to forecast, shape ``(n,)``.
    times : numpy.ndarray or pandas.DatetimeIndex
        Needed timestamps as the forecast frame shows them (naive
        datetime64, or tz-aware), series-major, shape ``(n * horizon,)``.

    Returns
    -------
    numpy.ndarray
        float64 ``(n * horizon, len(columns))``.

    Raises
    ------
    ValueError
        If ``future_df`` is missing, lacks a column, a series, or a
        timestamp (naming the first), is in another zone than ``times``, or
        has NaN in a needed row.
    TypeError
        If a needed value is not a number (naming column, series and row).
    """
    times = pd.DatetimeIndex(times)
    f, key = _future_keys(future_df, columns, id_col, time_col, zone_of(times))
    want, pos = _future_rows(key, ids, times)
    block = _future_values(f, pos, columns, want, time_col)
    bad = ~np.isfinite(block)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise ValueError(
            f"future_df column {columns[c]!r} has a NaN/infinite value at row "
            f"{_label(f.index[pos[r]])} (series {want[r][0]!r}, {time_col} "
            f"{times[r]})."
        )
    return block


def _future_keys(
    future_df: pd.DataFrame | None,
    columns: Sequence[str],
    id_col: str,
    time_col: str,
    tz: str | None,
) -> tuple[pd.DataFrame, pd.MultiIndex]:
    """``future_df`` with parsed timestamps, and its unique ``(id, UTC time)``
    key per row; raise if it is absent, lacks a column, is not in ``tz`` or
    repeats a key."""
    if future_df is None:
        raise ValueError(
            f"future_covariates={list(columns)} were used at fit: predict needs "
            f"future_df= with columns {[id_col, time_col, *columns]} over the horizon."
        )
    if not isinstance(future_df, pd.DataFrame):
        raise TypeError(
            f"future_df must be a pandas DataFrame, got {type(future_df).__name__}."
        )
    missing = [c for c in [id_col, time_col, *columns] if c not in future_df.columns]
    if missing:
        raise ValueError(f"future_df is missing columns: {missing}.")
    f = ensure_time_dtype(future_df, time_col)
    check_zone(zone_of(f[time_col]), tz, "future_df", time_col)
    key = pd.MultiIndex.from_arrays([f[id_col].astype(str), _utc(f[time_col])])
    if key.duplicated().any():
        i = int(np.flatnonzero(key.duplicated())[0])
        raise ValueError(
            f"future_df has duplicate rows for series {key[i][0]!r} at "
            f"{f[time_col].iloc[i]} (row {_label(f.index[i])})."
        )
    return f, key


def _utc(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Naive ``datetime64[ns]``: tz-aware times in UTC, naive ones as they are."""
    t = pd.DatetimeIndex(times)
    if t.tz is not None:
        t = t.tz_convert("UTC").tz_localize(None)
    return t.to_numpy(dtype="datetime64[ns]")


def _future_rows(
    key: pd.MultiIndex, ids: np.ndarray, times: pd.DatetimeIndex
) -> tuple[pd.MultiIndex, np.ndarray]:
    """The wanted ``(id, time)`` pairs and their rows in ``key``; raise naming
    the first series or timestamp that ``key`` lacks."""
    horizon = len(times) // max(len(ids), 1)
    ids = np.repeat(np.asarray(ids, dtype=str), horizon).astype(object)
    want = pd.MultiIndex.from_arrays([ids, pd.DatetimeIndex(_utc(times))])
    pos = key.get_indexer(want)
    if (pos < 0).any():
        i = int(np.flatnonzero(pos < 0)[0])
        have = set(key.get_level_values(0))
        what = (
            "has no rows at all"
            if ids[i] not in have
            else f"is missing timestamp {times[i]}"
        )
        raise ValueError(
            f"future_df: series {ids[i]!r} {what}; it needs the {horizon} "
            f"timestamps after the end of its history."
        )
    return want, pos


def _future_values(
    f: pd.DataFrame,
    pos: np.ndarray,
    columns: Sequence[str],
    want: pd.MultiIndex,
    time_col: str,
) -> np.ndarray:
    """float64 ``(len(pos), len(columns))`` of the needed rows; raise, as
    validation does for the history, on a column that is not numeric, naming
    its first needed value that is not a number (column, series and row)."""
    out = np.empty((len(pos), len(columns)), dtype=np.float64)
    for j, col in enumerate(columns):
        s = f[col].iloc[pos]
        dtype = s.dtype
        if pd.api.types.is_complex_dtype(dtype):
            raise TypeError(
                f"future_df column {col!r} must hold real numbers, got dtype "
                f"{dtype}. Take the real part or the magnitude first."
            )
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(
            dtype
        ):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pandas on odd objects it coerces
                num = pd.to_numeric(s.astype(object), errors="coerce")
            bad = np.flatnonzero(num.isna().to_numpy() & s.notna().to_numpy())
            r = int(bad[0]) if bad.size else 0
            raise TypeError(
                f"future_df column {col!r} must be numeric, got dtype {dtype}. "
                f"First {'non-numeric ' if bad.size else ''}value "
                f"{_label(s.iloc[r])} at row {_label(s.index[r])} (series "
                f"{want[r][0]!r}, {time_col} {f[time_col].iloc[pos[r]]}). Convert "
                "it with `pd.to_numeric`."
            )
        out[:, j] = s.to_numpy(dtype=np.float64, na_value=np.nan)
    return out
