"""The many-to-one family: a lookback window in, the whole horizon out.

``history (B, L, F) -> [window norm] -> stacked RNN -> dense head (B, H)
-> [window denorm]``: the last hidden state summarises the window and one
dense layer emits every horizon step at once (NeuralForecast's
``recurrent=False``, darts' ``BlockRNNModel``).

>>> nets = build_many_to_one(lookback=8, n_features=1, horizon=3, hidden_units=4)
>>> nets.predict.output_shape
(None, 3)
"""

from __future__ import annotations

import keras

from forecaster.models.baseline import SeasonalNaiveBaseline
from forecaster.models.heads import output_head
from forecaster.models.layers import (
    WindowDenormalization,
    WindowNormalization,
    recurrent_layer,
)
from forecaster.models.networks import Networks

__all__ = ["build_many_to_one", "covariate_features", "future_effect"]


def build_many_to_one(
    lookback: int,
    n_features: int,
    horizon: int,
    cell: str = "lstm",
    hidden_units: int = 64,
    num_layers: int = 1,
    dropout: float = 0.0,
    window_norm: str | None = "standard",
    n_future: int = 0,
    n_static: int = 0,
    static_vocab_sizes: tuple[int, ...] = (),
    loss: str = "mse",
    quantiles: tuple[float, ...] | None = None,
    baseline_season: int | None = None,
    baseline_cycles: int = 1,
) -> Networks:
    """Build the network of a many-to-one forecaster (see the module docstring).

    Parameters
    ----------
    lookback, n_features, horizon : int
        Window ``L``, channels per step ``F`` (target first), horizon ``H``.
    cell, hidden_units, num_layers : str, int, int
        The stacked RNN's cell (:func:`~forecaster.models.layers.
        recurrent_layer`), width and depth.
    dropout : float
        Between recurrent layers and before the head (never recurrent: cuDNN).
    window_norm : {"standard", "mean", None}
        Per-window normalisation of the target channel.
    n_future, n_static, static_vocab_sizes
        Future-known channels (input ``future (B, H, n_future)``, see
        :func:`future_effect`), numeric statics (``static_numeric``) and each
        categorical static's vocabulary size, "unknown" code 0 included
        (``static_codes``, see :func:`covariate_features`).
    loss, quantiles
        The head, see :func:`forecaster.models.heads.output_head`.
    baseline_season, baseline_cycles : int or None, int
        Forecast a correction, from zero, over seasonal naive of this period
        averaged over this many seasons (:class:`SeasonalNaiveBaseline`).

    Returns
    -------
    Networks
        One network as ``train`` and ``predict``: ``(B, H)`` or ``(B, H, P)``.
    """
    # B: batch, L: lookback, F: features, H: horizon, U: hidden units
    inputs = {"history": keras.Input((lookback, n_features), name="history")}
    normed, stats = _normalised(inputs["history"], window_norm)  # (B, L, F)
    x = _stacked_rnn(normed, cell, hidden_units, num_layers, dropout)  # (B, U)
    x, shift = _with_covariates(
        inputs, x, horizon, hidden_units, n_future, n_static, static_vocab_sizes
    )  # (B, U + S), (B, H) or None
    shift = _with_baseline(normed, shift, baseline_season, baseline_cycles, horizon)
    out = output_head(x, horizon, loss, quantiles, shift=shift)  # (B, H[, P])
    if stats is not None:
        out = WindowDenormalization(loss, name="window_denorm")([out, *stats])
    model = keras.Model(inputs, out, name=f"many_to_one_{cell}")
    _start_at_the_baseline(model, baseline_season)
    return Networks(model, model, loss=loss, quantiles=tuple(quantiles or ()))


def _normalised(history, window_norm: str | None):
    """The window normalised by its own statistics, and those ``(loc, scale)``
    (None without ``window_norm``)."""
    if window_norm is None:
        return history, None
    x, loc, scale = WindowNormalization(window_norm, name="window_norm")(history)
    return x, (loc, scale)


def _start_at_the_baseline(model, season: int | None) -> None:
    """With a baseline, zero the head's kernel: the untrained forecast is the
    baseline (plus the head's bias, a distribution's initial spread)."""
    if season is not None:
        head = model.get_layer("head")
        # zeros of the shape, not ``zeros_like(variable)``: JAX cannot read a
        # Keras variable's dtype through ``jnp.zeros_like``
        head.kernel.assign(keras.ops.zeros(head.kernel.shape, head.kernel.dtype))


