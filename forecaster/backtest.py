"""Rolling-origin evaluation: ``cross_validation`` and ``evaluate_cv``.

Semantics follow NeuralForecast / statsforecast. For window ``k`` of
``n_windows`` the cutoff of every series is its own timestamp at position
``len - horizon - (n_windows - 1 - k) * step_size - 1``; the forecast for that
cutoff sees only the rows with ``ds <= cutoff`` (plus, for future-known
covariates, their values over the ``horizon`` steps after it). Nothing after a
cutoff ever reaches a fit or a forecast of that cutoff: the target after it is
only joined back as the ``y`` column of the output.

The estimator passed in is never fitted or modified: every fit is on a
:func:`sklearn.base.clone` of it. With ``refit=False`` one clone is fitted on
the data up to the *first* cutoff and forecasts every cutoff from that
cutoff's history through ``predict(df=history)``, so no forecast is made by a
model that saw data after its cutoff. ``refit=True`` fits a fresh clone at
every window on the data up to that window's cutoff; ``refit=N`` does so every
``N`` windows (windows in between reuse the last fit).

Several models compare in one call: ``cross_validation({"lstm": est,
"snaive": SeasonalNaive(season_length=12)}, df)`` runs each over the same
windows and gives one forecast column per name (``lstm``, ``lstm_lo80``...,
``snaive``), which :func:`evaluate_cv` scores side by side. A model without a
horizon (a baseline's ``horizon=None``) forecasts the others'.

Examples
--------
>>> from forecaster import RecurrentForecaster
>>> t = pd.date_range("2020-01-01", periods=60, freq="h")
>>> df = pd.DataFrame({"unique_id": "a", "ds": t, "y": np.sin(np.arange(60) / 3)})
>>> est = RecurrentForecaster(horizon=4, lookback=8, hidden_units=4, max_epochs=1,
...                           early_stopping_patience=None, val_size=0,
...                           verbose=0, random_state=0)
>>> cv = cross_validation(est, df, n_windows=2)
>>> cv.shape, cv["cutoff"].nunique()
((8, 5), 2)
>>> per_series, overall = evaluate_cv(cv, df, metrics=["mae"])
>>> overall["metric"].tolist()
['mae']
"""

from __future__ import annotations

import inspect
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from forecaster.data.clock import clock_times
from forecaster.data.frames import as_pandas
from forecaster.data.frequency import infer_freq
from forecaster.data.validation import (
    check_positive_int,
    ensure_time_dtype,
    series_to_frame,
    validate_long_frame,
)
from forecaster.estimators.params import as_names
from forecaster.metrics import evaluate

__all__ = ["cross_validation", "evaluate_cv"]

_KEY = "__cv_key__"  # helper column: series id as str (the estimators' ids)


def cross_validation(
    estimator,
    df: pd.DataFrame | pd.Series,
    n_windows: int = 3,
    step_size: int | None = None,
    refit: bool | int = False,
    static_df: pd.DataFrame | None = None,
    level: Sequence[float] | None = None,
    id_col: str | None = None,
    time_col: str | None = None,
    target_col: str | None = None,
    verbose: bool = False,
) -> pd.DataFrame:
    """Rolling-origin backtest of one forecaster, or several, over ``n_windows``.

    Parameters
    ----------
    estimator : forecaster estimator or dict of str to estimators
        One model, or several by name; any object with ``horizon``,
        ``fit(df)`` and ``predict(df=)`` that :func:`sklearn.base.clone` copies.
    df : pandas.DataFrame or pandas.Series
        Long frame (``id_col, time_col, target_col``, covariates) or a Series.
    n_windows : int, default 3
        Number of cutoffs per series.
    step_size : int, optional
        Steps between cutoffs; default the ``horizon`` (no overlap).
    refit : bool or int, default False
        ``False``: one fit; ``True``: a fit per window; ``N``: every ``N``.
    static_df : pandas.DataFrame, optional
        Static features, for the models whose ``fit`` / ``predict`` take them.
    level : sequence of float, optional
        Passed to ``predict(level=...)`` (prediction intervals).
    id_col, time_col, target_col : str, optional
        Column names; default the models' (``unique_id, ds, y``).
    verbose : bool, default False
        Print one progress line per window (and model).

    Returns
    -------
    pandas.DataFrame
        ``id_col, time_col, "cutoff", target_col``, then ``predict``'s columns
        (``yhat``, ``yhat_lo80``...), for a dict each model's by its name
        (``lstm``, ``lstm_lo80``...); by series (ids as text), cutoff, time.

    Raises
    ------
    ValueError, TypeError
        On bad arguments or data, models that disagree (horizon, columns), a
        ``predict`` without ``level`` given one, or a series too short for the
        windows (named; skipped with a warning under ``drop_short=True``).
    """
    models = _models(estimator)
    cols = _columns(models, id_col, time_col, target_col)
    plan = _plan(models, n_windows, step_size, refit, level)
    frame, pos = _prepare(df, models, cols, plan)
    runs = [
        _run(e, k, frame, pos, cols, plan, static_df, verbose)
        for k, e in models.items()
    ]
    return _side_by_side(runs, cols)


