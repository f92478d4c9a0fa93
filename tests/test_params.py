import pytest

from forecaster import RecurrentForecaster
from forecaster.estimators.params import (
    as_names,
    check_common_params,
    resolve_lookback,
    season_length,
)


@pytest.mark.parametrize(
    "freq,season",
    [("MS", 12), ("30min", 48), ("h", 24), ("W-SAT", 52), ("YS", 1), ("D", 7)],
)
def test_season_length(freq, season):
    assert season_length(freq) == season


def test_as_names():
    assert as_names(None, "x") == []
    assert as_names("a", "x") == ["a"]
    assert as_names(("a", "b"), "x") == ["a", "b"]
    with pytest.raises(
        TypeError, match="argument `x`, expected a list of column names"
    ):
        as_names([1], "x")


def test_resolve_lookback():
    assert resolve_lookback(10, 3, "h", 100) == 10
    assert resolve_lookback(None, 3, "h", 100) == 48
    assert resolve_lookback(None, 30, "MS", 1000) == 90
    assert resolve_lookback(None, 3, "h", 20) == 17


@pytest.mark.parametrize(
    "kw,msg",
    [
        (
            {"past_covariates": ["y"]},
            "Column 'y' in `past_covariates` is the id, time or target",
        ),
        ({"past_covariates": ["x"], "future_covariates": ["x"]}, "declared twice"),
        ({"calendar_features": ["fortnight"]}, "'fortnight' is not one of"),
        (
            {"future_covariates": "price", "static_features": ["price"]},
            "declared twice",
        ),
        ({"clipnorm": -1}, "argument `clipnorm`, expected a positive number"),
        ({"early_stopping_patience": 0}, "argument `early_stopping_patience`"),
    ],
)
def test_covariate_declarations_checked(kw, msg):
    with pytest.raises(ValueError, match=msg):
        check_common_params(RecurrentForecaster(**kw))


@pytest.mark.parametrize(
    "kw,msg",
    [
        (
            {"jit_compile": "yes"},
            "argument `jit_compile`, expected True, False or 'auto'",
        ),
        ({"mixed_precision": "float8"}, "argument `mixed_precision`, expected one of"),
    ],
)
def test_performance_options_checked(kw, msg):
    with pytest.raises(ValueError, match=msg):
        check_common_params(RecurrentForecaster(**kw))
