"""Signals as clean stops (forecaster/cli/signals.py); end to end in test_main."""

import forecaster.cli.signals as signals


def test_module_names_its_stop():
    assert hasattr(signals, "stop_on_signals") and hasattr(signals, "Interrupted")
