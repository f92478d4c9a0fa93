"""Frequency of a panel: inference, and the check that every series is regular.

Pure functions over sorted timestamps and series offsets (``indptr``), raising
a ``ValueError`` that names the series and the first missing or off-grid
timestamp. Split from :mod:`forecaster.data.validation`, which validates the
frame itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import NoReturn

import numpy as np
import pandas as pd

__all__ = [
    "infer_freq",
    "infer_series_freq",
    "guess_series_freq",
    "check_regular",
]


def infer_freq(
    times: np.ndarray, indptr: np.ndarray, ids: Sequence[str], freq: str | None = None
) -> str:
    """Infer the one frequency shared by all series.

    Parameters
    ----------
    times : numpy.ndarray
        Sorted datetime64 timestamps of all series, concatenated.
    indptr : numpy.ndarray
        Offsets of each series into ``times`` (length ``n_series + 1``).
    ids : sequence of str
        Series identifiers, for messages.
    freq : str, optional
        A pandas offset alias given by the user; checked, not inferred.

    Returns
    -------
    str
        The offset alias, e.g. ``"MS"``, ``"h"``, ``"30min"``.

    Raises
    ------
    ValueError
        If series disagree, or no series has enough regular points to infer
        the frequency (then pass ``freq=``), or the data do not follow it.
    """
    if freq is not None:
        return _checked_freq(times, indptr, ids, freq)
    found, unknown = _series_freqs(times, indptr, ids)
    if len(found) > 1:
        summary = "; ".join(f"{f!r}: series {v[:3]}" for f, v in found.items())
        raise ValueError(
            f"Series have mixed frequencies ({summary}). Forecast each frequency "
            "separately, or resample to one frequency first."
        )
    if not found:
        _raise_no_freq(times, indptr, ids, unknown)
    f = next(iter(found))
    # every series must follow f: those too short or irregular on their own,
    # and those pd.infer_freq passed (it reads month starts by the date only:
    # 02:00 monthly with one 03:00 is "MS" to it)
    check_regular(times, indptr, ids, f)
    return f


def _checked_freq(
    times: np.ndarray, indptr: np.ndarray, ids: Sequence[str], freq: str
) -> str:
    """The user's ``freq`` as pandas spells it, once every series follows it."""
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
        origin = pd.Timestamp("2000-01-01")
        forward = origin + offset > origin
    except (ValueError, TypeError):
        forward = False
    if not forward:  # not an alias, or a zero or negative step ("0h")
        raise ValueError(
            f"Received an invalid value for argument `freq`: {freq!r} is not a "
            "pandas offset alias of a positive step (e.g. 'h', 'D', 'MS', "
            "'30min')."
        ) from None
    check_regular(times, indptr, ids, offset.freqstr)
    return offset.freqstr


def _series_freqs(
    times: np.ndarray, indptr: np.ndarray, ids: Sequence[str]
) -> tuple[dict[str, list[str]], list[int]]:
    """Each regular series' frequency, as ``{freq: [ids]}``, and the numbers of
    the series whose own timestamps show none."""
    found: dict[str, list[str]] = {}
    unknown: list[int] = []
    for k in range(len(ids)):
        f = infer_series_freq(times[indptr[k] : indptr[k + 1]])
        if f is None:
            unknown.append(k)
        else:
            found.setdefault(f, []).append(str(ids[k]))
    return found, unknown


def _raise_no_freq(
    times: np.ndarray, indptr: np.ndarray, ids: Sequence[str], unknown: list[int]
) -> NoReturn:
    """Raise when no series is regular on its own.

    If one is on a regular grid with gaps, name its first missing timestamp
    rather than only asking for freq=.
    """
    for k in unknown:
        seg = times[indptr[k] : indptr[k + 1]]
        guess = guess_series_freq(seg)
        if guess is not None:
            check_regular(seg, np.array([0, len(seg)]), [ids[k]], guess)
    raise ValueError(
        "Could not infer the frequency of any series (each needs at least 3 "
        f"regular timestamps; series {str(ids[unknown[0]])!r} has none). Pass "
        "freq= explicitly, e.g. freq='D'."
    )


def infer_series_freq(times: np.ndarray | pd.DatetimeIndex) -> str | None:
    """``pd.infer_freq`` of one series as a string, or None if irregular.

    Examples
    --------
    >>> infer_series_freq(pd.date_range("2020", periods=4, freq="MS"))
    'MS'
    """
    if len(times) < 3:
        return None
    with warnings.catch_warnings():
        # pandas 3 warns that infer_freq will return an offset; we want the
        # string either way.
        warnings.simplefilter("ignore")
        f = pd.infer_freq(pd.DatetimeIndex(times))
    return None if f is None else getattr(f, "freqstr", f)


