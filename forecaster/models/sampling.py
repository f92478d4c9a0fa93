"""What a probabilistic seq2seq decoder feeds back to itself, and its sampling.

A decoder with a quantile or distribution head emits ``P`` parameters per
step (see :mod:`forecaster.models.heads`) but is fed one value per step. Run
free, it is fed :func:`point_value` (the forecast ``predict`` reports); run
as a sampler, it is fed :func:`draw` of pre-drawn noise, so that a sampled
value at step ``t`` conditions every later step: the paths are coherent
across the horizon, not independent draws of each step's marginal.

The noise is an input (drawn in NumPy by :func:`draw_noise`), so the graph
itself is deterministic, backend-agnostic and seeded from outside:

=========  =======  ==========================================================
loss       noise    draw
=========  =======  ==========================================================
normal     z        ``loc + scale * z``
student_t  z1, z2   ``loc + scale * z1 / sqrt(V / df)``, ``V / df`` from
                    Wilson-Hilferty (below)
quantile   u        inverse CDF: linear between the predicted levels, flat
                    beyond the extreme ones
=========  =======  ==========================================================

Student-t: ``V ~ chi2(df)`` with a learned ``df`` per step has no closed
form in keras.ops, so ``(V / df) ** (1/3)`` is taken as normal with mean
``1 - 2 / (9 df)`` and variance ``2 / (9 df)`` (Wilson & Hilferty, 1931,
"The distribution of chi-square", PNAS 17(12):684-688), its base clamped at
0.1 (a draw ``|t| <= 31.6 |z1|``). Against ``scipy.stats.t`` the 10% / 90%
quantiles of the draws are within 1.2% for ``df >= 2`` and 0.1% for
``df >= 5``; the 2.5% / 97.5% ones within 10% at ``df = 2``, 0.5% at 5.

Quantile heads: a draw below the lowest level is the lowest quantile, above
the highest level the highest one (flat extrapolation), so intervals wider
than the head's extreme levels are too narrow; train the levels you report.

Only ``keras.ops`` in the graph part (the decoder's step calls it).
"""

from __future__ import annotations

import numpy as np
from keras import ops

from forecaster.models.heads import DistributionParams, MonotoneQuantiles
from forecaster.models.spec import (
    POINT_LOSSES,
    check_loss,
    check_quantiles,
    median_of_quantiles,
)

__all__ = [
    "WH_MIN_BASE",
    "draw",
    "draw_noise",
    "noise_channels",
    "point_value",
    "quantile_at",
    "sample_inputs",
    "step_parameterisation",
]

WH_MIN_BASE = 0.1  # Wilson-Hilferty cube-root base floor: V / df >= 1e-3


def noise_channels(loss: str) -> int:
    """Noise values per sample and step ``k`` that :func:`draw` takes: 0 for a
    point loss (nothing to sample), 2 for ``student_t``, else 1."""
    check_loss(loss)
    if loss in POINT_LOSSES:
        return 0
    return 2 if loss == "student_t" else 1


def draw_noise(loss: str, shape: tuple[int, int], rng=None) -> np.ndarray:
    """The noise :func:`draw` turns into samples, float32 ``(*shape, k)``.

    Standard normals for ``normal`` / ``student_t`` (``k`` = 1, 2), uniforms
    in (0, 1) for ``quantile``.

    Parameters
    ----------
    loss : {"normal", "student_t", "quantile"}
    shape : (int, int)
        ``(B, H)``: sample paths (rows) and horizon steps.
    rng : numpy.random.Generator, int or None
        Passed through :func:`numpy.random.default_rng`.

    Raises
    ------
    ValueError
        For a point loss, which has nothing to sample.
    """
    k = noise_channels(loss)
    if not k:
        raise ValueError(
            f"Received an invalid value for argument `loss`: a point loss "
            f"({loss!r}) has no distribution to sample; use 'normal', "
            "'student_t' or 'quantile'."
        )
    rng = np.random.default_rng(rng)
    size = (*shape, k)
    noise = rng.uniform(size=size) if loss == "quantile" else rng.standard_normal(size)
    return noise.astype(np.float32)


