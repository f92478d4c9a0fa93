"""Resident memory of repeated fits and searches in one process.

A notebook, a backtest or a search fits many models in one process. Until
``forecaster/estimators/graph_registry.py``, every fit left its train graph in
TensorFlow's gradient registry (tensorflow/tensorflow#97697): 16
AutoForecaster searches of the wide benchmark in one process reached 23 GB.
Each case runs in a fresh subprocess and prints its resident set (VmRSS,
after ``gc.collect()``) after every repetition, with the release (as
shipped) and without it (``released_gradients`` replaced by a no-op):

    fit      a default RecurrentForecaster on air_passengers, 10 times
    search   an AutoForecaster search (4 trials, cv_windows=2), 4 times

    python benchmarks/repeated_fits.py            # both cases
    python benchmarks/repeated_fits.py --quick    # fits only

Writes ``benchmarks/results/repeated_fits.json``; the growth column is the
resident set after the last repetition minus after the first, per
repetition.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import contextlib, gc, json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import forecaster
import forecaster.estimators.training as training

kind, release, n = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
if not release:
    training.released_gradients = contextlib.nullcontext
df = forecaster.datasets.load("air_passengers")

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

for i in range(n):
    if kind == "search":
        est = forecaster.AutoForecaster(horizon=12, n_trials=4, verbose=0,
                                        random_state=i)
    else:
        est = forecaster.RecurrentForecaster(horizon=12, verbose=0, random_state=i)
    est.fit(df).predict()
    del est
    gc.collect()
    print(json.dumps({"repetition": i, "rss_mb": rss_mb()}), flush=True)
"""


def measure(kind: str, release: bool, n: int) -> dict:
    """One fresh process: the resident set after each repetition."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(int(release)), str(n)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    rss = [json.loads(line)["rss_mb"] for line in out.splitlines() if line[:1] == "{"]
    return {
        "case": kind,
        "release": release,
        "repetitions": n,
        "rss_mb": rss,
        "growth_mb_per_repetition": (rss[-1] - rss[0]) / (n - 1),
        "seconds": time.perf_counter() - t0,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fits only")
    ap.add_argument(
        "--out", default=str(REPO / "benchmarks/results/repeated_fits.json")
    )
    args = ap.parse_args(argv)
    cases = [("fit", 10)] + ([] if args.quick else [("search", 4)])
    rows = [measure(k, rel, n) for k, n in cases for rel in (False, True)]
    print("| case | release | first MB | last MB | growth MB per repetition |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['case']} | {'yes' if r['release'] else 'no'} | "
            f"{r['rss_mb'][0]:.0f} | {r['rss_mb'][-1]:.0f} | "
            f"{r['growth_mb_per_repetition']:.0f} |"
        )
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "argv": sys.argv[1:] if argv is None else list(argv),
    }
    Path(args.out).write_text(json.dumps({"meta": meta, "runs": rows}, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
