"""Clean stops: SIGINT (Ctrl-C) and SIGTERM end a command with one line.

Within :func:`stop_on_signals` the first of them raises :class:`Interrupted`
(a ``KeyboardInterrupt``, so ``except Exception`` in library code lets it
through) wherever the run is; every ``finally`` on the way out cleans up
(atomic saves, the temporary output files), undisturbed by a second signal.
:func:`forecaster.cli.main` then prints ``interrupted`` and returns
``128 + signal`` (130, 143), whatever the interrupt turned into on its way
out (TensorFlow may raise its own error from a context it interrupted).

An interrupt can also vanish: the handler runs in whatever Python frame is
current, and C code that calls Python and clears the error it gets back
(a dict lookup's ``__eq__``, a callback from a native library) drops it.
:func:`check`, called where the work reaches a boundary (each progress
line, before each output is committed), raises it again there.
"""

from __future__ import annotations

import _thread
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

__all__ = ["Interrupted", "Stop", "check", "stop_on_signals"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_ACTIVE: list[Stop] = []  # the innermost stop_on_signals block's Stop last


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; ``signum`` says which."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class Stop:
    """What :func:`stop_on_signals` saw: ``signum``, the first signal's
    number, or None."""

    def __init__(self):
        self.signum: int | None = None
        self._lost = False  # raised where it could not propagate

    def on_signal(self, signum: int, frame) -> None:
        if self.signum is not None and not self._lost:
            return  # already stopping: let the cleanup finish
        self.signum = self.signum or signum
        self._lost = False
        raise Interrupted(self.signum)

    def on_unraisable(self, unraisable, previous) -> None:
        """An interrupt raised inside a ``__del__`` or a callback is dropped
        by Python: deliver it again, where it can stop the run."""
        if isinstance(unraisable.exc_value, Interrupted):
            self._lost = True
            _thread.interrupt_main(self.signum)
        else:
            previous(unraisable)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[Stop]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted`; the
    previous handlers come back after."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signal handlers can only be set from the main thread
        return
    previous = {s: signal.signal(s, stop.on_signal) for s in _SIGNALS}
    hook = sys.unraisablehook
    sys.unraisablehook = lambda u: stop.on_unraisable(u, hook)
    _ACTIVE.append(stop)
    try:
        yield stop
    finally:
        _ACTIVE.remove(stop)
        sys.unraisablehook = hook
        for s, handler in previous.items():
            signal.signal(s, handler)


def check() -> None:
    """Raise :class:`Interrupted` if a signal arrived and the work goes on
    regardless: its interrupt was dropped on the way.

    Outside a :func:`stop_on_signals` block, before any signal, and while an
    exception is being handled (the cleanup of a stop that did propagate),
    it does nothing.
    """
    if _ACTIVE and _ACTIVE[-1].signum is not None and sys.exc_info()[1] is None:
        raise Interrupted(_ACTIVE[-1].signum)
