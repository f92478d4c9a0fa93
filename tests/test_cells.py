"""Tests for the custom LSTM cells in forecaster.models.cells."""

import json

import keras
import numpy as np
import pytest

from forecaster.models.cells import CoupledLSTMCell, PeepholeLSTMCell

BATCH, INPUT_DIM, UNITS, TIME = 3, 4, 5, 7
CELLS = [PeepholeLSTMCell, CoupledLSTMCell]


# --- NumPy reference implementations, written from the papers' equations ----


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _peephole_ref(x, h, c, w):
    """One Gers & Schmidhuber (2000) step; gate order (i, f, c, o)."""
    z = x @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"]
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    i = _sigmoid(z_i + w["input_peephole"] * c)
    f = _sigmoid(z_f + w["forget_peephole"] * c)
    c_new = f * c + i * np.tanh(z_c)
    o = _sigmoid(z_o + w["output_peephole"] * c_new)
    return o * np.tanh(c_new), c_new, {"i": i, "f": f}


def _coupled_ref(x, h, c, w):
    """One CIFG step (Greff et al. 2017), gate order (f, c, o), i = 1 - f."""
    z = x @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"]
    z_f, z_c, z_o = np.split(z, 3, axis=-1)
    f = _sigmoid(z_f)
    i = 1.0 - f
    c_new = f * c + i * np.tanh(z_c)
    o = _sigmoid(z_o)
    return o * np.tanh(c_new), c_new, {"i": i, "f": f}


REFERENCE = {PeepholeLSTMCell: _peephole_ref, CoupledLSTMCell: _coupled_ref}
NUM_BLOCKS = {PeepholeLSTMCell: 4, CoupledLSTMCell: 3}


def _random_weights(cls, rng, input_dim=INPUT_DIM, units=UNITS):
    k = NUM_BLOCKS[cls] * units
    w = {
        "kernel": rng.normal(0, 0.5, (input_dim, k)),
        "recurrent_kernel": rng.normal(0, 0.5, (units, k)),
        "bias": rng.normal(0, 0.5, (k,)),
    }
    if cls is PeepholeLSTMCell:
        for gate in ("input", "forget", "output"):
            w[f"{gate}_peephole"] = rng.normal(0, 0.5, (units,))
    return {name: v.astype("float32") for name, v in w.items()}


def _built_cell(cls, weights, input_dim=INPUT_DIM):
    cell = cls(UNITS)
    cell.build((None, input_dim))
    for name, value in weights.items():
        getattr(cell, name).assign(value)
    return cell


def _random_state(rng, *shape):
    return rng.uniform(-1, 1, shape).astype("float32")


@pytest.mark.parametrize("cls", CELLS)
def test_single_step_matches_numpy_reference(cls):
    rng = np.random.default_rng(0)
    weights = _random_weights(cls, rng)
    cell = _built_cell(cls, weights)
    x = _random_state(rng, BATCH, INPUT_DIM)
    h0, c0 = _random_state(rng, BATCH, UNITS), _random_state(rng, BATCH, UNITS)

    out, (h, c) = cell(x, [h0, c0])
    h_ref, c_ref, _ = REFERENCE[cls](x, h0, c0, weights)

    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), h_ref, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(h), h_ref, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(c), c_ref, atol=1e-5)


@pytest.mark.parametrize("cls", CELLS)
def test_weight_shapes_and_forget_bias(cls):
    cell = cls(UNITS)
    cell.build((None, INPUT_DIM))
    k = NUM_BLOCKS[cls] * UNITS
    assert tuple(cell.kernel.shape) == (INPUT_DIM, k)
    assert tuple(cell.recurrent_kernel.shape) == (UNITS, k)
    bias = cell.bias.numpy()
    forget = 1 if cls is PeepholeLSTMCell else 0
    expected = np.zeros(k, dtype="float32")
    expected[forget * UNITS : (forget + 1) * UNITS] = 1.0
    np.testing.assert_array_equal(bias, expected)
    assert cell.state_size == [UNITS, UNITS] and cell.output_size == UNITS
    if cls is PeepholeLSTMCell:
        names = {"input_peephole", "forget_peephole", "output_peephole"}
        assert names <= {v.path.split("/")[-1] for v in cell.weights}
        assert tuple(cell.output_peephole.shape) == (UNITS,)


def test_peephole_with_zero_peepholes_equals_keras_lstm_cell():
    rng = np.random.default_rng(1)
    weights = _random_weights(PeepholeLSTMCell, rng)
    for gate in ("input", "forget", "output"):
        weights[f"{gate}_peephole"][:] = 0.0
    cell = _built_cell(PeepholeLSTMCell, weights)
    ref = keras.layers.LSTMCell(UNITS)
    ref.build((None, INPUT_DIM))
    ref.set_weights([weights["kernel"], weights["recurrent_kernel"], weights["bias"]])
    x = _random_state(rng, BATCH, INPUT_DIM)
    states = [_random_state(rng, BATCH, UNITS), _random_state(rng, BATCH, UNITS)]

    _, (h, c) = cell(x, states)
    _, (h_k, c_k) = ref(x, states)

    np.testing.assert_allclose(*map(keras.ops.convert_to_numpy, (h, h_k)), atol=1e-6)
    np.testing.assert_allclose(*map(keras.ops.convert_to_numpy, (c, c_k)), atol=1e-6)


