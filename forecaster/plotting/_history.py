"""Training curves: loss and validation loss per epoch."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

__all__ = ["plot_history"]

_CURVES = {"loss": "C0", "val_loss": "C1"}


def plot_history(
    history, best_epoch: int | str | None = "auto", ax: Axes | None = None
) -> Figure:
    """Training and validation loss per epoch, from ``estimator.history_``.

    Epochs count from 1, on integer ticks. The loss axis is logarithmic when
    every value is positive (likelihood losses can be negative; they get a
    linear axis). A ring on the validation curve and a dotted line mark the
    best epoch: with early stopping (the default), the fitted estimator's
    weights are those of that epoch, not of the last one.

    Parameters
    ----------
    history : dict or keras.callbacks.History
        ``{"loss": [...], "val_loss": [...]}`` (other keys are ignored).
    best_epoch : int, "auto" or None, default "auto"
        The epoch to mark (from 1); ``"auto"``: the one with the lowest
        ``val_loss`` (the epoch early stopping restores), none without a
        validation curve; None: no mark.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``best_epoch`` is not ``"auto"``, None or an epoch of the history.
    """
    history = getattr(history, "history", history)  # a Keras History object
    curves = {
        k: np.asarray(history[k], float) for k in _CURVES if k in history
    }  # fmt: skip
    best = _best_epoch(curves, best_epoch)
    if ax is None:
        fig = Figure(figsize=(7, 4), layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    for key, values in curves.items():
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, color=_CURVES[key], marker=".", label=key)
    if best is not None:
        _mark_best(ax, curves, best)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    _epoch_axis(ax, max((len(v) for v in curves.values()), default=0))
    if curves and all(v.size and (v > 0).all() for v in curves.values()):
        _log_axis(ax, curves)
    if curves:
        ax.legend()
    ax.grid(alpha=0.3)
    return fig


def _epoch_axis(ax: Axes, n: int) -> None:
    """Whole epochs from 1 (there is no epoch 0 or 2.5)."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    if n:
        ax.set_xlim(0.5, n + 0.5)


def _log_axis(ax: Axes, curves: dict) -> None:
    """A log loss axis with plain numbers (0.3, not 3 x 10^-1); within
    about a decade, minor ticks at 2, 3 and 5 are labelled too (else the
    axis could show a single label)."""
    ax.set_yscale("log")
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    ax.yaxis.set_major_formatter(plain)
    values = np.concatenate(list(curves.values()))
    if values.max() / values.min() < 30:
        ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 3.0, 5.0)))
        ax.yaxis.set_minor_formatter(plain)
    else:
        ax.yaxis.set_minor_formatter(NullFormatter())


def _best_epoch(curves: dict, best_epoch) -> int | None:
    """The epoch (from 1) to mark, checked against the curves' length."""
    n = max((len(v) for v in curves.values()), default=0)
    if best_epoch is None:
        return None
    if isinstance(best_epoch, str) and best_epoch == "auto":
        val = curves.get("val_loss")
        if val is None or not np.isfinite(val).any():
            return None
        return int(np.nanargmin(np.where(np.isfinite(val), val, np.nan))) + 1
    ok = isinstance(best_epoch, int | np.integer) and not isinstance(best_epoch, bool)
    if not ok or not 1 <= best_epoch <= n:
        raise ValueError(
            "Received an invalid value for argument `best_epoch`, expected "
            f'"auto", None or an epoch in 1..{n}, got {best_epoch!r}.'
        )
    return int(best_epoch)


def _mark_best(ax: Axes, curves: dict, best: int) -> None:
    """A dotted line at epoch ``best`` and a ring on its validation loss."""
    ax.axvline(best, color="0.5", ls=":", lw=1.0)
    key = "val_loss" if "val_loss" in curves else "loss"
    values = curves.get(key)
    if values is None or best > len(values):
        return
    ax.plot(
        [best],
        [values[best - 1]],
        "o",
        ms=10,
        mfc="none",
        mec="0.15",
        mew=1.5,
        label=f"best epoch {best} ({key} {values[best - 1]:.3g})",
    )
