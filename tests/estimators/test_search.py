"""The search's Optuna-free parts (forecaster/estimators/search.py)."""

import pytest

from forecaster.estimators.search import (
    DEFAULT_TRIAL,
    WINDOW_SCORES,
    chosen_trial,
    plain_params,
)


def test_plain_params():
    assert plain_params({"quantiles": [0.1, 0.9]}, "x") == {"quantiles": (0.1, 0.9)}
    with pytest.raises(TypeError, match="argument `x`"):
        plain_params([1], "x")


def _trial(number, windows, default=False, state="COMPLETE", value=1.0):
    optuna = pytest.importorskip("optuna")
    attrs = {DEFAULT_TRIAL: True} if default else {}
    if windows is not None:
        attrs[WINDOW_SCORES] = windows
    t = optuna.trial.create_trial(
        value=None if state != "COMPLETE" else sum(windows) / 2 if windows else value,
        state=getattr(optuna.trial.TrialState, state),
        user_attrs=attrs,
    )
    t.number = number
    return t


def test_chosen_trial_keeps_the_defaults_unless_beaten_on_every_window():
    defaults = _trial(0, [1.0, 1.0], default=True)
    lucky = _trial(1, [0.2, 1.1])  # mean 0.65: better, but worse on window 1
    steady = _trial(2, [0.9, 0.95])  # mean 0.925: better on both
    assert chosen_trial([defaults, lucky], "every_window") is defaults
    assert chosen_trial([defaults, lucky], "mean") is lucky
    assert chosen_trial([defaults, steady], "every_window") is steady
    # only the best mean is compared with the defaults, not every trial
    assert chosen_trial([defaults, lucky, steady], "every_window") is defaults
    # no default trial (a custom space), or trials without window scores
    assert chosen_trial([lucky, steady], "every_window") is lucky
    assert chosen_trial([_trial(0, None, default=True), lucky]) is lucky


def test_chosen_trial_skips_unfinished_trials():
    assert chosen_trial([]) is None
    assert chosen_trial([_trial(0, None, state="PRUNED")]) is None
    pruned_default = _trial(0, None, default=True, state="PRUNED")
    lucky = _trial(1, [0.2, 1.1])
    assert chosen_trial([pruned_default, lucky]) is lucky
