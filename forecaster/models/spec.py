"""The losses a forecaster can train, and their output shapes (no Keras).

Kept free of Keras so that the estimators' light paths (parameter checks,
the NumPy side of forecasts) do not import TensorFlow.

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

import numbers

__all__ = [
    "DISTRIBUTION_LOSSES",
    "LOSSES",
    "POINT_LOSSES",
    "check_loss",
    "check_quantiles",
    "head_size",
]

POINT_LOSSES = ("mse", "mae", "huber")
DISTRIBUTION_LOSSES = ("normal", "student_t")
LOSSES = (*POINT_LOSSES, "quantile", *DISTRIBUTION_LOSSES)


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
