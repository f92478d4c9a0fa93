"""Fuzzed input validation, and the failure classes the fuzzer found, pinned.

The fuzz tests push generated frames through the whole pre-TensorFlow path of
``fit`` (the tf.data pipeline and training replaced by a sentinel), and
through ``predict``: every failure must be a ValueError or TypeError raised
by forecaster's own code, with a message that names what is wrong.
"""

import collections
import re
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import forecaster
from forecaster import RecurrentForecaster
from forecaster.data.missing import fill_missing
from forecaster.data.panel import forecast_frame, panel_from_frame
from tests.conftest import TINY_NO_VAL, make_frame, small_panel
from tests.strategies import cases, tz_cases

PACKAGE = Path(forecaster.__file__).resolve().parent

TINY = dict(TINY_NO_VAL, horizon=2, lookback=4)


def _fuzzing(n_examples: int):
    """Hypothesis settings of every fuzz run: reproducible, no example database,
    no deadline (a first TensorFlow call is slow), every health check off."""
    return settings(
        max_examples=n_examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture(scope="module")
def fitted():
    """A tiny hourly model: the target of the fuzzed predict calls."""
    return RecurrentForecaster(**TINY).fit(small_panel())


# -- failure classes the fuzzer found, pinned ------------------------------------------
def _frame(**cols):
    df = make_frame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]})
    return df.assign(**cols)


@pytest.mark.parametrize(
    "make,error,message",
    [
        (  # was: AttributeError from pandas ('DataFrame' has no 'dtype')
            lambda: pd.concat([_frame(), _frame()[["y"]]], axis=1),
            ValueError,
            r"Columns \['y'\] appear more than once in the frame",
        ),
        (  # was: a NumPy ComplexWarning, imaginary parts silently dropped
            lambda: _frame(y=np.arange(6) + 1j),
            TypeError,
            r"Column 'y' must hold real numbers, got dtype complex128",
        ),
        (  # was: years 1 and 3000 silently wrapped to 1754 and 1830
            lambda: _frame(
                ds=pd.to_datetime(["0001-01-01"] + ["2020-01-01"] * 5, format="ISO8601")
            ),
            ValueError,
            r"Column 'ds' has a timestamp outside 1678-2261 at row 0 \(series 'a'",
        ),
        (  # was: whole columns printed in the message (duplicated row labels)
            lambda: _frame(y=[1.0, np.nan, 3, 4, 5, 6]).set_axis([0] * 6),
            ValueError,
            r"the first \(NaN\) is at row 0: series 'a', ds 2020-01-01 01:00:00\. "
            r"Fill",
        ),
        (  # was: "row np.int64(7)"
            lambda: _frame(y=["oops", 2, 3, 4, 5, 6]).set_axis(np.arange(5, 11)),
            TypeError,
            r"First non-numeric value 'oops' at row 5 \(series 'a', ds 2020-01-01 "
            r"00:00:00\)",
        ),
        (  # was: the row of the sorted copy, not the user's
            lambda: _frame(y=[1.0, 2, 3, 4, 5, 1e39]).iloc[::-1],
            ValueError,
            r"Column 'y' at row 5 \(series 'b', ds 2020-01-01 02:00:00\) holds "
            r"1e\+39, which would overflow float32",
        ),
        (  # was: series 1 and "1" silently merged into one
            lambda: _frame(unique_id=pd.Series([1, 1, 1, "1", "1", "1"], dtype=object)),
            ValueError,
            r"Column 'unique_id' holds different ids that read the same, 1 and '1'",
        ),
    ],
)
def test_fuzz_found_input_errors_are_clean(make, error, message):
    with pytest.raises(error, match=message):
        panel_from_frame(make())


def test_zero_step_freq_is_rejected_by_name():
    # was: pandas's "range() arg 3 must not be zero"
    with pytest.raises(
        ValueError, match=r"`freq`: '0h' is not a pandas offset alias of"
    ):
        panel_from_frame(_frame(), freq="0h")


def test_tuple_ids_survive_gap_filling():
    # was: the tuple broadcast as two values into the filled id column
    df = _frame(unique_id=pd.Series([(1, "x")] * 3 + [(2, "x")] * 3, dtype=object))
    df = df.drop(index=[1]).reset_index(drop=True)
    panel = panel_from_frame(fill_missing_frame(df))
    assert panel.ids.tolist() == ["(1, 'x')", "(2, 'x')"]
    assert panel.values[:3, 0].tolist() == [1.0, 2.0, 3.0]


def fill_missing_frame(df):
    return fill_missing(df, "interpolate")


# -- fuzzed validation ------------------------------------------------------------------
class _ReachedTraining(Exception):
    """Raised where fit would build its tf.data pipeline and train: the frame
    passed every check (scaler and windows included)."""


GARBLED = re.compile(r"np\.\w+\(|\nName: |, dtype: |\n\d+ ")


