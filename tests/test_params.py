import re

import pytest

from forecaster import RecurrentForecaster
from forecaster.estimators.params import as_names, check_common_params


def test_as_names():
    assert as_names(None, "x") == []
    assert as_names("a", "x") == ["a"]
    assert as_names(("a", "b"), "x") == ["a", "b"]
    with pytest.raises(
        TypeError, match="argument `x`, expected a list of column names"
    ):
        as_names([1], "x")


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


def _init_params(cls) -> list[tuple[str, object]]:
    import inspect

    sig = inspect.signature(cls.__init__)
    return [(p.name, p.default) for p in sig.parameters.values() if p.name != "self"]


def test_both_families_share_one_parameter_list():
    from forecaster import Seq2SeqForecaster
    from forecaster.estimators.base import BaseForecaster

    shared = _init_params(BaseForecaster)
    assert [name for name, _ in shared][:2] == ["cell", "horizon"]
    assert _init_params(RecurrentForecaster) == shared
    # seq2seq adds its own after the shared ones, in the same order and with
    # the same defaults, but for the one measured to differ (params.py's doc)
    measured = {"max_epochs": 50}
    assert _init_params(Seq2SeqForecaster)[: len(shared)] == [
        (name, measured.get(name, default)) for name, default in shared
    ]
    own = [name for name, _ in _init_params(Seq2SeqForecaster)[len(shared) :]]
    assert own == [
        "wiring",
        "context_units",
        "attention",
        "bidirectional",
        "scheduled_sampling",
        "sampling_schedule",
    ]


def test_shared_parameters_are_documented_once_for_both_families():
    from forecaster import Seq2SeqForecaster
    from forecaster.estimators.params import COMMON_PARAMETERS_DOC

    for cls in (RecurrentForecaster, Seq2SeqForecaster):
        assert COMMON_PARAMETERS_DOC in cls.__doc__
        assert "{common_parameters}" not in cls.__doc__
        params = cls.__doc__.split("Parameters\n")[1].split("Attributes\n")[0]
        for name, _ in _init_params(cls):
            assert re.search(rf"^    (\w+, )*{name}\b.* :", params, re.M), name
