"""``Seq2SeqForecaster``: the encoder-decoder family behind the shared facade."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from forecaster.data.validation import check_positive_int
from forecaster.estimators.base import BaseForecaster
from forecaster.estimators.uncertainty import check_levels
from forecaster.models.predictive import denormalize_numpy, sample_columns
from forecaster.models.spec import POINT_LOSSES

__all__ = ["Seq2SeqForecaster"]


class Seq2SeqForecaster(BaseForecaster):
    """Encoder-decoder forecaster: teacher forcing, free running, attention.

    An encoder (stacked, optionally bidirectional) reads the lookback window;
    its final state is the context vector. A one-cell decoder then steps
    through the horizon, fed the previous value: the true one in training
    (teacher forcing), its own prediction at inference (free running), so
    ``predict`` never sees a future target. See
    :mod:`forecaster.models.seq2seq`.

    With ``loss="quantile"``, ``"normal"`` or ``"student_t"`` the decoder
    emits each step's quantiles or distribution parameters, and is fed back
    their point value (the median, or ``loc``). ``predict(num_samples=N)``
    then samples ``N`` paths through the decoder, feeding each draw back as
    the next input, so a path is coherent across the horizon (an early high
    value carries on), and reports the quantiles and intervals of those
    paths; :meth:`predict_samples` returns the paths themselves.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm"}, default "lstm"
        Cell of the encoder and the decoder. The peephole and coupled-gate
        cells run on the generic RNN loop and are slower (no cuDNN).
    horizon : int, default 1
        Steps forecast after each series' end.
    lookback : int or None, default None
        Input window length. ``None``: ``max(2 * season, 3 * horizon)``,
        capped by the shortest series; the value used is ``lookback_``.
    hidden_units : int, default 64
        Units of every encoder layer and of the decoder.
    num_layers : int, default 1
        Stacked encoder layers (the decoder is one cell).
    dropout : float, default 0.0
        Dropout after each encoder layer (never inside the decoder loop).
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
    quantiles : tuple of float, default (0.1, 0.5, 0.9)
        Levels of the quantile head, and the levels reported for the
        distribution heads (``yhat_q<level>`` columns). Quantile-head paths
        are drawn by linear interpolation between these levels and flat
        beyond the extreme ones: include the levels of the intervals asked.
    loss : {"mse", "mae", "huber", "quantile", "normal", "student_t"}, default "mse"
        Training loss on the scaled data, teacher forced. ``quantile``:
        pinball loss on monotone per-step quantiles; ``normal`` /
        ``student_t``: negative log-likelihood of per-step distribution
        parameters. Without ``num_samples``, ``predict``'s quantiles and
        intervals are each step's predicted distribution along the point
        forecast's path; with it, those of the sampled paths, which carry
        earlier steps' uncertainty forward. Student-t paths use the
        Wilson-Hilferty approximation of the chi-square (see
        :mod:`forecaster.models.sampling`).
    batch_size : int, default 32
    max_epochs : int, default 100
    learning_rate : float, default 1e-3
    early_stopping_patience : int or None, default 10
        Epochs without improvement of the validation loss, which is measured
        free running (as ``predict`` works), before stopping.
    val_size : int or float, default 0.1
    clipnorm : float or None, default 1.0
        Gradient clipping by norm (on by default).
    past_covariates : list of str, optional
        Columns of ``df`` known only up to the forecast origin; the encoder
        reads them in the lookback window.
    future_covariates : list of str, optional
        Columns known over the horizon too: the encoder reads their past,
        the decoder gets step ``t``'s values at step ``t``; ``predict``
        takes them from ``future_df``.
    static_features : list of str, optional
        Columns of ``static_df`` (numeric standardised, categorical
        embedded), fed to the decoder at every step.
    calendar_features : list of str, optional
        Generated from ``ds`` (sin/cos pairs), future-known like
        ``future_covariates``.
    drop_short : bool, default False
        Skip series too short for one training window (with a warning).
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
    random_state : int or None, default None
    verbose : int, default 1
    id_col, time_col, target_col : str
        As in :class:`~forecaster.RecurrentForecaster`.
    wiring : {"init_state", "context_every_step"}, default "init_state"
        The context vector only initialises the decoder's state, or is also
        concatenated to the decoder's input at every step.
    context_units : int or None, default 8
        With ``wiring="context_every_step"``, the width of the learned linear
        projection of the context fed at every step (a bottleneck; ignored
        by ``init_state``). ``None`` feeds the encoder's state itself.
        Measured on elnino over seeds 0-5
        (``benchmarks/results/context_units.json``): the raw state over-fits.
    attention : {None, "bahdanau", "luong"}, default None
        Additive (Bahdanau) or general dot-product (Luong) attention of the
        decoder over all encoder outputs; see :meth:`predict_attention`.
    bidirectional : bool, default False
        Bidirectional encoder.
    scheduled_sampling : float or None, default None
        Final probability, in [0, 1], of feeding the decoder its own
        prediction instead of the truth during training (Bengio et al.,
        2015), reached over ``max_epochs`` along ``sampling_schedule``.
        ``None`` or 0: pure teacher forcing.
    sampling_schedule : {"linear", "inverse_sigmoid", "exponential"}, default "linear"
        See :class:`forecaster.models.seq2seq.ScheduledSampling`.

    Attributes
    ----------
    model_ : keras.Model
        The trained (teacher-forced) model, inputs ``history``, ``targets``.
    inference_model_ : keras.Model
        The free-running model ``history (B, L, F) -> (B, H)`` sharing the
        trained weights; ``predict`` uses it.
    attention_model_ : keras.Model or None
        With ``attention``: ``history -> [forecasts, weights (B, H, L)]``.
    sampler_model_ : keras.Model or None
        With a probabilistic ``loss``: the inference inputs plus ``noise``
        ``(B, H, k)`` -> one sampled path per row ``(B, H)``, scaled units.
    lookback_, freq_, scaler_, ids_, history_
        As in :class:`~forecaster.RecurrentForecaster`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = pd.date_range("2020-01-01", periods=120, freq="D")
    >>> y = pd.Series(np.sin(np.arange(120) / 3.0), index=t)
    >>> f = Seq2SeqForecaster(horizon=7, lookback=14, hidden_units=8,
    ...                       attention="luong", max_epochs=2, verbose=0,
    ...                       random_state=0).fit(y)
    >>> f.predict().shape
    (7, 1)
    >>> f.predict_attention()[0].shape
    (1, 7, 14)
    """

    _family = "seq2seq"
    # Parameters added after artifacts were first saved: the value that
    # reproduces an older artifact's network when its config lacks them.
    _params_before_added = {"context_units": None}

    def __init__(
        self,
        cell: str = "lstm",
        horizon: int = 1,
        lookback: int | None = None,
        hidden_units: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        scaler: str = "standard",
        window_norm: str | None = "auto",
        loss: str = "mse",
        quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
        batch_size: int = 32,
        max_epochs: int = 100,
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
        wiring: str = "init_state",
        context_units: int | None = 8,
        attention: str | None = None,
        bidirectional: bool = False,
        scheduled_sampling: float | None = None,
        sampling_schedule: str = "linear",
    ):
        self.cell = cell
        self.horizon = horizon
        self.lookback = lookback
        self.hidden_units = hidden_units
        self.num_layers = num_layers
        self.dropout = dropout
        self.scaler = scaler
        self.window_norm = window_norm
        self.loss = loss
        self.quantiles = quantiles
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.early_stopping_patience = early_stopping_patience
        self.val_size = val_size
        self.clipnorm = clipnorm
        self.past_covariates = past_covariates
        self.future_covariates = future_covariates
        self.static_features = static_features
        self.calendar_features = calendar_features
        self.drop_short = drop_short
        self.fill_missing = fill_missing
        self.jit_compile = jit_compile
        self.mixed_precision = mixed_precision
        self.freq = freq
        self.random_state = random_state
        self.verbose = verbose
        self.id_col = id_col
        self.time_col = time_col
        self.target_col = target_col
        self.wiring = wiring
        self.context_units = context_units
        self.attention = attention
        self.bidirectional = bidirectional
        self.scheduled_sampling = scheduled_sampling
        self.sampling_schedule = sampling_schedule

    def _check_params(self) -> None:
        from forecaster.models.seq2seq import ATTENTIONS, SCHEDULES, WIRINGS

        super()._check_params()
        for name, choices in (
            ("wiring", WIRINGS),
            ("attention", ATTENTIONS),
            ("sampling_schedule", SCHEDULES),
        ):
            if getattr(self, name) not in choices:
                raise ValueError(
                    f"Received an invalid value for argument `{name}`, expected "
                    f"one of {choices}, got {getattr(self, name)!r}."
                )
        check_positive_int("context_units", self.context_units, allow_none=True)
        if not isinstance(self.bidirectional, bool | np.bool_):
            raise ValueError(
                "Received an invalid value for argument `bidirectional`, expected "
                f"a bool, got {self.bidirectional!r}."
            )
        p = self.scheduled_sampling
        number = isinstance(p, int | float) and not isinstance(p, bool)
        if p is not None and not (number and 0 <= p <= 1):
            raise ValueError(
                "Received an invalid value for argument `scheduled_sampling`, "
                f"expected None or a probability in [0, 1], got {p!r}."
            )

    # -- the family hooks -------------------------------------------------------
    def _build_model(self, n_features: int):
        import keras

        from forecaster.models.seq2seq import build_seq2seq

        sampling = self.loss not in POINT_LOSSES
        train, infer, *sampler = build_seq2seq(
            lookback=self.lookback_,
            n_features=n_features,
            horizon=self.horizon,
            cell=self.cell,
            hidden_units=self.hidden_units,
            num_layers=self.num_layers,
            dropout=self.dropout,
            bidirectional=bool(self.bidirectional),
            wiring=self.wiring,
            attention=self.attention,
            context_units=self.context_units,
            window_norm=getattr(self, "window_norm_", self.window_norm),
            return_attention=self.attention is not None,
            seed=None if self.random_state is None else int(self.random_state),
            n_future=self.n_future_,
            n_static=self.static_numeric_.shape[1],
            static_vocab_sizes=tuple(self.static_vocab_sizes_),
            loss=self.loss,
            quantiles=tuple(self.quantiles),
            return_sampler=sampling,
        )
        self.sampler_model_ = sampler[0] if sampling else None
        self.attention_model_ = None
        if self.attention is not None:
            self.attention_model_ = infer
            infer = keras.Model(infer.input, infer.outputs[0], name=infer.name)
        self.inference_model_ = infer
        return train

    def _train_inputs(self, inputs: dict, targets):
        return {**inputs, "targets": targets}

    def _fit_callbacks(self) -> list:
        if not self.scheduled_sampling:
            return []
        from forecaster.models.seq2seq import ScheduledSampling

        schedule = ScheduledSampling(
            float(self.scheduled_sampling), self.max_epochs, self.sampling_schedule
        )
        return [schedule]

    def _predict_model(self):
        return self.inference_model_

    def predict(
        self,
        df: pd.DataFrame | pd.Series | None = None,
        future_df: pd.DataFrame | None = None,
        static_df: pd.DataFrame | None = None,
        level: list[float] | None = None,
        num_samples: int | None = None,
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` steps after the end of each series.

        As :meth:`BaseForecaster.predict
        <forecaster.estimators.base.BaseForecaster.predict>`, except that
        ``num_samples``, with a probabilistic ``loss``, draws sample paths
        through the decoder (:meth:`predict_samples`, seeded by
        ``random_state``): the ``yhat_q<level>`` and interval columns are
        then the paths' empirical quantiles, for the quantile head too;
        ``yhat`` stays the free-running point forecast.
        """
        if num_samples is None or self.loss in POINT_LOSSES:
            return super().predict(df, future_df, static_df, level, num_samples)
        check_is_fitted(self, "model_")
        levels = check_levels(level)
        check_positive_int("num_samples", num_samples)
        # The point forecast and the column layout come from the shared
        # predict; the sampled columns replace or follow its quantiles.
        frame = super().predict(df, future_df, static_df)
        paths, _ = self.predict_samples(df, future_df, static_df, num_samples)
        for name, values in sample_columns(paths, self.quantiles, levels).items():
            frame[name] = values
        return frame

    def predict_samples(
        self,
        df: pd.DataFrame | pd.Series | None = None,
        future_df: pd.DataFrame | None = None,
        static_df: pd.DataFrame | None = None,
        num_samples: int = 100,
        random_state: int | np.random.Generator | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sample paths through the decoder, each draw fed back to it.

        Each series' window is repeated ``num_samples`` times in the batch
        and the decoder run once over the horizon on pre-drawn noise (see
        :mod:`forecaster.models.sampling`): step ``t``'s draw is step
        ``t + 1``'s input, so a path is coherent across the horizon.

        Parameters
        ----------
        df, future_df, static_df
            As for :meth:`predict`; by default, after the training data.
        num_samples : int, default 100
            Paths per series.
        random_state : int, numpy.random.Generator or None
            Seed of the noise; ``None`` uses the estimator's
            ``random_state``. The same seed gives the same paths.

        Returns
        -------
        paths : numpy.ndarray
            ``(n_series, horizon, num_samples)`` float64, in data units.
        ids : numpy.ndarray
            The series ids, in the order of ``paths``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            With a point ``loss`` (nothing to sample), a bad ``num_samples``,
            or bad history as :meth:`predict`.
        """
        from forecaster.models.sampling import draw_noise, sample_inputs

        check_is_fitted(self, "model_")
        check_positive_int("num_samples", num_samples)
        if self.sampler_model_ is None:
            raise ValueError(
                f"No sample paths: this forecaster was fitted with the point loss "
                f"{self.loss!r}; use loss='normal', 'student_t' or 'quantile' (or "
                "predict(level=...) for conformal intervals)."
            )
        ids, last_t, windows, scaler, _ = self._history(df)
        inputs = self._inputs(ids, last_t, windows, scaler, future_df, static_df)
        n, h, s = len(ids), self.horizon, int(num_samples)
        rng = np.random.default_rng(
            self.random_state if random_state is None else random_state
        )
        rows = sample_inputs(inputs, s)  # series i's paths: rows i*S ... i*S+S-1
        rows["noise"] = draw_noise(self.loss, (n * s, h), rng)  # (N * S, H, k)
        chunk = 8192
        paths = np.concatenate(
            [
                np.asarray(
                    self.sampler_model_.predict_on_batch(
                        {k: v[i : i + chunk] for k, v in rows.items()}
                    )
                )
                for i in range(0, n * s, chunk)
            ]
        )  # (N * S, H), scaled units
        paths = paths.reshape(n, s, h).transpose(0, 2, 1)  # (N, H, S)
        loc, scale = scaler.loc[:, :1], scaler.scale[:, :1]  # (N, 1)
        return denormalize_numpy(paths, loc, scale, "quantile"), ids

    def predict_attention(
        self,
        df: pd.DataFrame | pd.Series | None = None,
        future_df: pd.DataFrame | None = None,
        static_df: pd.DataFrame | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Attention weights of the forecasts ``predict`` makes.

        Parameters
        ----------
        df, future_df, static_df
            As for :meth:`predict`; by default, after the training data.

        Returns
        -------
        weights : numpy.ndarray
            ``(n_series, horizon, lookback_)``: row ``[i, h]`` is how forecast
            step ``h`` of series ``i`` weighs each lookback step (oldest
            first); non-negative, sums to 1.
        ids : numpy.ndarray
            The series ids, in the order of ``weights``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            Without ``attention``, or for bad history as :meth:`predict`.
        """
        check_is_fitted(self, "model_")
        if self.attention_model_ is None:
            raise ValueError(
                "No attention weights: this forecaster was fitted with "
                "attention=None; use attention='bahdanau' or 'luong'."
            )
        ids, last_t, windows, scaler, _ = self._history(df)
        inputs = self._inputs(ids, last_t, windows, scaler, future_df, static_df)
        _, weights = self.attention_model_.predict_on_batch(inputs)
        return np.asarray(weights), ids
