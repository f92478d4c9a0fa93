"""``fit``'s second step: the tf.data pipelines over one scaled copy.

The training windows (shuffled, endless on a single host so Keras keeps one
iterator for the whole step budget) and the validation windows (the tail of
every series, at most :data:`_MAX_VAL_WINDOWS`, evenly spread) are gathered
per batch from one float32 copy of the scaled values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from forecaster.data import make_dataset, transform, window_starts
from forecaster.estimators.defaults import budget_epochs
from forecaster.estimators.inputs import Prepared

__all__ = ["Pipelines", "build_pipelines"]

_VAL_BATCH = 4096  # validation / calibration windows per batch: forward only
# Validation windows kept, evenly spaced in time, series by series: with the
# step budget a check must not cost more on a longer series (a 100,000-point
# hourly series has 10,000 tail windows), and 2,048 residuals per horizon
# step already pin the early-stopping loss and the conformal quantiles.
_MAX_VAL_WINDOWS = 2048


def _spread(starts: np.ndarray, most: int = _MAX_VAL_WINDOWS) -> np.ndarray:
    """At most ``most`` of ``starts``, evenly spaced, the last one kept."""
    if len(starts) <= most:
        return starts
    keep = np.unique(np.linspace(0, len(starts) - 1, most).round().astype(np.int64))
    return starts[keep]


@dataclass
class Pipelines:
    """What :func:`build_pipelines` returns: tf.data pipelines over one
    scaled copy, and what training and calibration need of them."""

    train: Any  # endless (single host) or per-epoch dataset
    val: Any  # None without validation windows
    n_train: int  # training windows
    val_starts: np.ndarray
    epoch: Any  # tf.Variable read by the training shuffle: batches drawn
    steps: tuple[int] | None  # steps per epoch of an endless pipeline
    epochs: int  # Keras epochs (validation checks) the budget allows
    scaled: Any  # tf.Tensor (n_total, F), shared by the pipelines
    common: dict  # window options shared by every pipeline


def build_pipelines(est, data: Prepared, endless: bool) -> Pipelines:
    """``fit``'s second step: the training and validation pipelines of
    ``est`` over one scaled copy of ``data`` (endless on a single host)."""
    import keras
    import tensorflow as tf

    panel, state = data.panel, data.state
    lookback, h = state["lookback_"], est.horizon
    train_starts = window_starts(panel.indptr, lookback, h, max_end=data.train_len)
    val_starts = _spread(
        window_starts(panel.indptr, lookback, h, min_end=data.train_len + 1)
    )
    # One float32 copy of the scaled values, in TensorFlow, shared by the
    # training, validation and calibration pipelines.
    values = transform(state["scaler_"], panel.values, panel.indptr)
    scaled = tf.constant(np.asarray(values, np.float32))
    seed = None if est.random_state is None else int(est.random_state)
    if seed is not None:
        keras.utils.set_random_seed(seed)
    epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
    common = dict(
        future_cols=state["layout_"].future_idx,
        indptr=panel.indptr,
        static=data.static,
    )

    def adapt(inputs, targets):
        return est._train_inputs(inputs, targets), targets

    # Single host: one endless pipeline run with steps_per_epoch, so Keras
    # keeps one iterator for the whole fit (a new one per epoch costs
    # ~0.1 s, most of an epoch on a small data set). Under a strategy the
    # per-epoch pipeline is kept: workers shard a finite dataset.
    train_ds = make_dataset(
        scaled,
        train_starts,
        lookback,
        h,
        est.batch_size,
        shuffle=True,
        seed=seed,
        epoch_variable=epoch,
        endless=endless,
        **common,
    ).map(adapt)
    val_ds = None
    if len(val_starts):
        val_ds = make_dataset(
            scaled, val_starts, lookback, h, _VAL_BATCH, **common
        ).map(adapt)
    per_pass = -(-len(train_starts) // est.batch_size)
    per_epoch = min(per_pass, est.val_check_steps) if endless else per_pass
    epochs = budget_epochs(est.max_epochs, est.max_steps, per_pass, per_epoch)
    steps = (per_epoch,) if endless else None
    return Pipelines(train_ds, val_ds, len(train_starts), val_starts, epoch,
                      steps, epochs, scaled, common)  # fmt: skip
