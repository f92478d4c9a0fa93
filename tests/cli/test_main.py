"""``main``: exit codes, --debug, and clean stops on SIGINT / SIGTERM."""

import signal

import pytest

from forecaster.cli import CLIError, main
from tests.cli.helpers import TRAIN, Job


def test_debug_raises_instead(tmp_path):
    with pytest.raises(CLIError, match="not a bundled data set"):
        main(["--debug", *TRAIN, "--data", "nope", "--out", str(tmp_path / "m")])
    with pytest.raises(CLIError, match="not a bundled data set"):
        main([*TRAIN, "--data", "nope", "--out", str(tmp_path / "m"), "--debug"])


# (signal, exit code, the stderr line after which it is sent): Ctrl-C and
# SIGTERM during training; Ctrl-C right after "training ...", which the
# command prints just before it imports TensorFlow
SIGNALS = {
    "SIGINT while training": ("SIGINT", 130, "Epoch 2/"),
    "SIGTERM while training": ("SIGTERM", 143, "Epoch 2/"),
    "SIGINT while importing TensorFlow": ("SIGINT", 130, "training Recurrent"),
}


@pytest.mark.parametrize("case", list(SIGNALS))
def test_a_signal_stops_cleanly_with_one_line(tmp_path, case):
    name, code, after = SIGNALS[case]
    job = Job(
        "train", "--data", "air_passengers", "--horizon", "3", "--max-epochs",
        "100000", "--patience", "none", "--out", tmp_path / "m",
    )  # fmt: skip
    try:
        assert job.wait_for(after, timeout=45), job.result(timeout=5).stderr
        job.proc.send_signal(getattr(signal, name))
        out = job.result(timeout=30)
    finally:
        job.stop()
    assert out.returncode == code, out.stderr
    assert out.stderr.splitlines()[-1] == "interrupted"
    assert out.stderr.count("interrupted") == 1 and "Traceback" not in out.stderr
    assert out.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no model, no temporary directory
