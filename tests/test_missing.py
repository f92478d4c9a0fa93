"""Missing-data policies: known answers for gaps and NaN, and the estimator wiring."""

import re

import numpy as np
import pandas as pd
import pytest

from forecaster import RecurrentForecaster, Seq2SeqForecaster
from forecaster.data.frequency import guess_series_freq
from forecaster.data.missing import FILL_POLICIES, fill_missing
from forecaster.data.panel import panel_from_frame
from tests.conftest import TINY_NO_VAL, make_frame

NAN = np.nan


def _daily(values, start="2020-01-01", uid="a", drop=()):
    """One daily series; positions in ``drop`` are removed (gaps)."""
    df = make_frame({uid: values}, start=start, freq="D")
    return df.drop(index=list(drop)).reset_index(drop=True)


# -- the policies, with known answers ------------------------------------------------
def test_raise_returns_the_frame_unchanged():
    df = _daily([1.0, NAN, 3.0], drop=[1])
    assert fill_missing(df, "raise") is df


def test_unknown_policy_named():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "argument `fill_missing`, expected one of ('raise', 'ffill', "
            "'interpolate', 'zero'), got 'mean'"
        ),
    ):
        fill_missing(_daily([1.0, 2.0, 3.0]), "mean")


# a: day 0 = 1, day 1 = NaN, days 2-3 absent (gap), day 4 = 5, day 5 = 6
GAPPY = [1.0, NAN, 0.0, 0.0, 5.0, 6.0]


