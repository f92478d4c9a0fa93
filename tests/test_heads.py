import keras
import numpy as np
import pytest

from forecaster.models.heads import POINT_LOSSES, point_head, point_loss


def test_point_head_shape():
    x = keras.Input((7,))
    m = keras.Model(x, point_head(x, 5))
    assert m.output_shape == (None, 5)


@pytest.mark.parametrize("name", POINT_LOSSES)
def test_losses_are_zero_at_truth(name):
    y = np.arange(6, dtype="float32").reshape(2, 3)
    assert float(point_loss(name)(y, y)) == 0.0
    assert float(point_loss(name)(y, y + 1)) > 0


def test_unknown_loss():
    with pytest.raises(ValueError, match="argument `loss`, expected one of"):
        point_loss("logcosh")
