"""Training checkpoints that resume only the run that wrote them.

A checkpoint directory is the package's own: :func:`open_checkpoint` refuses
a non-empty directory without its marker file (``checkpoint.json``), and a
directory whose marker records another run (other parameters or other
training data: the *fingerprint*), unless ``resume="never"`` starts afresh.
:class:`AtomicBackupAndRestore` writes each epoch's weights, optimizer and
early-stopping state crash-safely, and on success removes only the files it
wrote (Keras's own callback deletes the whole directory).

Keras-free, so that ``fit`` checks the directory before TensorFlow starts;
the callback that writes the backups, ``training.AtomicBackupAndRestore``,
uses :func:`read_json` and :func:`remove_checkpoint` from here.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from forecaster.atomic import fsync_path

__all__ = [
    "MARKER",
    "RECORD",
    "RESUME_CHOICES",
    "fingerprint",
    "open_checkpoint",
    "read_json",
    "remove_checkpoint",
]

MARKER = "checkpoint.json"
RECORD = "backup.json"
RESUME_CHOICES = ("auto", "never", "must")
_FORMAT = "forecaster-checkpoint"
# Changing how much Keras prints changes nothing about the run.
_NOT_THE_RUN = ("verbose",)


def fingerprint(est, data) -> dict[str, Any]:
    """What identifies a training run: its parameters and a hash of its data.

    The hash covers the panel's values, series ids and timestamps and the
    static inputs: cheap (one pass over bytes already in memory) and enough to
    tell another data set, or the same one with a row changed.
    """
    panel, static = data.panel, data.static
    params = {
        k: _jsonable(v)
        for k, v in sorted(est.get_params(deep=False).items())
        if k not in _NOT_THE_RUN
    }
    digest = hashlib.sha256()
    for arr in (panel.values, panel.indptr, panel.times):
        digest.update(np.ascontiguousarray(arr).view(np.uint8))
    digest.update("\x1f".join(map(str, panel.ids)).encode())
    for name in sorted(static):
        digest.update(name.encode() + np.ascontiguousarray(static[name]).tobytes())
    return {"params": params, "data": digest.hexdigest()}


def _jsonable(value):
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def open_checkpoint(path, run: dict, resume: str = "auto") -> bool:
    """Check ``path`` is this run's checkpoint directory, or make it one.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint directory (created if missing).
    run : dict
        The run's :func:`fingerprint`.
    resume : {"auto", "never", "must"}
        ``"auto"``: resume this run's checkpoint if there is one, start if
        the directory is new or empty, refuse another run's; ``"never"``:
        discard this package's checkpoint files there and start afresh;
        ``"must"``: refuse to start without a checkpoint of this run.

    Returns
    -------
    bool
        Whether a backup will be resumed.

    Raises
    ------
    ValueError
        For a directory that is not a forecaster checkpoint (naming a file
        found), another run's checkpoint (naming what differs), a corrupt
        marker or record, or ``resume="must"`` without a backup.
    """
    root = Path(os.path.abspath(os.fspath(path)))
    files = _listing(root)
    if files and resume == "never":
        remove_checkpoint(root)
        files = []
    if not files:
        if resume == "must":
            raise ValueError(
                f"resume='must' but checkpoint_dir {str(root)!r} holds no checkpoint."
            )
        _write_marker(root, run)
        return False
    _check_same_run(root, run)
    resumable = (root / RECORD).is_file()
    if resume == "must" and not resumable:
        raise ValueError(
            f"resume='must' but checkpoint_dir {str(root)!r} has no backup yet."
        )
    return resumable


def _listing(root: Path) -> list[str]:
    """The files of ``root``; ValueError unless it is new, empty or ours."""
    if root.exists() and not root.is_dir():
        raise ValueError(f"checkpoint_dir {str(root)!r} exists and is not a directory.")
    files = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    if files and MARKER not in files:
        raise ValueError(
            f"checkpoint_dir {str(root)!r} is not empty and is not a forecaster "
            f"checkpoint (no {MARKER}; found {files[0]!r}): pass an empty or new "
            "directory, which is then the package's own."
        )
    return files


def _check_same_run(root: Path, run: dict) -> None:
    """ValueError naming what differs when ``root`` holds another run's backup."""
    saved = read_json(root / MARKER, "marker")
    if not isinstance(saved, dict) or saved.get("format") != _FORMAT:
        raise ValueError(
            f"{str(root / MARKER)!r} is not a forecaster checkpoint marker; delete "
            "its directory or pass resume='never' to start afresh."
        )
    differs = _differences(saved.get("run"), run)
    if differs:
        raise ValueError(
            f"checkpoint_dir {str(root)!r} holds another run's checkpoint "
            f"({'; '.join(differs)}): resuming it would continue that run. Pass "
            "another checkpoint_dir, or resume='never' to discard it and start "
            "afresh."
        )


def _differences(saved, run: dict) -> list[str]:
    """What differs between a saved fingerprint and this run's, in words."""
    if not isinstance(saved, dict):
        return ["the marker records no run"]
    out = []
    old, new = saved.get("params") or {}, run["params"]
    for key in sorted(set(old) | set(new)):
        if old.get(key, "<absent>") != new.get(key, "<absent>"):
            out.append(f"{key} was {old.get(key)!r}, now {new.get(key)!r}")
    if saved.get("data") != run["data"]:
        out.append("the training data differ")
    return out


def _write_marker(root: Path, run: dict) -> None:
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{MARKER}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps({"format": _FORMAT, "run": run}), encoding="utf-8")
    fsync_path(tmp)
    os.replace(tmp, root / MARKER)
    fsync_path(root)


def read_json(path: Path, what: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(
            f"The checkpoint {what} {str(path)!r} is unreadable or corrupt ({err}); "
            "delete its directory or pass resume='never' to start afresh."
        ) from err


def _ours(name: str) -> bool:
    """Whether a file name is one this module writes."""
    return (
        name in (MARKER, RECORD)
        or name.startswith((f"{MARKER}.tmp-", f"{RECORD}.tmp-"))
        or (name.startswith("epoch-") and name.endswith((".weights.h5", ".best.npz")))
    )


def remove_checkpoint(root: Path) -> None:
    """Remove the files this module wrote (record first), then ``root`` if empty."""
    (root / RECORD).unlink(missing_ok=True)
    for p in root.iterdir():
        if p.is_file() and _ours(p.name) and p.name != MARKER:
            p.unlink(missing_ok=True)
    (root / MARKER).unlink(missing_ok=True)
    if not any(root.iterdir()):
        root.rmdir()
