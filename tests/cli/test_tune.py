"""``forecaster tune``: usage errors (exit 2, one line) and two worker
processes sharing one SQLite study (issue 17, items 5 and 6)."""

import argparse
import json
import sys

import numpy as np
import pytest

import forecaster
from forecaster.cli.tune import param
from tests.cli.helpers import Job, assert_usage_error, call
from tests.conftest import make_frame

optuna = pytest.importorskip("optuna")

# tiny trials: one epoch of a 4-unit network, one validation window
TINY = ["--horizon", "3", "--cv-windows", "1", "--param", "max_epochs=1",
        "--param", "hidden_units=4", "--param", "val_size=0",
        "--param", "early_stopping_patience=None", "--param", "ensemble_size=1"]  # fmt: skip


@pytest.fixture
def data(tmp_path):
    t = np.arange(40)
    df = make_frame({"a": np.sin(t / 3.0), "b": 5 + 2 * np.cos(t / 4.0)}, freq="D")
    df.to_csv(tmp_path / "d.csv", index=False)
    return tmp_path / "d.csv"


def test_param_parses_literals_and_names():
    assert param("max_epochs=30") == ("max_epochs", 30)
    assert param("early_stopping_patience=None") == ("early_stopping_patience", None)
    assert param("cell=gru") == ("cell", "gru")
    assert param("past_covariates=['x', 'z']") == ("past_covariates", ["x", "z"])
    with pytest.raises(argparse.ArgumentTypeError, match="NAME=VALUE"):
        param("max_epochs")


@pytest.mark.parametrize(
    "args, fragments",
    [
        (
            ["--storage", "nodb://x", "--study", "s"],
            ["--storage", "cannot open 'nodb://x'"],
        ),
        (
            ["--storage", "sqlite:////no/such/dir/s.db", "--study", "s"],
            ["unable to open"],
        ),
        (["--storage", "sqlite:///{tmp}/s.db"], ["--storage needs --study NAME"]),
        (["--param", "nope=1"], ["no estimator has a parameter ['nope']", "--param"]),
        (["--n-trials", "0"], ["argument `n_trials`", "(option --n-trials)"]),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, data, args, fragments):
    args = [a.format(tmp=data.parent) for a in args]
    out = call(capsys, "tune", "--data", data, *TINY, *args)
    assert_usage_error(out, *fragments)
    assert out.stdout == ""


@pytest.mark.filterwarnings("default::UserWarning")  # shown, as outside pytest
def test_data_too_short_to_score_fits_the_defaults(capsys, data, tmp_path):
    out = call(capsys, "tune", "--data", data, *TINY, "--cv-windows", "20",
               "--out", tmp_path / "m")  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert "warning: Series 'a', the longest, has 40 points" in out.stderr
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["best_trial"] is None and summary["score"] is None
    assert summary["params"] == {"family": "recurrent"} and summary["n_trials"] == 0
    assert forecaster.load(tmp_path / "m").predict().shape == (2 * 3, 3)


def test_argparse_errors_exit_2(capsys, data):
    assert call(capsys, "tune", "--data", data).returncode == 2  # no --horizon
    out = call(capsys, "tune", "--data", data, *TINY, "--param", "oops")
    assert out.returncode == 2 and "NAME=VALUE" in out.stderr
    out = call(capsys, "tune", "--data", data, *TINY, "--family", "tcn")
    assert out.returncode == 2 and "invalid choice" in out.stderr


def test_missing_optuna_names_the_extra(capsys, data, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    out = call(capsys, "tune", "--data", data, *TINY)
    assert_usage_error(out, "pip install 'forecaster[tune]'")


def test_two_workers_share_one_sqlite_study(tmp_path, data):
    storage = f"sqlite:///{tmp_path}/study.db"
    shared = ["tune", "--data", data, *TINY, "--n-trials", "2", "--timeout", "40",
              "--storage", storage, "--study", "s"]  # fmt: skip
    workers = [
        Job(*shared, "--random-state", str(i), "--out", tmp_path / f"best{i}")
        for i in range(2)
    ]
    try:
        results = [w.result(timeout=60) for w in workers]
    finally:
        for w in workers:
            w.stop()
    for r in results:
        assert r.returncode == 0, r.stderr[-3000:]
    study = optuna.load_study(study_name="s", storage=storage)
    pids = {t.user_attrs["worker"].rsplit(":", 1)[1] for t in study.trials}
    assert pids == {str(w.proc.pid) for w in workers}
    assert len(study.trials) == 4
    summaries = [json.loads(r.stdout.strip().splitlines()[-1]) for r in results]
    assert {s["worker_trials"] for s in summaries} == {2}
    assert all(s["study"] == "s" and s["metric"] == "mase" for s in summaries)
    assert "Trial" in results[0].stderr  # progress on stderr
    fc = forecaster.load(tmp_path / "best0").predict()
    assert fc.shape == (2 * 3, 3) and np.isfinite(fc["yhat"]).all()
