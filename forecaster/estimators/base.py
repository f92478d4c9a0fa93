"""The shared estimator facade: parameters, the fit loop and predict.

A model family is a subclass that implements :meth:`_build_model`; the rest
(validation, panel, scaling, windows, training, forecasting) lives here once.
TensorFlow and Keras are imported inside methods, so that constructing an
estimator and validating data stay light.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from forecaster.data import (
    fit_scaler,
    future_times,
    last_windows,
    make_dataset,
    series_to_frame,
    split_lengths,
    transform,
    window_starts,
)
from forecaster.data.covariates import (
    calendar_features,
    encode_static,
    fit_static,
    future_block,
)
from forecaster.data.scaling import ScalerState
from forecaster.data.validation import check_min_length, check_positive_int
from forecaster.estimators.inputs import (
    drop_short_series,
    frame_panel,
    keep_unscaled,
    layout_of,
)
from forecaster.estimators.params import (
    check_common_params,
    resolve_lookback,
    resolve_window_norm,
)
from forecaster.estimators.uncertainty import check_levels, probabilistic_columns
from forecaster.models.predictive import denormalize_numpy, point_forecast

__all__ = ["BaseForecaster"]


class BaseForecaster(BaseEstimator):
    """Shared machinery of every recurrent forecaster (not used directly)."""

    _family = "base"

    # -- parameters -----------------------------------------------------------
    def _check_params(self) -> None:
        """Validate parameters at fit time (families extend this)."""
        check_common_params(self)

    def _to_frame(self, data: pd.DataFrame | pd.Series) -> pd.DataFrame:
        if isinstance(data, pd.Series):
            return series_to_frame(data, self.id_col, self.time_col, self.target_col)
        return data

    # -- the family hooks -------------------------------------------------------
    def _build_model(self, n_features: int):
        """The Keras model that ``fit`` trains (``lookback_`` is set)."""
        raise NotImplementedError

    def _train_inputs(self, inputs: dict, targets):
        """Map an ``(inputs, targets)`` batch to the trained model's inputs.

        ``inputs`` is the dict of :mod:`forecaster.estimators.inputs`.
        Teacher-forced families also feed the targets; the default feeds
        ``inputs`` unchanged.
        """
        return inputs

    def _fit_callbacks(self) -> list:
        """Extra Keras callbacks of a family (e.g. a sampling schedule)."""
        return []

    def _predict_model(self):
        """The model mapping the input dict to forecasts ``(B, H)``."""
        return self.model_

    # -- fit ------------------------------------------------------------------
    def fit(
        self,
        df: pd.DataFrame | pd.Series,
        y: Any = None,
        static_df: pd.DataFrame | None = None,
        strategy=None,
        checkpoint_dir=None,
    ) -> BaseForecaster:
        """Train one global model over every series of ``df``.

        Parameters
        ----------
        df : pandas.DataFrame or pandas.Series
            Long frame (``id_col``, ``time_col``, ``target_col`` and the
            declared covariate columns), or one series with a
            ``DatetimeIndex``.
        y : None
            Ignored; present for scikit-learn compatibility.
        static_df : pandas.DataFrame, optional
            One row per series (``id_col`` plus ``static_features``).
        strategy : tf.distribute.Strategy, optional
            Train under a distribution strategy (``MirroredStrategy`` for
            several GPUs, ``MultiWorkerMirroredStrategy`` for several hosts).
        checkpoint_dir : str or path, optional
            Back up the training state every epoch; rerunning a killed fit
            with the same arguments resumes where it stopped.

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            For bad input, before any TensorFlow code runs.
        FloatingPointError
            If the loss becomes NaN or infinite (naming the epoch).
        """
        self._check_params()
        layout = layout_of(self)
        as_series = isinstance(df, pd.Series)
        panel = frame_panel(
            self._to_frame(df),
            layout,
            self.id_col,
            self.time_col,
            self.target_col,
            self.freq,
            fill=self.fill_missing,
        )
        if layout.static:
            # checked before anything else: a missing static_df is a usage error
            fit_static(static_df, panel.ids, layout.static, self.id_col)
        lookback = resolve_lookback(
            self.lookback, self.horizon, panel.freq, int(panel.lengths.min())
        )
        span = lookback + self.horizon
        panel = drop_short_series(
            panel,
            span,
            self.drop_short,
            f"lookback {lookback} + horizon {self.horizon}",
        )
        train_len = split_lengths(panel.lengths, self.val_size, self.horizon)
        # A series too short to give up a validation tail trains on all of it.
        train_len = np.where(train_len >= span, train_len, panel.lengths)
        head = panel.head(train_len)
        scaler = keep_unscaled(
            fit_scaler(self.scaler, head.values, head.indptr), layout.calendar_idx
        )
        del head  # a copy of most of the data: free it before TensorFlow's
        static = {}
        self.static_encoding_ = None
        if layout.static:
            enc = fit_static(static_df, panel.ids, layout.static, self.id_col)
            num, codes = encode_static(enc, static_df, panel.ids, self.id_col)
            static = {"static_numeric": num, "static_codes": codes}
            static = {k: v for k, v in static.items() if v.shape[1]}
            self.static_encoding_ = enc
        train_starts = window_starts(
            panel.indptr, lookback, self.horizon, max_end=train_len
        )
        val_starts = window_starts(
            panel.indptr, lookback, self.horizon, min_end=train_len + 1
        )
        n_train, n_val = len(train_starts), len(val_starts)

        import keras
        import tensorflow as tf

        # One float32 copy of the scaled values, in TensorFlow, shared by the
        # training, validation and calibration pipelines.
        scaled = tf.constant(
            np.asarray(transform(scaler, panel.values, panel.indptr), np.float32)
        )

        if self.random_state is not None:
            keras.utils.set_random_seed(int(self.random_state))
        seed = None if self.random_state is None else int(self.random_state)
        self.layout_ = layout
        self.lookback_ = lookback
        self.window_norm_ = resolve_window_norm(self.window_norm, panel.freq)
        self.n_features_ = layout.n_features
        self.n_future_ = len(layout.future_idx)
        self.static_numeric_ = static.get(
            "static_numeric", np.zeros((panel.n_series, 0))
        )
        self.static_codes_ = static.get(
            "static_codes", np.zeros((panel.n_series, 0), np.int32)
        )
        enc = self.static_encoding_
        self.static_vocab_sizes_ = [len(v) + 1 for v in enc.vocab] if enc else []

        def adapt(inputs, targets):
            return self._train_inputs(inputs, targets), targets

        from forecaster.estimators.training import train

        epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
        common = dict(future_cols=layout.future_idx, indptr=panel.indptr, static=static)
        # Single host: one endless pipeline run with steps_per_epoch, so Keras
        # keeps one iterator for the whole fit (a new one per epoch costs
        # ~0.1 s, most of an epoch on a small data set). Under a strategy the
        # per-epoch pipeline is kept: workers shard a finite dataset.
        endless = strategy is None
        val_batch = 4096
        train_ds = make_dataset(
            scaled,
            train_starts,
            lookback,
            self.horizon,
            self.batch_size,
            True,
            seed,
            epoch_variable=epoch,
            endless=endless,
            **common,
        ).map(adapt)
        del train_starts  # TensorFlow holds its own copy
        val_ds = None
        if n_val:
            val_ds = make_dataset(
                scaled,
                val_starts,
                lookback,
                self.horizon,
                val_batch,
                **common,
            ).map(adapt)
        steps = (-(-n_train // self.batch_size),) if endless else None
        self.model_, self.history_ = train(
            self,
            lambda: self._build_model(self.n_features_),
            train_ds,
            val_ds,
            epoch_variable=epoch,
            strategy=strategy,
            checkpoint_dir=checkpoint_dir,
            steps=steps,
        )
        self.conformal_scores_ = self._calibrate(scaled, val_starts, common)
        self.input_was_series_ = as_series
        self.freq_ = panel.freq
        self.tz_ = panel.tz
        self.scaler_ = scaler
        self.ids_ = panel.ids
        self.last_times_ = panel.last_times
        self.last_windows_ = last_windows(panel.values, panel.indptr, lookback)
        self.n_train_windows_ = n_train
        self.n_val_windows_ = n_val
        return self

    def _loss(self):
        from forecaster.models.losses import make_loss

        return make_loss(self.loss, tuple(self.quantiles))

    def _calibrate(self, scaled, starts, common) -> np.ndarray:
        """Absolute residuals ``(n_windows, H)`` of the point forecast on the
        validation windows, in scaled units: the conformal scores."""
        if not len(starts):
            return np.zeros((0, self.horizon), np.float32)
        ds = make_dataset(scaled, starts, self.lookback_, self.horizon, 4096, **common)
        scores = np.empty((len(starts), self.horizon), np.float32)
        row = 0
        for inputs, targets in ds.as_numpy_iterator():
            raw = self._forward(inputs)
            point = point_forecast(raw, self.loss, tuple(self.quantiles))
            scores[row : row + len(targets)] = np.abs(targets - point)
            row += len(targets)
        return scores

    # -- predict --------------------------------------------------------------
    def predict(
        self,
        df: pd.DataFrame | pd.Series | None = None,
        future_df: pd.DataFrame | None = None,
        static_df: pd.DataFrame | None = None,
        level: list[float] | None = None,
        num_samples: int | None = None,
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` steps after the end of each series.

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
            If a series of ``df`` is shorter than ``lookback``, or covariates
            are missing.
        """
        check_is_fitted(self, "model_")
        levels = check_levels(level)
        if num_samples is not None:
            check_positive_int("num_samples", num_samples)
        ids, last_t, windows, scaler, as_series = self._history(df)
        inputs = self._inputs(ids, last_t, windows, scaler, future_df, static_df)
        raw = self._forward(inputs)  # (N, H) or (N, H, P), scaled units
        loc, scale = scaler.loc[:, 0], scaler.scale[:, 0]  # (N,)
        out = denormalize_numpy(raw, loc[:, None], scale[:, None], self.loss)
        yhat = point_forecast(out, self.loss, tuple(self.quantiles))  # (N, H)
        extra = probabilistic_columns(self, out, yhat, scale, levels, num_samples)
        return self._forecast_frame(ids, last_t, yhat, as_series, extra)

    def _history(self, df):
        """Series ids, last timestamps, raw last windows and scaler to use."""
        if df is None:
            return (
                self.ids_,
                self.last_times_,
                self.last_windows_,
                self.scaler_,
                self.input_was_series_,
            )
        panel = frame_panel(
            self._to_frame(df),
            self.layout_,
            self.id_col,
            self.time_col,
            self.target_col,
            self.freq_,
            fitted=True,
            fill=self.fill_missing,
        )
        check_min_length(panel.indptr, panel.ids, self.lookback_, "the lookback window")
        windows = last_windows(panel.values, panel.indptr, self.lookback_)
        return (
            panel.ids,
            panel.last_times,
            windows,
            self._scaler_for(panel),
            isinstance(df, pd.Series),
        )

    def _inputs(self, ids, last_t, windows, scaler, future_df, static_df) -> dict:
        """The model's input dict for the last windows of ``ids``."""
        n, lookback, f = windows.shape
        h, layout = self.horizon, self.layout_
        rows = np.arange(n + 1) * lookback
        hist = transform(scaler, windows.reshape(-1, f), rows).reshape(windows.shape)
        inputs = {"history": hist}
        if layout.future_idx:
            times = future_times(last_t, self.freq_, h)
            parts = []
            if layout.future:
                parts.append(
                    future_block(
                        future_df, ids, times, layout.future, self.id_col, self.time_col
                    )
                )
            if layout.calendar:
                parts.append(calendar_features(times, layout.calendar))
            raw = np.concatenate(parts, axis=1)
            idx = list(layout.future_idx)
            loc = np.repeat(scaler.loc[:, idx], h, axis=0)
            scale = np.repeat(scaler.scale[:, idx], h, axis=0)
            inputs["future"] = (
                ((raw - loc) / scale).astype(np.float32).reshape(n, h, -1)
            )
        if layout.static:
            num, codes = self._static_for(ids, static_df)
            if num.shape[1]:
                inputs["static_numeric"] = num
            if codes.shape[1]:
                inputs["static_codes"] = codes
        return inputs

    def _static_for(self, ids, static_df) -> tuple[np.ndarray, np.ndarray]:
        if static_df is not None:
            return encode_static(self.static_encoding_, static_df, ids, self.id_col)
        pos = {k: i for i, k in enumerate(self.ids_)}
        unknown = [str(k) for k in ids if k not in pos]
        if unknown:
            raise ValueError(
                f"Series {unknown[:5]} were not seen at fit: pass static_df= with "
                f"their static features {list(self.layout_.static)}."
            )
        rows = [pos[k] for k in ids]
        return self.static_numeric_[rows], self.static_codes_[rows]

    def _scaler_for(self, panel) -> ScalerState:
        """Fit-time scaler rows for known series; new series are scaled by
        their own history (a global model can forecast unseen series)."""
        pos = {k: i for i, k in enumerate(self.ids_)}
        known = np.array([pos.get(k, -1) for k in panel.ids])
        own = keep_unscaled(
            fit_scaler(self.scaler, panel.values, panel.indptr),
            self.layout_.calendar_idx,
        )
        loc = np.where(known[:, None] >= 0, self.scaler_.loc[known], own.loc)
        scale = np.where(known[:, None] >= 0, self.scaler_.scale[known], own.scale)
        return ScalerState(self.scaler, loc, scale)

    def _forward(self, inputs: dict, chunk: int = 8192) -> np.ndarray:
        # predict_on_batch reuses one compiled function: no per-call data
        # adapter or progress bar, ~1 ms for a small network.
        model = self._predict_model()
        n = len(inputs["history"])
        parts = [
            np.asarray(
                model.predict_on_batch({k: v[i : i + chunk] for k, v in inputs.items()})
            )
            for i in range(0, n, chunk)
        ]
        return np.concatenate(parts)

    def _forecast_frame(
        self, ids, last_t, yhat: np.ndarray, as_series: bool, extra: dict | None = None
    ) -> pd.DataFrame:
        h = self.horizon
        ds = pd.DatetimeIndex(future_times(last_t, self.freq_, h))
        if self.tz_ is not None:
            ds = ds.tz_localize("UTC").tz_convert(self.tz_)
        frame = pd.DataFrame(
            {
                self.id_col: np.repeat(np.asarray(ids, dtype=object), h),
                self.time_col: ds,
                "yhat": yhat.reshape(-1).astype(np.float64),
                **(extra or {}),
            }
        )
        if as_series:
            return frame.drop(columns=self.id_col).set_index(self.time_col)
        return frame

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
