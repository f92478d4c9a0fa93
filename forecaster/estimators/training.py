"""The Keras side of ``fit``: compile, callbacks, distribution, resumption.

Kept apart from the facade so that the data path (validation, panel,
windows) and the training loop can each be read on one screen.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np

from forecaster.atomic import fsync_path
from forecaster.estimators.checkpoint import RECORD, read_json, remove_checkpoint
from forecaster.estimators.graph_registry import released_gradients
from forecaster.models.ensemble import MembersLoss
from forecaster.models.losses import make_loss
from forecaster.models.networks import Networks
from forecaster.models.seq2seq import Seq2SeqDecoder
from forecaster.models.spec import SCHEDULES

__all__ = [
    "AtomicBackupAndRestore",
    "EpochCounter",
    "FailOnNonFinite",
    "ScheduledSampling",
    "train",
]


class EpochCounter(keras.callbacks.Callback):
    """Writes the batches drawn before the epoch about to start into the
    pipeline's variable (``epoch * steps_per_epoch``).

    The shuffle of every pass over the windows is a function of ``(seed,
    pass)`` only and the pipeline skips the batches already drawn, so a run
    resumed from a checkpoint at epoch ``k`` sees exactly the batches an
    uninterrupted run would, also when an epoch is part of a pass.
    """

    def __init__(self, variable, steps_per_epoch: int = 1):
        super().__init__()
        self.variable = variable
        self.steps_per_epoch = int(steps_per_epoch)

    def on_epoch_begin(self, epoch, logs=None):
        self.variable.assign(epoch * self.steps_per_epoch)


class FailOnNonFinite(keras.callbacks.Callback):
    """Stop at the first NaN/inf loss with an error naming the epoch.

    The loss is checked after every batch; the validation loss and the
    weights at the end of every epoch.

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

    def on_epoch_end(self, epoch, logs=None):
        # The last update of an epoch can make the weights NaN after its
        # (finite) loss was logged: check them before the epoch's backup
        # (BackupAndRestore comes later in the list) or the end of fit.
        for key in ("loss", "val_loss"):
            value = (logs or {}).get(key)
            if value is not None and not math.isfinite(float(value)):
                raise FloatingPointError(
                    f"Training diverged: the {key} became {float(value)} at epoch "
                    f"{epoch + 1}. Lower learning_rate, keep clipnorm on, or check "
                    "the data's scale."
                )
        if not all(np.isfinite(w).all() for w in self.model.get_weights()):
            raise FloatingPointError(
                f"Training diverged: the weights became NaN or infinite at the end "
                f"of epoch {epoch + 1}. Lower learning_rate, keep clipnorm on, or "
                "check the data's scale."
            )


