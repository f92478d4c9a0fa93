"""``forecaster datasets``: list the bundled data sets."""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    """Register the command on the sub-parsers ``sub``."""
    p = sub.add_parser("datasets", help="list the bundled data sets")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print one data set name per line."""
    from forecaster import datasets

    for name in datasets.names():
        print(name)
    return 0
