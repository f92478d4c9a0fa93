"""Output heads: the Keras layers that parameterise each loss's forecast.

A head maps the network's final features ``(B, D)`` to the forecast of the
whole horizon at once: ``(B, H)`` for a point loss, ``(B, H, P)`` otherwise,
with ``P`` = :func:`head_size` parameters per step:

===============  ===  =============================================
loss             P    last axis
===============  ===  =============================================
mse, mae, huber  -    (none: the output is ``(B, H)``)
quantile         Q    the quantiles, non-decreasing by construction
normal           2    loc, scale (``scale > 0``)
student_t        3    loc, scale, df (``df > 2``: the variance exists)
===============  ===  =============================================

Keras side: :func:`output_head`, the layers :class:`MonotoneQuantiles`,
:class:`DistributionParams` and :class:`LocationShift`, and
:func:`denormalize`, the one ``keras.ops`` map of a head's outputs back to
data units (as a layer: :class:`forecaster.models.layers.WindowDenormalization`).
The losses are in :mod:`forecaster.models.losses`, the choice lists and the
median of quantiles in :mod:`forecaster.models.spec`, the NumPy side of
probabilistic forecasts in :mod:`forecaster.models.predictive`. Only
``keras.layers`` / ``keras.ops``, so it runs on any Keras backend.
"""

from __future__ import annotations

import keras
from keras import ops

from forecaster.models.spec import (
    DISTRIBUTION_LOSSES,
    POINT_LOSSES,
    check_choice,
    check_loss,
    check_quantiles,
    head_size,
)

__all__ = [
    "DistributionParams",
    "LocationShift",
    "MonotoneQuantiles",
    "denormalize",
    "output_head",
    "point_head",
]

MIN_SCALE = 1e-4  # added to softplus(raw): the scale never collapses to 0
MIN_DF = 2.0  # Student-t degrees of freedom are above this...
DF_MARGIN = 1e-3  # ...by at least this much, even where softplus underflows


# -- layers ---------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="forecaster")
class MonotoneQuantiles(keras.layers.Layer):
    """Raw ``(B, H, Q)`` -> quantiles that never cross, by construction.

    ``q_1 = raw_1`` and ``q_k = q_{k-1} + softplus(raw_k)``: each step adds a
    non-negative float, so ``q_k >= q_{k-1}`` holds exactly in floating point
    whatever the raw values (the sums are taken in order, not by a scan).

    Parameters
    ----------
    quantiles : sequence of float
        The levels, strictly increasing in (0, 1); stored so that a saved
        model describes its own output.
    """

    def __init__(self, quantiles, **kwargs):
        super().__init__(**kwargs)
        self.quantiles = check_quantiles(quantiles)

    def build(self, input_shape):
        if input_shape[-1] != len(self.quantiles):
            raise ValueError(
                f"MonotoneQuantiles expects {len(self.quantiles)} raw values per "
                f"step (one per quantile), got input shape {input_shape}."
            )

    def call(self, raw):
        # B: batch, H: horizon, Q: quantiles
        q = [raw[..., 0]]  # (B, H)
        for k in range(1, len(self.quantiles)):
            q.append(q[-1] + ops.softplus(raw[..., k]))
        return ops.stack(q, axis=-1)  # (B, H, Q)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "quantiles": list(self.quantiles)}


@keras.saving.register_keras_serializable(package="forecaster")
class DistributionParams(keras.layers.Layer):
    """Raw ``(B, H, P)`` -> distribution parameters ``(B, H, P)``.

    ``loc = raw_0``, ``scale = softplus(raw_1) + 1e-4`` and, for
    ``student_t``, ``df = 2 + softplus(raw_2) + 1e-3`` (the margin keeps
    ``df > 2`` even where the softplus underflows, so the variance exists).

    Parameters
    ----------
    kind : {"normal", "student_t"}
    """

    def __init__(self, kind: str = "normal", **kwargs):
        super().__init__(**kwargs)
        self.kind = check_choice("kind", kind, DISTRIBUTION_LOSSES)

    def build(self, input_shape):
        p = head_size(self.kind)
        if input_shape[-1] != p:
            raise ValueError(
                f"DistributionParams({self.kind!r}) expects {p} raw values per "
                f"step, got input shape {input_shape}."
            )

    def call(self, raw):
        # B: batch, H: horizon, P: parameters
        params = [raw[..., 0], ops.softplus(raw[..., 1]) + MIN_SCALE]  # (B, H) each
        if self.kind == "student_t":
            params.append(ops.softplus(raw[..., 2]) + (MIN_DF + DF_MARGIN))
        return ops.stack(params, axis=-1)  # (B, H, P)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "kind": self.kind}


