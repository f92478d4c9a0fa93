"""Output heads, their losses and the NumPy side of probabilistic forecasts.

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
:class:`DistributionParams`, :class:`LocationShift` and
:class:`HeadDenormalization`, the losses :class:`PinballLoss`,
:class:`NormalNLL` and :class:`StudentTNLL` (via :func:`make_loss`). NumPy
side: :func:`denormalize_numpy`, :func:`point_forecast`,
:func:`distribution_quantiles`, :func:`sample_paths` and
:func:`quantile_columns`. Only ``keras.layers`` / ``keras.ops`` in the model
part, so it runs on any Keras backend.
"""

from __future__ import annotations

import math
import numbers

import keras
import numpy as np
from keras import ops

__all__ = [
    "DISTRIBUTION_LOSSES",
    "LOSSES",
    "POINT_LOSSES",
    "DistributionParams",
    "HeadDenormalization",
    "LocationShift",
    "MonotoneQuantiles",
    "NormalNLL",
    "PinballLoss",
    "StudentTNLL",
    "check_loss",
    "check_quantiles",
    "denormalize",
    "denormalize_numpy",
    "distribution_quantiles",
    "head_size",
    "log_gamma",
    "make_loss",
    "output_head",
    "point_forecast",
    "point_head",
    "point_loss",
    "quantile_columns",
    "sample_paths",
]

POINT_LOSSES = ("mse", "mae", "huber")
DISTRIBUTION_LOSSES = ("normal", "student_t")
LOSSES = (*POINT_LOSSES, "quantile", *DISTRIBUTION_LOSSES)

MIN_SCALE = 1e-4  # added to softplus(raw): the scale never collapses to 0
MIN_DF = 2.0  # Student-t degrees of freedom are above this...
DF_MARGIN = 1e-3  # ...by at least this much, even where softplus underflows
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


# -- validation -----------------------------------------------------------------
def check_loss(loss) -> str:
    """Return ``loss`` if it is one of :data:`LOSSES`, else raise ValueError."""
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(
            f"Received an invalid value for argument `loss`, expected one of "
            f"{LOSSES}, got {loss!r}."
        )
    return loss


def check_quantiles(quantiles, name: str = "quantiles") -> tuple[float, ...]:
    """Validate quantile levels: a non-empty, strictly increasing sequence in (0, 1).

    Parameters
    ----------
    quantiles : sequence of float
    name : str
        The argument named in the error message.

    Returns
    -------
    tuple of float

    Raises
    ------
    ValueError
        Naming ``name`` and echoing the value.
    """
    msg = (
        f"Received an invalid value for argument `{name}`, expected a non-empty, "
        f"strictly increasing sequence of floats in (0, 1), got {quantiles!r}."
    )
    if isinstance(quantiles, str | bytes) or not hasattr(quantiles, "__len__"):
        raise ValueError(msg)
    values = list(quantiles)
    if not values or not all(
        isinstance(q, numbers.Real) and not isinstance(q, bool) for q in values
    ):
        raise ValueError(msg)
    levels = tuple(float(q) for q in values)
    inside = all(0.0 < q < 1.0 for q in levels)
    increasing = all(a < b for a, b in zip(levels, levels[1:], strict=False))
    if not (inside and increasing):
        raise ValueError(msg)
    return levels


def _check_kind(kind) -> str:
    if kind not in DISTRIBUTION_LOSSES:
        raise ValueError(
            f"Received an invalid value for argument `kind`, expected one of "
            f"{DISTRIBUTION_LOSSES}, got {kind!r}."
        )
    return kind


