"""How error messages name values and rows, shared by the data modules.

Every message of the data layer names the column, the series and the first
offending row as the user wrote them: Python reprs, never NumPy scalar reprs
(``np.int64(3)``) or printed pandas objects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["label", "where"]


def label(value: object) -> str:
    """``repr`` of a row label or a value, NumPy scalars shown as Python ones.

    Examples
    --------
    >>> label(np.int64(3)), label("r1")
    ('3', "'r1'")
    """
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def where(df: pd.DataFrame, i: int, id_col: str, time_col: str) -> str:
    """``row R (series 'a', ds T)`` for the row at position ``i``; by position,
    so that duplicated index labels still name one row."""
    return (
        f"row {label(df.index[i])} (series {str(df[id_col].iloc[i])!r}, "
        f"{time_col} {df[time_col].iloc[i]})"
    )
