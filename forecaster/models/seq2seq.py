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

:func:`build_seq2seq` returns a training and an inference model (no
``targets`` input) sharing every layer, and the sampler on request. The
step loop is one ``keras.ops.scan`` (one graph: exports, runs under XLA and
on GPU); only ``keras.layers`` and ``keras.ops``, so the models run on any
Keras backend.
"""

from __future__ import annotations

import keras
from keras import ops

from forecaster.models.attention import SCORES, Seq2SeqAttention
from forecaster.models.heads import HeadDenormalization
from forecaster.models.layers import CELLS, recurrent_layer
from forecaster.models.layers import WindowDenormalization as Denorm
from forecaster.models.layers import WindowNormalization as Norm
from forecaster.models.networks import Networks
from forecaster.models.sampling import (
    draw,
    noise_channels,
    point_value,
    step_parameterisation,
)
from forecaster.models.spec import POINT_LOSSES, check_loss, head_size

__all__ = [
    "WIRINGS",
    "ATTENTIONS",
    "build_seq2seq",
    "recurrent_cell",
    "Seq2SeqAttention",
    "Seq2SeqDecoder",
]

WIRINGS = ("init_state", "context_every_step")
ATTENTIONS = (None, *SCORES)


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected one of "
            f"{choices}, got {value!r}."
        )


def recurrent_cell(cell: str, units: int, name: str | None = None):
    """The one-step cell (``call(x, states) -> (h, new_states)``) of ``cell``,
    the one that :func:`recurrent_layer` loops for the same name."""
    from forecaster.models.cells import CoupledLSTMCell, PeepholeLSTMCell

    _check_choice("cell", cell, CELLS)
    return {
        "lstm": keras.layers.LSTMCell,
        "gru": keras.layers.GRUCell,  # reset_after=True, as the cuDNN GRU
        "rnn": keras.layers.SimpleRNNCell,
        "peephole_lstm": PeepholeLSTMCell,
        "coupled_lstm": CoupledLSTMCell,
    }[cell](units, name=name)


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
    (a non-trainable weight set by
    :class:`forecaster.estimators.training.ScheduledSampling`), with no
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
        _check_choice("wiring", wiring, WIRINGS)
        _check_choice("attention", attention, ATTENTIONS)
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
        # P: parameters per step (1 for a point loss), k: noise channels
        enc = inputs["encoder_outputs"]  # (B, L, E)
        context = inputs["context"]  # (B, C)
        states = list(inputs["states"])  # [(B, U), ...]
        first = inputs["first"]  # (B, 1)
        targets = inputs.get("targets")  # (B, H) or None
        static = inputs.get("static")  # (B, S) or None
        future = inputs.get("future")  # (B, H, Ff) or None
        noise = inputs.get("noise")  # (B, H, k) or None: sample paths
        teacher_forced = bool(training) and targets is not None and noise is None
        if teacher_forced:
            prev_true = ops.concatenate([first, targets[:, :-1]], axis=1)  # (B, H)
            prev_true = ops.transpose(prev_true)[:, :, None]  # (H, B, 1)
            coins = keras.random.uniform(ops.shape(prev_true), seed=self.seed_generator)
            p = ops.cast(self.sampling_probability, coins.dtype)  # mixed precision
            use_truth = coins >= p  # (H, B, 1)
        else:
            prev_true = ops.repeat(first[None], self.horizon, axis=0)  # (H, B, 1)
            use_truth = ops.zeros_like(prev_true, dtype="bool")  # (H, B, 1)
        attend = self.attention_layer is not None
        keys = self.attention_layer.project_keys(enc) if attend else None
        xs = [prev_true, use_truth]  # what changes per step
        if noise is not None:
            xs.append(ops.transpose(noise, (1, 0, 2)))  # (H, B, k)
        if future is not None:
            xs.append(ops.transpose(future, (1, 0, 2)))  # (H, B, Ff)
        fixed = [context] if self._context_every_step else []  # fed at every step
        fixed += [] if static is None else [static]  # (B, C), (B, S)

        def step(carry, xs):
            prev_pred, step_states = carry[0], carry[3:]  # (B, 1), [(B, U)]
            truth, take_truth, rest = xs[0], xs[1], xs[2:]  # (B, 1), (B, 1)
            step_noise, rest = (rest[0], rest[1:]) if noise is not None else (0, rest)
            if teacher_forced:
                prev_pred = ops.stop_gradient(prev_pred)
            x = [ops.where(take_truth, truth, prev_pred), *rest, *fixed]
            x = ops.concatenate(x, axis=-1) if len(x) > 1 else x[0]  # (B, 1 + ...)
            h, new_states = self.cell(x, list(step_states), training=training)
            weights = carry[2]  # (B, L)
            if attend:
                attn, weights = self.attention_layer([h, enc, keys])  # (B, E)
                h = ops.concatenate([h, attn], axis=-1)  # (B, U + E)
            out = fed = self.projection(h)  # (B, P)
            if self.params_layer is not None:
                out = self.params_layer(out)  # (B, P) parameters, float32
                fed = (
                    draw(out, step_noise, self.loss, self.quantiles)
                    if noise is not None
                    else point_value(out, self.loss, self.quantiles)
                )  # (B, 1): a draw or the point forecast is the next input
                fed = ops.cast(fed, prev_pred.dtype)
            new_carry = [fed, out, weights, *new_states]
            return new_carry, new_carry

        # Keras's TensorFlow scan stacks outputs shaped like the carry, so the
        # carry holds every per-step output: value fed back, head outputs,
        # weights, states.
        out0 = first
        if self.params_layer is not None:  # (B, P) float32 zeros
            out0 = ops.repeat(
                ops.cast(ops.zeros_like(first), "float32"), self.n_params, 1
            )
        init = [first, out0, ops.zeros_like(enc[:, :, 0]), *states]
        _, stacked = ops.scan(step, init, xs=xs, length=self.horizon)
        if noise is not None or self.params_layer is None:
            forecast = ops.transpose(stacked[0][:, :, 0])  # (B, H) fed values
        else:
            forecast = ops.transpose(stacked[1], (1, 0, 2))  # (B, H, P)
        if not attend:
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
    """Build the training, inference (and sampler) networks of a seq2seq forecaster.

    Parameters
    ----------
    lookback, n_features, horizon : int
        ``L``, ``F`` (target first) and ``H``.
    cell : str
        Cell of the encoder and the decoder (see ``recurrent_layer``).
    hidden_units, num_layers : int
        Width of every layer; depth of the encoder (the decoder is one cell).
    dropout : float
        Dropout after each encoder layer (never inside the decoder loop).
    bidirectional : bool
        The states of both directions are concatenated, then projected (one
        dense layer per state) to initialise the decoder.
    wiring, attention, seed
        See :class:`Seq2SeqDecoder`.
    context_units : int or None
        With ``wiring="context_every_step"``, the context fed at every step is
        a learned linear projection of the encoder's final state to this
        width (a bottleneck); ``None`` feeds the state itself.
    window_norm : {"standard", "mean", None}
        Per-window normalisation; the decoder works in the normalised space.
    return_attention : bool
        Also build the attention network, which outputs the forecasts and the
        attention weights ``(B, H, L)``.
    n_future : int
        Future-known channels (input ``future`` ``(B, H, n_future)``), fed to
        the decoder at their step.
    n_static, static_vocab_sizes
        Static inputs as in ``many_to_one.covariate_features``, fed to the
        decoder at every step.
    loss, quantiles
        The decoder's head (see :class:`Seq2SeqDecoder`): the outputs are
        ``(B, H)`` for a point loss, else ``(B, H, P)`` as
        :func:`~forecaster.models.heads.output_head`'s.
    return_sampler : bool
        Also return the sampler (``quantile`` / ``normal`` / ``student_t``).

    Returns
    -------
    Networks
        ``train``: dict inputs ``history`` ``(B, L, F)``, ``targets``
        ``(B, H)`` and the covariates, output ``(B, H[, P])``, teacher forced
        when called with ``training=True``, free running otherwise.
        ``predict``: the same inputs but ``targets``, output ``(B, H[, P])``.
        ``attention`` (with ``return_attention``): ``[forecasts, weights]``.
        ``sampler`` (with ``return_sampler``): the inference inputs plus
        ``noise`` ``(B, H, k)`` (see
        :func:`~forecaster.models.sampling.draw_noise`), output one sampled
        path per row ``(B, H)``, each draw fed back to the decoder.

    Examples
    --------
    >>> nets = build_seq2seq(lookback=8, n_features=1, horizon=3, hidden_units=4)
    >>> nets.train.output_shape, nets.predict.output_shape
    ((None, 3), (None, 3))
    """
    _check_choice("wiring", wiring, WIRINGS)
    _check_choice("attention", attention, ATTENTIONS)
    if return_attention and attention is None:
        raise ValueError("`return_attention=True` needs an `attention` mechanism.")
    if return_sampler and check_loss(loss) in POINT_LOSSES:
        raise ValueError(
            f"`return_sampler=True` needs a probabilistic `loss`, got {loss!r}."
        )
    # B: batch, L: lookback, F: features, H: horizon, U: hidden units
    inputs = {"history": keras.Input((lookback, n_features), name="history")}
    targets = keras.Input((horizon,), name="targets")
    x, targets_n = inputs["history"], targets
    if window_norm is not None:
        x, loc, scale = Norm(window_norm, name="window_norm")(x)
        targets_n = (targets - loc) / scale  # (B, H)
    first = x[:, -1, :1]  # (B, 1): y_{-1}, the last observed value

    for i in range(num_layers):
        last = i == num_layers - 1
        name = None if bidirectional else f"encoder_{i}"
        layer = recurrent_layer(cell, hidden_units, True, last, name=name)
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=f"encoder_{i}")
        out = layer(x)
        x, states = (out[0], list(out[1:])) if last else (out, [])
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout_{i}")(x)
    if bidirectional:  # [fwd states..., bwd states...] -> one per state
        n = len(states) // 2
        concat = keras.layers.Concatenate
        merged = [concat()([states[j], states[n + j]]) for j in range(n)]
        context = merged[0]  # (B, 2U)
        states = [
            keras.layers.Dense(hidden_units, name=f"bridge_{j}")(s)
            for j, s in enumerate(merged)
        ]
    else:
        context = states[0]  # (B, U)
    if wiring == "context_every_step" and context_units:
        # A linear bottleneck on the context fed at every step: the raw state
        # adds U x gates*U decoder input weights that over-fit short series
        # (measured on elnino, benchmarks/results/context_units.json).
        context = keras.layers.Dense(context_units, name="context_projection")(
            context
        )  # (B, C)

    decoder = Seq2SeqDecoder(
        cell,
        hidden_units,
        horizon,
        wiring,
        attention,
        seed,
        loss,
        quantiles,
        name="decoder",
    )
    encoded = dict(encoder_outputs=x, context=context, states=states, first=first)
    if n_future:
        inputs["future"] = keras.Input((horizon, n_future), name="future")
        encoded["future"] = inputs["future"]
    if n_static or static_vocab_sizes:
        from forecaster.models.many_to_one import covariate_features

        static = covariate_features(inputs, horizon, 0, n_static, static_vocab_sizes)
        many = len(static) > 1
        encoded["static"] = keras.layers.Concatenate()(static) if many else static[0]
    point = loss in POINT_LOSSES
    denorm = Denorm(name="window_denorm") if point else HeadDenormalization(loss)

    def decode(decoder_inputs, denorm=denorm):  # the same layers for every model
        out = decoder(decoder_inputs)
        forecast, weights = out if attention is not None else (out, None)
        if window_norm is not None:
            forecast = denorm([forecast, loc, scale])  # (B, H[, P])
        return forecast, weights

    train_out, _ = decode({**encoded, "targets": targets_n})
    forecast, weights = decode(encoded)
    name = f"seq2seq_{cell}"
    train = keras.Model({**inputs, "targets": targets}, train_out, name=name)
    infer = keras.Model(inputs, forecast, name=f"{name}_inference")
    attend = None
    if return_attention:
        attend = keras.Model(inputs, [forecast, weights], name=f"{name}_attention")
    sampler = None
    if return_sampler:
        noise = keras.Input((horizon, noise_channels(loss)), name="noise")
        paths, _ = decode({**encoded, "noise": noise}, Denorm(name="path_denorm"))
        sampler = keras.Model({**inputs, "noise": noise}, paths, name=f"{name}_sampler")
    return Networks(
        train=train,
        predict=infer,
        loss=loss,
        quantiles=tuple(quantiles or ()),
        sampler=sampler,
        attention=attend,
    )
