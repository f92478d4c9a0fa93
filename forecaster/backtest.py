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
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import clone

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
    """Rolling-origin backtest of a forecaster over ``n_windows`` cutoffs.

    Parameters
    ----------
    estimator : forecaster estimator
        Unfitted or fitted (its fitted state is ignored); any object with
        ``horizon``, ``fit(df, static_df=)`` and ``predict(df=, future_df=,
        static_df=)`` that :func:`sklearn.base.clone` can copy.
    df : pandas.DataFrame or pandas.Series
        Long frame (``id_col, time_col, target_col`` and the estimator's
        covariates) or one series with a ``DatetimeIndex``; regular series.
    n_windows : int, default 3
        Number of cutoffs per series.
    step_size : int, optional
        Steps between cutoffs; default the ``horizon`` (no overlap).
    refit : bool or int, default False
        ``False``: one fit; ``True``: a fit per window; ``N``: every ``N``.
    static_df : pandas.DataFrame, optional
        Static features, passed to every ``fit`` and ``predict``.
    level : sequence of float, optional
        Passed to ``predict(level=...)`` (prediction intervals).
    id_col, time_col, target_col : str, optional
        Column names; default the estimator's (``unique_id, ds, y``).
    verbose : bool, default False
        Print one progress line per window.

    Returns
    -------
    pandas.DataFrame
        ``id_col, time_col, "cutoff", target_col, "yhat"`` plus the other
        columns of ``predict`` (``yhat_q0.1``, ``yhat_lo80``...), sorted by
        series (ids as text), cutoff and time.

    Raises
    ------
    ValueError
        On bad arguments or data, or a series too short for the windows
        (named; skipped with a warning under ``drop_short=True``).
    TypeError
        If ``level`` is given to a ``predict`` without ``level``.

    """
    cols = _columns(estimator, id_col, time_col, target_col)
    plan = _plan(estimator, n_windows, step_size, refit, level)
    frame, pos, future = _prepare(df, estimator, cols)
    frame, pos = _check_lengths(frame, pos, plan, estimator)
    return _run(estimator, frame, pos, cols, plan, future, static_df, verbose)


class _Plan(NamedTuple):
    """The windows of a backtest: ``n_windows`` cutoffs ``step`` apart, a fit
    every ``every`` windows."""

    horizon: int
    n_windows: int
    step: int
    every: int
    predict_kw: dict  # level=, when intervals are asked for


def _plan(est, n_windows, step_size, refit, level) -> _Plan:
    """Check the backtest's arguments against the estimator."""
    horizon = getattr(est, "horizon", None)
    check_positive_int("horizon", horizon)
    check_positive_int("n_windows", n_windows)
    step = horizon if step_size is None else step_size
    check_positive_int("step_size", step)
    if level is not None and not _accepts(est.predict, "level"):
        raise TypeError(
            f"{type(est).__name__}.predict does not accept `level`, got "
            f"level={level!r}. Leave level=None, or use an estimator whose "
            "predict gives prediction intervals."
        )
    every = _refit_every(refit, n_windows)
    return _Plan(
        horizon, n_windows, step, every, {} if level is None else {"level": level}
    )


def _columns(est, id_col, time_col, target_col) -> tuple[str, str, str]:
    """Column names: the arguments, else the estimator's, else the defaults."""
    out = []
    for name, given, default in (
        ("id_col", id_col, "unique_id"),
        ("time_col", time_col, "ds"),
        ("target_col", target_col, "y"),
    ):
        own = getattr(est, name, None)
        if given is not None and own is not None and given != own:
            raise ValueError(
                f"Received {name}={given!r} but the estimator has {name}={own!r}; "
                f"set it on the estimator (`estimator.set_params({name}=...)`)."
            )
        out.append(given if given is not None else own if own is not None else default)
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


def _prepare(df, est, cols) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Validated frame sorted by (id as str, time), each row's distance from
    its series' end (0 for the last row) and the future covariates' names."""
    id_col, time_col, target_col = cols
    future = as_names(getattr(est, "future_covariates", None), "future_covariates")
    if isinstance(df, pd.Series):
        df = series_to_frame(df, id_col, time_col, target_col)
    frame = validate_long_frame(df, id_col, time_col, target_col, future)
    key = frame[id_col].astype(str).to_numpy()
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    indptr = np.append(starts, len(frame)).astype(np.int64)
    t = frame[time_col]
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    # Regular series, so that the forecast timestamps are rows of df.
    infer_freq(
        t.to_numpy(dtype="datetime64[ns]"),
        indptr,
        key[starts],
        getattr(est, "freq", None),
    )
    lengths = np.diff(indptr)
    pos = np.repeat(indptr[1:], lengths) - 1 - np.arange(len(frame))
    return frame.assign(**{_KEY: key}), pos, future


def _check_lengths(frame, pos, plan: _Plan, est):
    """Raise (or, with ``drop_short``, warn and drop) naming the short series."""
    horizon, n_windows, step = plan.horizon, plan.n_windows, plan.step
    lookback = getattr(est, "lookback", None)
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
    if not getattr(est, "drop_short", False) or len(short) == len(sizes):
        raise ValueError(f"{what} Reduce n_windows or step_size, or drop them.")
    warnings.warn(f"Skipped {what}", UserWarning, stacklevel=3)
    keep = ~frame[_KEY].isin(short.index).to_numpy()
    return frame.loc[keep].reset_index(drop=True), pos[keep]


def _run(est, frame, pos, cols, plan: _Plan, future, static_df, verbose):
    """Fit and forecast every window; the forecasts joined to the truth."""
    id_col, time_col, target_col = cols
    data = frame.drop(columns=_KEY)
    model, parts = None, []
    for k in range(plan.n_windows):
        start = time.perf_counter()
        offset = plan.horizon + (plan.n_windows - 1 - k) * plan.step  # rows after
        history = data[pos >= offset]
        ahead = (pos < offset) & (pos >= offset - plan.horizon)
        fitted = k % plan.every == 0
        if fitted:
            model = clone(est).fit(history, static_df=static_df)
        future_df = None
        if future:
            # Future-known covariates over the horizon; never the target.
            future_df = data.loc[ahead, [id_col, time_col, *future]]
        fc = model.predict(
            df=history, future_df=future_df, static_df=static_df, **plan.predict_kw
        )
        cut = frame.loc[pos == offset, [_KEY, time_col]]
        truth = frame.loc[ahead, [_KEY, id_col, time_col, target_col]]
        truth.insert(3, "cutoff", truth[_KEY].map(cut.set_index(_KEY)[time_col]))
        parts.append(_join(truth, fc, cols))
        if verbose:
            _progress(k, plan.n_windows, cut[time_col], fitted, start)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values([_KEY, "cutoff", time_col], kind="stable")
    return out.drop(columns=_KEY).reset_index(drop=True)


def _progress(k: int, n_windows: int, cutoffs: pd.Series, fitted: bool, start: float):
    """One line per window: its cutoffs, whether it fitted, how long it took."""
    print(
        f"cross_validation: window {k + 1}/{n_windows}, cutoffs "
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
    models: Sequence[str] = ("yhat",),
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
        Names from :mod:`forecaster.metrics.evaluation` (``"mae"``,
        ``"mase"``, ``"crps"``, ``"coverage80"``...).
    season_length : int, default 1
        Seasonal period of the MASE scale.
    models : sequence of str, default ("yhat",)
        Forecast columns to score.
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
