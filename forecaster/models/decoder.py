"""The seq2seq decoder: one cell stepped over the horizon in a ``keras.ops.scan``.

Teacher forcing in training, free running at inference, scheduled sampling
between the two, attention over the encoder outputs and, for probabilistic
heads, sampled paths (:mod:`forecaster.models.sampling`). Built by
:func:`forecaster.models.seq2seq.build_seq2seq`; only ``keras.layers`` and
``keras.ops``.
"""

from __future__ import annotations

from functools import partial

import keras
from keras import ops

from forecaster.models.attention import Seq2SeqAttention
from forecaster.models.layers import recurrent_cell
from forecaster.models.sampling import (
    draw,
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

__all__ = ["Seq2SeqDecoder"]


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