@pytest.mark.parametrize(
    "policy,expected",
    [
        ("ffill", [1.0, 1.0, 1.0, 1.0, 5.0, 6.0]),
        ("interpolate", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        ("zero", [1.0, 0.0, 0.0, 0.0, 5.0, 6.0]),
    ],
)
def test_gap_and_nan_filled(policy, expected):
    df = _daily(GAPPY, drop=[2, 3])
    out = fill_missing(df, policy)
    assert out["ds"].tolist() == list(pd.date_range("2020-01-01", periods=6))
    assert out["y"].tolist() == expected
    assert out["unique_id"].tolist() == ["a"] * 6
    assert df["y"].isna().sum() == 1 and len(df) == 4  # input untouched


def test_interpolation_is_linear_in_time_not_in_rows():
    # hourly grid, observations at 0 h and 4 h: 1 h -> 1/4 of the way
    df = make_frame({"a": [0.0, NAN, NAN, NAN, 8.0, 9.0]}, freq="h")
    assert fill_missing(df, "interpolate")["y"].tolist() == [0, 2, 4, 6, 8, 9]


@pytest.mark.parametrize(
    "policy,expected",
    [
        ("ffill", [3.0, 3.0, 3.0, 4.0, 4.0]),
        ("interpolate", [3.0, 3.0, 3.0, 4.0, 4.0]),
        ("zero", [0.0, 0.0, 3.0, 4.0, 0.0]),
    ],
)
def test_leading_and_trailing_nan(policy, expected):
    # leading NaN cannot be carried forward or interpolated: backfilled
    df = _daily([NAN, NAN, 3.0, 4.0, NAN])
    assert fill_missing(df, policy)["y"].tolist() == expected


def test_covariates_filled_other_columns_left_missing():
    df = _daily([1.0, 2.0, 3.0, 4.0], drop=[2])
    df["temp"] = [10.0, NAN, 40.0]
    df["note"] = ["x", "y", "z"]
    out = fill_missing(df, "interpolate", value_cols=["y", "temp"])
    assert out["y"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert out["temp"].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert out["note"].isna().tolist() == [False, False, True, False]


def test_each_series_on_its_own_grid_output_sorted():
    a = _daily([1.0, 2.0, 3.0, 4.0], uid="a", drop=[1])
    b = make_frame({"b": np.arange(1.0, 9.0)}, freq="MS").drop(index=[2])
    df = pd.concat([b, a]).sample(frac=1.0, random_state=0)  # unsorted
    out = fill_missing(df, "ffill")
    assert out["unique_id"].tolist() == ["a"] * 4 + ["b"] * 8
    assert out.loc[out.unique_id == "b", "ds"].tolist() == list(
        pd.date_range("2020-01-01", periods=8, freq="MS")
    )
    assert out.loc[out.unique_id == "b", "y"].tolist() == [1, 2, 2, 4, 5, 6, 7, 8]


def test_given_freq_is_the_grid():
    # without freq= the modal step (2 h) would be the grid
    df = make_frame({"a": [0.0, 2.0, 4.0, 6.0]}, freq="2h")
    out = fill_missing(df, "interpolate", freq="h")
    assert out["y"].tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert len(fill_missing(df, "interpolate")) == 4


def test_short_series_uses_the_panel_frequency():
    long = make_frame({"a": np.arange(6.0)}, freq="h")
    short = make_frame({"b": [1.0, 4.0]}, freq="3h")  # 2 points: no own guess
    out = fill_missing(pd.concat([long, short]), "interpolate")
    assert out.loc[out.unique_id == "b", "y"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_timezone_kept():
    df = make_frame({"a": [1.0, 2.0, 3.0, 4.0]}, freq="h").drop(index=[1])
    df["ds"] = df["ds"].dt.tz_localize("Europe/Paris")
    out = fill_missing(df, "interpolate")
    assert str(out["ds"].dt.tz) == "Europe/Paris"
    assert out["y"].tolist() == [1.0, 2.0, 3.0, 4.0]


def _gapped(freq, start, n, tz, drop):
    ds = pd.date_range(start, periods=n, freq=freq, tz=tz)
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": np.arange(float(n))})
    return df.drop(index=list(drop)), ds


def test_daily_gap_across_dst_is_filled_at_local_midnight():
    # Berlin's 23-hour day (2024-03-31) and the day after are missing
    df, ds = _gapped("D", "2024-03-28", 8, "Europe/Berlin", drop=[3, 4])
    out = fill_missing(df, "ffill")
    assert out["ds"].tolist() == ds.tolist()
    assert out["y"].tolist() == [0.0, 1.0, 2.0, 2.0, 2.0, 5.0, 6.0, 7.0]


def test_daily_gap_at_an_hour_dst_skips_is_filled_on_the_recorders_grid():
    # 02:00 daily in New York: 2021-03-14 02:00 does not exist, the recorder
    # wrote 03:00 (shift forward, as forecasts do); was: pandas' "nonexistent
    # time" error from the grid
    wall = pd.date_range("2021-03-10 02:00", periods=8, freq="D")
    ds = wall.tz_localize("America/New_York", nonexistent="shift_forward")
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": np.arange(8.0)})
    out = fill_missing(df.drop(index=[3, 5]), "interpolate")
    assert out["ds"].tolist() == ds.tolist()
    p = panel_from_frame(out)  # regular: the 03:00 reads as the 02:00 meant
    assert p.freq == "D" and str(p.times[4]) == "2021-03-14T02:00:00.000000000"


def test_hourly_gap_across_the_repeated_hour_is_filled_in_elapsed_time():
    # Berlin's 2024-10-27 has 02:00 twice; the second one and 03:00 are missing
    df, ds = _gapped("h", "2024-10-27 00:00", 7, "Europe/Berlin", drop=[3, 4])
    out = fill_missing(df, "interpolate")
    assert out["ds"].tolist() == ds.tolist()
    assert out["y"].tolist() == list(np.arange(7.0))


def test_nullable_and_integer_columns():
    df = _daily([1.0, 2.0, 3.0])
    df["y"] = pd.array([1, None, 3], dtype="Int64")
    assert fill_missing(df, "interpolate")["y"].tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("policy", ["ffill", "interpolate", "zero"])
def test_series_without_any_value_named(policy):
    df = pd.concat(
        [_daily([1.0, 2.0, 3.0]), _daily([NAN] * 4, uid="empty")], ignore_index=True
    )
    with pytest.raises(
        ValueError,
        match=r"Series 'empty' has no value at all in column 'y' \(the target; rows "
        r"3, 4, 5, \.\.\. \(4 rows\)\)",
    ):
        fill_missing(df, policy)


def test_covariate_without_any_value():
    df = _daily([1.0, 2.0, 3.0])
    df["temp"] = NAN
    with pytest.raises(
        ValueError, match=r"Series 'a' .* column 'temp' \(a covariate; rows 0, 1, 2\)"
    ):
        fill_missing(df, "ffill", value_cols=["y", "temp"])
    # "zero" means missing is 0, which needs no observation
    out = fill_missing(df, "zero", value_cols=["y", "temp"])
    assert out["temp"].tolist() == [0.0, 0.0, 0.0]


def test_wrong_freq_does_not_explode():
    df = _daily(np.arange(30.0))
    with pytest.raises(ValueError, match=r"Series 'a' would grow from 30 to about"):
        fill_missing(df, "ffill", freq="min")


@pytest.mark.parametrize(
    "make",
    [
        lambda df: df.drop(columns="ds"),  # missing column
        lambda df: pd.concat([df, df.iloc[:1]]),  # duplicate (id, ds)
        lambda df: df.assign(ds=df["ds"].astype(str).where(df.index != 1, "nope")),
        lambda df: df.assign(y=df["y"].astype(str)),  # non-numeric
        lambda df: df.assign(unique_id=df["unique_id"].where(df.index != 1, None)),
        lambda df: df.iloc[:0],
        lambda df: df.to_numpy(),
    ],
)
def test_frames_validation_rejects_are_left_to_validation(make):
    bad = make(_daily([1.0, NAN, 3.0]))
    assert fill_missing(bad, "ffill") is bad


def test_off_grid_series_not_reindexed_but_nan_filled():
    df = _daily([1.0, NAN, 3.0, 4.0])
    df.loc[3, "ds"] = pd.Timestamp("2020-01-04 07:00")
    out = fill_missing(df, "ffill", freq="D")
    assert out["ds"].tolist() == df["ds"].tolist()
    assert out["y"].tolist() == [1.0, 1.0, 3.0, 4.0]


def test_guess_series_freq():
    days = pd.date_range("2020-01-01", periods=10, freq="D")
    assert guess_series_freq(days.delete([2, 5])) == "D"
    # weekdays with a missing holiday: business days, not days
    assert guess_series_freq(pd.bdate_range("2020-01-01", periods=15).delete(4)) == "B"
    assert (
        guess_series_freq(pd.date_range("2020", periods=9, freq="MS").delete(4)) == "MS"
    )
    assert guess_series_freq(days[[0, 1, 3]] + pd.to_timedelta([0, 0, 1], "s")) is None
    assert guess_series_freq(days[:2]) is None


# -- the default: errors name the series and the first missing timestamp ----------------
def test_default_raise_names_nan_series_and_timestamp():
    df = make_frame({"a": np.arange(30.0), "b": np.arange(30.0)})
    df.loc[35, "y"] = NAN
    with pytest.raises(
        ValueError,
        match=r"Column 'y' has 1 NaN.*series 'b', ds 2020-01-01 05:00:00\. Fill .*fill_missing=",
    ):
        RecurrentForecaster(horizon=2, lookback=4, verbose=0).fit(df)


def test_default_raise_names_first_gap_of_a_lone_series():
    df = make_frame({"a": np.arange(30.0)}).drop(index=[7, 8])
    with pytest.raises(
        ValueError,
        match=r"Series 'a' is not regular at frequency 'h': expected timestamp "
        r"2020-01-01 07:00:00 at position 7.*fill_missing=",
    ):
        RecurrentForecaster(horizon=2, lookback=4, verbose=0).fit(df)


# -- the estimator parameter ------------------------------------------------------------
@pytest.mark.parametrize("cls", [RecurrentForecaster, Seq2SeqForecaster])
def test_parameter_default_stored_and_checked(cls):
    assert cls().get_params()["fill_missing"] == "raise"
    names = list(cls._get_param_names())
    assert "fill_missing" in names
    est = cls(fill_missing="bfill", verbose=0)
    assert est.fill_missing == "bfill"  # stored as given, checked at fit
    with pytest.raises(ValueError, match="argument `fill_missing`, expected one of"):
        est.fit(make_frame({"a": np.arange(30.0)}))
    assert all(p in (cls.__doc__ or "") for p in FILL_POLICIES)


def test_fit_and_predict_fill_gaps():
    t = np.arange(300)
    df = make_frame({"a": np.sin(t / 4), "b": np.cos(t / 4)})
    df["temp"] = np.arange(len(df), dtype=float)
    gappy = df.drop(index=[5, 6, 7, 310]).reset_index(drop=True)
    gappy.loc[[20, 400], ["y", "temp"]] = NAN
    est = RecurrentForecaster(
        **dict(TINY_NO_VAL, lookback=8),
        past_covariates=["temp"],
        fill_missing="interpolate",
    ).fit(gappy)
    assert est.n_train_windows_ == 2 * (300 - 8 - 3 + 1)  # gaps became rows
    # predict with new, gappy history: filled the same way, at the fitted freq
    hist = gappy[gappy.unique_id == "a"].iloc[:50].drop(index=[45])  # to 52 h
    out = est.predict(hist)
    assert np.isfinite(out["yhat"]).all()
    assert out["ds"].iloc[0] == pd.Timestamp("2020-01-03 05:00")
