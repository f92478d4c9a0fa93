import math

import numpy as np
import pytest
import tensorflow as tf

from forecaster.estimators.training import EpochCounter, FailOnNonFinite


def test_fail_on_non_finite_names_the_epoch():
    cb = FailOnNonFinite()
    cb.on_epoch_begin(2)
    cb.on_train_batch_end(0, {"loss": 1.0})  # finite: nothing happens
    with pytest.raises(FloatingPointError, match="at epoch 3, batch 5"):
        cb.on_train_batch_end(4, {"loss": math.nan})


def test_epoch_counter_sets_the_batches_drawn():
    v = tf.Variable(0, dtype=tf.int64)
    EpochCounter(v).on_epoch_begin(7)
    assert int(v.numpy()) == 7
    EpochCounter(v, steps_per_epoch=100).on_epoch_begin(3)
    assert int(v.numpy()) == 300


@pytest.mark.parametrize(
    "steps,expected", [(None, 1), ((3,), 3), ((119,), 17), ((64,), 32), ((113,), 1)]
)
def test_steps_per_execution_divides_the_epoch(steps, expected, monkeypatch):
    # an endless pipeline runs exactly this many steps per call: it must
    # divide the epoch so that an epoch stays one pass over the windows
    from forecaster.estimators.training import _steps_per_execution

    monkeypatch.delenv("FORECASTER_STEPS_PER_EXECUTION", raising=False)
    assert _steps_per_execution(steps) == expected


def test_early_stopping_says_when_it_stopped_and_what_it_restored(capsys):
    from forecaster import RecurrentForecaster
    from tests.conftest import TINY, make_frame

    df = make_frame({"a": np.sin(np.arange(240) / 3.0)})
    params = dict(TINY, max_epochs=40, early_stopping_patience=1, learning_rate=0.05)
    est = RecurrentForecaster(**{**params, "verbose": 1}).fit(df)
    out = capsys.readouterr().out
    assert len(est.history_["loss"]) < 40
    assert "early stopping" in out
    assert "Restoring model weights from the end of the best epoch" in out


def test_several_models_in_one_process_give_no_retracing_advice():
    import logging

    from forecaster import RecurrentForecaster
    from tests.conftest import TINY_NO_VAL, make_frame

    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    handler = Keep(level=logging.WARNING)
    log = logging.getLogger("tensorflow")
    log.addHandler(handler)
    try:
        df = make_frame({"a": np.sin(np.arange(80) / 3.0)})
        for seed in range(7):  # TensorFlow advises after the fifth
            RecurrentForecaster(**{**TINY_NO_VAL, "random_state": seed}).fit(
                df
            ).predict()
    finally:
        log.removeHandler(handler)
    assert not [m for m in seen if "retracing" in m]


def test_the_step_budget_bounds_training_whatever_the_series_length():
    # 2,000 points are ~125 batches of 16 per pass: max_steps ends training
    # after 60 steps (3 checks of 20), well inside the first pass
    from forecaster import RecurrentForecaster
    from tests.conftest import TINY, make_frame

    y = np.sin(np.arange(2000) / 5.0)
    params = dict(TINY, batch_size=16, max_epochs=50, max_steps=50, val_check_steps=20)
    est = RecurrentForecaster(**params).fit(make_frame({"a": y}))
    assert len(est.history_["loss"]) == 3
    assert len(est.history_["val_loss"]) == 3
    assert int(est.model_.optimizer.iterations.numpy()) == 60
    # max_steps=None: max_epochs whole passes (of 21 batches here), checked
    # every 20 steps; Keras runs whole epochs, so the last one ends past it
    short = dict(params, max_epochs=1, max_steps=None)
    est = RecurrentForecaster(**short).fit(make_frame({"a": y[:380]}))
    assert -(-est.n_train_windows_ // 16) == 21
    assert len(est.history_["loss"]) == 2
    assert int(est.model_.optimizer.iterations.numpy()) == 40