def _models(estimator) -> dict:
    """``{name: estimator}`` (``{None: estimator}`` for one); models without
    a horizon get the others' (on a clone: the caller's stays unset)."""
    from sklearn.base import clone

    if not isinstance(estimator, Mapping):
        return {None: estimator}
    names = list(estimator)
    if not names or not all(isinstance(k, str) and k for k in names):
        raise ValueError(
            "Received an invalid value for argument `estimator`: expected one "
            f"estimator or a non-empty dict {{name: estimator}}, got names {names!r}."
        )
    horizons = {k: getattr(e, "horizon", None) for k, e in estimator.items()}
    known = sorted({h for h in horizons.values() if h is not None})
    if len(known) > 1:
        raise ValueError(
            f"The models disagree on the horizon ({horizons}): a backtest "
            "compares forecasts of one horizon. Give them the same horizon."
        )
    if not known:
        return dict(estimator)
    return {
        k: clone(e).set_params(horizon=known[0]) if horizons[k] is None else e
        for k, e in estimator.items()
    }


class _Plan(NamedTuple):
    """The windows of a backtest: ``n_windows`` cutoffs ``step`` apart, a fit
    every ``every`` windows."""

    horizon: int
    n_windows: int
    step: int
    every: int
    predict_kw: dict  # level=, when intervals are asked for


def _plan(models: dict, n_windows, step_size, refit, level) -> _Plan:
    """Check the backtest's arguments against the models."""
    horizon = getattr(next(iter(models.values())), "horizon", None)
    check_positive_int("horizon", horizon)
    check_positive_int("n_windows", n_windows)
    step = horizon if step_size is None else step_size
    check_positive_int("step_size", step)
    for est in models.values():
        if level is not None and not _accepts(est.predict, "level"):
            raise TypeError(
                f"{type(est).__name__}.predict does not accept `level`, got "
                f"level={level!r}. Leave level=None, or use an estimator whose "
                "predict gives prediction intervals."
            )
    every = _refit_every(refit, n_windows)
    kw = {} if level is None else {"level": level}
    return _Plan(horizon, n_windows, step, every, kw)


def _columns(models: dict, id_col, time_col, target_col) -> tuple[str, str, str]:
    """Column names: the arguments, else the models' (which must agree), else
    the defaults; model names must differ from them."""
    out = []
    for name, given, default in (
        ("id_col", id_col, "unique_id"),
        ("time_col", time_col, "ds"),
        ("target_col", target_col, "y"),
    ):
        own = sorted({getattr(e, name, None) for e in models.values()} - {None})
        if len(own) > 1:
            raise ValueError(f"The models disagree on {name}: {own}; give them one.")
        if given is not None and own and own[0] != given:
            raise ValueError(
                f"Received {name}={given!r} but the estimator has {name}={own[0]!r}; "
                f"set it on the estimator (`estimator.set_params({name}=...)`)."
            )
        out.append(given if given is not None else own[0] if own else default)
    clash = [k for k in models if k in (*out, "cutoff")]
    if clash:
        raise ValueError(f"Model names {clash} are column names of the output.")
    return tuple(out)  # type: ignore[return-value]


def _refit_every(refit: object, n_windows: int) -> int:
    """Windows between fits: ``n_windows`` for ``False`` (one fit), 1 for True."""
    if isinstance(refit, bool | np.bool_):
        return 1 if refit else n_windows
    if isinstance(refit, int | np.integer) and refit >= 1:
        return int(refit)
    raise ValueError(
        "Received an invalid value for argument `refit`, expected a bool or a "
        f"positive integer (refit every N windows), got {refit!r}."
    )


def _accepts(func, name: str) -> bool:
    params = inspect.signature(func).parameters.values()
    return any(p.name == name or p.kind is p.VAR_KEYWORD for p in params)


def _supported(func, **kwargs) -> dict:
    """The ``kwargs`` that are set and that ``func`` takes (a baseline takes
    no ``static_df``)."""
    return {k: v for k, v in kwargs.items() if v is not None and _accepts(func, k)}


def _future(est) -> list[str]:
    return as_names(getattr(est, "future_covariates", None), "future_covariates")


