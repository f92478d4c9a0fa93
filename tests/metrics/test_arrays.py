"""Array metrics with hand-computed answers (forecaster/metrics/arrays.py)."""

import numpy as np

from forecaster.metrics.arrays import mae, mase, rmse


def test_point_metrics_known_answers():
    y, f = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 5.0])
    assert mae(y, f) == 1.0
    assert np.isclose(rmse(y, f), np.sqrt(5 / 3))
    # scale: mean |diff| of the history (season 1) = 1
    assert mase(y, f, np.array([0.0, 1.0, 2.0]), 1) == 1.0
