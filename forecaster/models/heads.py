"""Output heads and their losses.

A head maps the network's final features ``(B, D)`` to the forecast of the
whole horizon at once. The point head emits ``(B, H)``.
"""

from __future__ import annotations

import keras

__all__ = ["LOSSES", "POINT_LOSSES", "point_head", "point_loss"]

POINT_LOSSES = ("mse", "mae", "huber")
LOSSES = POINT_LOSSES


def point_head(features, horizon: int, name: str = "head"):
    """Dense projection of ``(B, D)`` features to ``(B, horizon)`` forecasts."""
    return keras.layers.Dense(horizon, name=name)(features)


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
