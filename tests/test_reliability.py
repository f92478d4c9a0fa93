"""Reliability: resumable training, saves killed midway and numerical safety
(fuzzed input validation: ``tests/test_fuzz.py``).

The two SIGKILL tests drive real subprocesses; each stays under a minute on
two cores.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import forecaster
from forecaster import RecurrentForecaster, Seq2SeqForecaster
from forecaster.persistence import ArtifactError
from tests.conftest import TINY_NO_VAL, make_frame, small_panel

REPO = Path(__file__).resolve().parents[1]
PACKAGE = Path(forecaster.__file__).resolve().parent

TINY = dict(TINY_NO_VAL, horizon=2, lookback=4)


@pytest.fixture(scope="module")
def fitted():
    """A tiny hourly model: a source of artifacts and a target for predict."""
    return RecurrentForecaster(**TINY).fit(small_panel())


# -- subprocesses -------------------------------------------------------------------
def _spawn(script: Path, *args, log: Path, **env) -> subprocess.Popen:
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "CUDA_VISIBLE_DEVICES": "",
        **env,
    }
    with open(log, "w") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, str(script), *map(str, args)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=script.parent,
        )


def _wait_for(proc: subprocess.Popen, marker: str, log: Path, timeout=120.0):
    """Wait until ``marker`` is printed; fail with the log if the child dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            pytest.fail(f"child exited {proc.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"no {marker!r} after {timeout} s:\n{log.read_text()[-3000:]}")


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


# -- kill and resume ----------------------------------------------------------------
TRAIN_SCRIPT = r"""
import os, sys, time
import keras
import numpy as np
import pandas as pd
import tensorflow as tf

tf.config.experimental.enable_op_determinism()
from forecaster import RecurrentForecaster


class Progress(keras.callbacks.Callback):
    stop_at = None  # epoch in which the run hangs, before its backup, until killed

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        print(f"epoch {epoch} begin", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        # several steps run per call (steps_per_execution): the first call's
        # end is as far into an epoch as a callback sees
        if Progress.stop_at == str(self.epoch):
            print("hanging mid-epoch", flush=True)
            time.sleep(600)


class Probe(RecurrentForecaster):
    def _fit_callbacks(self):
        return [*super()._fit_callbacks(), Progress()]


def fit(checkpoint_dir):
    t = np.arange(600)
    df = pd.DataFrame({
        "unique_id": "s",
        "ds": pd.date_range("2020-01-01", periods=len(t), freq="h"),
        "y": np.sin(2 * np.pi * t / 24),
    })
    est = Probe(lookback=24, hidden_units=8, batch_size=32, max_epochs=4,
                early_stopping_patience=None, val_size=0, random_state=0,
                verbose=0)
    return est.fit(df, checkpoint_dir=checkpoint_dir)


out, checkpoint_dir, reference = sys.argv[1:]
if reference != "-":  # an uninterrupted run first, in the same process
    np.savez(reference, *fit(None).model_.get_weights())
    print("reference done", flush=True)
Progress.stop_at = os.environ.get("STOP_AT")
est = fit(checkpoint_dir)
np.savez(out, *est.model_.get_weights())
print(f"done: {len(est.history_['loss'])} epochs run", flush=True)
"""


def test_killed_training_resumes_to_the_same_weights(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN_SCRIPT)
    ckpt, log = tmp_path / "ckpt", tmp_path / "first.log"
    first = _spawn(script, "-", ckpt, tmp_path / "reference.npz", log=log, STOP_AT="2")
    try:
        _wait_for(first, "hanging mid-epoch", log)
    finally:
        _kill(first)
    # two epochs were backed up; the third had run steps when killed
    assert json.loads((ckpt / "backup.json").read_text())["epoch"] == 2
    log = tmp_path / "rerun.log"
    rerun = _spawn(script, tmp_path / "resumed.npz", ckpt, "-", log=log)
    assert rerun.wait(timeout=120) == 0, log.read_text()[-3000:]
    assert "done: 2 epochs run" in log.read_text()  # resumed, not restarted
    assert not ckpt.exists()  # the backup is removed after a completed fit
    with (
        np.load(tmp_path / "reference.npz") as ref,
        np.load(tmp_path / "resumed.npz") as got,
    ):
        assert ref.files == got.files
        for k in ref.files:
            np.testing.assert_allclose(got[k], ref[k], rtol=0, atol=1e-6)


class _Killed(BaseException):
    """Stands for SIGKILL inside this process."""


def _sine(n=200):
    return make_frame({"a": np.sin(np.arange(n) / 3.0)})


def test_backup_torn_by_a_kill_is_skipped_on_resume(tmp_path, monkeypatch):
    """A kill while writing a backup leaves the previous one usable (Keras's
    own BackupAndRestore then fails on every rerun: h5py's OSError)."""
    import keras

    params = {**TINY, "max_epochs": 3}
    save = keras.Model.save_weights
    written = []

    def torn_save(self, filepath, *args, **kwargs):
        save(self, filepath, *args, **kwargs)
        written.append(Path(filepath).name)
        if len(written) == 2:  # the second epoch's backup: cut it short
            data = Path(filepath).read_bytes()
            Path(filepath).write_bytes(data[: len(data) // 2])
            raise _Killed

    ckpt = tmp_path / "ckpt"
    monkeypatch.setattr(keras.Model, "save_weights", torn_save)
    with pytest.raises(_Killed):
        RecurrentForecaster(**params).fit(_sine(), checkpoint_dir=ckpt)
    monkeypatch.setattr(keras.Model, "save_weights", save)
    record = json.loads((ckpt / "backup.json").read_text())
    assert record == {"epoch": 1, "weights": written[0]}
    resumed = RecurrentForecaster(**params).fit(_sine(), checkpoint_dir=ckpt)
    assert len(resumed.history_["loss"]) == 2  # from the first epoch's backup
    assert np.isfinite(resumed.predict()["yhat"]).all()
    assert not ckpt.exists()


# -- kill mid-save ------------------------------------------------------------------
SAVE_SCRIPT = r"""
import os, sys, time
import keras
import forecaster

path, hook = sys.argv[1:]
est = forecaster.load(path)
for i in range(2):  # repeated saves over the same path
    est.save(path)
    print(f"saved {i}", flush=True)


def hang(where):
    print(where, flush=True)
    time.sleep(600)


if hook == "mid-write":  # the weights are in the temporary directory
    save_weights = keras.Model.save_weights

    def slow(self, *args, **kwargs):
        save_weights(self, *args, **kwargs)
        hang("mid-write")

    keras.Model.save_weights = slow
else:  # the old artifact renamed away, the new one not yet in place
    rename = os.rename

    def slow(src, dst):
        rename(src, dst)
        if ".old-" in os.fspath(dst):
            hang("between-renames")

    os.rename = slow
est.save(path)
print("finished", flush=True)
"""


def test_save_killed_midway_keeps_the_previous_artifact(fitted, tmp_path):
    script = tmp_path / "save.py"
    script.write_text(SAVE_SCRIPT)
    expected = fitted.predict()
    runs = {}
    for hook in ("mid-write", "between-renames"):
        path = tmp_path / hook / "model"
        fitted.save(path)
        log = tmp_path / f"{hook}.log"
        runs[hook] = (path, log, _spawn(script, path, hook, log=log))
    for hook, (_, log, proc) in runs.items():  # both children run at once
        try:
            _wait_for(proc, hook, log)
        finally:
            _kill(proc)
        assert "saved 1" in log.read_text()

    path = runs["mid-write"][0]
    pd.testing.assert_frame_equal(forecaster.load(path).predict(), expected)

    path = runs["between-renames"][0]
    backups = sorted(path.parent.glob(".model.old-*"))
    assert not path.exists() and len(backups) == 1
    with pytest.raises(
        ArtifactError,
        match=rf"does not exist\. A previous artifact was left at "
        rf"'{re.escape(str(backups[0]))}' .* rename it to",
    ):
        forecaster.load(path)
    backups[0].rename(path)
    pd.testing.assert_frame_equal(forecaster.load(path).predict(), expected)


# -- numerical safety -----------------------------------------------------------------
def test_diverging_loss_stops_with_the_epoch_and_leaves_no_model():
    est = RecurrentForecaster(**{**TINY, "learning_rate": 1e30, "clipnorm": None})
    with pytest.raises(
        FloatingPointError,
        match=r"Training diverged: the loss became (nan|inf) at epoch 1, batch \d+",
    ):
        est.fit(_sine())
    assert not hasattr(est, "model_")
    with pytest.raises(NotFittedError):
        est.predict()


def test_nan_weights_after_an_epoch_are_never_backed_up_or_kept(tmp_path):
    """An update that turns the weights NaN after the last batch's (finite)
    loss was logged stops training before that epoch's backup."""
    import h5py
    import keras

    class PoisonLastBatch(keras.callbacks.Callback):
        epoch = None

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == self.params["steps"] - 1:
                weights = self.model.get_weights()
                self.model.set_weights([np.full_like(w, np.nan) for w in weights])

    class Poisoned(RecurrentForecaster):
        def _fit_callbacks(self):
            return [*super()._fit_callbacks(), PoisonLastBatch()]

    ckpt = tmp_path / "ckpt"
    est = Poisoned(**{**TINY, "max_epochs": 3})
    with pytest.raises(
        FloatingPointError, match="weights became NaN or infinite at the end of epoch 2"
    ):
        est.fit(_sine(), checkpoint_dir=ckpt)
    assert not hasattr(est, "model_")
    record = json.loads((ckpt / "backup.json").read_text())
    assert record["epoch"] == 1  # the first epoch's backup, finite

    def all_finite(group):
        return all(
            all_finite(v) if isinstance(v, h5py.Group) else np.isfinite(v[()]).all()
            for v in group.values()
        )

    with h5py.File(ckpt / record["weights"], "r") as f:
        assert all_finite(f)
    # a rerun resumes from that backup and finishes
    again = RecurrentForecaster(**{**TINY, "max_epochs": 3}).fit(
        _sine(), checkpoint_dir=ckpt
    )
    assert len(again.history_["loss"]) == 2
    assert np.isfinite(again.predict()["yhat"]).all()


def test_extreme_scales_train_and_forecast_in_their_units():
    t = np.arange(120)
    wave = np.sin(2 * np.pi * t / 12)
    rng = np.random.default_rng(0)
    series = {
        "zero": np.zeros(120),
        "flat": np.full(120, 5.0),
        "near_flat": 5.0 + 1e-12 * rng.normal(size=120),
        "huge": 1e30 * (1 + 0.1 * wave),
        "huge_flat": np.full(120, -1e30),
        "tiny": 1e-30 * (1 + 0.1 * wave),
        "near_float32_max": 3e38 * (1 - 0.01 * (1 + wave)),
    }
    est = RecurrentForecaster(**{**TINY, "max_epochs": 2}).fit(make_frame(series))
    assert all(np.isfinite(v).all() for v in est.history_.values())
    out = est.predict().groupby("unique_id")["yhat"]
    lo, hi = out.min(), out.max()
    assert np.isfinite(lo).all() and np.isfinite(hi).all()
    # a constant series scales to zeros: its forecast is the constant, up to
    # what two epochs teach a global model (a fraction of the scale)
    for uid, center in {"zero": 0.0, "flat": 5.0, "near_flat": 5.0}.items():
        assert abs(lo[uid] - center) < 0.5 and abs(hi[uid] - center) < 0.5, uid
    assert -1.5e30 < lo["huge_flat"] <= hi["huge_flat"] < -0.5e30
    for uid, center in {"huge": 1e30, "tiny": 1e-30, "near_float32_max": 3e38}.items():
        assert 0.5 * center < lo[uid] <= hi[uid] < 1.5 * center, uid


def test_values_beyond_float32_are_rejected_by_name():
    df = make_frame({"a": np.full(30, 1e39)})
    with pytest.raises(ValueError, match=r"series 'a'.*overflow float32"):
        RecurrentForecaster(**TINY).fit(df)


def test_gradient_clipping_by_norm_is_on_by_default_and_documented(fitted):
    for cls in (RecurrentForecaster, Seq2SeqForecaster):
        assert cls().clipnorm == 1.0
        doc = " ".join(cls.__doc__.split())
        assert "clipnorm : float or None, default 1.0 Gradient clipping by norm" in doc
    assert fitted.model_.optimizer.clipnorm == 1.0
