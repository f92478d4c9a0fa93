"""What :class:`~forecaster.AutoForecaster` searches and how it scores a trial.

The default search space, the checks of the search's parameters, the data
facts the space needs (season, the longest usable lookback), one validation
window's score and the choice of the trial refitted. Nothing here imports
Optuna: a space only calls ``trial.suggest_*``.
"""

from __future__ import annotations

import json
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

from forecaster.data.frames import as_pandas
from forecaster.data.validation import (
    check_positive_int,
    series_to_frame,
    validate_long_frame,
)
from forecaster.models.spec import (
    ATTENTIONS,
    POINT_LOSSES,
    SEARCH_FAMILIES,
    SEARCH_METRICS,
    WIRINGS,
    check_choice,
)

__all__ = [
    "DEFAULT_SPACE",
    "DEFAULT_TRIAL",
    "FAMILIES",
    "LOOKBACK_MULTIPLES",
    "METRICS",
    "OWN_PARAMS",
    "SEQ2SEQ_SPACE",
    "SearchContext",
    "SELECTIONS",
    "WINDOW_SCORES",
    "check_auto_params",
    "chosen_trial",
    "data_context",
    "default_search_space",
    "enqueue_the_default",
    "estimator_classes",
    "long_frame",
    "plain_params",
    "window_score",
]

FAMILIES = SEARCH_FAMILIES
METRICS = SEARCH_METRICS
# Set by AutoForecaster on every trial's estimator, never searched or fixed.
OWN_PARAMS = ("horizon", "random_state", "verbose", "id_col", "time_col", "target_col")

# The default space: (parameter, kind, choices or (low, high, log)). Small and
# CPU-friendly: only the fused cells (the custom cells run several times
# slower). ``lookback`` is searched as a multiple of max(season, horizon).
DEFAULT_SPACE = (
    ("cell", "categorical", ("lstm", "gru")),
    ("hidden_units", "int", (16, 128, True)),
    ("num_layers", "int", (1, 2, False)),
    ("dropout", "categorical", (0.0, 0.1, 0.2)),
    ("loss", "categorical", POINT_LOSSES),
    ("learning_rate", "float", (3e-4, 3e-2, True)),
    ("batch_size", "categorical", (32, 64, 128)),
    ("window_norm", "categorical", ("auto", "mean", "standard")),
    ("baseline", "categorical", ("auto", "seasonal_mean", None)),
    ("ensemble_size", "categorical", (1, 3)),
)
SEQ2SEQ_SPACE = (
    ("wiring", "categorical", WIRINGS),
    ("attention", "categorical", ATTENTIONS),
    ("scheduled_sampling", "categorical", (None, 0.25, 0.5)),
)
LOOKBACK_MULTIPLES = (1, 2, 3)
# The user attribute of the trial AutoForecaster enqueues first, which the
# default space answers with the family's defaults: the search leaves them
# only where its validation windows score something else better.
DEFAULT_TRIAL = "forecaster_default"
# How the refitted trial is chosen: see chosen_trial.
SELECTIONS = ("every_window", "mean")
WINDOW_SCORES = "window_scores"  # a trial's user attribute: a score a window


def estimator_classes() -> dict:
    """``family -> estimator class`` (imported late: they import this package)."""
    from forecaster.estimators.recurrent import RecurrentForecaster
    from forecaster.estimators.seq2seq import Seq2SeqForecaster

    return {"recurrent": RecurrentForecaster, "seq2seq": Seq2SeqForecaster}


@dataclass(frozen=True)
class SearchContext:
    """What the default space knows of the data and the search.

    ``family`` is the search's (``"any"``: searched); ``base`` is
    ``max(season, horizon)``; ``max_lookback`` the longest lookback that
    leaves the shortest series a training window at the first cutoff;
    ``fixed`` the ``fixed_params`` (never searched).
    """

    family: str
    base: int
    max_lookback: int
    fixed: dict


def _suggest(trial, name: str, kind: str, args):
    if kind == "categorical":
        return trial.suggest_categorical(name, args)
    low, high, log = args
    if kind == "int":
        return trial.suggest_int(name, low, high, log=log)
    return trial.suggest_float(name, low, high, log=log)


