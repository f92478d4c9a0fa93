"""Building blocks shared by every model family.

* :func:`recurrent_cell` / :func:`recurrent_layer`: the one cell factory. A
  ``cell`` name maps, in one table, to its one-step cell (what a seq2seq
  decoder steps) and, for the stock cells, to Keras's fused layer (cuDNN on
  GPU); the custom cells of :mod:`forecaster.models.cells` are looped by the
  generic ``keras.layers.RNN``.
* :class:`WindowNormalization` / :class:`WindowDenormalization`: per-window
  (instance) normalisation of the target channel, whose statistics come from
  each lookback window alone (RevIN, Kim et al. 2022, without the affine
  part), and its inverse for any head (:func:`~forecaster.models.heads.denormalize`).
  A trending series then looks the same at every level, so the model can
  extrapolate past the range seen in training.

Only ``keras.layers`` / ``keras.ops``: the models run on any Keras backend.
"""

from __future__ import annotations

from functools import partial

import keras
from keras import ops

from forecaster.models import kernels
from forecaster.models.cells import CoupledLSTMCell, PeepholeLSTMCell
from forecaster.models.heads import denormalize
from forecaster.models.spec import CELLS, WINDOW_NORMS, check_choice, check_loss

__all__ = [
    "CELLS",
    "WINDOW_NORMS",
    "recurrent_cell",
    "recurrent_layer",
    "WindowNormalization",
    "WindowDenormalization",
]

# cell name -> (one-step cell, fused layer or None), in the order of CELLS. The
# fused layers keep Keras's cuDNN conditions at their defaults (tanh, sigmoid,
# no recurrent dropout, no unroll, use_bias); the GRU's reset_after=True is
# also the cuDNN variant, spelled out because the other one loses cuDNN.
_CELL_TABLE = {
    "lstm": (keras.layers.LSTMCell, kernels.LSTM),  # + the fused CPU seam
    "gru": (
        partial(keras.layers.GRUCell, reset_after=True),
        partial(keras.layers.GRU, reset_after=True),
    ),
    "rnn": (keras.layers.SimpleRNNCell, keras.layers.SimpleRNN),
    "peephole_lstm": (PeepholeLSTMCell, None),
    "coupled_lstm": (CoupledLSTMCell, None),
}


def recurrent_cell(cell: str, units: int, name: str | None = None):
    """The one-step cell of ``cell``: ``call(x, states) -> (h, new_states)``.

    The cell that :func:`recurrent_layer` loops for the same name, with the
    same weights (``kernel``, ``recurrent_kernel``, ``bias``, ...).

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm"}
    units : int
        Hidden units.
    name : str, optional

    Returns
    -------
    keras.layers.Layer

    Raises
    ------
    ValueError
        For an unknown cell name.
    """
    check_choice("cell", cell, CELLS)
    return _CELL_TABLE[cell][0](units, name=name)


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
    check_choice("cell", cell, CELLS)
    kw = {
        "return_sequences": return_sequences,
        "return_state": return_state,
        "name": name,
    }
    fused = _CELL_TABLE[cell][1]
    if fused is not None:
        return fused(units, **kw)
    return keras.layers.RNN(recurrent_cell(cell, units), **kw)


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
        if mode is None or mode not in WINDOW_NORMS:  # None: no layer at all
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
    """Map a head's outputs back with the statistics of their own window.

    :func:`~forecaster.models.heads.denormalize` as a layer, the inverse of
    :class:`WindowNormalization` for every head.

    Parameters
    ----------
    loss : str, default "mse"
        One of :data:`~forecaster.models.spec.LOSSES`: what the outputs hold.
        A point loss (values, sample paths ``(B, H)``) and ``quantile`` shift
        and scale every output; a distribution shifts and scales ``loc``,
        scales ``scale`` and keeps ``df``.

    Call with ``[outputs, loc, scale]``: ``outputs`` ``(B, H)`` or
    ``(B, H, P)``, ``loc`` and ``scale`` ``(B, 1)``; returns the shape and
    dtype of ``outputs``.
    """

    def __init__(self, loss: str = "mse", **kwargs):
        super().__init__(**kwargs)
        self.loss = check_loss(loss)

    def call(self, inputs):
        # B: batch, H: horizon, P: outputs per step; loc, scale: (B, 1)
        outputs, loc, scale = inputs
        # denormalize() would widen to the widest dtype; a layer keeps its
        # outputs' (a float32 head under mixed precision, say).
        loc, scale = ops.cast(loc, outputs.dtype), ops.cast(scale, outputs.dtype)
        return denormalize(outputs, loc, scale, self.loss)  # (B, H[, P])

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "loss": self.loss}


# Until issue 15 the same layer also existed as heads.HeadDenormalization: a
# model config naming it still deserialises (to this layer).
keras.saving.get_custom_objects()["forecaster>HeadDenormalization"] = (
    WindowDenormalization
)
