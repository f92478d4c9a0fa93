"""Per-array baseline forecasts (forecaster/baselines/methods.py)."""

import numpy as np

from forecaster.baselines.methods import (
    drift_forecast,
    naive_forecast,
    seasonal_naive_forecast,
)


def test_known_answers():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(naive_forecast(y, 2), [4.0, 4.0])
    np.testing.assert_array_equal(seasonal_naive_forecast(y, 3, 2), [3.0, 4.0, 3.0])
    np.testing.assert_array_equal(drift_forecast([1.0, 3.0, 5.0], 2), [7.0, 9.0])
