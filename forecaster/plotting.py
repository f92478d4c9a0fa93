"""Plots of forecasts and training curves (matplotlib, ``Agg``-safe).

Every function returns the :class:`matplotlib.figure.Figure` and never calls
``plt.show``; save it with ``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["plot_forecast", "plot_history"]


def plot_forecast(
    history: pd.DataFrame,
    forecasts: pd.DataFrame,
    ids: Sequence[str] | None = None,
    max_series: int = 6,
    last_n: int | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    actuals: pd.DataFrame | None = None,
) -> Figure:
    """Forecasts against history, one panel per series (small multiples).

    Parameters
    ----------
    history : pandas.DataFrame
        Long frame of observed values.
    forecasts : pandas.DataFrame
        Long frame with ``yhat`` and optional ``yhat_lo<level>`` /
        ``yhat_hi<level>`` interval columns, drawn as shaded bands.
    ids : sequence of str, optional
        Series to draw; default the first ``max_series`` of ``forecasts``.
    max_series : int
        Most panels drawn when ``ids`` is not given.
    last_n : int, optional
        Only the last ``last_n`` observations of each series are drawn.
    id_col, time_col, target_col : str
        Column names.
    actuals : pandas.DataFrame, optional
        Held-out observations over the forecast period, drawn dashed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if ids is None:
        ids = list(pd.unique(forecasts[id_col].astype(str)))[:max_series]
    n = len(ids)
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    fig = Figure(figsize=(10 if cols == 1 else 12, 3.2 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    levels = sorted(
        {
            int(c[len("yhat_lo") :])
            for c in forecasts.columns
            if c.startswith("yhat_lo")
        },
        reverse=True,
    )
    for ax, uid in zip(axes, ids, strict=False):
        h = history[history[id_col].astype(str) == str(uid)]
        if last_n is not None:
            h = h.tail(last_n)
        f = forecasts[forecasts[id_col].astype(str) == str(uid)]
        ax.plot(h[time_col], h[target_col], color="0.2", lw=1.2, label="history")
        for k, level in enumerate(levels):
            ax.fill_between(
                f[time_col],
                f[f"yhat_lo{level}"],
                f[f"yhat_hi{level}"],
                color="C0",
                alpha=0.15 + 0.1 * k,
                label=f"{level}% interval",
            )
        ax.plot(f[time_col], f["yhat"], color="C0", lw=1.6, label="forecast")
        if actuals is not None:
            a = actuals[actuals[id_col].astype(str) == str(uid)]
            ax.plot(
                a[time_col], a[target_col], "--", color="C3", lw=1.2, label="actual"
            )
        ax.set_title(str(uid))
        ax.grid(alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    axes[0].legend(loc="upper left", fontsize="small")
    return fig


def plot_history(history: dict) -> Figure:
    """Training and validation loss per epoch, from ``estimator.history_``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    for key in ("loss", "val_loss"):
        if key in history:
            ax.plot(np.arange(1, len(history[key]) + 1), history[key], label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig
