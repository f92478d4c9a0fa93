import numpy as np
from scipy import stats

from forecaster.models.predictive import (
    denormalize_numpy,
    distribution_quantiles,
    point_forecast,
    quantile_columns,
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
