"""User errors of the command line, and whom they blame.

A :class:`CLIError` (a ``ValueError``) carries a message ready for the user:
it starts with the flag and file at fault; in CSV files, the row numbers it
names are the file's line numbers.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["CLIError", "Source", "blamed", "one_paragraph"]


class CLIError(ValueError):
    """Bad usage or bad data, with a message ready for the user."""


@dataclass(frozen=True)
class Source:
    """Where a frame came from, to name it in error messages."""

    flag: str
    path: str
    csv: bool = False

    def name(self, message: str = "") -> str:
        where = f"{self.flag} {self.path!r}"
        if self.csv and re.search(r"\brows? \d", message):
            where += " (row numbers are line numbers of the file)"
        return where


def one_paragraph(text: object) -> str:
    """``text`` on one line (messages and warnings are one paragraph)."""
    return " ".join(str(text).split())


# the package's parameter names that the command line spells as a flag
_FLAG_HINTS = (
    ("fill_missing=", "--fill-missing ffill|interpolate|zero"),
    ("future_df=", "--future FILE"),
    ("static_df=", "--static FILE"),
)


@contextlib.contextmanager
def blamed(sources: dict[str, Source]) -> Iterator[None]:
    """Prefix the package's data errors with the flag and file at fault.

    Messages about ``static_df`` / ``future_df`` blame ``--static`` /
    ``--future``; invalid parameters name their option; others blame the
    ``--data`` file (or, without one, nothing).
    """
    try:
        yield
    except CLIError:
        raise
    except (ValueError, TypeError, FloatingPointError) as exc:
        message = one_paragraph(exc)
        role = "data"
        for key, word in (("static", "static_df"), ("future", "future_df")):
            if word in message and key in sources:
                role = key
        for arg, flag in _FLAG_HINTS:
            if arg in message:
                message += f" On the command line: {flag}."
        src = sources.get(role)
        if bad := re.match(r"Received an invalid value for argument `(\w+)`", message):
            src = None  # a parameter, not the data: name the option instead
            message += f" (option --{bad[1].replace('_', '-')})"
        if src is None:
            raise CLIError(message) from exc
        raise CLIError(f"{src.name(message)}: {message}") from exc
