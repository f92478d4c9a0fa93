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


def test_budget_ensemble_and_baseline_flags_reach_the_estimator():
    from forecaster.cli.estimator import make_estimator
    from forecaster.cli.parser import build_parser

    args = build_parser().parse_args(
        ["train", "--data", "d.csv", "--out", "m", "--horizon", "3",
         "--max-steps", "50", "--ensemble-size", "3", "--baseline", "naive"]
    )  # fmt: skip
    params = make_estimator(args).get_params()
    assert (params["max_steps"], params["ensemble_size"]) == (50, 3)
    assert params["baseline"] == "naive"
