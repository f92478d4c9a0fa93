"""What the commands share at run time: progress, TensorFlow and signals.

Results go to stdout and files; progress (Keras epochs, backtest windows)
to stderr, silenced by ``--quiet``. TensorFlow is imported only by the
commands that need it, through :func:`load_tensorflow`, which keeps its
start-up lines off the terminal. SIGINT and SIGTERM raise
:class:`Interrupted` wherever the run is (the files being written are
removed on the way out), which :func:`forecaster.cli.main` turns into one
line and the exit code ``128 + signal``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator

__all__ = ["say", "progress_to_stderr", "load_tensorflow", "Interrupted",
           "stop_on_signals"]  # fmt: skip


class Interrupted(KeyboardInterrupt):
    """SIGINT (Ctrl-C) or SIGTERM arrived; ``signum`` says which."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum, frame):
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted`.

    A KeyboardInterrupt, not an error: ``except Exception`` in library code
    lets it through, and every ``finally`` on the way (atomic saves, the
    temporary output files) cleans up. The previous handlers come back after.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, _raise_interrupted) for s in stops}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def say(args: argparse.Namespace, message: str) -> None:
    """A progress line on stderr (stdout holds results), unless --quiet."""
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def progress_to_stderr() -> Iterator[None]:
    """Keras' and cross_validation's progress lines go to stderr."""
    sys.stdout.flush()
    with contextlib.redirect_stdout(sys.stderr):
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
    logging.getLogger("tensorflow").addFilter(_no_retracing)


def _no_retracing(record: logging.LogRecord) -> bool:
    """Drop tf.function's "triggered tf.function retracing" advice: a backtest
    predicts histories of new lengths by design."""
    return "retracing" not in record.getMessage()
