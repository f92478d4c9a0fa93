"""Probabilistic columns of a forecast: quantiles, samples, intervals.

* quantile heads report their own levels (``yhat_q0.1`` ...);
* distribution heads (normal, Student-t) report quantiles of the predicted
  distribution, exactly or from ``num_samples`` draws;
* any model gets intervals ``yhat_lo80`` / ``yhat_hi80`` from ``level=[80]``:
  from the distribution where there is one, otherwise by split conformal
  prediction (Vovk et al. 2005; Angelopoulos & Bates 2021) on the absolute
  residuals of the validation windows, per horizon step, in each series'
  scaled units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from forecaster.data.windows import make_dataset
from forecaster.models.predictive import (
    distribution_quantiles,
    point_forecast,
    quantile_columns,
    sample_paths,
)
from forecaster.models.spec import DISTRIBUTION_LOSSES

__all__ = [
    "check_levels",
    "conformal_quantile",
    "conformal_scores",
    "probabilistic_columns",
]

_BATCH = 4096  # calibration windows per forward pass


def check_levels(level: Sequence[float] | float | None) -> list[float]:
    """Interval levels in percent, each in (0, 100).

    Examples
    --------
    >>> check_levels([80, 95])
    [80.0, 95.0]
    """
    if level is None:
        return []
    levels = [level] if isinstance(level, int | float) else list(level)
    for v in levels:
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < 100:
            raise ValueError(
                "Received an invalid value for argument `level`, expected "
                f"percentages in (0, 100) such as [80, 95], got {level!r}."
            )
    return [float(v) for v in levels]


def conformal_scores(est, scaled, starts: np.ndarray, common: dict) -> np.ndarray:
    """Absolute residuals ``(n_windows, H)`` of ``est``'s point forecast on the
    validation windows ``starts``, in scaled units: the conformal scores.

    ``scaled`` and ``common`` are the training pipelines' values and window
    options (``fit`` calibrates right after training, on the same copy).
    """
    if not len(starts):
        return np.zeros((0, est.horizon), np.float32)
    ds = make_dataset(scaled, starts, est.lookback_, est.horizon, _BATCH, **common)
    scores = np.empty((len(starts), est.horizon), np.float32)
    row = 0
    for inputs, targets in ds.as_numpy_iterator():
        point = point_forecast(est._forward(inputs), est.loss, est.quantiles)
        scores[row : row + len(targets)] = np.abs(targets - point)
        row += len(targets)
    return scores


def conformal_quantile(
    scores: np.ndarray, level: float, pool: bool | None = None
) -> np.ndarray:
    """Split-conformal quantile of absolute residuals, per horizon step.

    With ``n`` calibration windows, step ``j``'s half-width is the
    ``ceil((n + 1) * level / 100)``-th smallest of its ``n`` scores, which
    covers with probability at least ``level`` for exchangeable data. When
    ``n`` is too small for that rank (a single short series: 14 windows give
    at most a 93% interval), the steps' scores are pooled, each divided by
    its step's median so that the steps' different scales do not mix: the
    pooled quantile of the ``n * H`` normalised scores times each step's
    median. That assumes the errors' shape, not their size, is the same
    along the horizon (the usual multi-step approximation).

    Parameters
    ----------
    scores : numpy.ndarray
        ``(n_calibration, H)`` absolute residuals.
    level : float
        Coverage in percent.
    pool : bool, optional
        Force or forbid the pooling (default: where ``n`` is too few). The
        levels of one forecast share one method, so their intervals nest.

    Returns
    -------
    numpy.ndarray
        ``(H,)`` half-widths, in the scores' units.

    Raises
    ------
    ValueError
        If even the pooled scores are too few for ``level``.
    Examples
    --------
    >>> conformal_quantile(np.arange(1.0, 10.0)[:, None], 80).tolist()
    [8.0]
    >>> conformal_quantile(np.array([[1.0, 10], [2, 20], [3, 30]]), 80).tolist()
    [3.0, 30.0]
    """
    n, h = scores.shape
    if pool is None:
        pool = needs_pooling(n, level)
    if not pool:
        k = math.ceil((n + 1) * level / 100)
        return np.sort(scores, axis=0)[k - 1]
    k_pooled = math.ceil((n * h + 1) * level / 100)
    if n == 0 or k_pooled > n * h:
        raise ValueError(
            f"A {level:g}% conformal interval needs at least "
            f"{math.ceil(100 / (100 - level)) - 1} calibration windows, found {n} "
            f"(and {n * h} scores pooled over the horizon's {h} steps): raise "
            "val_size (the validation windows calibrate the intervals)."
        )
    median = np.median(scores, axis=0)  # (H,)
    median = np.where(median > 0, median, 1.0)
    pooled = np.sort((scores / median).reshape(-1))
    return pooled[k_pooled - 1] * median


def needs_pooling(n_windows: int, level: float) -> bool:
    """Whether ``n_windows`` are too few for a per-step ``level`` interval."""
    return n_windows == 0 or math.ceil((n_windows + 1) * level / 100) > n_windows


def probabilistic_columns(
    est,
    out: np.ndarray,
    yhat: np.ndarray,
    scale: np.ndarray,
    level: list[float],
    num_samples: int | None,
) -> dict[str, np.ndarray]:
    """The extra forecast columns, each flattened series-major ``(N * H,)``.

    Parameters
    ----------
    est : BaseForecaster
        Fitted; supplies ``loss``, ``quantiles``, ``conformal_scores_``.
    out : numpy.ndarray
        Head outputs in data units: ``(N, H)`` or ``(N, H, P)``.
    yhat, scale : numpy.ndarray
        ``(N, H)`` point forecasts; ``(N,)`` data units per scaled unit.
    level : list of float
        Interval levels in percent.
    num_samples : int, optional
        Draw this many paths (distribution heads): empirical quantiles.
    """
    cols: dict[str, np.ndarray] = {}
    loss, qs = est.loss, tuple(est.quantiles)
    dist = loss in DISTRIBUTION_LOSSES
    samples = None
    if dist and num_samples:
        rng = np.random.default_rng(est.random_state)
        samples = sample_paths(out, loss, int(num_samples), rng)  # (N, H, S)

    def quantiles_at(levels):
        if samples is not None:
            return np.moveaxis(np.quantile(samples, levels, axis=-1), 0, -1)
        return distribution_quantiles(out, loss, levels)

    if loss == "quantile":
        for k, name in enumerate(quantile_columns(qs)):
            cols[name] = out[..., k].reshape(-1)
    elif dist:
        for name, q in zip(
            quantile_columns(qs), np.moveaxis(quantiles_at(qs), -1, 0), strict=True
        ):
            cols[name] = q.reshape(-1)
    for lv in level:
        lo_q, hi_q = (1 - lv / 100) / 2, 1 - (1 - lv / 100) / 2
        if dist:
            lo, hi = np.moveaxis(quantiles_at([lo_q, hi_q]), -1, 0)
        elif loss == "quantile" and _has(qs, lo_q) and _has(qs, hi_q):
            lo, hi = out[..., _index(qs, lo_q)], out[..., _index(qs, hi_q)]
        else:
            pool = needs_pooling(len(est.conformal_scores_), max(level))
            width = conformal_quantile(est.conformal_scores_, lv, pool)  # (H,)
            half = width[None, :] * scale[:, None]
            lo, hi = yhat - half, yhat + half
        cols[f"yhat_lo{lv:g}"] = np.asarray(lo).reshape(-1)
        cols[f"yhat_hi{lv:g}"] = np.asarray(hi).reshape(-1)
    return cols


def _has(levels, q) -> bool:
    return any(abs(x - q) < 1e-9 for x in levels)


def _index(levels, q) -> int:
    return next(i for i, x in enumerate(levels) if abs(x - q) < 1e-9)