def default_search_space(trial, context: SearchContext) -> dict:
    """The default space: one trial's estimator parameters and ``family``.

    The trial AutoForecaster enqueues first (user attribute
    :data:`DEFAULT_TRIAL`) is the family's defaults, ``RecurrentForecaster``'s
    for ``family="any"``. Otherwise ``family="any"`` searches ``family`` in
    ``("recurrent", "seq2seq")``; then
    every entry of :data:`DEFAULT_SPACE`, ``lookback`` as a multiple in
    :data:`LOOKBACK_MULTIPLES` of ``context.base`` (capped by
    ``context.max_lookback``), and for seq2seq :data:`SEQ2SEQ_SPACE`.
    Parameters in ``context.fixed`` are not searched.

    Examples
    --------
    >>> import optuna
    >>> ctx = SearchContext("recurrent", base=12, max_lookback=30, fixed={})
    >>> p = default_search_space(optuna.trial.FixedTrial(
    ...     {"cell": "gru", "hidden_units": 32, "num_layers": 1, "dropout": 0.0,
    ...      "loss": "mae", "learning_rate": 1e-3, "batch_size": 64,
    ...      "window_norm": "auto", "baseline": "auto", "ensemble_size": 1,
    ...      "lookback_multiple": 3}), ctx)
    >>> p["lookback"], p["cell"]
    (30, 'gru')
    """
    if trial.user_attrs.get(DEFAULT_TRIAL):  # the estimator's own defaults
        return {"family": "seq2seq" if context.family == "seq2seq" else "recurrent"}
    family = context.family
    if family == "any":
        family = trial.suggest_categorical("family", FAMILIES[:2])
    params: dict[str, Any] = {"family": family}
    space = DEFAULT_SPACE + (SEQ2SEQ_SPACE if family == "seq2seq" else ())
    for name, kind, args in space:
        if name not in context.fixed:
            params[name] = _suggest(trial, name, kind, args)
    if "lookback" not in context.fixed:
        multiple = trial.suggest_categorical("lookback_multiple", LOOKBACK_MULTIPLES)
        params["lookback"] = int(min(multiple * context.base, context.max_lookback))
    return params


# -- parameters -------------------------------------------------------------------
def _invalid(name: str, expected: str, value) -> ValueError:
    return ValueError(
        f"Received an invalid value for argument `{name}`, expected {expected}, "
        f"got {value!r}."
    )


def check_auto_params(est) -> None:
    """Validate an AutoForecaster's parameters (at fit, as scikit-learn does).

    Raises
    ------
    ValueError, TypeError
        Naming the argument and echoing the value.
    """
    check_positive_int("horizon", est.horizon)
    check_choice("family", est.family, FAMILIES)
    check_positive_int("n_trials", est.n_trials, allow_none=True)
    t = est.timeout
    if t is not None and not (isinstance(t, numbers.Real) and t > 0):
        raise _invalid("timeout", "None or a positive number of seconds", t)
    if est.n_trials is None and t is None:
        raise ValueError(
            "n_trials and timeout are both None: the search would never end. "
            "Give n_trials, timeout or both."
        )
    check_positive_int("cv_windows", est.cv_windows)
    check_choice("metric", est.metric, METRICS)
    check_choice("selection", est.selection, SELECTIONS)
    if est.search_space is not None and not callable(est.search_space):
        raise TypeError(
            "Received an invalid value for argument `search_space`, expected "
            f"None or a callable trial -> dict, got {est.search_space!r}."
        )
    _check_fixed(est.fixed_params)
    check_positive_int("season_length", est.season_length, allow_none=True)
    _check_study_params(est.storage, est.study_name)
    r = est.random_state
    if r is not None and (isinstance(r, bool) or not isinstance(r, numbers.Integral)
                          or r < 0):  # fmt: skip
        raise _invalid("random_state", "None or a non-negative integer", r)
    if isinstance(est.verbose, bool) or not isinstance(est.verbose, numbers.Integral):
        raise _invalid("verbose", "an integer (0, 1 or 2)", est.verbose)
    for name in ("id_col", "time_col", "target_col"):
        if not isinstance(getattr(est, name), str):
            raise _invalid(name, "a column name (str)", getattr(est, name))


