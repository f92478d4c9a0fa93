"""Covariates: the data functions, and the estimator using them."""

import numpy as np
import pandas as pd
import pytest

from forecaster import RecurrentForecaster
from forecaster.data.covariates import (
    calendar_columns,
    calendar_features,
    encode_static,
    fit_static,
    future_block,
)
from tests.conftest import DRIVEN, make_frame
from tests.conftest import TINY as BASE

TINY = dict(BASE, horizon=4, lookback=8, hidden_units=8)


# -- data functions --------------------------------------------------------------
def test_calendar_features_known_values():
    t = np.array(["2021-03-01T06:00", "2021-03-07T18:00"], dtype="datetime64[ns]")
    f = calendar_features(t, ["hour", "dayofweek"])
    assert calendar_columns(["hour", "dayofweek"]) == [
        "hour_sin",
        "hour_cos",
        "dayofweek_sin",
        "dayofweek_cos",
    ]
    np.testing.assert_allclose(f[:, 0], [1.0, -1.0], atol=1e-6)  # sin(2 pi 6/24), 18h
    # Monday is 0, Sunday 6
    np.testing.assert_allclose(
        f[:, 3], np.cos(2 * np.pi * np.array([0, 6]) / 7), atol=1e-6
    )


def test_static_encoding_numeric_and_categorical():
    static = pd.DataFrame(
        {"unique_id": ["b", "a"], "size": [3.0, 1.0], "kind": ["x", "y"]}
    )
    enc = fit_static(static, np.array(["a", "b"]), ["size", "kind"], "unique_id")
    assert enc.numeric == ("size",) and enc.categorical == ("kind",)
    num, codes = encode_static(enc, static, np.array(["a", "b"]), "unique_id")
    np.testing.assert_allclose(num[:, 0], [-1.0, 1.0])
    assert codes[:, 0].tolist() == [2, 1]  # vocab ('x', 'y') -> codes 1, 2


def test_unseen_category_maps_to_unknown_with_warning():
    static = pd.DataFrame({"unique_id": ["a"], "kind": ["x"]})
    enc = fit_static(static, np.array(["a"]), ["kind"], "unique_id")
    new = pd.DataFrame({"unique_id": ["a"], "kind": ["never"]})
    with pytest.warns(
        UserWarning,
        match=r"Static column 'kind' has categories unseen at fit \['never'\]",
    ):
        _, codes = encode_static(enc, new, np.array(["a"]), "unique_id")
    assert codes.tolist() == [[0]]


@pytest.mark.parametrize(
    "static,msg",
    [
        (None, "no static_df was given"),
        (
            pd.DataFrame({"unique_id": ["a"]}),
            r"static_df is missing columns: \['size'\]",
        ),
        (
            pd.DataFrame({"unique_id": ["b"], "size": [1.0]}),
            r"no row for series \['a'\]",
        ),
        (
            pd.DataFrame({"unique_id": ["a"], "size": [np.nan]}),
            "'size' has a NaN/infinite value for series 'a'",
        ),
        (
            pd.DataFrame({"unique_id": ["a", "a"], "size": [1.0, 2.0]}),
            "more than one row for series 'a'",
        ),
    ],
)
def test_static_errors(static, msg):
    with pytest.raises(ValueError, match=msg):
        fit_static(static, np.array(["a"]), ["size"], "unique_id")


def _future(ids, start, periods, freq="h", **cols):
    parts = []
    for i in ids:
        d = {"unique_id": i, "ds": pd.date_range(start, periods=periods, freq=freq)}
        parts.append(pd.DataFrame({**d, **{k: v for k, v in cols.items()}}))
    return pd.concat(parts, ignore_index=True)


def test_future_block_exact_timestamps_in_order():
    fut = _future(["a", "b"], "2020-01-02", 3, x=[1.0, 2.0, 3.0]).iloc[::-1]
    times = np.array(
        pd.date_range("2020-01-02", periods=2, freq="h").tolist() * 2,
        dtype="datetime64[ns]",
    )
    block = future_block(fut, np.array(["a", "b"]), times, ["x"], "unique_id", "ds")
    assert block[:, 0].tolist() == [1.0, 2.0, 1.0, 2.0]


