"""Fits leave nothing in TensorFlow's gradient registry (tensorflow#97697)."""

import gc

import numpy as np
import pandas as pd
import tensorflow as tf
from tensorflow.python.framework import func_graph, ops

import forecaster
from forecaster.estimators import graph_registry
from forecaster.estimators.graph_registry import released_gradients

TABLE = ops._gradient_registry._registry


def _custom_names() -> set:
    return {n for n in TABLE if n.startswith("CustomGradient-")}


def _live_graphs() -> int:
    gc.collect()
    return sum(isinstance(o, func_graph.FuncGraph) for o in gc.get_objects())


def _fit() -> None:
    t = np.arange(60)
    df = pd.DataFrame(
        {
            "unique_id": "s",
            "ds": pd.date_range("2020-01-01", periods=60, freq="MS"),
            "y": np.sin(2 * np.pi * t / 12) + 0.01 * t,
        }
    )
    est = forecaster.RecurrentForecaster(
        horizon=6, max_epochs=2, verbose=0, random_state=0
    )
    est.fit(df).predict()


def test_a_fit_leaves_no_custom_gradient_and_no_train_graph_behind():
    _fit()  # first-call tracing of module-level functions, kept for good
    names, graphs = _custom_names(), _live_graphs()
    for _ in range(2):
        _fit()
    assert _custom_names() == names
    # without the release each fit keeps its train graphs (about 40 FuncGraphs)
    assert _live_graphs() <= graphs + 2


def test_the_window_drops_only_what_was_registered_inside_it():
    @tf.custom_gradient
    def double(x):
        return 2 * x, lambda dy: 2 * dy

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = double(x)
        return tape.gradient(y, x)

    @tf.function
    def outside(x):  # registered before the window: kept
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = double(x)
        return tape.gradient(y, x)

    outside(tf.constant(1.0))
    kept = _custom_names()
    with released_gradients():
        with released_gradients():  # a concurrent fit
            assert float(step(tf.constant(1.0))) == 2.0
        assert _custom_names() > kept  # the outer fit may still be tracing
    assert _custom_names() == kept
    assert graph_registry._active == 0
