"""What the commands share at run time: progress lines, and TensorFlow.

Results go to stdout and files; progress (Keras epochs, backtest windows)
to stderr, silenced by ``--quiet``. TensorFlow is imported only by the
commands that need it, through :func:`load_tensorflow`, which keeps its
start-up lines off the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator

from forecaster.cli import signals

__all__ = ["say", "progress_to_stderr", "load_tensorflow"]


def say(args: argparse.Namespace, message: str) -> None:
    """A progress line on stderr (stdout holds results), unless --quiet."""
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


class _Progress:
    """``stream`` (stderr) for progress lines, each write a boundary where a
    signal whose interrupt was dropped stops the run (:func:`signals.check`)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        signals.check()
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)  # flush, isatty, encoding, ...


@contextlib.contextmanager
def progress_to_stderr() -> Iterator[None]:
    """Keras' and cross_validation's progress lines go to stderr."""
    sys.stdout.flush()
    with contextlib.redirect_stdout(_Progress(sys.stderr)):
        yield


def load_tensorflow(args: argparse.Namespace) -> None:
    """Import TensorFlow and find its devices now, without their start-up lines.

    ``TF_CPP_MIN_LOG_LEVEL=2`` (unless the environment sets it) silences the
    native INFO and WARNING lines; those that TensorFlow (2.21) writes through
    Abseil before the level applies, and the device probing's errors on a
    machine without a GPU (``cuInit``, the cudart stub), go to file
    descriptor 2 directly: it points at ``/dev/null`` meanwhile. With
    ``--debug`` everything shows.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules:
        return
    if getattr(args, "debug", False):
        import tensorflow  # noqa: F401

        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401
        import tensorflow as tf

        tf.config.list_physical_devices()  # device start-up logs too
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
