import numpy as np
import pandas as pd
import pytest

from forecaster.data.panel import forecast_frame, future_times, panel_from_frame
from tests.conftest import make_frame


def test_panel_layout_and_sorting():
    df = make_frame({"b": [5.0, 6.0, 7.0, 8.0], "a": [1.0, 2.0, 3.0]}).iloc[::-1]
    p = panel_from_frame(df)
    assert p.ids.tolist() == ["a", "b"]
    assert p.indptr.tolist() == [0, 3, 7]
    assert p.values.dtype == np.float32 and p.values.flags.c_contiguous
    assert p.values[:, 0].tolist() == [1, 2, 3, 5, 6, 7, 8]
    assert p.freq == "h"
    assert p.series_index.tolist() == [0, 0, 0, 1, 1, 1, 1]
    assert pd.Timestamp(p.last_times[1]) == pd.Timestamp("2020-01-01 03:00")


def test_panel_head_is_time_ordered_cut():
    p = panel_from_frame(make_frame({"a": np.arange(5.0), "b": np.arange(10.0, 16.0)}))
    h = p.head(np.array([2, 4]))
    assert h.indptr.tolist() == [0, 2, 6]
    assert h.values[:, 0].tolist() == [0, 1, 10, 11, 12, 13]


def test_feature_columns_follow_target():
    df = make_frame({"a": [1.0, 2.0, 3.0]})
    df["x"] = [10.0, 20.0, 30.0]
    p = panel_from_frame(df, feature_cols=["x"])
    assert p.features == ("y", "x")
    assert p.values[:, 1].tolist() == [10, 20, 30]


def test_float32_overflow_named():
    df = make_frame({"a": [1.0, 2.0, 1e39]})
    with pytest.raises(ValueError, match=r"row 2 \(series 'a'.*overflow float32"):
        panel_from_frame(df)


def test_timezone_kept():
    df = make_frame({"a": [1.0, 2.0, 3.0]})
    df["ds"] = df["ds"].dt.tz_localize("Asia/Tokyo")
    p = panel_from_frame(df)
    assert p.tz == "Asia/Tokyo"
    # stored as UTC wall time
    assert pd.Timestamp(p.times[0]) == pd.Timestamp("2019-12-31 15:00")


def _forecast_times(df, horizon=3):
    p = panel_from_frame(df)
    yhat = np.zeros((p.n_series, horizon))
    fc = forecast_frame(p.ids, p.last_times, p.freq, p.tz, yhat, "unique_id", "ds", 0)
    return p, [str(t) for t in fc["ds"]]


def test_month_start_berlin_forecasts_the_next_local_month_starts():
    # was: inferred "ME" in UTC (23:00 on the last day), forecasts 23:00
    ds = pd.date_range("2023-09-01", periods=14, freq="MS", tz="Europe/Berlin")
    p, got = _forecast_times(pd.DataFrame({"unique_id": "a", "ds": ds, "y": 1.0}))
    assert (p.freq, p.tz) == ("MS", "Europe/Berlin")
    assert got == [
        "2024-11-01 00:00:00+01:00",
        "2024-12-01 00:00:00+01:00",
        "2025-01-01 00:00:00+01:00",
    ]


def test_daily_berlin_across_spring_dst_forecasts_local_midnight():
    # was: "not regular at frequency 'D'" (the 23-hour day in UTC)
    ds = pd.date_range("2024-03-20", periods=12, freq="D", tz="Europe/Berlin")
    p, got = _forecast_times(pd.DataFrame({"unique_id": "a", "ds": ds, "y": 1.0}))
    assert p.freq == "D"
    assert got == [
        "2024-04-01 00:00:00+02:00",
        "2024-04-02 00:00:00+02:00",
        "2024-04-03 00:00:00+02:00",
    ]
    # forecasting across the change too: from the day before it
    p, got = _forecast_times(pd.DataFrame({"unique_id": "a", "ds": ds[:10], "y": 1.0}))
    assert got[:2] == ["2024-03-30 00:00:00+01:00", "2024-03-31 00:00:00+01:00"]
    assert got[2] == "2024-04-01 00:00:00+02:00"