@pytest.mark.parametrize(
    "fut,msg",
    [
        (None, "predict needs future_df="),
        ("drop_row", r"series 'a' is missing timestamp 2020-01-02 01:00:00"),
        ("drop_series", r"series 'b' has no rows at all"),
        (
            "nan",
            r"'x' has a NaN/infinite value at row 0 \(series 'a', ds 2020-01-02 00:00",
        ),
        ("no_col", r"future_df is missing columns: \['x'\]"),
    ],
)
def test_future_block_errors(fut, msg):
    full = _future(["a", "b"], "2020-01-02", 2, x=[1.0, 2.0])
    fut = {
        None: None,
        "drop_row": full.drop(index=1),
        "drop_series": full[full.unique_id == "a"],
        "nan": full.assign(x=[np.nan, 1, 1, 1]),
        "no_col": full.drop(columns="x"),
    }[fut]
    times = np.array(
        pd.date_range("2020-01-02", periods=2, freq="h").tolist() * 2,
        dtype="datetime64[ns]",
    )
    with pytest.raises(ValueError, match=msg):
        future_block(fut, np.array(["a", "b"]), times, ["x"], "unique_id", "ds")


def test_future_block_matches_aware_timestamps_in_any_spelling_of_the_zone():
    # the forecast's timestamps across Berlin's spring change, as it shows them
    times = pd.date_range("2024-03-30", periods=3, freq="D", tz="Europe/Berlin")
    fut = pd.DataFrame(
        {"unique_id": "a", "ds": times.astype(str), "x": [1.0, 2.0, 3.0]}
    ).iloc[::-1]  # ISO text with offsets: +01:00 then +02:00
    fut["ds"] = pd.to_datetime(fut["ds"], utc=True).dt.tz_convert("Europe/Berlin")
    block = future_block(fut, np.array(["a"]), times, ["x"], "unique_id", "ds")
    assert block[:, 0].tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    "zone,times_zone,msg",
    [
        (
            "Europe/Berlin",
            None,
            r"`future_df`'s 'ds' is in Europe/Berlin but the model was fitted on "
            "naive times",
        ),
        (None, "Asia/Tokyo", r"`future_df`'s 'ds' is naive but .* Asia/Tokyo times"),
        ("UTC", "Asia/Tokyo", r"is in UTC but .* `future_df\['ds'\]\.dt\.tz_convert"),
    ],
)
def test_future_block_zone_mismatch_named(zone, times_zone, msg):
    times = pd.date_range("2024-01-02", periods=2, freq="h", tz=times_zone)
    fut = _future(["a"], "2024-01-02", 2, x=[1.0, 2.0])
    fut["ds"] = fut["ds"].dt.tz_localize(zone)
    with pytest.raises(ValueError, match=msg):
        future_block(fut, np.array(["a"]), times, ["x"], "unique_id", "ds")


def test_future_block_non_numeric_value_names_column_series_and_row():
    # was: pandas' bare "could not convert string to float: 'n/a'"
    fut = _future(["a", "b"], "2020-01-02", 3, x=["1", "2", "n/a"])
    fut.index = [f"r{i}" for i in range(len(fut))]
    times = np.array(
        pd.date_range("2020-01-02", periods=3, freq="h").tolist() * 2,
        dtype="datetime64[ns]",
    )
    with pytest.raises(
        TypeError,
        match=r"future_df column 'x' must be numeric, got dtype str\. First "
        r"non-numeric value 'n/a' at row 'r2' \(series 'a', ds 2020-01-02 02:00:00\)"
        r"\. Convert it with `pd\.to_numeric`\.",
    ):
        future_block(fut, np.array(["a", "b"]), times, ["x"], "unique_id", "ds")
    # numbers as text are refused as at fit, naming the first needed one
    with pytest.raises(TypeError, match=r"First value '1' at row 'r0' \(series 'a'"):
        future_block(fut, np.array(["a"]), times[:2], ["x"], "unique_id", "ds")


