"""polars frames accepted wherever pandas ones are: converted at the boundary
(``forecaster.data.frames.as_pandas``), then the same validation."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from forecaster import RecurrentForecaster
from forecaster.data.frames import as_pandas, is_polars_frame
from tests.conftest import COVARIATES, TINY, small_panel, with_covariates

pl = pytest.importorskip("polars")
pytest.importorskip("pyarrow")  # polars converts to pandas through it


def test_pandas_none_and_other_objects_pass_through():
    df = pd.DataFrame({"y": [1.0]})
    assert as_pandas(df) is df
    assert as_pandas(None) is None
    s = pl.Series("y", [1.0])
    assert as_pandas(s) is s and not is_polars_frame(s)  # left for validation
    assert as_pandas([1, 2]) == [1, 2]


def test_polars_dtypes_time_zones_and_nulls_convert():
    t = [dt.datetime(2020, 3, 29, 0), dt.datetime(2020, 3, 29, 1)]
    frame = pl.DataFrame(
        {"unique_id": ["a", "a"], "ds": t, "y": [1.0, None], "n": [1, None]}
    ).with_columns(
        pl.col("ds").dt.replace_time_zone("Europe/Paris").alias("local"),
        pl.col("unique_id").cast(pl.Categorical).alias("cat"),
    )
    out = as_pandas(frame)
    assert isinstance(out, pd.DataFrame)
    assert str(out["local"].dt.tz) == "Europe/Paris"  # zone-aware, same zone
    assert out["local"].iloc[1] == pd.Timestamp("2020-03-29 01:00", tz="Europe/Paris")
    assert out["ds"].dt.tz is None  # a naive Datetime stays naive
    assert isinstance(out["cat"].dtype, pd.CategoricalDtype)
    assert np.isnan(out["y"].iloc[1]) and np.isnan(out["n"].iloc[1])
    lazy = as_pandas(frame.lazy())  # a LazyFrame is collected
    pd.testing.assert_frame_equal(lazy, out)


def test_missing_pyarrow_names_the_argument_and_the_extra(monkeypatch):
    frame = pl.DataFrame({"y": [1.0]})

    def no_pyarrow(self, *args, **kwargs):
        raise ModuleNotFoundError("No module named 'pyarrow'")

    monkeypatch.setattr(pl.DataFrame, "to_pandas", no_pyarrow)
    with pytest.raises(
        ImportError, match=r"`future_df` is a polars DataFrame.*forecaster\[polars\]"
    ):
        as_pandas(frame, "future_df")


def test_fit_and_predict_on_polars_equal_pandas():
    df = small_panel()
    pandas_fc = RecurrentForecaster(**TINY).fit(df).predict()
    est = RecurrentForecaster(**TINY).fit(pl.from_pandas(df))
    pd.testing.assert_frame_equal(est.predict(), pandas_fc)
    # new history given as polars too
    again = est.predict(df=pl.from_pandas(df))
    pd.testing.assert_frame_equal(again, pandas_fc)


def test_polars_future_df_and_static_df():
    df, static = with_covariates(small_panel())
    est = RecurrentForecaster(**TINY, **COVARIATES)
    est.fit(pl.from_pandas(df), static_df=pl.from_pandas(static))
    last = df.groupby("unique_id")["ds"].max()
    future = pd.concat(
        pd.DataFrame(
            {
                "unique_id": uid,
                "ds": pd.date_range(end + pd.Timedelta(hours=1), periods=3, freq="h"),
                "x": [0.1, 0.2, 0.3],
            }
        )
        for uid, end in last.items()
    )
    expected = est.predict(future_df=future, static_df=static)
    got = est.predict(
        future_df=pl.from_pandas(future), static_df=pl.from_pandas(static)
    )
    pd.testing.assert_frame_equal(got, expected)


def test_polars_frame_meets_the_same_validation():
    df = small_panel().drop(columns="y")
    with pytest.raises(ValueError, match=r"missing.*\['y'\]") as pandas_err:
        RecurrentForecaster(**TINY).fit(df)
    with pytest.raises(ValueError) as polars_err:
        RecurrentForecaster(**TINY).fit(pl.from_pandas(df))
    assert str(polars_err.value) == str(pandas_err.value)


def test_time_zone_aware_polars_frame_fits_like_pandas():
    df = small_panel()
    df["ds"] = df["ds"].dt.tz_localize("America/New_York")
    pandas_fc = RecurrentForecaster(**TINY).fit(df).predict()
    polars_fc = RecurrentForecaster(**TINY).fit(pl.from_pandas(df)).predict()
    assert str(polars_fc["ds"].dt.tz) == "America/New_York"
    pd.testing.assert_frame_equal(polars_fc, pandas_fc)
