import numpy as np
from scipy import stats

from forecaster.models.predictive import (
    denormalize_numpy,
    distribution_quantiles,
    point_forecast,
    quantile_columns,
    sample_columns,
)


def test_quantiles_and_point_forecast():
    params = np.array([[[1.0, 2.0]]])
    q = distribution_quantiles(params, "normal", [0.1, 0.9])
    np.testing.assert_allclose(q[0, 0], stats.norm.ppf([0.1, 0.9], 1.0, 2.0))
    assert point_forecast(params, "normal")[0, 0] == 1.0
    assert quantile_columns([0.1, 0.5]) == ["yhat_q0.1", "yhat_q0.5"]


def test_denormalize_distribution_scales_but_keeps_df():
    out = denormalize_numpy(
        np.array([[[1.0, 2.0, 5.0]]]),
        np.array([[10.0]]),
        np.array([[3.0]]),
        "student_t",
    )
    np.testing.assert_allclose(out[0, 0], [13.0, 6.0, 5.0])


def test_sample_columns_are_empirical_quantiles_in_predict_order():
    samples = np.arange(101.0)[None, None, :] * np.array([1.0, 2.0])[None, :, None]
    cols = sample_columns(samples, (0.1, 0.5), [80])  # (1, 2, 101) paths
    assert list(cols) == ["yhat_q0.1", "yhat_q0.5", "yhat_lo80", "yhat_hi80"]
    np.testing.assert_allclose(cols["yhat_q0.5"], [50.0, 100.0])
    np.testing.assert_allclose(cols["yhat_lo80"], cols["yhat_q0.1"])
    np.testing.assert_allclose(cols["yhat_hi80"], [90.0, 180.0])
