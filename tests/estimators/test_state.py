"""Fitted state checked once, for fit and load alike (estimators/state.py)."""

import dataclasses

import numpy as np
import pytest

from forecaster import RecurrentForecaster
from forecaster.estimators.state import check_fitted_state
from tests.conftest import TINY_NO_VAL, make_frame


@pytest.fixture(scope="module")
def fitted():
    return RecurrentForecaster(**TINY_NO_VAL).fit(
        make_frame({"a": np.sin(np.arange(60) / 3.0), "b": np.arange(60.0)})
    )


def _state(est):
    return {k: v for k, v in vars(est).items() if k.endswith("_") and k != "networks_"}


def test_a_fitted_state_passes(fitted):
    check_fitted_state(fitted, _state(fitted))


def _scaler_with(est, **change):
    return dataclasses.replace(est.scaler_, **change)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("lookback_", 0, "`lookback_` must be an integer >= 1"),
        ("lookback_", True, "`lookback_` must be an integer"),
        ("freq_", "every tuesday", "`freq_` is not a pandas frequency"),
        ("tz_", "Etc/Nowhere", "`tz_` is not a time zone"),
        ("window_norm_", "max", "`window_norm_` must be one of"),
        ("baseline_season_", 6, "`baseline_season_` must be below lookback_ 6"),
        ("baseline_season_", 0, "`baseline_season_` must be an integer >= 1"),
        ("n_features_", 3, "`n_features_` must be 1 for its layout"),
        ("ids_", np.array(["a", "a"], dtype=object), "each once"),
        ("last_windows_", np.zeros((2, 5, 1)), "`last_windows_` has shape"),
        ("last_windows_", np.full((2, 6, 1), np.nan), "holds NaN or inf"),
        ("input_was_series_", "no", "must be a bool"),
        ("conformal_scores_", -np.ones((3, 3)), "must be non-negative"),
        ("history_", [1.0], "must map loss names to lists"),
        ("static_vocab_sizes_", [3], r"must be \[\] for its encoding"),
    ],
)
def test_an_impossible_field_is_named(fitted, field, value, message):
    state = {**_state(fitted), field: value}
    with pytest.raises(ValueError, match=message):
        check_fitted_state(fitted, state)


def test_scaler_state_is_checked(fitted):
    bad = _scaler_with(fitted, scale=np.zeros_like(fitted.scaler_.scale))
    with pytest.raises(ValueError, match="`scaler_.scale` must be positive"):
        check_fitted_state(fitted, {**_state(fitted), "scaler_": bad})
    other = _scaler_with(fitted, kind="robust")
    with pytest.raises(ValueError, match="ScalerState of kind 'standard'"):
        check_fitted_state(fitted, {**_state(fitted), "scaler_": other})


def test_a_missing_field_is_a_key_error(fitted):
    state = _state(fitted)
    del state["freq_"]
    with pytest.raises(KeyError, match="freq_"):
        check_fitted_state(fitted, state)
