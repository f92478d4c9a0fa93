"""Frames of other libraries, converted to pandas where they enter.

Everything after this module works on pandas. A polars ``DataFrame`` (or
``LazyFrame``) is converted once, at the boundary (``fit``, ``predict``,
backtests, plots), so that it meets the very same validation and messages as
a pandas frame. polars stays optional: it is never imported here, a frame is
recognised by the module its type comes from.

Examples
--------
>>> import pandas as pd
>>> as_pandas(pd.DataFrame({"y": [1.0]})).shape  # pandas passes through
(1, 1)
"""

from __future__ import annotations

from typing import Any

__all__ = ["as_pandas", "is_polars_frame"]


def is_polars_frame(obj: Any) -> bool:
    """Whether ``obj`` is a polars ``DataFrame`` or ``LazyFrame``.

    Parameters
    ----------
    obj : object
        Anything.

    Returns
    -------
    bool
        ``True`` for the two polars frame types, ``False`` for everything
        else (a polars ``Series`` included: it has no time index to stand for
        one series, so it is left for validation to reject).
    """
    cls = type(obj)
    return cls.__module__.startswith("polars.") and cls.__name__ in (
        "DataFrame",
        "LazyFrame",
    )


def as_pandas(frame: Any, name: str = "df") -> Any:
    """A pandas view of ``frame``: polars frames converted, the rest as given.

    Parameters
    ----------
    frame : polars.DataFrame, polars.LazyFrame, pandas object or None
        A ``LazyFrame`` is collected first. Time zones survive: a polars
        ``Datetime`` with a zone becomes a zone-aware pandas column, one
        without stays naive; categoricals become pandas categoricals, and
        nulls NaN (integer columns with nulls become float).
    name : str, default "df"
        The argument's name, for the error message.

    Returns
    -------
    pandas.DataFrame or object
        The converted frame; anything that is not a polars frame (pandas
        frames and series, ``None``, a wrong type that validation will
        reject with its own message) is returned unchanged.

    Raises
    ------
    ImportError
        If pyarrow, which polars converts through, is not installed.
    """
    if not is_polars_frame(frame):
        return frame
    if type(frame).__name__ == "LazyFrame":
        frame = frame.collect()
    try:
        return frame.to_pandas()
    except ModuleNotFoundError as err:
        # polars converts to pandas through pyarrow; say which extra brings it
        raise ImportError(
            f"`{name}` is a polars DataFrame, which is converted to pandas "
            "through pyarrow; install it with `pip install 'forecaster[polars]'` "
            f"(or `pip install pyarrow`). ({err})"
        ) from err
