"""Plots of forecasts, backtests, attention and training curves (matplotlib).

Every function builds a :class:`matplotlib.figure.Figure` directly (no
``pyplot`` state, so it is safe under the ``Agg`` backend, in threads and in
batch jobs), returns it and never calls ``plt.show``; save it with
``fig.savefig(path)``. In a notebook, a returned figure displays itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure

__all__ = ["plot_attention", "plot_backtest", "plot_forecast", "plot_history"]

_QUANTILE = re.compile(r"^yhat_q(\d*\.?\d+)$")
_LOWER = re.compile(r"^yhat_lo(\d*\.?\d+)$")


def _panels(n: int, height: float = 3.2) -> tuple[Figure, np.ndarray]:
    """A figure with ``n`` panels (one column for one, else two), the rest hidden."""
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    fig = Figure(figsize=(10 if cols == 1 else 12, height * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _date_axis(ax, times: pd.Series) -> None:
    """Concise date ticks (no overlapping labels in narrow panels)."""
    if pd.api.types.is_datetime64_any_dtype(times):
        locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _levels(columns) -> list[str]:
    """Interval levels present as ``yhat_lo<L>`` / ``yhat_hi<L>``, widest first."""
    found = [m[1] for c in columns if (m := _LOWER.match(str(c)))]
    found = [lv for lv in found if f"yhat_hi{lv}" in columns]
    return sorted(found, key=float, reverse=True)


def _quantile_pair(columns) -> tuple[str, str] | None:
    """The outermost pair of quantile columns ``yhat_q<q>``, if two or more."""
    qs = sorted(
        (float(m[1]), str(c)) for c in columns if (m := _QUANTILE.match(str(c)))
    )
    if len(qs) < 2:
        return None
    return qs[0][1], qs[-1][1]


def _pick(ids, frame: pd.DataFrame, id_col: str, max_series: int) -> list[str]:
    if ids is None:
        return list(pd.unique(frame[id_col].astype(str)))[:max_series]
    return [str(i) for i in ids]


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
        Long frame with ``yhat``; optional interval columns ``yhat_lo<L>`` /
        ``yhat_hi<L>`` are drawn as shaded bands (one per level), and
        quantile columns ``yhat_q<q>`` as a band between the outermost two.
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
    ids = _pick(ids, forecasts, id_col, max_series)
    fig, axes = _panels(len(ids))
    levels = _levels(forecasts.columns)
    pair = _quantile_pair(forecasts.columns)
    for ax, uid in zip(axes, ids, strict=True):
        h = history[history[id_col].astype(str) == uid]
        if last_n is not None:
            h = h.tail(last_n)
        f = forecasts[forecasts[id_col].astype(str) == uid]
        ax.plot(h[time_col], h[target_col], color="0.2", lw=1.2, label="history")
        if pair is not None:
            lo, hi = pair
            ax.fill_between(
                f[time_col],
                f[lo],
                f[hi],
                color="C1",
                alpha=0.2,
                label=f"{lo[len('yhat_') :]} - {hi[len('yhat_') :]}",
            )
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
            a = actuals[actuals[id_col].astype(str) == uid]
            ax.plot(
                a[time_col], a[target_col], "--", color="C3", lw=1.2, label="actual"
            )
        ax.set_title(uid)
        ax.grid(alpha=0.3)
        _date_axis(ax, f[time_col])
    if len(ids):
        axes[0].legend(loc="upper left", fontsize="small")
    return fig


def plot_backtest(
    cv_df: pd.DataFrame,
    history: pd.DataFrame,
    ids: Sequence[str] | None = None,
    max_series: int = 4,
    last_n: int | None = None,
    model: str = "yhat",
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> Figure:
    """A backtest's forecasts per cutoff against the actuals, one panel per series.

    Each cutoff's forecast is drawn in its own colour (with its widest
    ``<model>_lo<L>`` / ``<model>_hi<L>`` interval as a band when present),
    and the cutoff itself as a dotted vertical line of the same colour.

    Parameters
    ----------
    cv_df : pandas.DataFrame
        Output of :func:`forecaster.cross_validation` (``id_col``,
        ``time_col``, ``cutoff`` and ``model`` columns).
    history : pandas.DataFrame
        The observed series (the frame the backtest ran on).
    ids : sequence of str, optional
        Series to draw; default the first ``max_series`` of ``cv_df``.
    max_series : int
        Most panels drawn when ``ids`` is not given.
    last_n : int, optional
        Observations drawn before each series' first cutoff (default: all);
        the observations after it are always drawn.
    model : str, default "yhat"
        Forecast column.
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``cv_df`` lacks a needed column.
    """
    missing = [c for c in (id_col, time_col, "cutoff", model) if c not in cv_df]
    if missing:
        raise ValueError(
            f"cv_df is missing columns {missing}; pass the frame "
            "forecaster.cross_validation returns."
        )
    ids = _pick(ids, cv_df, id_col, max_series)
    fig, axes = _panels(len(ids))
    lo_hi = None
    if model == "yhat" and (levels := _levels(cv_df.columns)):
        lo_hi = (f"yhat_lo{levels[0]}", f"yhat_hi{levels[0]}", levels[0])
    for ax, uid in zip(axes, ids, strict=True):
        cv = cv_df[cv_df[id_col].astype(str) == uid]
        h = history[history[id_col].astype(str) == uid].sort_values(time_col)
        cutoffs = sorted(pd.unique(cv["cutoff"]))
        if last_n is not None and cutoffs:
            before = int((h[time_col] <= cutoffs[0]).sum())
            h = h.iloc[max(0, before - last_n) :]
        ax.plot(h[time_col], h[target_col], color="0.2", lw=1.2, label="actual")
        many = len(cutoffs) > 6
        for k, cut in enumerate(cutoffs):
            f = cv[cv["cutoff"] == cut]
            color = f"C{k % 10}"
            label = "forecasts" if many and k == 0 else None
            if not many:
                label = f"cutoff {pd.Timestamp(cut):%Y-%m-%d %H:%M}".removesuffix(
                    " 00:00"
                )
            if lo_hi is not None:
                ax.fill_between(
                    f[time_col], f[lo_hi[0]], f[lo_hi[1]], color=color, alpha=0.15
                )
            ax.plot(f[time_col], f[model], color=color, lw=1.6, label=label)
            ax.axvline(cut, color=color, ls=":", lw=1.0)
        ax.set_title(uid)
        ax.grid(alpha=0.3)
        _date_axis(ax, cv[time_col])
    if len(ids):
        title = "" if lo_hi is None else f" (bands: {lo_hi[2]}% intervals)"
        axes[0].legend(loc="upper left", fontsize="small", title=title or None)
    return fig


def plot_attention(
    weights: np.ndarray,
    ids: Sequence[str] | None = None,
    series: Sequence[str] | None = None,
    max_series: int = 4,
    cmap: str = "viridis",
) -> Figure:
    """Heatmaps of seq2seq attention weights, one panel per series.

    Row ``h`` of a panel is how forecast step ``h`` weighs each step of the
    lookback window (columns, oldest left; ``-1`` is the last observation).

    Parameters
    ----------
    weights : array_like
        ``(n_series, horizon, lookback)`` (or ``(horizon, lookback)`` for one
        series), as returned by
        :meth:`forecaster.Seq2SeqForecaster.predict_attention`.
    ids : sequence of str, optional
        Names of the rows of ``weights`` (the ids ``predict_attention``
        returns), used as panel titles.
    series : sequence of str, optional
        Which of ``ids`` to draw; default the first ``max_series``.
    max_series : int
        Most panels drawn when ``series`` is not given.
    cmap : str
        Matplotlib colour map; the colour scale is shared by all panels.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``weights`` is not 2-D or 3-D, ``ids`` does not match its first
        axis, or ``series`` names an id not in ``ids``.
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3:
        raise ValueError(
            "Received an invalid value for argument `weights`, expected an array "
            f"(n_series, horizon, lookback) or (horizon, lookback), got shape "
            f"{np.shape(weights)}."
        )
    names = [f"series {i}" for i in range(len(w))] if ids is None else list(ids)
    names = [str(n) for n in names]
    if len(names) != len(w):
        raise ValueError(
            f"Received {len(names)} `ids` for {len(w)} series of attention weights."
        )
    if series is None:
        rows = list(range(min(len(w), max_series)))
    else:
        pos = {n: i for i, n in enumerate(names)}
        unknown = [str(s) for s in series if str(s) not in pos]
        if unknown:
            raise ValueError(f"Series {unknown} are not among `ids` {names[:10]}.")
        rows = [pos[str(s)] for s in series]
    _, horizon, lookback = w.shape
    fig, axes = _panels(len(rows), height=max(2.5, 0.25 * horizon + 1.5))
    vmax = float(w[rows].max()) if rows and w.size else 1.0
    extent = (-lookback - 0.5, -0.5, horizon + 0.5, 0.5)
    for ax, i in zip(axes, rows, strict=True):
        im = ax.imshow(
            w[i],
            aspect="auto",
            cmap=cmap,
            vmin=0.0,
            vmax=vmax,
            extent=extent,
            interpolation="nearest",
        )
        ax.set_title(names[i] if ids is not None or len(w) > 1 else "attention")
        ax.set_xlabel("lookback step (relative to the forecast origin)")
        ax.set_ylabel("forecast step")
        fig.colorbar(im, ax=ax, label="attention weight")
    return fig


def plot_history(history: dict) -> Figure:
    """Training and validation loss per epoch, from ``estimator.history_``.

    The loss axis is logarithmic when every value is positive (likelihood
    losses can be negative; they get a linear axis).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    curves = {
        k: np.asarray(history[k], float) for k in ("loss", "val_loss") if k in history
    }
    for key, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if curves and all(v.size and (v > 0).all() for v in curves.values()):
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig
