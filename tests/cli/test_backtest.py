"""``forecaster backtest`` (run beside the model of conftest.py)."""

import pandas as pd


def test_backtest_prints_metrics_and_writes_the_cv_frame(jobs, work):
    out = jobs("backtest")
    assert out.returncode == 0, out.stderr[-3000:]
    table = out.stdout.splitlines()
    assert table[0] == "gru backtest, 1 series x 2 windows x 12 steps (MASE season 12):"
    assert [line.split()[0] for line in table[1:]] == [
        "metric",
        "mae",
        "rmse",
        "smape",
        "mase",
        "coverage80",
    ]
    # progress: Keras epochs and a line per window, on stderr
    assert "Epoch 2/2" in out.stderr
    assert "window 1/2" in out.stderr and "window 2/2" in out.stderr
    cv = pd.read_csv(work / "cv.csv")
    assert {"unique_id", "ds", "cutoff", "y", "yhat", "yhat_lo80", "yhat_hi80"} <= set(
        cv.columns
    )
    assert len(cv) == 24 and cv["cutoff"].nunique() == 2
    assert (work / "cv.png").stat().st_size > 10_000
