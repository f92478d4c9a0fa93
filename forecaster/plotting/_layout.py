"""Figures, panels, colours, labels and legends shared by every plot.

One visual language across the plot kinds: observations are near-black
(solid for the history, dashed for held-out values), each model keeps one
colour for its line and all of its bands, cutoffs are grey dotted lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure

OBSERVED = "0.15"  # observations: history solid, held-out values dashed
CUTOFF = "0.55"  # backtest cutoffs
# tab10 without its grey (C7), which would read as an observation
PALETTE = tuple(f"C{i}" for i in (0, 1, 2, 3, 4, 5, 6, 8, 9))


def model_colors(
    models: Sequence[str], colors: Mapping[str, str] | None = None
) -> dict[str, str]:
    """One colour per model: ``colors[name]`` where given, else the palette
    in the order of ``models`` (the order of the forecast frame's columns, so
    that a forecast and a backtest of the same models agree)."""
    colors = dict(colors or {})
    return {m: colors.get(m, PALETTE[k % len(PALETTE)]) for k, m in enumerate(models)}


def as_axes(ax) -> list[Axes] | None:
    """``ax`` (one Axes or a sequence / array of them) as a list, or None."""
    if ax is None:
        return None
    if isinstance(ax, Axes):
        return [ax]
    return list(np.ravel(np.asarray(ax, dtype=object)))


def panels(
    n: int, given: list[Axes] | None, height: float = 3.2
) -> tuple[Figure, list[Axes], int | None]:
    """The axes to draw ``n`` panels into, their figure and grid width.

    With ``given`` axes, their figure and the axes themselves (one per
    panel; the grid width is unknown, None). Otherwise a new figure with one
    column for one panel, else two, the unused cells hidden.

    Raises
    ------
    ValueError
        If ``given`` does not hold exactly ``n`` axes.
    """
    if given is not None:
        if len(given) != n:
            raise ValueError(
                f"Received {len(given)} axes in `ax` for {n} panels; pass one "
                "Axes per series drawn (or select the series with `ids=`)."
            )
        return given[0].figure, given, None
    cols = 1 if n == 1 else 2
    rows = max(1, -(-n // cols))
    fig = Figure(figsize=(10 if cols == 1 else 12, height * rows), layout="constrained")
    axes = list(np.ravel(fig.subplots(rows, cols, squeeze=False)))
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n], cols


def label_axes(
    axes: list[Axes], cols: int | None, xlabel: str, ylabel: str | None
) -> None:
    """Axis labels: on every panel of given axes; in a grid of our own only
    the bottom panel of each column and the left column (repeats are noise)."""
    n = len(axes)
    for i, ax in enumerate(axes):
        if cols is None or i + cols >= n:
            ax.set_xlabel(xlabel)
        if ylabel is not None and (cols is None or i % cols == 0):
            ax.set_ylabel(ylabel)


def finish_panel(ax: Axes, title: str, times: pd.Series) -> None:
    """Title, light grid and concise date ticks of one series' panel."""
    ax.set_title(title)
    ax.grid(alpha=0.3)
    date_axis(ax, times)


def date_axis(ax: Axes, times: pd.Series) -> None:
    """Concise date ticks (no overlapping labels in narrow panels), in the
    data's own time zone (matplotlib would show UTC)."""
    if pd.api.types.is_datetime64_any_dtype(times):
        tz = getattr(times.dt, "tz", None)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=7, tz=tz)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))


def time_label(times: pd.Series) -> str:
    """The time axis' label, naming the time zone of zone-aware data."""
    tz = getattr(times.dt, "tz", None) if hasattr(times, "dt") else None
    return "time" if tz is None else f"time ({tz})"


def pick_series(
    frame: pd.DataFrame, id_col: str, ids: Sequence | None, limit: int
) -> tuple[list[str], int]:
    """The series to draw (``ids``, else the first ``limit``) as text, and
    how many series ``frame`` has."""
    every = list(pd.unique(frame[id_col].astype(str)))
    if ids is None:
        return every[:limit], len(every)
    return [str(i) for i in ids], len(every)


def rows_of(frame: pd.DataFrame, id_col: str, uid: str) -> pd.DataFrame:
    """The rows of series ``uid``; ids compare as text, as :func:`pick_series`
    gives them."""
    return frame[frame[id_col].astype(str) == uid]


def shown_title(fig: Figure, drawn: int, total: int, owned: bool) -> None:
    """Say how many series were drawn when some were left out (a figure of
    the caller's keeps its own title)."""
    if drawn < total and (owned or not fig.get_suptitle()):
        fig.suptitle(f"{drawn} of {total} series shown")


def add_legend(fig: Figure, axes: list[Axes], owned: bool) -> None:
    """One legend for all panels, each label once (a series' panel may lack
    an entry another has): below the panels of a figure of our own with
    several (the title is above), else in the first panel."""
    entries: dict[str, object] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    if not entries:
        return
    handles, labels = list(entries.values()), list(entries)
    if owned and len(axes) > 1:
        fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(len(labels), 6),
            fontsize="small",
        )
    else:
        axes[0].legend(handles, labels, loc="best", fontsize="small")
