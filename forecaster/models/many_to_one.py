"""The many-to-one family: a lookback window in, the whole horizon out.

``history (B, L, F) -> [window norm] -> stacked RNN -> dense head (B, H)
-> [window denorm]``: the last hidden state summarises the window and one
dense layer emits every horizon step at once (NeuralForecast's
``recurrent=False``, darts' ``BlockRNNModel``).
"""

from __future__ import annotations

import keras

from forecaster.models.heads import point_head
from forecaster.models.layers import (
    WindowDenormalization,
    WindowNormalization,
    recurrent_layer,
)

__all__ = ["build_many_to_one"]


def build_many_to_one(
    lookback: int,
    n_features: int,
    horizon: int,
    cell: str = "lstm",
    hidden_units: int = 64,
    num_layers: int = 1,
    dropout: float = 0.0,
    window_norm: str | None = "standard",
) -> keras.Model:
    """Build a functional many-to-one forecaster.

    Parameters
    ----------
    lookback : int
        Input window length ``L``.
    n_features : int
        Channels per time step ``F`` (target first).
    horizon : int
        Steps forecast at once ``H``.
    cell : str
        Recurrent cell, see :func:`forecaster.models.layers.recurrent_layer`.
    hidden_units, num_layers : int
        Width and depth of the stacked RNN.
    dropout : float
        Dropout between recurrent layers and before the head (never
        recurrent dropout, which would disable cuDNN).
    window_norm : {"standard", "mean", None}
        Per-window normalisation of the target channel.

    Returns
    -------
    keras.Model
        Input ``history`` ``(B, L, F)``, output ``(B, H)``.

    Examples
    --------
    >>> m = build_many_to_one(lookback=8, n_features=1, horizon=3, hidden_units=4)
    >>> m.output_shape
    (None, 3)
    """
    history = keras.Input((lookback, n_features), name="history")
    x = history
    if window_norm is not None:
        x, loc, scale = WindowNormalization(window_norm, name="window_norm")(x)
    for i in range(num_layers):
        last = i == num_layers - 1
        x = recurrent_layer(
            cell, hidden_units, return_sequences=not last, name=f"rnn_{i}"
        )(x)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    out = point_head(x, horizon)  # (B, H)
    if window_norm is not None:
        out = WindowDenormalization(name="window_denorm")([out, loc, scale])
    return keras.Model(history, out, name=f"many_to_one_{cell}")
