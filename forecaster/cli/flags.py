"""Argument types and the flag groups several commands share.

Choice lists come from where the package defines them
(:mod:`forecaster.models.spec`, :mod:`forecaster.data.scaling`,
:mod:`forecaster.data.missing`), never copied; all of those are free of
TensorFlow, so building the parser stays fast.
"""

from __future__ import annotations

import argparse

__all__ = ["names", "numbers", "val_size", "patience", "runtime_flags",
           "column_flags", "data_flag"]  # fmt: skip


def names(text: str) -> list[str]:
    """``"a,b"`` -> ``["a", "b"]``."""
    out = [s.strip() for s in text.split(",") if s.strip()]
    if not out:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated names, got {text!r}"
        )
    return out


def numbers(text: str) -> list[float]:
    """``"80,95"`` -> ``[80.0, 95.0]``."""
    try:
        return [float(s) for s in names(text)]
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers such as 80,95, got {text!r}"
        ) from None


def val_size(text: str) -> int | float:
    """Steps (``"12"``) or a fraction (``"0.1"``)."""
    try:
        return int(text) if text.strip().isdigit() else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of steps or a fraction, got {text!r}"
        ) from None


def patience(text: str) -> int | None:
    """Epochs, or ``none`` to turn early stopping off."""
    if text.strip().lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of epochs or 'none', got {text!r}"
        ) from None


def runtime_flags(p: argparse.ArgumentParser) -> None:
    """``--quiet`` and ``--debug`` (also accepted after the command)."""
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks on errors",
    )


def column_flags(p: argparse.ArgumentParser, default: bool) -> None:
    """``--id-col``, ``--time-col``, ``--target-col``; without ``default``
    they fall back to the saved model's names."""
    g = p.add_argument_group("column names")
    for flag, name in (
        ("--id-col", "unique_id"),
        ("--time-col", "ds"),
        ("--target-col", "y"),
    ):
        g.add_argument(
            flag,
            metavar="NAME",
            default=name if default else None,
            help=f"default {name!r}" if default else "default: the model's",
        )


def data_flag(p: argparse.ArgumentParser) -> None:
    """The required ``--data`` of train and backtest."""
    p.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="CSV/parquet file or data set name",
    )
