"""What a forecaster can be asked for, and what its head emits (no Keras).

Every choice list of the models (cells, window norms, losses, seq2seq
wirings and attentions, scheduled-sampling schedules, mixed-precision
policies) with the one validator :func:`check_choice`, and the layout of a
head's output. Kept free of Keras so that the estimators' light paths
(parameter checks, the NumPy side of forecasts) do not import TensorFlow.

===============  ===  =============================================
loss             P    last axis of the head's output
===============  ===  =============================================
mse, mae, huber  -    (none: the output is ``(B, H)``)
quantile         Q    the quantiles, non-decreasing by construction
normal           2    loc, scale (``scale > 0``)
student_t        3    loc, scale, df (``df > 2``: the variance exists)
===============  ===  =============================================
"""

from __future__ import annotations

import bisect
import numbers

__all__ = [
    "BASELINES",
    "ATTENTIONS",
    "ATTENTION_SCORES",
    "CELLS",
    "DISTRIBUTION_LOSSES",
    "LOSSES",
    "MIXED_PRECISION_POLICIES",
    "POINT_LOSSES",
    "SCHEDULES",
    "SEARCH_FAMILIES",
    "SEARCH_METRICS",
    "WINDOW_NORMS",
    "WIRINGS",
    "check_choice",
    "check_loss",
    "check_quantiles",
    "head_size",
    "median_of_quantiles",
]

# The stock cells run Keras's fused layers (cuDNN on GPU); the last two are
# forecaster.models.cells, stepped by the generic keras.layers.RNN loop.
CELLS = ("lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm")
# Per-window normalisation of the target channel (None: off).
WINDOW_NORMS = ("standard", "mean", None)
# What a many-to-one head forecasts a correction over (None: the values).
BASELINES = (None, "naive", "seasonal_naive", "seasonal_mean", "auto")
POINT_LOSSES = ("mse", "mae", "huber")
DISTRIBUTION_LOSSES = ("normal", "student_t")
LOSSES = (*POINT_LOSSES, "quantile", *DISTRIBUTION_LOSSES)
# How a seq2seq decoder sees the encoder's context, and which attention it uses.
WIRINGS = ("init_state", "context_every_step")
ATTENTION_SCORES = ("bahdanau", "luong")
ATTENTIONS = (None, *ATTENTION_SCORES)
# Scheduled sampling (Bengio et al., 2015): how the probability of feeding the
# decoder its own prediction rises over training.
SCHEDULES = ("linear", "inverse_sigmoid", "exponential")
# Keras dtype policies a network may be built under (None: the global one).
MIXED_PRECISION_POLICIES = (None, "mixed_float16", "mixed_bfloat16")
# AutoForecaster's search: the families it builds ("any": both) and the
# lower-is-better point metrics of forecaster.metrics it minimises.
SEARCH_FAMILIES = ("recurrent", "seq2seq", "any")
SEARCH_METRICS = ("mase", "mae", "rmse", "smape")


def check_choice(name: str, value, choices: tuple):
    """Return ``value`` if it is one of ``choices``, else raise ValueError.

    Parameters
    ----------
    name : str
        The argument named in the error message.
    value : object
        What the caller was given.
    choices : tuple of str or None
        One of this module's choice lists. Only a ``str`` or ``None`` can
        match, so an array or a list is an invalid value, not an error of
        ``in``.

    Returns
    -------
    str or None
        ``value``, unchanged.

    Raises
    ------
    ValueError
        Naming ``name``, listing ``choices`` and echoing ``value``.

    Examples
    --------
    >>> check_choice("cell", "gru", CELLS)
    'gru'
    >>> check_choice("cell", "tcn", CELLS)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ... argument `cell`, expected one of ('lstm', ...), got 'tcn'.
    """
    if not (value is None or isinstance(value, str)) or value not in choices:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected one of "
            f"{choices}, got {value!r}."
        )
    return value


def check_loss(loss) -> str:
    """Return ``loss`` if it is one of :data:`LOSSES`, else raise ValueError."""
    return check_choice("loss", loss, LOSSES)


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


def median_of_quantiles(values, quantiles):
    """The median of a quantile head's outputs: ``(..., Q) -> (...)``.

    The ``0.5`` column itself when 0.5 is a level; else linear between the two
    levels around 0.5; outside their range, the nearest extreme level (flat,
    as :func:`forecaster.models.sampling.quantile_at`).

    Only indexing and arithmetic with Python floats, so the one function
    serves every array type and keeps its dtype: NumPy arrays (``predict``'s
    ``yhat``), ``keras.ops`` / TensorFlow tensors (the seq2seq decoder's
    feedback, the SavedModel's ``yhat``).

    Parameters
    ----------
    values : array or tensor
        ``(..., Q)``, in the order of ``quantiles``.
    quantiles : sequence of float
        The ``Q`` levels, strictly increasing in (0, 1).

    Returns
    -------
    array or tensor
        ``(...)``, the type and dtype of ``values``.

    Examples
    --------
    >>> import numpy as np
    >>> median_of_quantiles(np.array([1.0, 2.0, 4.0]), (0.1, 0.3, 0.7)).item()
    3.0
    """
    levels = check_quantiles(quantiles)
    k = bisect.bisect_left(levels, 0.5)  # levels[k - 1] < 0.5 <= levels[k]
    if k < len(levels) and levels[k] == 0.5:
        return values[..., k]
    if k == 0 or k == len(levels):
        return values[..., min(k, len(levels) - 1)]
    w = (0.5 - levels[k - 1]) / (levels[k] - levels[k - 1])
    return (1.0 - w) * values[..., k - 1] + w * values[..., k]
