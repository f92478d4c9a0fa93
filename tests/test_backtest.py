"""cross_validation never peeks past a cutoff; windows, shapes and scoring.

The tests that need a network share one tiny hourly backtest (module
fixture); the rest use ``LastValue``, a NumPy stand-in that records what
``fit`` and ``predict`` were given, so they run without TensorFlow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from forecaster import RecurrentForecaster
from forecaster.backtest import cross_validation, evaluate_cv
from tests.conftest import TINY_NO_VAL, make_frame

H, STEP, W = 3, 2, 3  # horizon, step_size, n_windows of the shared backtest
TINY = dict(TINY_NO_VAL, horizon=H, max_epochs=2, batch_size=64)


def _hourly(n=80):
    t = np.arange(n)
    return make_frame({"a": np.sin(t / 3.0), "b": 2 + np.cos(t / 4.0)})


def _perturb_after(df, cutoffs):
    """A copy of ``df`` with huge targets after each series' ``cutoffs`` entry."""
    out = df.copy()
    after = (out["ds"] > out["unique_id"].map(cutoffs)).to_numpy()
    out.loc[after, "y"] = 1e6 * (1.0 + np.arange(after.sum()))
    return out


class Counting(RecurrentForecaster):
    """RecurrentForecaster that counts its fits (clones share the list)."""

    fits: list = []

    def fit(self, df, y=None, static_df=None):
        Counting.fits.append(df["ds"].max())
        return super().fit(df, y, static_df)


@pytest.fixture(scope="module")
def hourly_cv():
    df = _hourly()
    est = RecurrentForecaster(**TINY)
    return est, df, cross_validation(est, df, n_windows=W, step_size=STEP)


# -- the network: no peeking, shapes, equivalence with fit + predict ----------


def test_refit_false_ignores_everything_after_the_last_cutoff(hourly_cv):
    est, df, cv = hourly_cv
    last = cv.groupby("unique_id")["cutoff"].max()
    cv2 = cross_validation(est, _perturb_after(df, last), n_windows=W, step_size=STEP)
    # One fit up to the first cutoff and histories up to each cutoff: every
    # forecast, not only the last window's, is unchanged.
    np.testing.assert_array_equal(cv2["yhat"].to_numpy(), cv["yhat"].to_numpy())
    in_last = (cv2["cutoff"] == cv2["unique_id"].map(last)).to_numpy()
    assert (cv2.loc[in_last, "y"] >= 1e6).all()  # the perturbation did land


def test_refit_false_equals_one_fit_then_predict_per_cutoff(hourly_cv):
    # What refit=False means: one model fitted on the data up to the first
    # cutoff (nothing later), then predict(df=history up to each cutoff).
    est, df, cv = hourly_cv
    cut = {c: g.groupby("unique_id")["cutoff"].first() for c, g in cv.groupby("cutoff")}
    first = min(cut)
    model = clone(est).fit(df[df["ds"] <= df["unique_id"].map(cut[first])])
    for c, by_id in cut.items():
        fc = model.predict(df=df[df["ds"] <= df["unique_id"].map(by_id)])
        got = cv[cv["cutoff"] == c]
        np.testing.assert_array_equal(got["yhat"].to_numpy(), fc["yhat"].to_numpy())
        np.testing.assert_array_equal(got["ds"].to_numpy(), fc["ds"].to_numpy())


def test_refit_true_fits_per_window_and_never_peeks():
    df = _hourly(60)
    est = Counting(**TINY)
    Counting.fits.clear()
    cv = cross_validation(est, df, n_windows=2, refit=True)
    cutoffs = sorted(cv["cutoff"].unique())
    assert Counting.fits == cutoffs  # one fit per window, on data up to it
    last = cv.groupby("unique_id")["cutoff"].max()
    cv2 = cross_validation(est, _perturb_after(df, last), n_windows=2, refit=True)
    np.testing.assert_array_equal(cv2["yhat"].to_numpy(), cv["yhat"].to_numpy())
    assert len(Counting.fits) == 4
    with pytest.raises(NotFittedError):  # the estimator itself stays unfitted
        check_is_fitted(est)


def test_hourly_windows_cutoffs_and_truth(hourly_cv):
    _, df, cv = hourly_cv
    assert cv.columns.tolist() == ["unique_id", "ds", "cutoff", "y", "yhat"]
    assert cv.groupby("unique_id").size().tolist() == [W * H, W * H]
    hour = pd.Timedelta(hours=1)
    for _, g in cv.groupby("unique_id"):
        cuts = g["cutoff"].drop_duplicates()
        # the last window ends at the series' end (79 h after its start)
        assert cuts.iloc[-1] == pd.Timestamp("2020-01-01") + (79 - H) * hour
        assert (cuts.diff().dropna() == STEP * hour).all()
        steps = ((g["ds"] - g["cutoff"]) / hour).to_numpy()
        np.testing.assert_array_equal(steps, np.tile(np.arange(1, H + 1), W))
    truth = cv.merge(df, on=["unique_id", "ds"], suffixes=("", "_df"))
    np.testing.assert_array_equal(truth["y"].to_numpy(), truth["y_df"].to_numpy())
    assert np.isfinite(cv["yhat"]).all()


