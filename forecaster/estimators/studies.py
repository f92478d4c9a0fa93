"""Optuna plumbing for :class:`~forecaster.AutoForecaster`: the import that
names the extra, Optuna's logging, opening a shared storage, and the table
of a study's trials.

Optuna is an extra (``pip install 'forecaster[tune]'``): nothing here imports
it at module level, so importing the package never needs it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = [
    "MISSING_OPTUNA",
    "optuna_logging",
    "optuna_module",
    "retrying",
    "trials_frame",
    "worker_id",
]

MISSING_OPTUNA = "AutoForecaster needs Optuna: pip install 'forecaster[tune]'"


def optuna_module():
    """Optuna, or an ImportError naming the extra that installs it."""
    try:
        import optuna
    except ImportError as exc:
        raise ImportError(MISSING_OPTUNA) from exc
    return optuna


@contextlib.contextmanager
def optuna_logging(optuna, verbose: int):
    """Optuna's one line per trial (stderr) for ``verbose >= 1``, else quiet."""
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(
        optuna.logging.INFO if verbose else optuna.logging.WARNING
    )
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


def retrying(open_storage: Callable, attempts: int = 4):
    """``open_storage()``, retried: workers starting together race to create a
    new database's tables."""
    transient = _storage_errors()
    for attempt in range(attempts):
        try:
            return open_storage()
        except transient:  # a missing database driver (ImportError) is not
            if attempt == attempts - 1:
                raise
            time.sleep(0.1 * 2**attempt)


def _storage_errors() -> tuple[type[BaseException], ...]:
    """What opening a storage raises when another worker holds it: Optuna's
    own storage errors, the database layer's, and the file system's."""
    import optuna

    errors: list[type[BaseException]] = [
        optuna.exceptions.StorageInternalError,
        OSError,
        ValueError,
    ]
    try:
        import sqlalchemy.exc

        errors.append(sqlalchemy.exc.SQLAlchemyError)
    except ImportError:  # journal storage needs no database layer
        pass
    return tuple(errors)


def worker_id() -> str:
    """``host:pid``: which process ran a trial (recorded on every trial)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def trials_frame(study) -> pd.DataFrame:
    """Every trial of ``study`` (None: none): number, state, score, duration,
    worker, params.

    ``duration`` is in seconds; ``worker`` is ``host:pid`` of the process that
    ran the trial; ``params_<name>`` are the parameters its estimator was
    built with (``params_family`` its family).

    Examples
    --------
    >>> import optuna
    >>> study = optuna.create_study()
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    >>> trials_frame(study).columns.tolist()
    ['number', 'state', 'score', 'duration', 'worker', 'params_x']
    """
    rows = []
    for t in [] if study is None else study.get_trials(deepcopy=False):
        params = t.user_attrs.get("params", t.params)
        seconds = np.nan if t.duration is None else t.duration.total_seconds()
        rows.append(
            {
                "number": t.number,
                "state": t.state.name,
                "score": np.nan if t.value is None else float(t.value),
                "duration": seconds,
                "worker": t.user_attrs.get("worker"),
                **{f"params_{k}": v for k, v in params.items()},
            }
        )
    columns = ["number", "state", "score", "duration", "worker"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