def _prepare(df, models: dict, cols, plan) -> tuple[pd.DataFrame, np.ndarray]:
    """Validated frame sorted by (id as str, time) and each row's distance
    from its series' end (0 for the last row), without series too short."""
    id_col, time_col, target_col = cols
    future = list(dict.fromkeys(c for e in models.values() for c in _future(e)))
    df = as_pandas(df, "df")  # polars converted at the edge
    if isinstance(df, pd.Series):
        df = series_to_frame(df, id_col, time_col, target_col)
    frame = validate_long_frame(df, id_col, time_col, target_col, future)
    key = frame[id_col].astype(str).to_numpy()
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    indptr = np.append(starts, len(frame)).astype(np.int64)
    t = frame[time_col]
    freqs = [getattr(e, "freq", None) for e in models.values()]
    freq = next((f for f in freqs if f is not None), None)
    # Regular series, so that the forecast timestamps are rows of df; aware
    # times are checked on the clock their frequency steps in (DST-proof).
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        clock_times(t, indptr, key[starts], freq)
    else:
        infer_freq(t.to_numpy(dtype="datetime64[ns]"), indptr, key[starts], freq)
    lengths = np.diff(indptr)
    pos = np.repeat(indptr[1:], lengths) - 1 - np.arange(len(frame))
    return _check_lengths(frame.assign(**{_KEY: key}), pos, plan, models.values())


def _check_lengths(frame, pos, plan: _Plan, models):
    """Raise (or, with ``drop_short`` on a model, warn and drop for all)
    naming the short series."""
    horizon, n_windows, step = plan.horizon, plan.n_windows, plan.step
    lookbacks = [getattr(e, "lookback", None) for e in models]
    lookback = max((lb for lb in lookbacks if lb), default=None)
    after = horizon + (n_windows - 1) * step  # rows after the first cutoff
    history = (lookback + horizon) if lookback else horizon + 1
    need = after + history
    sizes = frame.groupby(_KEY, sort=False).size()
    short = sizes[sizes < need]
    if short.empty:
        return frame, pos
    named = ", ".join(f"{k!r} ({n} points)" for k, n in short.iloc[:5].items())
    more = f" and {len(short) - 5} more" if len(short) > 5 else ""
    why = f"lookback {lookback} + horizon {horizon}" if lookback else "horizon + 1"
    what = (
        f"{len(short)} series too short for n_windows={n_windows} (step_size="
        f"{step}, horizon={horizon}): {named}{more}. Each needs at least {need} "
        f"points: {history} before the first cutoff ({why}) and {after} after it "
        "((n_windows - 1) * step_size + horizon)."
    )
    drop = any(getattr(e, "drop_short", False) for e in models)
    if not drop or len(short) == len(sizes):
        raise ValueError(f"{what} Reduce n_windows or step_size, or drop them.")
    warnings.warn(f"Skipped {what}", UserWarning, stacklevel=3)
    keep = ~frame[_KEY].isin(short.index).to_numpy()
    return frame.loc[keep].reset_index(drop=True), pos[keep]


def _run(est, name, frame, pos, cols, plan: _Plan, static_df, verbose):
    """Fit and forecast every window with one model; its forecasts (named
    ``name`` when given) joined to the truth."""
    from sklearn.base import clone

    id_col, time_col, target_col = cols
    data, future = frame.drop(columns=_KEY), _future(est)
    model, parts = None, []
    for k in range(plan.n_windows):
        start = time.perf_counter()
        offset = plan.horizon + (plan.n_windows - 1 - k) * plan.step  # rows after
        history = data[pos >= offset]
        ahead = (pos < offset) & (pos >= offset - plan.horizon)
        fitted = k % plan.every == 0
        if fitted:
            model = clone(est)
            model.fit(history, **_supported(model.fit, static_df=static_df))
        # Future-known covariates over the horizon; never the target.
        future_df = data.loc[ahead, [id_col, time_col, *future]] if future else None
        kw = _supported(model.predict, future_df=future_df, static_df=static_df)
        fc = model.predict(df=history, **kw, **plan.predict_kw)
        cut = frame.loc[pos == offset, [_KEY, time_col]]
        truth = frame.loc[ahead, [_KEY, id_col, time_col, target_col]]
        truth.insert(3, "cutoff", truth[_KEY].map(cut.set_index(_KEY)[time_col]))
        parts.append(_join(truth, fc, cols))
        if verbose:
            _progress(name, k, plan.n_windows, cut[time_col], fitted, start)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values([_KEY, "cutoff", time_col], kind="stable")
    out = out.drop(columns=_KEY).reset_index(drop=True)
    return out if name is None else out.rename(columns=lambda c: _named(c, name, cols))


