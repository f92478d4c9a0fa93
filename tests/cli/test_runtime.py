"""Progress on stderr, results on stdout (forecaster/cli/runtime.py)."""

import argparse
import signal

import pytest

from forecaster.cli.runtime import progress_to_stderr, say
from forecaster.cli.signals import Interrupted, stop_on_signals


def test_progress_goes_to_stderr(capsys):
    say(argparse.Namespace(quiet=False), "working")
    say(argparse.Namespace(quiet=True), "hidden")
    with progress_to_stderr():
        print("epoch 1")
    out, err = capsys.readouterr()
    assert out == "" and err == "working\nepoch 1\n"


def test_a_progress_line_after_a_dropped_interrupt_stops_the_run(capsys):
    with stop_on_signals() as stop, progress_to_stderr():
        print("epoch 1")
        stop.signum = signal.SIGTERM  # what a signal whose interrupt vanished leaves
        with pytest.raises(Interrupted):
            print("epoch 2")
    assert capsys.readouterr().err == "epoch 1\n"
