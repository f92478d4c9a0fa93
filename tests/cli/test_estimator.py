"""The estimator's flags: what they may be combined with."""

import pytest

from tests.cli.helpers import TRAIN, assert_usage_error, call, usage_files


@pytest.mark.parametrize(
    "args,fragments",
    [
        (["--data", "{tmp}/good.csv", "--attention", "luong"], ["--attention only apply to --family seq2seq"]),
        (["--data", "{tmp}/good.csv", "--static-features", "x"], ["--static-features needs --static FILE"]),
    ],
)  # fmt: skip
def test_train_usage_errors(tmp_path, capsys, args, fragments):
    usage_files(tmp_path)
    args = [a.format(tmp=tmp_path) for a in args]
    out = call(capsys, *TRAIN, *args, "--out", tmp_path / "m")
    assert_usage_error(out, *(f.format(tmp=tmp_path) for f in fragments))
