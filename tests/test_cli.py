"""The command line, through subprocess as a batch job would run it."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest


def run(*args, timeout=600):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "forecaster", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_datasets_command_lists_names():
    out = run("datasets")
    assert out.returncode == 0
    assert "air_passengers" in out.stdout.split()


def test_help_is_fast_and_works():
    out = run("--help")
    assert out.returncode == 0 and "demo" in out.stdout


def test_demo_writes_forecasts_metrics_and_plot(tmp_path):
    out = run(
        "demo",
        "--data",
        "elnino",
        "--out",
        str(tmp_path),
        "--max-epochs",
        "3",
        "--quiet",
    )
    assert out.returncode == 0, out.stderr[-3000:]
    fc = pd.read_csv(tmp_path / "forecasts.csv")
    assert {"unique_id", "ds", "yhat", "y", "seasonal_naive"} <= set(fc.columns)
    assert len(fc) == 12
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["horizon"] == 12 and metrics["mase"] > 0
    assert (tmp_path / "forecast.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "args,msg",
    [
        (["demo", "--data", "nope"], "Unknown data set 'nope'"),
        (["demo", "--cell", "transformer", "--max-epochs", "1"], "argument `cell`"),
    ],
)
def test_bad_usage_exit_2_without_traceback(tmp_path, args, msg):
    out = run(*args, "--out", str(tmp_path))
    assert out.returncode == 2
    assert msg in out.stderr
    assert "Traceback" not in out.stderr
