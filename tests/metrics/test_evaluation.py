"""The one evaluation function (forecaster/metrics/evaluation.py)."""

import pandas as pd

from forecaster.metrics.evaluation import evaluate


def test_evaluate_scores_every_model_column():
    cv = pd.DataFrame(
        {
            "unique_id": "a",
            "ds": pd.date_range("2020-01-04", periods=2, freq="D"),
            "cutoff": pd.Timestamp("2020-01-03"),
            "y": [4.0, 5.0],
            "m1": [4.0, 6.0],
            "m2": [3.0, 5.0],
        }
    )
    per_series, overall = evaluate(cv, metrics=["mae"])
    assert overall.columns.tolist() == ["metric", "m1", "m2"]
    assert overall.loc[0, "m1"] == 0.5 and overall.loc[0, "m2"] == 0.5
    assert per_series["unique_id"].tolist() == ["a"]
