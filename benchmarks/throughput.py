"""Training throughput, input-pipeline throughput and prediction latency.

Training is measured on the pieces ``fit`` is made of, without the estimator
around them: the same ``tf.data`` pipeline (``forecaster.data.make_dataset``:
per-epoch stateless shuffle of window starts, one vectorised gather per
batch, prefetch), the family's model builder, and ``model.fit`` for a fixed
number of steps after a warm-up call (which traces/compiles). For each
configuration the table shows

* ``win/s``: training windows per second (steps x batch / seconds);
* ``s/epoch``: one epoch of a reference panel (100 series x 2,000 points)
  at that speed;
* ``pipe win/s``: the same pipeline iterated alone (the model replaced by a
  no-op ``Dataset.reduce``), and ``pipe %``: the pipeline's time as a share
  of the training step's time. Well below 100 %: the model is the
  bottleneck, and prefetch hides the pipeline.

Prediction latency goes through the estimator (``benchmarks/latency.py``):
``predict(df)`` wall time for 1, 100 and 10,000 series (after a warm-up call
with the same number of series), next to the bare network's
``predict_on_batch`` on the same windows.

    python benchmarks/throughput.py            # a subset grid (~15 min here)
    python benchmarks/throughput.py --quick    # < 2 min
    python benchmarks/throughput.py --full     # every cell x family x hidden
                                               # x lookback x batch x jit

Under another Keras backend (``KERAS_BACKEND=jax``), or where TensorFlow is
not installed, batches come from the same index arithmetic in NumPy
(``--pipeline numpy``) and the estimator latency is skipped; every
configuration is then compiled (``jit_compile=False`` means op-by-op
execution under JAX, not a graph as under TensorFlow).

Writes ``benchmarks/results/throughput[_<backend>].json``. Timings are wall
clock on whatever machine runs it; the recorded ones were taken on a shared
2-core machine, so compare ratios within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency import FAMILIES, latency, latency_only, synthetic_panel  # noqa: E402

CELLS = ("lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm")
HIDDEN = (32, 128, 256)
LOOKBACK = (24, 168, 512)
BATCH = (32, 256, 1024)
HORIZON = 24
REF_SERIES, REF_LENGTH = 100, 2_000  # the panel behind "s/epoch"


def _has_tensorflow() -> bool:
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True


# -- configurations -------------------------------------------------------------
def grid(mode: str) -> list[dict]:
    """Training configurations: quick, a default subset, or the full product."""

    def cfg(family="many_to_one", cell="lstm", hidden=32, lookback=168, batch=256,
            jit=False):  # fmt: skip
        return dict(family=family, cell=cell, hidden=hidden, lookback=lookback,
                    batch=batch, jit=jit)  # fmt: skip

    if mode == "quick":
        return [
            cfg(cell="lstm", lookback=24),
            cfg(cell="gru", lookback=24),
            cfg(cell="peephole_lstm", lookback=24),
            cfg(family="seq2seq", cell="lstm", lookback=24),
        ]
    if mode == "full":
        return [
            cfg(f, c, h, lb, b, j)
            for f, c, h, lb, b, j in itertools.product(
                FAMILIES, CELLS, HIDDEN, LOOKBACK, BATCH, (False, True)
            )
        ]
    rows = [cfg(f, c) for f in FAMILIES for c in CELLS]  # every cell and family
    rows += [cfg(hidden=h) for h in HIDDEN if h != 32]  # width
    rows += [cfg(lookback=lb) for lb in LOOKBACK if lb != 168]  # window length
    rows += [cfg(batch=b) for b in BATCH if b != 256]  # batch size
    rows += [  # XLA against the rows above with jit=False
        cfg(cell="lstm", jit=True),
        cfg(cell="gru", jit=True),
        cfg(family="seq2seq", cell="lstm", jit=True),
        cfg(hidden=256, jit=True),
    ]
    return rows


# -- data -------------------------------------------------------------------------
def tf_batches(values, starts, lookback, batch, family, seed=0):
    """The pipeline ``fit`` uses, repeated (an epoch variable as in fit)."""
    import tensorflow as tf

    from forecaster.data import make_dataset

    epoch = tf.Variable(0, dtype=tf.int64, trainable=False)
    ds = make_dataset(
        values, starts, lookback, HORIZON, batch, True, seed, epoch_variable=epoch
    )
    if family == "seq2seq":
        ds = ds.map(lambda i, t: ({**i, "targets": t}, t))
    return ds.repeat()


def numpy_batches(values, starts, lookback, batch, family, seed=0):
    """The same windows by NumPy index arithmetic (backends without tf.data)."""
    rng = np.random.default_rng(seed)
    span = np.arange(lookback + HORIZON)
    while True:
        order = rng.permutation(starts)
        for lo in range(0, len(order) - batch + 1, batch):
            block = values[order[lo : lo + batch, None] + span[None, :]]
            x = {"history": block[:, :lookback, :]}
            y = block[:, lookback:, 0]
            if family == "seq2seq":
                x["targets"] = y
            yield x, y


def pipeline_alone(ds, batch: int, min_time: float) -> float:
    """Windows per second of the tf.data pipeline with a no-op consumer."""
    n = 4
    while True:
        part = ds.take(n)
        t0 = time.perf_counter()
        part.reduce(np.int64(0), lambda s, _: s + 1).numpy()
        dt = time.perf_counter() - t0
        if dt >= min_time or n >= 1 << 16:
            return n * batch / dt
        n *= 2 if dt < min_time / 4 else 1
        n = max(n, int(n * min_time / max(dt, 1e-3)))


# -- models -----------------------------------------------------------------------
def build(family, cell, hidden, lookback):
    if family == "many_to_one":
        from forecaster.models.many_to_one import build_many_to_one

        nets = build_many_to_one(lookback, 1, HORIZON, cell=cell, hidden_units=hidden)
        return nets.train
    from forecaster.models.seq2seq import build_seq2seq

    nets = build_seq2seq(lookback, 1, HORIZON, cell=cell, hidden_units=hidden)
    return nets.train


def train_speed(cfg: dict, pipeline: str, min_time: float) -> dict:
    """Windows per second of model.fit for one configuration."""
    import keras

    from forecaster.data import window_starts
    from forecaster.models.losses import make_loss

    keras.utils.set_random_seed(0)
    lookback, batch = cfg["lookback"], cfg["batch"]
    length = max(4 * (lookback + HORIZON), 2_000)
    n_series = max(4, math.ceil(2 * batch / (length - lookback - HORIZON + 1)))
    values, indptr = synthetic_panel(n_series, length)
    starts = window_starts(indptr, lookback, HORIZON)
    make = tf_batches if pipeline == "tf.data" else numpy_batches
    data = make(values, starts, lookback, batch, cfg["family"])

    model = build(cfg["family"], cfg["cell"], cfg["hidden"], lookback)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0),
        loss=make_loss("mse"),
        jit_compile=cfg["jit"],
    )

    def run(steps):
        t0 = time.perf_counter()
        model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
        return time.perf_counter() - t0

    warm = run(2)  # traces (and with jit compiles) the train step
    probe = run(2) / 2
    steps = int(min(500, max(3, math.ceil(min_time / max(probe, 1e-4)))))
    dt = run(steps)
    wps = steps * batch / dt
    ref_windows = REF_SERIES * (REF_LENGTH - lookback - HORIZON + 1)
    row = {
        **cfg,
        "params": int(model.count_params()),
        "steps": steps,
        "step_ms": 1000 * dt / steps,
        "win_per_s": wps,
        "s_per_epoch": ref_windows / wps,
        "warmup_s": warm,
    }
    if pipeline == "tf.data":
        pipe = pipeline_alone(data, batch, min(min_time, 1.0))
        row["pipe_win_per_s"] = pipe
        row["pipe_share"] = wps / pipe  # pipeline time / step time
    keras.backend.clear_session()
    return row


# -- main -----------------------------------------------------------------------------
def main(argv=None) -> int:
    args = _args(argv)
    import keras

    backend = keras.backend.backend()
    pipeline = _pipeline(args.pipeline, backend)
    if args.latency_only:
        return latency_only(args.out)
    mode_name = "quick" if args.quick else "full" if args.full else "default"
    min_time = args.min_time or (0.5 if args.quick else 2.0)
    configs = grid(mode_name)
    if backend != "tensorflow":
        configs = _all_compiled(configs)
    print(
        f"backend {backend}, pipeline {pipeline}, {len(configs)} training "
        f"configurations ({mode_name}); shared 2-core machine: compare ratios",
        flush=True,
    )
    rows = [_row(cfg, pipeline, min_time) for cfg in configs]
    lat = _latency(pipeline, args.quick)
    summary = report(rows, lat)
    meta = _meta(backend, pipeline, mode_name, min_time)
    _write(args.out, backend, meta, summary, rows, lat)
    return 0


def _args(argv) -> argparse.Namespace:
    """Parse the command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="a few small cases")
    mode.add_argument("--full", action="store_true", help="the whole grid (hours)")
    ap.add_argument("--pipeline", choices=["auto", "tf.data", "numpy"], default="auto")
    ap.add_argument("--min-time", type=float, default=None, help="s per measurement")
    ap.add_argument("--out", default=None, help="JSON path")
    ap.add_argument(
        "--latency-only",
        action="store_true",
        help="re-measure predict latency (1, 100, 10,000 series) into the JSON",
    )
    return ap.parse_args(argv)


