"""The encoder-decoder (seq2seq) family: teacher forcing, free running, attention.

``history (B, L, F) -> [window norm] -> stacked (bi)RNN encoder -> context ->
decoder stepped H times -> (B, H) -> [window denorm]`` (Sutskever et al.
2014; Cho et al. 2014). The encoder's final state, the context vector,
initialises the decoder (``wiring="init_state"``) and is also fed to it at
every step with ``wiring="context_every_step"``, optionally through a learned
linear bottleneck (``context_units``). The decoder's input at step
``t`` is the previous value: the true ``y_{t-1}`` in training (teacher
forcing), its own prediction at inference (free running); ``y_{-1}`` is the
window's last value. The decoder works in the window-normalised space and,
with a window baseline, decodes the residuals over it; static features
reach every step.

With a quantile or distribution loss the decoder emits each step's
parameters ``(B, H, P)`` and feeds back their point value; a third model
feeds back draws instead, from noise given as an input, for sample paths
coherent across the horizon (:mod:`forecaster.models.sampling`).

:func:`build_seq2seq` returns the networks, sharing every layer, in a
:class:`~forecaster.models.networks.Networks`. The step loop is one
``keras.ops.scan`` (one graph: exports, runs on GPU); only ``keras.layers``
and ``keras.ops``, so the models run on any Keras backend.

>>> nets = build_seq2seq(lookback=8, n_features=1, horizon=3, hidden_units=4)
>>> nets.train.output_shape, nets.predict.output_shape  # train also takes targets
((None, 3), (None, 3))
"""

from __future__ import annotations

import keras

from forecaster.models.baseline import AddToLocation, seasonal_residuals
from forecaster.models.decoder import Seq2SeqDecoder
from forecaster.models.layers import (
    WindowDenormalization,
    WindowNormalization,
    recurrent_layer,
)
from forecaster.models.many_to_one import covariate_features
from forecaster.models.networks import Networks
from forecaster.models.sampling import (
    noise_channels,
)
from forecaster.models.spec import (
    ATTENTIONS,
    POINT_LOSSES,
    WIRINGS,
    check_choice,
    check_loss,
)

# the decoder lives in forecaster.models.decoder; its old home still names it
__all__ = ["build_seq2seq", "Seq2SeqDecoder"]


def build_seq2seq(
    lookback: int,
    n_features: int,
    horizon: int,
    cell: str = "lstm",
    hidden_units: int = 64,
    num_layers: int = 1,
    dropout: float = 0.0,
    bidirectional: bool = False,
    wiring: str = "init_state",
    attention: str | None = None,
    context_units: int | None = None,
    window_norm: str | None = "standard",
    return_attention: bool = False,
    seed: int | None = None,
    n_future: int = 0,
    n_static: int = 0,
    static_vocab_sizes: tuple[int, ...] = (),
    loss: str = "mse",
    quantiles: tuple[float, ...] | None = None,
    return_sampler: bool = False,
    baseline_season: int | None = None,
    baseline_cycles: int = 1,
) -> Networks:
    """Build the networks of a seq2seq forecaster (see the module docstring).

    Parameters
    ----------
    lookback, n_features, horizon : int
        ``L``, ``F`` (target first) and ``H``.
    cell, hidden_units, num_layers, dropout, bidirectional, context_units
        The encoder's (dropout after each layer) and the context bottleneck's.
    wiring, attention, seed, loss, quantiles
        The decoder's, one cell (:class:`Seq2SeqDecoder`).
    window_norm, n_future, n_static, static_vocab_sizes, baseline_season
        As in :func:`~forecaster.models.many_to_one.build_many_to_one`, and
        ``baseline_cycles``; future row ``t`` feeds decoder step ``t``.
    return_attention, return_sampler : bool
        Also build ``attention`` and ``sampler`` (a probabilistic ``loss``).

    Returns
    -------
    Networks
        ``train`` also takes ``targets (B, H)`` (teacher forced); ``predict`` free.
    """
    _check_arguments(wiring, attention, loss, return_attention, return_sampler)
    # B: batch, L: lookback, F: features, H: horizon, U: hidden units
    inputs = {"history": keras.Input((lookback, n_features), name="history")}
    targets = keras.Input((horizon,), name="targets")
    x, targets_n, stats = _normalise(inputs["history"], targets, window_norm)
    baseline = (baseline_season, baseline_cycles)
    base, first, targets_n = _residuals(x, targets_n, *baseline, horizon)
    x, states = _encode(x, cell, hidden_units, num_layers, dropout, bidirectional)
    ctx, states = _context(states, hidden_units, bidirectional, wiring, context_units)
    args = (cell, hidden_units, horizon, wiring, attention, seed, loss, quantiles)
    decoder = Seq2SeqDecoder(*args, name="decoder")
    encoded = dict(encoder_outputs=x, context=ctx, states=states, first=first)
    encoded |= _covariates(inputs, horizon, n_future, n_static, static_vocab_sizes)
    io = ((stats, base), (targets, targets_n), (return_attention, return_sampler))
    return _networks(decoder, inputs, encoded, *io)


def _residuals(x, targets_n, season: int | None, cycles: int, horizon: int):
    """``(baseline (B, H) or None, first input (B, 1), targets (B, H))``: the
    decoder's view, residuals over seasonal naive when there is a season."""
    if season is None:
        return None, x[:, -1, :1], targets_n  # y_{-1}, the last observed value
    return seasonal_residuals(x, targets_n, season, horizon, cycles)


