"""Tests for forecaster.baselines: exact values, timestamps and error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecaster.baselines import (
    drift,
    drift_forecast,
    naive,
    naive_forecast,
    seasonal_naive,
    seasonal_naive_forecast,
    seasonal_naive_interval,
    theta,
    theta_forecast,
)
from forecaster.baselines.methods import (
    _seasonal_indices,
    _seasonality_test,
    _ses_fit,
)


def _monthly() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unique_id": ["a"] * 3 + ["b"] * 4,
            "ds": list(pd.date_range("2024-01-01", periods=3, freq="MS"))
            + list(pd.date_range("2023-06-01", periods=4, freq="MS")),
            "y": [1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 40.0],
        }
    )


def test_naive_monthly_values_and_timestamps():
    out = naive(_monthly(), horizon=2)
    assert list(out.columns) == ["unique_id", "ds", "yhat"]
    assert out["unique_id"].tolist() == ["a", "a", "b", "b"]
    assert out["ds"].tolist() == [
        pd.Timestamp("2024-04-01"),
        pd.Timestamp("2024-05-01"),
        pd.Timestamp("2023-10-01"),
        pd.Timestamp("2023-11-01"),
    ]
    assert out["yhat"].tolist() == [3.0, 3.0, 40.0, 40.0]


def test_naive_ignores_row_order_and_keeps_first_appearance_order():
    df = _monthly()
    out = naive(df.iloc[::-1], 2)
    assert out["unique_id"].tolist() == ["b", "b", "a", "a"]
    shuffled = naive(df.sample(frac=1.0, random_state=0), 2)
    shuffled = shuffled.sort_values(["unique_id", "ds"], ignore_index=True)
    pd.testing.assert_frame_equal(shuffled, naive(df, 2))


def test_seasonal_naive_30min():
    df = pd.DataFrame(
        {
            "unique_id": "s",
            "ds": pd.date_range("2024-01-01 00:00", periods=4, freq="30min"),
            "y": [5.0, 7.0, 6.0, 8.0],
        }
    )
    out = seasonal_naive(df, horizon=3, season_length=2)
    assert out["ds"].tolist() == [
        pd.Timestamp("2024-01-01 02:00"),
        pd.Timestamp("2024-01-01 02:30"),
        pd.Timestamp("2024-01-01 03:00"),
    ]
    assert out["yhat"].tolist() == [6.0, 8.0, 6.0]


def test_seasonal_naive_monthly_with_explicit_freq():
    out = seasonal_naive(_monthly(), horizon=4, season_length=3, freq="MS")
    assert out["yhat"].tolist() == [1.0, 2.0, 3.0, 1.0, 20.0, 30.0, 40.0, 20.0]
    assert out["ds"].iloc[4] == pd.Timestamp("2023-10-01")


@pytest.mark.parametrize(
    ("freq", "start", "expected"),
    [
        ("W-SAT", "2024-01-06", ["2024-01-27", "2024-02-03"]),
        ("YS", "2020-01-01", ["2023-01-01", "2024-01-01"]),
    ],
)
def test_other_frequencies(freq, start, expected):
    df = pd.DataFrame(
        {"unique_id": 1, "ds": pd.date_range(start, periods=3, freq=freq), "y": 1.0}
    )
    for f in (None, freq):
        out = naive(df, 2, freq=f)
        assert out["ds"].tolist() == [pd.Timestamp(e) for e in expected]
        assert out["unique_id"].tolist() == [1, 1]


def test_integer_time_and_custom_column_names():
    df = pd.DataFrame({"sid": "x", "t": [10, 12, 14], "val": [1.0, 3.0, 5.0]})
    out = drift(df, 2, id_col="sid", time_col="t", target_col="val")
    assert list(out.columns) == ["sid", "t", "yhat"]
    assert out["t"].tolist() == [16, 18]
    assert out["yhat"].tolist() == [7.0, 9.0]


def test_array_helpers():
    np.testing.assert_array_equal(naive_forecast([1.0, 4.0], 3), [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(
        seasonal_naive_forecast([9.0, 1.0, 2.0, 3.0], 5, 3), [1, 2, 3, 1, 2]
    )


def test_drift_on_a_line_extrapolates_exactly():
    t = np.arange(20)
    y = 3.0 + 2.5 * t
    np.testing.assert_allclose(drift_forecast(y, 4), 3.0 + 2.5 * np.arange(20, 24))
    df = pd.DataFrame(
        {"unique_id": "a", "ds": pd.date_range("2000", periods=20, freq="D"), "y": y}
    )
    np.testing.assert_allclose(drift(df, 4)["yhat"], 3.0 + 2.5 * np.arange(20, 24))


def test_ses_fit_picks_high_alpha_on_random_walk():
    y = np.cumsum(np.random.default_rng(1).normal(size=200))
    alpha, level = _ses_fit(y)
    assert 0.8 < alpha <= 0.99
    assert level == pytest.approx(y[-1], abs=0.5)


def test_theta_on_linear_trend_has_small_error():
    b, h = 2.0, 6
    y = 10.0 + b * np.arange(1, 41)
    fc = theta_forecast(y, h)
    truth = y[-1] + b * np.arange(1, h + 1)
    # Theta is SES with drift b/2: it lags an exact line by b*h/2 (plus the
    # SES lag b*(1-alpha)/(2*alpha) with alpha at its 0.99 bound).
    np.testing.assert_allclose(
        fc, truth - b * np.arange(1, h + 1) / 2 - 0.0101, atol=1e-3
    )
    assert np.max(np.abs(fc - truth) / truth) < 0.07


def _seasonal_frame(n: int = 120) -> pd.DataFrame:
    t = np.arange(n)
    noise = np.random.default_rng(0).normal(0.0, 1.0, n)
    y = (100 + 0.5 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / 12)) + noise
    ds = pd.date_range("2010-01-01", periods=n, freq="MS")
    return pd.DataFrame({"unique_id": "m", "ds": ds, "y": y})


def test_theta_on_seasonal_positive_series_beats_naive():
    df = _seasonal_frame()
    train, test = df.iloc[:-12], df.iloc[-12:]
    assert _seasonality_test(train["y"].to_numpy(), 12)
    err_theta = np.mean(
        np.abs(theta(train, 12, season_length=12)["yhat"] - test["y"].to_numpy())
    )
    err_naive = np.mean(np.abs(naive(train, 12)["yhat"] - test["y"].to_numpy()))
    assert err_theta < 0.25 * err_naive
    out = theta(train, 12, season_length=12)
    assert out["ds"].tolist() == list(test["ds"])


def test_theta_skips_seasonal_adjustment_for_non_positive_or_non_seasonal():
    y = _seasonal_frame()["y"].to_numpy() - 200.0  # has negative values
    np.testing.assert_allclose(theta_forecast(y, 5, 12), theta_forecast(y, 5, 1))
    trend = np.arange(1.0, 61.0)
    assert not _seasonality_test(trend, 12)
    np.testing.assert_allclose(theta_forecast(trend, 5, 12), theta_forecast(trend, 5))


def test_seasonal_indices_recover_multiplicative_pattern():
    pattern = np.array([0.5, 1.0, 1.5])
    idx = _seasonal_indices(np.tile(pattern, 5) * 10.0, 3)
    np.testing.assert_allclose(idx, np.tile(pattern, 5))
    idx4 = _seasonal_indices(np.tile([1.0, 2.0, 3.0, 2.0], 4), 4)
    assert idx4[:4].mean() == pytest.approx(1.0)


def test_frame_errors():
    df = _monthly()
    with pytest.raises(ValueError, match="series 'a' needs >= 4 observations"):
        seasonal_naive(df, 2, season_length=4)
    with pytest.raises(ValueError, match="series 'x' needs >= 2 observations"):
        drift(
            pd.concat(
                [df, pd.DataFrame({"unique_id": ["x"], "ds": df["ds"][:1], "y": 1.0})]
            ),
            1,
        )
    with pytest.raises(ValueError, match=r"missing required columns: \['y'\]"):
        naive(df.drop(columns="y"), 1)
    with pytest.raises(TypeError, match="Expected a pandas DataFrame .* got dict"):
        naive({"y": [1.0]}, 1)
    with pytest.raises(
        ValueError, match="`horizon`, expected a positive integer, got 0"
    ):
        naive(df, 0)
    with pytest.raises(
        ValueError, match="`horizon`, expected a positive integer, got 1.5"
    ):
        theta(df, 1.5)
    with pytest.raises(ValueError, match="Duplicate \\('unique_id', 'ds'\\) pair"):
        naive(pd.concat([df, df.iloc[:1]]), 1)
    with pytest.raises(ValueError, match=r"Column 'y' has 1 NaN.* series 'b'"):
        naive(df.assign(y=[1.0, 2, 3, 4, 5, 6, np.nan]), 1)
    with pytest.raises(TypeError, match="Column 'y' must be numeric"):
        naive(df.assign(y=list("abcdefg")), 1)


def test_frequency_errors():
    irregular = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-05"]),
            "y": 1.0,
        }
    )
    # a gap: the data layer names the series and the first missing timestamp,
    # whether the frequency is inferred or given
    gap = r"Series 'a' is not regular at frequency 'D': expected timestamp 2024-01-03"
    with pytest.raises(ValueError, match=gap):
        naive(irregular, 1)
    with pytest.raises(ValueError, match=gap):
        naive(irregular, 1, freq="D")
    with pytest.raises(ValueError, match="argument `freq`: 'nope' is not a pandas"):
        naive(irregular, 1, freq="nope")
    with pytest.raises(ValueError, match="Could not infer the frequency"):
        naive(irregular.iloc[:2], 1)


def test_array_errors():
    with pytest.raises(ValueError, match="y must be 1-D with >= 3 points and no NaN"):
        theta_forecast([1.0, 2.0], 1)
    with pytest.raises(
        ValueError, match="`season_length`, expected a positive integer, got 0"
    ):
        seasonal_naive_forecast([1.0, 2.0], 1, 0)


def test_seasonal_naive_interval_by_hand():
    # m = 2: residuals y[t] - y[t-2] = [2, -1, 1, 2] -> sigma = sqrt(10 / 4);
    # steps 1-2 are one season ahead (k = 0), steps 3-4 two (k = 1), 5 three.
    y = [1.0, 5.0, 3.0, 4.0, 4.0, 6.0]
    z = 1.2815515655446004  # standard normal 0.9 quantile (80% interval)
    half = z * np.sqrt(10 / 4) * np.sqrt([1, 1, 2, 2, 3])
    yhat = np.array([4.0, 6.0, 4.0, 6.0, 4.0])
    lo, hi = seasonal_naive_interval(y, 5, 2, 80)
    np.testing.assert_allclose(lo, yhat - half)
    np.testing.assert_allclose(hi, yhat + half)


def test_seasonal_naive_frame_levels_match_the_array_function():
    df = _monthly()
    out = seasonal_naive(df, horizon=3, season_length=1, level=[50, 95])
    assert list(out.columns) == [
        "unique_id", "ds", "yhat", "yhat_lo50", "yhat_hi50", "yhat_lo95", "yhat_hi95",
    ]  # fmt: skip
    b = out[out["unique_id"] == "b"]
    lo, hi = seasonal_naive_interval([10.0, 20.0, 30.0, 40.0], 3, 1, 95)
    np.testing.assert_allclose(b["yhat_lo95"], lo)
    np.testing.assert_allclose(b["yhat_hi95"], hi)
    # random walk: residuals all 10 -> sigma 10, sqrt(h) growth
    np.testing.assert_allclose(hi - 40.0, 1.959963984540054 * 10 * np.sqrt([1, 2, 3]))
    # no level: the frame is unchanged
    assert list(seasonal_naive(df, 2, 1).columns) == ["unique_id", "ds", "yhat"]


def test_seasonal_naive_interval_errors():
    with pytest.raises(
        ValueError,
        match=r"`level`, expected percentages in \(0, 100\) such as \[80, 95\], got 100",
    ):
        seasonal_naive_interval([1.0, 2.0, 3.0], 2, 1, 100)
    with pytest.raises(ValueError, match="`level`, expected percentages .* got '80'"):
        seasonal_naive_interval([1.0, 2.0, 3.0], 2, 1, "80")
    with pytest.raises(ValueError, match=">= 3 points"):
        seasonal_naive_interval([1.0, 2.0], 2, 2, 80)
    # series "a" has 3 points: enough for the forecast, not for the residuals
    seasonal_naive(_monthly(), 2, season_length=3)
    with pytest.raises(ValueError, match="series 'a' needs >= 4 observations"):
        seasonal_naive(_monthly(), 2, season_length=3, level=[80])


# -- the estimators -------------------------------------------------------------
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.utils.estimator_checks import (  # noqa: E402
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)

from forecaster.baselines import (  # noqa: E402
    Drift,
    Naive,
    SeasonalNaive,
    Theta,
    drift_interval,
)

ESTIMATORS = [Naive, SeasonalNaive, Drift, Theta]


def _daily(values_by_id):
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "unique_id": k,
                    "ds": pd.date_range("2024-01-01", periods=len(v), freq="D"),
                    "y": np.asarray(v, dtype=float),
                }
            )
            for k, v in values_by_id.items()
        ],
        ignore_index=True,
    )


def test_naive_repeats_the_last_value_exactly():
    df = _daily({"b": [0.3, 0.1, 0.7], "a": [5.0, 6.0, 0.1]})
    fc = Naive(horizon=3).fit(df).predict()
    # the networks' frame: series by id text, the steps after each end
    assert fc.columns.tolist() == ["unique_id", "ds", "yhat"]
    assert fc["unique_id"].tolist() == ["a"] * 3 + ["b"] * 3
    assert fc["ds"].tolist() == list(pd.date_range("2024-01-04", periods=3)) * 2
    assert fc["yhat"].tolist() == [0.1] * 3 + [0.7] * 3  # float64: no float32 rounding


def test_seasonal_naive_repeats_the_last_season():
    y = [9.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    fc = SeasonalNaive(season_length=4, horizon=6).fit(_daily({"s": y})).predict()
    assert fc["yhat"].tolist() == [2.0, 3.0, 4.0, 5.0, 2.0, 3.0]


def test_drift_extends_the_line_through_first_and_last():
    y = np.array([2.0, 7.0, -1.0, 3.0, 10.0])  # the middle points do not matter
    fc = Drift(horizon=3).fit(_daily({"s": y})).predict()
    slope = (10.0 - 2.0) / 4
    np.testing.assert_allclose(fc["yhat"], 10.0 + slope * np.arange(1, 4))


def test_theta_on_a_constant_series_is_that_constant():
    fc = Theta(horizon=4).fit(_daily({"s": [5.0] * 12})).predict()
    np.testing.assert_allclose(fc["yhat"], 5.0)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_scikit_learn_conventions(cls):
    name = cls.__name__
    check_no_attributes_set_in_init(name, cls())
    check_parameters_default_constructible(name, cls())
    est = cls(horizon=2, freq="D")
    assert clone(est).get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        est.predict()
    df = _daily({"s": np.arange(1.0, 15.0)})
    assert est.fit(df) is est
    assert est.ids_.tolist() == ["s"] and est.freq_ == "D"
    assert len(est.predict()) == 2


def test_series_in_frame_indexed_by_time_out():
    s = pd.Series([1.0, 2.0, 4.0], index=pd.date_range("2024-01-01", periods=3))
    fc = Drift(horizon=2).fit(s).predict()
    assert fc.index.tolist() == list(pd.date_range("2024-01-04", periods=2))
    assert fc["yhat"].tolist() == [5.5, 7.0]


def test_h_new_history_and_season_from_the_frequency():
    monthly = _seasonal_frame(48)
    est = SeasonalNaive().fit(monthly)
    assert est.season_length_ == 12  # "MS" -> 12, as the networks' default
    assert len(est.predict(h=5)) == 5  # no horizon set: h gives it
    with pytest.raises(ValueError, match="SeasonalNaive has no horizon: set horizon="):
        est.predict()
    later = monthly.iloc[-24:].assign(y=lambda d: d["y"] + 100.0)
    fc = est.predict(df=later, h=12)  # from the new history, no refit
    np.testing.assert_allclose(fc["yhat"], later["y"].iloc[-12:])
    assert fc["ds"].iloc[0] == monthly["ds"].iloc[-1] + pd.offsets.MonthBegin()


def test_levels_where_the_method_has_them():
    df = _daily({"s": [1.0, 5.0, 3.0, 4.0, 4.0, 6.0]})
    fc = SeasonalNaive(season_length=2, horizon=5).fit(df).predict(level=[80])
    lo, hi = seasonal_naive_interval(df["y"], 5, 2, 80)
    np.testing.assert_allclose(fc["yhat_lo80"], lo)
    np.testing.assert_allclose(fc["yhat_hi80"], hi)
    fc = Drift(horizon=3).fit(df).predict(level=[80, 95])
    assert fc.columns.tolist()[2:] == [
        "yhat", "yhat_lo80", "yhat_hi80", "yhat_lo95", "yhat_hi95",
    ]  # fmt: skip
    lo, hi = drift_interval(df["y"], 3, 95)
    np.testing.assert_allclose(fc["yhat_lo95"], lo)
    with pytest.raises(TypeError, match="level"):
        Theta(horizon=2).fit(df).predict(level=[80])  # no intervals: no argument


def test_integer_time_steps_are_kept_as_integers():
    df = pd.DataFrame({"unique_id": "a", "ds": [10, 12, 14], "y": [1.0, 3.0, 5.0]})
    est = Drift(horizon=2).fit(df)
    assert est.freq_ == 2
    assert est.predict()["ds"].tolist() == [16, 18]
    gap = df.assign(ds=[10, 12, 15])
    with pytest.raises(ValueError, match="read as nanoseconds after 1970-01-01"):
        Naive(horizon=1).fit(gap)


def test_estimator_errors_name_the_parameter():
    df = _daily({"s": [1.0, 2.0, 3.0]})
    with pytest.raises(
        ValueError, match="`horizon`, expected a positive integer, got 0"
    ):
        Naive(horizon=0).fit(df)
    with pytest.raises(ValueError, match="`season_length`, expected a positive"):
        SeasonalNaive(season_length=0).fit(df)
    with pytest.raises(ValueError, match="`h`, expected a positive integer, got -1"):
        Naive().fit(df).predict(h=-1)
    with pytest.raises(ValueError, match=r"series 's' needs >= 4 observations"):
        SeasonalNaive(season_length=4).fit(df)
