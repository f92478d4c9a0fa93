"""export_saved_model: a SavedModel that serves without the package."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from forecaster import RecurrentForecaster
from forecaster.estimators.seq2seq import Seq2SeqForecaster
from tests.conftest import COVARIATES, make_frame, with_covariates
from tests.conftest import TINY_NO_VAL as TINY

# Runs with `python -I` (no PYTHONPATH, no cwd, no user site) and forecaster
# blocked: only TensorFlow and NumPy are there. argv: cases.json results_dir
SERVE_SCRIPT = r"""
import sys
sys.modules["forecaster"] = None  # any import of the package now fails
try:
    import forecaster  # noqa: F401
    importable = True
except ImportError:
    importable = False
import json, time
import numpy as np
import tensorflow as tf

cases = json.load(open(sys.argv[1]))
report = {"forecaster_importable": importable, "sys_path": sys.path, "cases": {}}
outputs = {}
for name, case in cases.items():
    before = set(sys.modules)
    start = time.perf_counter()
    loaded = tf.saved_model.load(case["model"])
    load_s = time.perf_counter() - start
    new_modules = sorted(set(sys.modules) - before)
    fn = loaded.signatures["serving_default"]
    spec = lambda s: [s.dtype.name, s.shape.as_list()]
    meta = open(loaded.metadata.asset_path.numpy().decode(), encoding="utf-8").read()
    report["cases"][name] = {
        "load_s": load_s,
        "modules_imported_by_load": new_modules,
        "inputs": {k: spec(v) for k, v in fn.structured_input_signature[1].items()},
        "outputs": {k: spec(v) for k, v in fn.structured_outputs.items()},
        "metadata": json.loads(meta),
    }
    with np.load(case["inputs"], allow_pickle=False) as data:
        batches = sorted({k.split(".")[0] for k in data.files})
        for batch in batches:
            feed = {
                k.split(".", 1)[1]: tf.constant(data[k])
                for k in data.files
                if k.startswith(batch + ".")
            }
            for key, value in fn(**feed).items():
                outputs[f"{name}.{batch}.{key}"] = value.numpy()
                outputs[f"{name}.{batch}.{key}.dtype"] = np.array(value.dtype.name)
np.savez(sys.argv[2] + "/outputs.npz", **outputs)
json.dump(report, open(sys.argv[2] + "/report.json", "w"))
"""


def _panel():
    t = np.arange(60)
    return make_frame({"a": 100 + 10 * np.sin(t / 3.0), "b": -5 + np.cos(t / 4.0)})


def _new_series(est, name="zz"):
    """One unseen series exactly one lookback long: predict scales it by the
    same statistics as the SavedModel does (its own window)."""
    vals = 50 + 10 * np.sin(np.arange(est.lookback_) / 2.0)
    return make_frame({name: vals}, start="2021-06-01")


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _point_case(est):
    """Batches for a history-only model, and what predict says for them."""
    full = est.predict()["yhat"].to_numpy().reshape(-1, est.horizon)
    new = _new_series(est)
    unseen = est.predict(new)["yhat"].to_numpy().reshape(1, -1)
    new_window = new["y"].to_numpy(np.float32).reshape(1, -1, 1)
    hist = est.last_windows_.astype(np.float32)
    ids = est.ids_.astype(str)
    inputs = {
        "full.history": hist,
        "full.unique_id": ids,
        "one.history": hist[1:2],
        "one.unique_id": ids[1:2],
        "mixed.history": np.concatenate([new_window, hist, new_window]),
        "mixed.unique_id": np.array(["zz", *ids, ""]),
    }
    expected = {
        "full": full,
        "one": full[1:2],
        "mixed": np.concatenate([unseen, full, unseen]),
    }
    return inputs, expected


def _covariate_case(est, df, static):
    """Batches for a model with past/future/calendar/static covariates."""
    from forecaster.data.covariates import calendar_features
    from forecaster.data.panel import future_times

    times = future_times(est.last_times_, est.freq_, est.horizon)
    future_df = pd.DataFrame(
        {
            "unique_id": np.repeat(est.ids_.astype(str), est.horizon),
            "ds": times,
            "x": np.linspace(-1, 1, len(times)),
        }
    )
    expected = est.predict(future_df=future_df, static_df=static)["yhat"].to_numpy()
    future = np.concatenate(
        [
            future_df[["x"]].to_numpy(np.float64),
            calendar_features(times, est.calendar_features),
        ],
        axis=1,
    )
    inputs = {
        "full.history": est.last_windows_.astype(np.float32),
        "full.unique_id": est.ids_.astype(str),
        "full.future": future.reshape(len(est.ids_), est.horizon, -1).astype(
            np.float32
        ),
    }
    return inputs, {"full": expected.reshape(-1, est.horizon)}


def _export_timed(est, path: Path) -> float:
    """Export ``est`` to ``path``; the seconds it took."""
    start = time.perf_counter()
    est.export_saved_model(path)
    return time.perf_counter() - start


def _save_case(root: Path, name: str, inputs: dict) -> dict:
    """Write a case's input batches; where the serving script finds it."""
    np.savez(root / f"{name}.npz", **inputs)
    return {"model": str(root / name), "inputs": str(root / f"{name}.npz")}


