"""fit's second step: the training and validation pipelines."""

import numpy as np

from forecaster import RecurrentForecaster
from forecaster.estimators.inputs import prepare
from forecaster.estimators.pipelines import _MAX_VAL_WINDOWS, _spread, build_pipelines
from tests.conftest import TINY, sine


def test_validation_windows_are_spread_over_the_tail_and_capped():
    starts = np.arange(5, 10_005)
    kept = _spread(starts)
    assert len(kept) == _MAX_VAL_WINDOWS
    assert kept[0] == 5 and kept[-1] == 10_004 and (np.diff(kept) > 0).all()
    assert np.abs(np.diff(kept) - 10_000 / _MAX_VAL_WINDOWS).max() < 1  # even
    few = np.arange(7)
    assert _spread(few) is few


def test_pipelines_follow_the_windows_and_the_step_budget():
    est = RecurrentForecaster(**{**TINY, "max_steps": 7, "val_check_steps": 3})
    est._check_params()
    data = prepare(est, sine(120), None)
    lookback, h = data.state["lookback_"], est.horizon
    n_train = int(np.maximum(data.train_len - lookback - h + 1, 0).sum())
    per_pass = -(-n_train // est.batch_size)
    budget = min(TINY["max_epochs"] * per_pass, 7)  # steps: passes or max_steps
    endless = build_pipelines(est, data, endless=True)
    assert endless.n_train == n_train and per_pass > 3
    assert endless.steps == (3,)  # a validation check every val_check_steps
    assert endless.epochs == -(-budget // 3)
    x, y = next(iter(endless.train))
    assert tuple(x["history"].shape) == (est.batch_size, lookback, 1)
    assert tuple(y.shape) == (est.batch_size, h)
    xv, _ = next(iter(endless.val))
    assert xv["history"].shape[0] == len(endless.val_starts) > 0
    per_epoch = build_pipelines(est, data, endless=False)
    assert per_epoch.steps is None  # whole passes (under a strategy)
    assert per_epoch.epochs == -(-budget // per_pass)
