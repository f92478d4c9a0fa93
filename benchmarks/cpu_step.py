"""Where an LSTM fit's time goes on CPU: one optimiser step, kernel by kernel.

``benchmarks/peers.py`` times whole fits; this script isolates the training
step (forward, backward, Adam update) of the network both libraries fit in
that comparison: one LSTM layer of ``--hidden`` units over a window of
``lookback`` steps and a linear head over the horizon, MSE loss, a batch of
``--batch-size`` windows held in memory (no input pipeline). It runs

* ``keras fit``: Keras's ``LSTM`` through ``Model.fit`` on an endless
  ``tf.data`` of one batch, ``steps_per_execution=32``;
* ``forecaster fit (seam)``: the same with forecaster's LSTM layer, which
  runs TensorFlow's fused ``BlockLSTM`` kernel on CPU behind the one seam
  of :mod:`forecaster.models.kernels` (same weights, same results):
  forecaster's path;
* ``keras fit, XLA``: plain Keras with ``jit_compile=True`` (its compile
  time is reported apart);
* ``tf fused BlockLSTM``: TensorFlow's fused whole-sequence LSTM kernel
  (``tf.raw_ops.BlockLSTMV2``, forward and gradient in one op each) in a
  ``tf.function`` step, without Keras around it;
* ``forecaster fit (jax)`` (when JAX is installed): the same model and
  ``fit`` under ``KERAS_BACKEND=jax`` (the whole step under XLA, the
  recurrence a ``lax.scan``), in a worker process this script starts and
  drives round by round, since Keras's backend is fixed per process;
* ``torch nn.LSTM`` (when importable): PyTorch's LSTM, which NeuralForecast's
  LSTM runs on, in a plain training loop.

Each is warmed up, then timed in ``--repeats`` rounds that alternate between
the kernels (a shared machine's noise falls on all of them); the table shows
the median milliseconds per step, the ratio to torch and the matmul rate
(forward and backward matmul flops over the time), next to this machine's
sgemm rate measured in the same run.

    python benchmarks/cpu_step.py                    # lookback 36 and 144
    /work/benchvenv/bin/python benchmarks/cpu_step.py  # with torch
    /work/benchvenv/bin/python benchmarks/cpu_step.py --large  # B 1024, L 168

Writes ``benchmarks/results/cpu_step.json`` (``cpu_step_large.json``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

# (lookback, horizon) of the two data sets peers.py compares on
SHAPES = {"air_passengers": (36, 12), "taylor": (144, 48)}


def keras_fit(x, y, hidden, jit, fused=False, warm=32):
    """A callable running ``n`` steps of Keras ``fit``; and its compile time.

    ``fused``: forecaster's LSTM layer (Keras's, with the fused CPU kernel
    behind :mod:`forecaster.models.kernels`) instead of ``keras.layers.LSTM``.
    """
    import keras
    import tensorflow as tf

    from forecaster.models.kernels import LSTM

    keras.utils.set_random_seed(0)
    inp = keras.Input(x.shape[1:])
    layer = LSTM(hidden) if fused else keras.layers.LSTM(hidden)
    out = keras.layers.Dense(y.shape[1])(layer(inp))
    model = keras.Model(inp, out)
    # An endless dataset makes each call of Keras's train function run all
    # ``steps_per_execution`` steps, even past ``steps_per_epoch``: it must
    # divide every count timed (a large step, timed 2 at a time, gets 2).
    spe = math.gcd(32, warm)
    model.compile("adam", "mse", jit_compile=jit, steps_per_execution=spe)
    data = tf.data.Dataset.from_tensors((x, y)).repeat()
    t0 = time.perf_counter()
    model.fit(data, steps_per_epoch=warm, epochs=1, verbose=0, shuffle=False)
    compile_s = time.perf_counter() - t0

    def run(n):
        assert n % spe == 0, (n, spe)
        model.fit(data, steps_per_epoch=n, epochs=1, verbose=0, shuffle=False)

    return run, compile_s


def _data(batch: int, lookback: int, horizon: int):
    """The batch every kernel trains on (the JAX worker rebuilds the same)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, lookback, 1)).astype("float32")
    y = rng.normal(size=(batch, horizon)).astype("float32")
    return x, y


