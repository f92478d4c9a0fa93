"""Baseline estimators with the networks' facade (forecaster/baselines/estimators.py)."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from forecaster.baselines.estimators import Naive, SeasonalNaive
from tests.conftest import make_frame


def test_fit_predict_and_not_fitted():
    df = make_frame({"a": np.arange(8.0)}, freq="D")
    with pytest.raises(NotFittedError):
        Naive(horizon=2).predict()
    out = Naive(horizon=2).fit(df).predict()
    assert out["yhat"].tolist() == [7.0, 7.0]
    assert SeasonalNaive(season_length=4, horizon=2).fit(df).predict()[
        "yhat"
    ].tolist() == [4.0, 5.0]
