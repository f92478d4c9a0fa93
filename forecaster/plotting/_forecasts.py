"""Forecasts against the history, and a backtest's forecasts per cutoff."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from forecaster.data.frames import as_pandas
from forecaster.plotting._columns import model_bands, model_columns
from forecaster.plotting._layout import (
    CUTOFF,
    OBSERVED,
    add_legend,
    as_axes,
    finish_panel,
    label_axes,
    model_colors,
    panels,
    pick_series,
    rows_of,
    shown_title,
    time_label,
)

__all__ = ["plot_backtest", "plot_forecast"]

# Bands widest first, each narrower one more opaque: nested, they stack darker
# inwards, and the legend's patches tell the levels apart too.
_BAND_ALPHA, _BAND_STEP = 0.15, 0.1
_NAMES = ("history", "forecasts", "actuals")  # plot_forecast's frames


class _Style:
    """Per model: its colour, bands and legend label (the same in every panel)."""

    def __init__(self, names: list[str], colors: dict, frame: pd.DataFrame):
        self.names, self.colors = names, colors
        self.bands = {m: model_bands(frame, m) for m in names}
        self.labels = {m: "forecast" if names == ["yhat"] else m for m in names}


class _Plot(NamedTuple):
    """A plot being drawn: its panels, the series in them, the model style."""

    fig: Figure
    axes: list[Axes]
    grid: int | None  # columns of a grid of our own; None for the caller's axes
    ids: list[str]
    total: int  # series in the frame
    style: _Style


def _start(frame, models, colors, ids, max_series, ax, cols) -> _Plot:
    """Resolve the models and their colours, pick the series, make the panels."""
    id_col, time_col, target_col = cols
    names = model_columns(frame, models, (id_col, time_col, "cutoff", target_col))
    style = _Style(names, model_colors(names, colors), frame)
    given = as_axes(ax)
    limit = max_series if given is None else len(given)
    ids, total = pick_series(frame, id_col, ids, limit)
    fig, axes, grid = panels(len(ids), given)
    return _Plot(fig, axes, grid, ids, total, style)


def _finish(plot: _Plot, times: pd.Series, target_col: str) -> Figure:
    """Axis labels, the how-many-series title and one legend."""
    owned = plot.grid is not None
    label_axes(plot.axes, plot.grid, time_label(times), target_col)
    shown_title(plot.fig, len(plot.ids), plot.total, owned)
    add_legend(plot.fig, plot.axes, owned)
    return plot.fig


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
    models: str | Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Forecasts against history, one panel per series (small multiples).

    Each model's line starts at the last observation; one band is shaded per
    interval level (``<model>_lo<L>``, ``<model>_hi<L>``) and one between the
    outermost quantiles (``<model>_q<q>``) unless it repeats an interval.

    Parameters
    ----------
    history : pandas.DataFrame or polars.DataFrame
        Long frame of observed values.
    forecasts : pandas.DataFrame or polars.DataFrame
        ``yhat`` (one model) or a column per model name (``lstm``...).
    ids : sequence of str, optional
        Series to draw; default the first ``max_series`` (or one per axes of
        ``ax``). The title says how many of how many when some are left out.
    max_series : int
        Most panels drawn without ``ids``.
    last_n : int, optional
        Only the last ``last_n`` observations of each series are drawn.
    id_col, time_col, target_col : str
        Column names; the target's name labels the value axis.
    actuals : pandas.DataFrame or polars.DataFrame, optional
        Held-out observations over the forecast period, drawn dashed.
    models : str or sequence of str, optional
        Forecast columns; default ``yhat``, else every numeric non-band column.
    colors : mapping, optional
        Colour by model name; default a fixed palette in the models' order.
    ax : matplotlib.axes.Axes or sequence of Axes, optional
        Draw into these (one per series) and return their figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If a model column is missing, or ``ax`` has not one axes per series.
    """
    frames = list(map(as_pandas, (history, forecasts, actuals), _NAMES))
    cols = (id_col, time_col, target_col)
    plot = _start(frames[1], models, colors, ids, max_series, ax, cols)
    for panel, uid in zip(plot.axes, plot.ids, strict=True):
        parts = [None if x is None else rows_of(x, id_col, uid) for x in frames]
        _draw_forecast_series(panel, uid, *parts, plot.style, last_n, cols)
    return _finish(plot, frames[1][time_col], target_col)


def _draw_forecast_series(
    ax: Axes, uid: str, h, f, a, style: _Style, last_n: int | None, cols
) -> None:
    """One series' panel: its history ``h`` (the last ``last_n``), each
    model's forecast ``f`` from the last observation, the actuals ``a``."""
    _, time_col, target_col = cols
    h, f = h.sort_values(time_col), f.sort_values(time_col)
    if last_n is not None:
        h = h.tail(last_n)
    ax.plot(h[time_col], h[target_col], color=OBSERVED, lw=1.2, label="history")
    start = _last_before(h, f[time_col].min(), time_col, target_col)
    for m in style.names:
        _draw_model(ax, f, m, style, start, time_col)
    if a is not None:  # the held-out part of the observed line, dashed
        a = a.sort_values(time_col)
        times, values = _joined(a[time_col], a[target_col], start)
        ax.plot(times, values, "--", color=OBSERVED, lw=1.2, label="actual")
    finish_panel(ax, uid, f[time_col])


