"""Atomic directory writes: an interrupted save never damages what was there.

Everything is written to a hidden temporary sibling, fsynced, then swapped
into place with two renames (old -> backup, new -> target); the backup is
removed last. Used by :mod:`forecaster.persistence` and
:mod:`forecaster.export`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_directory", "backups_of", "fsync_path"]


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike, marker: str) -> Iterator[Path]:
    """Write a directory atomically: yield a temporary sibling, then swap it in.

    The caller fills the yielded directory; on a clean exit its files are
    fsync-ed and it replaces ``path``: ``path -> .{name}.old-<random>``,
    ``tmp -> path``, then the old copy is removed. On an exception the
    temporary directory is removed and ``path`` is untouched.

    Between the two renames (microseconds) only the ``.old-`` backup exists;
    a crash exactly there leaves no directory at ``path``, and :func:`load`
    then names the backup to rename back.

    Parameters
    ----------
    path : str or os.PathLike
        Target directory; its parent is created if needed.
    marker : str
        A file that identifies an artifact of this kind: an existing ``path``
        is replaced only if it is empty or holds ``marker``, so that saving
        onto an unrelated directory (a typo, a home directory) never deletes
        it.

    Raises
    ------
    ValueError
        If ``path`` is a file, or a non-empty directory without ``marker``.
    """
    target = Path(os.path.abspath(os.fspath(path)))
    if not target.name:
        raise ValueError(f"Cannot write an artifact at {str(target)!r}.")
    if target.exists():
        if not target.is_dir():
            raise ValueError(
                f"Cannot save to {str(target)!r}: it exists and is not a directory."
            )
        if any(target.iterdir()) and not (target / marker).is_file():
            raise ValueError(
                f"Refusing to replace {str(target)!r}: it is a non-empty directory "
                f"without {marker!r}, so not an artifact written here. Choose "
                "another path or remove it first."
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    # mkdir (not mkdtemp, which is 0o700) so the artifact gets the umask's
    # permissions, readable by a model server running as another user.
    tmp = target.parent / f".{target.name}.tmp-{secrets.token_hex(8)}"
    tmp.mkdir()
    try:
        yield tmp
        _fsync_tree(tmp)
        _swap_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_into_place(tmp: Path, target: Path) -> None:
    backup = None
    if target.exists():
        backup = target.parent / f".{target.name}.old-{secrets.token_hex(4)}"
        os.rename(target, backup)
    try:
        os.rename(tmp, target)
    except BaseException:
        if backup is not None:  # put the previous artifact back
            os.rename(backup, target)
        raise
    fsync_path(target.parent)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
    _remove_leftovers(target)


def _remove_leftovers(target: Path) -> None:
    """Remove what interrupted saves of ``target`` left beside it.

    A killed save leaves its ``.tmp-`` directory, and a kill between the two
    renames its ``.old-`` backup; once a save of the same path has succeeded,
    neither holds anything worth keeping.
    """
    for kind in ("tmp", "old"):
        pattern = glob.escape(str(target.parent / f".{target.name}.{kind}-")) + "*"
        for leftover in glob.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)


def fsync_path(path: Path) -> None:
    """fsync a file or directory, best effort (no-op where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # directories cannot be opened on Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_path(Path(dirpath))


def backups_of(target: Path) -> list[Path]:
    pattern = glob.escape(str(target.parent / f".{target.name}.old-")) + "*"
    return sorted(Path(p) for p in glob.glob(pattern))