def _outcome(call) -> str:
    """Run ``call``; a ValueError/TypeError must come from forecaster's code.

    Returns ``"ok"``, ``"trains"`` (reached the training sentinel) or the
    error class and the start of its message; anything else propagates.
    """
    with warnings.catch_warnings():
        # forecaster's own warnings (dropped short series) and pandas's notes on
        # odd date strings are not failures
        warnings.simplefilter("ignore", UserWarning)
        try:
            call()
        except _ReachedTraining:
            return "trains"
        except (ValueError, TypeError) as err:
            where = Path(traceback.extract_tb(err.__traceback__)[-1].filename)
            if PACKAGE not in where.resolve().parents:
                raise AssertionError(
                    f"{type(err).__name__} escaped from {where}, not forecaster"
                ) from err
            message = str(err)
            # a message names things as the user wrote them: no NumPy scalar
            # reprs, no printed pandas objects
            assert message and not GARBLED.search(message), message
            return f"{type(err).__name__}: {' '.join(message.split()[:4])}"
    return "ok"


def _fuzz(n_examples: int, n_train: int, fitted, monkeypatch) -> collections.Counter:
    from forecaster.estimators import pipelines

    def sentinel(*args, **kwargs):  # in place of the tf.data pipeline and Keras
        raise _ReachedTraining

    stats = collections.Counter()
    passing = []

    @_fuzzing(n_examples)
    @given(case=cases())
    def run(case):
        data, params = case
        stats["inputs"] += 1
        cov = params["past_covariates"] or []
        stats[
            "panel_from_frame "
            + _outcome(
                lambda: panel_from_frame(data, feature_cols=cov, freq=params["freq"])
            )
        ] += 1
        est = RecurrentForecaster(**{**TINY, **params})
        with monkeypatch.context() as m:
            m.setattr(pipelines, "make_dataset", sentinel)
            result = _outcome(lambda: est.fit(data))
        stats["fit " + result] += 1
        if result == "trains" and len(passing) < n_train:
            passing.append(case)
        fitted.set_params(fill_missing=params["fill_missing"])
        stats["predict " + _outcome(lambda: fitted.predict(data))] += 1

    try:
        run()
    finally:
        fitted.set_params(fill_missing="raise")
    # Frames that pass validation really train, without a NaN loss.
    for data, params in passing:
        est = RecurrentForecaster(**{**TINY, **params, "hidden_units": 2})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            est.fit(data)
        assert all(np.isfinite(v).all() for v in est.history_.values()), params
        assert np.isfinite(est.predict()["yhat"]).all(), params
        stats["trained 1 epoch"] += 1
    return stats


def _report(stats: collections.Counter) -> None:
    print(f"\nfuzzed {stats['inputs']} inputs:")
    for key, count in sorted(stats.items()):
        print(f"  {count:5d}  {key}")


def test_fuzzed_frames_fail_only_with_forecaster_errors(fitted, monkeypatch):
    stats = _fuzz(500, 3, fitted, monkeypatch)
    _report(stats)
    assert stats["inputs"] >= 500
    assert stats["fit trains"] >= 25  # the generator reaches training too
    assert stats["trained 1 epoch"] == 3


@pytest.mark.slow
def test_fuzzed_frames_many(fitted, monkeypatch):
    stats = _fuzz(5000, 40, fitted, monkeypatch)
    _report(stats)
    assert stats["inputs"] >= 5000


def _tz_fuzz(n_examples: int) -> collections.Counter:
    """Clean tz-aware frames across DST changes: each packs into a panel whose
    forecast timestamps are the next ones the recorder writes, and a gap
    filled on its grid gives the same panel; or fails with forecaster's own
    error (a calendar series at an hour some day lacks is not regular)."""
    stats = collections.Counter()

    @_fuzzing(n_examples)
    @given(case=tz_cases())
    def run(case):
        df, freq, future = case
        stats["inputs"] += 1
        got = []
        outcome = _outcome(lambda: got.append(panel_from_frame(df)))
        if outcome != "ok":
            stats[f"panel_from_frame {outcome}"] += 1
            return
        p = got[0]
        if p.freq != pd.tseries.frequencies.to_offset(freq).freqstr:
            stats[f"{freq} data read as {p.freq}"] += 1  # 3 business days: "D"
            return
        h = len(future)
        fc = forecast_frame(
            p.ids, p.last_times, p.freq, p.tz, np.zeros((p.n_series, h)), "u", "t", 0
        )
        for _, ds in fc.groupby("u")["t"]:
            assert ds.tolist() == future.tolist(), (freq, p.tz)
        stats["forecasts at the next timestamps"] += 1
        if p.lengths.min() >= 6:
            gapped = df.drop(index=[2, 3])
            filled = _outcome(
                lambda: got.append(
                    panel_from_frame(fill_missing(gapped, "interpolate"))
                )
            )
            if filled == "ok" and got[-1].freq != p.freq:
                filled = f"read as {got[-1].freq}"  # Thu, Fri, Mon, Tue: "B"
            elif filled == "ok":
                np.testing.assert_array_equal(got[-1].times, p.times)
            stats[f"gap filled: {filled}"] += 1

    run()
    return stats


def test_fuzzed_tz_frames_forecast_the_recorders_next_timestamps():
    stats = _tz_fuzz(300)
    _report(stats)
    assert stats["inputs"] >= 300
    assert stats["forecasts at the next timestamps"] >= 150
    assert stats["gap filled: ok"] >= 50