@keras.saving.register_keras_serializable(package="forecaster")
class LocationShift(keras.layers.Layer):
    """Add a ``(B, H)`` term to the location channel (index 0) of raw ``(B, H, P)``.

    Applied before the parameterisation it shifts every quantile (through
    ``q_1``) or the distribution's ``loc``, leaving the spread alone: the way
    to add e.g. a future-covariate effect to a non-point head.
    """

    def call(self, inputs):
        # B: batch, H: horizon, P: parameters
        raw, shift = inputs  # (B, H, P), (B, H)
        shift = ops.cast(shift, raw.dtype)
        return ops.concatenate([raw[..., :1] + shift[..., None], raw[..., 1:]], -1)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def denormalize(outputs, loc, scale, loss: str):
    """Map a head's outputs back through ``x = x_norm * scale + loc`` (keras.ops).

    The one de-normaliser of the graphs: the window de-normalisation layer
    calls it, and it takes plain backend tensors too (e.g. TensorFlow ones
    inside a SavedModel's function).

    Parameters
    ----------
    outputs : tensor
        ``(B, H)`` for a point loss, ``(B, H, P)`` otherwise (samples
        ``(B, H, S)`` transform like ``loss="quantile"``).
    loc, scale : tensor or array
        One value per row: ``(B, 1)`` (e.g. from
        :class:`~forecaster.models.layers.WindowNormalization`), ``(B,)`` or
        a scalar; ``scale > 0``, so quantiles stay ordered.
    loss : str
        One of :data:`~forecaster.models.spec.LOSSES`.

    Returns
    -------
    tensor
        The shape of ``outputs``, in the widest dtype of the three (float32
        outputs with float64 statistics give float64). Point and quantile
        outputs become ``out * scale + loc``; for a distribution
        ``loc' = loc_out * scale + loc``, ``scale' = scale_out * scale`` and
        ``df`` is unchanged.
    """
    # B: batch, H: horizon, P: outputs per step
    check_loss(loss)
    outputs, loc, scale = (ops.convert_to_tensor(t) for t in (outputs, loc, scale))
    dtype = keras.backend.result_type(outputs.dtype, loc.dtype, scale.dtype)
    outputs = ops.cast(outputs, dtype)
    loc = ops.reshape(ops.cast(loc, dtype), (-1, 1))  # (B, 1)
    scale = ops.reshape(ops.cast(scale, dtype), (-1, 1))  # (B, 1)
    if loss in DISTRIBUTION_LOSSES:
        params = [outputs[..., 0] * scale + loc, outputs[..., 1] * scale]  # (B, H)
        if loss == "student_t":
            params.append(outputs[..., 2])
        return ops.stack(params, axis=-1)  # (B, H, P)
    for _ in range(len(outputs.shape) - 2):  # (B, 1) -> (B, 1, 1) for (B, H, Q)
        loc, scale = loc[..., None], scale[..., None]
    return outputs * scale + loc  # (B, H[, P])


def point_head(features, horizon: int, name: str = "head"):
    """Dense projection of ``(B, D)`` features to ``(B, horizon)`` forecasts."""
    return keras.layers.Dense(horizon, name=name)(features)


def output_head(
    features, horizon: int, loss: str, quantiles=None, name="head", shift=None
):
    """The head of ``loss``: ``(B, D)`` features -> ``(B, H)`` or ``(B, H, P)``.

    Parameters
    ----------
    features : KerasTensor
        ``(B, D)``.
    horizon : int
        ``H``.
    loss : str
        One of :data:`~forecaster.models.spec.LOSSES`.
    quantiles : sequence of float, optional
        Required (strictly increasing, in (0, 1)) for ``loss="quantile"``;
        ignored otherwise.
    name : str
        Name of the Dense layer (as :func:`point_head`); the reshape and the
        parameterisation are ``{name}_reshape`` and ``{name}_params``.
    shift : KerasTensor, optional
        ``(B, H)`` added to the location: the point forecast, every quantile,
        or the distribution's ``loc`` (e.g. a future-covariate effect).

    Returns
    -------
    KerasTensor
        ``(B, H)`` for a point loss; else ``(B, H, P)`` (see :func:`head_size`),
        whose shift and parameterisation layers run in float32 (mixed precision).

    Raises
    ------
    ValueError
        For an unknown ``loss`` or invalid ``quantiles``.
    """
    # B: batch, D: features, H: horizon, P: outputs per step
    p = head_size(loss, quantiles)
    if loss in POINT_LOSSES:
        out = point_head(features, horizon, name)  # (B, H)
        if shift is not None:
            out = keras.layers.Add(name=f"{name}_shift")([out, shift])
        return out
    raw = keras.layers.Dense(horizon * p, name=name)(features)  # (B, H * P)
    raw = keras.layers.Reshape((horizon, p), name=f"{name}_reshape")(raw)  # (B, H, P)
    if shift is not None:
        raw = LocationShift(name=f"{name}_shift", dtype="float32")([raw, shift])
    if loss == "quantile":
        layer = MonotoneQuantiles(quantiles, name=f"{name}_params", dtype="float32")
    else:
        layer = DistributionParams(loss, name=f"{name}_params", dtype="float32")
    return layer(raw)  # (B, H, P)
