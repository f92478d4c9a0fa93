"""Checks of the estimators' hyper-parameters and the derived defaults.

Parameters are stored as given in ``__init__`` (scikit-learn); they are
validated here at ``fit`` time, with Keras-style messages that name the
argument and echo the value.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from forecaster.data.covariates import calendar_columns
from forecaster.data.missing import FILL_POLICIES
from forecaster.data.scaling import SCALERS
from forecaster.data.validation import check_positive_int

__all__ = ["season_length", "check_common_params", "resolve_lookback", "as_names"]


def season_length(freq: str) -> int:
    """The usual seasonal period for a pandas offset alias.

    Examples
    --------
    >>> season_length("MS"), season_length("30min"), season_length("h")
    (12, 48, 24)
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    base, n = offset.rule_code.split("-")[0], max(int(offset.n), 1)
    if base == "min":
        return max(1, 1440 // n)  # one day
    if base == "h":
        return max(1, 24 // n)
    if base == "D":
        return 7
    if base == "B":
        return 5
    if base.startswith("W"):
        return 52
    if base.lstrip("B").lstrip("S").startswith("M"):
        return 12
    if base.lstrip("B").startswith("Q"):
        return 4
    return 1


def resolve_window_norm(window_norm: str | None, freq: str) -> str | None:
    """The window normalisation that ``window_norm="auto"`` stands for.

    ``"standard"`` (divide by the window's std too) for non-seasonal data
    (season length 1, e.g. yearly), ``"mean"`` otherwise; other values pass
    through. Chosen by measurement (``benchmarks/results/window_norm.json``):
    standardising each window magnifies the slow trends of smooth yearly
    series (fertility: MASE 2.95 -> 1.44 for seq2seq, 2.91 -> 1.58 for the
    many-to-one model) but loses the seasonal amplitude of monthly
    air_passengers (0.96 -> 1.92), while subtracting the mean alone beats
    seasonal naive on all five seasonal data sets.

    Examples
    --------
    >>> resolve_window_norm("auto", "YS"), resolve_window_norm("auto", "MS")
    ('standard', 'mean')
    >>> resolve_window_norm(None, "YS") is None
    True
    """
    if window_norm != "auto":
        return window_norm
    return "standard" if season_length(freq) == 1 else "mean"


def as_names(value: str | Sequence[str] | None, name: str) -> list[str]:
    """A list of column names from None, one name, or a sequence of names.

    Raises
    ------
    TypeError
        If ``value`` is not None, a string, or a sequence of strings.
    """
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError(
        f"Received an invalid value for argument `{name}`, expected a list of "
        f"column names, got {value!r}."
    )


def _choice(name: str, value: object, allowed: Sequence) -> None:
    if value not in allowed:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected one of "
            f"{tuple(allowed)}, got {value!r}."
        )


def _positive_number(name: str, value: object) -> None:
    if value is not None and not (
        isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    ):
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected a positive "
            f"number, got {value!r}."
        )


def check_common_params(est) -> None:
    """Validate the parameters every family shares.

    Raises
    ------
    ValueError, TypeError
        Naming the argument and echoing the value.
    """
    from forecaster.models.layers import CELLS, WINDOW_NORMS
    from forecaster.models.spec import LOSSES, check_quantiles

    for name in ("horizon", "hidden_units", "num_layers", "batch_size", "max_epochs"):
        check_positive_int(name, getattr(est, name))
    check_positive_int("lookback", est.lookback, allow_none=True)
    check_positive_int("early_stopping_patience", est.early_stopping_patience, True)
    _choice("cell", est.cell, CELLS)
    _choice("scaler", est.scaler, SCALERS)
    _choice("window_norm", est.window_norm, ("auto", *WINDOW_NORMS))
    _choice("loss", est.loss, LOSSES)
    _choice("fill_missing", est.fill_missing, FILL_POLICIES)
    check_quantiles(est.quantiles)
    if not (isinstance(est.dropout, int | float) and 0 <= est.dropout < 1):
        raise ValueError(
            "Received an invalid value for argument `dropout`, expected a float in "
            f"[0, 1), got {est.dropout!r}."
        )
    _choice(
        "mixed_precision",
        est.mixed_precision,
        (None, "mixed_float16", "mixed_bfloat16"),
    )
    jit = est.jit_compile
    if not (isinstance(jit, bool) or (isinstance(jit, str) and jit == "auto")):
        raise ValueError(
            "Received an invalid value for argument `jit_compile`, expected True, "
            f"False or 'auto', got {est.jit_compile!r}."
        )
    _positive_number("learning_rate", est.learning_rate)
    _positive_number("clipnorm", est.clipnorm)
    v = est.val_size
    ok = (isinstance(v, int) and not isinstance(v, bool) and v >= 0) or (
        isinstance(v, float) and 0 <= v < 1
    )
    if not ok:
        raise ValueError(
            "Received an invalid value for argument `val_size`, expected a number of "
            f"steps (int >= 0) or a fraction in [0, 1), got {v!r}."
        )
    past = as_names(est.past_covariates, "past_covariates")
    futr = as_names(est.future_covariates, "future_covariates")
    static = as_names(est.static_features, "static_features")
    calendar_columns(as_names(est.calendar_features, "calendar_features"))
    reserved = {est.id_col, est.time_col, est.target_col}
    seen: dict[str, str] = {}
    for kind, names in (
        ("past_covariates", past),
        ("future_covariates", futr),
        ("static_features", static),
    ):
        for n in names:
            if n in reserved:
                raise ValueError(
                    f"Column {n!r} in `{kind}` is the id, time or target column."
                )
            if n in seen:
                raise ValueError(
                    f"Column {n!r} is declared twice: in `{seen[n]}` and `{kind}`."
                )
            seen[n] = kind


def resolve_lookback(
    lookback: int | None, horizon: int, freq: str, min_length: int
) -> int:
    """The lookback to use: the parameter, or an automatic one.

    Automatic: two seasons or three horizons, whichever is longer, but never
    so long that the shortest series has no training window.
    """
    if lookback is not None:
        return int(lookback)
    wanted = max(2 * season_length(freq), 3 * horizon)
    return int(max(1, min(wanted, min_length - horizon)))
