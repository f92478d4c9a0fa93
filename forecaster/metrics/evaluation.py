"""Scoring a cross-validation frame per series: the package's one evaluation.

:func:`evaluate` applies the array metrics of :mod:`forecaster.metrics.arrays`
to every series of a frame of forecasts and observations (as
:func:`forecaster.backtest.cross_validation` returns, which
:func:`forecaster.backtest.evaluate_cv` passes here), with the in-sample
history that MASE and the scaled CRPS divide by. The metric names:

==================  ==========================================================
``mae``, ``rmse``   of the point forecast ``<model>``
``smape``           M4 sMAPE in percent
``mase``            MAE over the in-sample seasonal naive MAE (needs history)
``pinball``         mean pinball loss over the quantile columns ``<model>_q<q>``
``crps``            twice that (:func:`~forecaster.metrics.crps_from_quantiles`)
``scaled_crps``     that CRPS over the MASE scale, comparable across series
                    (``inf`` / ``0.0`` on a zero scale, as MASE)
``coverage<L>``     share inside ``[<model>_lo<L>, <model>_hi<L>]``
``width<L>``        mean width of that interval
==================  ==========================================================
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from forecaster.metrics.arrays import (
    _naive_scale,
    coverage,
    crps_from_quantiles,
    interval_width,
    mae,
    mase,
    pinball_loss,
    rmse,
    smape,
)

__all__ = ["evaluate"]

_INTERVAL = re.compile(r"^(coverage|width)(\d+(?:\.\d+)?)$")
_KNOWN = ["mae", "rmse", "smape", "mase", "pinball", "crps", "scaled_crps"]
_SCALED = ("mase", "scaled_crps")  # metrics divided by the in-sample naive MAE


def _series_metric(
    metric: str, g: pd.DataFrame, model: str, y: str, train: object, m: int
) -> float:
    """One metric for one model on the rows ``g`` of one series."""
    if metric in ("mae", "rmse", "smape"):
        return {"mae": mae, "rmse": rmse, "smape": smape}[metric](g[y], g[model])
    if metric == "mase":
        return mase(g[y], g[model], train, m)  # type: ignore[arg-type]
    if metric == "scaled_crps":
        scale = _naive_scale(train, m)
        crps = _series_metric("crps", g, model, y, None, m)
        return crps / scale if scale > 0 else (float("inf") if crps > 0 else 0.0)
    if metric in ("pinball", "crps"):
        pat = re.compile(rf"^{re.escape(model)}_q(\d*\.?\d+)$")
        qs = sorted((float(q[1]), c) for c in g.columns if (q := pat.match(str(c))))
        if not qs:
            raise ValueError(f"no quantile columns '{model}_q<level>' in cv_df")
        fn = pinball_loss if metric == "pinball" else crps_from_quantiles
        return fn(g[y], g[[c for _, c in qs]], [lv for lv, _ in qs])
    kind, level = _INTERVAL.match(metric).groups()  # type: ignore[union-attr]
    lo, hi = f"{model}_lo{level}", f"{model}_hi{level}"
    if lo not in g.columns or hi not in g.columns:
        raise ValueError(f"columns {lo!r} and {hi!r} not both in cv_df")
    if kind == "coverage":
        return coverage(g[y], g[lo], g[hi])
    return interval_width(g[lo], g[hi])


def evaluate(
    cv_df: pd.DataFrame,
    train_df: pd.DataFrame | None = None,
    metrics: Sequence[str] = ("mae", "rmse", "smape", "mase"),
    season_length: int = 1,
    models: Sequence[str] | None = None,
    id_col: str = "unique_id",
    time_col: str = "ds",
    target_col: str = "y",
    cutoff_col: str = "cutoff",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score the forecasts of a cross-validation frame per series and overall.

    Each metric pools a series' cutoffs and steps; ``overall`` averages series.

    Parameters
    ----------
    cv_df : pandas.DataFrame
        Columns ``id_col, target_col``, the ``models`` columns and, as the
        metrics need, ``cutoff_col``, ``<model>_q<q>``, ``<model>_lo<L>``...
    train_df : pandas.DataFrame, optional
        History (``id_col, time_col, target_col``) for ``"mase"`` and
        ``"scaled_crps"``; rows after a series' first cutoff are ignored.
    metrics : sequence of str
        Names from the table of :mod:`forecaster.metrics.evaluation`.
    season_length : int, default 1
        Seasonal period of the MASE (and ``scaled_crps``) scale.
    models : sequence of str, optional
        Point forecasts to score; default all but keys, target and bounds.
    id_col, time_col, target_col, cutoff_col : str
        Column names.

    Returns
    -------
    per_series : pandas.DataFrame
        ``[id_col, "metric", *models]``, a row per (series, metric) in order.
    overall : pandas.DataFrame
        ``["metric", *models]``, a row per metric.

    Raises
    ------
    TypeError, ValueError
        On bad frames, unknown metrics, missing columns or ``train_df``, or a
        failing metric (NaN, a short series), naming series, model and metric.

    Examples
    --------
    >>> cv = pd.DataFrame({"unique_id": ["a", "a", "b"], "y": [1.0, 2, 3],
    ...                    "yhat": [2.0, 2, 5]})
    >>> [f["yhat"].tolist() for f in evaluate(cv, metrics=["mae"])]
    [[0.5, 2.0], [1.25]]
    """
    cols = (id_col, time_col, target_col, cutoff_col)
    metrics, models = _checked_request(cv_df, train_df, metrics, models, cols)
    scaled = [m for m in metrics if m in _SCALED]
    _require_columns(cv_df, train_df, scaled, models, cols[:3])
    history = _histories(cv_df, train_df, *cols) if scaled else None
    per_series = _per_series(cv_df, metrics, models, cols, history, season_length)
    overall = per_series.groupby("metric", sort=False)[models].mean().reset_index()
    return per_series, overall