def jax_fit(x, y, hidden, warm=32):
    """``keras_fit`` of forecaster's layer under JAX, in a worker process.

    Returns the callable running ``n`` steps (it waits for the worker's
    answer), the worker's compile time, and the process (to close).
    """
    shape = [str(v) for v in (x.shape[0], x.shape[1], y.shape[1], hidden, warm)]
    proc = subprocess.Popen(
        [sys.executable, __file__, "--jax-worker", *shape],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "jax"},
    )

    def answer() -> float:
        # Only the worker's own lines start with "@@"; anything else a
        # library prints on stdout is skipped.
        for line in proc.stdout:
            if line.startswith("@@"):
                return float(line[2:])
        raise RuntimeError("the JAX worker exited early")

    compile_s = answer()

    def run(n):
        proc.stdin.write(f"{n}\n")
        proc.stdin.flush()
        answer()

    return run, compile_s, proc


def jax_worker(batch: int, lookback: int, horizon: int, hidden: int, warm: int):
    """The worker's side: build, report the compile time, run on request."""
    import keras

    assert keras.backend.backend() == "jax", keras.backend.backend()
    x, y = _data(batch, lookback, horizon)
    run, compile_s = keras_fit(x, y, hidden, jit=True, fused=True, warm=warm)
    print(f"@@{compile_s}", flush=True)
    for line in sys.stdin:
        t0 = time.perf_counter()
        run(int(line))
        print(f"@@{time.perf_counter() - t0}", flush=True)
    return 0


def step_flops(batch, lookback, features, hidden, horizon) -> float:
    """Matmul flops of one training step: forward, and backward as 2x it."""
    forward = lookback * 2 * batch * (features + hidden) * 4 * hidden
    forward += 2 * batch * hidden * horizon
    return 3.0 * forward


def sgemm_gflops(n: int = 4096, repeats: int = 5) -> float:
    """This machine's float32 matmul rate (the best of ``repeats``)."""
    import tensorflow as tf

    a = tf.random.normal((n, n))
    tf.matmul(a, a).numpy()
    best = min(_timed(lambda: tf.matmul(a, a).numpy()) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def tf_block_lstm(x, y, hidden):
    """TensorFlow's fused LSTM kernel (time-major) in a ``tf.function`` step."""
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(0)
    xt = tf.constant(np.transpose(x, (1, 0, 2)))  # (L, B, F)
    yt = tf.constant(y)
    b_sz, f = x.shape[0], x.shape[2]
    w = tf.Variable(rng.normal(0, 0.1, (f + hidden, 4 * hidden)).astype("float32"))
    b = tf.Variable(np.zeros(4 * hidden, "float32"))
    head = tf.Variable(rng.normal(0, 0.1, (hidden, y.shape[1])).astype("float32"))
    zeros, peep = tf.zeros((b_sz, hidden)), tf.zeros(hidden)
    variables = [w, b, head]
    opt = keras.optimizers.Adam()
    opt.build(variables)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            h = tf.raw_ops.BlockLSTMV2(
                seq_len_max=tf.constant(x.shape[1], tf.int64),
                x=xt,
                cs_prev=zeros,
                h_prev=zeros,
                w=w,
                wci=peep,
                wcf=peep,
                wco=peep,
                b=b,
                cell_clip=0.0,
                use_peephole=False,
            )[-1]
            loss = tf.reduce_mean((h[-1] @ head - yt) ** 2)
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))

    def run(n):
        for _ in range(n):
            step()

    run(5)
    return run


def torch_lstm(x, y, hidden):
    """PyTorch's ``nn.LSTM`` and a linear head, Adam, in a plain loop."""
    import torch

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(x.shape[2], hidden, batch_first=True)
    head = torch.nn.Linear(hidden, y.shape[1])
    opt = torch.optim.Adam([*lstm.parameters(), *head.parameters()])
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def run(n):
        for _ in range(n):
            opt.zero_grad()
            out, _ = lstm(xt)
            loss = torch.mean((head(out[:, -1]) - yt) ** 2)
            loss.backward()
            opt.step()

    run(5)
    return run


def _args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="*", default=list(SHAPES), choices=list(SHAPES))
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--steps", type=int, default=96, help="steps per timed round")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-xla", action="store_true", help="skip the XLA kernel")
    ap.add_argument("--no-jax", action="store_true", help="skip the JAX worker")
    ap.add_argument(
        "--large",
        action="store_true",
        help="batch 1024, lookback 168, hidden 256: the share of the sgemm rate",
    )
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    if args.large:
        args.batch_size, args.hidden, args.steps = 1024, 256, 2
        args.repeats = min(args.repeats, 3)
        args.data = ["large"]
        SHAPES["large"] = (168, 24)
    return args


