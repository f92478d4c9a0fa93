"""Backend independence, fast-path settings and the training options.

* ``forecaster/models/`` uses only ``keras.layers`` / ``keras.ops``: no
  TensorFlow import, no ``tf.`` (so the models also run under JAX).
* The recurrent layers of the default models meet Keras's cuDNN conditions.
* ``jit_compile`` and ``mixed_precision`` reach the compiled model.
* A slow test trains both families under ``KERAS_BACKEND=jax`` in a process
  where TensorFlow cannot be imported.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from forecaster import RecurrentForecaster, Seq2SeqForecaster
from forecaster.models.layers import CELLS

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "forecaster" / "models"


def _tensorflow_uses(path: Path) -> list[str]:
    """``import tensorflow`` and ``tf.<name>`` in the code (not docstrings)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        found += [
            f"{path.name}:{node.lineno} import {n}"
            for n in names
            if n.split(".")[0] == "tensorflow"
        ]
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "tf"
        ):
            found.append(f"{path.name}:{node.lineno} tf.{node.attr}")
    return found


def test_models_use_no_tensorflow():
    # one named seam may hold a backend's fast kernel (as Keras's cuDNN path)
    files = sorted(f for f in MODELS.glob("*.py") if f.name != "kernels.py")
    assert len(files) >= 5
    found = [use for f in files for use in _tensorflow_uses(f)]
    assert found == []


def test_the_kernel_seam_imports_tensorflow_only_when_it_runs():
    import ast

    tree = ast.parse((MODELS / "kernels.py").read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = [a.name for n in top for a in n.names] + [
        n.module for n in top if isinstance(n, ast.ImportFrom)
    ]
    assert not [n for n in names if n and n.startswith("tensorflow")]


def test_the_scan_catches_tensorflow(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        '"""tf.keras in a docstring is fine."""\n'
        "import tensorflow as tf\n"
        "from tensorflow.keras import layers\n"
        "x = tf.constant(1)\n"
    )
    assert _tensorflow_uses(bad) == [
        "bad.py:2 import tensorflow",
        "bad.py:3 import tensorflow.keras",
        "bad.py:4 tf.constant",
    ]


def _recurrent_layers(model: keras.Model) -> list:
    return [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.LSTM | keras.layers.GRU)
    ]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_default_models_meet_cudnn_conditions(cell):
    # tests/test_layers.py checks the factory; this checks what the builders
    # of both families actually put in the model (every stacked layer)
    from keras.src.backend.tensorflow.rnn import (
        _do_gru_arguments_support_cudnn,
        _do_lstm_arguments_support_cudnn,
    )

    from forecaster.models.many_to_one import build_many_to_one
    from forecaster.models.seq2seq import build_seq2seq

    m2o = build_many_to_one(8, 1, 3, cell=cell, hidden_units=4, num_layers=2).train
    s2s = build_seq2seq(8, 1, 3, cell=cell, hidden_units=4, num_layers=2).train
    for model, expected in ((m2o, 2), (s2s, 2)):
        layers = _recurrent_layers(model)
        assert len(layers) == expected, model.name
        for layer in layers:
            c = layer.cell
            args = dict(
                activation=c.activation,
                recurrent_activation=c.recurrent_activation,
                unroll=layer.unroll,
                use_bias=c.use_bias,
            )
            if cell == "gru":
                assert _do_gru_arguments_support_cudnn(
                    **args, reset_after=c.reset_after
                )
            else:
                assert _do_lstm_arguments_support_cudnn(**args)
            assert c.recurrent_dropout == 0
            assert layer.use_cudnn in ("auto", True)
            assert not layer.go_backwards and not layer.stateful


# -- training options -------------------------------------------------------
def _frame(n=240):
    t = pd.date_range("2020-01-01", periods=n, freq="h")
    y = 5 + np.sin(2 * np.pi * np.arange(n) / 24)
    return pd.DataFrame({"unique_id": "a", "ds": t, "y": y})


def _tiny(cls=RecurrentForecaster, **options):
    est = cls(
        horizon=4,
        lookback=24,
        hidden_units=8,
        max_epochs=2,
        verbose=0,
        random_state=0,
    )
    return est.set_params(**options)


