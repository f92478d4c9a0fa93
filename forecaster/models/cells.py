"""LSTM cell variants, for use with :class:`keras.layers.RNN`.

Two classic variants Keras 3 does not ship: peephole connections (Gers &
Schmidhuber, 2000) and the coupled input-forget gate (CIFG) of Greff et al.
(2017), "LSTM: A Search Space Odyssey". Only ``keras.ops`` is used, so the
cells run on every Keras backend. Both are slower than
:class:`keras.layers.LSTM`: the generic RNN loop steps them, and they cannot
use the fused cuDNN kernel that ``keras.layers.LSTM`` dispatches to on GPU.
"""

from __future__ import annotations

import numbers
from typing import Any

import keras
from keras import activations, initializers, ops

__all__ = ["PeepholeLSTMCell", "CoupledLSTMCell"]


class _GatedCellBase(keras.layers.Layer):
    """Shared plumbing of the LSTM-style cells (see subclasses for arguments).

    Subclasses set ``_num_blocks`` (``units``-wide blocks in the fused kernel)
    and ``_forget_block`` (the forget gate's block, for ``unit_forget_bias``)
    and implement ``_step``.
    """

    _num_blocks: int = 4
    _forget_block: int = 1

    def __init__(
        self,
        units: int,
        activation: str | Any = "tanh",
        recurrent_activation: str | Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: str | Any = "glorot_uniform",
        recurrent_initializer: str | Any = "orthogonal",
        bias_initializer: str | Any = "zeros",
        unit_forget_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        # bool is an Integral too, but `units=True` is certainly a mistake.
        is_int = isinstance(units, numbers.Integral) and not isinstance(units, bool)
        if not is_int or units <= 0:
            raise ValueError(
                "Received an invalid value for argument `units`, "
                f"expected a positive integer, got {units}."
            )
        super().__init__(**kwargs)
        # Plain int so get_config stays JSON-serialisable for numpy ints.
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        # keras.layers.RNN reads these to allocate the (h, c) states.
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """Create the fused input, recurrent and bias weights.

        Parameters
        ----------
        input_shape : tuple of int or None
            Shape of one time step of input, ``(batch, input_dim)``.
        """
        super().build(input_shape)
        input_dim = input_shape[-1]
        width = self._num_blocks * self.units
        # One fused matmul per step for all gates is much cheaper than one
        # matmul per gate in the generic (non-cuDNN) RNN loop.
        self.kernel = self.add_weight(
            shape=(input_dim, width), initializer=self.kernel_initializer, name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width),
            initializer=self.recurrent_initializer,
            name="recurrent_kernel",
        )
        if not self.use_bias:
            self.bias = None
            return
        bias_initializer = base = self.bias_initializer
        if self.unit_forget_bias:
            units, forget = self.units, self._forget_block

            # Forget bias of 1 keeps the cell memory open early in training
            # (Jozefowicz et al., 2015); other blocks use bias_initializer.
            def bias_initializer(shape, *args, **kwargs):
                bias = base(shape, *args, **kwargs)
                in_forget = ops.equal(ops.arange(shape[0]) // units, forget)
                return ops.where(in_forget, ops.ones_like(bias), bias)

        self.bias = self.add_weight(
            shape=(width,), name="bias", initializer=bias_initializer
        )

    def _preactivations(self, inputs: Any, h_tm1: Any) -> list[Any]:
        """Return the per-block pre-activations ``W x + U h + b``."""
        z = ops.matmul(inputs, self.kernel)
        z = ops.add(z, ops.matmul(h_tm1, self.recurrent_kernel))
        if self.use_bias:
            z = ops.add(z, self.bias)
        return ops.split(z, self._num_blocks, axis=-1)

    def _step(self, z: list[Any], c_tm1: Any) -> tuple[Any, Any]:
        """Return ``(h, c)`` from the pre-activations and previous carry."""
        raise NotImplementedError

    def call(
        self, inputs: Any, states: list[Any], training: bool = False
    ) -> tuple[Any, list[Any]]:
        """Advance the cell by one time step.

        Parameters
        ----------
        inputs : tensor
            Input at this step, shape ``(batch, input_dim)``.
        states : list of tensor
            ``[h_{t-1}, c_{t-1}]``, each of shape ``(batch, units)``.
        training : bool, default False
            Unused (the cells have no dropout); part of the RNN protocol.

        Returns
        -------
        tuple
            ``(h_t, [h_t, c_t])``: output and new states, ``(batch, units)``.
        """
        h_tm1, c_tm1 = states[0], states[1]
        h, c = self._step(self._preactivations(inputs, h_tm1), c_tm1)
        return h, [h, c]

    def get_initial_state(self, batch_size: int | None = None) -> list[Any]:
        """Return zero ``[h_0, c_0]`` states, each ``(batch_size, units)``."""
        return [
            ops.zeros((batch_size, d), dtype=self.compute_dtype)
            for d in self.state_size
        ]

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as a JSON-serialisable dict."""
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
        }
        base_config = super().get_config()
        return {**base_config, **config}


@keras.saving.register_keras_serializable(package="forecaster")
class PeepholeLSTMCell(_GatedCellBase):
    """LSTM cell with diagonal peephole connections.

    Implements Gers & Schmidhuber (2000), as did Keras 2's
    ``tf.keras.experimental.PeepholeLSTMCell``. With ``*`` the element-wise
    product and ``p_i, p_f, p_o`` diagonal (per-unit) peephole weights::

        i_t = sigma(W_i x_t + U_i h_{t-1} + p_i * c_{t-1} + b_i)
        f_t = sigma(W_f x_t + U_f h_{t-1} + p_f * c_{t-1} + b_f)
        c_t = f_t * c_{t-1} + i_t * tanh(W_c x_t + U_c h_{t-1} + b_c)
        o_t = sigma(W_o x_t + U_o h_{t-1} + p_o * c_t + b_o)
        h_t = o_t * tanh(c_t)

    The fused ``kernel``/``recurrent_kernel``/``bias`` use the Keras gate
    order ``(i, f, c, o)``, so with zero peephole weights the cell equals
    :class:`keras.layers.LSTMCell` given the same weights. Wrap it in
    :class:`keras.layers.RNN`; it is slower than :class:`keras.layers.LSTM`
    because it cannot use the fused cuDNN kernel.

    Parameters
    ----------
    units : int
        Positive dimensionality of the hidden and cell states.
    activation : str or callable, default "tanh"
        Activation of the candidate and of the output squashing.
    recurrent_activation : str or callable, default "sigmoid"
        Activation of the gates.
    use_bias : bool, default True
        Whether to add a bias vector.
    kernel_initializer, recurrent_initializer, bias_initializer : str or initializer
        Initializers of ``kernel`` ``(input_dim, 4 * units)``, ``recurrent_kernel``
        ``(units, 4 * units)`` and ``bias`` ``(4 * units,)``; by default
        ``"glorot_uniform"``, ``"orthogonal"`` and ``"zeros"``.
    unit_forget_bias : bool, default True
        If True, initialise the forget-gate bias to one.
    peephole_initializer : str or initializer, default "glorot_uniform"
        Initializer of the three ``(units,)`` peephole weight vectors
        (Keras 2 reused ``kernel_initializer``, whose default is the same).
    **kwargs
        Passed to :class:`keras.layers.Layer`.
    """

    _num_blocks = 4
    _forget_block = 1

    def __init__(
        self,
        units: int,
        *args: Any,
        peephole_initializer: str | Any = "glorot_uniform",
        **kwargs: Any,
    ) -> None:
        super().__init__(units, *args, **kwargs)
        self.peephole_initializer = initializers.get(peephole_initializer)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """Create the LSTM weights plus the three peephole vectors."""
        super().build(input_shape)
        # Diagonal peepholes: one weight per unit, so a cell only sees its
        # own carry (as in Gers & Schmidhuber), not the whole carry vector.
        init = self.peephole_initializer
        for gate in ("input", "forget", "output"):
            name = f"{gate}_peephole"
            weight = self.add_weight(shape=(self.units,), initializer=init, name=name)
            setattr(self, name, weight)

    def _step(self, z: list[Any], c_tm1: Any) -> tuple[Any, Any]:
        z_i, z_f, z_c, z_o = z
        i = self.recurrent_activation(z_i + self.input_peephole * c_tm1)
        f = self.recurrent_activation(z_f + self.forget_peephole * c_tm1)
        c = f * c_tm1 + i * self.activation(z_c)
        # The output gate peeks at the *new* carry c_t, per the 2000 paper.
        o = self.recurrent_activation(z_o + self.output_peephole * c)
        return o * self.activation(c), c

    def get_config(self) -> dict[str, Any]:
        """Return the constructor arguments as a JSON-serialisable dict."""
        init = initializers.serialize(self.peephole_initializer)
        return {**super().get_config(), "peephole_initializer": init}


@keras.saving.register_keras_serializable(package="forecaster")
class CoupledLSTMCell(_GatedCellBase):
    """LSTM cell with a coupled input-forget gate (CIFG).

    The input gate is tied to the forget gate, ``i_t = 1 - f_t``, as in the
    CIFG variant of Greff et al. (2017), "LSTM: A Search Space Odyssey",
    who found it performs on par with the vanilla LSTM with a quarter fewer
    weights. No peepholes are used::

        f_t = sigma(W_f x_t + U_f h_{t-1} + b_f)
        c_t = f_t * c_{t-1} + (1 - f_t) * tanh(W_c x_t + U_c h_{t-1} + b_c)
        o_t = sigma(W_o x_t + U_o h_{t-1} + b_o)
        h_t = o_t * tanh(c_t)

    The fused weights hold three blocks in the order ``(f, c, o)`` (the
    Keras ``(i, f, c, o)`` order with ``i`` dropped), so ``kernel`` is
    ``(input_dim, 3 * units)``. ``recurrent_activation`` should map into
    ``[0, 1]`` (the default sigmoid does) for ``1 - f_t`` to be a gate.
    Wrap it in :class:`keras.layers.RNN`; it is slower than
    :class:`keras.layers.LSTM` because it cannot use the fused cuDNN kernel.

    Parameters
    ----------
    units : int
        Positive dimensionality of the hidden and cell states.
    activation : str or callable, default "tanh"
        Activation of the candidate and of the output squashing.
    recurrent_activation : str or callable, default "sigmoid"
        Activation of the gates.
    use_bias : bool, default True
        Whether to add a bias vector.
    kernel_initializer, recurrent_initializer, bias_initializer : str or initializer
        Initializers of ``kernel`` ``(input_dim, 3 * units)``, ``recurrent_kernel``
        ``(units, 3 * units)`` and ``bias`` ``(3 * units,)``; by default
        ``"glorot_uniform"``, ``"orthogonal"`` and ``"zeros"``.
    unit_forget_bias : bool, default True
        If True, initialise the forget-gate bias to one.
    **kwargs
        Passed to :class:`keras.layers.Layer`.
    """

    _num_blocks = 3
    _forget_block = 0

    def _step(self, z: list[Any], c_tm1: Any) -> tuple[Any, Any]:
        z_f, z_c, z_o = z
        f = self.recurrent_activation(z_f)
        # Coupling: new content is written exactly where old is forgotten.
        c = f * c_tm1 + (1.0 - f) * self.activation(z_c)
        o = self.recurrent_activation(z_o)
        return o * self.activation(c), c
