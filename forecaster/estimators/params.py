"""The estimators' shared hyper-parameters: their documentation and checks.

Parameters are stored as given in ``__init__`` (scikit-learn); they are
validated here at ``fit`` time, with Keras-style messages that name the
argument and echo the value. The defaults derived from the data are in
:mod:`forecaster.estimators.defaults`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from forecaster.data.covariates import calendar_columns
from forecaster.data.missing import FILL_POLICIES
from forecaster.data.scaling import SCALERS
from forecaster.data.validation import check_positive_int
from forecaster.models.spec import (
    ATTENTIONS,
    BASELINES,
    CELLS,
    LOSSES,
    MIXED_PRECISION_POLICIES,
    SCHEDULES,
    WINDOW_NORMS,
    WIRINGS,
    check_choice,
    check_quantiles,
)

__all__ = [
    "COMMON_PARAMETERS_DOC",
    "as_names",
    "check_common_params",
    "check_h",
    "check_seq2seq_params",
    "shared_parameters_doc",
    "store_params",
]

# The parameters every family shares, documented once: each family's class
# docstring holds the marker below (see shared_parameters_doc), and
# tests/test_params.py fails if the families' __init__ signatures drift apart.
COMMON_PARAMETERS_DOC = """\
    cell : {"lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm"}, default "lstm"
        Recurrent cell. ``lstm``/``gru``/``rnn`` use Keras's layers with the
        cuDNN-eligible settings; the peephole and coupled-gate cells run on
        the generic RNN loop and are slower.
    horizon : int, default 1
        Steps forecast after each series' end.
    lookback : int or None, default None
        Input window length. ``None``: ``max(2 * season, 3 * horizon)`` where
        ``season`` follows the frequency (24 for hourly, 12 for monthly...),
        capped by the shortest series; the value used is ``lookback_``.
    hidden_units : int, default 64
        Units per recurrent layer (seq2seq: every encoder layer and the
        decoder).
    num_layers : int, default 1
        Stacked recurrent layers (seq2seq: of the encoder; the decoder is one
        cell).
    dropout : float, default 0.0
        Dropout between layers and before the head (never recurrent dropout).
    scaler : {"standard", "robust", "minmax", "none"}, default "standard"
        Per-series scaler, fitted on each series' training part only.
    window_norm : {"auto", "standard", "mean", None}, default "auto"
        Per-window (instance) normalisation of the target inside the model,
        from each lookback window's own statistics; lets the model follow a
        trend past the training range. ``mean`` subtracts the window mean,
        ``standard`` also divides by the window's std. ``auto`` (the value
        used is ``window_norm_``) takes ``standard`` for non-seasonal data
        (season length 1, e.g. yearly) and ``mean`` otherwise, as measured on
        the bundled data sets (``benchmarks/results/window_norm.json``):
        ``standard`` fixes smooth yearly trends (fertility) and loses on the
        seasonal air_passengers.
    baseline : {"auto", "seasonal_naive", "seasonal_mean", "naive", None}, \