def _pipeline(choice: str, backend: str) -> str:
    """Resolve ``--pipeline auto``: tf.data under TensorFlow, else NumPy."""
    if choice != "auto":
        return choice
    tf_ok = backend == "tensorflow" and _has_tensorflow()
    return "tf.data" if tf_ok else "numpy"


def _all_compiled(configs: list[dict]) -> list[dict]:
    """Every configuration with ``jit=True``, duplicates dropped, order kept."""
    # jit_compile=False means op-by-op (eager) execution under JAX, not a
    # graph as under TensorFlow: every configuration runs compiled
    seen, compiled = set(), []
    for c in configs:
        c = {**c, "jit": True}
        key = tuple(sorted(c.items()))
        if key not in seen:
            seen.add(key)
            compiled.append(c)
    return compiled


def _row(cfg: dict, pipeline: str, min_time: float) -> dict:
    """Measure one configuration and print its line; a failure becomes a row."""
    try:
        row = train_speed(cfg, pipeline, min_time)
    except Exception as exc:  # noqa: BLE001 - report and go on
        row = {**cfg, "error": f"{type(exc).__name__}: {exc}"[:300]}
        print(f"  {cfg} failed: {row['error']}", flush=True)
    else:
        pipe = row.get("pipe_share")
        print(
            f"  {row['family']:<12}{row['cell']:<14}h{row['hidden']:<4}"
            f"L{row['lookback']:<4}B{row['batch']:<5}jit={row['jit']!s:<6}"
            f"{row['win_per_s']:9.0f} win/s  {row['s_per_epoch']:7.1f} s/epoch"
            + (f"  pipeline {100 * pipe:4.1f}% of step" if pipe else ""),
            flush=True,
        )
    return row