# -- the estimator with covariates --------------------------------------------------
def _driven_frame(n=400, seed=0):
    """y = 3 * x + noise, with x a random future-known driver."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    df = make_frame({"s": 3 * x + 0.1 * rng.normal(size=n)})
    df["x"] = x
    return df


def test_future_covariate_driven_target_5x_better():
    df = _driven_frame()
    train, test = df.iloc[:-12], df.iloc[-12:]
    with_x = RecurrentForecaster(future_covariates=["x"], **DRIVEN).fit(train)
    fc = with_x.predict(future_df=test[["unique_id", "ds", "x"]])
    without = (
        RecurrentForecaster(**DRIVEN).fit(train[["unique_id", "ds", "y"]]).predict()
    )
    mae_with = np.abs(fc["yhat"].to_numpy() - test["y"].to_numpy()).mean()
    mae_without = np.abs(without["yhat"].to_numpy() - test["y"].to_numpy()).mean()
    assert mae_with * 5 < mae_without, (mae_with, mae_without)


def test_panel_of_200_series_of_different_lengths():
    rng = np.random.default_rng(3)
    frames = []
    for k in range(200):
        n = int(rng.integers(30, 80))
        start = pd.Timestamp("2019-01-01") + pd.Timedelta(
            days=int(rng.integers(0, 300))
        )
        t = pd.date_range(start, periods=n, freq="D")
        frames.append(
            pd.DataFrame(
                {"unique_id": f"s{k:03d}", "ds": t, "y": k + np.sin(np.arange(n) / 3)}
            )
        )
    df = pd.concat(frames, ignore_index=True)
    est = RecurrentForecaster(
        **{**TINY, "lookback": 14, "batch_size": 256}, calendar_features=["dayofweek"]
    ).fit(df)
    out = est.predict()
    assert (
        out.groupby("unique_id").size().eq(4).all()
        and out["unique_id"].nunique() == 200
    )
    last = df.groupby("unique_id")["ds"].max()
    first_fc = out.groupby("unique_id")["ds"].min()
    assert ((first_fc - last) == pd.Timedelta(days=1)).all()


def test_past_and_static_features_and_unseen_series():
    df = make_frame({"a": np.sin(np.arange(60.0)), "b": np.cos(np.arange(60.0))})
    df["temp"] = np.arange(120.0)
    static = pd.DataFrame(
        {"unique_id": ["a", "b"], "store": ["north", "south"], "area": [10.0, 20.0]}
    )
    est = RecurrentForecaster(
        **TINY, past_covariates=["temp"], static_features=["store", "area"]
    ).fit(df, static_df=static)
    assert est.n_features_ == 2 and est.static_vocab_sizes_ == [3]
    out = est.predict()
    assert len(out) == 8 and np.isfinite(out["yhat"]).all()
    new = df[df.unique_id == "a"].assign(unique_id="c")
    with pytest.raises(
        ValueError, match=r"Series \['c'\] were not seen at fit: pass static_df="
    ):
        est.predict(new)
    new_static = pd.DataFrame({"unique_id": ["c"], "store": ["west"], "area": [5.0]})
    with pytest.warns(UserWarning, match="unseen at fit"):
        out_c = est.predict(new, static_df=new_static)
    assert out_c["unique_id"].unique().tolist() == ["c"]


def test_covariate_missing_from_frame_named():
    df = make_frame({"a": np.arange(40.0)})
    with pytest.raises(
        ValueError,
        match=r"Column\(s\) \['price'\] of `future_covariates` are missing from the frame \(they were declared\)",
    ):
        RecurrentForecaster(**TINY, future_covariates=["price"]).fit(df)


def test_covariate_used_at_fit_missing_at_predict():
    df = make_frame({"a": np.arange(40.0)})
    df["temp"] = 1.0
    est = RecurrentForecaster(**TINY, past_covariates=["temp"]).fit(df)
    with pytest.raises(
        ValueError,
        match=r"\['temp'\] of `past_covariates` are missing from the frame \(the model was fitted with them\)",
    ):
        est.predict(df.drop(columns="temp"))


def test_nan_in_covariate_named():
    df = make_frame({"a": np.arange(40.0)})
    df["temp"] = 1.0
    df.loc[5, "temp"] = np.nan
    with pytest.raises(
        ValueError, match="Column 'temp' has 1 NaN/infinite.*series 'a'"
    ):
        RecurrentForecaster(**TINY, past_covariates=["temp"]).fit(df)


def test_future_df_missing_timestamp_at_predict():
    df = _driven_frame(n=60)
    est = RecurrentForecaster(**TINY, future_covariates=["x"]).fit(df)
    fut = _future(["s"], df["ds"].max() + pd.Timedelta(hours=1), 4, x=[0.0] * 4)
    est.predict(future_df=fut)  # exact horizon: fine
    with pytest.raises(ValueError, match="series 's' is missing timestamp"):
        est.predict(future_df=fut.iloc[:3])
    with pytest.raises(ValueError, match="predict needs future_df="):
        est.predict()


def test_drop_short_warns_and_skips():
    df = make_frame({"long": np.sin(np.arange(50.0)), "short": np.arange(5.0)})
    with pytest.raises(ValueError, match="'short' \\(5 points\\)"):
        RecurrentForecaster(**TINY).fit(df)
    with pytest.warns(
        UserWarning, match=r"Dropped 1 series shorter than 12 points .*\['short'\]"
    ):
        est = RecurrentForecaster(**TINY, drop_short=True).fit(df)
    assert est.ids_.tolist() == ["long"]