def test_monthly_future_covariates_over_the_horizon():
    rng = np.random.default_rng(0)
    x = rng.normal(size=48)
    df = make_frame({"m": 3.0 * x}, start="2018-01-01", freq="MS").assign(x=x)
    est = RecurrentForecaster(**{**TINY, "horizon": 2}, future_covariates=["x"])
    cv = cross_validation(est, df, n_windows=2)
    assert len(cv) == 4 and cv["cutoff"].nunique() == 2
    expected_cuts = pd.to_datetime(["2021-08-01", "2021-10-01"])
    np.testing.assert_array_equal(cv["cutoff"].unique(), expected_cuts)
    months = cv["ds"].dt.year * 12 + cv["ds"].dt.month
    steps = months - (cv["cutoff"].dt.year * 12 + cv["cutoff"].dt.month)
    assert steps.tolist() == [1, 2, 1, 2]
    truth = cv.merge(df, on=["unique_id", "ds"])
    np.testing.assert_allclose(truth["y_x"], 3.0 * truth["x"])


# -- LastValue: a NumPy stand-in that records its inputs --------------------


class LastValue(BaseEstimator):
    """Repeats each series' last value (plus the future ``x`` if declared)."""

    calls: list = []

    def __init__(
        self,
        horizon=2,
        lookback=2,
        future_covariates=None,
        drop_short=False,
        id_col="unique_id",
        time_col="ds",
        target_col="y",
    ):
        self.horizon = horizon
        self.lookback = lookback
        self.future_covariates = future_covariates
        self.drop_short = drop_short
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col

    def fit(self, df, static_df=None):
        LastValue.calls.append(("fit", df.copy(), None))
        self.freq_ = df[self.time_col].iloc[1] - df[self.time_col].iloc[0]
        return self

    def predict(self, df=None, future_df=None, static_df=None, level=None):
        LastValue.calls.append(("predict", df.copy(), future_df))
        rows = []
        for uid, g in df.groupby(self.id_col):
            end = g[self.time_col].iloc[-1]
            ds = pd.date_range(end, periods=self.horizon + 1, freq=self.freq_)[1:]
            yhat = np.full(self.horizon, g[self.target_col].iloc[-1])
            if self.future_covariates:
                f = future_df[future_df[self.id_col] == uid].sort_values("ds")
                yhat = yhat + f["x"].to_numpy()
            rows.append(pd.DataFrame({"unique_id": str(uid), "ds": ds, "yhat": yhat}))
        out = pd.concat(rows, ignore_index=True)
        for lv in level or ():
            out[f"yhat_lo{lv}"], out[f"yhat_hi{lv}"] = out.yhat - lv, out.yhat + lv
        return out


class NoLevel(LastValue):
    def predict(self, df=None, future_df=None, static_df=None):
        return super().predict(df, future_df, static_df)


@pytest.fixture
def calls():
    LastValue.calls.clear()
    return LastValue.calls


def _lines():
    """Series a: y = t, b: y = 2 t (10 hourly points); c: 12 points."""
    t = np.arange(12.0)
    return make_frame({"a": t[:10], "b": 2 * t[:10], "c": t})


@pytest.mark.parametrize("refit, n_fits", [(False, 1), (True, 3), (2, 2)])
def test_every_call_sees_only_data_up_to_its_cutoff(calls, refit, n_fits):
    df = _lines().assign(x=0.5)
    est = LastValue(future_covariates=["x"])
    cv = cross_validation(est, df, n_windows=3, step_size=1, refit=refit)
    # windows[k]: each series' k-th cutoff (c is longer, so its cutoffs differ)
    per_id = cv.groupby("unique_id")["cutoff"].unique()
    windows = [per_id.map(lambda c, k=k: sorted(c)[k]) for k in range(3)]
    assert (
        windows[0].tolist()
        == pd.to_datetime(
            ["2020-01-01 05:00", "2020-01-01 05:00", "2020-01-01 07:00"]
        ).tolist()
    )
    fits = [c for c in calls if c[0] == "fit"]
    predicts = [c for c in calls if c[0] == "predict"]
    assert len(fits) == n_fits and len(predicts) == 3
    refit_at = {False: [0], True: [0, 1, 2], 2: [0, 2]}[refit]
    for (_, seen, _), k in zip(fits, refit_at, strict=True):
        pd.testing.assert_series_equal(
            seen.groupby("unique_id")["ds"].max(), windows[k], check_names=False
        )
    for k, (_, hist, fut) in enumerate(predicts):
        pd.testing.assert_series_equal(
            hist.groupby("unique_id")["ds"].max(), windows[k], check_names=False
        )
        assert "y" not in fut.columns  # the future target is never passed
        steps = (fut["ds"] - fut["unique_id"].map(windows[k])) / pd.Timedelta("1h")
        assert sorted(steps.unique()) == [1, 2]
    # series a is y = t (hours): yhat = value at the cutoff + the future x
    a = cv[cv["unique_id"] == "a"]
    np.testing.assert_array_equal(a["yhat"], a["cutoff"].dt.hour + 0.5)


