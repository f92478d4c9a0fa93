"""Heatmaps of seq2seq attention weights."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from forecaster.plotting._layout import as_axes, panels, shown_title

__all__ = ["plot_attention"]


def plot_attention(
    weights: np.ndarray,
    ids: Sequence[str] | None = None,
    series: Sequence[str] | None = None,
    max_series: int = 4,
    cmap: str = "viridis",
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Heatmaps of seq2seq attention weights, one panel per series.

    Row ``h`` of a panel is how forecast step ``h`` weighs each step of the
    lookback window (columns, oldest left; ``-1`` is the last observation).
    The colour scale spans the drawn weights' own range, shared by all
    panels, so that weights close to uniform still show where they differ;
    a white line on the colour bar marks the uniform weight ``1 / lookback``.

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
        Which of ``ids`` to draw; default the first ``max_series`` (or as
        many as ``ax`` has axes); the title says how many of how many.
    max_series : int
        Most panels drawn when ``series`` is not given.
    cmap : str
        Matplotlib colour map.
    ax : matplotlib.axes.Axes or sequence of Axes, optional
        Draw into these axes, one per series, instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``weights`` is not 2-D or 3-D, ``ids`` does not match its first
        axis, ``series`` names an id not in ``ids``, or ``ax`` holds another
        number of axes than the series drawn.
    """
    w = _attention_array(weights)  # (N, H, L)
    given = as_axes(ax)
    limit = max_series if given is None else len(given)
    names, rows = _attention_rows(len(w), ids, series, limit)
    fig, axes, _ = panels(len(rows), given, height=max(2.5, 0.25 * w.shape[1] + 1.5))
    scale = color_range(w[rows])
    for panel, i in zip(axes, rows, strict=True):
        title = names[i] if ids is not None or len(w) > 1 else "attention"
        image = _heatmap(panel, w[i], title, cmap, scale)
    if rows:
        _colorbar(fig, axes, image, scale, lookback=w.shape[2])
    shown_title(fig, len(rows), len(w), owned=given is None)
    return fig


def _heatmap(ax: Axes, w: np.ndarray, title: str, cmap: str, scale):
    """One series' ``(horizon, lookback)`` weights, lookback steps counted
    back from the forecast origin (``-1``: the last observation)."""
    horizon, lookback = w.shape
    image = ax.imshow(
        w,
        aspect="auto",
        cmap=cmap,
        vmin=scale[0],
        vmax=scale[1],
        extent=(-lookback - 0.5, -0.5, horizon + 0.5, 0.5),
        interpolation="nearest",
    )
    ax.set_title(title)
    ax.set_xlabel("lookback step (relative to the forecast origin)")
    ax.set_ylabel("forecast step")
    return image


def _colorbar(fig, axes, image, scale, lookback: int) -> None:
    """One colour bar for all panels, the uniform weight marked on it."""
    uniform = 1.0 / lookback
    bar = fig.colorbar(
        image, ax=axes, label=f"attention weight (uniform: {uniform:.3g})"
    )
    if scale[0] <= uniform <= scale[1]:
        bar.ax.axhline(uniform, color="white", lw=1.5)


def color_range(w: np.ndarray) -> tuple[float, float]:
    """The colour scale of weights ``w``: their own minimum to maximum.

    A scale from 0 renders weights near ``1 / lookback`` everywhere as one
    flat block; weights that are all equal get a narrow scale around their
    value (an empty range would fail to draw).
    """
    if not w.size or not np.isfinite(w).any():
        return 0.0, 1.0
    lo, hi = float(np.nanmin(w)), float(np.nanmax(w))
    if hi - lo <= 1e-9 * max(abs(hi), 1e-12):
        pad = max(0.01 * abs(hi), 1e-6)
        lo, hi = lo - pad, hi + pad
    return lo, hi


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
    n: int, ids: Sequence[str] | None, series: Sequence[str] | None, limit: int
) -> tuple[list[str], list[int]]:
    """The names of the ``n`` rows of weights, and the rows to draw: those of
    ``series`` (by name), else the first ``limit``."""
    names = [f"series {i}" for i in range(n)] if ids is None else list(ids)
    names = [str(name) for name in names]
    if len(names) != n:
        raise ValueError(
            f"Received {len(names)} `ids` for {n} series of attention weights."
        )
    if series is None:
        return names, list(range(min(n, limit)))
    pos = {name: i for i, name in enumerate(names)}
    unknown = [str(s) for s in series if str(s) not in pos]
    if unknown:
        raise ValueError(f"Series {unknown} are not among `ids` {names[:10]}.")
    return names, [pos[str(s)] for s in series]