def _latency(pipeline: str, quick: bool) -> list[dict]:
    """Estimator predict latency; skipped where fit has no TensorFlow."""
    if pipeline != "tf.data":
        print("  estimator latency skipped: the estimator's fit needs TensorFlow")
        return []
    sizes = [1, 100] + ([10_000] if not quick else [1_000])
    fams = ["many_to_one"] if quick else list(FAMILIES)
    return latency(sizes, fams)


def _write(out, backend, meta, summary, rows, lat) -> None:
    """Write the JSON (``--out`` or results/throughput[_<backend>].json)."""
    suffix = "" if backend == "tensorflow" else f"_{backend}"
    out = Path(out or Path(__file__).parent / "results" / f"throughput{suffix}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"meta": meta, "summary": summary, "training": rows, "latency": lat},
            indent=2,
            default=float,
        )
        + "\n"
    )
    print(f"wrote {out}")


def report(rows: list[dict], lat: list[dict]) -> dict:
    """Print the tables; return the headline ratios."""
    import pandas as pd

    ok = pd.DataFrame([r for r in rows if "error" not in r])
    summary: dict = {}
    if ok.empty:
        return summary
    cols = ["family", "cell", "hidden", "lookback", "batch", "jit"]
    show = ok[cols + ["win_per_s", "s_per_epoch", "step_ms"]].copy()
    if "pipe_share" in ok:
        show["pipe_win_per_s"] = ok["pipe_win_per_s"]
        show["pipe_%"] = 100 * ok["pipe_share"]
    print("\ntraining (shared 2-core machine; s/epoch for 100 series x 2,000 points):")
    print(show.round(1).to_string(index=False))
    base = ok[(ok.hidden == 32) & (ok.lookback == 168) & (ok.batch == 256) & ~ok.jit]
    ref = base[(base.family == "many_to_one") & (base.cell == "lstm")]
    if len(ref):
        lstm = float(ref.win_per_s.iloc[0])
        summary["relative_to_many_to_one_lstm"] = {
            f"{r.family}/{r.cell}": round(r.win_per_s / lstm, 3)
            for r in base.itertuples()
        }
    speedups = _jit_speedups(ok)
    if speedups:
        summary["jit_speedup"] = speedups
        print("\njit_compile=True speed / jit_compile=False speed:")
        for k, v in speedups.items():
            print(f"  {k:<40}{v:6.2f}x")
    if "pipe_share" in ok:
        summary["pipeline_share_max"] = round(float(ok.pipe_share.max()), 3)
        summary["pipeline_share_median"] = round(float(ok.pipe_share.median()), 3)
        print(
            f"\ninput pipeline alone takes {100 * ok.pipe_share.median():.1f}% "
            f"(median; max {100 * ok.pipe_share.max():.1f}%) of a training step's "
            "time: the model is the bottleneck"
            if ok.pipe_share.max() < 0.5
            else "\nthe input pipeline is a bottleneck in some configurations"
        )
    if lat:
        table = pd.DataFrame(lat)
        print("\nprediction latency (median of 3, after a warm-up call):")
        print(table.round(4).to_string(index=False))
        summary["predict_s"] = {
            f"{r['family']}/{r['series']}": round(r["predict_s"], 4) for r in lat
        }
    return summary


