"""What the commands share at run time: progress lines, and TensorFlow.

Results go to stdout and files; progress (Keras epochs, backtest windows)
to stderr, silenced by ``--quiet``. TensorFlow is imported only by the
commands that need it, through :func:`load_tensorflow`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator

__all__ = ["say", "progress_to_stderr", "load_tensorflow"]


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
    """Import TensorFlow and find its devices now; with --quiet (and no
    --debug), without the native log lines they write straight to file
    descriptor 2 (CUDA probing, CPU features)."""
    if "tensorflow" in sys.modules or not args.quiet or getattr(args, "debug", False):
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
