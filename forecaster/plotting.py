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
    for ax, uid in zip(axes, ids, strict=True):
        h = _rows_of(history, id_col, uid)
        if last_n is not None:
            h = h.tail(last_n)
        f = _rows_of(forecasts, id_col, uid)
        ax.plot(h[time_col], h[target_col], color="0.2", lw=1.2, label="history")
        _draw_bands(ax, f, time_col)
        ax.plot(f[time_col], f["yhat"], color="C0", lw=1.6, label="forecast")
        if actuals is not None:
            a = _rows_of(actuals, id_col, uid)
            ax.plot(
                a[time_col], a[target_col], "--", color="C3", lw=1.2, label="actual"
            )
        _finish_panel(ax, uid, f[time_col])
    if len(ids):
        axes[0].legend(loc="upper left", fontsize="small")
    return fig


def _finish_panel(ax, title: str, times: pd.Series) -> None:
    """Title, light grid and concise date ticks of one series' panel."""
    ax.set_title(title)
    ax.grid(alpha=0.3)
    _date_axis(ax, times)


def _rows_of(frame: pd.DataFrame, id_col: str, uid: str) -> pd.DataFrame:
    """The rows of series ``uid``; ids compare as text, as :func:`_pick` gives them."""
    return frame[frame[id_col].astype(str) == uid]


def _draw_bands(ax, f: pd.DataFrame, time_col: str) -> None:
    """Shade one series' forecast uncertainty: the outermost quantile pair,
    then each interval level, the narrower ones darker on top."""
    pair = _quantile_pair(f.columns)
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
    for k, level in enumerate(_levels(f.columns)):
        ax.fill_between(
            f[time_col],
            f[f"yhat_lo{level}"],
            f[f"yhat_hi{level}"],
            color="C0",
            alpha=0.15 + 0.1 * k,
            label=f"{level}% interval",
        )


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
    _check_cv_columns(cv_df, (id_col, time_col, "cutoff", model))
    ids = _pick(ids, cv_df, id_col, max_series)
    fig, axes = _panels(len(ids))
    level = (_levels(cv_df.columns) or [None])[0] if model == "yhat" else None
    for ax, uid in zip(axes, ids, strict=True):
        cv = _rows_of(cv_df, id_col, uid)
        h = _rows_of(history, id_col, uid).sort_values(time_col)
        _draw_backtest_series(ax, cv, h, model, level, last_n, time_col, target_col)
        _finish_panel(ax, uid, cv[time_col])
    if len(ids):
        title = "" if level is None else f" (bands: {level}% intervals)"
        axes[0].legend(loc="upper left", fontsize="small", title=title or None)
    return fig


def _check_cv_columns(cv_df: pd.DataFrame, needed: Sequence[str]) -> None:
    """Raise if the backtest frame lacks a column the plot reads."""
    missing = [c for c in needed if c not in cv_df]
    if missing:
        raise ValueError(
            f"cv_df is missing columns {missing}; pass the frame "
            "forecaster.cross_validation returns."
        )


def _draw_backtest_series(
    ax,
    cv: pd.DataFrame,
    h: pd.DataFrame,
    model: str,
    level: str | None,
    last_n: int | None,
    time_col: str,
    target_col: str,
) -> None:
    """One series' actuals (the last ``last_n`` before its first cutoff, and
    all after), then its forecasts from each cutoff."""
    cutoffs = sorted(pd.unique(cv["cutoff"]))
    if last_n is not None and cutoffs:
        before = int((h[time_col] <= cutoffs[0]).sum())
        h = h.iloc[max(0, before - last_n) :]
    ax.plot(h[time_col], h[target_col], color="0.2", lw=1.2, label="actual")
    _draw_cutoffs(ax, cv, cutoffs, model, level, time_col)


def _draw_cutoffs(
    ax, cv: pd.DataFrame, cutoffs: list, model: str, level: str | None, time_col: str
) -> None:
    """One series' forecast from each cutoff, in the cutoff's own colour, with
    its ``level`` interval as a band (only the widest level: one band per
    cutoff stays readable) and the cutoff as a dotted line."""
    many = len(cutoffs) > 6  # then one legend entry for all, not one each
    for k, cut in enumerate(cutoffs):
        f = cv[cv["cutoff"] == cut]
        color = f"C{k % 10}"
        label = "forecasts" if many and k == 0 else None
        if not many:
            label = f"cutoff {pd.Timestamp(cut):%Y-%m-%d %H:%M}".removesuffix(" 00:00")
        if level is not None:
            ax.fill_between(
                f[time_col],
                f[f"yhat_lo{level}"],
                f[f"yhat_hi{level}"],
                color=color,
                alpha=0.15,
            )
        ax.plot(f[time_col], f[model], color=color, lw=1.6, label=label)
        ax.axvline(cut, color=color, ls=":", lw=1.0)


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
    w = _attention_array(weights)  # (N, H, L)
    names, rows = _attention_rows(len(w), ids, series, max_series)
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


def _attention_array(weights) -> np.ndarray:
    """``weights`` as float ``(n_series, horizon, lookback)``; one series'
    ``(horizon, lookback)`` gains the leading axis."""
    w = np.asarray(weights, dtype=float)
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3:
        raise ValueError(
            "Received an invalid value for argument `weights`, expected an array "
            f"(n_series, horizon, lookback) or (horizon, lookback), got shape "
            f"{np.shape(weights)}."
        )
    return w


def _attention_rows(
    n: int, ids: Sequence[str] | None, series: Sequence[str] | None, max_series: int
) -> tuple[list[str], list[int]]:
    """The names of the ``n`` rows of weights, and the rows to draw: those of
    ``series`` (by name), else the first ``max_series``."""
    names = [f"series {i}" for i in range(n)] if ids is None else list(ids)
    names = [str(name) for name in names]
    if len(names) != n:
        raise ValueError(
            f"Received {len(names)} `ids` for {n} series of attention weights."
        )
    if series is None:
        return names, list(range(min(n, max_series)))
    pos = {name: i for i, name in enumerate(names)}
    unknown = [str(s) for s in series if str(s) not in pos]
    if unknown:
        raise ValueError(f"Series {unknown} are not among `ids` {names[:10]}.")
    return names, [pos[str(s)] for s in series]


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
