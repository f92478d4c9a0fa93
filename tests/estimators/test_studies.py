"""Optuna plumbing (forecaster/estimators/studies.py)."""

import pytest

from forecaster.estimators.studies import retrying, trials_frame, worker_id

optuna = pytest.importorskip("optuna")


def test_worker_and_an_empty_trials_table():
    assert ":" in worker_id()
    empty = trials_frame(None)
    assert empty.empty
    assert empty.columns.tolist() == ["number", "state", "score", "duration", "worker"]


def test_opening_a_storage_is_retried_then_raises():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise OSError("database is locked")
        return "storage"

    assert retrying(flaky) == "storage" and len(calls) == 3
    with pytest.raises(OSError, match="locked"):
        retrying(lambda: (_ for _ in ()).throw(OSError("locked")), attempts=2)
    with pytest.raises(ImportError):  # a missing driver is not transient
        retrying(lambda: (_ for _ in ()).throw(ImportError("no driver")))
