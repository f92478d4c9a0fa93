"""Which columns of a forecast frame are models, and which are their bands.

Two layouts: one model, ``yhat`` with ``yhat_lo<L>`` / ``yhat_hi<L>`` and
``yhat_q<q>``; or several, one column per model name (``lstm``,
``lstm_lo80``, ``lstm_hi80``, ``lstm_q0.1``, ``snaive``...), as a backtest of
a dict of estimators gives them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

_INTERVAL = re.compile(r"^(?P<model>.+)_(?P<side>lo|hi)(?P<level>\d*\.?\d+)$")
_QUANTILE = re.compile(r"^(?P<model>.+)_q(?P<q>\d*\.?\d+)$")


class Band(NamedTuple):
    """A shaded range of one model: lower and upper columns, legend text."""

    lo: str
    hi: str
    label: str


def model_columns(
    frame: pd.DataFrame, models: str | Sequence[str] | None, reserved: Sequence[str]
) -> list[str]:
    """The forecast columns to draw.

    ``models`` when given; else ``["yhat"]`` when the frame has it; else
    every numeric column that is neither ``reserved`` (ids, times, cutoff,
    target) nor a band of another column.

    Raises
    ------
    ValueError
        If a named model is not a column, or no forecast column is found.
    """
    columns = [str(c) for c in frame.columns]
    if models is not None:
        models = [models] if isinstance(models, str) else [str(m) for m in models]
        missing = [m for m in models if m not in columns]
        if missing:
            raise ValueError(
                f"Model column(s) {missing} are not in the forecasts; they have "
                f"{columns}."
            )
        return models
    if "yhat" in columns:
        return ["yhat"]
    found = [
        c
        for c in columns
        if c not in reserved
        and not _is_band(c, columns)
        and pd.api.types.is_numeric_dtype(frame[c])
    ]
    if not found:
        raise ValueError(
            f"No forecast column found among {columns}: expected `yhat` or one "
            "column per model; name them with `models=`."
        )
    return found


def _is_band(column: str, columns: Sequence[str]) -> bool:
    """Whether ``column`` is an interval or quantile column of another one."""
    m = _INTERVAL.match(column) or _QUANTILE.match(column)
    return m is not None and m["model"] in columns


def model_bands(frame: pd.DataFrame, model: str) -> list[Band]:
    """The bands of ``model``, widest first: one per interval level, plus the
    outermost quantile pair unless it is one of those intervals already (a
    quantile model asked for ``level=`` gives the same range twice)."""
    columns = [str(c) for c in frame.columns]
    levels = [
        m["level"]
        for c in columns
        if (m := _INTERVAL.match(c))
        and m["model"] == model
        and m["side"] == "lo"
        and f"{model}_hi{m['level']}" in columns
    ]
    bands = [
        Band(f"{model}_lo{lv}", f"{model}_hi{lv}", f"{lv}% interval") for lv in levels
    ]
    qs = sorted(
        (float(m["q"]), c)
        for c in columns
        if (m := _QUANTILE.match(c)) and m["model"] == model
    )
    if len(qs) >= 2:
        lo, hi = qs[0][1], qs[-1][1]
        quantiles = Band(lo, hi, f"{lo[len(model) + 1 :]} - {hi[len(model) + 1 :]}")
        if not any(_same_range(frame, quantiles, b) for b in bands):
            bands.append(quantiles)
    return sorted(bands, key=lambda b: _mean_width(frame, b), reverse=True)


def _same_range(frame: pd.DataFrame, a: Band, b: Band) -> bool:
    return bool(
        np.allclose(frame[a.lo], frame[b.lo], equal_nan=True)
        and np.allclose(frame[a.hi], frame[b.hi], equal_nan=True)
    )


def _mean_width(frame: pd.DataFrame, band: Band) -> float:
    width = np.asarray(frame[band.hi], float) - np.asarray(frame[band.lo], float)
    return float(np.nanmean(width)) if np.isfinite(width).any() else 0.0