def _check_arguments(wiring, attention, loss, return_attention, return_sampler):
    """Validate the choices before any layer is built from them."""
    check_choice("wiring", wiring, WIRINGS)
    check_choice("attention", attention, ATTENTIONS)
    check_loss(loss)
    if return_attention and attention is None:
        raise ValueError("`return_attention=True` needs an `attention` mechanism.")
    if return_sampler and loss in POINT_LOSSES:
        raise ValueError(
            f"`return_sampler=True` needs a probabilistic `loss`, got {loss!r}."
        )


def _normalise(history, targets, window_norm: str | None):
    """``(x (B, L, F), targets (B, H), (loc, scale) or None)``: the window and
    the targets normalised by the window's statistics ``(B, 1)``, if any."""
    if window_norm is None:
        return history, targets, None
    x, loc, scale = WindowNormalization(window_norm, name="window_norm")(history)
    return x, (targets - loc) / scale, (loc, scale)


def _encode(x, cell: str, units: int, num_layers: int, dropout, bidirectional):
    """The stacked (bi)RNN encoder ``(B, L, F) -> (B, L, E)``, ``E`` = ``U``
    or ``2U``, and its last layer's final states (forward, then backward)."""
    for i in range(num_layers):
        last = i == num_layers - 1
        name = None if bidirectional else f"encoder_{i}"
        layer = recurrent_layer(cell, units, True, last, name=name)
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"encoder_{i}")
        out = layer(x)
        x, states = (out[0], list(out[1:])) if last else (out, [])  # (B, L, E)
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    return x, states


def _context(states: list, units: int, bidirectional, wiring, context_units):
    """The context ``(B, C)`` and the decoder's initial states ``[(B, U)]``.

    The context is the first final state; bidirectional, each state's two
    directions are concatenated (the decoder's states projected back to
    ``U``); fed at every step, it may pass a bottleneck of ``context_units``.
    """
    context = states[0]  # (B, U)
    if bidirectional:  # [fwd states..., bwd states...] -> one per state
        n = len(states) // 2
        concat = keras.layers.Concatenate
        merged = [concat()([states[j], states[n + j]]) for j in range(n)]
        context = merged[0]  # (B, 2U)
        states = [
            keras.layers.Dense(units, name=f"bridge_{j}")(s)
            for j, s in enumerate(merged)
        ]
    if wiring == "context_every_step" and context_units:
        # A linear bottleneck: the raw state adds U x gates*U decoder input
        # weights that over-fit short series (measured on elnino,
        # benchmarks/results/context_units.json).
        layer = keras.layers.Dense(context_units, name="context_projection")
        context = layer(context)  # (B, C)
    return context, states


def _covariates(inputs: dict, horizon, n_future, n_static, static_vocab_sizes):
    """Add the covariate inputs to ``inputs``; return the decoder's: ``future
    (B, H, Ff)`` and ``static (B, S)`` (as in the many-to-one family)."""
    fed = {}
    if n_future:
        inputs["future"] = keras.Input((horizon, n_future), name="future")
        fed["future"] = inputs["future"]
    if n_static or static_vocab_sizes:
        static = covariate_features(inputs, horizon, 0, n_static, static_vocab_sizes)
        many = len(static) > 1
        fed["static"] = keras.layers.Concatenate()(static) if many else static[0]
    return fed


def _decode(decoder, decoder_inputs: dict, stats, denorm):
    """Run the decoder; add back the baseline and map its forecasts back with
    the window's statistics (``stats``: ``((loc, scale) or None, baseline
    (B, H) or None)``)."""
    out = decoder(decoder_inputs)
    forecast, weights = out if decoder.attention is not None else (out, None)
    window, base = stats
    if base is not None:
        forecast = AddToLocation(denorm.loss)([forecast, base])  # (B, H[, P])
    if window is not None:
        forecast = denorm([forecast, *window])  # (B, H[, P])
    return forecast, weights


def _networks(decoder, inputs, encoded, stats, targets, extra) -> Networks:
    """The models over the one decoder: ``train``, ``predict`` and, as
    ``extra = (with_attention, with_sampler)`` asks, ``attention`` and
    ``sampler``; ``targets`` is ``(targets, normalised targets)``."""
    (targets, targets_n), (with_attention, with_sampler) = targets, extra
    name = f"seq2seq_{decoder.cell_name}"
    denorm = WindowDenormalization(decoder.loss, name="window_denorm")
    train_out, _ = _decode(decoder, {**encoded, "targets": targets_n}, stats, denorm)
    forecast, weights = _decode(decoder, encoded, stats, denorm)
    train = keras.Model({**inputs, "targets": targets}, train_out, name=name)
    predict = keras.Model(inputs, forecast, name=f"{name}_inference")
    attend = sampler = None
    if with_attention:
        attend = keras.Model(inputs, [forecast, weights], name=f"{name}_attention")
    if with_sampler:
        sampler = _sampler(decoder, inputs, encoded, stats, f"{name}_sampler")
    quantiles = tuple(decoder.quantiles or ())
    return Networks(train, predict, decoder.loss, quantiles, sampler, attend)


def _sampler(decoder, inputs, encoded, stats, name: str):
    """The ``predict`` inputs and ``noise (B, H, k)`` -> one path per row
    ``(B, H)``, each draw fed back to the decoder."""
    noise = keras.Input((decoder.horizon, noise_channels(decoder.loss)), name="noise")
    denorm = WindowDenormalization(name="path_denorm")  # paths are values
    paths, _ = _decode(decoder, {**encoded, "noise": noise}, stats, denorm)
    return keras.Model({**inputs, "noise": noise}, paths, name=name)