def test_per_series_cutoffs_int_ids_and_unsorted_input(calls):
    df = _lines()
    df["unique_id"] = df["unique_id"].map({"a": 10, "b": 2, "c": 3})
    cv = cross_validation(LastValue(), df.sample(frac=1, random_state=0), n_windows=2)
    assert cv["unique_id"].tolist() == [10] * 4 + [2] * 4 + [3] * 4  # "10" < "2"
    ends = cv.groupby("unique_id", sort=False)["cutoff"].max()
    assert ends.tolist() == [pd.Timestamp("2020-01-01 07:00")] * 2 + [
        pd.Timestamp("2020-01-01 09:00")
    ]
    assert cv["y"].tolist()[:4] == [6.0, 7.0, 8.0, 9.0]


def test_level_passes_through_and_extra_columns_are_kept(calls):
    cv = cross_validation(LastValue(), _lines(), n_windows=1, level=[80])
    assert cv.columns.tolist() == [
        "unique_id", "ds", "cutoff", "y", "yhat", "yhat_lo80", "yhat_hi80"
    ]  # fmt: skip
    np.testing.assert_array_equal(cv["yhat_hi80"] - cv["yhat_lo80"], 160.0)


def test_level_on_a_predict_without_it_raises():
    with pytest.raises(TypeError, match=r"NoLevel.predict does not accept `level`"):
        cross_validation(NoLevel(), _lines(), level=[80])


def test_verbose_prints_one_line_per_window(calls, capsys):
    cross_validation(LastValue(), _lines(), n_windows=2, verbose=True)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].startswith("cross_validation: window 1/2, cutoffs 2020-01-01 05:00")
    assert "fit and forecast 3 series" in out[0]
    assert "fit" not in out[1]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_windows=0), "argument `n_windows`, expected a positive integer, got 0"),
        (dict(step_size=0), "argument `step_size`, expected a positive integer, got 0"),
        (dict(refit=0), "argument `refit`, expected a bool or a positive integer"),
        (dict(refit="yes"), "argument `refit`, expected a bool or a positive integer"),
        (
            dict(id_col="id"),
            "Received id_col='id' but the estimator has id_col='unique_id'",
        ),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cross_validation(LastValue(), _lines(), **kwargs)


def test_too_short_series_is_named():
    df = pd.concat([_lines(), make_frame({"short": np.arange(6.0)})])
    with pytest.raises(ValueError) as err:
        cross_validation(LastValue(horizon=2, lookback=2), df, n_windows=2)
    assert str(err.value) == (
        "1 series too short for n_windows=2 (step_size=2, horizon=2): 'short' "
        "(6 points). Each needs at least 8 points: 4 before the first cutoff "
        "(lookback 2 + horizon 2) and 4 after it ((n_windows - 1) * step_size + "
        "horizon). Reduce n_windows or step_size, or drop them."
    )


def test_drop_short_skips_short_series_with_a_warning(calls):
    df = pd.concat([_lines(), make_frame({"short": np.arange(6.0)})])
    with pytest.warns(UserWarning, match=r"Skipped 1 series too short .* 'short'"):
        cv = cross_validation(LastValue(drop_short=True), df, n_windows=2)
    assert sorted(cv["unique_id"].unique()) == ["a", "b", "c"]


def test_gap_in_a_series_is_rejected():
    df = _lines().drop(index=7)
    with pytest.raises(ValueError, match=r"Series 'a' is not regular at frequency"):
        cross_validation(LastValue(), df, n_windows=2)


# -- evaluate_cv ----------------------------------------------------------------


def test_evaluate_cv_by_hand(calls):
    df = _lines()
    df = df[df["unique_id"] != "c"]
    cv = cross_validation(LastValue(), df, n_windows=2)
    # Cutoffs at t = 5 and 7; last-value forecasts miss by 1 and 2 steps of
    # the line: MAE 1.5 for a (slope 1) and 3 for b (slope 2). The MASE scale
    # (naive MAE of the history up to the first cutoff) is the slope: 1.5.
    per_series, overall = evaluate_cv(cv, df, metrics=("mae", "mase"))
    assert per_series.columns.tolist() == ["unique_id", "metric", "yhat"]
    assert per_series[["unique_id", "metric"]].values.tolist() == [
        ["a", "mae"], ["a", "mase"], ["b", "mae"], ["b", "mase"]
    ]  # fmt: skip
    np.testing.assert_allclose(per_series["yhat"], [1.5, 1.5, 3.0, 1.5])
    assert overall["metric"].tolist() == ["mae", "mase"]
    np.testing.assert_allclose(overall["yhat"], [2.25, 1.5])


