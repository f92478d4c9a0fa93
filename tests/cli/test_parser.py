"""The parser: help, argument types and choices (argparse's own exit 2)."""

import subprocess
import time

import pytest

import forecaster
from tests.cli.helpers import (
    TRAIN,
    assert_no_tensorflow_lines,
    assert_usage_error,
    call,
    command,
    run,
    run_all,
)


def test_help_is_fast_and_works():
    start = time.perf_counter()
    out = run("--help")
    took = time.perf_counter() - start
    assert out.returncode == 0 and "demo" in out.stdout
    assert "--version" in out.stdout
    assert "KERAS_BACKEND=jax" in out.stdout  # when to train on JAX
    assert out.stderr == ""
    # the budget is 1 s on an idle machine; the suite's 2 busy cores get more
    assert took < 10, took


def test_help_never_imports_tensorflow():
    cmd, env = command(["--help"])
    cmd[1:1] = ["-X", "importtime"]  # python -X importtime -m forecaster --help
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0
    imported = [line.split("|")[-1].strip() for line in out.stderr.splitlines()]
    assert "forecaster.cli.parser" in imported
    assert not {"tensorflow", "keras"} & set(imported)
    assert_no_tensorflow_lines(out.stdout)


def test_version():
    out = run("--version")
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout == f"forecaster {forecaster.__version__}\n"


BAD_INPUT = {
    "bad --cell": (
        ["train", "--cell", "transformer", "--horizon", "2", "--data", "{tmp}/good.csv", "--out", "{tmp}/m"],
        ["argument --cell: invalid choice: 'transformer'"],
    ),
    "--model for the network": (
        ["train", "--model", "lstm", "--horizon", "2", "--data", "{tmp}/good.csv", "--out", "{tmp}/m"],
        ["--model names a saved model directory (predict, export)", "--family recurrent|seq2seq", "--cell lstm|gru"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_one_paragraph(tmp_path, case):
    runs = run_all({case: BAD_INPUT[case]}, tmp_path)
    fragments = BAD_INPUT[case][1]
    assert_usage_error(runs[case], *(f.format(tmp=tmp_path) for f in fragments))
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    "args,fragments",
    [
        (["--data", "{tmp}/good.csv", "--quantiles", "a,b"], ["argument --quantiles: expected comma-separated numbers"]),
    ],
)  # fmt: skip
def test_train_usage_errors(tmp_path, capsys, args, fragments):
    args = [a.format(tmp=tmp_path) for a in args]
    out = call(capsys, *TRAIN, *args, "--out", tmp_path / "m")
    assert_usage_error(out, *(f.format(tmp=tmp_path) for f in fragments))
