"""``RecurrentForecaster``: the many-to-one family behind the shared facade."""

from __future__ import annotations

from forecaster.estimators.base import BaseForecaster

__all__ = ["RecurrentForecaster"]


class RecurrentForecaster(BaseForecaster):
    """LSTM / GRU / SimpleRNN forecaster: a lookback window in, the horizon out.

    One global model is trained over every series of a long frame; a dense
    head emits all ``horizon`` steps at once from the last hidden state.

    Parameters
    ----------
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
        Units per recurrent layer.
    num_layers : int, default 1
        Stacked recurrent layers.
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
    max_epochs : int, default 100
    learning_rate : float, default 1e-3
        Adam's learning rate.
    early_stopping_patience : int or None, default 10
        Epochs without validation improvement before stopping (the best
        weights are restored). ``None`` turns early stopping off.
    val_size : int or float, default 0.1
        Validation tail per series: steps (int) or fraction of each series
        (float); raised to ``horizon``. ``0`` disables validation.
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

    Attributes
    ----------
    model_ : keras.Model
        The trained network.
    lookback_ : int
        The lookback used.
    window_norm_ : str or None
        The window normalisation used (``window_norm="auto"`` resolved).
    freq_ : str
        The frequency of the training data.
    scaler_ : forecaster.data.scaling.ScalerState
        Per-series scaler state (arrays).
    ids_ : numpy.ndarray
        Training series ids.
    history_ : dict
        Loss per epoch.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = pd.date_range("2020-01-01", periods=120, freq="D")
    >>> y = pd.Series(np.sin(np.arange(120) / 3.0), index=t)
    >>> f = RecurrentForecaster(horizon=7, lookback=14, hidden_units=8,
    ...                         max_epochs=2, verbose=0, random_state=0).fit(y)
    >>> f.predict().shape
    (7, 1)
    """

    _family = "many_to_one"

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

    def _build_model(self, n_features: int):
        from forecaster.models.many_to_one import build_many_to_one

        return build_many_to_one(
            lookback=self.lookback_,
            n_features=n_features,
            horizon=self.horizon,
            cell=self.cell,
            hidden_units=self.hidden_units,
            num_layers=self.num_layers,
            dropout=self.dropout,
            window_norm=getattr(self, "window_norm_", self.window_norm),
            n_future=self.n_future_,
            n_static=self.static_numeric_.shape[1],
            static_vocab_sizes=tuple(self.static_vocab_sizes_),
            loss=self.loss,
            quantiles=tuple(self.quantiles),
        )
