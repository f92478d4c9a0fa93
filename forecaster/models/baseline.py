"""Window baselines: forecast a correction over seasonal naive (ES-RNN's idea).

* :class:`SeasonalNaiveBaseline`: each window's seasonal-naive forecast
  ``(B, H)`` (or the level-adjusted mean of its last seasons), times a
  learned weight per step;
* :class:`AddToLocation`: add a ``(B, H)`` term to any head's parameterised
  output (every quantile, a distribution's ``loc``);
* :func:`seasonal_residuals`: the seq2seq side: the decoder runs on the
  residuals over the baseline (its first input and its teacher-forced
  targets), and the baseline is added back to what it forecasts.

Only ``keras.layers`` / ``keras.ops``.
"""

from __future__ import annotations

import keras
from keras import ops

from forecaster.models.spec import POINT_LOSSES, check_loss

__all__ = ["AddToLocation", "SeasonalNaiveBaseline", "seasonal_residuals"]


@keras.saving.register_keras_serializable(package="forecaster")
class SeasonalNaiveBaseline(keras.layers.Layer):
    """The seasonal-naive forecast of each window: ``(B, L, F) -> (B, H)``.

    Step ``j`` of the horizon repeats the window's target ``season`` steps
    before it, ``x[L - season + (j mod season)]`` (``season=1``: the last
    value, naive), times a learned weight per step that starts at 1. Added
    to a head's location, the network forecasts a correction over the
    baseline it must beat, as in ES-RNN (Smyl, 2020), which had the network
    model what the seasonal profile and level leave; the weights let it
    lean less on a weak season (measured: ``benchmarks/results/wide.json``).

    With ``cycles=k > 1`` the repeated season is the mean of the window's
    last ``k`` seasons, each less its own mean, plus the mean of the last
    one: the seasonal profile averaged over ``k`` seasons at the latest
    level, as exponential smoothing smooths its seasonal states. On noisy
    seasonal series one season's noise is otherwise repeated into every
    forecast (wineind: ``benchmarks/results/wide_seasonal_mean.json``).

    Parameters
    ----------
    season : int
        Seasonal period ``m``, at most the lookback ``L``.
    horizon : int
        ``H``.
    cycles : int, default 1
        Seasons averaged ``k``; ``k * m <= L``. 1 is seasonal naive.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 7.0, 2.0, 8.0, 6.0, 6.0]])[:, :, None]  # (1, 6, 1)
    >>> SeasonalNaiveBaseline(2, 3)(x).numpy().tolist()  # the last season
    [[6.0, 6.0, 6.0]]
    >>> SeasonalNaiveBaseline(2, 3, cycles=3)(x).numpy().tolist()  # (-2, 2) at 6
    [[4.0, 8.0, 4.0]]
    """

    def __init__(self, season: int = 1, horizon: int = 1, cycles: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.season = int(season)
        self.horizon = int(horizon)
        self.cycles = int(cycles)
        if self.cycles < 1:
            raise ValueError(f"`cycles` must be at least 1, got {cycles}")
        self.weight = self.add_weight(
            shape=(self.horizon,), initializer="ones", name="weight"
        )

    def call(self, inputs):
        # B: batch, L: lookback, F: features (target is feature 0), H: horizon,
        # m: season, k: cycles
        y, lookback, m = inputs[:, :, 0], inputs.shape[1], self.season
        last = y[:, lookback - m :]  # (B, m)
        profile = last
        if self.cycles > 1:
            seasons = [
                y[:, lookback - (i + 1) * m : lookback - i * m]
                for i in range(self.cycles)
            ]
            shape = sum(s - ops.mean(s, axis=1, keepdims=True) for s in seasons)
            profile = shape / self.cycles + ops.mean(last, axis=1, keepdims=True)
        base = ops.take(profile, [j % m for j in range(self.horizon)], axis=1)  # (B, H)
        return base * ops.cast(self.weight, base.dtype)[None, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.horizon)

    def get_config(self):
        return {
            **super().get_config(),
            "season": self.season,
            "horizon": self.horizon,
            "cycles": self.cycles,
        }


@keras.saving.register_keras_serializable(package="forecaster")
class AddToLocation(keras.layers.Layer):
    """``[outputs (B, H[, P]), shift (B, H)]`` -> outputs with ``shift`` added
    to their location: a point forecast or sample path, every quantile of a
    quantile head, the ``loc`` of a distribution head.

    Parameters
    ----------
    loss : str
        What ``outputs`` hold (:data:`~forecaster.models.spec.LOSSES`).
    """

    def __init__(self, loss: str = "mse", **kwargs):
        super().__init__(**kwargs)
        self.loss = check_loss(loss)

    def call(self, inputs):
        # B: batch, H: horizon, P: outputs per step
        outputs, shift = inputs
        shift = ops.cast(shift, outputs.dtype)
        if self.loss in POINT_LOSSES:
            return outputs + shift  # (B, H)
        if self.loss == "quantile":
            return outputs + shift[..., None]  # (B, H, Q)
        loc = outputs[..., :1] + shift[..., None]
        return ops.concatenate([loc, outputs[..., 1:]], axis=-1)  # (B, H, P)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "loss": self.loss}


def seasonal_residuals(x, targets, season: int, horizon: int, cycles: int = 1):
    """The decoder's view of a window with a baseline.

    Parameters
    ----------
    x : KerasTensor
        The (normalised) window ``(B, L, F)``, target first, ``L > season``.
    targets : KerasTensor
        The (normalised) targets ``(B, H)``.
    season, horizon, cycles : int
        As :class:`SeasonalNaiveBaseline`.

    Returns
    -------
    (base, first, residual_targets)
        The baseline ``(B, H)``; the last observed residual ``(B, 1)``,
        ``y_{-1} - y_{-1-season}``; the targets less the baseline ``(B, H)``.
    """
    base = SeasonalNaiveBaseline(season, horizon, cycles, name="baseline")(x)  # (B, H)
    first = x[:, -1, :1] - x[:, -1 - season, :1]  # (B, 1)
    return base, first, targets - base
