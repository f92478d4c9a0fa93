"""The ``forecaster`` command line, for batch jobs and schedulers.

Commands: ``datasets``, ``train``, ``predict``, ``backtest``, ``export`` and
the one-command ``demo``, one module each; :mod:`~forecaster.cli.parser`
builds the parser from them, :mod:`~forecaster.cli.io` reads and writes the
files.

Exit codes: 0 on success, 2 on bad usage or bad data: a one-paragraph
message naming the file, column, series and row at fault, and no traceback
unless ``--debug``; 130 on Ctrl-C (SIGINT) and 143 on SIGTERM, with the one
line ``interrupted`` and no partial output. Progress (Keras epochs, backtest
windows) goes to stderr and ``--quiet`` silences it; results go to stdout and
files. TensorFlow is only imported by the commands that need it, so
``forecaster --help`` and errors in the input data stay fast.
"""

from __future__ import annotations

import os
import sys
import warnings

from forecaster.cli.errors import CLIError, one_paragraph
from forecaster.cli.parser import build_parser
from forecaster.cli.signals import stop_on_signals

__all__ = ["main", "build_parser", "CLIError"]

# Bad usage or bad data: the package's ValueError / TypeError / ArtifactError
# name the column, series and row; an unreadable or unwritable path is an
# OSError; a NaN loss a FloatingPointError; an export the model cannot make a
# NotImplementedError. Anything else is a bug and keeps its traceback.
_USER_ERRORS = (ValueError, TypeError, OSError, FloatingPointError, NotImplementedError)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on bad usage or bad data (argparse's own usage
        errors exit 2 through ``SystemExit``), 128 + the signal's number when
        interrupted (130 for SIGINT, 143 for SIGTERM).
    """
    with stop_on_signals() as stop:
        try:
            args = build_parser().parse_args(argv)
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            return _run(args, stop)
        except BaseException:
            if stop.signum is None:
                raise
        # a clean stop, even with --debug: what was being written is removed
        print("interrupted", file=sys.stderr, flush=True)
        return 128 + int(stop.signum)


def _run(args, stop) -> int:
    """The command, its warnings on one line each and its user errors as one
    paragraph (exit 2)."""
    prog = f"forecaster {args.command}"

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{prog}: warning: {one_paragraph(message)}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        try:
            return args.run(args)
        except _USER_ERRORS as exc:
            if args.debug or stop.signum is not None:  # main reports a stop
                raise
            print(f"{prog}: error: {one_paragraph(exc)}", file=sys.stderr)
            return 2
