"""The NumPy side of probabilistic forecasts: scaling back, point forecasts,
quantiles and sample paths from a head's outputs.
"""

from __future__ import annotations

import numbers

import numpy as np

from forecaster.models.spec import (
    DISTRIBUTION_LOSSES,
    POINT_LOSSES,
    check_choice,
    check_loss,
    check_quantiles,
    head_size,
    median_of_quantiles,
)

__all__ = [
    "denormalize_numpy",
    "point_forecast",
    "_distribution_params",
    "distribution_quantiles",
    "sample_paths",
    "quantile_columns",
    "sample_columns",
]


def denormalize_numpy(outputs, loc, scale, loss: str) -> np.ndarray:
    """:func:`forecaster.models.heads.denormalize` in NumPy (float64), where no
    graph runs: e.g. to undo a per-series scaler in ``predict``.

    Parameters
    ----------
    outputs : array_like
        ``(N, H)`` or ``(N, H, P)``; samples ``(N, H, S)`` transform like
        ``loss="quantile"``.
    loc, scale : array_like
        One value per row, any shape that reshapes to ``(N, 1)``
        (``(N,)``, ``(N, 1)`` or a scalar); ``scale > 0``.
    loss : str
        One of :data:`LOSSES`.

    Returns
    -------
    numpy.ndarray
        float64, the shape of ``outputs``.
    """
    check_loss(loss)
    out = np.asarray(outputs, dtype=np.float64)
    loc = np.reshape(np.asarray(loc, dtype=np.float64), (-1, 1))  # (N, 1)
    scale = np.reshape(np.asarray(scale, dtype=np.float64), (-1, 1))
    if loss in DISTRIBUTION_LOSSES:
        res = out.copy()
        res[..., 0] = out[..., 0] * scale + loc
        res[..., 1] = out[..., 1] * scale
        return res
    extra = (1,) * (out.ndim - 2)
    return out * scale.reshape(scale.shape + extra) + loc.reshape(loc.shape + extra)


def point_forecast(outputs, loss: str, quantiles=None) -> np.ndarray:
    """The ``yhat`` column of a head's outputs ``(..., P)`` -> ``(...)``.

    Point losses pass through (``outputs`` is then ``(N, H)``); ``quantile``
    gives :func:`~forecaster.models.spec.median_of_quantiles` (the 0.5 level,
    else interpolated linearly between the neighbouring levels, the nearest
    level outside their range); a distribution gives ``loc``, its mean and
    median.
    """
    check_loss(loss)
    out = np.asarray(outputs)
    if loss in POINT_LOSSES:
        return out
    if loss in DISTRIBUTION_LOSSES:
        return out[..., 0]
    return median_of_quantiles(out, quantiles)


def _distribution_params(params, loss):
    check_choice("loss", loss, DISTRIBUTION_LOSSES)
    p = np.asarray(params, dtype=np.float64)
    if p.ndim < 1 or p.shape[-1] != head_size(loss):
        raise ValueError(
            f"Received an invalid value for argument `params`, expected a last axis "
            f"of {head_size(loss)} for loss={loss!r}, got shape {p.shape}."
        )
    return p


def distribution_quantiles(params, loss: str, levels) -> np.ndarray:
    """Quantiles of the predicted distributions.

    Parameters
    ----------
    params : array_like
        ``(..., P)`` from a ``normal`` / ``student_t`` head (denormalised or not).
    loss : {"normal", "student_t"}
    levels : sequence of float
        Strictly increasing, in (0, 1).

    Returns
    -------
    numpy.ndarray
        ``(..., len(levels))`` float64.
    """
    from scipy import stats

    p = _distribution_params(params, loss)
    lv = np.asarray(check_quantiles(levels, "levels"))  # (K,)
    loc, scale = p[..., 0, None], p[..., 1, None]  # (..., 1)
    if loss == "normal":
        z = stats.norm.ppf(lv)  # (K,)
    else:
        z = stats.t.ppf(lv, p[..., 2, None])  # (..., K)
    return loc + scale * z


def sample_paths(params, loss: str, num_samples: int, rng=None) -> np.ndarray:
    """Independent draws from each step's predicted distribution.

    The draws of different horizon steps are independent: right for the
    many-to-one family, whose head predicts each step's marginal; coherent
    paths need a decoder that is fed its own samples (seq2seq).

    Parameters
    ----------
    params : array_like
        ``(..., P)`` from a ``normal`` / ``student_t`` head.
    loss : {"normal", "student_t"}
    num_samples : int
        ``S`` > 0.
    rng : numpy.random.Generator, int or None
        Passed through :func:`numpy.random.default_rng`.

    Returns
    -------
    numpy.ndarray
        ``(..., S)`` float64.
    """
    p = _distribution_params(params, loss)
    ok = isinstance(num_samples, numbers.Integral) and not isinstance(num_samples, bool)
    if not (ok and num_samples >= 1):
        raise ValueError(
            "Received an invalid value for argument `num_samples`, expected a "
            f"positive integer, got {num_samples!r}."
        )
    rng = np.random.default_rng(rng)
    size = (*p.shape[:-1], int(num_samples))
    if loss == "normal":
        noise = rng.standard_normal(size)
    else:
        noise = rng.standard_t(np.broadcast_to(p[..., 2, None], size))
    return p[..., 0, None] + p[..., 1, None] * noise


def quantile_columns(levels) -> list[str]:
    """Forecast column names of quantile levels, formatted ``f"yhat_q{q:g}"``.

    Examples
    --------
    >>> quantile_columns([0.1, 0.5, 0.975])
    ['yhat_q0.1', 'yhat_q0.5', 'yhat_q0.975']
    """
    return [f"yhat_q{q:g}" for q in levels]


def sample_columns(samples, quantiles, levels) -> dict[str, np.ndarray]:
    """Forecast columns from sample paths: empirical quantiles and intervals.

    Parameters
    ----------
    samples : array_like
        ``(N, H, S)`` paths in data units.
    quantiles : sequence of float
        Levels reported as ``yhat_q<level>``.
    levels : sequence of float
        Interval levels in percent, reported as ``yhat_lo<level>`` /
        ``yhat_hi<level>``: the ``(1 -+ level / 100) / 2`` quantiles.

    Returns
    -------
    dict of str to numpy.ndarray
        Each flattened series-major ``(N * H,)``, quantiles first, then each
        level's lower and upper bound (the order of ``predict``'s columns).
    """
    x = np.asarray(samples, dtype=np.float64)
    qs = list(check_quantiles(quantiles))
    bounds = [b for lv in levels for b in ((1 - lv / 100) / 2, 1 - (1 - lv / 100) / 2)]
    names = quantile_columns(qs) + [
        f"yhat_{side}{lv:g}" for lv in levels for side in ("lo", "hi")
    ]
    values = np.quantile(x, qs + bounds, axis=-1)  # (K, N, H)
    return {name: v.reshape(-1) for name, v in zip(names, values, strict=True)}