def test_coupled_input_gate_is_one_minus_forget():
    rng = np.random.default_rng(2)
    weights = _random_weights(CoupledLSTMCell, rng)
    x = _random_state(rng, BATCH, INPUT_DIM)
    h0, c0 = _random_state(rng, BATCH, UNITS), _random_state(rng, BATCH, UNITS)
    _, c_ref, gates = _coupled_ref(x, h0, c0, weights)
    np.testing.assert_allclose(gates["i"] + gates["f"], 1.0, atol=1e-12)

    # The cell's carry must lie on the segment between c_{t-1} and the
    # candidate, weighted by (f, 1 - f): recover f from the cell's output.
    cell = _built_cell(CoupledLSTMCell, weights)
    _, (_, c) = cell(x, [h0, c0])
    z_c = np.split(x @ weights["kernel"] + h0 @ weights["recurrent_kernel"], 3, -1)
    candidate = np.tanh(z_c[1] + np.split(weights["bias"], 3)[1])
    f_cell = (keras.ops.convert_to_numpy(c) - candidate) / (c0 - candidate)
    np.testing.assert_allclose(f_cell, gates["f"], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(c), c_ref, atol=1e-5)


@pytest.mark.parametrize("cls", CELLS)
def test_rnn_sequence_matches_stepped_reference(cls):
    rng = np.random.default_rng(3)
    weights = _random_weights(cls, rng)
    cell = _built_cell(cls, weights)
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    x = _random_state(rng, 2, TIME, INPUT_DIM)
    h0, c0 = _random_state(rng, 2, UNITS), _random_state(rng, 2, UNITS)

    seq, h_last, c_last = layer(x, initial_state=[h0, c0])

    assert tuple(seq.shape) == (2, TIME, UNITS)
    assert tuple(h_last.shape) == tuple(c_last.shape) == (2, UNITS)
    h, c, hs = h0, c0, []
    for t in range(TIME):
        h, c, _ = REFERENCE[cls](x[:, t], h, c, weights)
        hs.append(h)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(seq), np.stack(hs, axis=1), atol=1e-5
    )
    np.testing.assert_allclose(keras.ops.convert_to_numpy(h_last), h, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(c_last), c, atol=1e-5)

    # Default (zero) initial state and last-output-only mode.
    out = keras.layers.RNN(cls(UNITS))(x)
    assert tuple(out.shape) == (2, UNITS)


@pytest.mark.parametrize("cls", CELLS)
def test_config_round_trip(cls):
    cell = cls(
        UNITS,
        activation="relu",
        use_bias=False,
        kernel_initializer="he_normal",
        unit_forget_bias=False,
        name="my_cell",
    )
    config = cell.get_config()
    clone = cls.from_config(config)
    dump = json.dumps(config, sort_keys=True)
    assert json.dumps(clone.get_config(), sort_keys=True) == dump
    assert config["units"] == UNITS and config["name"] == "my_cell"
    default = cls(UNITS).get_config()
    assert json.dumps(cls.from_config(default).get_config(), sort_keys=True) == (
        json.dumps(default, sort_keys=True)
    )


# Keras 3.15's TF backend saves variables via np.array(variable), which NumPy 2
# flags as deprecated; it happens for any model (even a lone Dense), so it is
# not this package's to fix. The mark outranks the command line's -W error.
@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
@pytest.mark.parametrize("cls", CELLS)
def test_keras_file_save_load(cls, tmp_path):
    keras.utils.set_random_seed(4)
    inputs = keras.Input((TIME, INPUT_DIM))
    outputs = keras.layers.Dense(1)(keras.layers.RNN(cls(UNITS))(inputs))
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(4).normal(size=(3, TIME, INPUT_DIM)).astype("float32")
    before = keras.ops.convert_to_numpy(model(x))

    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)

    assert isinstance(loaded.layers[1].cell, cls)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(x)), before)


@pytest.mark.parametrize("units", [0, -3, 2.5, True, "5"])
@pytest.mark.parametrize("cls", CELLS)
def test_invalid_units(cls, units):
    expected = (
        "Received an invalid value for argument `units`, "
        f"expected a positive integer, got {units}."
    )
    with pytest.raises(ValueError, match=expected.replace(".", r"\.")):
        cls(units)


def test_invalid_units_message_exact():
    with pytest.raises(ValueError) as info:
        PeepholeLSTMCell(0)
    assert str(info.value) == (
        "Received an invalid value for argument `units`, "
        "expected a positive integer, got 0."
    )


@pytest.mark.parametrize("cls", CELLS)
def test_training_reduces_loss(cls):
    keras.utils.set_random_seed(5)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(32, TIME, INPUT_DIM)).astype("float32")
    y = x.mean(axis=(1, 2))[:, None] + 0.5
    inputs = keras.Input((TIME, INPUT_DIM))
    outputs = keras.layers.Dense(1)(keras.layers.RNN(cls(8))(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.03), loss="mse")

    history = model.fit(x, y, batch_size=32, epochs=10, verbose=0, shuffle=False)

    losses = history.history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < 0.5 * losses[0]
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
