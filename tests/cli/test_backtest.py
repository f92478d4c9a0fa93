"""``forecaster backtest`` (run beside the model of conftest.py)."""

import numpy as np
import pandas as pd

from forecaster import datasets
from forecaster.cli import main
from tests.cli.helpers import assert_no_tensorflow_lines, assert_usage_error, call


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
    assert_no_tensorflow_lines(out.stderr)  # nor retracing advice


def test_backtest_beside_baselines_in_process(tmp_path, capsys):
    code = main([
        "backtest", "--data", "air_passengers", "--cell", "gru", "--horizon", "6",
        "--lookback", "12", "--hidden-units", "4", "--max-epochs", "1",
        "--n-windows", "2", "--baselines", "snaive,naive", "--out",
        str(tmp_path / "cv.csv"), "--quiet",
    ])  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0] == (
        "gru, snaive, naive backtest, 1 series x 2 windows x 6 steps (MASE season 12):"
    )
    assert out[1].split() == ["metric", "gru", "snaive", "naive"]
    cv = pd.read_csv(tmp_path / "cv.csv", parse_dates=["ds", "cutoff"])
    assert cv.columns.tolist() == [
        "unique_id",
        "ds",
        "cutoff",
        "y",
        "gru",
        "snaive",
        "naive",
    ]
    # seasonal naive: the value 12 months before; naive: the value at the cutoff
    air = datasets.load("air_passengers").set_index("ds")["y"]
    year_before = cv["ds"] - pd.DateOffset(months=12)
    np.testing.assert_allclose(cv["snaive"], air.loc[year_before].to_numpy())
    np.testing.assert_allclose(cv["naive"], air.loc[cv["cutoff"]].to_numpy())


def test_unknown_baseline(tmp_path, capsys):
    out = call(
        capsys, "backtest", "--data", "air_passengers", "--horizon", "6",
        "--baselines", "arima", "--out", tmp_path / "cv.csv",
    )  # fmt: skip
    assert_usage_error(out, "--baselines: no baseline ['arima']; choose from naive")


def test_a_baseline_without_intervals_and_level(tmp_path, capsys):
    out = call(
        capsys, "backtest", "--data", "air_passengers", "--horizon", "6",
        "--baselines", "theta,naive", "--level", "80", "--out", tmp_path / "cv.csv",
    )  # fmt: skip
    assert_usage_error(out, "--baselines theta give no prediction intervals")