def _check_fixed(fixed) -> None:
    if fixed is None:
        return
    if not isinstance(fixed, dict) or not all(isinstance(k, str) for k in fixed):
        raise _invalid("fixed_params", "None or a dict of parameter names", fixed)
    own = sorted(set(fixed) & {*OWN_PARAMS, "family"})
    if own:
        raise ValueError(
            f"Received an invalid value for argument `fixed_params`: {own} are "
            "AutoForecaster's own parameters; set them on it instead."
        )
    known = set().union(*(c._get_param_names() for c in estimator_classes().values()))
    unknown = sorted(set(fixed) - known)
    if unknown:
        raise ValueError(
            f"Received an invalid value for argument `fixed_params`: no estimator "
            f"has a parameter {unknown}."
        )


def _check_study_params(storage, study_name) -> None:
    if isinstance(storage, str) and not storage.strip():
        raise _invalid("storage", "None, a database URL or a journal file path", "")
    if study_name is not None and not (isinstance(study_name, str) and study_name):
        raise _invalid("study_name", "None or a non-empty str", study_name)
    if storage is not None and study_name is None:
        raise ValueError(
            "Received an invalid value for argument `study_name`: a study in "
            "storage needs a name, the one its workers share and a later fit "
            "resumes; got None."
        )


def plain_params(params, where: str) -> dict:
    """``params`` as storage holds them (a JSON round trip, lists back to
    tuples), so that a trial and its refit build the same estimator.

    Examples
    --------
    >>> plain_params({"quantiles": [0.1, 0.9], "hidden_units": 8}, "search_space")
    {'quantiles': (0.1, 0.9), 'hidden_units': 8}
    """
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise TypeError(
            f"Received an invalid value for argument `{where}`: expected a dict "
            f"of parameter names to values, got {params!r}."
        )
    try:  # NumPy scalars become Python numbers
        text = json.dumps(params, default=lambda v: v.item())
    except (TypeError, AttributeError, ValueError) as exc:
        raise TypeError(
            f"Received an invalid value for argument `{where}`: parameter values "
            f"must be numbers, strings, booleans, None or lists of those ({exc})."
        ) from None
    return {
        k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(text).items()
    }


# -- data -------------------------------------------------------------------------
def long_frame(est, df) -> pd.DataFrame:
    """``df`` validated and sorted by (series, time) (the target may hold NaN
    under a ``fill_missing`` policy)."""
    fixed = est.fixed_params or {}
    if isinstance(df, pd.Series):
        df = series_to_frame(df, est.id_col, est.time_col, est.target_col)
    df = as_pandas(df, "df")
    filled = fixed.get("fill_missing", "raise") != "raise"
    target = None if filled else est.target_col
    frame = validate_long_frame(df, est.id_col, est.time_col, target)
    if filled and est.target_col not in frame.columns:
        validate_long_frame(df.iloc[:0], est.id_col, est.time_col, est.target_col)
    return frame


def data_context(
    est, frame: pd.DataFrame
) -> tuple[SearchContext | None, int, pd.DataFrame]:
    """The default space's context, the season (MASE's period) and the rows
    the trials are scored on.

    A series too short to hold ``cv_windows`` validation windows is left out
    of the scoring (the refit still trains on it): a panel's short series
    do not veto the search, they just cannot vote. When no series can be
    scored the context is None: with the default space AutoForecaster then
    fits the family's defaults (its first trial), with a warning.

    Raises
    ------
    ValueError
        If no series can hold ``cv_windows`` windows and ``est.search_space``
        is a custom space (it has no defaults to fall back on).
    """
    fixed = est.fixed_params or {}
    season = est.season_length
    if season is None:
        season = _season_of(est, frame, fixed)
    sizes = frame.groupby(est.id_col, sort=False).size()
    need = (est.cv_windows + 1) * est.horizon
    long_enough = sizes[sizes > need]
    if long_enough.empty:
        _too_short(est, sizes, need)
        return None, int(season), frame.iloc[:0]
    if len(long_enough) < len(sizes):
        frame = frame[frame[est.id_col].isin(long_enough.index)]
    base = max(season, est.horizon)
    max_lookback = int(long_enough.min() - need)
    context = SearchContext(est.family, base, max_lookback, dict(fixed))
    return context, int(season), frame


