"""Progress on stderr, results on stdout (forecaster/cli/runtime.py)."""

import argparse

from forecaster.cli.runtime import progress_to_stderr, say


def test_progress_goes_to_stderr(capsys):
    say(argparse.Namespace(quiet=False), "working")
    say(argparse.Namespace(quiet=True), "hidden")
    with progress_to_stderr():
        print("epoch 1")
    out, err = capsys.readouterr()
    assert out == "" and err == "working\nepoch 1\n"
