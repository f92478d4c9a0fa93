"""Reading the command line's frames and writing its outputs.

``--data`` is a CSV or parquet file, or the name of a bundled data set. CSV
ids are read as text and timestamps parsed; rows are labelled by their line
number in the file, so that the package's messages ("row 26") point into it.
Outputs are written whole or not at all (a temporary sibling, then a rename).
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import os
import secrets
from pathlib import Path

import pandas as pd

from forecaster.cli import signals
from forecaster.cli.errors import CLIError, Source, blamed, one_paragraph

__all__ = ["read_data", "read_optional", "check_format", "write_frame",
           "write_figure", "check_target_dir", "precheck", "load_model"]  # fmt: skip

_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def check_format(path: str, flag: str) -> str:
    """``csv`` or ``parquet`` from the file name; checks parquet's engine."""
    kind = _SUFFIXES.get(Path(path).suffix.lower())
    if kind is None:
        raise CLIError(
            f"{flag} {path!r}: unsupported file type; expected a name ending in "
            f"{', '.join(_SUFFIXES)}."
        )
    if kind == "parquet" and not any(
        importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet")
    ):
        raise CLIError(
            f"{flag} {path!r}: parquet files need pyarrow, which is not installed "
            "(pip install pyarrow); or use a .csv file."
        )
    return kind


def _read_file(path: str, flag: str, id_col: str, time_col: str | None):
    """A CSV (ids as str, timestamps parsed, rows labelled by line number) or
    parquet file, and its :class:`Source`."""
    kind = check_format(path, flag)
    src = Source(flag, path, csv=kind == "csv")
    try:
        if kind == "csv":
            df = pd.read_csv(path, dtype={id_col: str})
            df.index = pd.RangeIndex(2, len(df) + 2)  # line 1 is the header
        else:
            df = pd.read_parquet(path)
    except (ValueError, OSError) as exc:  # parser errors, empty/unreadable files
        raise CLIError(f"{flag} {path!r} could not be read: {exc}") from exc
    if kind == "csv":
        _check_header(path, flag)
    if kind == "parquet" and id_col in df.columns:
        ids = df[id_col]
        df[id_col] = ids.where(ids.isna(), ids.astype(str))
    if time_col in df.columns and pd.api.types.is_string_dtype(df[time_col]):
        with contextlib.suppress(ValueError, TypeError):
            # Unparsable timestamps stay strings: validation names the row.
            df[time_col] = pd.to_datetime(df[time_col])
    return df, src


def _check_header(path: str, flag: str) -> None:
    """Raise if the CSV header names a column twice: pandas would read the
    second as ``y.1``, silently (a frame with repeated columns is rejected by
    the Python API the same way)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), [])
    repeated = [c for c in dict.fromkeys(header) if header.count(c) > 1]
    if repeated:
        raise CLIError(
            f"{flag} {path!r}: columns {repeated} appear more than once in the "
            "header (line 1); drop or rename the duplicates."
        )


def read_data(arg: str, flag: str, cols: tuple[str, str, str]):
    """A long frame from a file, or a bundled data set named ``arg``, and its
    :class:`Source`."""
    id_col, time_col, target_col = cols
    if Path(arg).exists() or Path(arg).suffix.lower() in _SUFFIXES:
        if not Path(arg).is_file():
            raise CLIError(f"{flag} {arg!r}: no such file.")
        return _read_file(arg, flag, id_col, time_col)
    from forecaster import datasets

    try:
        known = datasets.names()
    except FileNotFoundError:
        known = []
    if arg not in known:
        raise CLIError(
            f"{flag} {arg!r}: no such file, and not a bundled data set (bundled: "
            f"{', '.join(known) or 'none found'})."
        )
    df = datasets.load(arg)
    df = df.rename(columns={"unique_id": id_col, "ds": time_col, "y": target_col})
    return df, Source(flag, f"{arg} (bundled data set)")


def read_optional(path: str | None, flag: str, id_col: str, time_col: str | None):
    """:func:`read_data` for an optional file flag: ``(None, None)`` unset."""
    if path is None:
        return None, None
    if not Path(path).is_file():
        raise CLIError(f"{flag} {path!r}: no such file.")
    return _read_file(path, flag, id_col, time_col)


@contextlib.contextmanager
def _replacing(path: str):
    """Yield a temporary sibling of ``path``; renamed onto it on success,
    removed on any exception (an interrupt too): never a partial file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{secrets.token_hex(4)}{target.suffix}")
    try:
        yield tmp
        signals.check()  # a stop whose interrupt was dropped commits nothing
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_frame(frame: pd.DataFrame, path: str, flag: str) -> None:
    """Write ``frame`` as CSV or parquet, by the name of ``path``."""
    kind = check_format(path, flag)
    with _replacing(path) as tmp:
        if kind == "csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)


def write_figure(fig, path: str) -> None:
    """Save a matplotlib figure (format from the name of ``path``)."""
    with _replacing(path) as tmp:
        fig.savefig(tmp, dpi=110, format=Path(path).suffix.lstrip(".") or "png")


def check_target_dir(path: str, marker: str, what: str) -> None:
    """Fail before any work if ``path`` cannot be written (saves replace only an
    empty directory or a previous artifact)."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise CLIError(f"--out {path!r} is a file; give a directory for the {what}.")
    if p.is_dir() and any(p.iterdir()) and not (p / marker).exists():
        raise CLIError(
            f"--out {path!r} is a non-empty directory that is not a {what}; "
            "refusing to replace it. Give a new or empty directory."
        )


def precheck(df, est, src: Source, cols) -> None:
    """Validate the data frame alone (fast, before TensorFlow is imported), so
    that its errors name its file."""
    from forecaster.data.validation import validate_long_frame
    from forecaster.estimators.params import as_names

    if getattr(est, "fill_missing", "raise") != "raise":
        return  # NaN and gaps are filled by the estimator
    numeric = [
        *as_names(getattr(est, "past_covariates", None), "past_covariates"),
        *as_names(getattr(est, "future_covariates", None), "future_covariates"),
    ]
    with blamed({"data": src}):
        validate_long_frame(df, *cols, numeric_cols=numeric)


def load_model(path: str, flag: str = "--model"):
    """``forecaster.load(path)``; any failure is the artifact's, exit 2.

    The artifact's own errors (:class:`forecaster.persistence.ArtifactError`:
    a missing, modified or truncated file, named) pass as they are; anything
    else the loading raises (a file that is not what its name says) is
    reported as a problem of that directory, not as a traceback.
    """
    import forecaster
    from forecaster.persistence import ArtifactError

    try:
        return forecaster.load(path)
    except ArtifactError:
        raise
    except Exception as exc:  # whatever fails to load is the artifact's problem
        raise CLIError(
            f"{flag} {path!r}: cannot load a saved model from it "
            f"({type(exc).__name__}: {one_paragraph(exc)})."
        ) from exc
