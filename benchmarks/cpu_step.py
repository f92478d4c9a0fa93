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
import os
import platform
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

# (lookback, horizon) of the two data sets peers.py compares on
SHAPES = {"air_passengers": (36, 12), "taylor": (144, 48)}


def keras_fit(x, y, hidden, jit, fused=False):
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
    model.compile("adam", "mse", jit_compile=jit, steps_per_execution=32)
    data = tf.data.Dataset.from_tensors((x, y)).repeat()
    t0 = time.perf_counter()
    model.fit(data, steps_per_epoch=32, epochs=1, verbose=0)
    compile_s = time.perf_counter() - t0

    def run(n):
        model.fit(data, steps_per_epoch=n, epochs=1, verbose=0)

    return run, compile_s


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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="*", default=list(SHAPES), choices=list(SHAPES))
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--steps", type=int, default=96, help="steps per timed round")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--no-xla", action="store_true", help="skip the XLA kernel")
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
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = None

    sgemm = sgemm_gflops()
    print(f"sgemm (4096 x 4096 float32, TensorFlow): {sgemm:.0f} GFLOP/s")
    rows = []
    for name in args.data:
        lookback, horizon = SHAPES[name]
        rng = np.random.default_rng(0)
        x = rng.normal(size=(args.batch_size, lookback, 1)).astype("float32")
        y = rng.normal(size=(args.batch_size, horizon)).astype("float32")
        kernels, compile_s = {}, {}
        kernels["keras fit"], compile_s["keras fit"] = keras_fit(
            x, y, args.hidden, False
        )
        name_fused = "forecaster fit (seam)"
        kernels[name_fused], compile_s[name_fused] = keras_fit(
            x, y, args.hidden, False, fused=True
        )
        if not args.no_xla and not args.large:
            kernels["keras fit, XLA"], compile_s["keras fit, XLA"] = keras_fit(
                x, y, args.hidden, True
            )
        kernels["tf fused BlockLSTM"] = tf_block_lstm(x, y, args.hidden)
        if torch_version:
            kernels["torch nn.LSTM"] = torch_lstm(x, y, args.hidden)
        times = {k: [] for k in kernels}
        for _ in range(args.repeats):
            for k, run in kernels.items():
                t0 = time.perf_counter()
                run(args.steps)
                times[k].append((time.perf_counter() - t0) / args.steps * 1e3)
        base = statistics.median(times["torch nn.LSTM"]) if torch_version else None
        print(
            f"\n{name}: lookback {lookback}, horizon {horizon}, hidden "
            f"{args.hidden}, batch {args.batch_size}"
        )
        flops = step_flops(args.batch_size, lookback, 1, args.hidden, horizon)
        print(f"{'kernel':<22} {'ms/step':>8} {'vs torch':>9} {'GFLOP/s':>8}")
        for k, ts in times.items():
            ms = statistics.median(ts)
            ratio = ms / base if base else None
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
                    "gflops": round(flops / ms / 1e6, 1),
                    "share_of_sgemm": round(flops / ms / 1e6 / sgemm, 3),
                }
            )
            r = f"{ratio:9.2f}" if ratio else f"{'-':>9}"
            print(f"{k:<22} {ms:8.2f} {r} {flops / ms / 1e6:8.1f}")
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
    raise SystemExit(main())
