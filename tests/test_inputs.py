import numpy as np
import pandas as pd
import pytest

from forecaster import RecurrentForecaster
from forecaster.data.scaling import fit_scaler
from forecaster.estimators.inputs import (
    Layout,
    drop_short_series,
    frame_panel,
    keep_unscaled,
)
from tests.conftest import TINY_NO_VAL, make_frame


def test_layout_column_roles():
    lay = Layout(past=("p",), future=("f1", "f2"), calendar=("hour",), static=("s",))
    assert lay.frame_cols == ["p", "f1", "f2"]
    assert lay.n_features == 1 + 1 + 2 + 2
    assert lay.future_idx == (2, 3, 4, 5)
    assert lay.calendar_idx == (4, 5)


def test_frame_panel_adds_calendar_columns():
    df = make_frame({"a": np.arange(30.0)})
    df["p"] = 1.0
    p = frame_panel(
        df, Layout(past=("p",), calendar=("hour",)), "unique_id", "ds", "y", None
    )
    assert p.features == ("y", "p", "hour_sin", "hour_cos")
    np.testing.assert_allclose(p.values[6, 2], 1.0, atol=1e-6)  # 06:00 -> sin = 1


def test_drop_short_series_keeps_layout():
    df = make_frame({"a": np.arange(10.0), "b": np.arange(3.0), "c": np.arange(12.0)})
    p = frame_panel(df, Layout(), "unique_id", "ds", "y", None)
    with pytest.warns(UserWarning, match=r"Dropped 1 series .*\['b'\]"):
        kept = drop_short_series(p, 5, True, "why")
    assert kept.ids.tolist() == ["a", "c"]
    assert kept.indptr.tolist() == [0, 10, 22]
    assert kept.values[10:, 0].tolist() == list(range(12))


def test_drop_short_series_all_short_still_raises():
    p = frame_panel(
        make_frame({"a": np.arange(3.0)}), Layout(), "unique_id", "ds", "y", "h"
    )
    with pytest.raises(ValueError, match="shorter than 5 points"):
        drop_short_series(p, 5, True, "why")


def test_keep_unscaled():
    st = fit_scaler("standard", np.array([[1.0, 5.0], [3.0, 9.0]]), np.array([0, 2]))
    kept = keep_unscaled(st, (1,))
    assert kept.loc[0, 1] == 0 and kept.scale[0, 1] == 1
    assert kept.loc[0, 0] == 2.0


# -- time zones: the user's clock (calendar features, forecasts, mismatches) --------
def _local(freq, start, n, tz, **cols):
    ds = pd.date_range(start, periods=n, freq=freq, tz=tz)
    y = np.sin(np.arange(n) / 3.0)
    return pd.DataFrame({"unique_id": "a", "ds": ds, "y": y, **cols})


@pytest.mark.parametrize(
    "freq,tz", [("D", "Europe/Berlin"), ("h", "Asia/Tokyo"), ("MS", "America/New_York")]
)
def test_calendar_features_of_local_midnight_encode_the_local_day(freq, tz):
    # was: read in UTC, so Monday 00:00 in Tokyo was Sunday 15:00
    df = _local(freq, "2024-01-01", 30, tz)  # a Monday
    lay = Layout(calendar=("hour", "dayofweek"))
    p = frame_panel(df, lay, "unique_id", "ds", "y", None)
    np.testing.assert_allclose(p.values[0, 1:], [0.0, 1.0, 0.0, 1.0], atol=1e-6)


@pytest.fixture(scope="module")
def berlin_daily():
    """Daily Berlin data across the spring DST change, with a future driver."""
    df = _local("D", "2024-02-20", 40, "Europe/Berlin", x=np.arange(40.0))
    est = RecurrentForecaster(
        **TINY_NO_VAL, future_covariates=["x"], calendar_features=["dayofweek"]
    )
    return df, est.fit(df)


def _future_df(est, times):
    return pd.DataFrame({"unique_id": "a", "ds": times, "x": 1.0})