# XLA compiles the LSTM step for ~20 s on 2 shared cores: the True case is slow
@pytest.mark.parametrize("jit", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_jit_compile_reaches_the_model(jit):
    est = _tiny(jit_compile=jit).fit(_frame())
    assert est.model_.jit_compile is jit
    assert np.isfinite(est.predict()["yhat"]).all()


def test_jit_compile_defaults_to_keras_auto():
    est = _tiny().fit(_frame())
    # "auto" resolves to XLA only where Keras finds a GPU
    assert est.model_.jit_compile is False


def test_mixed_bfloat16_trains_on_cpu():
    est = _tiny(mixed_precision="mixed_bfloat16").fit(_frame())
    model = est.model_
    assert model.dtype_policy.name == "mixed_bfloat16"
    rnn = model.get_layer("rnn_0")
    assert rnn.compute_dtype == "bfloat16"
    assert all(v.dtype == "float32" for v in model.trainable_variables)
    assert all(np.isfinite(est.history_["loss"]))
    fc = est.predict()
    assert fc["yhat"].dtype == np.float64 and np.isfinite(fc["yhat"]).all()
    assert np.abs(fc["yhat"] - 5).max() < 3  # on the scale of the data
    # the global policy is back to what it was
    assert keras.mixed_precision.dtype_policy().name == "float32"


def test_mixed_float16_scales_the_loss():
    est = _tiny(mixed_precision="mixed_float16").fit(_frame())
    assert isinstance(est.model_.optimizer, keras.optimizers.LossScaleOptimizer)
    assert est.model_.get_layer("rnn_0").compute_dtype == "float16"
    assert np.isfinite(est.predict()["yhat"]).all()
    assert keras.mixed_precision.dtype_policy().name == "float32"


def test_loss_is_float32_under_mixed_precision():
    from forecaster.models.losses import make_loss

    y = np.ones((2, 3), "float32")
    pred = keras.ops.cast(np.full((2, 3), 0.5), "bfloat16")
    for name in ("mse", "mae", "huber"):
        loss = make_loss(name)
        assert keras.backend.standardize_dtype(loss(y, pred).dtype) == "float32"


def test_bad_mixed_precision_is_rejected_and_policy_kept():
    with pytest.raises(ValueError, match="argument `mixed_precision`"):
        _tiny(mixed_precision="float16").fit(_frame())
    assert keras.mixed_precision.dtype_policy().name == "float32"


def test_policy_restored_when_build_fails():
    from forecaster.estimators.training import build_with_policy

    def broken():
        assert keras.mixed_precision.dtype_policy().name == "mixed_bfloat16"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        build_with_policy(broken, "mixed_bfloat16")
    assert keras.mixed_precision.dtype_policy().name == "float32"


def test_seq2seq_mixed_bfloat16_trains_on_cpu():
    est = _tiny(Seq2SeqForecaster, mixed_precision="mixed_bfloat16").fit(_frame())
    assert np.isfinite(est.predict()["yhat"]).all()


# -- JAX ----------------------------------------------------------------------
JAX_SCRIPT = """
import json, os, sys
sys.modules["tensorflow"] = None  # any `import tensorflow` now fails
import numpy as np
import keras
assert keras.backend.backend() == "jax", keras.backend.backend()
from forecaster.models.losses import make_loss
from forecaster.models.many_to_one import build_many_to_one
from forecaster.models.seq2seq import build_seq2seq

rng = np.random.default_rng(0)
L, H = 12, 3
x = rng.normal(size=(64, L, 1)).astype("float32")
y = (x[:, -H:, 0] + 0.1).astype("float32")
out = {}

def run(name, train, infer, inputs):
    train.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=1.0),
                  loss=make_loss("mse"))
    hist = train.fit(inputs, y, batch_size=16, epochs=3, verbose=0, shuffle=False)
    pred = np.asarray(infer.predict_on_batch({"history": x[:5]}))
    out[name] = {"loss": hist.history["loss"], "shape": list(pred.shape),
                 "finite": bool(np.isfinite(pred).all())}

for cell in ("lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm"):
    m = build_many_to_one(L, 1, H, cell=cell, hidden_units=8).train
    run(f"many_to_one_{cell}", m, m, {"history": x})
# the seasonal-naive baseline (the defaults' on seasonal data) zeroes the head
m = build_many_to_one(L, 1, H, hidden_units=8, baseline_season=4).train
run("many_to_one_baseline", m, m, {"history": x})
for attention in (None, "bahdanau"):
    nets = build_seq2seq(L, 1, H, hidden_units=8, attention=attention, seed=0)
    run(f"seq2seq_{attention}", nets.train, nets.predict, {"history": x, "targets": y})
out["tensorflow_imported"] = sys.modules.get("tensorflow") is not None
json.dump(out, open(sys.argv[1], "w"))
"""


@pytest.mark.slow
def test_both_families_train_under_jax(tmp_path):
    pytest.importorskip("jax")
    script = tmp_path / "jax_models.py"
    script.write_text(JAX_SCRIPT)
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": path}
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "out.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    assert out.pop("tensorflow_imported") is False
    assert len(out) == len(CELLS) + 3
    for name, r in out.items():
        assert r["shape"] == [5, 3], name
        assert r["finite"], name
        assert all(np.isfinite(r["loss"])), name
        assert r["loss"][-1] < r["loss"][0], name  # it learns


JAX_FIT_SCRIPT = r"""
import sys
import numpy as np
import forecaster
from tests.conftest import TINY, make_frame

df = make_frame({"a": np.sin(np.arange(200) / 3.0), "b": np.cos(np.arange(200) / 5.0)})
for family in (forecaster.RecurrentForecaster, forecaster.Seq2SeqForecaster):
    est = family(**TINY).fit(df)
    est.save(f"{sys.argv[1]}/{family.__name__}")
    est.predict().to_csv(f"{sys.argv[1]}/{family.__name__}.csv", index=False)
import keras
assert keras.backend.backend() == "jax"
"""


@pytest.mark.slow
def test_fit_under_jax_then_load_and_export_under_tensorflow(tmp_path):
    """Train and save under KERAS_BACKEND=jax; a TensorFlow process loads the
    artifacts, predicts the same and exports SavedModels that serve it."""
    pytest.importorskip("jax")
    import pandas as pd
    import tensorflow as tf

    import forecaster

    script = tmp_path / "fit_jax.py"
    script.write_text(JAX_FIT_SCRIPT)
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": path}
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("RecurrentForecaster", "Seq2SeqForecaster"):
        est = forecaster.load(tmp_path / name)
        expected = pd.read_csv(tmp_path / f"{name}.csv")
        np.testing.assert_allclose(est.predict()["yhat"], expected["yhat"], atol=1e-5)
        est.export_saved_model(tmp_path / f"serving_{name}")
        serve = tf.saved_model.load(str(tmp_path / f"serving_{name}"))
        out = serve.signatures["serving_default"](
            history=tf.constant(est.last_windows_, tf.float32),
            unique_id=tf.constant(est.ids_.astype(str)),
        )["yhat"]
        np.testing.assert_allclose(out.numpy().reshape(-1), expected["yhat"], atol=1e-5)
