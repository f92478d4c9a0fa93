"""The fused-kernel seam: the same weights, outputs and gradients as Keras's."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from forecaster.models import kernels


def _pair(**kw):
    """Keras's LSTM and the seam's, built with the same (perturbed) weights."""
    ref, fast = keras.layers.LSTM(5, **kw), kernels.LSTM(5, **kw)
    ref.build((None, 9, 3))
    fast.build((None, 9, 3))
    rng = np.random.default_rng(1)
    weights = [w + 0.2 * rng.normal(size=w.shape) for w in ref.get_weights()]
    ref.set_weights(weights)
    fast.set_weights(weights)
    return ref, fast


@pytest.mark.parametrize(
    "kw",
    [{}, {"return_sequences": True}, {"return_state": True}],
    ids=["last", "sequences", "states"],
)
def test_the_fused_kernel_gives_keras_outputs_and_gradients(kw):
    ref, fast = _pair(**kw)
    x = tf.constant(np.random.default_rng(0).normal(size=(6, 9, 3)), tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        outs = [tf.nest.flatten(layer(x)) for layer in (ref, fast)]
        losses = [sum(tf.reduce_sum(o**2) for o in out) for out in outs]
    for a, b in zip(*outs, strict=True):
        np.testing.assert_allclose(b.numpy(), a.numpy(), atol=1e-5)
    for layer_ref, layer_fast in [(ref, fast)]:
        g_ref = tape.gradient(losses[0], [*layer_ref.trainable_weights, x])
        g_fast = tape.gradient(losses[1], [*layer_fast.trainable_weights, x])
        for a, b in zip(g_ref, g_fast, strict=True):
            np.testing.assert_allclose(b.numpy(), a.numpy(), atol=1e-5)


def test_the_seam_applies_only_where_the_fused_kernel_computes_the_same():
    _, fast = _pair()
    assert kernels.fused_lstm_applies(fast, None, training=True)
    assert not kernels.fused_lstm_applies(fast, tf.ones((2, 9), bool), training=True)
    dropped = kernels.LSTM(5, dropout=0.5)
    dropped.build((None, 9, 3))
    assert not kernels.fused_lstm_applies(dropped, None, training=True)
    assert kernels.fused_lstm_applies(dropped, None, training=False)  # inference
    backwards = kernels.LSTM(5, go_backwards=True)
    backwards.build((None, 9, 3))
    assert not kernels.fused_lstm_applies(backwards, None, training=False)


def test_the_seam_can_be_turned_off(monkeypatch):
    _, fast = _pair()
    monkeypatch.setenv("FORECASTER_FUSED_LSTM", "0")
    assert not kernels.fused_lstm_applies(fast, None, training=False)


def test_weights_saved_on_one_path_load_on_the_other(tmp_path):
    ref, _ = _pair()
    x = np.random.default_rng(2).normal(size=(4, 9, 3)).astype("float32")
    inp = keras.Input((9, 3))
    saved = keras.Model(inp, keras.layers.Dense(2, name="head")(ref(inp)))
    saved.save_weights(tmp_path / "m.weights.h5")
    inp = keras.Input((9, 3))
    fast = kernels.LSTM(5, name=ref.name)
    loaded = keras.Model(inp, keras.layers.Dense(2, name="head")(fast(inp)))
    loaded.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_allclose(loaded(x), saved(x), atol=1e-5)


def test_training_takes_the_fused_kernel_only_at_the_sizes_it_wins():
    assert kernels.fused_lstm_trains_faster(64, 32)
    assert kernels.fused_lstm_trains_faster(64, None)  # decided per batch
    assert not kernels.fused_lstm_trains_faster(128, 32)
    assert not kernels.fused_lstm_trains_faster(64, 128)


def _ops(fn, *specs) -> set[str]:
    graph = tf.function(fn).get_concrete_function(*specs).graph
    ops = {op.type for op in graph.get_operations()}
    for f in graph._functions.values():  # the branches of a tf.cond
        ops |= {op.type for op in f.graph.get_operations()}
    return ops


def test_a_large_training_batch_runs_the_generic_loop_and_inference_stays_fused():
    _, fast = _pair()
    big = tf.TensorSpec((128, 9, 3), tf.float32)
    assert "BlockLSTM" not in _ops(lambda x: fast(x, training=True), big)
    assert "BlockLSTM" in _ops(lambda x: fast(x, training=False), big)
    small = tf.TensorSpec((8, 9, 3), tf.float32)
    assert "BlockLSTM" in _ops(lambda x: fast(x, training=True), small)


@pytest.mark.parametrize("batch", [8, 100])
def test_a_batch_of_run_time_size_gets_keras_gradients_on_either_branch(batch):
    ref, fast = _pair()
    x = tf.constant(np.random.default_rng(3).normal(size=(batch, 9, 3)), tf.float32)

    @tf.function(input_signature=[tf.TensorSpec((None, 9, 3), tf.float32)])
    def grads_fast(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(fast(x, training=True) ** 2)
        return tape.gradient(loss, fast.trainable_weights)

    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(ref(x, training=True) ** 2)
    expected = tape.gradient(loss, ref.trainable_weights)
    for a, b in zip(expected, grads_fast(x), strict=True):
        np.testing.assert_allclose(b.numpy(), a.numpy(), atol=1e-5)
