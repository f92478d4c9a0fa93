"""``forecaster demo``."""

import json

import pandas as pd
import pytest

from tests.cli.helpers import run


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
    assert json.loads(out.stdout) == metrics  # stdout is the JSON alone
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
