"""The one seam for backend-specific recurrent kernels, as Keras's for cuDNN.

Keras runs an LSTM on a GPU through cuDNN and everywhere else through the
generic ``keras.ops`` loop of its cell: one small matmul, gate ops and
their gradients per time step, each a separate kernel launch, so on a CPU
a forecasting-sized step is overhead-bound (``benchmarks/cpu_step.py``).
TensorFlow has a fused whole-sequence LSTM kernel for the CPU,
``BlockLSTM``: forward and backward are one op each. (Not ``BlockLSTMV2``,
which takes Keras's gate order: in TensorFlow 2.21 its registered gradient
returns the forget and cell-gate blocks swapped, off by the gradient's own
size against finite differences; ``BlockLSTM``'s agrees to 1e-4.)

:class:`LSTM` is Keras's ``LSTM`` with one more fast path: where Keras
would fall back to the generic loop (no GPU for cuDNN) and the
configuration is the one ``BlockLSTM`` computes (TensorFlow backend,
tanh/sigmoid, no mask, no dropout, forwards, not unrolled), it calls the
fused kernel; otherwise Keras's own paths run (cuDNN, JAX's ``lax.scan``,
the generic loop). The weights are the cell's own variables in Keras's
layout (``kernel (F, 4U)``, ``recurrent_kernel (U, 4U)``, ``bias (4U,)``,
gates ``i, f, c, o``), rearranged for the kernel inside the call, so an
artifact saved on one path loads and predicts on the other
(``tests/models/test_kernels.py`` checks outputs and gradients agree to
1e-5). ``FORECASTER_FUSED_LSTM=0`` turns the seam off (for comparisons).

The fused kernel's *gradient* only wins while the step is overhead-bound.
Measured on this project's 2-core CPU (one training step in a
``tf.function``, lookback 36-168): fused against generic 0.43x at batch 32
and 32 units, 0.58x at 32 x 64, 0.68x at 64 x 64, 0.71x at 32 x 96; but
1.7-1.9x at 128 x 64 and 32 x 128, and 1.3-1.4x from 128 x 256 up to
1024 x 256. So training takes the fused path only up to
``FUSED_MAX_UNITS`` units and ``FUSED_MAX_TRAIN_BATCH`` windows a batch
(a batch whose size is only known at run time picks its branch then);
inference, forward only, stays fused (1024 x 256: 0.62 s against 0.71 s).
"""

from __future__ import annotations

import os

import keras

__all__ = ["LSTM", "fused_lstm_applies", "fused_lstm", "fused_lstm_trains_faster"]

FUSED_MAX_UNITS = 96
FUSED_MAX_TRAIN_BATCH = 64


def fused_lstm_applies(layer, mask, training) -> bool:
    """Whether ``layer``'s call can run on TensorFlow's fused CPU kernel."""
    if keras.backend.backend() != "tensorflow":
        return False
    if os.environ.get("FORECASTER_FUSED_LSTM", "1") == "0":
        return False
    cell = layer.cell
    plain = (
        mask is None
        and not layer.go_backwards
        and not layer.unroll
        and not cell.recurrent_dropout
        and not (training and cell.dropout)
        and cell.use_bias
        and layer.compute_dtype == "float32"  # no mixed-precision CPU kernel
        and cell.activation is keras.activations.tanh
        and cell.recurrent_activation is keras.activations.sigmoid
    )
    return plain and not _gpu_visible()


def fused_lstm_trains_faster(units: int, batch: int | None) -> bool:
    """Whether a training step of this size is faster on the fused kernel.

    ``batch=None``: not known yet (the caller decides per batch at run time).
    """
    if units > FUSED_MAX_UNITS:
        return False
    return batch is None or batch <= FUSED_MAX_TRAIN_BATCH


def _gpu_visible() -> bool:
    """cuDNN is Keras's fast path where a GPU is visible: leave it there."""
    import tensorflow as tf

    return bool(tf.config.list_logical_devices("GPU"))


def fused_lstm(
    sequences, initial_h, initial_c, kernel, recurrent_kernel, bias, return_sequences
):
    """One LSTM layer over ``sequences`` by ``BlockLSTM``, Keras's weights.

    Returns what Keras's backend ``lstm`` returns: ``(last_output (B, U),
    outputs (B, L, U) or (B, 1, U), [h, c])``.
    """
    import tensorflow as tf

    # B: batch, L: lookback, F: features, U: units. The kernel takes the
    # inputs and the state concatenated and the gates as i, c, f, o (Keras:
    # i, f, c, o), with its own forget bias (0 here: Keras's is in ``bias``).
    i, f, c, o = tf.split(tf.concat([kernel, recurrent_kernel], 0), 4, axis=1)
    w = tf.concat([i, c, f, o], axis=1)  # (F + U, 4U)
    bi, bf, bc, bo = tf.split(bias, 4)
    b = tf.concat([bi, bc, bf, bo], axis=0)  # (4U,)
    x = tf.transpose(sequences, (1, 0, 2))  # (L, B, F): time-major
    no_peephole = tf.zeros_like(b[: tf.shape(b)[0] // 4])  # (U,)
    _, cs, _, _, _, _, h = tf.raw_ops.BlockLSTM(
        seq_len_max=tf.cast(tf.shape(x)[0], tf.int64),
        x=x,
        cs_prev=tf.cast(initial_c, x.dtype),
        h_prev=tf.cast(initial_h, x.dtype),
        w=tf.cast(w, x.dtype),
        wci=no_peephole,
        wcf=no_peephole,
        wco=no_peephole,
        b=tf.cast(b, x.dtype),
        forget_bias=0.0,
        cell_clip=-1.0,  # off (its default clips the cell state at 3)
        use_peephole=False,
    )  # h, cs: (L, B, U)
    last_h, last_c = h[-1], cs[-1]
    outputs = tf.transpose(h, (1, 0, 2)) if return_sequences else last_h[:, None]
    return last_h, outputs, [last_h, last_c]


@keras.saving.register_keras_serializable(package="forecaster")
class LSTM(keras.layers.LSTM):
    """``keras.layers.LSTM`` with the fused CPU kernel behind the seam above."""

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if isinstance(mask, list | tuple):
            mask = mask[0]
        batch = sequences.shape[0]
        if not fused_lstm_applies(self, mask, training) or (
            training and not fused_lstm_trains_faster(self.units, batch)
        ):
            return super().inner_loop(sequences, initial_state, mask, training)
        # as Keras does for cuDNN: the fused op has no XLA kernel
        self.supports_jit = False
        cell = self.cell
        weights = (cell.kernel.value, cell.recurrent_kernel.value, cell.bias.value)

        # both return (last (B, U), outputs, [h, c]): tf.cond needs one structure
        def fused():
            last, outputs, states = fused_lstm(
                sequences, *initial_state, *weights, self.return_sequences
            )
            return last, outputs, list(states)

        def generic():
            last, outputs, states = super(LSTM, self).inner_loop(
                sequences, initial_state, None, training=True
            )
            return last, outputs, list(states)

        if not training or batch is not None:
            return fused()
        return _by_batch_size(sequences, fused, generic)


def _by_batch_size(sequences, fused, generic):
    """``fused()`` for a batch of at most ``FUSED_MAX_TRAIN_BATCH`` windows,
    else ``generic()``: a ``tf.cond`` on the batch's run-time size."""
    import tensorflow as tf

    small = tf.shape(sequences)[0] <= FUSED_MAX_TRAIN_BATCH
    return tf.cond(small, fused, generic)