def _with_baseline(normed, shift, season: int | None, cycles: int, horizon: int):
    """The head's location shift ``(B, H)`` plus the window's seasonal-naive
    forecast of period ``season`` over ``cycles`` seasons (unchanged without
    one)."""
    if season is None:
        return shift
    base = SeasonalNaiveBaseline(season, horizon, cycles, name="baseline")(normed)
    return base if shift is None else keras.layers.Add()([shift, base])


def _stacked_rnn(x, cell: str, units: int, num_layers: int, dropout: float):
    """``(B, L, F) -> (B, U)``: the last layer's last hidden state summarises
    the window; dropout after each layer."""
    for i in range(num_layers):
        last = i == num_layers - 1
        rnn = recurrent_layer(cell, units, return_sequences=not last, name=f"rnn_{i}")
        x = rnn(x)  # (B, L, U), the last layer -> (B, U)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    return x


def _with_covariates(
    inputs: dict, x, horizon: int, units: int, n_future, n_static, static_vocab_sizes
):
    """Add the covariate inputs to ``inputs``; return the head's features
    (``x (B, U)`` and the statics ``(B, S)``) and the future effect ``(B, H)``
    on the location (None without future covariates)."""
    # B: batch, U: hidden units, S: static features, H: horizon
    feats = covariate_features(inputs, horizon, 0, n_static, static_vocab_sizes)
    if feats:
        x = keras.layers.Concatenate(name="head_inputs")([x, *feats])  # (B, U + S)
    if not n_future:
        return x, None
    return x, future_effect(inputs, x, horizon, n_future, units)  # (B, H)


def future_effect(inputs: dict, context, horizon: int, n_future: int, units: int):
    """The effect of the future-known covariates on each horizon step.

    Every step ``t`` sees its own covariates next to a summary of the
    history (one MLP shared across steps, as in MQ-RNN's local decoder), plus
    a linear skip so that a linear effect is learnt at once.

    Returns
    -------
    KerasTensor
        ``(B, H)`` added to the head's output.
    """
    # B: batch, H: horizon, Ff: future channels, U: units
    future = keras.Input((horizon, n_future), name="future")  # (B, H, Ff)
    inputs["future"] = future
    summary = keras.layers.Dense(8, name="future_context")(context)  # (B, 8)
    summary = keras.layers.RepeatVector(horizon)(summary)  # (B, H, 8)
    z = keras.layers.Concatenate()([future, summary])  # (B, H, Ff + 8)
    z = keras.layers.Dense(units, activation="relu", name="future_mlp")(z)  # (B, H, U)
    z = keras.layers.Dense(1, name="future_out")(z)  # (B, H, 1)
    linear = keras.layers.Dense(1, use_bias=False, name="future_linear")(future)
    z = keras.layers.Add()([z, linear])  # (B, H, 1)
    return keras.layers.Reshape((horizon,))(z)  # (B, H)


def covariate_features(
    inputs: dict,
    horizon: int,
    n_future: int,
    n_static: int,
    static_vocab_sizes: tuple[int, ...],
) -> list:
    """Add the covariate inputs to ``inputs``; return their flat features.

    Future-known channels over the horizon are flattened ``(B, H * F_fut)``;
    numeric statics pass as ``(B, S)``; each categorical static gets an
    embedding of ``min(8, (vocab + 1) // 2)`` dimensions.
    """
    feats = []
    if n_future:
        inputs["future"] = keras.Input((horizon, n_future), name="future")
        feats.append(keras.layers.Flatten(name="future_flat")(inputs["future"]))
    if n_static:
        inputs["static_numeric"] = keras.Input((n_static,), name="static_numeric")
        feats.append(inputs["static_numeric"])
    if static_vocab_sizes:
        codes = keras.Input(
            (len(static_vocab_sizes),), dtype="int32", name="static_codes"
        )
        inputs["static_codes"] = codes
        for j, size in enumerate(static_vocab_sizes):
            emb = keras.layers.Embedding(
                size, min(8, (size + 1) // 2), name=f"static_emb_{j}"
            )
            feats.append(keras.layers.Flatten()(emb(codes[:, j])))
    return feats
