"""Release what TensorFlow's gradient registry keeps of each traced fit.

Keras's TensorFlow optimizer sums gradients through
``tf.distribute.get_replica_context().all_reduce`` even without a
strategy, and in a traced train step that call is a ``tf.custom_gradient``.
In graph mode TensorFlow registers each custom gradient under a new name
(``CustomGradient-<n>``) in its process-wide gradient registry and never
removes it; the registered closure holds the step's tensors, so the whole
train graph of every fit stays in memory after its model is gone
(tensorflow/tensorflow#97697; ``keras.backend.clear_session()`` does not
release it, keras-team/tf-keras#898). Measured here with TensorFlow 2.21
and Keras 3.15: 20-25 MB per default ``RecurrentForecaster`` fit on
air_passengers, ``clear_session`` or not; an AutoForecaster search of 20
trials (two cutoffs each) kept about 1.4 GB, and 16 searches in one
process reached 23 GB. ``benchmarks/repeated_fits.py`` measures both ways.

A registration is only read while the step that made it is being traced
(``tape.gradient`` runs at trace time), so once a fit has returned its
entries can go: a later retrace registers new ones. :func:`released_gradients`
wraps a fit and removes the entries registered during it. Fits in several
threads share one window: the entries go when the last of them ends, so
none is removed while a concurrent trace may still look it up. On another
backend, or a TensorFlow without this registry, it does nothing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import keras

__all__ = ["released_gradients"]

_PREFIX = "CustomGradient-"  # tensorflow/python/ops/custom_gradient.py's names
_lock = threading.Lock()
_active = 0  # fits inside the window
_before: frozenset = frozenset()  # the registry's names when the window opened


def _registry() -> dict | None:
    """TensorFlow's gradient registry (name -> entry), None where absent."""
    if keras.backend.backend() != "tensorflow":
        return None
    try:
        from tensorflow.python.framework import ops
    except ImportError:  # pragma: no cover - TensorFlow is the backend here
        return None
    table = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    return table if isinstance(table, dict) else None


@contextlib.contextmanager
def released_gradients() -> Iterator[None]:
    """Run a fit, then drop the custom gradients registered during it.

    Yields
    ------
    None

    Examples
    --------
    >>> with released_gradients():
    ...     pass  # model.fit(...)
    """
    global _active, _before
    table = _registry()
    if table is None:
        yield
        return
    with _lock:
        if _active == 0:
            _before = frozenset(table)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                # list(): a thread outside any fit may register meanwhile
                for name in list(table):
                    if name.startswith(_PREFIX) and name not in _before:
                        table.pop(name, None)
