"""The parser: help, argument types and choices (argparse's own exit 2)."""

import pytest

from tests.cli.helpers import TRAIN, assert_usage_error, call, run, run_all


def test_help_is_fast_and_works():
    out = run("--help")
    assert out.returncode == 0 and "demo" in out.stdout


BAD_INPUT = {
    "bad --model": (
        ["train", "--model", "transformer", "--horizon", "2", "--data", "{tmp}/good.csv", "--out", "{tmp}/m"],
        ["argument --model: invalid choice: 'transformer'"],
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
