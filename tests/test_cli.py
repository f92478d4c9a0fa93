"""The command line, through subprocess as a batch job would run it."""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from forecaster.cli import main
from forecaster.cli_commands import CLIError

REPO = Path(__file__).resolve().parent.parent


def _command(args):
    """``python -m forecaster *args`` and its environment: the repository's
    package first on the path, as an installed console script would find it."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": path,
    }
    return [sys.executable, "-m", "forecaster", *map(str, args)], env


def run(*args, timeout=600):
    """Run the command line in a fresh process and wait for it."""
    cmd, env = _command(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


class Job:
    """The command line started in the background (the machines running the
    suite have 2 cores: independent CLI runs overlap); ``result()`` waits."""

    def __init__(self, *args):
        cmd, env = _command(args)
        self._out, self._err = (
            tempfile.TemporaryFile("w+"),
            tempfile.TemporaryFile("w+"),
        )
        self.proc = subprocess.Popen(
            cmd, stdout=self._out, stderr=self._err, text=True, env=env
        )
        self.args = cmd

    def result(self, timeout=600) -> subprocess.CompletedProcess:
        rc = self.proc.wait(timeout)
        self._out.seek(0)
        self._err.seek(0)
        return subprocess.CompletedProcess(
            self.args, rc, self._out.read(), self._err.read()
        )

    def stop(self):
        """Kill the process if a failing test left it running."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._out.close()
        self._err.close()


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


# -- bad input: exit 2, one paragraph naming file / column / series / row ---------
def assert_usage_error(out, *fragments):
    """Exit code 2, one ``error:`` line holding every fragment, no traceback."""
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    message = [line for line in out.stderr.splitlines() if "error:" in line]
    assert len(message) == 1, out.stderr
    for fragment in fragments:
        assert fragment in message[0], message[0]


def write_csv(path, nan_at=None):
    """Series 'a' and 'b', 20 days each; 'b' has no value on day ``nan_at``."""
    rows = [f"a,2020-01-{d:02d},{d}" for d in range(1, 21)]
    rows += [f"b,2020-01-{d:02d},{'' if d == nan_at else d}" for d in range(1, 21)]
    path.write_text("unique_id,ds,y\n" + "".join(f"{r}\n" for r in rows))
    return path


