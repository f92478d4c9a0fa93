"""The Keras side of ``fit``: compile, callbacks, distribution, resumption.

Kept apart from the facade so that the data path (validation, panel,
windows) and the training loop can each be read on one screen.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import keras

__all__ = ["EpochCounter", "FailOnNonFinite", "MIXED_PRECISION", "train"]

MIXED_PRECISION = (None, "mixed_float16", "mixed_bfloat16")


class EpochCounter(keras.callbacks.Callback):
    """Writes the epoch about to start into the pipeline's epoch variable.

    The shuffle of every epoch is a function of ``(seed, epoch)`` only, so a
    run resumed from a checkpoint at epoch ``k`` sees exactly the batches an
    uninterrupted run would.
    """

    def __init__(self, variable):
        super().__init__()
        self.variable = variable

    def on_epoch_begin(self, epoch, logs=None):
        self.variable.assign(epoch)


class FailOnNonFinite(keras.callbacks.Callback):
    """Stop at the first NaN/inf loss with an error naming the epoch.

    Raising (rather than Keras's silent ``TerminateOnNaN``) means the
    estimator never stores NaN weights: ``fit`` fails before ``model_`` is
    set, and a checkpointed run keeps its last finite backup.
    """

    def __init__(self):
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise FloatingPointError(
                f"Training diverged: the loss became {float(loss)} at epoch "
                f"{self.epoch + 1}, batch {batch + 1}. Lower learning_rate, keep "
                "clipnorm on, or check the data's scale."
            )


def train(
    est,
    build: Callable[[], keras.Model],
    train_ds,
    val_ds,
    epoch_variable=None,
    strategy=None,
    checkpoint_dir=None,
) -> tuple[keras.Model, dict]:
    """Build, compile and fit the model of ``est``.

    Parameters
    ----------
    est : BaseForecaster
        Supplies the training parameters and the family's hooks.
    build : callable
        Returns the (uncompiled) Keras model; called inside the strategy's
        scope so that variables are mirrored.
    train_ds, val_ds : tf.data.Dataset
        Batches of ``(inputs, targets)``; ``val_ds`` may be None.
    epoch_variable : tf.Variable, optional
        The pipeline's epoch variable (see :class:`EpochCounter`).
    strategy : tf.distribute.Strategy, optional
        E.g. ``MirroredStrategy`` (several GPUs) or
        ``MultiWorkerMirroredStrategy`` (several hosts); the global batch is
        split across replicas.
    checkpoint_dir : str or path, optional
        Back up the training state at every epoch; a killed run restarted
        with the same arguments resumes from the last completed epoch.

    Notes
    -----
    Two optional estimator attributes are honoured: ``jit_compile`` (passed
    to ``model.compile``; default ``"auto"``, XLA only where Keras finds a
    GPU) and ``mixed_precision`` (None, ``"mixed_float16"`` or
    ``"mixed_bfloat16"``: the model is built under that Keras dtype policy,
    variables stay float32, the loss is computed in float32, and float16
    adds dynamic loss scaling).

    Returns
    -------
    model : keras.Model
    history : dict
        Loss per epoch.
    """
    from contextlib import nullcontext

    # Read with defaults so that the options work before (and without) the
    # estimator declaring them as parameters.
    jit_compile = getattr(est, "jit_compile", "auto")
    mixed_precision = getattr(est, "mixed_precision", None)
    if mixed_precision not in MIXED_PRECISION:
        raise ValueError(
            "Received an invalid value for argument `mixed_precision`, expected "
            f"one of {MIXED_PRECISION}, got {mixed_precision!r}."
        )
    scope = strategy.scope() if strategy is not None else nullcontext()
    with scope:
        model = build_with_policy(build, mixed_precision)
        optimizer = keras.optimizers.Adam(est.learning_rate, clipnorm=est.clipnorm)
        if mixed_precision == "mixed_float16":
            # float16 gradients underflow without dynamic loss scaling
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        model.compile(
            optimizer=optimizer,
            # Keras losses (and the heads' own) compute in floatx, float32,
            # whatever the model's compute dtype.
            loss=est._loss(),
            jit_compile=jit_compile,
        )
    callbacks = [FailOnNonFinite(), *est._fit_callbacks()]
    if epoch_variable is not None:
        callbacks.append(EpochCounter(epoch_variable))
    if checkpoint_dir is not None:
        callbacks.append(keras.callbacks.BackupAndRestore(str(checkpoint_dir)))
    if est.early_stopping_patience is not None:
        if val_ds is None:
            warnings.warn(
                "Early stopping is off: no series is long enough for a validation "
                f"part (val_size={est.val_size!r}); training runs all "
                f"{est.max_epochs} epochs.",
                UserWarning,
                stacklevel=3,
            )
        else:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    patience=est.early_stopping_patience,
                    restore_best_weights=True,
                )
            )
    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=est.max_epochs,
        shuffle=False,  # shuffled inside the pipeline, once per epoch
        callbacks=callbacks,
        verbose=est.verbose,
    )
    return model, {k: [float(x) for x in v] for k, v in history.history.items()}


def build_with_policy(build: Callable[[], keras.Model], policy: str | None):
    """Call ``build`` under the Keras dtype ``policy``, then restore the global one.

    Layers keep the policy they were created with, so the model computes in
    reduced precision while nothing else in the process is affected.
    """
    if policy is None:
        return build()
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(policy)
    try:
        return build()
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