class AtomicBackupAndRestore(keras.callbacks.BackupAndRestore):
    """Keras's ``BackupAndRestore`` with crash-safe backups of the whole state.

    Keras rewrites ``latest.weights.h5`` in place, then the epoch in a JSON
    file: a process killed during the write leaves a torn file that every
    rerun fails to open, and one killed between the two writes resumes at
    the wrong epoch. Here each epoch's weights (model and optimizer
    variables) and the early-stopping state (best value, wait counter, best
    epoch and best weights) go to new files, then a small JSON record naming
    them replaces the previous record by one atomic rename, and only then
    are older files removed: a kill at any point leaves the previous or the
    new backup, complete. A resumed run with early stopping therefore stops
    where the uninterrupted one would.

    Use :func:`open_checkpoint` first: it checks the directory is this run's.
    """

    def __init__(self, backup_dir, early_stopping=None):
        super().__init__(str(backup_dir))
        self.early_stopping = early_stopping

    def _load_model(self):
        root = Path(self.backup_dir)
        if not (root / RECORD).is_file():
            return
        record = read_json(root / RECORD, "record")
        if not isinstance(record, dict) or not isinstance(record.get("weights"), str):
            raise ValueError(
                f"The checkpoint record {str(root / RECORD)!r} is malformed; delete "
                "its directory or pass resume='never' to start afresh."
            )
        optimizer = self.model.optimizer
        if optimizer is not None and not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        self.model.load_weights(str(root / record["weights"]))
        self.model._initial_epoch = int(record["epoch"])  # as Keras's own does
        self._restore_early_stopping(root, record.get("early_stopping"))

    def _restore_early_stopping(self, root: Path, state) -> None:
        stop = self.early_stopping
        if stop is None or not isinstance(state, dict):
            return
        stop.best, stop.wait = state["best"], int(state["wait"])
        stop.best_epoch = int(state["best_epoch"])
        if state.get("best_weights"):
            with np.load(root / state["best_weights"], allow_pickle=False) as npz:
                stop.best_weights = [npz[f"w{i}"] for i in range(len(npz.files))]

    def _save_model(self):
        root = Path(self.backup_dir)
        root.mkdir(parents=True, exist_ok=True)
        name = f"epoch-{self._current_epoch}.weights.h5"
        self.model.save_weights(str(root / name), overwrite=True)
        fsync_path(root / name)
        record = {"epoch": self._current_epoch, "weights": name}
        state = self._early_stopping_state(root)
        if state is not None:
            record["early_stopping"] = state
        tmp = root / f"{RECORD}.tmp-{os.getpid()}"  # one per writer
        tmp.write_text(json.dumps(record), encoding="utf-8")
        fsync_path(tmp)
        os.replace(tmp, root / RECORD)  # the commit
        fsync_path(root)
        keep = {name, (state or {}).get("best_weights")}
        for old in root.glob("epoch-*"):
            if old.name not in keep:
                old.unlink(missing_ok=True)

    def _early_stopping_state(self, root: Path) -> dict | None:
        stop = self.early_stopping
        if stop is None or stop.best is None:
            return None
        state = {
            "best": float(stop.best),
            "wait": int(stop.wait),
            "best_epoch": int(stop.best_epoch),
            "best_weights": None,
        }
        if stop.best_weights is not None:
            name = f"epoch-{self._current_epoch}.best.npz"
            with open(root / name, "wb") as f:
                np.savez(f, **{f"w{i}": w for i, w in enumerate(stop.best_weights)})
            fsync_path(root / name)
            state["best_weights"] = name
        return state

    def on_train_end(self, logs=None):
        # Only this package's files: the directory may have been the user's.
        remove_checkpoint(Path(self.backup_dir))


def _not_retracing_advice(record: logging.LogRecord) -> bool:
    """False for tf.function's "triggered tf.function retracing" advice."""
    return "triggered tf.function retracing" not in record.getMessage()


# Every fitted (or loaded) forecaster compiles its own predict function, and
# TensorFlow counts them all as retraces of one function: after five models in
# a process (a notebook comparing cells, a backtest, a search) it advises
# against what is by design. Only that advice is dropped.
logging.getLogger("tensorflow").addFilter(_not_retracing_advice)

_TEACHER_FORCING = {  # probability of feeding the truth, r: training progress
    "linear": lambda r: 1 - r,
    "inverse_sigmoid": lambda r: 1 / (1 + math.exp(10 * (r - 0.5))),
    "exponential": lambda r: 0.01**r,
}


