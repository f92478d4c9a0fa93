"""The shared estimator facade: parameters, ``fit`` in four steps, ``predict``.

A model family is a subclass that implements :meth:`_build_model` (returning
its :class:`~forecaster.models.networks.Networks`); the rest (validation,
panel, scaling, windows, training, forecasting) lives here once::

    fit = prepare (frame -> panel, scaler, fitted state)
        -> pipelines (tf.data windows over one scaled copy)
        -> train (networks built by _restore, compiled, fitted)
        -> remember (networks, history, conformal scores)

``load`` rebuilds the networks through the same :meth:`_restore` hook. TensorFlow
and Keras are imported inside methods, so that constructing an estimator and
validating data stay light.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from forecaster.data.panel import forecast_frame
from forecaster.data.validation import check_positive_int
from forecaster.estimators.checkpoint import (
    RESUME_CHOICES,
    fingerprint,
    open_checkpoint,
)
from forecaster.estimators.inputs import (
    history_of,
    network_inputs,
    prepare,
)
from forecaster.estimators.params import (
    check_common_params,
    check_h,
    store_params,
)
from forecaster.estimators.pipelines import Pipelines, build_pipelines
from forecaster.estimators.state import check_fitted_state
from forecaster.estimators.uncertainty import (
    check_levels,
    conformal_scores,
    probabilistic_columns,
)
from forecaster.models.predictive import denormalize_numpy, point_forecast
from forecaster.models.spec import check_choice

__all__ = ["BaseForecaster"]


class BaseForecaster(BaseEstimator):
    """Shared machinery of every recurrent forecaster (not used directly)."""

    _family = "base"

    def __init__(  # the shared parameters: params.COMMON_PARAMETERS_DOC
        self,
        cell: str = "lstm",
        horizon: int = 1,
        lookback: int | None = None,
        hidden_units: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        scaler: str = "standard",
        window_norm: str | None = "auto",
        baseline: str | None = "auto",
        loss: str = "mse",
        quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
        batch_size: int = 32,
        max_epochs: int = 100,
        max_steps: int | None = 1000,
        val_check_steps: int = 100,
        ensemble_size: int = 1,
        learning_rate: float = 1e-3,
        early_stopping_patience: int | None = 10,
        val_size: int | float = 0.1,
        clipnorm: float | None = 1.0,
        past_covariates: list[str] | None = None,
        future_covariates: list[str] | None = None,
        static_features: list[str] | None = None,
        calendar_features: list[str] | None = None,
        drop_short: bool = False,
        fill_missing: str = "raise",
        jit_compile: bool | str = "auto",
        mixed_precision: str | None = None,
        freq: str | None = None,
        random_state: int | None = None,
        verbose: int = 1,
        id_col: str = "unique_id",
        time_col: str = "ds",
        target_col: str = "y",
    ):
        store_params(self, locals())

    # -- parameters and the family hooks ---------------------------------------
    def _check_params(self) -> None:
        """Validate parameters at fit time (families extend this)."""
        check_common_params(self)

    def _build_model(self):
        """The family's :class:`~forecaster.models.networks.Networks` for the
        fitted state (``lookback_``, ``n_features_``, ... are set)."""
        raise NotImplementedError

    def _train_inputs(self, inputs: dict, targets):
        """Map an ``(inputs, targets)`` batch to the trained network's inputs.

        ``inputs`` is the dict of :mod:`forecaster.estimators.inputs`.
        Teacher-forced families also feed the targets; the default feeds
        ``inputs`` unchanged.
        """
        return inputs

    def _fit_callbacks(self) -> list:
        """Extra Keras callbacks of a family (e.g. a sampling schedule)."""
        return []

    def _restore(self, state: dict):
        """Take ``state`` as the fitted state and build the networks it describes.

        The one build path: ``fit`` calls it (inside a distribution strategy's
        scope) with the state derived from the data, ``load`` with the state
        read from an artifact. The networks are built under the estimator's
        ``mixed_precision`` policy and returned, not stored: the caller keeps
        them once they hold trained (or loaded) weights.
        """
        from forecaster.estimators.training import build_with_policy
        from forecaster.models.ensemble import build_ensemble

        check_fitted_state(self, state)
        for name, value in state.items():
            setattr(self, name, value)
        size = int(self.ensemble_size)
        return build_with_policy(
            lambda: build_ensemble(self._build_model, size), self.mixed_precision
        )

    @property
    def model_(self):
        """The trained Keras network (``networks_.train``)."""
        try:
            return self.networks_.train
        except AttributeError:
            raise AttributeError("model_") from None

    # -- fit ------------------------------------------------------------------
    def fit(
        self,
        df: pd.DataFrame | pd.Series,
        y: Any = None,
        static_df: pd.DataFrame | None = None,
        strategy=None,
        checkpoint_dir=None,
        resume: str = "auto",
    ) -> BaseForecaster:
        """Train one global model over every series of ``df``.

        Parameters
        ----------
        df : pandas.DataFrame or pandas.Series
            Long frame (``id_col``, ``time_col``, ``target_col``, covariates),
            or one series with a ``DatetimeIndex``.
        y : None
            Ignored (scikit-learn compatibility).
        static_df : pandas.DataFrame, optional
            One row per series (``id_col`` plus ``static_features``).
        strategy : tf.distribute.Strategy, optional
            E.g. ``MirroredStrategy`` (GPUs), ``MultiWorkerMirroredStrategy``.
        checkpoint_dir : str or path, optional
            Back up the training state every epoch (weights, optimizer, early
            stopping) in this new, empty or checkpoint directory; a killed fit
            rerun with the same parameters and data resumes where it stopped.
        resume : {"auto", "never", "must"}, default "auto"
            ``"auto"`` resumes this run's checkpoint, refuses another run's
            (naming what differs); ``"never"`` discards it and starts afresh;
            ``"must"`` refuses to start without one.

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            For bad input or another run's checkpoint, before TensorFlow runs.
        FloatingPointError
            If the loss becomes NaN or infinite (naming the epoch).
        """
        self._check_params()
        if checkpoint_dir is not None:
            check_choice("resume", resume, RESUME_CHOICES)
        data = prepare(self, df, static_df)
        if checkpoint_dir is not None:  # this run's directory, checked before TF
            open_checkpoint(checkpoint_dir, fingerprint(self, data), resume)
        from forecaster.estimators.training import train  # TensorFlow from here

        pipes = build_pipelines(self, data, endless=strategy is None)
        build = functools.partial(self._restore, data.state)
        networks, history = train(self, build, pipes, strategy, checkpoint_dir)
        self._remember(networks, history, pipes)
        return self

    def _remember(self, networks, history: dict, pipes: Pipelines) -> None:
        """Keep the trained networks, then calibrate on the validation windows."""
        self.networks_ = networks
        self.history_ = history
        self.n_train_windows_ = pipes.n_train
        self.n_val_windows_ = len(pipes.val_starts)
        self.conformal_scores_ = conformal_scores(
            self, pipes.scaled, pipes.val_starts, pipes.common
        )

    # -- predict --------------------------------------------------------------
    def predict(
        self,
        df: pd.DataFrame | pd.Series | None = None,
        future_df: pd.DataFrame | None = None,
        static_df: pd.DataFrame | None = None,
        level: list[float] | None = None,
        num_samples: int | None = None,
        h: int | None = None,
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` (or ``h``) steps after the end of each series.

        Parameters
        ----------
        df : pandas.DataFrame or pandas.Series, optional
            New history (same or other series, same frequency); forecasts
            start after each of its series' end, without refitting. Default:
            after the training data's end.
        future_df : pandas.DataFrame, optional
            Future-known covariates over the horizon (required when the model
            was fitted with ``future_covariates``): exactly the ``horizon``
            timestamps after each series' end must be present.
        static_df : pandas.DataFrame, optional
            Static features; default: those seen at fit (required for
            series not seen at fit).
        level : list of float, optional
            Prediction intervals in percent, e.g. ``[80, 95]``, as columns
            ``yhat_lo80``, ``yhat_hi80``...: from the predicted distribution
            for ``normal``/``student_t``, from the quantile head when it has
            the levels, otherwise split-conformal from the validation
            windows' residuals (any point model).
        num_samples : int, optional
            Distribution heads: draw this many samples per step and report
            empirical quantiles (instead of exact ones).
        h : int, optional
            Report only the first ``h <= horizon`` steps (the same numbers as
            the first ``h`` rows per series of the whole forecast).

        Returns
        -------
        pandas.DataFrame
            Long frame ``id_col, time_col, yhat`` (+ ``yhat_q<q>`` for
            probabilistic heads, + interval columns); for a Series input, a
            frame indexed by ``time_col``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            If a series of ``df`` is shorter than ``lookback``, covariates
            are missing, or ``h`` exceeds the trained horizon.
        """
        check_is_fitted(self, "networks_")
        levels = check_levels(level)
        if num_samples is not None:
            check_positive_int("num_samples", num_samples)
        check_h(h, self.horizon)
        frame = self._full_forecast(df, future_df, static_df, levels, num_samples)
        return self._first_steps(frame, h)

    def _full_forecast(self, df, future_df, static_df, levels, num_samples):
        """Every horizon step, as the frame ``predict`` returns."""
        hist = history_of(self, df)
        inputs = network_inputs(self, hist, future_df, static_df)
        raw = self._forward(inputs)  # (N, H) or (N, H, P), scaled units
        loc, scale = hist.scaler.loc[:, 0], hist.scaler.scale[:, 0]  # (N,)
        out = denormalize_numpy(raw, loc[:, None], scale[:, None], self.loss)
        yhat = point_forecast(out, self.loss, self.quantiles)  # (N, H)
        extra = probabilistic_columns(self, out, yhat, scale, levels, num_samples)
        return self._forecast_frame(hist, yhat, extra)

    def predict_insample(
        self,
        df: pd.DataFrame | pd.Series,
        step_size: int = 1,
        static_df: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Fitted values: the forecast from every window of the history ``df``.

        As NeuralForecast's ``predict_insample``: each cutoff (the last point
        of a lookback window, every ``step_size`` steps per series) gets the
        ``horizon`` forecasts after it, next to the values ``df`` holds there;
        ``y - yhat`` are the in-sample residuals. See
        :func:`forecaster.estimators.insample.predict_insample`.

        Returns
        -------
        pandas.DataFrame
            ``id_col, time_col, cutoff, target_col, yhat``.
        """
        from forecaster.estimators.insample import predict_insample

        check_is_fitted(self, "networks_")
        return predict_insample(self, df, step_size, static_df)

    def _first_steps(self, frame: pd.DataFrame, h: int | None) -> pd.DataFrame:
        """The rows of the first ``h`` steps of every series (all for None)."""
        if h is None or h == self.horizon:
            return frame
        keep = np.tile(np.arange(self.horizon) < h, len(frame) // self.horizon)
        out = frame.iloc[keep]
        return (
            out
            if isinstance(out.index, pd.DatetimeIndex)
            else out.reset_index(drop=True)
        )

    def _forward(self, inputs: dict, network=None, chunk: int = 8192) -> np.ndarray:
        """Run ``network`` (default: the predict network) over ``inputs``.

        ``predict_on_batch`` reuses one compiled function: no per-call data
        adapter or progress bar, ~1 ms for a small network.
        """
        network = self.networks_.predict if network is None else network
        n = len(inputs["history"])
        parts = [
            np.asarray(
                network.predict_on_batch(
                    {k: v[i : i + chunk] for k, v in inputs.items()}
                )
            )
            for i in range(0, n, chunk)
        ]
        return np.concatenate(parts)

    def _forecast_frame(self, hist, yhat: np.ndarray, extra: dict | None = None):
        return forecast_frame(
            hist.ids,
            hist.last_times,
            self.freq_,
            self.tz_,
            yhat,
            self.id_col,
            self.time_col,
            hist.as_series,
            extra,
        )

    # -- persistence and export (implemented in forecaster.persistence/export) --
    def save(self, path) -> None:
        """Save the fitted estimator to the directory ``path`` (atomic, no pickle).

        See :func:`forecaster.persistence.save`.
        """
        from forecaster.persistence import save

        save(self, path)

    def export_saved_model(self, path) -> None:
        """Export a TensorFlow SavedModel with the scaling inside.

        See :func:`forecaster.export.export_saved_model`.
        """
        from forecaster.export import export_saved_model

        export_saved_model(self, path)
