import json

import keras
import numpy as np
import pytest

from forecaster.models.layers import (
    CELLS,
    WindowDenormalization,
    WindowNormalization,
    recurrent_cell,
    recurrent_layer,
)


def test_window_norm_statistics_come_from_each_window():
    x = np.stack([np.arange(6.0), 100 + 2 * np.arange(6.0)])[:, :, None].astype(
        "float32"
    )
    cov = np.ones_like(x) * 7
    normed, loc, scale = WindowNormalization("standard")(np.concatenate([x, cov], -1))
    normed, loc, scale = map(keras.ops.convert_to_numpy, (normed, loc, scale))
    np.testing.assert_allclose(loc[:, 0], [2.5, 105.0], rtol=1e-6)
    np.testing.assert_allclose(
        scale[:, 0], np.sqrt([35 / 12 + 1e-5, 4 * 35 / 12 + 1e-5]), rtol=1e-5
    )
    # both windows are the same ramp once normalised: level and slope are gone
    np.testing.assert_allclose(normed[0, :, 0], normed[1, :, 0], atol=1e-4)
    # covariate channels pass through untouched
    assert np.all(normed[:, :, 1] == 7)


def test_window_norm_constant_window_is_finite():
    x = np.full((1, 5, 1), 3.0, dtype="float32")
    normed, loc, scale = WindowNormalization("standard")(x)
    assert np.all(keras.ops.convert_to_numpy(normed) == 0)
    out = WindowDenormalization()([np.zeros((1, 2), "float32"), loc, scale])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), 3.0)


def test_mean_mode_and_denorm_round_trip():
    x = np.random.default_rng(0).normal(size=(4, 8, 1)).astype("float32") + 50
    normed, loc, scale = WindowNormalization("mean")(x)
    assert np.all(keras.ops.convert_to_numpy(scale) == 1)
    back = WindowDenormalization()([normed[:, :, 0], loc, scale])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(back), x[:, :, 0], rtol=1e-5)
    q = WindowDenormalization()([np.zeros((4, 3, 2), "float32"), loc, scale])
    assert tuple(q.shape) == (4, 3, 2)


def test_bad_mode():
    with pytest.raises(
        ValueError, match="argument `mode`, expected 'standard' or 'mean'"
    ):
        WindowNormalization("minmax")


def test_config_round_trip():
    layer = WindowNormalization("mean", epsilon=1e-3, name="wn")
    cfg = layer.get_config()
    again = WindowNormalization.from_config(cfg).get_config()
    assert json.dumps(cfg, sort_keys=True) == json.dumps(again, sort_keys=True)


@pytest.mark.parametrize("cell", CELLS)
def test_factory_builds_each_cell(cell):
    layer = recurrent_layer(cell, 4, return_sequences=True)
    out = layer(np.zeros((2, 5, 3), "float32"))
    assert tuple(out.shape) == (2, 5, 4)


def test_factory_defaults_meet_cudnn_conditions():
    lstm = recurrent_layer("lstm", 8)
    gru = recurrent_layer("gru", 8)
    for layer in (lstm, gru):
        cell = layer.cell
        assert cell.activation is keras.activations.tanh
        assert cell.recurrent_activation is keras.activations.sigmoid
        assert cell.recurrent_dropout == 0 and not layer.unroll and cell.use_bias
    assert gru.cell.reset_after is True


def test_factory_unknown_cell():
    with pytest.raises(ValueError, match="argument `cell`, expected one of"):
        recurrent_layer("transformer", 4)


@pytest.mark.parametrize("cell", CELLS)
def test_the_cell_is_the_one_the_layer_loops(cell):
    # one table: the decoder's step cell has the weights of the encoder's cell
    layer = recurrent_layer(cell, 4)
    layer.build((None, 5, 3))
    step = recurrent_cell(cell, 4, name="step")
    step.build((None, 3))
    assert step.name == "step" and type(step) is type(layer.cell)
    assert [w.shape for w in step.weights] == [w.shape for w in layer.cell.weights]
    assert [w.name for w in step.weights] == [w.name for w in layer.cell.weights]
    if cell == "gru":
        assert step.reset_after is True


def test_fused_layers_for_stock_cells_generic_loop_for_custom_ones():
    from forecaster.models.kernels import LSTM

    # the LSTM is Keras's with the fused CPU kernel behind the seam
    fused = (LSTM, keras.layers.GRU, keras.layers.SimpleRNN)
    for cell, cls in zip(CELLS[:3], fused, strict=True):
        assert type(recurrent_layer(cell, 4)) is cls
    assert issubclass(LSTM, keras.layers.LSTM)
    for cell in CELLS[3:]:
        assert type(recurrent_layer(cell, 4)) is keras.layers.RNN


def test_cell_factory_unknown_cell():
    with pytest.raises(ValueError, match="argument `cell`, expected one of"):
        recurrent_cell("transformer", 4)