def test_daily_berlin_across_dst_fits_and_forecasts_local_midnight(berlin_daily):
    # was: "not regular at frequency 'D'" (the 23-hour day in UTC)
    df, est = berlin_daily
    assert (est.freq_, est.tz_) == ("D", "Europe/Berlin")
    want = pd.date_range("2024-03-31", periods=3, freq="D", tz="Europe/Berlin")
    fc = est.predict(future_df=_future_df(est, want))
    assert fc["ds"].tolist() == want.tolist()  # 00:00+01:00, then 00:00+02:00
    again = est.predict(df.iloc[:-2], future_df=_future_df(est, want - 2 * want.freq))
    assert [t.hour for t in again["ds"]] == [0, 0, 0]


def test_future_df_in_another_zone_or_naive_is_refused(berlin_daily):
    _, est = berlin_daily
    want = pd.date_range("2024-03-31", periods=3, freq="D", tz="Europe/Berlin")
    with pytest.raises(ValueError, match=r"`future_df`'s 'ds' is naive but the model"):
        est.predict(future_df=_future_df(est, want.tz_localize(None)))
    with pytest.raises(ValueError, match=r"is in UTC but the model was fitted on Eu"):
        est.predict(future_df=_future_df(est, want.tz_convert("UTC")))


def test_tokyo_model_refuses_naive_or_utc_history():
    # was: a naive history was read as UTC and forecast from 21:00+09:00
    df = _local("h", "2024-01-01", 40, "Asia/Tokyo")
    est = RecurrentForecaster(**TINY_NO_VAL).fit(df)
    with pytest.raises(
        ValueError,
        match=r"`df`'s 'ds' is naive but the model was fitted on Asia/Tokyo times: "
        r"localise it with `df\['ds'\]\.dt\.tz_localize\('Asia/Tokyo'\)`",
    ):
        est.predict(df.assign(ds=df["ds"].dt.tz_localize(None)))
    series = pd.Series(df["y"].to_numpy(), index=df["ds"].dt.tz_convert("UTC"))
    with pytest.raises(ValueError, match=r"`df`'s index is in UTC but .* Asia/Tokyo"):
        est.predict(series)
    assert str(est.predict(df)["ds"].iloc[0]) == "2024-01-02 16:00:00+09:00"


def test_naive_model_refuses_berlin_future_df():
    # was: matched in UTC, 1-2 hours off the naive model's timestamps
    df = make_frame({"a": np.sin(np.arange(40) / 3.0)})
    df["x"] = np.arange(40.0)
    est = RecurrentForecaster(**TINY_NO_VAL, future_covariates=["x"]).fit(df)
    times = pd.date_range("2020-01-02 16:00", periods=3, freq="h")
    with pytest.raises(
        ValueError,
        match=r"`future_df`'s 'ds' is in Europe/Berlin but the model was fitted on "
        r"naive times: drop the zone",
    ):
        est.predict(future_df=_future_df(est, times.tz_localize("Europe/Berlin")))
    fut = _future_df(est, times).assign(x=["1", "2", "three"])
    with pytest.raises(
        TypeError,
        match=r"future_df column 'x' must be numeric, got dtype str\. First "
        r"non-numeric value 'three' at row 2 \(series 'a', ds 2020-01-02 18:00:00\)",
    ):
        est.predict(future_df=fut)
    # history far beyond the scale the model was fitted on is named too
    with pytest.raises(ValueError, match=r"Series 'a': value 3e\+38 .* float32"):
        est.predict(df.assign(y=3e38))


def test_non_numeric_past_covariate_named_at_fit():
    df = make_frame({"a": np.arange(10.0), "b": np.arange(10.0)})
    df["temp"] = ["1.5"] * 13 + ["warm"] + ["2"] * 6
    with pytest.raises(
        TypeError,
        match=r"Column 'temp' must be numeric, got dtype str\. First non-numeric "
        r"value 'warm' at row 13 \(series 'b', ds 2020-01-01 03:00:00\)",
    ):
        RecurrentForecaster(**TINY_NO_VAL, past_covariates=["temp"]).fit(df)
