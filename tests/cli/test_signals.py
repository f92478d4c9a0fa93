"""Signals as clean stops (forecaster/cli/signals.py); end to end in test_main."""

import os
import signal
import threading
import time

import pytest

import forecaster.cli.signals as signals

pytestmark = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signal handlers are set from the main thread only",
)


def _dropped_sigterm() -> None:
    """A SIGTERM whose interrupt is swallowed, as C code that clears the
    error of the Python call it made would."""
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)  # the handler runs at the next bytecode boundary
    except signals.Interrupted:
        pass
    else:
        pytest.fail("SIGTERM raised no Interrupted")


def test_a_dropped_interrupt_is_raised_again_at_the_next_check():
    with signals.stop_on_signals() as stop:
        signals.check()  # no signal yet: nothing
        _dropped_sigterm()
        assert stop.signum == signal.SIGTERM
        with pytest.raises(signals.Interrupted) as info:
            signals.check()
    assert info.value.signum == signal.SIGTERM


def test_check_leaves_the_cleanup_of_a_propagating_stop_alone():
    with signals.stop_on_signals() as stop:
        stop.signum = signal.SIGINT
        try:
            raise signals.Interrupted(signal.SIGINT)
        except signals.Interrupted:
            signals.check()  # cleanup code: must not raise a second time


def test_outside_the_block_check_does_nothing_and_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    with signals.stop_on_signals():
        assert signal.getsignal(signal.SIGTERM) is not before
        _dropped_sigterm()
    assert signal.getsignal(signal.SIGTERM) is before
    signals.check()
