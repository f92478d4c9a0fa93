"""Peak memory (RSS) of ``fit`` against the size of the panel.

Each size runs in a fresh subprocess, so its peak (``ru_maxrss``) counts
everything that process held: the Python interpreter, TensorFlow and Keras
(imported first, ~0.7 GB alone), the long input frame, and ``fit`` (one epoch
of a tiny LSTM). The peak is recorded after each stage, so the table shows
where the memory goes:

    import     python + numpy + pandas + TensorFlow + Keras + forecaster
    frame      + the long frame (unique_id str, ds datetime64, y float64)
    panel      + validation and packing (frame_panel), peak while it ran
    fit        + scaling, windows, tf.data, model, one epoch, calibration

Windows are never materialised (one int64 start per window), so the rise
over ``import`` must grow with the number of points, not windows x lookback.

    python benchmarks/memory.py            # 1e4 .. 1e7 points
    python benchmarks/memory.py --quick    # 1e4 .. 1e6 points

Writes ``benchmarks/results/memory.json``. Timings and memory are measured on
whatever machine runs it (here: a shared 2-core machine).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LIMIT_MB = 1536  # acceptance: below 1.5 GB at 1e7 points, TensorFlow included

# points -> (series, length): long series, as a data scientist's panel grows
SIZES = {
    10_000: (10, 1_000),
    100_000: (10, 10_000),
    1_000_000: (100, 10_000),
    10_000_000: (100, 100_000),
}

CHILD = r"""
import json, os, resource, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

n_series, length, lookback, horizon, batch, stage = (
    int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
    int(sys.argv[5]), sys.argv[6])
out = {"stages": {}}
def mark(name):
    out["stages"][name] = {"peak_mb": round(peak_mb(), 1), "rss_mb": round(rss_mb(), 1)}

t0 = time.perf_counter()
import numpy as np, pandas as pd
import tensorflow as tf, keras
import forecaster
mark("import")

ids = np.repeat(np.array([f"s{i:04d}" for i in range(n_series)], dtype=object), length)
t = pd.date_range("2000-01-01", periods=length, freq="h")
rng = np.random.default_rng(0)
y = np.cumsum(rng.normal(size=(n_series, length)), axis=1).ravel() + 100.0
df = pd.DataFrame({"unique_id": ids, "ds": np.tile(t.values, n_series), "y": y})
del ids, y
out["frame_mb"] = round(df.memory_usage(deep=True).sum() / 2**20, 1)
mark("frame")

est = forecaster.RecurrentForecaster(
    horizon=horizon, lookback=lookback, hidden_units=8, batch_size=batch,
    max_epochs=1, early_stopping_patience=None, verbose=0, random_state=0)
if stage == "panel":
    from forecaster.estimators.inputs import frame_panel, layout_of
    panel = frame_panel(df, layout_of(est), "unique_id", "ds", "y", None)
    out["panel_values_mb"] = round(panel.values.nbytes / 2**20, 1)
    mark("panel")
else:
    est.fit(df)
    out["n_train_windows"] = int(est.n_train_windows_)
    out["n_val_windows"] = int(est.n_val_windows_)
    mark("fit")
out["seconds"] = round(time.perf_counter() - t0, 1)
out["peak_mb"] = round(peak_mb(), 1)
print(json.dumps(out))
"""


def run_size(
    points: int, lookback: int, horizon: int, batch: int, stage: str, timeout: int
) -> dict:
    n_series, length = SIZES[points]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(REPO), os.environ.get("PYTHONPATH")])
        ),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    args = [n_series, length, lookback, horizon, batch, stage]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{points} points failed:\n{proc.stderr[-3000:]}")
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"points": points, "n_series": n_series, "length": length, **row}


def main(argv=None) -> int:
    args, sizes = _args(argv)
    rows = []
    for points in sizes:
        rows.append(_row(points, args))
        _print_row(rows[-1])  # one line per size as it ends: a 1e7 run is long
    verdict = _report(rows)
    _write(args, rows, verdict)
    return 0


def _args(argv) -> tuple[argparse.Namespace, list[int]]:
    """Parse the command line; return it and the sizes (points) to run."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="up to 1e6 points")
    ap.add_argument(
        "--points", type=int, nargs="*", default=None, help=f"a subset of {list(SIZES)}"
    )
    ap.add_argument("--lookback", type=int, default=48)
    ap.add_argument("--horizon", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=4096)
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per size")
    ap.add_argument("--out", default=None, help="JSON path")
    args = ap.parse_args(argv)

    sizes = [p for p in SIZES if not args.quick or p <= 1_000_000]
    if args.points:
        unknown = sorted(set(args.points) - set(SIZES))
        if unknown:
            ap.error(f"--points must be among {list(SIZES)}, got {unknown}")
        sizes = [p for p in SIZES if p in args.points]
    return args, sizes