def _per_series(cv_df, metrics, models, cols, history, season_length) -> pd.DataFrame:
    """``[id_col, "metric", *models]``: every metric of every model per series;
    errors name the series, model and metric."""
    id_col, _, target_col, _ = cols
    rows = []
    for uid, g in cv_df.groupby(id_col, sort=False, observed=True):
        train = None if history is None else history(uid)
        for metric in metrics:
            rows.append([uid, metric])
            for model in models:
                try:
                    score = _series_metric(
                        metric, g, model, target_col, train, season_length
                    )
                except ValueError as exc:
                    where = f"series {uid!r}, model {model!r}, metric {metric!r}"
                    raise ValueError(f"{where}: {exc}") from exc
                rows[-1].append(score)
    return pd.DataFrame(rows, columns=[id_col, "metric", *models])


def _checked_request(cv_df, train_df, metrics, models, cols):
    """The metric and model names as lists (models found when None); raise on
    frames that are not DataFrames and on unknown metrics."""
    for name, df in (("cv_df", cv_df), ("train_df", train_df)):
        if df is not None and not isinstance(df, pd.DataFrame):
            raise TypeError(f"{name} must be a DataFrame, got {type(df).__name__}")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if models is None:
        models = _model_columns(cv_df, cols)
    models = [models] if isinstance(models, str) else list(models)
    bad = [m for m in metrics if m not in _KNOWN and not _INTERVAL.match(str(m))]
    if bad or not metrics or not models:
        raise ValueError(
            f"need metrics from {_KNOWN}, 'coverage<L>' or 'width<L>' and at least "
            f"one model; got metrics={metrics}, models={models}"
        )
    return metrics, models


# a model's quantile or interval column: <model>_q0.1, <model>_lo80, <model>_hi80
_DERIVED = re.compile(r"^(.+)_(?:q\d*\.?\d+|lo\d+(?:\.\d+)?|hi\d+(?:\.\d+)?)$")


def _model_columns(cv_df: pd.DataFrame, cols) -> list[str]:
    """The point forecasts of ``cv_df``: every column but the keys and target
    (``cols``) and the quantiles and bounds of another column."""
    names = set(map(str, cv_df.columns))
    return [
        c
        for c in cv_df.columns
        if c not in cols and not ((m := _DERIVED.match(str(c))) and m[1] in names)
    ]


def _require_columns(cv_df, train_df, scaled, models, cols) -> None:
    """Raise unless the frames have the columns the request reads."""
    id_col, time_col, target_col = cols
    need = {"cv_df": (cv_df, [id_col, target_col, *models])}
    if scaled:
        if train_df is None:
            raise ValueError(
                f"metric {scaled[0]!r} requires train_df (in-sample history)"
            )
        need["train_df"] = (train_df, [id_col, time_col, target_col])
    for name, (df, names) in need.items():
        if missing := [c for c in names if c not in df.columns]:
            raise ValueError(f"columns {missing} not found in {name}")


def _histories(cv_df, train_df, id_col, time_col, target_col, cutoff_col):
    """A lookup ``uid -> target history`` up to the series' first cutoff."""
    by_id = dict(list(train_df.groupby(id_col, sort=False, observed=True)))
    first = None
    if cutoff_col in cv_df.columns:
        first = cv_df.groupby(id_col, sort=False, observed=True)[cutoff_col].min()

    def history(uid) -> pd.Series:
        if uid not in by_id:
            raise ValueError(f"series {uid!r} from cv_df not found in train_df")
        h = by_id[uid]
        if first is not None:  # the scale sees nothing after the first cutoff
            h = h[h[time_col] <= first[uid]]
        return h.sort_values(time_col)[target_col]

    return history