class ScheduledSampling(keras.callbacks.Callback):
    """Raise the decoders' ``sampling_probability`` at each epoch's start.

    The teacher-forcing probability ``eps(r)``, ``r = epoch / (epochs - 1)``,
    decays as in Bengio et al. (2015), rescaled so that epoch 0 is pure
    teacher forcing and the last epoch samples with ``final_probability``:
    ``p = final_probability * (eps(0) - eps(r)) / (eps(0) - eps(1))``, with
    ``linear`` ``eps = 1 - r``, ``exponential`` ``eps = 0.01 ** r`` (fast
    early rise) or ``inverse_sigmoid`` ``eps = 1 / (1 + exp(10 (r - 1/2)))``
    (slow, fast, slow: half way at mid-training).

    Parameters
    ----------
    final_probability : float in [0, 1]
    epochs : int or None
        Epochs over which the schedule runs (then it stays at the end);
        ``None``: the epochs of the ``fit`` it is passed to.
    schedule : {"linear", "inverse_sigmoid", "exponential"}
    """

    def __init__(self, final_probability=1.0, epochs=None, schedule="linear"):
        super().__init__()
        if schedule not in SCHEDULES:
            raise ValueError(
                "Received an invalid value for argument `schedule`, expected one "
                f"of {SCHEDULES}, got {schedule!r}."
            )
        p = final_probability
        if not (isinstance(p, int | float) and 0 <= p <= 1):
            raise ValueError(
                "Received an invalid value for argument `final_probability`, "
                f"expected a float in [0, 1], got {p!r}."
            )
        self.final_probability = float(p)
        self.epochs = None if epochs is None else int(epochs)
        self.schedule = schedule

    def on_train_begin(self, logs=None):
        if self.epochs is None:
            self.epochs = int(self.params.get("epochs") or 1)

    def probability(self, epoch: int) -> float:
        """The sampling probability of ``epoch`` (0-based)."""
        r = min(1.0, epoch / max((self.epochs or 1) - 1, 1))
        eps = _TEACHER_FORCING[self.schedule]
        return self.final_probability * (eps(0) - eps(r)) / (eps(0) - eps(1))

    def on_epoch_begin(self, epoch, logs=None):
        p = self.probability(epoch)
        # recursive: an ensemble's decoders sit inside its member models
        for layer in self.model._flatten_layers(include_self=False):
            if isinstance(layer, Seq2SeqDecoder):
                layer.sampling_probability.assign(p)


def train(
    est, build: Callable[[], Networks], pipes, strategy=None, checkpoint_dir=None
) -> tuple[Networks, dict]:
    """Build, compile and fit the networks of ``est``.

    Parameters
    ----------
    est : BaseForecaster
        Supplies the training parameters and the family's hooks.
    build : callable
        Returns the family's (uncompiled) networks under the estimator's
        dtype policy; called inside the strategy's scope (variables mirrored).
    pipes
        The estimator's pipelines: ``train`` and ``val`` (``tf.data`` batches
        of ``(inputs, targets)``; ``val`` may be None), ``epoch`` (the
        shuffle's epoch variable, see :class:`EpochCounter`) and ``steps``
        (batches per epoch of an endless ``train``, or None) and ``epochs``
        (the Keras epochs of the step budget).
    strategy : tf.distribute.Strategy, optional
        E.g. ``MirroredStrategy``; the global batch is split across replicas.
    checkpoint_dir : str or path, optional
        Back up the training state at every epoch (see
        :class:`AtomicBackupAndRestore`).

    Returns
    -------
    (Networks, dict)
        The trained networks and the loss per epoch.
    """
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        networks = build()
        _compile(est, networks, pipes.steps)
    model = networks.train
    if strategy is not None:
        _multi_worker_compat(model, pipes.train, strategy)
    with released_gradients():  # else each fit's train graph stays in memory
        history = model.fit(
            pipes.train,
            validation_data=pipes.val,
            epochs=pipes.epochs,
            steps_per_epoch=pipes.steps[0] if pipes.steps else None,
            shuffle=False,  # shuffled inside the pipeline, once per pass
            callbacks=_callbacks(est, pipes, checkpoint_dir),
            verbose=est.verbose,
        )
    if strategy is not None:
        # Predict on a single-device copy: under a strategy predict_on_batch
        # runs the whole batch on every replica (replicas x N rows), and a
        # multi-worker model would need every worker for each call.
        trained = networks.train
        networks = build()
        networks.train.set_weights(trained.get_weights())
    return networks, {k: [float(x) for x in v] for k, v in history.history.items()}


