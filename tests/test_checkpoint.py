"""Checkpoint directories: the package's own, resumed only by the run that wrote them."""

import json

import keras
import numpy as np
import pytest

from forecaster import RecurrentForecaster
from forecaster.estimators.checkpoint import MARKER, RECORD
from tests.conftest import TINY, make_frame

ES = dict(TINY, max_epochs=40, early_stopping_patience=2, learning_rate=0.02)


def _sine(n=240, phase=0.0):
    return make_frame({"a": np.sin(np.arange(n) / 3.0 + phase)})


class _Killed(BaseException):
    """Stands for SIGKILL inside this process."""


class _KillAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.at = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at:
            raise _Killed


def _killed_at(epoch):
    class Killed(RecurrentForecaster):
        def _fit_callbacks(self):
            return [*super()._fit_callbacks(), _KillAt(epoch)]

    return Killed


def test_a_users_directory_is_refused_and_kept(tmp_path):
    ckpt = tmp_path / "work"
    ckpt.mkdir()
    (ckpt / "thesis.tex").write_text("years of work")
    with pytest.raises(ValueError, match=r"is not empty and is not a forecaster chec"):
        RecurrentForecaster(**TINY).fit(_sine(), checkpoint_dir=ckpt)
    with pytest.raises(ValueError, match=r"found 'thesis.tex'"):
        RecurrentForecaster(**TINY).fit(_sine(), checkpoint_dir=ckpt, resume="never")
    assert (ckpt / "thesis.tex").read_text() == "years of work"


def test_success_removes_only_the_checkpoints_own_files(tmp_path):
    ckpt = tmp_path / "ckpt"
    RecurrentForecaster(**TINY).fit(_sine(), checkpoint_dir=ckpt)
    assert not ckpt.exists()  # created by the fit, empty again: removed
    # a checkpoint directory the user keeps something else in (after the marker)
    ckpt.mkdir()
    est = _killed_at(1)(**TINY)
    with pytest.raises(_Killed):
        est.fit(_sine(), checkpoint_dir=ckpt)
    (ckpt / "notes.txt").write_text("mine")
    RecurrentForecaster(**TINY).fit(_sine(), checkpoint_dir=ckpt)
    assert sorted(p.name for p in ckpt.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize(
    "change,msg",
    [
        ({"lookback": 8}, "lookback was 6, now 8"),
        ({"max_epochs": 3}, "max_epochs was 2, now 3"),
        ({"hidden_units": 6}, "hidden_units was 4, now 6"),
        ("data", "the training data differ"),
    ],
)
def test_another_runs_checkpoint_is_not_resumed(tmp_path, change, msg):
    ckpt = tmp_path / "ckpt"
    with pytest.raises(_Killed):
        _killed_at(1)(**TINY).fit(_sine(), checkpoint_dir=ckpt)
    params, data = dict(TINY), _sine()
    if change == "data":
        data = _sine(phase=0.5)
    else:
        params.update(change)
    with pytest.raises(ValueError, match=f"another run's checkpoint .*{msg}") as info:
        RecurrentForecaster(**params).fit(data, checkpoint_dir=ckpt)
    assert "resume='never'" in str(info.value)
    # an explicit choice starts afresh: every epoch is trained
    est = RecurrentForecaster(**params).fit(data, checkpoint_dir=ckpt, resume="never")
    assert len(est.history_["loss"]) == params["max_epochs"]
    assert not ckpt.exists()


def test_resume_must_needs_a_checkpoint(tmp_path):
    with pytest.raises(
        ValueError, match="resume='must' but checkpoint_dir .* holds no"
    ):
        RecurrentForecaster(**TINY).fit(
            _sine(), checkpoint_dir=tmp_path / "c", resume="must"
        )
    with pytest.raises(ValueError, match="argument `resume`, expected one of"):
        RecurrentForecaster(**TINY).fit(
            _sine(), checkpoint_dir=tmp_path / "c", resume="yes"
        )


@pytest.mark.parametrize("name", [RECORD, MARKER])
def test_corrupt_record_or_marker_is_a_clear_error(tmp_path, name):
    ckpt = tmp_path / "ckpt"
    with pytest.raises(_Killed):
        _killed_at(1)(**TINY).fit(_sine(), checkpoint_dir=ckpt)
    (ckpt / name).write_text('{"epoch": 1,')
    with pytest.raises(ValueError, match="unreadable or corrupt .*resume='never'"):
        RecurrentForecaster(**TINY).fit(_sine(), checkpoint_dir=ckpt)


def test_killed_run_with_early_stopping_ends_where_the_uninterrupted_one_does(
    tmp_path,
):
    reference = RecurrentForecaster(**ES).fit(_sine())
    epochs = len(reference.history_["loss"])
    assert epochs < ES["max_epochs"]  # it stopped early
    ckpt = tmp_path / "ckpt"
    # killed as the last epoch begins: the backup holds the early-stopping
    # state (best value, wait, best weights) of the epoch before
    with pytest.raises(_Killed):
        _killed_at(epochs - 1)(**ES).fit(_sine(), checkpoint_dir=ckpt)
    record = json.loads((ckpt / RECORD).read_text())
    assert record["epoch"] == epochs - 1
    assert record["early_stopping"]["wait"] >= 1
    resumed = RecurrentForecaster(**ES).fit(_sine(), checkpoint_dir=ckpt)
    assert len(resumed.history_["loss"]) == 1  # one epoch, then it stops
    for got, want in zip(
        resumed.model_.get_weights(), reference.model_.get_weights(), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        resumed.predict()["yhat"], reference.predict()["yhat"], atol=1e-5
    )


def test_killed_run_checked_inside_a_pass_resumes_the_same_batches(tmp_path):
    # a step budget: validation every 2 steps of a 7-step pass, so epochs
    # begin mid-pass; a resumed run must draw the batches the whole one drew
    params = dict(TINY, batch_size=32, max_epochs=3, max_steps=9, val_check_steps=2)
    reference = RecurrentForecaster(**params).fit(_sine())
    assert len(reference.history_["loss"]) == 5  # ceil(9 / 2) checks
    ckpt = tmp_path / "ckpt"
    with pytest.raises(_Killed):
        _killed_at(3)(**params).fit(_sine(), checkpoint_dir=ckpt)
    resumed = RecurrentForecaster(**params).fit(_sine(), checkpoint_dir=ckpt)
    assert len(resumed.history_["loss"]) == 2
    for got, want in zip(
        resumed.model_.get_weights(), reference.model_.get_weights(), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