def _row(points: int, args: argparse.Namespace) -> dict:
    """One size: a ``fit`` and a ``panel`` subprocess, merged into one row."""
    t0 = time.perf_counter()
    fit = run_size(
        points, args.lookback, args.horizon, args.batch_size, "fit", args.timeout
    )
    panel = run_size(
        points, args.lookback, args.horizon, args.batch_size, "panel", args.timeout
    )
    stages = {**panel["stages"], **fit["stages"]}
    row = {
        "points": points,
        "n_series": fit["n_series"],
        "length": fit["length"],
        "frame_mb": fit["frame_mb"],
        "panel_values_mb": panel["panel_values_mb"],
        "import_peak_mb": stages["import"]["peak_mb"],
        "frame_peak_mb": stages["frame"]["peak_mb"],
        "panel_peak_mb": stages["panel"]["peak_mb"],
        "fit_peak_mb": stages["fit"]["peak_mb"],
        "rise_over_import_mb": round(
            stages["fit"]["peak_mb"] - stages["import"]["peak_mb"], 1
        ),
        "n_train_windows": fit["n_train_windows"],
        "fit_process_s": fit["seconds"],
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    row["bytes_per_point_over_import"] = round(
        row["rise_over_import_mb"] * 2**20 / points, 1
    )
    return row


def _print_row(row: dict) -> None:
    """Print one size's stage peaks on one line."""
    print(
        f"{row['points']:>11,} points  import {row['import_peak_mb']:7.0f} MB  "
        f"frame {row['frame_peak_mb']:7.0f}  panel {row['panel_peak_mb']:7.0f}  "
        f"fit peak {row['fit_peak_mb']:7.0f} MB  ({row['fit_process_s']} s)",
        flush=True,
    )


def _report(rows: list[dict]) -> dict:
    """Print the table and the verdict on the largest size; return the verdict."""
    import pandas as pd

    table = pd.DataFrame(rows).set_index("points")
    cols = [
        "frame_mb",
        "import_peak_mb",
        "frame_peak_mb",
        "panel_peak_mb",
        "fit_peak_mb",
        "rise_over_import_mb",
        "bytes_per_point_over_import",
    ]
    print()
    print(table[cols].to_string())
    largest = rows[-1]
    verdict = {
        "largest_points": largest["points"],
        "fit_peak_mb": largest["fit_peak_mb"],
        "limit_mb": LIMIT_MB,
        "below_limit": largest["fit_peak_mb"] < LIMIT_MB,
        "grows_with_data": all(
            a["rise_over_import_mb"] <= b["rise_over_import_mb"]
            for a, b in zip(rows, rows[1:], strict=False)
        ),
    }
    print(
        f"\npeak RSS at {largest['points']:,} points: {largest['fit_peak_mb']:.0f} MB "
        f"(limit {LIMIT_MB} MB: {'ok' if verdict['below_limit'] else 'ABOVE'}); "
        "shared 2-core machine"
    )
    return verdict


def _write(args: argparse.Namespace, rows: list[dict], verdict: dict) -> None:
    """Write meta, verdict and runs as JSON (``--out`` or results/memory.json)."""
    meta = _meta()
    meta.update(
        lookback=args.lookback,
        horizon=args.horizon,
        batch_size=args.batch_size,
        model="RecurrentForecaster(lstm, hidden_units=8), 1 epoch",
    )
    out = Path(args.out or Path(__file__).parent / "results" / "memory.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"meta": meta, "verdict": verdict, "runs": rows}, indent=2) + "\n"
    )
    print(f"wrote {out}")


def _meta() -> dict:
    import numpy as np
    import pandas as pd

    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "shared_machine": True,
        "note": "measured on a machine shared with other jobs (2 cores)",
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    for pkg in ("tensorflow", "keras"):
        with contextlib.suppress(PackageNotFoundError):
            meta[pkg] = version(pkg)
    # TensorFlow's import pulls in JAX when it is installed (tf.lite's
    # utilities try it): ~140 MB more at "import" in such an environment
    meta["jax_installed"] = find_spec("jax") is not None
    return meta


if __name__ == "__main__":
    raise SystemExit(main())
