"""predict_insample and predict(h=k): the facade's shorter and in-sample views."""

import numpy as np
import pandas as pd
import pytest

from forecaster import RecurrentForecaster, Seq2SeqForecaster
from tests.conftest import TINY, make_frame


@pytest.fixture(scope="module")
def panel():
    t = np.arange(60)
    return make_frame(
        {"a": np.sin(t / 3.0), "b": 2 + np.cos(t / 4.0), "c": np.sin(t[:40] / 2.0)}
    )


@pytest.fixture(scope="module")
def fitted(panel):
    return RecurrentForecaster(**TINY).fit(panel)


def test_predict_insample_gives_one_row_per_window_step(fitted, panel):
    out = fitted.predict_insample(panel)
    lookback, h = fitted.lookback_, fitted.horizon
    lengths = panel.groupby("unique_id").size()
    windows = (lengths - lookback - h + 1).sum()
    assert len(out) == windows * h
    assert out.columns.tolist() == ["unique_id", "ds", "cutoff", "y", "yhat"]
    # y is the history's value at ds, and ds follows the cutoff
    merged = out.merge(panel, on=["unique_id", "ds"], suffixes=("", "_true"))
    np.testing.assert_allclose(merged["y"], merged["y_true"])
    gap = (out["ds"] - out["cutoff"]) / pd.Timedelta("1h")
    assert gap.tolist() == list(np.tile(np.arange(1, h + 1), windows))


def test_predict_insample_matches_predict_at_the_last_cutoff(fitted, panel):
    out = fitted.predict_insample(panel)
    last = out.groupby("unique_id").tail(fitted.horizon)
    # the last window ends one horizon before the end: predict from that history
    cut = panel[panel.groupby("unique_id").cumcount(ascending=False) >= fitted.horizon]
    direct = fitted.predict(cut)
    np.testing.assert_allclose(last["yhat"], direct["yhat"], rtol=1e-5, atol=1e-6)


def test_predict_insample_step_size(fitted, panel):
    every = fitted.predict_insample(panel)
    third = fitted.predict_insample(panel, step_size=3)
    cutoffs = third.groupby("unique_id")["cutoff"].unique()
    for uid, values in cutoffs.items():
        first = every.loc[every["unique_id"] == uid, "cutoff"].min()
        steps = (pd.DatetimeIndex(values) - first) / pd.Timedelta("1h")
        assert (steps % 3 == 0).all()
    keyed = every.set_index(["unique_id", "cutoff", "ds"])["yhat"]
    np.testing.assert_allclose(
        third.set_index(["unique_id", "cutoff", "ds"])["yhat"],
        keyed.loc[third.set_index(["unique_id", "cutoff", "ds"]).index],
        rtol=1e-6,  # float32, batched differently
    )
    with pytest.raises(ValueError, match="argument `step_size`"):
        fitted.predict_insample(panel, step_size=0)


@pytest.mark.parametrize("family", [RecurrentForecaster, Seq2SeqForecaster])
def test_predict_h_is_the_first_steps_of_predict(family, panel):
    est = family(**{**TINY, "loss": "quantile"}).fit(panel)
    full = est.predict(level=[80])
    short = est.predict(h=2, level=[80])
    first = full.groupby("unique_id").head(2).reset_index(drop=True)
    pd.testing.assert_frame_equal(short, first)
    with pytest.raises(ValueError, match="h=4, but this forecaster was trained for"):
        est.predict(h=4)
    with pytest.raises(ValueError, match="argument `h`, expected a positive int"):
        est.predict(h=0)


def test_predict_h_on_a_series_keeps_its_index():
    t = pd.date_range("2021-01-01", periods=80, freq="D")
    y = pd.Series(np.sin(np.arange(80) / 3.0), index=t)
    est = RecurrentForecaster(**TINY).fit(y)
    full, short = est.predict(), est.predict(h=1)
    pd.testing.assert_frame_equal(short, full.iloc[:1])