TRAIN = ["train", "--model", "gru", "--horizon", "2", "--max-epochs", "1"]
# case: (arguments, fragments of the message); {tmp} is a scratch folder with
# good.csv, nan.csv (series 'b' empty on 2020-01-05, line 26 of the file:
# header on line 1, 'a' on 2-21) and broken_model/ (config.json not JSON).
BAD_INPUT = {
    "missing file": (
        [*TRAIN, "--data", "{tmp}/nope.csv", "--out", "{tmp}/m"],
        ["forecaster train: error: --data '{tmp}/nope.csv': no such file."],
    ),
    "missing column": (
        [*TRAIN, "--data", "{tmp}/good.csv", "--target-col", "sales", "--out", "{tmp}/m"],
        ["--data '{tmp}/good.csv': ", "missing required columns: ['sales']"],
    ),
    "NaN in y": (
        [*TRAIN, "--data", "{tmp}/nan.csv", "--out", "{tmp}/m"],
        [
            "--data '{tmp}/nan.csv' (row numbers are line numbers of the file): ",
            "Column 'y'", "row 26", "series 'b'", "2020-01-05", "--fill-missing",
        ],
    ),
    "bad --model": (
        ["train", "--model", "transformer", "--horizon", "2", "--data", "{tmp}/good.csv", "--out", "{tmp}/m"],
        ["argument --model: invalid choice: 'transformer'"],
    ),
    "corrupted model": (
        ["predict", "--model", "{tmp}/broken_model", "--out", "{tmp}/f.csv"],
        ["Cannot load a forecaster from '{tmp}/broken_model'", "config.json is not valid JSON"],
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def bad_input_runs(tmp_path_factory):
    """Every BAD_INPUT case, run at once; none of them imports TensorFlow."""
    tmp = tmp_path_factory.mktemp("bad")
    write_csv(tmp / "good.csv")
    write_csv(tmp / "nan.csv", nan_at=5)
    broken = tmp / "broken_model"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    (broken / "model.weights.h5").write_bytes(b"")
    (broken / "state.npz").write_bytes(b"")
    jobs = {
        case: Job(*(a.format(tmp=tmp) for a in args))
        for case, (args, _) in BAD_INPUT.items()
    }
    try:
        yield tmp, {case: job.result() for case, job in jobs.items()}
    finally:
        for job in jobs.values():
            job.stop()


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_one_paragraph(bad_input_runs, case):
    tmp, runs = bad_input_runs
    assert_usage_error(runs[case], *(f.format(tmp=tmp) for f in BAD_INPUT[case][1]))
    assert not (tmp / "m").exists()


# -- the same code path in-process (fast): the rest of the usage errors ----------
def call(capsys, *args):
    """``main(args)`` in this process: (exit code, stdout, stderr)."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


@pytest.mark.parametrize(
    "args,fragments",
    [
        (["--data", "nope"], ["'nope': no such file, and not a bundled data set", "air_passengers"]),
        (["--data", "{tmp}/good.csv", "--attention", "luong"], ["--attention only apply to --model seq2seq"]),
        (["--data", "{tmp}/good.csv", "--static-features", "x"], ["--static-features needs --static FILE"]),
        (["--data", "{tmp}/good.csv", "--static", "{tmp}/none.csv"], ["--static '{tmp}/none.csv': no such file."]),
        (["--data", "{tmp}/good.txt"], ["--data '{tmp}/good.txt': unsupported file type"]),
        (["--data", "{tmp}/good.csv", "--quantiles", "a,b"], ["argument --quantiles: expected comma-separated numbers"]),
        (["--data", "{tmp}/empty.csv"], ["--data '{tmp}/empty.csv' could not be read"]),
        (["--data", "{tmp}/dates.csv"], ["--data '{tmp}/dates.csv' (row numbers are line numbers of the file)", "could not be parsed", "row 3"]),
    ],
)  # fmt: skip
def test_train_usage_errors(tmp_path, capsys, args, fragments):
    write_csv(tmp_path / "good.csv")
    (tmp_path / "good.txt").write_text("")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "dates.csv").write_text(
        "unique_id,ds,y\na,2020-01-01,1\na,yesterday,2\n"
    )
    args = [a.format(tmp=tmp_path) for a in args]
    out = call(capsys, *TRAIN, *args, "--out", tmp_path / "m")
    assert_usage_error(out, *(f.format(tmp=tmp_path) for f in fragments))


def test_output_file_types(tmp_path, capsys):
    out = call(capsys, "predict", "--model", tmp_path, "--out", tmp_path / "f.xlsx")
    assert_usage_error(
        out,
        "--out '",
        "f.xlsx': unsupported file type; expected a name ending in .csv, .parquet",
    )
    if any(importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet")):
        return
    out = call(capsys, "predict", "--model", tmp_path, "--out", tmp_path / "f.parquet")
    assert_usage_error(
        out, "f.parquet': parquet files need pyarrow, which is not installed"
    )


def test_train_refuses_to_overwrite_an_unrelated_directory(tmp_path, capsys):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "notes.txt").write_text("keep me")
    out = call(capsys, *TRAIN, "--data", "air_passengers", "--out", tmp_path / "m")
    assert_usage_error(out, "is a non-empty directory that is not a saved model")


def test_debug_raises_instead(tmp_path):
    with pytest.raises(CLIError, match="not a bundled data set"):
        main(["--debug", *TRAIN, "--data", "nope", "--out", str(tmp_path / "m")])
    with pytest.raises(CLIError, match="not a bundled data set"):
        main([*TRAIN, "--data", "nope", "--out", str(tmp_path / "m"), "--debug"])