def _serve(root: Path, cases: dict) -> tuple[dict, dict]:
    """Run SERVE_SCRIPT on ``cases`` in an isolated interpreter: its report
    and its outputs."""
    (root / "cases.json").write_text(json.dumps(cases))
    (root / "serve.py").write_text(SERVE_SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", TF_ENABLE_ONEDNN_OPTS="0")
    results = root / "results"
    results.mkdir()
    proc = subprocess.run(
        [
            sys.executable,
            "-I",
            str(root / "serve.py"),
            str(root / "cases.json"),
            str(results),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((results / "report.json").read_text())
    with np.load(results / "outputs.npz", allow_pickle=False) as npz:
        outputs = {k: npz[k] for k in npz.files}
    return report, outputs


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Fit, export and serve each family from one isolated subprocess."""
    root = tmp_path_factory.mktemp("export")
    estimators = {
        "recurrent": RecurrentForecaster(**TINY).fit(_panel()),
        "seq2seq": Seq2SeqForecaster(**TINY).fit(_panel()),
        # the SavedModel serves the members' combined forecast
        "ensemble": RecurrentForecaster(**TINY, ensemble_size=3).fit(_panel()),
        # two days of hourly data: the baseline averages two seasons
        "seasonal_mean": RecurrentForecaster(
            **{**TINY, "lookback": 48}, baseline="seasonal_mean"
        ).fit(_panel()),
    }
    cases, expected, timings = {}, {}, {}
    for name, est in estimators.items():
        timings[name] = _export_timed(est, root / name)
        inputs, expected[name] = _point_case(est)
        cases[name] = _save_case(root, name, inputs)

    df, static = with_covariates(_panel())
    cov = RecurrentForecaster(**TINY, **COVARIATES).fit(df, static_df=static)
    estimators["covariates"] = cov
    timings["covariates"] = _export_timed(cov, root / "covariates")
    inputs, expected["covariates"] = _covariate_case(cov, df, static)
    cases["covariates"] = _save_case(root, "covariates", inputs)

    report, outputs = _serve(root, cases)
    for name in cases:
        print(
            f"\n{name}: export {timings[name]:.2f}s, load (fresh process) "
            f"{report['cases'][name]['load_s']:.2f}s, SavedModel "
            f"{_dir_size(root / name) / 1024:.0f} KiB"
        )
    return {
        "root": root,
        "estimators": estimators,
        "expected": expected,
        "outputs": outputs,
        "report": report,
    }


def test_package_not_importable_in_the_serving_process(served):
    report = served["report"]
    assert report["forecaster_importable"] is False
    repo = Path(__file__).resolve().parents[1]
    assert str(repo) not in report["sys_path"]
    for case in report["cases"].values():  # no Keras or custom code deserialised
        assert not [m for m in case["modules_imported_by_load"] if "keras" in m]


@pytest.mark.parametrize(
    "case", ["recurrent", "seq2seq", "ensemble", "seasonal_mean", "covariates"]
)
def test_serving_matches_predict(served, case):
    if case not in served["expected"]:
        pytest.skip(f"{case} family not available")
    for batch, want in served["expected"][case].items():
        got = served["outputs"][f"{case}.{batch}.yhat"]
        assert got.shape == want.shape, batch
        assert str(served["outputs"][f"{case}.{batch}.yhat.dtype"]) == "float32"
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=batch)


def test_seasonal_mean_baseline_is_served(served):
    est = served["estimators"]["seasonal_mean"]
    assert (est.baseline_season_, est.baseline_cycles_) == (24, 2)
    meta = served["report"]["cases"]["seasonal_mean"]["metadata"]
    assert meta["lookback"] == 48


def test_batch_of_one_and_many(served):
    out = served["outputs"]
    assert out["recurrent.one.yhat"].shape == (1, 3)
    assert out["recurrent.full.yhat"].shape == (2, 3)
    np.testing.assert_allclose(
        out["recurrent.one.yhat"][0], out["recurrent.full.yhat"][1], rtol=1e-6
    )


def test_unknown_unique_id_forecasts_in_data_units(served):
    mixed = served["outputs"]["recurrent.mixed.yhat"]  # rows: "zz", a, b, ""
    assert np.isfinite(mixed).all()
    # the unseen series lives around 50, far from both training series
    assert 30 < mixed[0].mean() < 70 and 30 < mixed[-1].mean() < 70
    np.testing.assert_array_equal(mixed[0], mixed[-1])


def test_signature_is_what_tf_serving_accepts(served):
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2

    report = served["report"]["cases"]["recurrent"]
    assert report["inputs"] == {
        "history": ["float32", [None, 6, 1]],
        "unique_id": ["string", [None]],
    }
    assert report["outputs"] == {"yhat": ["float32", [None, 3]]}
    assert served["report"]["cases"]["covariates"]["inputs"]["future"] == [
        "float32",
        [None, 3, 3],  # x, hour_sin, hour_cos
    ]
    # what TF Serving reads: the SignatureDef in saved_model.pb
    pb = saved_model_pb2.SavedModel()
    pb.ParseFromString((served["root"] / "recurrent" / "saved_model.pb").read_bytes())
    sig = pb.meta_graphs[0].signature_def["serving_default"]
    assert sig.method_name == "tensorflow/serving/predict"
    assert {k: v.dtype for k, v in sig.inputs.items()} == {
        "history": tf.float32.as_datatype_enum,
        "unique_id": tf.string.as_datatype_enum,
    }
    assert {k: v.dtype for k, v in sig.outputs.items()} == {
        "yhat": tf.float32.as_datatype_enum
    }
    assert "serve" in pb.meta_graphs[0].meta_info_def.tags


def test_metadata_asset(served):
    est = served["estimators"]["recurrent"]
    on_disk = json.loads(
        (served["root"] / "recurrent" / "assets" / "metadata.json").read_text()
    )
    meta = served["report"]["cases"]["recurrent"]["metadata"]
    assert meta == on_disk
    assert meta["horizon"] == 3 and meta["lookback"] == 6
    assert meta["features"] == ["y"] and meta["n_features"] == est.n_features_
    assert meta["freq"] == "h" and meta["n_series"] == 2
    assert meta["estimator"] == "RecurrentForecaster"
    assert set(meta["inputs"]) == {"history", "unique_id"}
    assert meta["outputs"] == {"yhat": {"dtype": "float32", "shape": [None, 3]}}
    cov = served["report"]["cases"]["covariates"]["metadata"]
    assert cov["features"] == ["y", "temp", "x", "hour_sin", "hour_cos"]
    assert cov["future_features"] == ["x", "hour_sin", "hour_cos"]
    assert cov["static_features"] == ["store", "area"]


def test_export_replaces_previous_and_refuses_other_dirs(served, tmp_path):
    est = served["estimators"]["recurrent"]
    path = tmp_path / "1"
    est.export_saved_model(path)
    est.export_saved_model(path)  # a previous export is replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1"]
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="without 'saved_model.pb'"):
        est.export_saved_model(tmp_path / "docs")
    assert (tmp_path / "docs" / "notes.txt").read_text() == "keep me"


def test_unfitted_export_raises(tmp_path):
    with pytest.raises(NotFittedError):
        RecurrentForecaster().export_saved_model(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def _sharing_fit(est):
    """A new estimator object sharing ``est``'s fit (no training)."""
    new = type(est)(**est.get_params())
    vars(new).update({k: v for k, v in vars(est).items() if k.endswith("_")})
    return new


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_serving_refuses_non_finite_history(served, tmp_path, bad):
    import tensorflow as tf

    est = served["estimators"]["recurrent"]
    path = tmp_path / "m"
    est.export_saved_model(path)
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    history = np.array(est.last_windows_, np.float32)
    history[0, -1, 0] = bad
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="serving input `history` holds NaN or inf"
    ):
        serve(history=tf.constant(history), unique_id=tf.constant(est.ids_.astype(str)))
