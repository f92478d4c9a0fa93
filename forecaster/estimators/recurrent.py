"""``RecurrentForecaster``: the many-to-one family behind the shared facade."""

from __future__ import annotations

from forecaster._registry import register_estimator
from forecaster.estimators.base import BaseForecaster
from forecaster.estimators.params import shared_parameters_doc

__all__ = ["RecurrentForecaster"]


@register_estimator
@shared_parameters_doc
class RecurrentForecaster(BaseForecaster):
    """LSTM / GRU / SimpleRNN forecaster: a lookback window in, the horizon out.

    One global model is trained over every series of a long frame; a dense
    head emits all ``horizon`` steps at once from the last hidden state.

    Parameters
    ----------
    {common_parameters}

    Attributes
    ----------
    networks_ : forecaster.models.networks.Networks
        The trained network (``train`` and ``predict`` are the same).
    model_ : keras.Model
        ``networks_.train``.
    lookback_ : int
        The lookback used.
    window_norm_ : str or None
        The window normalisation used (``window_norm="auto"`` resolved).
    baseline_season_ : int or None
        The period of the window baseline used (1: naive, None: no
        baseline), ``baseline="auto"`` resolved.
    baseline_cycles_ : int
        The seasons the baseline averages (1: seasonal naive; see
        ``baseline="seasonal_mean"``).
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

    def _build_model(self):
        from forecaster.models.many_to_one import build_many_to_one

        return build_many_to_one(
            lookback=self.lookback_,
            n_features=self.n_features_,
            horizon=self.horizon,
            cell=self.cell,
            hidden_units=self.hidden_units,
            num_layers=self.num_layers,
            dropout=self.dropout,
            window_norm=self.window_norm_,
            n_future=self.n_future_,
            n_static=self.static_numeric_.shape[1],
            static_vocab_sizes=tuple(self.static_vocab_sizes_),
            loss=self.loss,
            quantiles=tuple(self.quantiles),
            baseline_season=self.baseline_season_,
            baseline_cycles=self.baseline_cycles_,
        )