def _last_before(h: pd.DataFrame, when, time_col: str, target_col: str):
    """``(time, value)`` of the last observation before ``when``, where the
    forecast line starts; None without one."""
    before = h[h[time_col] < when] if pd.notna(when) else h.iloc[:0]
    if before.empty:
        return None
    return before[time_col].iloc[-1], before[target_col].iloc[-1]


def _draw_model(
    ax: Axes, f: pd.DataFrame, model: str, style: _Style, start, time_col: str
) -> None:
    """One model's bands (widest first) and its line, joined to ``start``
    (the last observation) so that no gap opens before the first step."""
    color, prefix = style.colors[model], "" if model == "yhat" else f"{model} "
    for k, band in enumerate(style.bands[model]):
        ax.fill_between(
            f[time_col],
            f[band.lo],
            f[band.hi],
            color=color,
            alpha=_BAND_ALPHA + _BAND_STEP * k,
            lw=0,
            label=prefix + band.label,
        )
    times, values = _joined(f[time_col], f[model], start)
    ax.plot(times, values, color=color, lw=1.6, label=style.labels[model])


def _joined(times: pd.Series, values: pd.Series, start):
    """``times`` and ``values`` (float) preceded by the point ``start`` when
    it comes before them, so that a line continues from the observations."""
    values = values.astype(float)
    if start is None or times.empty or not start[0] < times.iloc[0]:
        return times, values
    times = pd.concat([pd.Series([start[0]], dtype=times.dtype), times])
    return times, pd.concat([pd.Series([start[1]], dtype=float), values])


def plot_backtest(
    cv_df: pd.DataFrame,
    history: pd.DataFrame,
    ids: Sequence[str] | None = None,
    max_series: int = 4,
    last_n: int | None = None,
    models: str | Sequence[str] | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    colors: Mapping[str, str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    model: str | None = None,
) -> Figure:
    """A backtest's forecasts per cutoff against the actuals, one panel per series.

    Each cutoff's forecast of a model is in the model's colour (the one
    :func:`plot_forecast` gives it), starts at the actual value at the
    cutoff and has one band per interval level; cutoffs are dotted lines.

    Parameters
    ----------
    cv_df : pandas.DataFrame or polars.DataFrame
        Output of :func:`forecaster.cross_validation`: ``id_col``,
        ``time_col``, ``cutoff`` and ``yhat`` (or one column per model name,
        for a dict of estimators).
    history : pandas.DataFrame or polars.DataFrame
        The observed series (the frame the backtest ran on).
    ids, max_series, models, id_col, time_col, target_col, colors, ax
        As for :func:`plot_forecast` (``max_series`` defaults to 4 here).
    last_n : int, optional
        Observations drawn before each series' first cutoff (default: all);
        the observations after it are always drawn.
    model : str, optional
        Deprecated alias of ``models``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``cv_df`` lacks a needed column, or ``ax`` does not hold one axes
        per series drawn.
    """
    models = _models_alias(models, model)
    cv_df, history = as_pandas(cv_df, "cv_df"), as_pandas(history, "history")
    _check_cv_columns(cv_df, (id_col, time_col, "cutoff"))
    cols = (id_col, time_col, target_col)
    plot = _start(cv_df, models, colors, ids, max_series, ax, cols)
    for panel, uid in zip(plot.axes, plot.ids, strict=True):
        cv = rows_of(cv_df, id_col, uid)
        h = rows_of(history, id_col, uid).sort_values(time_col)
        _draw_backtest_series(panel, cv, h, plot.style, last_n, time_col, target_col)
        finish_panel(panel, uid, cv[time_col])
    return _finish(plot, cv_df[time_col], target_col)


def _models_alias(models, model):
    """``models``, or the deprecated ``model=`` of plot_backtest (warned)."""
    if model is None:
        return models
    warnings.warn(
        "`model=` of plot_backtest is deprecated; use `models=`.",
        DeprecationWarning,
        stacklevel=3,
    )
    return model if models is None else models


def _check_cv_columns(cv_df: pd.DataFrame, needed: Sequence[str]) -> None:
    """Raise if the backtest frame lacks a column the plot reads."""
    missing = [c for c in needed if c not in cv_df]
    if missing:
        raise ValueError(
            f"cv_df is missing columns {missing}; pass the frame "
            "forecaster.cross_validation returns."
        )


def _draw_backtest_series(
    ax: Axes,
    cv: pd.DataFrame,
    h: pd.DataFrame,
    style: _Style,
    last_n: int | None,
    time_col: str,
    target_col: str,
) -> None:
    """One series' actuals (the last ``last_n`` before its first cutoff, and
    all after), then every model's forecast from each cutoff."""
    cutoffs = sorted(pd.unique(cv["cutoff"]))
    shown = h
    if last_n is not None and cutoffs:
        before = int((h[time_col] <= cutoffs[0]).sum())
        shown = h.iloc[max(0, before - last_n) :]
    ax.plot(shown[time_col], shown[target_col], color=OBSERVED, lw=1.2, label="actual")
    at = h.set_index(time_col)[target_col]
    for cut in cutoffs:
        f = cv[cv["cutoff"] == cut].sort_values(time_col)
        start = (cut, at[cut]) if cut in at.index else None
        for m in style.names:
            _draw_model(ax, f, m, style, start, time_col)
        ax.axvline(cut, color=CUTOFF, ls=":", lw=1.0, label="cutoff")