def _too_short(est, sizes: pd.Series, need: int) -> None:
    """Warn (the default space: its defaults are fitted) or raise (a custom
    space) that no series can be scored on ``cv_windows`` windows."""
    what = (
        f"Series {sizes.idxmax()!r}, the longest, has {sizes.max()} points, "
        f"too few for cv_windows={est.cv_windows} validation windows of "
        f"horizon {est.horizon}: a series needs more than (cv_windows + 1) "
        f"* horizon = {need} to be scored"
    )
    if est.search_space is not None:
        raise ValueError(f"{what}. Reduce cv_windows.")
    warnings.warn(
        f"{what}, so no trial can be scored and the family's defaults are "
        "fitted (best_params_ holds only 'family'). Reduce cv_windows to search.",
        UserWarning,
        stacklevel=3,
    )


def _season_of(est, frame: pd.DataFrame, fixed: dict) -> int:
    """The season of ``frame``'s frequency (1 when gaps hide it)."""
    from forecaster.data.panel import panel_from_frame
    from forecaster.estimators.defaults import season_length

    times = frame[[est.id_col, est.time_col]].assign(__y=0.0)
    try:
        panel = panel_from_frame(
            times, est.id_col, est.time_col, "__y", freq=fixed.get("freq")
        )
        return season_length(panel.freq)
    except (ValueError, TypeError):
        if fixed.get("fill_missing", "raise") == "raise":
            raise
        return 1  # gaps the estimator fills: no frequency to read here


def window_score(est, model, frame: pd.DataFrame, k: int, static_df, season: int):
    """``est.metric`` of ``model`` on validation window ``k`` (0: the oldest),
    fitted on the rows up to that window's cutoff only."""
    from forecaster.backtest import cross_validation, evaluate_cv

    drop = (est.cv_windows - 1 - k) * est.horizon  # rows after this window
    from_end = frame.groupby(est.id_col, sort=False).cumcount(ascending=False)
    history = frame[from_end.to_numpy() >= drop]
    cv = cross_validation(
        model, history, n_windows=1, step_size=est.horizon, static_df=static_df
    )
    cols = dict(id_col=est.id_col, time_col=est.time_col, target_col=est.target_col)
    _, overall = evaluate_cv(
        cv, history, metrics=[est.metric], season_length=season, **cols
    )
    return float(overall["yhat"].iloc[0])


def chosen_trial(trials: list, selection: str = "every_window"):
    """The completed trial whose configuration is refitted (None if none).

    ``"mean"``: the lowest mean score. ``"every_window"``: that trial too,
    unless the default trial (the family's defaults, enqueued first) scored
    better than it on some validation window; the defaults are kept then.
    The lowest of many noisy means is biased low, and a trial that beats the
    defaults on one cutoff and loses on the other has shown no more than that
    noise (on the wide benchmark's validation split such trials lost to the
    defaults on the held-out horizon).

    Parameters
    ----------
    trials : list of optuna.trial.FrozenTrial
        The study's trials, in any state.
    selection : {"every_window", "mean"}

    Returns
    -------
    optuna.trial.FrozenTrial or None
    """
    done = [t for t in trials if t.state.name == "COMPLETE" and t.value is not None]
    if not done:
        return None
    best = min(done, key=lambda t: (t.value, t.number))
    default = next((t for t in done if t.user_attrs.get(DEFAULT_TRIAL)), None)
    if selection == "mean" or default is None or default is best:
        return best
    ours = best.user_attrs.get(WINDOW_SCORES)
    theirs = default.user_attrs.get(WINDOW_SCORES)
    if not ours or not theirs or len(ours) != len(theirs):
        return best  # trials of an older study: no scores by window to compare
    return best if all(a < b for a, b in zip(ours, theirs, strict=True)) else default


def enqueue_the_default(study) -> None:
    """Make a new study's first trial the family's defaults (a resumed one
    has had it), so that the search keeps them unless a trial scores better."""
    if not study.get_trials(deepcopy=False):
        study.enqueue_trial({}, user_attrs={DEFAULT_TRIAL: True})