def _named(column: str, name: str, cols) -> str:
    """``yhat`` -> ``name``, ``yhat_lo80`` -> ``name_lo80``; keys unchanged."""
    if column in (*cols, "cutoff"):
        return column
    if column == "yhat" or column.startswith("yhat_"):
        return name + column[len("yhat") :]
    return f"{name}_{column}"


def _side_by_side(runs: list[pd.DataFrame], cols) -> pd.DataFrame:
    """The models' forecast columns next to one copy of the keys and truth
    (every run has the same rows in the same order)."""
    keys = [cols[0], cols[1], "cutoff", cols[2]]
    out = runs[0]
    for run in runs[1:]:
        same = all(
            np.array_equal(run[k].to_numpy(), out[k].to_numpy()) for k in keys[:3]
        )
        if not same:  # cannot happen: every run joins the same truth rows
            raise RuntimeError("cross_validation: the models' windows differ")
        out = pd.concat([out, run.drop(columns=keys)], axis=1)
    return out


def _progress(name, k: int, n_windows: int, cutoffs, fitted: bool, start: float):
    """One line per window: its cutoffs, whether it fitted, how long it took."""
    who = "" if name is None else f" [{name}]"
    print(
        f"cross_validation{who}: window {k + 1}/{n_windows}, cutoffs "
        f"{cutoffs.min()} .. {cutoffs.max()}: {'fit and ' if fitted else ''}forecast "
        f"{len(cutoffs)} series in {time.perf_counter() - start:.2f}s",
        flush=True,
    )


def _join(truth: pd.DataFrame, fc: pd.DataFrame, cols) -> pd.DataFrame:
    """Forecasts next to the observed values of their timestamps."""
    id_col, time_col, target_col = cols
    fc = fc.assign(**{_KEY: fc[id_col].astype(str)}).drop(columns=id_col)
    fc[time_col] = fc[time_col].astype(truth[time_col].dtype)
    extra = [c for c in fc.columns if c in truth.columns and c not in (_KEY, time_col)]
    merged = truth.merge(
        fc.drop(columns=extra),
        on=[_KEY, time_col],
        how="outer",
        indicator=True,
        validate="one_to_one",
    )
    bad = merged["_merge"] != "both"
    if bad.any():
        row = merged[bad].iloc[0]
        side = "no forecast" if row["_merge"] == "left_only" else "no observation"
        raise ValueError(
            f"predict returned forecasts that do not line up with df: series "
            f"{row[_KEY]!r} has {side} at {row[time_col]} (the forecasts must "
            f"cover exactly the horizon after each cutoff)."
        )
    return merged.drop(columns="_merge")


def evaluate_cv(
    cv_df: pd.DataFrame,
    df: pd.DataFrame | pd.Series,
    metrics: Sequence[str] = ("mae", "rmse", "smape", "mase"),
    season_length: int = 1,
    models: Sequence[str] | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score a :func:`cross_validation` frame per series and overall.

    :func:`forecaster.metrics.evaluate` with ``df`` (or the series) as the
    history: MASE scales by each series' rows up to its first cutoff.

    Parameters
    ----------
    cv_df : pandas.DataFrame
        Output of :func:`cross_validation`.
    df : pandas.DataFrame or pandas.Series
        The frame (or series) the backtest ran on.
    metrics : sequence of str
        :mod:`forecaster.metrics.evaluation` names (``"mase"``, ``"crps"``...).
    season_length : int, default 1
        Seasonal period of the MASE scale.
    models : sequence of str, optional
        Forecast columns to score; default every model's (``yhat``, or names).
    id_col, time_col, target_col : str
        Column names.

    Returns
    -------
    per_series : pandas.DataFrame
        Columns ``[id_col, "metric", *models]``.
    overall : pandas.DataFrame
        Columns ``["metric", *models]``: the mean over series.

    Raises
    ------
    TypeError, ValueError
        From :func:`forecaster.metrics.evaluate`; or ``cv_df`` has no cutoff.
    """
    df, cv_df = as_pandas(df, "df"), as_pandas(cv_df, "cv_df")
    if isinstance(df, pd.Series):
        df = series_to_frame(df, id_col, time_col, target_col)
    if isinstance(cv_df, pd.DataFrame) and "cutoff" not in cv_df.columns:
        raise ValueError("columns ['cutoff'] not found in cv_df")
    if isinstance(df, pd.DataFrame) and time_col in df.columns:
        df = ensure_time_dtype(df, time_col)  # cutoffs are timestamps
    return evaluate(
        cv_df,
        df,
        metrics=metrics,
        season_length=season_length,
        models=models,
        id_col=id_col,
        time_col=time_col,
        target_col=target_col,
        cutoff_col="cutoff",
    )
