"""Training losses of the heads: pinball and negative log-likelihoods.

All are registered Keras losses computed in float32 (also under mixed
precision), with ``y_true`` ``(B, H)`` and ``y_pred`` ``(B, H[, P])``.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from forecaster.models.spec import (
    POINT_LOSSES,
    check_choice,
    check_loss,
    check_quantiles,
)

__all__ = [
    "log_gamma",
    "_as_float32",
    "PinballLoss",
    "NormalNLL",
    "StudentTNLL",
    "point_loss",
    "make_loss",
]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def log_gamma(x):
    """``log(Gamma(x))`` for ``x > 0`` with keras.ops (which has no lgamma).

    Shifts ``x`` by 8 with ``Gamma(x) = Gamma(x + 8) / (x (x + 1) ... (x + 7))``
    and uses Stirling's series up to ``z**-7`` at ``z = x + 8``, whose
    truncation error is below ``1e-11``: float32 rounding dominates
    (about ``1e-6`` absolute near ``x = 1``, ``1e-7`` relative for large ``x``).
    """
    z = x + 8.0
    shift = ops.log(x)
    for i in range(1, 8):
        shift = shift + ops.log(x + float(i))
    zi = 1.0 / z
    zi2 = zi * zi
    series = zi * (1 / 12 - zi2 * (1 / 360 - zi2 * (1 / 1260 - zi2 / 1680)))
    return (z - 0.5) * ops.log(z) - z + _HALF_LOG_2PI + series - shift


def _as_float32(y_true, y_pred):
    return ops.cast(y_true, "float32"), ops.cast(y_pred, "float32")


@keras.saving.register_keras_serializable(package="forecaster")
class PinballLoss(keras.losses.Loss):
    """Pinball (quantile) loss averaged over horizon steps and quantile levels.

    For level ``q`` and error ``e = y - yhat_q`` the loss is
    ``max(q * e, (q - 1) * e)``. ``y_true`` is ``(B, H)``, ``y_pred``
    ``(B, H, Q)``; ``call`` returns ``(B,)`` (like Keras's point losses, so a
    per-window ``sample_weight`` works), reduced to the overall mean.
    Always computed in float32.

    Parameters
    ----------
    quantiles : sequence of float
        Strictly increasing, in (0, 1), in the order of ``y_pred``'s last axis.
    name, reduction : as in :class:`keras.losses.Loss`.
    """

    def __init__(self, quantiles, name="pinball", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction, dtype="float32")
        self.quantiles = check_quantiles(quantiles)

    def call(self, y_true, y_pred):
        # B: batch, H: horizon, Q: quantiles
        y_true, y_pred = _as_float32(y_true, y_pred)
        q = ops.convert_to_tensor(self.quantiles, "float32")  # (Q,)
        err = y_true[..., None] - y_pred  # (B, H, Q)
        loss = ops.maximum(q * err, (q - 1.0) * err)
        return ops.mean(loss, axis=(-2, -1))  # (B,)

    def get_config(self):
        return {**super().get_config(), "quantiles": list(self.quantiles)}


@keras.saving.register_keras_serializable(package="forecaster")
class NormalNLL(keras.losses.Loss):
    """Negative log-likelihood of a normal, averaged over horizon steps.

    ``y_true`` is ``(B, H)``, ``y_pred`` ``(B, H, 2)`` = (loc, scale) from
    :class:`DistributionParams`. The exact density, constants included:
    ``log(scale) + log(2 pi) / 2 + ((y - loc) / scale)**2 / 2``. float32.
    """

    def __init__(self, name="normal_nll", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction, dtype="float32")

    def call(self, y_true, y_pred):
        # B: batch, H: horizon
        y_true, y_pred = _as_float32(y_true, y_pred)
        loc, scale = y_pred[..., 0], y_pred[..., 1]  # (B, H)
        z = (y_true - loc) / scale
        nll = ops.log(scale) + _HALF_LOG_2PI + 0.5 * ops.square(z)  # (B, H)
        return ops.mean(nll, axis=-1)  # (B,)


@keras.saving.register_keras_serializable(package="forecaster")
class StudentTNLL(keras.losses.Loss):
    """Negative log-likelihood of a location-scale Student-t, averaged over steps.

    ``y_true`` is ``(B, H)``, ``y_pred`` ``(B, H, 3)`` = (loc, scale, df). The
    exact density: ``lgamma((df + 1) / 2) - lgamma(df / 2) - log(df pi) / 2
    - log(scale) - (df + 1) / 2 * log1p(z**2 / df)`` (negated), with
    :func:`log_gamma`. float32.
    """

    def __init__(self, name="student_t_nll", reduction="sum_over_batch_size"):
        super().__init__(name=name, reduction=reduction, dtype="float32")

    def call(self, y_true, y_pred):
        # B: batch, H: horizon
        y_true, y_pred = _as_float32(y_true, y_pred)
        loc, scale, df = y_pred[..., 0], y_pred[..., 1], y_pred[..., 2]  # (B, H)
        z = (y_true - loc) / scale
        log_pdf = (
            log_gamma(0.5 * (df + 1.0))
            - log_gamma(0.5 * df)
            - 0.5 * ops.log(df * math.pi)
            - ops.log(scale)
            - 0.5 * (df + 1.0) * ops.log1p(ops.square(z) / df)
        )
        return ops.mean(-log_pdf, axis=-1)  # (B,)


def point_loss(name: str) -> keras.losses.Loss:
    """The Keras loss for a point-forecast loss name.

    Raises
    ------
    ValueError
        For an unknown loss name.
    """
    check_choice("loss", name, POINT_LOSSES)
    if name == "mse":
        return keras.losses.MeanSquaredError()
    if name == "mae":
        return keras.losses.MeanAbsoluteError()
    return keras.losses.Huber(delta=1.0)


def make_loss(loss: str, quantiles=None) -> keras.losses.Loss:
    """The Keras loss that trains the head of ``loss`` (see :func:`output_head`).

    Raises
    ------
    ValueError
        For an unknown ``loss``, or invalid ``quantiles`` with
        ``loss="quantile"`` (``quantiles`` is ignored otherwise).
    """
    check_loss(loss)
    if loss == "quantile":
        return PinballLoss(quantiles)
    if loss == "normal":
        return NormalNLL()
    if loss == "student_t":
        return StudentTNLL()
    return point_loss(loss)
