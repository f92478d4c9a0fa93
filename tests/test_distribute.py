"""Training under ``tf.distribute``: two logical CPUs, and two worker processes.

Each scenario runs in fresh subprocesses, because devices (logical CPUs) and
the multi-worker cluster (``TF_CONFIG``) must be set before TensorFlow
initialises. Distributed training must match single-device training: the
global batch is split across replicas and the gradients summed, so the
losses and forecasts agree up to float rounding.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent

# Shared by every scenario: a tiny two-series panel and model, fitted with
# early stopping off so every run trains the same number of epochs, and no
# gradient clipping: Keras 3 clips each replica's gradient before summing
# them, so with clipping active a distributed run legitimately differs.
COMMON = """
import json, os, sys
import numpy as np, pandas as pd

def panel():
    rng = np.random.default_rng(0)
    t = pd.date_range("2020-01-01", periods=160, freq="h")
    return pd.concat([
        pd.DataFrame({"unique_id": k, "ds": t,
                      "y": np.sin(np.arange(160) / 4 + i) + 0.1 * rng.normal(size=160)})
        for i, k in enumerate("ab")
    ])

def fit(strategy, family="recurrent"):
    import forecaster
    cls = {"recurrent": forecaster.RecurrentForecaster,
           "seq2seq": forecaster.Seq2SeqForecaster}[family]
    est = cls(horizon=4, lookback=16, hidden_units=8, max_epochs=2, batch_size=32,
              clipnorm=None, early_stopping_patience=None, verbose=0, random_state=0)
    est.fit(panel(), strategy=strategy)
    return {"loss": est.history_["loss"], "val_loss": est.history_["val_loss"],
            "yhat": est.predict()["yhat"].tolist(),
            "n_train_windows": int(est.n_train_windows_)}

def first_local_batch(strategy):
    # the targets of the first global batch as this worker's replicas see them
    from forecaster.data import make_dataset
    values = np.arange(200, dtype="float32")[:, None]
    ds = make_dataset(values, np.arange(100), 4, 2, 32)
    dist = strategy.experimental_distribute_dataset(ds)
    _, targets = next(iter(dist))
    return [t.numpy().tolist() for t in strategy.experimental_local_results(targets)]
"""

MIRRORED = (
    COMMON
    + """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
out = {"replicas": strategy.num_replicas_in_sync,
       "local": first_local_batch(strategy),
       "single": fit(None), "mirrored": fit(strategy)}
if sys.argv[2:] == ["seq2seq"]:
    out["single_s2s"] = fit(None, "seq2seq")
    out["mirrored_s2s"] = fit(strategy, "seq2seq")
json.dump(out, open(sys.argv[1], "w"))
"""
)

WORKER = (
    COMMON
    + """
import tensorflow as tf
# created first: the collective ops are configured before TF initialises
strategy = tf.distribute.MultiWorkerMirroredStrategy()
out = {"replicas": strategy.num_replicas_in_sync,
       "local": first_local_batch(strategy),
       "multi": fit(strategy)}
if json.loads(os.environ["TF_CONFIG"])["task"]["index"] == 0:
    out["single"] = fit(None)  # the reference, once the cluster is done
json.dump(out, open(sys.argv[1], "w"))
"""
)


def _env(**extra) -> dict:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {
        **os.environ,
        "PYTHONPATH": path,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    }
    env.pop("TF_CONFIG", None)
    env.update(extra)
    return env


def _free_ports(n: int) -> list[int]:
    """Ports free on 127.0.0.1 now (bound together so they differ)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _assert_same_training(a: dict, b: dict) -> None:
    np.testing.assert_allclose(a["loss"], b["loss"], rtol=1e-4)
    np.testing.assert_allclose(a["val_loss"], b["val_loss"], rtol=1e-4)
    np.testing.assert_allclose(a["yhat"], b["yhat"], atol=1e-3)
    assert a["n_train_windows"] == b["n_train_windows"]


def _global_first_batch() -> np.ndarray:
    # make_dataset(values=arange(200), starts=arange(100), lookback 4,
    # horizon 2, batch 32): window s targets rows s + 4, s + 5
    s = np.arange(32)
    return np.stack([s + 4, s + 5], axis=1).astype("float32")


def test_mirrored_strategy_on_two_logical_cpus_matches_one_device(tmp_path):
    script = tmp_path / "mirrored.py"
    script.write_text(MIRRORED)
    out_path = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, str(script), str(out_path)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(out_path.read_text())
    assert out["replicas"] == 2
    # the global batch of 32 is split 16 + 16 across the two devices
    local = [np.asarray(b) for b in out["local"]]
    assert [len(b) for b in local] == [16, 16]
    np.testing.assert_array_equal(np.concatenate(local), _global_first_batch())
    _assert_same_training(out["mirrored"], out["single"])


@pytest.mark.slow
def test_mirrored_strategy_trains_seq2seq(tmp_path):
    # seq2seq builds a separate inference model: after distributed training
    # it must predict from the trained weights, on one device
    script = tmp_path / "mirrored.py"
    script.write_text(MIRRORED)
    out_path = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, str(script), str(out_path), "seq2seq"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(out_path.read_text())
    _assert_same_training(out["mirrored_s2s"], out["single_s2s"])


@pytest.mark.slow
def test_multi_worker_mirrored_strategy_two_processes(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    ports = _free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs, logs = [], []
    deadline = time.monotonic() + 240
    try:
        for i in range(2):
            tf_config = {"cluster": cluster, "task": {"type": "worker", "index": i}}
            log = open(tmp_path / f"worker{i}.log", "w")
            logs.append(log)
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(script), str(tmp_path / f"out{i}.json")],
                    env=_env(TF_CONFIG=json.dumps(tf_config)),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for p in procs:
            p.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for log in logs:
            log.close()
    for i, p in enumerate(procs):
        tail = (tmp_path / f"worker{i}.log").read_text()[-3000:]
        assert p.returncode == 0, f"worker {i} failed:\n{tail}"
    outs = [json.loads((tmp_path / f"out{i}.json").read_text()) for i in range(2)]
    assert outs[0]["replicas"] == outs[1]["replicas"] == 2
    # each worker gets its own half of the global batch
    local = [np.asarray(o["local"][0]) for o in outs]
    assert [len(b) for b in local] == [16, 16]
    np.testing.assert_array_equal(np.concatenate(local), _global_first_batch())
    # both workers hold the same model, and it matches one-device training
    np.testing.assert_allclose(outs[0]["multi"]["yhat"], outs[1]["multi"]["yhat"])
    _assert_same_training(outs[0]["multi"], outs[0]["single"])
