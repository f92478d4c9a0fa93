"""The shared estimator facade: parameters, the fit loop and predict.

A model family is a subclass that implements :meth:`_build_model`; the rest
(validation, panel, scaling, windows, training, forecasting) lives here once.
TensorFlow and Keras are imported inside methods, so that constructing an
estimator and validating data stay light.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from forecaster.data import (
    fit_scaler,
    future_times,
    inverse_transform,
    last_windows,
    make_dataset,
    panel_from_frame,
    series_to_frame,
    split_lengths,
    transform,
    window_starts,
)
from forecaster.data.scaling import SCALERS, ScalerState
from forecaster.data.validation import check_min_length, check_positive_int

__all__ = ["BaseForecaster"]


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


class BaseForecaster(BaseEstimator):
    """Shared machinery of every recurrent forecaster (not used directly)."""

    _family = "base"

    # -- parameter checks -----------------------------------------------------
    def _check_params(self) -> None:
        from forecaster.models.heads import POINT_LOSSES
        from forecaster.models.layers import CELLS, WINDOW_NORMS

        check_positive_int("horizon", self.horizon)
        check_positive_int("lookback", self.lookback, allow_none=True)
        check_positive_int("hidden_units", self.hidden_units)
        check_positive_int("num_layers", self.num_layers)
        check_positive_int("batch_size", self.batch_size)
        check_positive_int("max_epochs", self.max_epochs)
        check_positive_int(
            "early_stopping_patience", self.early_stopping_patience, True
        )
        if self.cell not in CELLS:
            raise ValueError(
                "Received an invalid value for argument `cell`, expected one of "
                f"{CELLS}, got {self.cell!r}."
            )
        if self.scaler not in SCALERS:
            raise ValueError(
                "Received an invalid value for argument `scaler`, expected one of "
                f"{SCALERS}, got {self.scaler!r}."
            )
        if self.window_norm not in WINDOW_NORMS:
            raise ValueError(
                "Received an invalid value for argument `window_norm`, expected one "
                f"of {WINDOW_NORMS}, got {self.window_norm!r}."
            )
        if self.loss not in POINT_LOSSES:
            raise ValueError(
                "Received an invalid value for argument `loss`, expected one of "
                f"{POINT_LOSSES}, got {self.loss!r}."
            )
        if not (isinstance(self.dropout, int | float) and 0 <= self.dropout < 1):
            raise ValueError(
                "Received an invalid value for argument `dropout`, expected a float "
                f"in [0, 1), got {self.dropout!r}."
            )
        for name in ("learning_rate", "clipnorm"):
            v = getattr(self, name)
            if v is not None and not (isinstance(v, int | float) and v > 0):
                raise ValueError(
                    f"Received an invalid value for argument `{name}`, expected a "
                    f"positive number, got {v!r}."
                )
        v = self.val_size
        ok = (isinstance(v, int) and not isinstance(v, bool) and v >= 0) or (
            isinstance(v, float) and 0 <= v < 1
        )
        if not ok:
            raise ValueError(
                "Received an invalid value for argument `val_size`, expected a "
                "number of steps (int >= 0) or a fraction in [0, 1), got "
                f"{v!r}."
            )

    # -- data -----------------------------------------------------------------
    def _to_frame(self, data: pd.DataFrame | pd.Series) -> pd.DataFrame:
        if isinstance(data, pd.Series):
            return series_to_frame(data, self.id_col, self.time_col, self.target_col)
        return data

    def _resolve_lookback(self, freq: str, min_length: int) -> int:
        if self.lookback is not None:
            return int(self.lookback)
        # Automatic: two seasons or three horizons, whichever is longer, but
        # never so long that the shortest series has no training window.
        wanted = max(2 * season_length(freq), 3 * self.horizon)
        return int(max(1, min(wanted, min_length - self.horizon)))

    # -- the family hooks -------------------------------------------------------
    def _build_model(self, n_features: int):
        """The Keras model that ``fit`` trains (``lookback_`` is set)."""
        raise NotImplementedError

    def _train_inputs(self, history, targets):
        """Map a ``(history, targets)`` batch to the trained model's inputs.

        Teacher-forced families also feed the targets; the default feeds the
        history only.
        """
        return history

    def _fit_callbacks(self) -> list:
        """Extra Keras callbacks of a family (e.g. a sampling schedule)."""
        return []

    def _predict_model(self):
        """The model mapping history ``(B, L, F)`` to forecasts ``(B, H)``."""
        return self.model_

    # -- fit ------------------------------------------------------------------
    def fit(self, df: pd.DataFrame | pd.Series, y: Any = None) -> BaseForecaster:
        """Train one global model over every series of ``df``.

        Parameters
        ----------
        df : pandas.DataFrame or pandas.Series
            Long frame (``id_col``, ``time_col``, ``target_col``), or one
            series with a ``DatetimeIndex``.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            For bad input, before any TensorFlow code runs.
        """
        self._check_params()
        self.input_was_series_ = isinstance(df, pd.Series)
        panel = panel_from_frame(
            self._to_frame(df),
            self.id_col,
            self.time_col,
            self.target_col,
            freq=self.freq,
        )
        lookback = self._resolve_lookback(panel.freq, int(panel.lengths.min()))
        span = lookback + self.horizon
        check_min_length(
            panel.indptr,
            panel.ids,
            span,
            f"lookback {lookback} + horizon {self.horizon}",
        )
        train_len = split_lengths(panel.lengths, self.val_size, self.horizon)
        # A series too short to give up a validation tail trains on all of it.
        train_len = np.where(train_len >= span, train_len, panel.lengths)
        scaler = fit_scaler(
            self.scaler, panel.head(train_len).values, panel.head(train_len).indptr
        )
        scaled = transform(scaler, panel.values, panel.indptr)
        train_starts = window_starts(
            panel.indptr, lookback, self.horizon, max_end=train_len
        )
        val_starts = window_starts(
            panel.indptr, lookback, self.horizon, min_end=train_len + 1
        )

        import keras

        if self.random_state is not None:
            keras.utils.set_random_seed(int(self.random_state))
        seed = None if self.random_state is None else int(self.random_state)
        self.lookback_ = lookback
        self.n_features_ = scaled.shape[1]
        model = self._build_model(self.n_features_)
        self.model_ = model

        def adapt(history, targets):
            return self._train_inputs(history, targets), targets

        train_ds = make_dataset(
            scaled, train_starts, lookback, self.horizon, self.batch_size, True, seed
        ).map(adapt)
        val_ds = None
        if len(val_starts):
            val_ds = make_dataset(scaled, val_starts, lookback, self.horizon, 4096)
            val_ds = val_ds.map(adapt)
        model.compile(
            optimizer=keras.optimizers.Adam(self.learning_rate, clipnorm=self.clipnorm),
            loss=self._loss(),
        )
        callbacks = list(self._fit_callbacks())
        if self.early_stopping_patience is not None:
            if val_ds is None:
                warnings.warn(
                    "Early stopping is off: no series is long enough for a "
                    f"validation part (val_size={self.val_size!r}); training runs "
                    f"all {self.max_epochs} epochs.",
                    UserWarning,
                    stacklevel=2,
                )
            else:
                callbacks.append(
                    keras.callbacks.EarlyStopping(
                        monitor="val_loss",
                        patience=self.early_stopping_patience,
                        restore_best_weights=True,
                    )
                )
        history = model.fit(
            train_ds,
            validation_data=val_ds,
            epochs=self.max_epochs,
            shuffle=False,  # shuffled inside the pipeline, once per epoch
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self.history_ = {k: [float(x) for x in v] for k, v in history.history.items()}
        self.freq_ = panel.freq
        self.tz_ = panel.tz
        self.scaler_ = scaler
        self.ids_ = panel.ids
        self.last_times_ = panel.last_times
        self.last_windows_ = last_windows(panel.values, panel.indptr, lookback)
        self.n_train_windows_ = len(train_starts)
        self.n_val_windows_ = len(val_starts)
        return self

    def _loss(self):
        from forecaster.models.heads import point_loss

        return point_loss(self.loss)

    # -- predict --------------------------------------------------------------
    def predict(self, df: pd.DataFrame | pd.Series | None = None) -> pd.DataFrame:
        """Forecast the ``horizon`` steps after the end of each series.

        Parameters
        ----------
        df : pandas.DataFrame or pandas.Series, optional
            New history (same or other series, same frequency); forecasts
            start after each of its series' end, without refitting. Default:
            after the training data's end.

        Returns
        -------
        pandas.DataFrame
            Long frame ``id_col, time_col, yhat``; for a Series input, a
            frame indexed by ``time_col`` with column ``yhat``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            If a series of ``df`` is shorter than ``lookback``.
        """
        check_is_fitted(self, "model_")
        if df is None:
            ids, last_t, windows = self.ids_, self.last_times_, self.last_windows_
            scaler, as_series = self.scaler_, self.input_was_series_
        else:
            as_series = isinstance(df, pd.Series)
            panel = panel_from_frame(
                self._to_frame(df),
                self.id_col,
                self.time_col,
                self.target_col,
                freq=self.freq_,
            )
            check_min_length(
                panel.indptr, panel.ids, self.lookback_, "the lookback window"
            )
            ids, last_t = panel.ids, panel.last_times
            windows = last_windows(panel.values, panel.indptr, self.lookback_)
            scaler = self._scaler_for(panel)
        scaled = transform(
            scaler,
            windows.reshape(-1, windows.shape[-1]),
            np.arange(len(ids) + 1) * self.lookback_,
        )
        out = self._forward(scaled.reshape(windows.shape))  # (N, H)
        yhat = inverse_transform(scaler, out, np.arange(len(ids)))
        return self._forecast_frame(ids, last_t, yhat, as_series)

    def _scaler_for(self, panel) -> ScalerState:
        """Fit-time scaler rows for known series; new series are scaled by
        their own history (a global model can forecast unseen series)."""
        pos = {k: i for i, k in enumerate(self.ids_)}
        known = np.array([pos.get(k, -1) for k in panel.ids])
        own = fit_scaler(self.scaler, panel.values, panel.indptr)
        loc = np.where(known[:, None] >= 0, self.scaler_.loc[known], own.loc)
        scale = np.where(known[:, None] >= 0, self.scaler_.scale[known], own.scale)
        return ScalerState(self.scaler, loc, scale)

    def _forward(self, x: np.ndarray, chunk: int = 8192) -> np.ndarray:
        # predict_on_batch reuses one compiled function: no per-call data
        # adapter or progress bar, ~1 ms for a small network.
        model = self._predict_model()
        parts = [
            np.asarray(model.predict_on_batch(x[i : i + chunk]))
            for i in range(0, len(x), chunk)
        ]
        return np.concatenate(parts)

    def _forecast_frame(
        self, ids, last_t, yhat: np.ndarray, as_series: bool
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
