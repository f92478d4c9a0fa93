"""Per-series scalers whose fitted state is plain arrays.

A scaler is fitted on the training part of every series (never on the
validation tail or the future), kept as ``loc`` and ``scale`` arrays of shape
``(n_series, n_features)``, and applied as ``(x - loc) / scale``. Per-window
(instance) normalisation is different: its statistics come from each lookback
window alone, so it lives in the model (``forecaster.models.layers``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecaster._registry import register_state_class

__all__ = ["SCALERS", "ScalerState", "fit_scaler", "transform", "inverse_transform"]

SCALERS = ("standard", "robust", "minmax", "none")


@register_state_class
@dataclass(frozen=True)
class ScalerState:
    """Fitted per-series scaler: ``x_scaled = (x - loc) / scale``.

    Attributes
    ----------
    kind : str
        One of :data:`SCALERS`.
    loc, scale : numpy.ndarray
        float64, shape ``(n_series, n_features)``; ``scale`` is never zero.
    """

    kind: str
    loc: np.ndarray
    scale: np.ndarray


def fit_scaler(kind: str, values: np.ndarray, indptr: np.ndarray) -> ScalerState:
    """Fit one scaler per series and feature.

    Parameters
    ----------
    kind : {"standard", "robust", "minmax", "none"}
        ``standard``: mean and standard deviation; ``robust``: median and
        inter-quartile range; ``minmax``: minimum and range; ``none``:
        identity.
    values : numpy.ndarray
        ``(n_total, n_features)`` training values.
    indptr : numpy.ndarray
        Series offsets into ``values``.

    Returns
    -------
    ScalerState

    Raises
    ------
    ValueError
        For an unknown ``kind`` or an empty series.

    Examples
    --------
    >>> st = fit_scaler("standard", np.array([[1.0], [3.0], [5.0], [5.0]]),
    ...                 np.array([0, 2, 4]))
    >>> st.loc.ravel().tolist(), st.scale.ravel().tolist()
    ([2.0, 5.0], [1.0, 5.0])
    """
    if kind not in SCALERS:
        raise ValueError(
            f"Received an invalid value for argument `scaler`, expected one of "
            f"{SCALERS}, got {kind!r}."
        )
    lengths = np.diff(indptr)
    if (lengths < 1).any():
        raise ValueError("Cannot fit a scaler on an empty series.")
    x = np.asarray(values, dtype=np.float64)
    n, f = len(lengths), x.shape[1]
    if kind == "none":
        return ScalerState(kind, np.zeros((n, f)), np.ones((n, f)))
    loc, scale = _loc_scale(kind, x, indptr, lengths)
    return ScalerState(kind, loc, _safe_scale(scale, loc))


def _loc_scale(
    kind: str, x: np.ndarray, indptr: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Raw per-series ``(loc, scale)``, each ``(n_series, F)``, of a ``kind``
    other than ``"none"``; ``scale`` may still be zero."""
    if kind == "standard":
        # reduceat keeps this one vectorised pass over thousands of series.
        loc = np.add.reduceat(x, indptr[:-1], axis=0) / lengths[:, None]
        dev = x - np.repeat(loc, lengths, axis=0)
        var = np.add.reduceat(dev * dev, indptr[:-1], axis=0) / lengths[:, None]
        return loc, np.sqrt(var)
    if kind == "minmax":
        loc = np.minimum.reduceat(x, indptr[:-1], axis=0)
        return loc, np.maximum.reduceat(x, indptr[:-1], axis=0) - loc
    q = np.stack(  # robust: median and inter-quartile range
        [
            np.percentile(x[a:b], [25, 50, 75], axis=0)
            for a, b in zip(indptr[:-1], indptr[1:], strict=True)
        ]
    )
    return q[:, 1], q[:, 2] - q[:, 0]


def _safe_scale(scale: np.ndarray, loc: np.ndarray) -> np.ndarray:
    """Replace degenerate scales so that scaling never divides by ~zero.

    A constant (or numerically constant) series gets ``|loc|`` (or 1 when
    ``loc`` is 0) as its scale, so huge-valued constant series still land
    near zero instead of overflowing float32.
    """
    degenerate = ~(scale > 1e-7 * np.abs(loc)) | ~np.isfinite(scale) | (scale <= 0)
    fallback = np.where(np.abs(loc) > 0, np.abs(loc), 1.0)
    return np.where(degenerate, fallback, scale)


def transform(
    state: ScalerState,
    values: np.ndarray,
    indptr: np.ndarray,
    ids: np.ndarray | None = None,
) -> np.ndarray:
    """Scale ``values`` series by series; returns a new float32 array.

    Raises
    ------
    ValueError
        If a scaled value overflows float32 (new values far outside those the
        scaler was fitted on), naming the series (``ids[k]``, else its
        number), the column and the point.
    """
    lengths = np.diff(indptr)
    loc = np.repeat(state.loc, lengths, axis=0)
    scale = np.repeat(state.scale, lengths, axis=0)
    x = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore"):
        out = (x - loc) / scale
    big = np.abs(out) > np.finfo(np.float32).max
    if big.any():
        i, c = (int(v) for v in np.argwhere(big)[0])
        k = int(np.searchsorted(indptr, i, side="right")) - 1
        name = f"number {k}" if ids is None else repr(str(ids[k]))
        raise ValueError(
            f"Series {name}: value {x[i, c]:.4g} (column {c}, point "
            f"{i - int(indptr[k])} of {int(lengths[k])}) scales to {out[i, c]:.4g} "
            f"with its scaler (loc {loc[i, c]:.4g}, scale {scale[i, c]:.4g}), "
            "beyond float32's range: values this far from those the scaler was "
            "fitted on cannot be forecast. Refit on data that include them."
        )
    return out.astype(np.float32)


def inverse_transform(
    state: ScalerState, scaled: np.ndarray, series: np.ndarray, feature: int = 0
) -> np.ndarray:
    """Undo the scaling of one feature.

    Parameters
    ----------
    state : ScalerState
    scaled : numpy.ndarray
        ``(n, ...)`` scaled values, row ``i`` belonging to series ``series[i]``.
    series : numpy.ndarray
        Series number of each row.
    feature : int
        Which feature's scaler to undo (0 is the target).

    Returns
    -------
    numpy.ndarray
        float64 values in the data's units.
    """
    shape = (-1,) + (1,) * (np.ndim(scaled) - 1)
    loc = state.loc[series, feature].reshape(shape)
    scale = state.scale[series, feature].reshape(shape)
    return np.asarray(scaled, dtype=np.float64) * scale + loc
