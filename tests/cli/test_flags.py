"""Argument types of the CLI (forecaster/cli/flags.py)."""

import argparse

import pytest

from forecaster.cli.flags import names, numbers


def test_comma_lists():
    assert names("a, b") == ["a", "b"]
    assert numbers("80,95") == [80.0, 95.0]
    with pytest.raises(argparse.ArgumentTypeError, match="comma-separated numbers"):
        numbers("80,x")
