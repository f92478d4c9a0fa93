"""Attention of a seq2seq decoder over the encoder outputs.

Additive (Bahdanau et al., 2015) and general dot-product (Luong et al.,
2015; scaled by ``1/sqrt(U)`` as in Vaswani et al., 2017) scores; the
decoder of :mod:`forecaster.models.seq2seq` calls the layer once per step,
with keys projected once per window. Only ``keras.layers`` and ``keras.ops``,
so it runs on any Keras backend.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from forecaster.models.spec import ATTENTION_SCORES, check_choice

__all__ = ["Seq2SeqAttention"]


@keras.saving.register_keras_serializable(package="forecaster")
class Seq2SeqAttention(keras.layers.Layer):
    """Attention of a decoder state over the encoder outputs.

    With ``h_j`` the encoder output at lookback step ``j`` and ``s`` the
    decoder state (the query)::

        bahdanau:  score_j = v^T tanh(W1 h_j + W2 s)    (additive)
        luong:     score_j = s^T W h_j / sqrt(U)        (general, scaled)
        a = softmax(score),  context = sum_j a_j h_j

    Parameters
    ----------
    score : {"bahdanau", "luong"}
    units : int
        Width of the additive score; for ``luong``, the query's width.

    Call with ``[query (B, U), values (B, L, E)]`` and optionally the keys of
    :meth:`project_keys` (computed once, not at every decoder step); returns
    ``(context (B, E), weights (B, L))``.
    """

    def __init__(self, score: str = "bahdanau", units: int = 64, **kwargs):
        super().__init__(**kwargs)
        self.score = check_choice("score", score, ATTENTION_SCORES)
        self.units = int(units)
        self.key_dense = keras.layers.Dense(self.units, use_bias=False, name="key")
        if score == "bahdanau":
            self.query_dense = keras.layers.Dense(
                self.units, use_bias=False, name="query"
            )
            self.score_dense = keras.layers.Dense(1, use_bias=False, name="score")

    def build(self, input_shape):
        query_shape, values_shape = input_shape[0], input_shape[1]
        self.key_dense.build(values_shape)
        if self.score == "bahdanau":
            self.query_dense.build(query_shape)
            self.score_dense.build((*values_shape[:-1], self.units))

    def project_keys(self, values):
        """Keys, once per window: ``W1 h`` (bahdanau) or ``W h / sqrt(U)``
        (luong), ``(B, L, E) -> (B, L, U)``."""
        keys = self.key_dense(values)
        if self.score == "luong":
            # Scaled by 1/sqrt(U) (Vaswani et al., 2017), here once per window
            # rather than at every decoder step: unscaled scores grow with the
            # width and saturate the softmax, which starves the score of
            # gradient (taylor, context_every_step + luong, seed 0: MASE
            # 1.559 unscaled, 1.133 scaled).
            keys = keys / math.sqrt(self.units)
        return keys

    def call(self, inputs):
        # B: batch, L: lookback, E: encoder width, U: units
        query, values = inputs[0], inputs[1]  # (B, U), (B, L, E)
        keys = inputs[2] if len(inputs) > 2 else self.project_keys(values)
        if self.score == "bahdanau":
            q = self.query_dense(query)[:, None, :]  # (B, 1, U)
            scores = self.score_dense(ops.tanh(keys + q))[..., 0]  # (B, L)
        else:
            scores = ops.sum(keys * query[:, None, :], axis=-1)  # (B, L), scaled
        weights = ops.softmax(scores, axis=-1)  # (B, L)
        context = ops.sum(weights[:, :, None] * values, axis=1)  # (B, E)
        return context, weights

    def compute_output_shape(self, input_shape):
        query_shape, values_shape = input_shape[0], input_shape[1]
        return (query_shape[0], values_shape[-1]), tuple(values_shape[:2])

    def get_config(self):
        return {**super().get_config(), "score": self.score, "units": self.units}
