import numpy as np
from scipy import stats

from forecaster.models.losses import NormalNLL, PinballLoss, make_loss


def test_pinball_by_hand():
    y = np.array([[1.0]], "float32")
    q = np.array([[[0.0, 2.0]]], "float32")  # levels 0.1, 0.9
    # 0.1 * (1 - 0) = 0.1 ; (0.9 - 1) * (1 - 2) = 0.1 -> mean 0.1
    assert abs(float(PinballLoss((0.1, 0.9))(y, q)) - 0.1) < 1e-6


def test_normal_nll_matches_scipy():
    y = np.array([[0.5, -1.0]], "float32")
    params = np.array([[[0.0, 2.0], [1.0, 0.5]]], "float32")
    expected = -stats.norm.logpdf(y[0], params[0, :, 0], params[0, :, 1]).mean()
    assert abs(float(NormalNLL()(y, params)) - expected) < 1e-5


def test_make_loss_dispatch():
    assert type(make_loss("quantile", (0.5,))).__name__ == "PinballLoss"
    assert type(make_loss("mse")).__name__ == "MeanSquaredError"
