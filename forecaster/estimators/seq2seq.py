"""``Seq2SeqForecaster``: the encoder-decoder family behind the shared facade."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from forecaster._registry import register_estimator
from forecaster.data.validation import check_positive_int
from forecaster.estimators.base import BaseForecaster
from forecaster.estimators.inputs import history_of, network_inputs
from forecaster.estimators.params import (
    check_h,
    check_seq2seq_params,
    shared_parameters_doc,
    store_params,
)
from forecaster.estimators.uncertainty import check_levels
from forecaster.models.predictive import denormalize_numpy, sample_columns
from forecaster.models.spec import POINT_LOSSES

__all__ = ["Seq2SeqForecaster"]


@register_estimator
@shared_parameters_doc
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

    The shared parameters mean what they mean for
    :class:`~forecaster.RecurrentForecaster`, read for an encoder-decoder:
    the encoder reads the lookback window (target, past and future
    covariates, calendar columns); the decoder gets step ``t``'s
    future-known values and the static features at step ``t``; the loss is
    teacher forced, while the validation loss that early stopping watches is
    measured free running (as ``predict`` works); ``dropout`` acts after each
    encoder layer, never inside the decoder loop.

    Parameters
    ----------
    {common_parameters}
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
    scheduled_sampling : float or None, default 0.5
        Final probability, in [0, 1], of feeding the decoder its own
        prediction instead of the truth during training (Bengio et al.,
        2015), reached over the training budget along ``sampling_schedule``.
        ``None`` or 0: pure teacher forcing. The default was chosen on the
        wide benchmark's validation split
        (``benchmarks/results/wide_recipes_sweep.json``: geometric-mean
        MASE 0.788 with teacher forcing, 0.723 with 0.5; no set worse by
        more than 0.02).
    sampling_schedule : {"linear", "inverse_sigmoid", "exponential"}, default "linear"
        See :class:`forecaster.models.seq2seq.ScheduledSampling`.

    Attributes
    ----------
    networks_ : forecaster.models.networks.Networks
        ``train``: the teacher-forced network (inputs ``history``,
        ``targets``); ``predict``: the free-running network ``history (B, L,
        F) -> (B, H)`` sharing its weights, which ``predict`` uses;
        ``attention`` (with ``attention``): ``history -> [forecasts, weights
        (B, H, L)]``; ``sampler`` (with a probabilistic ``loss``): the
        inference inputs plus ``noise`` ``(B, H, k)`` -> one sampled path per
        row ``(B, H)``, scaled units.
    model_ : keras.Model
        ``networks_.train``.
    lookback_, window_norm_, baseline_season_, baseline_cycles_, freq_, \
scaler_, ids_, history_
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
        baseline: str | None = "auto",
        loss: str = "mse",
        quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
        batch_size: int = 32,
        max_epochs: int = 50,  # measured: see COMMON_PARAMETERS_DOC
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
        wiring: str = "init_state",
        context_units: int | None = 8,
        attention: str | None = None,
        bidirectional: bool = False,
        scheduled_sampling: float | None = 0.5,
        sampling_schedule: str = "linear",
    ):
        store_params(self, locals())

    def _check_params(self) -> None:
        super()._check_params()
        check_seq2seq_params(self)

    # -- the family hooks -------------------------------------------------------
    def _build_model(self):
        from forecaster.models.seq2seq import build_seq2seq

        return build_seq2seq(
            lookback=self.lookback_,
            n_features=self.n_features_,
            horizon=self.horizon,
            cell=self.cell,
            hidden_units=self.hidden_units,
            num_layers=self.num_layers,
            dropout=self.dropout,
            bidirectional=bool(self.bidirectional),
            wiring=self.wiring,
            attention=self.attention,
            context_units=self.context_units,
            window_norm=self.window_norm_,
            return_attention=self.attention is not None,
            seed=None if self.random_state is None else int(self.random_state),
            n_future=self.n_future_,
            n_static=self.static_numeric_.shape[1],
            static_vocab_sizes=tuple(self.static_vocab_sizes_),
            loss=self.loss,
            quantiles=tuple(self.quantiles),
            return_sampler=self.loss not in POINT_LOSSES,
            baseline_season=self.baseline_season_,
            baseline_cycles=self.baseline_cycles_,
        )

    def _train_inputs(self, inputs: dict, targets):
        return {**inputs, "targets": targets}

    def _fit_callbacks(self) -> list:
        if not self.scheduled_sampling:
            return []
        from forecaster.estimators.training import ScheduledSampling

        schedule = ScheduledSampling(
            float(self.scheduled_sampling), None, self.sampling_schedule
        )
        return [schedule]

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

        As :meth:`BaseForecaster.predict
        <forecaster.estimators.base.BaseForecaster.predict>`, except that
        ``num_samples``, with a probabilistic ``loss``, draws sample paths
        through the decoder (:meth:`predict_samples`, seeded by
        ``random_state``): the ``yhat_q<level>`` and interval columns are
        then the paths' empirical quantiles, for the quantile head too;
        ``yhat`` stays the free-running point forecast.
        """
        if num_samples is None or self.loss in POINT_LOSSES:
            return super().predict(df, future_df, static_df, level, num_samples, h)
        check_is_fitted(self, "networks_")
        levels = check_levels(level)
        check_positive_int("num_samples", num_samples)
        check_h(h, self.horizon)
        # The point forecast and the column layout come from the shared
        # predict; the sampled columns replace or follow its quantiles.
        frame = self._full_forecast(df, future_df, static_df, [], None)
        paths, _ = self.predict_samples(df, future_df, static_df, num_samples)
        for name, values in sample_columns(paths, self.quantiles, levels).items():
            frame[name] = values
        return self._first_steps(frame, h)

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

        sampler = self._sampler()
        check_positive_int("num_samples", num_samples)
        hist = history_of(self, df)
        inputs = network_inputs(self, hist, future_df, static_df)
        n, h, s = len(hist.ids), self.horizon, int(num_samples)
        rng = np.random.default_rng(
            self.random_state if random_state is None else random_state
        )
        rows = sample_inputs(inputs, s)  # series i's paths: rows i*S ... i*S+S-1
        rows["noise"] = draw_noise(self.loss, (n * s, h), rng)  # (N * S, H, k)
        paths = self._forward(rows, sampler)  # (N * S, H), scaled units
        paths = paths.reshape(n, s, h).transpose(0, 2, 1)  # (N, H, S)
        loc, scale = hist.scaler.loc[:, :1], hist.scaler.scale[:, :1]  # (N, 1)
        return denormalize_numpy(paths, loc, scale, "quantile"), hist.ids

    def _sampler(self):
        """The sampler network, or a ValueError for a point loss."""
        check_is_fitted(self, "networks_")
        if self.networks_.sampler is None:
            raise ValueError(
                f"No sample paths: this forecaster was fitted with the point loss "
                f"{self.loss!r}; use loss='normal', 'student_t' or 'quantile' (or "
                "predict(level=...) for conformal intervals)."
            )
        return self.networks_.sampler

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
        check_is_fitted(self, "networks_")
        if self.networks_.attention is None:
            raise ValueError(
                "No attention weights: this forecaster was fitted with "
                "attention=None; use attention='bahdanau' or 'luong'."
            )
        hist = history_of(self, df)
        inputs = network_inputs(self, hist, future_df, static_df)
        _, weights = self.networks_.attention.predict_on_batch(inputs)
        return np.asarray(weights), hist.ids