def _jit_speedups(ok) -> dict:
    """Speed with jit over the same configuration without, keyed by config."""
    speedups = {}
    for r in ok[ok.jit].itertuples():
        same = ok[
            (ok.family == r.family)
            & (ok.cell == r.cell)
            & (ok.hidden == r.hidden)
            & (ok.lookback == r.lookback)
            & (ok.batch == r.batch)
            & ~ok.jit
        ]
        if len(same):
            key = f"{r.family}/{r.cell}/h{r.hidden}/L{r.lookback}/B{r.batch}"
            speedups[key] = round(r.win_per_s / float(same.win_per_s.iloc[0]), 3)
    return speedups


def _meta(backend, pipeline, mode, min_time) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "shared_machine": True,
        "note": "wall clock on a machine shared with other jobs (2 cores): "
        "compare ratios within one run",
        "backend": backend,
        "pipeline": pipeline,
        "mode": mode,
        "min_time_s": min_time,
        "horizon": HORIZON,
        "reference_panel": f"{REF_SERIES} series x {REF_LENGTH} points",
    }
    for pkg in ("tensorflow", "keras", "jax", "jaxlib", "numpy"):
        with contextlib.suppress(PackageNotFoundError):
            meta[pkg] = version(pkg)
    with contextlib.suppress(Exception):
        import keras

        meta["devices"] = [str(d) for d in keras.distribution.list_devices()]
    return meta


if __name__ == "__main__":
    raise SystemExit(main())
