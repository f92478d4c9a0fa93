"""The search's Optuna-free parts (forecaster/estimators/search.py)."""

import pytest

from forecaster.estimators.search import plain_params, worker_id


def test_plain_params_and_worker():
    assert plain_params({"quantiles": [0.1, 0.9]}, "x") == {"quantiles": (0.1, 0.9)}
    with pytest.raises(TypeError, match="argument `x`"):
        plain_params([1], "x")
    assert ":" in worker_id()