def test_hourly_sydney_across_autumn_dst_forecasts_real_hours():
    # Sydney repeats 02:00-03:00 on 2024-04-07: hourly steps are elapsed time
    ds = pd.date_range("2024-04-06 23:00", periods=3, freq="h", tz="Australia/Sydney")
    p, got = _forecast_times(pd.DataFrame({"unique_id": "a", "ds": ds, "y": 1.0}))
    assert p.freq == "h"
    assert got == [
        "2024-04-07 02:00:00+11:00",
        "2024-04-07 02:00:00+10:00",
        "2024-04-07 03:00:00+10:00",
    ]


@pytest.mark.parametrize(
    "freq,last,expected",
    [
        ("MS", "2020-11-01", ["2020-12-01", "2021-01-01"]),
        ("30min", "2020-01-01 23:30", ["2020-01-02 00:00", "2020-01-02 00:30"]),
        ("W-SAT", "2020-01-04", ["2020-01-11", "2020-01-18"]),
    ],
)
def test_future_times(freq, last, expected):
    out = future_times(np.array([np.datetime64(last)]), freq, 2)
    assert [str(pd.Timestamp(t)) for t in out] == [
        str(pd.Timestamp(e)) for e in expected
    ]


@pytest.mark.parametrize(
    "freq", ["MS", "ME", "W-SAT", "YS", "QS-JAN", "B", "30min", "2MS", "D", "h"]
)
def test_future_times_vectorised_matches_date_range_per_series(freq):
    rng = np.random.default_rng(0)
    grid = pd.date_range("1901-01-01", periods=200, freq=freq)
    last = grid[rng.integers(0, 150, size=50)].to_numpy()
    out = future_times(last, freq, 7).reshape(50, 7)
    for t, row in zip(last, out, strict=True):
        off = pd.tseries.frequencies.to_offset(freq)
        want = pd.date_range(pd.Timestamp(t) + off, periods=7, freq=off)
        np.testing.assert_array_equal(row, want.to_numpy())


_LAST = np.array(["2020-01-01", "2020-03-01"], dtype="datetime64[ns]")
_YHAT = np.array([[1, 2], [3, 4]], dtype=np.float32)  # (N=2, H=2)


def test_forecast_frame_naive_monthly():
    fc = forecast_frame(["a", "b"], _LAST, "MS", None, _YHAT, "uid", "t", False)
    assert fc.columns.tolist() == ["uid", "t", "yhat"]
    assert fc["uid"].tolist() == ["a", "a", "b", "b"]
    assert fc["t"].tolist() == [
        pd.Timestamp(t)
        for t in ["2020-02-01", "2020-03-01", "2020-04-01", "2020-05-01"]
    ]
    assert fc["yhat"].dtype == np.float64 and fc["yhat"].tolist() == [1, 2, 3, 4]


def test_forecast_frame_timezone_and_extra_columns():
    extra = {"yhat_lo80": np.arange(4.0)}
    fc = forecast_frame(
        ["a", "b"], _LAST, "MS", "Asia/Tokyo", _YHAT, "u", "t", False, extra
    )
    assert str(fc["t"].dt.tz) == "Asia/Tokyo"
    # a calendar frequency steps on the stored wall clock: local month starts
    local = ["2020-02-01", "2020-03-01", "2020-04-01", "2020-05-01"]
    assert fc["t"].tolist() == [pd.Timestamp(t, tz="Asia/Tokyo") for t in local]
    assert fc.columns.tolist() == ["u", "t", "yhat", "yhat_lo80"]
    assert fc["yhat_lo80"].tolist() == [0, 1, 2, 3]


def test_forecast_frame_as_series_is_indexed_by_time():
    fc = forecast_frame(["s"], _LAST[:1], "MS", None, _YHAT[:1], "uid", "ds", True)
    assert fc.columns.tolist() == ["yhat"] and fc.index.name == "ds"
    assert fc.index.tolist() == [pd.Timestamp("2020-02-01"), pd.Timestamp("2020-03-01")]
