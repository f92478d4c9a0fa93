"""The clock of tz-aware data: known answers for the rule (calendar
frequencies on the wall clock, fixed durations in UTC), DST gaps and repeats,
and the zone-mismatch messages."""

import datetime
import zoneinfo

import dateutil.tz
import numpy as np
import pandas as pd
import pytest

from forecaster.data.clock import (
    aware_times,
    check_zone,
    clock_times,
    series_clock,
    uses_utc,
    wall_clock,
    zone_name,
    zone_of,
)


def _ns(*stamps):
    return np.array(stamps, dtype="datetime64[ns]")


@pytest.mark.parametrize(
    "freq,utc",
    [("h", True), ("30min", True), ("24h", True), ("15s", True), ("D", False)]
    + [("B", False), ("W-SUN", False), ("MS", False), ("QE", False), ("bogus", False)],
)
def test_fixed_durations_run_on_utc_calendar_steps_on_the_wall_clock(freq, utc):
    assert uses_utc(freq) is utc


def test_zone_names_agree_across_tz_libraries():
    berlin = [
        zoneinfo.ZoneInfo("Europe/Berlin"),
        dateutil.tz.gettz("Europe/Berlin"),
        "Europe/Berlin",
    ]
    for tz in berlin:
        idx = pd.date_range("2020", periods=2, freq="D", tz=tz)
        assert zone_of(idx) == "Europe/Berlin", tz
    assert zone_name(datetime.UTC) == "UTC"
    assert zone_of(pd.Series(pd.to_datetime(["2020-01-01T00:00+01:00"]))) == (
        "UTC+01:00"
    )
    assert zone_of(pd.date_range("2020", periods=2)) is None


def _clock(ds, freq=None):
    times = pd.Series(ds)
    return clock_times(times, np.array([0, len(times)]), ["a"], freq)


def test_daily_berlin_across_spring_dst_is_regular_on_the_wall_clock():
    ds = pd.date_range("2024-03-28", periods=6, freq="D", tz="Europe/Berlin")
    times, freq = _clock(ds)
    assert freq == "D"
    # local midnight stays midnight (in UTC one step is 23 hours)
    assert [str(t)[:16] for t in times[2:4]] == ["2024-03-30T00:00", "2024-03-31T00:00"]


def test_month_start_berlin_is_month_start_not_month_end():
    ds = pd.date_range("2023-10-01", periods=8, freq="MS", tz="Europe/Berlin")
    times, freq = _clock(ds)
    assert freq == "MS" and str(times[0])[:10] == "2023-10-01"


def test_hourly_across_autumn_dst_is_regular_in_utc():
    # 02:00-03:00 happens twice on 2024-10-27 in Berlin: 25 real hours that day
    ds = pd.date_range("2024-10-26 22:00", periods=10, freq="h", tz="Europe/Berlin")
    assert ds.tz_localize(None).has_duplicates  # not regular on the wall clock
    times, freq = _clock(ds)
    assert freq == "h"
    np.testing.assert_array_equal(np.diff(times), np.timedelta64(1, "h"))
    assert str(times[0])[:16] == "2024-10-26T20:00"  # UTC


def test_steps_regular_only_in_utc_are_found_there():
    ds = pd.date_range("2024-03-01", periods=30, freq="30h", tz="America/New_York")
    with pytest.raises(ValueError, match="Could not infer the frequency"):
        _clock(ds)  # 30 hours: read as daily-or-longer, irregular on the wall clock
    assert _clock(ds, "30h")[1] == "30h"
    ds = pd.date_range("2024-01-01", periods=10, freq="30h", tz="America/New_York")
    times, freq = _clock(ds)  # no DST change: inferred, then kept in UTC
    assert freq == "30h" and str(times[0])[:16] == "2024-01-01T05:00"


def test_a_fixed_duration_on_daily_data_names_utc_timestamps():
    ds = pd.date_range("2024-03-28", periods=6, freq="D", tz="Europe/Berlin")
    with pytest.raises(
        ValueError,
        match=r"not regular at frequency '24h': expected timestamp 2024-03-31 23:00:00"
        r" at position 4, found 2024-03-31 22:00:00 .*\(Timestamps here are in UTC",
    ):
        _clock(ds, "24h")


def test_wall_clock_of_utc_panel_times():
    utc = _ns("2020-01-01T15:00", "2020-07-01T15:00")
    got = wall_clock(utc, "h", "Europe/Berlin")
    assert [str(t)[:16] for t in got] == ["2020-01-01T16:00", "2020-07-01T17:00"]
    # a wall-clock panel and a naive one are already the user's clock
    np.testing.assert_array_equal(wall_clock(utc, "D", "Europe/Berlin"), utc)
    np.testing.assert_array_equal(wall_clock(utc, "h", None), utc)


