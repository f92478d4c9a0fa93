"""The clock of tz-aware data: wall-clock local time, or UTC for short steps.

A panel keeps its timestamps as naive ``datetime64[ns]`` plus the data's
timezone ``tz``. Which naive clock depends on the frequency, and follows
what pandas does when it steps a timestamp in its own timezone:

* **calendar frequencies** (``"D"``, ``"B"``, ``"W-SUN"``, ``"MS"``,
  ``"QE"``, ``"YS"``, ...: every pandas offset that is not a fixed duration)
  step on the **wall clock**. The panel holds local time with the zone
  dropped, so daily and monthly data are regular across a DST change
  (local midnight stays local midnight), month-start data is month-start,
  and calendar features read the user's day and hour.
* **fixed-duration frequencies** (``"h"``, ``"30min"``, ``"15s"``, any
  ``pd.offsets.Tick``) step in **absolute time**. The panel holds UTC, so
  hourly data are regular across a DST change (the repeated autumn hour and
  the missing spring hour are real hours), and only calendar features are
  read on the local clock.

Forecast timestamps are stepped on the panel's clock and then given the
zone back (:func:`aware_times`). A wall-clock time a DST change skips is
moved forward as pandas' ``nonexistent="shift_forward"`` moves it (02:30 on
Berlin's spring day becomes 03:00); one it repeats is its first occurrence,
the earlier instant. A series recorded that way (02:30 every day, 03:00 on
the spring day) is regular on the wall clock.

Naive data are left as they are. The zone a model was fitted in is compared
with the zone of later frames by :func:`check_zone`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecaster.data.frequency import infer_freq

__all__ = [
    "aware_times",
    "check_zone",
    "clock_times",
    "series_clock",
    "uses_utc",
    "wall_clock",
    "zone_name",
    "zone_of",
]

# Daily steps shrink or grow by a DST change (one hour in most zones, two in
# Antarctica/Troll); steps shorter than this are sub-daily data.
_SUB_DAILY = np.timedelta64(20, "h")


def zone_name(tz: object) -> str | None:
    """The IANA name of a timezone object (``"Europe/Berlin"``), else its text.

    zoneinfo, pytz and dateutil spell the same zone differently; the name is
    what a model stores and what ``tz_convert`` accepts back.

    Examples
    --------
    >>> import zoneinfo
    >>> zone_name(zoneinfo.ZoneInfo("Asia/Tokyo")), zone_name(None)
    ('Asia/Tokyo', None)
    """
    if tz is None:
        return None
    for attr in ("key", "zone"):  # zoneinfo, pytz
        name = getattr(tz, attr, None)
        if isinstance(name, str) and name:
            return name
    path = getattr(tz, "_filename", None)  # dateutil's tzfile
    if isinstance(path, str) and "zoneinfo/" in path:
        return path.rsplit("zoneinfo/", 1)[1]
    return str(tz)


def zone_of(times: pd.Series | pd.DatetimeIndex) -> str | None:
    """The zone name of datetime ``times``; None if they are naive."""
    dtype = times.dtype
    return zone_name(dtype.tz) if isinstance(dtype, pd.DatetimeTZDtype) else None


def uses_utc(freq: str) -> bool:
    """Whether tz-aware data at ``freq`` are kept on the UTC clock.

    True for fixed-duration offsets (``"h"``, ``"30min"``), False for
    calendar ones (``"D"``, ``"MS"``) and for strings that are no offset
    (the frequency check names those).

    Examples
    --------
    >>> uses_utc("h"), uses_utc("D"), uses_utc("MS")
    (True, False, False)
    """
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError):
        return False
    return isinstance(offset, pd.offsets.Tick)


def clock_times(
    times: pd.Series, indptr: np.ndarray, ids: Sequence[str], freq: str | None
) -> tuple[np.ndarray, str]:
    """Naive panel timestamps of tz-aware ``times`` and the frequency.

    Parameters
    ----------
    times : pandas.Series
        tz-aware timestamps, sorted within each series.
    indptr : numpy.ndarray
        Series offsets into ``times``.
    ids : sequence of str
        Series identifiers, for messages.
    freq : str, optional
        The user's offset alias; inferred when omitted.

    Returns
    -------
    times : numpy.ndarray
        ``datetime64[ns]``: UTC if :func:`uses_utc` of the frequency, else
        local wall-clock time.
    freq : str
        The frequency, as :func:`forecaster.data.frequency.infer_freq` gives it.

    Raises
    ------
    ValueError
        From :func:`forecaster.data.frequency.infer_freq`, the timestamps
        named on the clock of the frequency.
    """
    utc = times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
    if freq is not None:
        on_utc = uses_utc(freq)
        clock = utc if on_utc else _local_wall(times, indptr)
        return clock, _infer(clock, on_utc, indptr, ids, freq)
    # Unknown frequency: sub-daily steps are inferred in UTC (hourly data
    # across DST are regular there), longer ones on the wall clock.
    on_utc = _sub_daily(utc, indptr)
    clock = utc if on_utc else _local_wall(times, indptr)
    found = _infer(clock, on_utc, indptr, ids, None)
    if uses_utc(found) != on_utc:  # e.g. 30-hour steps, not regular locally
        on_utc = not on_utc
        clock = utc if on_utc else _local_wall(times, indptr)
        found = _infer(clock, on_utc, indptr, ids, found)
    return clock, found


def _infer(
    times: np.ndarray,
    on_utc: bool,
    indptr: np.ndarray,
    ids: Sequence[str],
    freq: str | None,
) -> str:
    """:func:`infer_freq`, its messages saying when they name UTC times."""
    try:
        return infer_freq(times, indptr, ids, freq)
    except ValueError as exc:
        if not on_utc:
            raise
        raise ValueError(
            f"{exc} (Timestamps here are in UTC: tz-aware data at a fixed-"
            "duration frequency are checked in absolute time.)"
        ) from None


def series_clock(times: pd.DatetimeIndex, freq: str | None) -> pd.DatetimeIndex:
    """One series' tz-aware ``times`` on the clock of ``freq``, naive.

    Without ``freq``, the clock :func:`clock_times` infers on: UTC for
    sub-daily steps, else the wall clock. Naive ``times`` are returned as
    they are.

    Examples
    --------
    >>> t = pd.date_range("2024-03-30", periods=3, freq="D", tz="Europe/Berlin")
    >>> series_clock(t, None).strftime("%d %H:%M").tolist()
    ['30 00:00', '31 00:00', '01 00:00']
    """
    if times.tz is None:
        return times
    utc = times.tz_convert("UTC").tz_localize(None)
    if freq is None:
        on_utc = _sub_daily(utc.to_numpy("datetime64[ns]"), np.array([0, len(utc)]))
    else:
        on_utc = uses_utc(freq)
    if on_utc:
        return utc
    return pd.DatetimeIndex(_local_wall(times, np.array([0, len(times)])))


def _local_wall(times: pd.Series | pd.DatetimeIndex, indptr: np.ndarray) -> np.ndarray:
    """Naive wall-clock ``datetime64[ns]`` of tz-aware ``times``, with the
    shift of a DST gap undone.

    A recorder that writes 02:30 every day writes 03:00 on the day that
    skips 02:00-03:00 (``nonexistent="shift_forward"``, as
    :func:`aware_times` does). A timestamp whose series neighbour shows a
    time of day that does not exist on its day, and which :func:`aware_times`
    turns into that very timestamp, is read as that time: the series is then
    regular on the wall clock, and forecasts give the same instants back.
    """
    t = pd.DatetimeIndex(times).as_unit("ns")
    wall = t.tz_localize(None).asi8.copy()
    if len(wall) < 2:
        return wall.view("datetime64[ns]")
    day = 86_400 * 10**9
    k = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    j = np.arange(len(wall)) - 1  # the previous point, or the next for a first
    first = np.asarray(indptr[:-1], dtype=np.int64)
    j[first[first < len(wall)]] += 2
    ok = (j < len(wall)) & (k == k[np.minimum(j, len(wall) - 1)])
    i = np.flatnonzero(ok & (wall % day != wall[np.minimum(j, len(wall) - 1)] % day))
    if not i.size:
        return wall.view("datetime64[ns]")
    meant = wall[i] - wall[i] % day + wall[j[i]] % day
    # an existing time of day gives another instant: only a skipped one, moved
    # forward, lands on the timestamp itself
    back = aware_times(meant.view("datetime64[ns]"), "D", zone_of(t))
    shifted = back.as_unit("ns").asi8 == t.asi8[i]
    wall[i[shifted]] = meant[shifted]
    return wall.view("datetime64[ns]")


def _sub_daily(utc: np.ndarray, indptr: np.ndarray) -> bool:
    """Whether some step within a series is shorter than :data:`_SUB_DAILY`."""
    if len(utc) < 2:
        return False
    inner = np.ones(len(utc) - 1, dtype=bool)  # pairs within one series
    cut = np.asarray(indptr[1:-1], dtype=np.int64)
    inner[cut[(cut > 0) & (cut < len(utc))] - 1] = False
    steps = np.diff(utc)[inner]
    return bool(steps.size) and bool((steps < _SUB_DAILY).any())


def wall_clock(times: np.ndarray, freq: str, tz: str | None) -> np.ndarray:
    """Panel timestamps as naive local wall-clock time (for calendar features).

    Examples
    --------
    >>> t = np.array(["2020-01-01T15:00"], "datetime64[ns]")  # UTC, hourly
    >>> str(wall_clock(t, "h", "Asia/Tokyo")[0])
    '2020-01-02T00:00:00.000000000'
    """
    times = np.asarray(times, dtype="datetime64[ns]")
    if tz is None or not uses_utc(freq):
        return times
    idx = pd.DatetimeIndex(times).tz_localize("UTC").tz_convert(tz)
    return idx.tz_localize(None).to_numpy("datetime64[ns]")


def aware_times(times: np.ndarray, freq: str, tz: str | None) -> pd.DatetimeIndex:
    """Panel timestamps as the user sees them: in ``tz``, or naive.

    On the wall clock, a time that a DST change skips moves forward to the
    first one that exists; one that it repeats is its first occurrence.

    Examples
    --------
    >>> t = np.array(["2024-03-31", "2024-04-01"], "datetime64[ns]")
    >>> [str(x) for x in aware_times(t, "D", "Europe/Berlin")]
    ['2024-03-31 00:00:00+01:00', '2024-04-01 00:00:00+02:00']
    """
    idx = pd.DatetimeIndex(np.asarray(times, dtype="datetime64[ns]"))
    if tz is None:
        return idx
    if uses_utc(freq):
        return idx.tz_localize("UTC").tz_convert(tz)
    n = len(idx)
    # Both readings of a repeated time, and the earlier kept: "is DST" names
    # the first one in most zones but not all (Europe/Dublin's winter time).
    one = idx.tz_localize(tz, ambiguous=np.ones(n, bool), nonexistent="shift_forward")
    two = idx.tz_localize(tz, ambiguous=np.zeros(n, bool), nonexistent="shift_forward")
    first = np.minimum(one.asi8, two.asi8).view(f"datetime64[{one.unit}]")
    return pd.DatetimeIndex(first).tz_localize("UTC").tz_convert(tz)


def check_zone(
    got: str | None, fitted: str | None, what: str, time_col: str | None
) -> None:
    """Raise if a frame's timestamps are not in the zone the model was fitted on.

    Parameters
    ----------
    got : str or None
        Zone of the frame's timestamps (:func:`zone_of`); None if naive.
    fitted : str or None
        Zone of the fit data; None if they were naive.
    what : str
        The frame's name in the message (``"df"``, ``"future_df"``).
    time_col : str or None
        Its time column; None for a Series' ``DatetimeIndex``.

    Raises
    ------
    ValueError
        Naming both zones (or the naive side) and the conversion to apply.

    Examples
    --------
    >>> check_zone(None, "Asia/Tokyo", "df", "ds")
    Traceback (most recent call last):
    ...
    ValueError: `df`'s 'ds' is naive but the model was fitted on Asia/Tokyo times: localise it with `df['ds'].dt.tz_localize('Asia/Tokyo')` if it holds Asia/Tokyo wall-clock time, or with `df['ds'].dt.tz_localize('UTC').dt.tz_convert('Asia/Tokyo')` if it holds UTC.
    """  # noqa: E501
    if got == fitted:
        return
    if time_col is None:
        subject, code, dt = f"`{what}`'s index", f"`{what}.index", ""
    else:
        subject, code = f"`{what}`'s {time_col!r}", f"`{what}[{time_col!r}].dt"
        dt = ".dt"
    if got is None:
        raise ValueError(
            f"{subject} is naive but the model was fitted on {fitted} times: "
            f"localise it with {code}.tz_localize({fitted!r})` if it holds "
            f"{fitted} wall-clock time, or with {code}.tz_localize('UTC')"
            f"{dt}.tz_convert({fitted!r})` if it holds UTC."
        )
    if fitted is None:
        raise ValueError(
            f"{subject} is in {got} but the model was fitted on naive times: "
            f"drop the zone as the fit data had none, with {code}.tz_localize(None)"
            f"` if they were {got} wall-clock time, or {code}.tz_convert('UTC')"
            f"{dt}.tz_localize(None)` if they were UTC; or refit on tz-aware data."
        )
    raise ValueError(
        f"{subject} is in {got} but the model was fitted on {fitted} times: "
        f"convert it with {code}.tz_convert({fitted!r})`."
    )
