"""The encoder-decoder (seq2seq) family: teacher forcing, free running, attention.

``history (B, L, F) -> [window norm] -> stacked (bi)RNN encoder -> context ->
decoder stepped H times -> (B, H) -> [window denorm]`` (Sutskever et al.
2014; Cho et al. 2014). The encoder's final state, the context vector,
initialises the decoder (``wiring="init_state"``) and is also fed to it at
every step with ``wiring="context_every_step"``, optionally through a learned
linear bottleneck (``context_units``). The decoder's input at step
``t`` is the previous value: the true ``y_{t-1}`` in training (teacher
forcing), its own prediction at inference (free running); ``y_{-1}`` is the
window's last value. The decoder works in the window-normalised space.

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

from functools import partial

import keras
from keras import ops

from forecaster.models.attention import Seq2SeqAttention
from forecaster.models.layers import (
    WindowDenormalization,
    WindowNormalization,
    recurrent_cell,
    recurrent_layer,
)
from forecaster.models.many_to_one import covariate_features
from forecaster.models.networks import Networks
from forecaster.models.sampling import (
    draw,
    noise_channels,
    point_value,
    step_parameterisation,
)
from forecaster.models.spec import (
    ATTENTIONS,
    POINT_LOSSES,
    WIRINGS,
    check_choice,
    check_loss,
    head_size,
)

__all__ = ["build_seq2seq", "Seq2SeqDecoder"]


@keras.saving.register_keras_serializable(package="forecaster")
class Seq2SeqDecoder(keras.layers.Layer):
    """A recurrent decoder stepped over the horizon with ``keras.ops.scan``.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm"}
    units, horizon : int
        Width of the state (the initial states must match it); steps ``H``.
    wiring : {"init_state", "context_every_step"}
        The context is also concatenated to the input at every step or not.
    attention : {None, "bahdanau", "luong"}
        Attention over the encoder outputs, whose context is concatenated to
        the cell's output before the projection; the weights ``(B, H, L)``
        are then a second output.
    seed : int, optional
        Seed of the scheduled-sampling coin flips.
    loss : str, default "mse"
        A point loss projects each step to one value; ``quantile``,
        ``normal`` and ``student_t`` to the step's ``P`` parameters (as
        :func:`~forecaster.models.heads.output_head`), the output then being
        ``(B, H, P)`` and the value fed back
        :func:`~forecaster.models.sampling.point_value` (loc or median).
    quantiles : sequence of float, optional
        The levels of ``loss="quantile"``.

    Call with a dict, all in the normalised space: ``encoder_outputs (B, L,
    E)``, ``context (B, C)``, ``states`` (initial states, each ``(B, U)``),
    ``first (B, 1)`` (``y_{-1}``), ``targets (B, H)`` for teacher forcing
    and, optionally, ``future (B, H, Ff)`` (row ``t`` fed at step ``t``) and
    ``static (B, S)``. Targets are used only when ``training`` is true;
    otherwise (inference, validation) the decoder runs free. With ``noise
    (B, H, k)`` (probabilistic losses, see
    :func:`~forecaster.models.sampling.draw_noise`) it samples instead: each
    step's draw is fed back and the output is the sampled paths ``(B, H)``.

    Scheduled sampling: in training, per sample and step, the previous
    prediction replaces the truth with probability ``sampling_probability``
    (a non-trainable weight that the training loop's scheduled-sampling
    callback sets each epoch), with no
    gradient through the fed-back prediction (Bengio et al., 2015).
    """

    def __init__(
        self,
        cell: str = "lstm",
        units: int = 64,
        horizon: int = 1,
        wiring: str = "init_state",
        attention: str | None = None,
        seed: int | None = None,
        loss: str = "mse",
        quantiles=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # The scan over horizon steps uses a dynamic tensor list that XLA
        # cannot compile; jit_compile="auto" would otherwise fail on GPUs.
        self.supports_jit = False
        check_choice("wiring", wiring, WIRINGS)
        check_choice("attention", attention, ATTENTIONS)
        self.cell_name = cell
        self.units = int(units)
        self.horizon = int(horizon)
        self.wiring = wiring
        self.attention = attention
        self.seed = seed
        self.loss = check_loss(loss)
        self.quantiles = None if quantiles is None else tuple(quantiles)
        self.params_layer = step_parameterisation(loss, quantiles, name="params")
        self.cell = recurrent_cell(cell, self.units, name="cell")
        self.attention_layer = attention and Seq2SeqAttention(
            attention, self.units, name="attention"
        )
        self.n_params = 1 if loss in POINT_LOSSES else head_size(loss, quantiles)
        self.projection = keras.layers.Dense(self.n_params, name="projection")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self._context_every_step = wiring == "context_every_step"

    def build(self, input_shape):
        enc_shape = input_shape["encoder_outputs"]
        fed = ["future", "static"] + ["context"] * self._context_every_step
        step_dim = 1 + sum(input_shape[k][-1] for k in fed if k in input_shape)
        self.cell.build((None, step_dim))
        features = self.units
        if self.attention_layer is not None:
            self.attention_layer.build([(None, self.units), enc_shape])
            features += enc_shape[-1]
        self.projection.build((None, features))
        if self.params_layer is not None:
            self.params_layer.build((None, self.n_params))
        self.sampling_probability = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="sampling_probability"
        )

    def call(self, inputs, training=None):
        # B: batch, L: lookback, H: horizon, U: units, E: encoder width,
        # C: context, S: static, P: parameters per step (1 for a point loss)
        enc = inputs["encoder_outputs"]  # (B, L, E)
        sampling = inputs.get("noise") is not None  # draws fed back: paths
        forced = bool(training) and inputs.get("targets") is not None and not sampling
        xs = self._per_step_inputs(inputs, forced)  # [(H, B, .), ...]
        attend = self.attention_layer is not None
        keys = self.attention_layer.project_keys(enc) if attend else None
        fixed = [inputs["context"]] if self._context_every_step else []  # (B, C)
        fixed += [inputs["static"]] if inputs.get("static") is not None else []
        constants = dict(enc=enc, keys=keys, fixed=fixed, training=training)
        step = partial(self._step, sampling=sampling, forced=forced, **constants)
        init = self._initial_carry(inputs["first"], enc, list(inputs["states"]))
        _, stacked = ops.scan(step, init, xs=xs, length=self.horizon)
        return self._outputs(stacked, sampling)

    def _per_step_inputs(self, inputs: dict, forced: bool) -> list:
        """What changes per step, time-major ``(H, B, .)``: the true previous
        value, whether to feed it (the scheduled-sampling coin), then the
        rows of ``noise`` and ``future`` if given."""
        # B: batch, H: horizon, k: noise channels, Ff: future channels
        first = inputs["first"]  # (B, 1)
        if forced:
            prev_true = ops.concatenate([first, inputs["targets"][:, :-1]], axis=1)
            prev_true = ops.transpose(prev_true)[:, :, None]  # (H, B, 1)
            coins = keras.random.uniform(ops.shape(prev_true), seed=self.seed_generator)
            p = ops.cast(self.sampling_probability, coins.dtype)  # mixed precision
            use_truth = coins >= p  # (H, B, 1)
        else:
            prev_true = ops.repeat(first[None], self.horizon, axis=0)  # (H, B, 1)
            use_truth = ops.zeros_like(prev_true, dtype="bool")  # (H, B, 1)
        xs = [prev_true, use_truth]
        for name in ("noise", "future"):  # (B, H, k), (B, H, Ff) -> (H, B, .)
            if inputs.get(name) is not None:
                xs.append(ops.transpose(inputs[name], (1, 0, 2)))
        return xs

    def _initial_carry(self, first, enc, states: list) -> list:
        """The scan's first carry: ``[fed (B, 1), out (B, P), weights (B, L),
        *states]``. Keras's TensorFlow scan stacks outputs shaped like the
        carry, so the carry holds every per-step output."""
        out0 = first  # (B, 1)
        if self.params_layer is not None:  # (B, P) float32 zeros
            out0 = ops.cast(ops.zeros_like(first), "float32")
            out0 = ops.repeat(out0, self.n_params, 1)
        return [first, out0, ops.zeros_like(enc[:, :, 0]), *states]

    def _step(self, carry, xs, *, enc, keys, fixed, sampling, forced, training):
        """One decoder step: input, cell, attention, projection, feedback."""
        # B: batch, L: lookback, U: units, E: encoder width, P: parameters
        prev_pred, weights, states = carry[0], carry[2], carry[3:]  # (B, 1), (B, L)
        truth, take_truth, rest = xs[0], xs[1], xs[2:]  # (B, 1), (B, 1)
        step_noise, rest = (rest[0], rest[1:]) if sampling else (None, rest)
        if forced:  # no gradient through the fed-back prediction
            prev_pred = ops.stop_gradient(prev_pred)
        x = [ops.where(take_truth, truth, prev_pred), *rest, *fixed]
        x = ops.concatenate(x, axis=-1) if len(x) > 1 else x[0]  # (B, 1 + ...)
        h, new_states = self.cell(x, list(states), training=training)  # (B, U)
        if self.attention_layer is not None:
            attn, weights = self.attention_layer([h, enc, keys])  # (B, E), (B, L)
            h = ops.concatenate([h, attn], axis=-1)  # (B, U + E)
        out = fed = self.projection(h)  # (B, P)
        if self.params_layer is not None:
            out = self.params_layer(out)  # (B, P) parameters, float32
            fed = self._feedback(out, step_noise, prev_pred.dtype)  # (B, 1)
        new_carry = [fed, out, weights, *new_states]
        return new_carry, new_carry

    def _feedback(self, params, noise, dtype):
        """The next step's input from a step's parameters ``(B, P) -> (B, 1)``:
        a draw of ``noise`` when sampling, else the point forecast."""
        if noise is not None:
            fed = draw(params, noise, self.loss, self.quantiles)
        else:
            fed = point_value(params, self.loss, self.quantiles)
        return ops.cast(fed, dtype)

    def _outputs(self, stacked: list, sampling: bool):
        """The stacked carries ``(H, B, .)`` -> forecasts (and weights)."""
        # B: batch, H: horizon, L: lookback, P: parameters per step
        if sampling or self.params_layer is None:
            forecast = ops.transpose(stacked[0][:, :, 0])  # (B, H) fed values
        else:
            forecast = ops.transpose(stacked[1], (1, 0, 2))  # (B, H, P)
        if self.attention_layer is None:
            return forecast
        return forecast, ops.transpose(stacked[2], (1, 0, 2))  # (B, H, L)

    def compute_output_shape(self, input_shape):
        b, lookback = input_shape["encoder_outputs"][:2]
        out = (b, self.horizon)
        if self.params_layer is not None and "noise" not in input_shape:
            out = (b, self.horizon, self.n_params)
        if self.attention_layer is None:
            return out
        return out, (b, self.horizon, lookback)

    def get_config(self):
        return {
            **super().get_config(),
            "cell": self.cell_name,
            "units": self.units,
            "horizon": self.horizon,
            "wiring": self.wiring,
            "attention": self.attention,
            "seed": self.seed,
            "loss": self.loss,
            "quantiles": None if self.quantiles is None else list(self.quantiles),
        }


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
) -> Networks:
    """Build the networks of a seq2seq forecaster (see the module docstring).

    Parameters
    ----------
    lookback, n_features, horizon : int
        ``L``, ``F`` (target first) and ``H``.
    cell, hidden_units, num_layers, dropout, bidirectional
        The encoder's, with dropout after each layer; the decoder is one cell.
    wiring, attention, seed, loss, quantiles
        The decoder's: see :class:`Seq2SeqDecoder`.
    context_units : int or None
        Width of a linear bottleneck on the context fed at every step.
    window_norm, n_future, n_static, static_vocab_sizes
        As in :func:`~forecaster.models.many_to_one.build_many_to_one`; the
        decoder sees ``future`` row ``t`` at step ``t``, ``static`` at all.
    return_attention, return_sampler : bool
        Also build ``attention`` and ``sampler`` (a probabilistic ``loss``).

    Returns
    -------
    Networks
        ``train`` takes ``targets (B, H)`` too, teacher forced under
        ``training=True``; ``predict`` runs free.
    """
    _check_arguments(wiring, attention, loss, return_attention, return_sampler)
    # B: batch, L: lookback, F: features, H: horizon, U: hidden units
    inputs = {"history": keras.Input((lookback, n_features), name="history")}
    targets = keras.Input((horizon,), name="targets")
    x, targets_n, stats = _normalise(inputs["history"], targets, window_norm)
    first = x[:, -1, :1]  # (B, 1): y_{-1}, the last observed value
    x, states = _encode(x, cell, hidden_units, num_layers, dropout, bidirectional)
    ctx, states = _context(states, hidden_units, bidirectional, wiring, context_units)
    args = (cell, hidden_units, horizon, wiring, attention, seed, loss, quantiles)
    decoder = Seq2SeqDecoder(*args, name="decoder")
    encoded = dict(encoder_outputs=x, context=ctx, states=states, first=first)
    encoded |= _covariates(inputs, horizon, n_future, n_static, static_vocab_sizes)
    extra = (return_attention, return_sampler)
    return _networks(decoder, inputs, encoded, stats, (targets, targets_n), extra)


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
    """Run the decoder; map its forecasts back with the window's ``stats``."""
    out = decoder(decoder_inputs)
    forecast, weights = out if decoder.attention is not None else (out, None)
    if stats is not None:
        forecast = denorm([forecast, *stats])  # (B, H[, P])
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
