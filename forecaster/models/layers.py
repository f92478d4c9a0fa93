"""Building blocks shared by every model family.

* :func:`recurrent_layer`: the one factory that turns a ``cell`` name into a
  Keras recurrent layer, with cuDNN-eligible settings for the stock cells.
* :class:`WindowNormalization` / :class:`WindowDenormalization`: per-window
  (instance) normalisation of the target channel, whose statistics come from
  each lookback window alone (RevIN, Kim et al. 2022, without the affine
  part). A trending series then looks the same at every level, so the model
  can extrapolate past the range seen in training.

Only ``keras.layers`` / ``keras.ops``: the models run on any Keras backend.
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = [
    "CELLS",
    "WINDOW_NORMS",
    "recurrent_layer",
    "WindowNormalization",
    "WindowDenormalization",
]

CELLS = ("lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm")
WINDOW_NORMS = ("standard", "mean", None)


def recurrent_layer(
    cell: str,
    units: int,
    return_sequences: bool = False,
    return_state: bool = False,
    name: str | None = None,
) -> keras.layers.Layer:
    """A recurrent layer for ``cell`` with the fast-path defaults.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm"}
        ``lstm`` / ``gru`` keep Keras's cuDNN conditions (tanh, sigmoid, no
        recurrent dropout, no unroll, GRU ``reset_after=True``). The custom
        ``peephole_lstm`` and ``coupled_lstm`` cells run through the generic
        ``keras.layers.RNN`` loop and are slower (no fused kernel).
    units : int
        Hidden units.
    return_sequences, return_state : bool
        As in Keras.
    name : str, optional

    Returns
    -------
    keras.layers.Layer

    Raises
    ------
    ValueError
        For an unknown cell name.
    """
    kw = {
        "return_sequences": return_sequences,
        "return_state": return_state,
        "name": name,
    }
    if cell == "lstm":
        return keras.layers.LSTM(units, **kw)
    if cell == "gru":
        return keras.layers.GRU(units, reset_after=True, **kw)
    if cell == "rnn":
        return keras.layers.SimpleRNN(units, **kw)
    if cell in ("peephole_lstm", "coupled_lstm"):
        from forecaster.models.cells import CoupledLSTMCell, PeepholeLSTMCell

        cls = PeepholeLSTMCell if cell == "peephole_lstm" else CoupledLSTMCell
        return keras.layers.RNN(cls(units), **kw)
    raise ValueError(
        f"Received an invalid value for argument `cell`, expected one of {CELLS}, "
        f"got {cell!r}."
    )


@keras.saving.register_keras_serializable(package="forecaster")
class WindowNormalization(keras.layers.Layer):
    """Normalise the target channel of each window by its own statistics.

    Parameters
    ----------
    mode : {"standard", "mean"}
        ``standard`` subtracts the window mean and divides by the window
        standard deviation; ``mean`` only subtracts the mean.
    epsilon : float
        Added to the variance, so a constant window does not divide by zero.

    Call returns ``(normalised, loc, scale)`` with ``loc`` and ``scale`` of
    shape ``(B, 1)``, to be handed to :class:`WindowDenormalization`.
    """

    def __init__(self, mode: str = "standard", epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        if mode not in ("standard", "mean"):
            raise ValueError(
                "Received an invalid value for argument `mode`, expected 'standard' "
                f"or 'mean', got {mode!r}."
            )
        self.mode = mode
        self.epsilon = epsilon

    def call(self, inputs):
        # B: batch, L: lookback, F: features (target is feature 0)
        target = inputs[:, :, :1]  # (B, L, 1)
        loc = ops.mean(target, axis=1)  # (B, 1)
        if self.mode == "standard":
            var = ops.mean(ops.square(target - loc[:, None, :]), axis=1)
            scale = ops.sqrt(var + self.epsilon)  # (B, 1)
        else:
            scale = ops.ones_like(loc)
        normed = (target - loc[:, None, :]) / scale[:, None, :]  # (B, L, 1)
        out = ops.concatenate([normed, inputs[:, :, 1:]], axis=-1)  # (B, L, F)
        return out, loc, scale

    def compute_output_shape(self, input_shape):
        b = input_shape[0]
        return input_shape, (b, 1), (b, 1)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="forecaster")
class WindowDenormalization(keras.layers.Layer):
    """Map outputs back with the statistics of their own window.

    Call with ``[outputs, loc, scale]``; ``outputs`` is ``(B, H)`` or
    ``(B, H, Q)`` and ``loc``, ``scale`` are ``(B, 1)``.
    """

    def call(self, inputs):
        outputs, loc, scale = inputs
        extra = len(outputs.shape) - 2  # 0 for (B, H), 1 for (B, H, Q)
        for _ in range(extra):
            loc, scale = loc[..., None], scale[..., None]
        return outputs * scale + loc

    def compute_output_shape(self, input_shape):
        return input_shape[0]
