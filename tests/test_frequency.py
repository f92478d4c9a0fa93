import numpy as np
import pandas as pd
import pytest

from forecaster.data.frequency import _all_regular, check_regular, infer_freq
from forecaster.data.validation import validate_long_frame
from tests.conftest import make_frame


def _panel_args(df):
    df = validate_long_frame(df)
    ids = df["unique_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    return df["ds"].to_numpy(), np.append(starts, len(df)), ids[starts]


def test_gap_named_with_first_missing_timestamp():
    df = make_frame({"a": np.arange(10.0), "b": np.arange(10.0)})
    df = df.drop(index=15).reset_index(drop=True)  # series b loses 05:00
    times, indptr, ids = _panel_args(df)
    with pytest.raises(
        ValueError,
        match=r"Series 'b' is not regular at frequency 'h': expected timestamp 2020-01-01 05:00:00",
    ):
        infer_freq(times, indptr, ids)


def test_gap_with_given_freq():
    df = make_frame({"a": np.arange(10.0)}).drop(index=[3, 4])
    times, indptr, ids = _panel_args(df)
    with pytest.raises(
        ValueError, match="expected timestamp 2020-01-01 03:00:00 at position 3"
    ):
        check_regular(times, indptr, ids, "h")


def test_mixed_frequencies_named():
    a = make_frame({"a": np.arange(10.0)}, freq="h")
    b = make_frame({"b": np.arange(10.0)}, freq="D")
    times, indptr, ids = _panel_args(pd.concat([a, b]))
    with pytest.raises(
        ValueError,
        match=r"mixed frequencies \('h': series \['a'\]; 'D': series \['b'\]",
    ):
        infer_freq(times, indptr, ids)


def test_cannot_infer_frequency():
    df = make_frame({"a": [1.0, 2.0]})
    times, indptr, ids = _panel_args(df)
    with pytest.raises(ValueError, match="Could not infer the frequency.*Pass freq="):
        infer_freq(times, indptr, ids)
    assert infer_freq(times, indptr, ids, freq="h") == "h"


def test_invalid_freq_alias():
    df = make_frame({"a": [1.0, 2.0, 3.0]})
    times, indptr, ids = _panel_args(df)
    with pytest.raises(ValueError, match="'bogus' is not a pandas offset alias"):
        infer_freq(times, indptr, ids, freq="bogus")


@pytest.mark.parametrize("freq", ["h", "30min", "MS", "W-SAT", "YS", "B", "2MS"])
def test_regular_check_vectorised_agrees_with_per_series(freq):
    # The vectorised fast path accepts exactly the regular panels; an
    # irregular one (a gap in the 40th of 60 series) is still named.
    grid = pd.date_range("1901-01-01", periods=300, freq=freq).to_numpy()
    rng = np.random.default_rng(1)
    first = rng.integers(0, 240, size=60)
    segs = [grid[f : f + 50] for f in first]
    times = np.concatenate(segs)
    indptr = np.arange(0, 50 * 61, 50)
    ids = [f"s{k}" for k in range(60)]
    assert _all_regular(times, indptr, freq) or freq == "2MS"
    check_regular(times, indptr, ids, freq)
    broken = times.copy()
    broken[40 * 50 + 10 :] = np.concatenate(
        [grid[first[40] + 11 : first[40] + 51]] + [s for s in segs[41:]]
    )
    assert not _all_regular(broken, indptr, freq)
    with pytest.raises(ValueError, match="Series 's40' is not regular"):
        check_regular(broken, indptr, ids, freq)
