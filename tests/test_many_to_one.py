import numpy as np
import pytest

from forecaster.models.many_to_one import build_many_to_one


@pytest.mark.parametrize(
    "cell", ["lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm"]
)
@pytest.mark.parametrize("window_norm", ["standard", None])
def test_shapes_for_each_cell(cell, window_norm):
    m = build_many_to_one(
        10,
        3,
        4,
        cell=cell,
        hidden_units=5,
        num_layers=2,
        dropout=0.1,
        window_norm=window_norm,
    ).predict
    out = m.predict_on_batch({"history": np.zeros((6, 10, 3), "float32")})
    assert out.shape == (6, 4)
    assert m.input_shape == (None, 10, 3)


def test_window_norm_makes_forecast_level_equivariant():
    # Shifting the whole window shifts the forecast by the same amount.
    m = build_many_to_one(12, 1, 3, hidden_units=4).predict
    x = np.random.default_rng(1).normal(size=(2, 12, 1)).astype("float32")
    a = m.predict_on_batch({"history": x})
    b = m.predict_on_batch({"history": x + 100})
    np.testing.assert_allclose(b - a, 100, rtol=1e-4)


def test_dropout_only_between_layers_not_recurrent():
    m = build_many_to_one(10, 1, 2, hidden_units=4, num_layers=2, dropout=0.2).predict
    rnns = [layer for layer in m.layers if layer.name.startswith("rnn_")]
    assert len(rnns) == 2
    assert all(
        layer.cell.recurrent_dropout == 0 and layer.cell.dropout == 0 for layer in rnns
    )
    assert sum(layer.name.startswith("dropout_") for layer in m.layers) == 2


def test_covariate_inputs_reach_the_head():
    m = build_many_to_one(
        8, 3, 4, hidden_units=4, n_future=2, n_static=1, static_vocab_sizes=(3, 5)
    ).predict
    assert set(m.input) == {"history", "future", "static_numeric", "static_codes"}
    rng = np.random.default_rng(0)
    inputs = {
        "history": rng.normal(size=(2, 8, 3)).astype("float32"),
        "future": rng.normal(size=(2, 4, 2)).astype("float32"),
        "static_numeric": rng.normal(size=(2, 1)).astype("float32"),
        "static_codes": np.array([[1, 4], [0, 2]], "int32"),
    }
    base = m.predict_on_batch(inputs)
    assert base.shape == (2, 4)
    for key in ("future", "static_numeric"):
        changed = {**inputs, key: inputs[key] + 1}
        assert not np.allclose(m.predict_on_batch(changed), base)
    codes = {**inputs, "static_codes": np.array([[2, 1], [1, 3]], "int32")}
    assert not np.allclose(m.predict_on_batch(codes), base)
