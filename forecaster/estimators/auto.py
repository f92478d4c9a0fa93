"""``AutoForecaster``: hyper-parameter search on Optuna, then a refit.

Each trial builds a :class:`~forecaster.RecurrentForecaster` or
:class:`~forecaster.Seq2SeqForecaster` from the parameters its search space
returns and scores it by rolling-origin validation over the training data
(:func:`~forecaster.cross_validation`, one fit per window, the oldest window
first). The score after the first window is reported to Optuna's
``MedianPruner``, so a bad configuration stops there. With the default
space a new study's first trial is the family's defaults, and the best
trial replaces them only if it scores better on every window
(``selection``); the chosen configuration is refitted on all the data.

The study lives in Optuna's storage from the start: ``storage=None`` keeps it
in memory; a database URL (``sqlite:///study.db``, ``postgresql://...``,
``mysql://...``) or the path of a journal file (Optuna's
``JournalFileBackend``, for a shared disk) lets several processes or hosts
run trials of one study, and a later fit resume it. Optuna is an extra
(``pip install 'forecaster[tune]'``), imported only by ``fit``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from forecaster.estimators.params import store_params
from forecaster.estimators.search import (
    FAMILIES,
    OWN_PARAMS,
    WINDOW_SCORES,
    check_auto_params,
    chosen_trial,
    data_context,
    default_search_space,
    enqueue_the_default,
    estimator_classes,
    long_frame,
    plain_params,
    window_score,
)
from forecaster.estimators.studies import (
    MISSING_OPTUNA,
    optuna_logging,
    optuna_module,
    retrying,
    trials_frame,
    worker_id,
)
from forecaster.models.spec import check_choice

__all__ = ["MISSING_OPTUNA", "AutoForecaster"]

_PRUNER_STARTUP = 4  # completed trials before the median pruner judges one


class AutoForecaster(BaseEstimator):
    """Automatic configuration: an Optuna search, then the best model refitted.

    Parameters
    ----------
    horizon : int, default 1
        Steps forecast after each series' end.
    family : {"recurrent", "seq2seq", "any"}, default "recurrent"
        The estimator class searched; ``"any"`` searches both.
    n_trials : int or None, default 20
        New trials run by this ``fit`` (as ``Study.optimize``: a resumed or
        shared study keeps its earlier and other workers' trials too).
    timeout : float or None, default None
        Seconds after which this ``fit`` starts no new trial.
    cv_windows : int, default 2
        Rolling-origin validation windows per trial, ``horizon`` apart; each
        window fits on the data up to its cutoff. Trials are pruned after the
        first window.
    metric : {"mase", "mae", "rmse", "smape"}, default "mase"
        The score, minimised: its mean over series and windows.
    selection : {"every_window", "mean"}, default "every_window"
        Which trial is refitted: ``"mean"`` the best score; ``"every_window"``
        that trial only if it also beats the default trial on every window
        (else the defaults), because the best of many noisy scores is biased
        low. Without the default trial (a custom space) both are ``"mean"``.
    search_space : callable or None, default None
        ``trial -> dict`` of estimator parameters (with ``"family"`` when
        ``family="any"``), drawn with ``trial.suggest_*``. ``None``: the
        default space (:mod:`forecaster.estimators.search`): ``cell``
        lstm/gru, ``hidden_units`` 16-128 (log), ``num_layers`` 1-2,
        ``dropout`` 0/0.1/0.2, ``loss`` mse/mae/huber, ``learning_rate``
        3e-4-3e-2 (log), ``batch_size`` 32/64/128, ``window_norm``
        auto/mean/standard, ``baseline`` auto/seasonal_mean/None, ``ensemble_size``
        1/3, ``lookback`` 1, 2 or 3 times
        ``max(season, horizon)`` (capped by the shortest series), and for
        seq2seq ``wiring``, ``attention`` (none/bahdanau/luong) and
        ``scheduled_sampling`` (none/0.25/0.5). Its first trial in a new
        study is the family's defaults (RecurrentForecaster's for "any").
    fixed_params : dict or None, default None
        Estimator parameters every trial shares (``max_epochs``,
        covariates...); they win over the space, and the default space does
        not search them.
    season_length : int or None, default None
        MASE's period and the lookback's unit; default from the frequency.
    storage : str, optuna.storages.BaseStorage or None, default None
        Where the study lives: None (in memory, a new study per fit), a
        database URL, or a journal file path (any string without ``://``).
        A storage object is used as given: e.g. an ``RDBStorage`` with
        ``heartbeat_interval``, so that a killed worker's trial is failed
        rather than left running.
    study_name : str or None, default None
        The study in ``storage`` (required with one): created or resumed.
    random_state : int or None, default None
        Seeds the TPE sampler and every trial's estimator: two fits of a new
        study with one seed run the same trials. A resumed study's sampler
        is seeded with ``random_state`` plus its number of trials; give
        each concurrent worker its own seed, or they draw the same trials.
    verbose : int, default 1
        0 silent; 1 Optuna's line per trial (stderr); 2 Keras' epochs too.
    id_col, time_col, target_col : str
        Column names.

    Attributes
    ----------
    best_params_ : dict
        The chosen trial's searched parameters, ``"family"`` included
        (``{"family": ...}`` alone: the defaults).
    best_score_ : float
        Its score (``study_.best_value`` may be lower: see ``selection``);
        NaN when no series could hold ``cv_windows`` windows: with the
        default space the family's defaults are then fitted unsearched, with
        a warning (a custom space raises), ``study_`` is None and
        ``trials_`` empty.
    best_estimator_ : RecurrentForecaster or Seq2SeqForecaster
        That configuration (with ``fixed_params``) fitted on all the data.
    trials_ : pandas.DataFrame
        Every trial of the study: ``number, state, score, duration`` (s),
        ``worker`` (``host:pid``) and ``params_<name>``.
    study_ : optuna.Study or None
        The study.

    Examples
    --------
    >>> import forecaster
    >>> df = forecaster.datasets.load("air_passengers")
    >>> auto = forecaster.AutoForecaster(
    ...     horizon=12, n_trials=10, fixed_params={"max_epochs": 30},
    ...     random_state=0, verbose=0,
    ... ).fit(df)  # doctest: +SKIP
    >>> auto.best_params_["cell"], auto.predict().shape  # doctest: +SKIP
    ('gru', (12, 3))
    >>> auto.save("models/auto")  # doctest: +SKIP

    ``forecaster.load("models/auto")`` then returns the refitted best
    estimator. Several workers share one study through a storage::

        AutoForecaster(horizon=12, storage="sqlite:///study.db",
                       study_name="air", n_trials=10).fit(df)  # in each
    """

    def __init__(
        self,
        horizon: int = 1,
        family: str = "recurrent",
        n_trials: int | None = 20,
        timeout: float | None = None,
        cv_windows: int = 2,
        metric: str = "mase",
        selection: str = "every_window",
        search_space: Callable | None = None,
        fixed_params: dict | None = None,
        season_length: int | None = None,
        storage: Any = None,
        study_name: str | None = None,
        random_state: int | None = None,
        verbose: int = 1,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ):
        store_params(self, locals())

    # -- the study ------------------------------------------------------------
    def create_study(self):
        """Open (or create) this search's Optuna study, as ``fit`` does.

        Returns
        -------
        optuna.Study
            Minimising, TPE-sampled, median-pruned.

        Raises
        ------
        ImportError
            Without Optuna, naming the extra that installs it.
        ValueError
            For bad parameters, a storage that cannot be opened, or a stored
            study of another metric, horizon or direction.
        """
        optuna = optuna_module()
        check_auto_params(self)
        storage = self._storage(optuna)
        pruner = optuna.pruners.MedianPruner(n_startup_trials=_PRUNER_STARTUP)

        def create():
            return optuna.create_study(
                storage=storage,
                sampler=optuna.samplers.TPESampler(seed=self.random_state),
                pruner=pruner,
                study_name=self.study_name,
                direction="minimize",
                load_if_exists=True,
            )

        study = self._opened(create)
        done = len(study.get_trials(deepcopy=False))
        if done and self.random_state is not None:  # resuming: no replay
            seed = (self.random_state + done) % 2**32
            study.sampler = optuna.samplers.TPESampler(seed=seed)
        self._check_study(study)
        return study

    def _storage(self, optuna):
        """The storage object: RDB for a URL, a journal file for a path."""
        s = self.storage
        if s is None or isinstance(s, optuna.storages.BaseStorage):
            return s
        if not isinstance(s, str):
            raise TypeError(
                "Received an invalid value for argument `storage`, expected None, "
                f"a URL, a journal file path or an Optuna storage, got {s!r}."
            )
        if "://" in s:
            return self._opened(lambda: optuna.storages.RDBStorage(s))
        backend = optuna.storages.journal.JournalFileBackend
        return self._opened(lambda: optuna.storages.JournalStorage(backend(s)))

    def _opened(self, open_storage: Callable):
        """``open_storage()``; its failure rephrased as the storage's."""
        try:
            return retrying(open_storage)
        except Exception as exc:  # a driver's, SQLAlchemy's or the OS's error
            raise ValueError(
                f"Received an invalid value for argument `storage`: cannot open "
                f"{self.storage!r} ({type(exc).__name__}: {' '.join(str(exc).split())})"
                ". Give a database URL such as 'sqlite:///study.db' or "
                "'postgresql://user:password@host/db', or a journal file path."
            ) from exc

    def _check_study(self, study) -> None:
        """A stored study must score what this search scores."""
        if study.direction.name != "MINIMIZE":
            raise ValueError(
                f"Study {study.study_name!r} maximises; AutoForecaster minimises "
                "its score. Give another study_name."
            )
        setup = {"metric": self.metric, "horizon": self.horizon,
                 "cv_windows": self.cv_windows}  # fmt: skip
        stored = {k: study.user_attrs.get(k) for k in setup}
        for key, value in setup.items():
            if stored[key] is None:
                study.set_user_attr(key, value)
            elif stored[key] != value:
                raise ValueError(
                    f"Study {study.study_name!r} scores {key}={stored[key]!r}, this "
                    f"search {key}={value!r}: their scores do not compare. Give "
                    "another study_name, or the study's settings."
                )

    # -- fit ------------------------------------------------------------------
    def fit(self, df, y=None, static_df=None) -> AutoForecaster:
        """Search, then refit the best configuration on all of ``df``.

        Parameters
        ----------
        df : pandas.DataFrame or pandas.Series
            Long frame (``id_col, time_col, target_col``, covariates) or a
            series with a ``DatetimeIndex``; validation uses it only.
        y : None
            Ignored (scikit-learn compatibility).
        static_df : pandas.DataFrame, optional
            Static features, for ``fixed_params={"static_features": ...}``.

        Returns
        -------
        self

        Raises
        ------
        ImportError
            Without Optuna.
        ValueError, TypeError
            Bad parameters or data, an unusable storage, or no trial completed.
        """
        optuna = optuna_module()
        check_auto_params(self)
        frame = long_frame(self, df)
        context, season, scored = data_context(self, frame)
        if context is None:  # nothing can be scored: the default trial, unrun
            family = "seq2seq" if self.family == "seq2seq" else "recurrent"
            return self._refit({"family": family}, np.nan, None, df, static_df)
        space = self.search_space or functools.partial(
            default_search_space, context=context
        )
        objective = functools.partial(
            self._objective, space=space, frame=scored, static_df=static_df,
            season=season, optuna=optuna,
        )  # fmt: skip
        with optuna_logging(optuna, self.verbose):
            study = self.create_study()
            if self.search_space is None:
                enqueue_the_default(study)
            study.optimize(
                objective,
                n_trials=self.n_trials,
                timeout=self.timeout,
                catch=(FloatingPointError,),  # a diverged trial, not the search
            )
            # the study's choice, over every worker's trials
            best = _best_trial(study, self.selection)
            params = dict(best.user_attrs.get("params", best.params))
            params.setdefault("family", self.family)
            return self._refit(params, best.value, study, df, static_df)

    def _refit(self, params: dict, score, study, df, static_df) -> AutoForecaster:
        """Fit ``params`` on all of ``df``; set the fitted attributes."""
        est = self._estimator(params, self.verbose >= 2)
        self.best_estimator_ = est.fit(df, static_df=static_df)
        self.best_params_ = params
        self.best_score_ = float(score)
        self.study_ = study
        self.trials_ = trials_frame(study)
        return self

    def _objective(self, trial, space, frame, static_df, season, optuna) -> float:
        """One trial: build, score window by window, prune after the first."""
        params = plain_params(space(trial), "search_space")
        params.setdefault("family", self.family)
        if params["family"] == "any":
            raise ValueError(
                "With family='any', search_space must return a 'family' "
                f"({' or '.join(map(repr, FAMILIES[:2]))}); got {sorted(params)}."
            )
        check_choice("family", params["family"], FAMILIES[:2])
        trial.set_user_attr("params", params)
        trial.set_user_attr("worker", worker_id())
        est = self._estimator(params, self.verbose >= 2)
        scores: list[float] = []
        for k in range(self.cv_windows):
            scores.append(window_score(self, est, frame, k, static_df, season))
            trial.report(float(np.mean(scores)), step=k)
            if k + 1 < self.cv_windows and trial.should_prune():
                raise optuna.TrialPruned(f"pruned after window {k + 1}")
        trial.set_user_attr(WINDOW_SCORES, scores)  # for selection="every_window"
        return float(np.mean(scores))

    def _estimator(self, params: dict, loud: bool):
        """The unfitted estimator of ``params`` and the fixed parameters."""
        params = dict(params)
        cls = estimator_classes()[params.pop("family")]
        merged = {**params, **plain_params(self.fixed_params or {}, "fixed_params")}
        unknown = sorted(set(merged) - set(cls._get_param_names()) - set(OWN_PARAMS))
        if unknown:
            raise ValueError(
                f"{cls.__name__} has no parameter {unknown} (from search_space or "
                "fixed_params)."
            )
        merged = {k: v for k, v in merged.items() if k not in OWN_PARAMS}
        return cls(
            **merged,
            horizon=self.horizon,
            random_state=self.random_state,
            verbose=2 if loud else 0,
            id_col=self.id_col,
            time_col=self.time_col,
            target_col=self.target_col,
        )

    # -- the fitted model -----------------------------------------------------
    def predict(self, df=None, future_df=None, static_df=None, level=None,
                num_samples=None, h=None) -> pd.DataFrame:  # fmt: skip
        """``best_estimator_.predict`` (same parameters and output)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(
            df=df, future_df=future_df, static_df=static_df, level=level,
            num_samples=num_samples, h=h,
        )  # fmt: skip

    def save(self, path) -> None:
        """Save ``best_estimator_`` (``forecaster.load(path)`` returns it)."""
        check_is_fitted(self, "best_estimator_")
        self.best_estimator_.save(path)

    def export_saved_model(self, path) -> None:
        """Export ``best_estimator_`` as a SavedModel (scaling inside)."""
        check_is_fitted(self, "best_estimator_")
        self.best_estimator_.export_saved_model(path)


def _best_trial(study, selection: str):
    """The study's chosen trial, or a ValueError saying why none."""
    best = chosen_trial(study.get_trials(deepcopy=False), selection)
    if best is None:
        states = pd.Series([t.state.name for t in study.trials]).value_counts()
        raise ValueError(
            f"No trial of study {study.study_name!r} completed ({states.to_dict()}):"
            " raise n_trials or timeout, or check the failed trials' logs."
        )
    return best
