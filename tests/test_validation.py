import re

import numpy as np
import pandas as pd
import pytest

from forecaster.data.validation import (
    check_min_length,
    check_positive_int,
    ensure_time_dtype,
    series_to_frame,
    validate_long_frame,
)
from tests.conftest import make_frame


def test_missing_columns_named():
    df = pd.DataFrame({"unique_id": ["a"], "value": [1.0]})
    with pytest.raises(
        ValueError, match=re.escape("missing required columns: ['ds', 'y']")
    ):
        validate_long_frame(df)


def test_not_a_frame():
    with pytest.raises(TypeError, match="Expected a pandas DataFrame"):
        validate_long_frame(np.zeros(3))


def test_empty_frame():
    df = pd.DataFrame({"unique_id": [], "ds": [], "y": []})
    with pytest.raises(ValueError, match="The frame is empty"):
        validate_long_frame(df)


def test_non_numeric_target_names_row_and_series():
    df = make_frame({"a": [1, 2, 3]})
    df["y"] = df["y"].astype(object)
    df.loc[1, "y"] = "oops"
    with pytest.raises(
        TypeError, match=r"Column 'y' must be numeric.*'oops' at row 1 \(series 'a'"
    ):
        validate_long_frame(df)


@pytest.mark.parametrize("bad,kind", [(np.nan, "NaN"), (np.inf, "infinite")])
def test_nan_and_inf_named(bad, kind):
    df = make_frame({"a": [1, 2, 3], "b": [1, 2, 3]})
    df.loc[4, "y"] = bad
    with pytest.raises(
        ValueError,
        match=rf"Column 'y' has 1 NaN/infinite.*\({kind}\) is at row 4: series 'b', ds 2020-01-01 01:00:00",
    ):
        validate_long_frame(df)


def test_duplicate_pair_named():
    df = make_frame({"a": [1, 2, 3]})
    df = pd.concat([df, df.iloc[[1]]], ignore_index=True)
    with pytest.raises(
        ValueError, match=r"series 'a' has timestamp 2020-01-01 01:00:00 more than once"
    ):
        validate_long_frame(df)


def test_unsorted_is_sorted_not_an_error():
    df = make_frame({"b": [10, 11, 12], "a": [1, 2, 3]})
    shuffled = df.sample(frac=1.0, random_state=3)
    out = validate_long_frame(shuffled)
    assert out["unique_id"].tolist() == ["a"] * 3 + ["b"] * 3
    assert out["y"].tolist() == [1, 2, 3, 10, 11, 12]
    assert out.index.equals(pd.RangeIndex(6))
    # the caller's frame is untouched
    assert shuffled.index.tolist() != list(range(6))


def test_tz_aware_mixed_with_naive():
    df = pd.DataFrame(
        {
            "unique_id": ["a"] * 3,
            "ds": [
                pd.Timestamp("2020-01-01 00:00", tz="UTC"),
                pd.Timestamp("2020-01-01 01:00"),
                pd.Timestamp("2020-01-01 02:00", tz="UTC"),
            ],
            "y": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(
        ValueError, match=r"mixes timezone-aware and naive timestamps: row 1"
    ):
        validate_long_frame(df)


def test_tz_aware_consistent_is_fine():
    df = make_frame({"a": [1.0, 2.0, 3.0]})
    df["ds"] = df["ds"].dt.tz_localize("Europe/Paris")
    out = validate_long_frame(df)
    assert str(out["ds"].dt.tz) == "Europe/Paris"


def test_strings_are_parsed_and_bad_string_named():
    df = pd.DataFrame(
        {"unique_id": ["a", "a"], "ds": ["2020-01-01", "notadate"], "y": [1.0, 2.0]}
    )
    with pytest.raises(
        ValueError, match=r"could not be parsed as timestamps: row 1 \('notadate'\)"
    ):
        ensure_time_dtype(df)
    ok = ensure_time_dtype(df.iloc[:1])
    assert pd.api.types.is_datetime64_any_dtype(ok["ds"])


def test_numeric_time_column_rejected():
    df = pd.DataFrame({"unique_id": ["a"], "ds": [1], "y": [1.0]})
    with pytest.raises(TypeError, match="Column 'ds' must hold timestamps"):
        validate_long_frame(df)


def test_short_series_named():
    with pytest.raises(
        ValueError,
        match=r"1 series are shorter than 10 points \(why\): 'b' \(4 points\)",
    ):
        check_min_length(np.array([0, 12, 16]), ["a", "b"], 10, "why")


def test_series_needs_datetime_index():
    with pytest.raises(TypeError, match="must have a DatetimeIndex, got RangeIndex"):
        series_to_frame(pd.Series([1.0, 2.0]))
    s = pd.Series(
        [1.0, 2.0], index=pd.date_range("2020", periods=2, freq="D"), name="x"
    )
    assert series_to_frame(s)["unique_id"].tolist() == ["x", "x"]


def test_positive_int_message():
    with pytest.raises(
        ValueError, match="argument `horizon`, expected a positive integer, got 0"
    ):
        check_positive_int("horizon", 0)
    with pytest.raises(ValueError, match="got True"):
        check_positive_int("horizon", True)
    check_positive_int("lookback", None, allow_none=True)