default "auto"
        Forecast a correction over a baseline computed from each window
        instead of the values (ES-RNN's idea of starting from what must be
        beaten): ``"seasonal_naive"`` repeats the window's last season (the
        frequency's season length), ``"seasonal_mean"`` the seasonal profile
        averaged over the window's last three seasons (as many as it holds)
        at the last season's level, ``"naive"`` the last value, each times a
        learned weight per horizon step that starts at 1; the head starts at
        zero, so the untrained model is the baseline. ``"auto"`` (the
        period used is ``baseline_season_``): for seasonal data whose
        lookback holds more than a season, ``"seasonal_naive"`` or
        ``"naive"``, whichever forecasts the training windows better over
        the horizon (in-sample, MASE-scaled, averaged over series), the
        season averaged as ``"seasonal_mean"`` does when it is the year
        (quarterly, monthly, weekly data; ``baseline_cycles_``); ``None``
        for non-seasonal data. These choices were measured on the wide
        benchmark's validation sets (``benchmarks/results/wide.json``,
        ``wide_baseline_choice.json``, ``wide_seasonal_mean.json``). A
        season at least as long as the lookback falls back to ``"naive"``.
    loss : {"mse", "mae", "huber", "quantile", "normal", "student_t"}, default "mse"
        Training loss on the scaled data. ``quantile`` trains one
        multi-quantile head with the pinball loss (quantiles monotone by
        construction); ``normal`` / ``student_t`` train a distribution head by
        negative log-likelihood (scale through softplus). ``predict`` then adds
        ``yhat_q<level>`` columns.
    quantiles : tuple of float, default (0.1, 0.5, 0.9)
        Levels of the quantile head, and the levels reported for the
        distribution heads.
    batch_size : int, default 32
    max_epochs : int, default 100 (``Seq2SeqForecaster``: 50)
        Passes over every training window, at most. It binds on short data
        (few windows a pass), and most where no series can spare a
        validation tail, so nothing stops training early. Seq2seq's 50 was
        measured on the wide benchmark's validation split
        (``benchmarks/results/wide_seq2seq_epochs.json``, three seeds):
        geometric-mean MASE 0.698 -> 0.677 and 14 -> 15 of 15 sets over
        seasonal naive (shampoo 1.419 -> 1.012, grunfeld 2.557 -> 2.188); the
        LSTM's 0.691 -> 0.692 was no gain, so it keeps 100.
    max_steps : int or None, default 1000
        Optimiser steps (batches), at most: the training budget. Whichever
        of ``max_epochs`` and ``max_steps`` ends first ends training, so the
        cost of a fit grows with this budget, not with the series' length
        (a long hourly series is thousands of windows per pass). ``None``:
        ``max_epochs`` full passes.
    val_check_steps : int, default 100
        Steps between validation checks (the early-stopping clock), or one
        pass over the windows when that is shorter: a "Keras epoch" of
        ``history_`` is ``min(steps per pass, val_check_steps)`` steps.
    ensemble_size : int, default 1
        Members trained together in one model (one compiled step: their
        batches are the same, their initial weights and dropout differ);
        forecasts combine them by the median (point losses), the mean of
        the quantiles (``quantile``) or the moment-matched mixture
        (``normal`` / ``student_t``, as in deep ensembles, Lakshminarayanan
        et al. 2017). Early stopping follows the members' summed loss.
    learning_rate : float, default 1e-3
        Adam's learning rate.
    early_stopping_patience : int or None, default 10
        Epochs without validation improvement before stopping (the best
        weights are restored). ``None`` turns early stopping off.
    val_size : int or float, default 0.1
        Validation tail per series: steps (int) or fraction of each series
        (float); raised to ``horizon``. ``0`` disables validation. Its windows
        stop training early and calibrate the conformal intervals.
    clipnorm : float or None, default 1.0
        Gradient clipping by norm (on by default).
    past_covariates : list of str, optional
        Columns of ``df`` known only up to the forecast origin; they enter
        the lookback window.
    future_covariates : list of str, optional
        Columns known over the horizon too (prices, holidays, weather
        forecasts); they enter the lookback window and the head, and
        ``predict`` takes them from ``future_df``.
    static_features : list of str, optional
        Columns of ``static_df`` (one row per series): numeric ones are
        standardised, categorical ones get a learned embedding (categories
        unseen at fit use an "unknown" row, with a warning).
    calendar_features : list of str, optional
        Generated from ``ds`` as sin/cos pairs, future-known by construction:
        any of ``minute, hour, dayofweek, day, dayofyear, weekofyear, month,
        quarter``.
    drop_short : bool, default False
        Skip series too short for one training window (with a warning naming
        them) instead of raising.
    fill_missing : {"raise", "ffill", "interpolate", "zero"}, default "raise"
        Policy for gaps (timestamps absent from a series' regular grid) and
        NaN in the target and covariates, at ``fit`` and ``predict``:
        ``"raise"`` names the series and the first missing timestamp;
        ``"ffill"`` carries the last value forward, ``"interpolate"`` is
        linear in time, ``"zero"`` fills 0. Leading gaps are filled backward
        with the first value. See :func:`forecaster.data.missing.fill_missing`.
    jit_compile : bool or "auto", default "auto"
        XLA compilation of the training step; Keras's "auto" turns it on only
        where a GPU is present (no reliable gain measured on 2 CPU cores).
    mixed_precision : {None, "mixed_float16", "mixed_bfloat16"}, default None
        Keras dtype policy while building the model, for GPUs; the loss is
        computed in float32 (and scaled, for float16).
    freq : str or None, default None
        Pandas offset alias; inferred from the data when ``None``.
    random_state : int or None, default None
        Seed: two fits with the same seed give identical forecasts on CPU.
    verbose : int, default 1
        Keras's progress output (0 silences it).
    id_col, time_col, target_col : str
        Column names of the long frame.
"""
_MARKER = "    {common_parameters}\n"


def shared_parameters_doc(cls: type) -> type:
    """Put :data:`COMMON_PARAMETERS_DOC` where ``cls``'s docstring has the marker."""
    if cls.__doc__ and _MARKER in cls.__doc__:
        cls.__doc__ = cls.__doc__.replace(_MARKER, COMMON_PARAMETERS_DOC)
    return cls


def store_params(est, arguments: dict) -> None:
    """Store ``__init__``'s arguments as given (scikit-learn): ``locals()``."""
    for name, value in arguments.items():
        if name not in ("self", "__class__"):
            setattr(est, name, value)


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
    for name in (
        "horizon",
        "hidden_units",
        "num_layers",
        "batch_size",
        "max_epochs",
        "val_check_steps",
        "ensemble_size",
    ):
        check_positive_int(name, getattr(est, name))
    check_positive_int("max_steps", est.max_steps, allow_none=True)
    check_positive_int("lookback", est.lookback, allow_none=True)
    check_positive_int("early_stopping_patience", est.early_stopping_patience, True)
    check_choice("cell", est.cell, CELLS)
    check_choice("scaler", est.scaler, SCALERS)
    check_choice("window_norm", est.window_norm, ("auto", *WINDOW_NORMS))
    check_choice("baseline", est.baseline, BASELINES)
    check_choice("loss", est.loss, LOSSES)
    check_choice("fill_missing", est.fill_missing, FILL_POLICIES)
    check_quantiles(est.quantiles)
    if not (isinstance(est.dropout, int | float) and 0 <= est.dropout < 1):
        raise ValueError(
            "Received an invalid value for argument `dropout`, expected a float in "
            f"[0, 1), got {est.dropout!r}."
        )
    check_choice("mixed_precision", est.mixed_precision, MIXED_PRECISION_POLICIES)
    jit = est.jit_compile
    if not (isinstance(jit, bool) or (isinstance(jit, str) and jit == "auto")):
        raise ValueError(
            "Received an invalid value for argument `jit_compile`, expected True, "
            f"False or 'auto', got {est.jit_compile!r}."
        )
    _positive_number("learning_rate", est.learning_rate)
    _positive_number("clipnorm", est.clipnorm)
    _check_val_size(est.val_size)
    _check_plain(est)
    _check_columns(est)


def _check_plain(est) -> None:
    """The seed, the verbosity, the frequency and the column names."""
    seed = est.random_state
    if seed is not None and not (
        isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0
    ):
        raise ValueError(
            "Received an invalid value for argument `random_state`, expected None "
            f"or an integer >= 0, got {seed!r}."
        )
    if not isinstance(est.verbose, numbers.Integral) or isinstance(est.verbose, bool):
        raise ValueError(
            "Received an invalid value for argument `verbose`, expected an "
            f"integer, got {est.verbose!r}."
        )
    if est.freq is not None and not isinstance(est.freq, str):
        raise ValueError(
            "Received an invalid value for argument `freq`, expected None or a "
            f"pandas frequency string, got {est.freq!r}."
        )
    for name in ("id_col", "time_col", "target_col"):
        if not isinstance(getattr(est, name), str):
            raise ValueError(
                f"Received an invalid value for argument `{name}`, expected a "
                f"column name (str), got {getattr(est, name)!r}."
            )


def _check_val_size(v) -> None:
    ok = (isinstance(v, int) and not isinstance(v, bool) and v >= 0) or (
        isinstance(v, float) and 0 <= v < 1
    )
    if not ok:
        raise ValueError(
            "Received an invalid value for argument `val_size`, expected a number of "
            f"steps (int >= 0) or a fraction in [0, 1), got {v!r}."
        )


def _check_columns(est) -> None:
    """Covariate declarations: lists of names, none reserved, none twice."""
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


def check_h(h, horizon: int) -> None:
    """``predict(h=...)``: None, or a positive integer up to the trained horizon."""
    check_positive_int("h", h, allow_none=True)
    if h is not None and h > horizon:
        raise ValueError(
            f"Received h={h}, but this forecaster was trained for horizon="
            f"{horizon}: forecast at most {horizon} steps, or refit with "
            f"horizon={h}."
        )


def check_seq2seq_params(est) -> None:
    """Validate the parameters only the seq2seq family has.

    Raises
    ------
    ValueError
        Naming the argument and echoing the value.
    """
    check_choice("wiring", est.wiring, WIRINGS)
    check_choice("attention", est.attention, ATTENTIONS)
    check_choice("sampling_schedule", est.sampling_schedule, SCHEDULES)
    check_positive_int("context_units", est.context_units, allow_none=True)
    if not isinstance(est.bidirectional, bool | np.bool_):
        raise ValueError(
            "Received an invalid value for argument `bidirectional`, expected "
            f"a bool, got {est.bidirectional!r}."
        )
    p = est.scheduled_sampling
    number = isinstance(p, int | float) and not isinstance(p, bool)
    if p is not None and not (number and 0 <= p <= 1):
        raise ValueError(
            "Received an invalid value for argument `scheduled_sampling`, "
            f"expected None or a probability in [0, 1], got {p!r}."
        )