def _compile(est, networks: Networks, steps: tuple[int] | None) -> None:
    """Adam with clipping (and loss scaling under float16) on ``est``'s loss
    (summed over the members of an ensemble)."""
    optimizer = keras.optimizers.Adam(est.learning_rate, clipnorm=est.clipnorm)
    if est.mixed_precision == "mixed_float16":
        # float16 gradients underflow without dynamic loss scaling
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    loss = make_loss(est.loss, tuple(est.quantiles))
    if networks.members > 1:
        loss = MembersLoss(loss)
    networks.train.compile(
        optimizer=optimizer,
        steps_per_execution=_steps_per_execution(steps),
        # Keras losses (and the heads' own) compute in floatx, float32,
        # whatever the model's compute dtype.
        loss=loss,
        jit_compile=est.jit_compile,
    )


def _callbacks(est, pipes, checkpoint_dir) -> list:
    """Divergence check, the family's own, epoch counter, backup, early stop."""
    callbacks = [FailOnNonFinite(), *est._fit_callbacks()]
    if pipes.epoch is not None:
        per_epoch = pipes.steps[0] if pipes.steps else _per_pass(est, pipes)
        callbacks.append(EpochCounter(pipes.epoch, per_epoch))
    stop = _early_stopping(est, pipes.val)
    if stop is not None:
        callbacks.append(stop)
    if checkpoint_dir is not None:
        # after early stopping: each backup holds its state of the same epoch
        callbacks.append(AtomicBackupAndRestore(checkpoint_dir, early_stopping=stop))
    return callbacks


def _early_stopping(est, val_ds):
    """Keras's early stopping on the validation loss, best weights restored."""
    if est.early_stopping_patience is None:
        return None
    if val_ds is None:
        warnings.warn(
            "Early stopping is off: no series is long enough for a validation "
            f"part (val_size={est.val_size!r}); training runs its whole budget "
            f"(max_epochs={est.max_epochs}, max_steps={est.max_steps}).",
            UserWarning,
            stacklevel=5,
        )
        return None
    return keras.callbacks.EarlyStopping(
        monitor="val_loss",
        patience=est.early_stopping_patience,
        restore_best_weights=True,
        verbose=int(est.verbose > 0),
    )


def _per_pass(est, pipes) -> int:
    """Batches in one pass over the training windows."""
    return -(-pipes.n_train // est.batch_size)


def _steps_per_execution(steps, most: int = 32) -> int:
    """Training steps per call of Keras's compiled function.

    Each call of the train function costs ~1-2 ms of Python and dispatch on
    top of the step: a while loop of several steps per call removes most of
    it (small models on CPU step in a few ms). With an endless pipeline each
    call runs exactly this many steps, so it divides the epoch's steps and an
    epoch stays one pass over the windows. The overrides of
    ``FORECASTER_STEPS_PER_EXECUTION`` exist for benchmarks.
    """
    if not steps:
        return 1
    most = int(os.environ.get("FORECASTER_STEPS_PER_EXECUTION", most))
    n = int(steps[0])
    return max(d for d in range(1, min(n, most) + 1) if n % d == 0)


def build_with_policy(build: Callable[[], Networks], policy: str | None) -> Networks:
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


def _multi_worker_compat(model: keras.Model, dataset, strategy) -> None:
    """Let Keras 3's TensorFlow trainer fit under MultiWorkerMirroredStrategy.

    Two steps of Keras 3.15's ``fit`` fail with more than one worker
    (tensorflow/tensorflow#72388):

    * before the first step it reduces the first distributed batch with
      ``strategy.reduce`` only to build the loss state symbolically, and the
      multi-worker strategy cannot reduce a nested ``(inputs, targets)``
      batch; the build from the dataset's element spec needs no data;
    * it averages every step's scalar logs with ``strategy.reduce("MEAN",
      v, axis=0)``, which needs a batch axis; the logs are given one.

    Only the model instance is patched; other strategies are left alone.
    """
    import tensorflow as tf

    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return
    if not strategy.extended._in_multi_worker_mode():
        return
    with strategy.scope():
        model._symbolic_build(data_batch=dataset.element_spec)
    model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None

    def with_batch_axis(step):
        def wrapped(data):
            logs = step(data)
            return {k: keras.ops.reshape(v, (1,)) for k, v in logs.items()}

        return wrapped

    model.train_step = with_batch_axis(model.train_step)
    model.test_step = with_batch_axis(model.test_step)