def step_parameterisation(loss: str, quantiles=None, name: str = "params"):
    """The layer mapping one step's raw ``(B, P)`` to parameters, or None.

    The same layers as :func:`forecaster.models.heads.output_head` (they
    work on any leading shape), in float32 under mixed precision.
    """
    check_loss(loss)
    if loss in POINT_LOSSES:
        return None
    if loss == "quantile":
        return MonotoneQuantiles(quantiles, name=name, dtype="float32")
    return DistributionParams(loss, name=name, dtype="float32")


def quantile_at(values, u, levels):
    """Inverse CDF of a quantile head at ``u``, with keras.ops.

    Piecewise linear through ``(levels[k], values[..., k])`` and flat beyond
    the extreme levels: ``values[..., 0] + sum_k w_k (values[..., k+1] -
    values[..., k])`` with ``w_k = clip((u - levels[k]) / (levels[k+1] -
    levels[k]), 0, 1)``: no gather, and non-decreasing in ``u`` because the
    quantiles are. At ``u = 0.5`` it is
    :func:`~forecaster.models.spec.median_of_quantiles` up to rounding.

    Parameters
    ----------
    values : tensor
        ``(..., Q)`` non-decreasing quantiles.
    u : tensor or float
        ``(...)`` probabilities (broadcast against ``values[..., 0]``).
    levels : sequence of float
        The ``Q`` levels, strictly increasing in (0, 1).
    """
    levels = check_quantiles(levels, "levels")
    out = values[..., 0]
    for k in range(len(levels) - 1):
        lo, hi = levels[k], levels[k + 1]
        w = (u - lo) / (hi - lo)
        if isinstance(w, float):  # a constant u: skip the segments it misses
            w = min(max(w, 0.0), 1.0)
            if w == 0.0:
                continue
        else:
            w = ops.clip(w, 0.0, 1.0)
        out = out + w * (values[..., k + 1] - values[..., k])
    return out


def point_value(params, loss: str, quantiles=None):
    """The value a free-running decoder feeds back: ``(B, P)`` -> ``(B, 1)``.

    ``loc`` (mean and median) of a distribution,
    :func:`~forecaster.models.spec.median_of_quantiles` of a quantile head:
    the same function, so the same value, as ``predict``'s ``yhat``.
    """
    if loss == "quantile":
        return median_of_quantiles(params, quantiles)[..., None]
    return params[..., :1]


def draw(params, noise, loss: str, quantiles=None):
    """One sample per row from each row's parameters: ``(B, P)`` -> ``(B, 1)``.

    Parameters
    ----------
    params : tensor
        ``(B, P)``: one step's parameters (in the decoder's space).
    noise : tensor
        ``(B, k)`` (see :func:`noise_channels`), as :func:`draw_noise`.
    loss : {"normal", "student_t", "quantile"}
    quantiles : sequence of float, optional
        The levels, for ``loss="quantile"``.
    """
    # B: batch, P: parameters, k: noise channels
    noise = ops.cast(noise, params.dtype)
    if loss == "quantile":
        return quantile_at(params, noise[..., 0], quantiles)[..., None]  # (B, 1)
    loc, scale = params[..., :1], params[..., 1:2]  # (B, 1) each
    z = noise[..., :1]  # (B, 1)
    if loss == "student_t":
        c = 2.0 / (9.0 * params[..., 2:3])  # (B, 1)
        base = ops.maximum(1.0 - c + noise[..., 1:2] * ops.sqrt(c), WH_MIN_BASE)
        z = z / ops.sqrt(base * base * base)  # / sqrt(V / df)
    return loc + scale * z  # (B, 1)


def sample_inputs(inputs: dict, num_samples: int) -> dict:
    """Repeat each row of an input dict ``num_samples`` times, row-major:
    rows ``i * S ... i * S + S - 1`` are series ``i``'s paths."""
    return {k: np.repeat(v, num_samples, axis=0) for k, v in inputs.items()}