def _kernels(args, x, y, with_torch: bool):
    """Every kernel's ``run(n)``, the compile times, and worker processes."""
    kernels, compile_s, workers = {}, {}, []
    h, warm = args.hidden, 2 if args.large else 32  # a large step takes seconds
    kernels["keras fit"], compile_s["keras fit"] = keras_fit(x, y, h, False, warm=warm)
    seam = "forecaster fit (seam)"
    kernels[seam], compile_s[seam] = keras_fit(x, y, h, False, True, warm)
    if not args.no_xla and not args.large:
        xla = "keras fit, XLA"
        kernels[xla], compile_s[xla] = keras_fit(x, y, h, True, warm=warm)
    kernels["tf fused BlockLSTM"] = tf_block_lstm(x, y, h)
    if find_spec("jax") and not args.no_jax:
        jax = "forecaster fit (jax)"
        kernels[jax], compile_s[jax], proc = jax_fit(x, y, h, warm)
        workers.append(proc)
    if with_torch:
        kernels["torch nn.LSTM"] = torch_lstm(x, y, args.hidden)
    return kernels, compile_s, workers


def _rounds(kernels: dict, steps: int, repeats: int) -> dict[str, list[float]]:
    """Milliseconds per step, round by round, alternating between kernels."""
    times = {k: [] for k in kernels}
    for _ in range(repeats):
        for k, run in kernels.items():
            t0 = time.perf_counter()
            run(steps)
            times[k].append((time.perf_counter() - t0) / steps * 1e3)
    return times


def _table(name, args, times, compile_s, sgemm) -> list[dict]:
    """Print one shape's table; its rows for the JSON."""
    lookback, horizon = SHAPES[name]
    torch_ms = times.get("torch nn.LSTM")
    base = statistics.median(torch_ms) if torch_ms else None
    print(
        f"\n{name}: lookback {lookback}, horizon {horizon}, hidden "
        f"{args.hidden}, batch {args.batch_size}"
    )
    flops = step_flops(args.batch_size, lookback, 1, args.hidden, horizon)
    print(f"{'kernel':<22} {'ms/step':>8} {'vs torch':>9} {'GFLOP/s':>8} {'sgemm':>6}")
    rows = []
    for k, ts in times.items():
        ms = statistics.median(ts)
        ratio = ms / base if base else None
        gflops = flops / ms / 1e6
        rows.append(
            {
                "data": name,
                "lookback": lookback,
                "horizon": horizon,
                "kernel": k,
                "ms_per_step": round(ms, 3),
                "ms_per_step_rounds": [round(t, 3) for t in ts],
                "ratio_to_torch": None if ratio is None else round(ratio, 3),
                "compile_s": round(compile_s[k], 2) if k in compile_s else None,
                "gflops": round(gflops, 1),
                "share_of_sgemm": round(gflops / sgemm, 3),
            }
        )
        r = f"{ratio:9.2f}" if ratio else f"{'-':>9}"
        print(f"{k:<22} {ms:8.2f} {r} {gflops:8.1f} {gflops / sgemm:6.1%}")
    return rows


def main(argv=None) -> int:
    args = _args(argv)
    torch_version = _version("torch")
    sgemm = sgemm_gflops()
    print(f"sgemm (4096 x 4096 float32, TensorFlow): {sgemm:.0f} GFLOP/s")
    rows = []
    for name in args.data:
        x, y = _data(args.batch_size, *SHAPES[name])
        kernels, compile_s, workers = _kernels(args, x, y, bool(torch_version))
        times = _rounds(kernels, args.steps, args.repeats)
        for proc in workers:
            proc.stdin.close()
            proc.wait()
        rows += _table(name, args, times, compile_s, sgemm)
    import keras
    import tensorflow as tf

    default = "cpu_step_large.json" if args.large else "cpu_step.json"
    out = Path(args.out or Path(__file__).parent / "results" / default)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "torch": torch_version,
        "jax": _version("jax"),
        "hidden": args.hidden,
        "batch_size": args.batch_size,
        "steps": args.steps,
        "repeats": args.repeats,
        "sgemm_gflops": round(sgemm, 1),
        "flops_note": "forward + backward taken as 3x the forward matmuls",
    }
    out.write_text(json.dumps({"meta": meta, "runs": rows}, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--jax-worker"]:
        raise SystemExit(jax_worker(*map(int, sys.argv[2:7])))
    raise SystemExit(main())
