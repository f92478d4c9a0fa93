"""The argument parser: the program's flags, and one sub-command per module.

Each command module (:mod:`~forecaster.cli.train`, ...) adds its own
sub-parser with ``add_parser(sub)`` and sets ``run`` to its entry point.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import argparse

from forecaster._version import __version__
from forecaster.cli import backtest, datasets, demo, export, predict, train, tune

__all__ = ["build_parser"]

# in the order ``forecaster --help`` lists them
COMMANDS = (datasets, train, predict, backtest, export, tune, demo)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (one sub-command per job)."""
    p = argparse.ArgumentParser(
        prog="forecaster",
        description="Recurrent-network forecasting: train, forecast, backtest, "
        "export. Data files are long frames (series id, timestamp, value) in CSV "
        "or parquet; --data also takes a bundled data set name.",
        epilog="Backends: TensorFlow by default (GPUs, tf.distribute, export). "
        "KERAS_BACKEND=jax forecaster train ... trains on JAX (pip install "
        "'forecaster[jax]'): on a CPU it is as fast at short lookbacks and "
        "faster at long ones (benchmarks/cpu_step.py). Export a model trained "
        "there with `forecaster export` run without KERAS_BACKEND (TensorFlow).",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    p.add_argument("--version", action="version", version=f"forecaster {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return p
