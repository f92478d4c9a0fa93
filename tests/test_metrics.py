"""Tests for forecaster.metrics: hand-computed values and error messages."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from forecaster.metrics import (
    coverage,
    crps_from_quantiles,
    crps_from_samples,
    evaluate,
    interval_width,
    mae,
    mase,
    pinball_loss,
    rmse,
    smape,
)

Y, YHAT = [1, 2, 3], [2, 2, 5]  # errors 1, 0, 2


def test_point_metrics_by_hand():
    assert mae(Y, YHAT) == pytest.approx(1.0)  # (1 + 0 + 2) / 3
    assert rmse(Y, YHAT) == pytest.approx(math.sqrt(5 / 3))  # (1 + 0 + 4) / 3
    # 200/3 * (1/(1+2) + 0/(2+2) + 2/(3+5)) = 200/3 * 7/12
    assert smape(Y, YHAT) == pytest.approx(38.888888888888886)
    assert isinstance(mae(np.array(Y), np.array(YHAT)), float)


def test_smape_zero_over_zero_is_zero():
    assert smape([0, 0], [0, 0]) == 0.0
    assert smape([0, 2], [0, 1]) == pytest.approx(100 * (0 + 1 / 3))  # 200/2 * 1/3
    assert smape([0], [5]) == pytest.approx(200.0)


def test_metrics_accept_2d_arrays_and_average_everything():
    assert mae([[1, 2], [3, 4]], [[1, 1], [1, 1]]) == pytest.approx(1.5)


def test_mase_by_hand():
    # naive in-sample errors |2-1|, |4-2|, |7-4| -> scale 2; forecast MAE 1.5
    assert mase([5, 6], [4, 8], [1, 2, 4, 7]) == pytest.approx(0.75)
    # m=2: |2-1|, |6-5|, |3-2|, |7-6| -> scale 1; MAE (0 + 1) / 2
    assert mase([4, 8], [4, 9], [1, 5, 2, 6, 3, 7], season_length=2) == 0.5


def test_mase_zero_scale():
    assert mase([1, 2], [1, 3], [3, 3, 3]) == math.inf
    assert mase([1, 2], [1, 2], [3, 3, 3]) == 0.0
    assert mase([1], [2], [1, 2, 1, 2], season_length=2) == math.inf


def test_mase_errors():
    with pytest.raises(ValueError, match=r"y_train must be 1-D with > 2 points"):
        mase([1], [1], [1, 2], season_length=2)
    with pytest.raises(ValueError, match="season_length must be a positive int"):
        mase([1], [1], [1, 2, 3], season_length=0)
    with pytest.raises(ValueError, match="season_length must be a positive int"):
        mase([1], [1], [1, 2, 3], season_length=1.5)


def test_pinball_known_quantile():
    assert pinball_loss([10.0], [[8.0]], [0.9]) == pytest.approx(1.8)  # 0.9 * 2
    assert pinball_loss([10.0], [[12.0]], [0.9]) == pytest.approx(0.2)  # 0.1 * 2
    # both points, mean over points
    assert pinball_loss([10.0, 10.0], [[8.0], [12.0]], [0.9]) == pytest.approx(1.0)
    # three levels: 0.25 * 1, 0, 0.25 * 1 -> mean 1/6
    q = [[0.0, 1.0, 2.0]]
    assert pinball_loss([1.0], q, [0.25, 0.5, 0.75]) == pytest.approx(1 / 6)


def test_median_pinball_is_half_mae_and_crps_quantiles_is_twice_pinball():
    y, med = np.array([1.0, 4.0, 2.0]), np.array([2.0, 2.0, 2.0])
    assert pinball_loss(y, med[:, None], [0.5]) == pytest.approx(0.5 * mae(y, med))
    q = np.stack([med - 1, med, med + 1], axis=-1)
    lv = [0.1, 0.5, 0.9]
    assert crps_from_quantiles(y, q, lv) == pytest.approx(2 * pinball_loss(y, q, lv))


def test_pinball_errors():
    with pytest.raises(ValueError, match=r"quantiles must be 1-D levels in \(0, 1\)"):
        pinball_loss([1.0], [[1.0]], [1.5])
    with pytest.raises(ValueError, match=r"q_pred must have shape \(2, 1\)"):
        pinball_loss([1.0, 2.0], [[1.0, 2.0]], [0.5])


def _crps_brute(y: np.ndarray, s: np.ndarray) -> float:
    total = 0.0
    for i in range(y.size):
        n = s.shape[-1]
        term1 = sum(abs(s[i, j] - y[i]) for j in range(n)) / n
        term2 = sum(abs(s[i, j] - s[i, k]) for j in range(n) for k in range(n))
        total += term1 - 0.5 * term2 / n**2
    return total / y.size


def test_crps_from_samples_matches_double_loop():
    rng = np.random.default_rng(0)
    y, s = rng.normal(size=4), rng.normal(size=(4, 9))
    assert crps_from_samples(y, s) == pytest.approx(_crps_brute(y, s), rel=1e-12)


def test_crps_single_sample_is_absolute_error():
    assert crps_from_samples(1.5, [4.0]) == pytest.approx(2.5)
    assert crps_from_samples([1.0, -2.0], [[3.0], [-2.5]]) == pytest.approx(1.25)


def test_crps_from_samples_approaches_normal_closed_form():
    rng = np.random.default_rng(42)
    mu, sigma = 1.0, 2.0
    y = np.linspace(-3.0, 5.0, 9)
    samples = rng.normal(mu, sigma, size=(y.size, 20_000))
    z = (y - mu) / sigma
    exact = sigma * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))
    assert crps_from_samples(y, samples) == pytest.approx(exact.mean(), rel=0.02)


def test_crps_from_samples_shape_error():
    with pytest.raises(ValueError, match=r"samples must have shape \(2,\) \+ \(n,\)"):
        crps_from_samples([1.0, 2.0], [1.0, 2.0, 3.0])


def test_coverage_and_width():
    y, lo, hi = [1, 2, 3, 4], [0, 2, 3.5, 0], [1, 3, 4, 3]
    assert coverage(y, lo, hi) == 0.5  # 1 and 2 inside (bounds closed)
    assert interval_width(lo, hi) == pytest.approx((1 + 1 + 0.5 + 3) / 4)


def test_coverage_errors():
    with pytest.raises(ValueError, match="lo must be <= hi"):
        coverage([1, 2], [0, 3], [1, 2])
    with pytest.raises(ValueError, match=r"y and lo differ in shape: \(3,\) vs \(2,\)"):
        coverage([1, 2, 3], [0, 0], [1, 1])


def test_input_errors():
    with pytest.raises(
        ValueError, match=r"y and yhat differ in shape: \(3,\) vs \(2,\)"
    ):
        mae([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="yhat must be non-empty and free of NaN"):
        rmse([1, 2], [1, np.nan])
    with pytest.raises(ValueError, match="y must be non-empty"):
        smape([], [])
    with pytest.raises(TypeError, match="y must be numeric, got list"):
        mae(["a", "b"], [1, 2])


# two series; training history, one cutoff (4), horizon 2
TRAIN = pd.DataFrame(
    {
        "unique_id": ["a"] * 5 + ["b"] * 4,
        "ds": [1, 2, 3, 4, 5, 1, 2, 3, 4],
        # a: ds=5 lies after the cutoff and must be ignored by MASE
        "y": [1.0, 2.0, 4.0, 7.0, 100.0, 10.0, 10.0, 12.0, 12.0],
    }
)
CV = pd.DataFrame(
    {
        "unique_id": ["a", "a", "b", "b"],
        "ds": [5, 6, 5, 6],
        "cutoff": 4,
        "y": [8.0, 10.0, 12.0, 15.0],
        "yhat": [9.0, 9.0, 12.0, 12.0],
        "yhat_q0.1": [7.0, 7.0, 11.0, 11.0],
        "yhat_q0.9": [9.0, 11.0, 13.0, 13.0],
        "yhat_lo80": [7.0, 7.0, 11.0, 11.0],
        "yhat_hi80": [9.0, 11.0, 13.0, 13.0],
    }
)


def test_evaluate_point_metrics_by_hand():
    per, overall = evaluate(CV, TRAIN)
    assert list(per.columns) == ["unique_id", "metric", "yhat"]
    assert per["unique_id"].tolist() == ["a"] * 4 + ["b"] * 4
    assert per["metric"].tolist() == ["mae", "rmse", "smape", "mase"] * 2
    # a: errors 1, 1; naive scale mean(1, 2, 3) = 2
    # b: errors 0, 3; naive scale mean(0, 2, 0) = 2/3
    expected_a = [1.0, 1.0, 100 * (1 / 17 + 1 / 19), 0.5]
    expected_b = [1.5, math.sqrt(4.5), 100 * (0 + 3 / 27), 2.25]
    np.testing.assert_allclose(per["yhat"], expected_a + expected_b)
    assert list(overall.columns) == ["metric", "yhat"]
    assert overall["metric"].tolist() == ["mae", "rmse", "smape", "mase"]
    np.testing.assert_allclose(
        overall["yhat"], (np.array(expected_a) + np.array(expected_b)) / 2
    )


def test_evaluate_quantile_and_interval_metrics_by_hand():
    metrics = ["pinball", "crps", "coverage80", "width80"]
    per, overall = evaluate(CV, metrics=metrics)
    # a: pinball terms (0.1 + 0.1 + 0.3 + 0.1) / 4; both points inside
    # b: pinball terms (0.1 + 0.1 + 0.4 + 1.8) / 4; y=15 outside [11, 13]
    np.testing.assert_allclose(per["yhat"], [0.15, 0.3, 1.0, 3.0, 0.6, 1.2, 0.5, 2.0])
    np.testing.assert_allclose(overall["yhat"], [0.375, 0.75, 0.75, 2.5])


def test_evaluate_scaled_crps_by_hand():
    per, overall = evaluate(CV, TRAIN, metrics=["crps", "scaled_crps", "mase"])
    # CRPS a 0.3, b 1.2 (above) over the MASE scales a 2, b 2/3
    np.testing.assert_allclose(per["yhat"], [0.3, 0.15, 0.5, 1.2, 1.8, 2.25])
    np.testing.assert_allclose(overall["yhat"], [0.75, 0.975, 1.375])
    flat = TRAIN.assign(y=5.0)  # zero scale: inf for a nonzero CRPS, as MASE
    per, _ = evaluate(CV, flat, metrics=["scaled_crps"])
    assert per["yhat"].tolist() == [math.inf, math.inf]
    with pytest.raises(ValueError, match="metric 'scaled_crps' requires train_df"):
        evaluate(CV, metrics=["scaled_crps"])


def test_evaluate_several_models_and_custom_columns():
    cv = CV.rename(columns={"unique_id": "sid", "y": "target"}).assign(other=10.0)
    per, overall = evaluate(
        cv, metrics="mae", models=["yhat", "other"], id_col="sid", target_col="target"
    )
    assert list(per.columns) == ["sid", "metric", "yhat", "other"]
    np.testing.assert_allclose(per["other"], [1.0, 3.5])  # (2 + 0) / 2, (2 + 5) / 2
    np.testing.assert_allclose(overall[["yhat", "other"]].to_numpy(), [[1.25, 2.25]])


def test_evaluate_errors():
    with pytest.raises(ValueError, match="metric 'mase' requires train_df"):
        evaluate(CV)
    with pytest.raises(ValueError, match="got metrics=\\['mape'\\]"):
        evaluate(CV, metrics=["mape"])
    with pytest.raises(ValueError, match=r"columns \['fc'\] not found in cv_df"):
        evaluate(CV, metrics=["mae"], models=["fc"])
    with pytest.raises(ValueError, match=r"columns \['ds'\] not found in train_df"):
        evaluate(CV, TRAIN.drop(columns="ds"), metrics=["mase"])
    with pytest.raises(ValueError, match="series 'b' from cv_df not found in train_df"):
        evaluate(CV, TRAIN[TRAIN["unique_id"] == "a"], metrics=["mase"])
    with pytest.raises(ValueError, match="series 'a', model 'yhat', metric 'pinball'"):
        evaluate(CV.drop(columns=["yhat_q0.1", "yhat_q0.9"]), metrics=["pinball"])
    with pytest.raises(ValueError, match="'yhat_lo95' and 'yhat_hi95' not both"):
        evaluate(CV, metrics=["coverage95"])
    bad = CV.assign(yhat=[1.0, 2.0, 3.0, np.nan])
    with pytest.raises(ValueError, match="series 'b', model 'yhat', metric 'mae'"):
        evaluate(bad, metrics=["mae"])
    with pytest.raises(TypeError, match="cv_df must be a DataFrame, got dict"):
        evaluate({"y": [1]})
