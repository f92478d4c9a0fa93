import pytest

from forecaster.models.spec import LOSSES, check_loss, check_quantiles, head_size


def test_head_sizes():
    assert [head_size(loss, (0.1, 0.9)) for loss in LOSSES] == [1, 1, 1, 2, 2, 3]


def test_checks():
    assert check_loss("normal") == "normal"
    with pytest.raises(ValueError, match="argument `loss`"):
        check_loss("poisson")
    with pytest.raises(ValueError, match="argument `quantiles`"):
        check_quantiles((0.5, 0.1))