def test_aware_times_moves_a_skipped_time_forward_and_takes_a_repeat_first():
    # Berlin skips 02:00-03:00 on 2024-03-31 and repeats it on 2024-10-27
    got = aware_times(
        _ns("2024-03-31T02:30", "2024-10-27T02:30", "2024-10-28T02:30"),
        "D",
        "Europe/Berlin",
    )
    assert [str(t) for t in got] == [
        "2024-03-31 03:00:00+02:00",
        "2024-10-27 02:30:00+02:00",  # the first 02:30, summer time
        "2024-10-28 02:30:00+01:00",
    ]


def test_aware_times_takes_the_first_repeat_where_winter_is_the_dst_side():
    # tzdata gives Dublin a negative DST: winter is "DST", summer standard
    got = aware_times(_ns("2024-10-27T01:30"), "D", "Europe/Dublin")
    assert str(got[0]) == "2024-10-27 01:30:00+01:00"


def test_aware_times_on_utc_clock_and_naive():
    got = aware_times(_ns("2024-10-27T00:30", "2024-10-27T01:30"), "h", "Europe/Berlin")
    assert [str(t) for t in got] == [
        "2024-10-27 02:30:00+02:00",
        "2024-10-27 02:30:00+01:00",
    ]
    assert aware_times(_ns("2024-01-01"), "D", None).tz is None


def test_series_clock_follows_the_same_rule():
    daily = pd.date_range("2024-03-30", periods=3, freq="D", tz="Europe/Berlin")
    assert series_clock(daily, None).strftime("%H").tolist() == ["00"] * 3
    hourly = pd.date_range("2024-03-31", periods=4, freq="h", tz="Europe/Berlin")
    assert series_clock(hourly, None).strftime("%H").tolist() == [
        "23",
        "00",
        "01",
        "02",
    ]
    assert series_clock(daily, "h").strftime("%H").tolist() == ["23", "23", "22"]


@pytest.mark.parametrize(
    "got,fitted,time_col,message",
    [
        (
            None,
            "Asia/Tokyo",
            "ds",
            r"`df`'s 'ds' is naive but the model was fitted on Asia/Tokyo times: "
            r"localise it with `df\['ds'\]\.dt\.tz_localize\('Asia/Tokyo'\)` if it "
            r"holds Asia/Tokyo wall-clock time, or with `df\['ds'\]\.dt\.tz_localize"
            r"\('UTC'\)\.dt\.tz_convert\('Asia/Tokyo'\)` if it holds UTC\.",
        ),
        (
            "Europe/Berlin",
            None,
            "ds",
            r"`df`'s 'ds' is in Europe/Berlin but the model was fitted on naive "
            r"times: drop the zone .* `df\['ds'\]\.dt\.tz_localize\(None\)`",
        ),
        (
            "UTC",
            "Asia/Tokyo",
            None,
            r"`df`'s index is in UTC but the model was fitted on Asia/Tokyo times: "
            r"convert it with `df\.index\.tz_convert\('Asia/Tokyo'\)`\.",
        ),
    ],
)
def test_zone_mismatch_names_both_sides_and_the_fix(got, fitted, time_col, message):
    with pytest.raises(ValueError, match=message):
        check_zone(got, fitted, "df", time_col)
    check_zone(fitted, fitted, "df", time_col)  # the same zone passes


def test_a_time_shifted_out_of_a_dst_gap_reads_as_the_time_meant():
    # 02:30 monthly in Sydney: 2023-10-01 02:30 does not exist, 03:00 is written
    wall = pd.date_range("2023-07-01 02:30", periods=6, freq="MS")
    ds = wall.tz_localize("Australia/Sydney", nonexistent="shift_forward")
    assert str(ds[3]) == "2023-10-01 03:00:00+11:00"
    times, freq = _clock(ds)
    assert freq == "MS"
    np.testing.assert_array_equal(times, wall.to_numpy("datetime64[ns]"))
    assert aware_times(times, freq, "Australia/Sydney").equals(ds)
    # a 03:00 whose neighbours are at 03:00 too is just 03:00
    wall = pd.date_range("2023-08-01 03:00", periods=4, freq="MS")
    times, _ = _clock(wall.tz_localize("Australia/Sydney"))
    np.testing.assert_array_equal(times, wall.to_numpy("datetime64[ns]"))
