"""The seq2seq decoder's attention layer against a NumPy reference."""

import json

import numpy as np
import pytest

from forecaster.models.attention import Seq2SeqAttention

L = 10
RNG = np.random.default_rng(0)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("score", ["bahdanau", "luong"])
def test_attention_matches_numpy_reference(score):
    units, e = 4, 3
    layer = Seq2SeqAttention(score, units)
    query = RNG.normal(size=(2, units)).astype("float32")
    values = RNG.normal(size=(2, L, e)).astype("float32")
    context, weights = (np.asarray(a) for a in layer([query, values]))
    w_key = layer.key_dense.get_weights()[0]  # (E, U)
    if score == "bahdanau":
        w_query = layer.query_dense.get_weights()[0]  # (U, U)
        v = layer.score_dense.get_weights()[0][:, 0]  # (U,)
        hidden = np.tanh(values @ w_key + (query @ w_query)[:, None, :])
        scores = hidden @ v  # (B, L)
    else:
        # scaled by 1 / sqrt(U) (Vaswani et al., 2017)
        scores = np.einsum("bu,blu->bl", query, values @ w_key) / np.sqrt(units)
    ref = _softmax(scores)
    np.testing.assert_allclose(weights, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(context, np.einsum("bl,ble->be", ref, values), 1e-5)


def test_config_round_trip():
    layer = Seq2SeqAttention("luong", 5, name="att")
    config = layer.get_config()
    again = Seq2SeqAttention.from_config(config).get_config()
    assert json.dumps(again, sort_keys=True) == json.dumps(config, sort_keys=True)