def head_size(loss: str, quantiles=None) -> int:
    """Outputs per horizon step ``P``: 1 (point), ``Q``, 2 (normal) or 3 (student_t).

    Raises
    ------
    ValueError
        For an unknown ``loss``, or invalid ``quantiles`` with
        ``loss="quantile"`` (``quantiles`` is ignored otherwise).
    """
    check_loss(loss)
    if loss == "quantile":
        return len(check_quantiles(quantiles))
    return {"normal": 2, "student_t": 3}.get(loss, 1)


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
        self.kind = _check_kind(kind)

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

    Parameters
    ----------
    outputs : tensor
        ``(B, H)`` for a point loss, ``(B, H, P)`` otherwise (samples
        ``(B, H, S)`` transform like ``loss="quantile"``).
    loc, scale : tensor
        ``(B, 1)``, e.g. from :class:`~forecaster.models.layers.WindowNormalization`;
        ``scale > 0``, so quantiles stay ordered.
    loss : str
        One of :data:`LOSSES`.

    Returns
    -------
    tensor
        Same shape as ``outputs``. Point and quantile outputs become
        ``out * scale + loc``; for a distribution ``loc' = loc_out * scale + loc``,
        ``scale' = scale_out * scale`` and ``df`` is unchanged.
    """
    check_loss(loss)
    if loss in DISTRIBUTION_LOSSES:
        params = [outputs[..., 0] * scale + loc, outputs[..., 1] * scale]  # (B, H)
        if loss == "student_t":
            params.append(outputs[..., 2])
        return ops.stack(params, axis=-1)  # (B, H, P)
    for _ in range(len(outputs.shape) - 2):  # (B, 1) -> (B, 1, 1) for (B, H, Q)
        loc, scale = loc[..., None], scale[..., None]
    return outputs * scale + loc


@keras.saving.register_keras_serializable(package="forecaster")
class HeadDenormalization(keras.layers.Layer):
    """:func:`denormalize` as a layer, called with ``[outputs, loc, scale]``.

    Parameters
    ----------
    loss : str
        One of :data:`LOSSES`: the head whose outputs are mapped back.
    """

    def __init__(self, loss: str = "mse", **kwargs):
        super().__init__(**kwargs)
        self.loss = check_loss(loss)

    def call(self, inputs):
        # B: batch, H: horizon, P: parameters; loc, scale: (B, 1)
        outputs, loc, scale = inputs
        loc, scale = ops.cast(loc, outputs.dtype), ops.cast(scale, outputs.dtype)
        return denormalize(outputs, loc, scale, self.loss)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "loss": self.loss}


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
        One of :data:`LOSSES`.
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


# -- losses ---------------------------------------------------------------------
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
    if name == "mse":
        return keras.losses.MeanSquaredError()
    if name == "mae":
        return keras.losses.MeanAbsoluteError()
    if name == "huber":
        return keras.losses.Huber(delta=1.0)
    raise ValueError(
        f"Received an invalid value for argument `loss`, expected one of "
        f"{POINT_LOSSES}, got {name!r}."
    )


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


# -- NumPy side: scaling back, point forecasts, quantiles, samples ---------------
def denormalize_numpy(outputs, loc, scale, loss: str) -> np.ndarray:
    """:func:`denormalize` in NumPy (float64), e.g. to undo a per-series scaler.

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
    gives the median (interpolated linearly between the neighbouring levels
    when 0.5 is not one of them, the nearest level outside their range); a
    distribution gives ``loc``, its mean and median.
    """
    check_loss(loss)
    out = np.asarray(outputs)
    if loss in POINT_LOSSES:
        return out
    if loss in DISTRIBUTION_LOSSES:
        return out[..., 0]
    levels = check_quantiles(quantiles)
    k = int(np.searchsorted(levels, 0.5))
    if k < len(levels) and levels[k] == 0.5:
        return out[..., k]
    if k == 0 or k == len(levels):
        return out[..., min(k, len(levels) - 1)]
    w = (0.5 - levels[k - 1]) / (levels[k] - levels[k - 1])
    return (1.0 - w) * out[..., k - 1] + w * out[..., k]


def _distribution_params(params, loss):
    if loss not in DISTRIBUTION_LOSSES:
        raise ValueError(
            f"Received an invalid value for argument `loss`, expected one of "
            f"{DISTRIBUTION_LOSSES}, got {loss!r}."
        )
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