def test_evaluate_cv_uses_only_history_up_to_the_first_cutoff(calls):
    df = _lines()
    cv = cross_validation(LastValue(), df, n_windows=2)
    first = cv.groupby("unique_id")["cutoff"].min()
    _, a = evaluate_cv(cv, df, metrics=["mase"])
    _, b = evaluate_cv(cv, _perturb_after(df, first), metrics=["mase"])
    pd.testing.assert_frame_equal(a, b)


def test_evaluate_cv_on_the_network_backtest(hourly_cv):
    _, df, cv = hourly_cv
    per_series, overall = evaluate_cv(cv, df, season_length=24)
    assert per_series.shape == (8, 3)
    assert overall["metric"].tolist() == ["mae", "rmse", "smape", "mase"]
    assert np.isfinite(overall["yhat"]).all()


# -- several models in one call -------------------------------------------------


def test_dict_of_models_gives_a_column_each_and_one_table(hourly_cv):
    from forecaster.baselines import Naive, SeasonalNaive

    est, df, alone = hourly_cv
    models = {"lstm": est, "naive": Naive(), "snaive": SeasonalNaive(season_length=24)}
    cv = cross_validation(models, df, n_windows=W, step_size=STEP)
    assert cv.columns.tolist() == [
        "unique_id", "ds", "cutoff", "y", "lstm", "naive", "snaive"
    ]  # fmt: skip
    # the network's forecasts are those of its backtest alone; the
    # baselines (no horizon of their own) forecast the network's 3 steps
    np.testing.assert_array_equal(cv["lstm"].to_numpy(), alone["yhat"].to_numpy())
    for _, g in cv.groupby("cutoff"):  # naive: the value at the cutoff
        last = df[df["ds"] == g["cutoff"].iloc[0]].set_index("unique_id")["y"]
        np.testing.assert_array_equal(g["naive"], g["unique_id"].map(last))
    assert Naive().horizon is None  # the caller's estimators are untouched
    per_series, overall = evaluate_cv(cv, df, season_length=24)
    assert per_series.columns.tolist() == [
        "unique_id",
        "metric",
        "lstm",
        "naive",
        "snaive",
    ]
    assert overall.columns.tolist() == ["metric", "lstm", "naive", "snaive"]
    _, lstm_alone = evaluate_cv(alone, df, season_length=24)
    np.testing.assert_allclose(overall["lstm"], lstm_alone["yhat"])


def test_dict_with_intervals_names_every_column_by_model(calls):
    from forecaster.baselines import Drift, SeasonalNaive

    models = {"last": LastValue(), "snaive": SeasonalNaive(2), "drift": Drift()}
    cv = cross_validation(models, _lines(), n_windows=2, level=[80])
    assert cv.columns.tolist()[4:] == [
        "last", "last_lo80", "last_hi80", "snaive", "snaive_lo80", "snaive_hi80",
        "drift", "drift_lo80", "drift_hi80",
    ]  # fmt: skip
    _, overall = evaluate_cv(cv, _lines(), metrics=["mae", "coverage80"])
    assert overall.columns.tolist() == ["metric", "last", "snaive", "drift"]


def test_dict_errors():
    from forecaster.baselines import Naive, Theta

    with pytest.raises(
        ValueError, match=r"disagree on the horizon \({'a': 2, 'b': 3}\)"
    ):
        cross_validation({"a": LastValue(horizon=2), "b": Naive(horizon=3)}, _lines())
    with pytest.raises(ValueError, match="Model names \\['y'\\] are column names"):
        cross_validation({"y": LastValue()}, _lines())
    with pytest.raises(ValueError, match="expected one estimator or a non-empty dict"):
        cross_validation({}, _lines())
    with pytest.raises(TypeError, match="Theta.predict does not accept `level`"):
        cross_validation({"a": LastValue(), "t": Theta()}, _lines(), level=[80])
    with pytest.raises(ValueError, match="argument `horizon`, expected a positive"):
        cross_validation({"n": Naive()}, _lines())  # no model has a horizon


def test_dict_verbose_names_the_model(calls, capsys):
    from forecaster.baselines import Naive

    cross_validation(
        {"last": LastValue(), "naive": Naive()}, _lines(), n_windows=1, verbose=True
    )
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [
        "cross_validation [last]", "cross_validation [naive]"
    ]  # fmt: skip
