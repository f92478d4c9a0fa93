import math

import pytest
import tensorflow as tf

from forecaster.estimators.training import EpochCounter, FailOnNonFinite


def test_fail_on_non_finite_names_the_epoch():
    cb = FailOnNonFinite()
    cb.on_epoch_begin(2)
    cb.on_train_batch_end(0, {"loss": 1.0})  # finite: nothing happens
    with pytest.raises(FloatingPointError, match="at epoch 3, batch 5"):
        cb.on_train_batch_end(4, {"loss": math.nan})


def test_epoch_counter_sets_the_pipeline_variable():
    v = tf.Variable(0, dtype=tf.int64)
    EpochCounter(v).on_epoch_begin(7)
    assert int(v.numpy()) == 7


@pytest.mark.parametrize(
    "steps,expected", [(None, 1), ((3,), 3), ((119,), 17), ((64,), 32), ((113,), 1)]
)
def test_steps_per_execution_divides_the_epoch(steps, expected, monkeypatch):
    # an endless pipeline runs exactly this many steps per call: it must
    # divide the epoch so that an epoch stays one pass over the windows
    from forecaster.estimators.training import _steps_per_execution

    monkeypatch.delenv("FORECASTER_STEPS_PER_EXECUTION", raising=False)
    assert _steps_per_execution(steps) == expected