def guess_series_freq(times: np.ndarray | pd.DatetimeIndex) -> str | None:
    """The frequency of one series that may have gaps, or None.

    :func:`infer_series_freq` when the series is regular. Otherwise the
    modal step between timestamps (``"h"``, ``"30min"``; for a one-day step,
    business days ``"B"`` when they hold every timestamp, e.g. weekday data
    with a missing holiday), if every timestamp lies on its grid; failing
    that, the coarsest of the aliases pandas infers for triples of
    consecutive timestamps whose grid holds them all (calendar steps:
    ``"MS"``, ``"QS-JAN"``). Timestamps must be sorted and unique (else
    None).

    Examples
    --------
    >>> t = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-05"])
    >>> guess_series_freq(t)
    'D'
    >>> guess_series_freq(pd.date_range("2020", periods=8, freq="MS").delete(3))
    'MS'
    """
    idx = pd.DatetimeIndex(times)
    if len(idx) < 3 or not idx.is_monotonic_increasing or idx.has_duplicates:
        return None
    regular = infer_series_freq(idx)
    if regular is not None:
        return regular
    values, counts = np.unique(np.diff(idx.as_unit("ns").asi8), return_counts=True)
    modal = int(values[np.argmax(counts)])  # ties: the smallest step
    # The alias pandas infers for three points one modal step apart ("D", not
    # "24h"), so that it matches infer_freq on the filled series.
    step = infer_series_freq(idx[0] + pd.to_timedelta([0, modal, 2 * modal]))
    size = None if step is None else _grid_size(idx, step)
    if size is not None:
        if step == "D" and (_grid_size(idx, "B") or size) < size:
            return "B"
        return step
    found = (
        infer_series_freq(idx[i : i + 3])
        for i in np.unique(np.linspace(0, len(idx) - 3, num=50).astype(int))
    )
    best, best_size = None, None
    for f in dict.fromkeys(f for f in found if f is not None):
        size = _grid_size(idx, f)
        if size is not None and (best_size is None or size < best_size):
            best, best_size = f, size
    return best


def _grid_size(idx: pd.DatetimeIndex, freq: str, limit: int = 10_000_000) -> int | None:
    """Points of ``freq``'s grid from ``idx[0]`` to ``idx[-1]`` if all of
    ``idx`` lies on it, else None (also None past ``limit`` points)."""
    offset = pd.tseries.frequencies.to_offset(freq)
    first, last = idx[0], idx[-1]
    step = (first + offset) - first
    if step <= pd.Timedelta(0):
        return None
    size = int((last - first) // step) + 1
    if isinstance(offset, pd.offsets.Tick):
        ns, k = idx.as_unit("ns").asi8, int(step.value)
        return size if ((ns - ns[0]) % k == 0).all() else None
    if size > limit:
        return None
    grid = pd.date_range(first, last, freq=offset)
    if len(grid) and grid[0] == first and idx.isin(grid).all():
        return len(grid)
    return None


def check_regular(
    times: np.ndarray, indptr: np.ndarray, ids: Sequence[str], freq: str
) -> None:
    """Raise if some series has a gap or an off-grid timestamp for ``freq``.

    Raises
    ------
    ValueError
        Naming the series and the first missing (or unexpected) timestamp.
    """
    if _all_regular(times, indptr, freq):
        return
    for k in range(len(ids)):  # find and name the first irregular series
        seg = pd.DatetimeIndex(times[indptr[k] : indptr[k + 1]])
        if len(seg) < 2:
            continue
        expected = pd.date_range(seg[0], periods=len(seg), freq=freq)
        if not expected.equals(seg):
            i = int(np.flatnonzero(expected != seg)[0])
            raise ValueError(
                f"Series {str(ids[k])!r} is not regular at frequency {freq!r}: "
                f"expected timestamp {expected[i]} at position {i}, found "
                f"{seg[i]} (a gap or an off-grid timestamp). Fill the gap (e.g. "
                "fill_missing='interpolate', or reindex and interpolate) or pass "
                "the right freq=."
            )


def _all_regular(times: np.ndarray, indptr: np.ndarray, freq: str) -> bool:
    """Vectorised check that every series steps by one ``freq`` at a time.

    True means regular; False means irregular *or* undecided here (an
    offset with ``n > 1`` that is not a fixed duration), and the caller's
    per-series loop decides and names the culprit.
    """
    if len(times) < 2:
        return True
    indptr = np.asarray(indptr, dtype=np.int64)
    lengths = np.diff(indptr)
    inner = np.ones(len(times) - 1, dtype=bool)  # pairs within one series
    inner[indptr[1:-1][indptr[1:-1] > 0] - 1] = False
    times = np.asarray(times, dtype="datetime64[ns]")
    t = times.view(np.int64)
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(offset, pd.offsets.Tick):
        first = np.repeat(t[indptr[:-1]], lengths)
        pos = np.arange(len(t)) - np.repeat(indptr[:-1], lengths)
        return bool((t == first + pos * offset.nanos).all())
    if offset.n != 1:
        return False
    # anchored calendar offsets (MS, W-SAT, YS, B, ...): every series must lie
    # on one shared grid and advance one grid point per row
    lo, hi = pd.Timestamp(times.min()), pd.Timestamp(times.max())
    grid = pd.date_range(lo, hi, freq=offset)
    if not len(grid) or grid[0] != lo or len(grid) > 10_000_000:
        return False
    g = grid.as_unit("ns").asi8
    idx = np.minimum(np.searchsorted(g, t), len(g) - 1)
    if not (g[idx] == t).all():
        return False
    return bool((np.diff(idx)[inner] == 1).all())
