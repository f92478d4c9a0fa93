"""The functional baselines, run on the estimators (baselines/functional.py)."""

import numpy as np

from forecaster.baselines.functional import drift, naive
from tests.conftest import make_frame


def test_functional_baselines_known_answers():
    df = make_frame({"a": np.array([1.0, 3.0, 5.0])}, freq="D")
    assert naive(df, 2)["yhat"].tolist() == [5.0, 5.0]
    assert drift(df, 2)["yhat"].tolist() == [7.0, 9.0]
