"""What a fit costs: the step budget against series length, and ensembles.

Two tables, each measured in one run (ratios, on a shared machine):

* ``length``: ``RecurrentForecaster`` at its defaults (only ``horizon=24``)
  on one hourly series of 10,000 and of 100,000 points (a daily and a
  weekly cycle plus noise). With the step budget (``max_steps``) the cost
  follows the budget, not the length; ``max_steps=None`` shows what whole
  passes cost (capped by ``--passes``).
* ``members``: ``ensemble_size`` 1, 3 and 5 at defaults on a monthly set
  and on a panel: the K members train in one model, one compiled step.

    python benchmarks/budget.py            # ~5 min here
    python benchmarks/budget.py --quick    # ~1 min
    KERAS_BACKEND=jax python benchmarks/budget.py --members-only \
        --out benchmarks/results/budget_jax.json   # the members under JAX

Writes ``benchmarks/results/budget.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forecaster import RecurrentForecaster, datasets  # noqa: E402


def hourly(n: int, seed: int = 0) -> pd.DataFrame:
    """One hourly series of ``n`` points: daily and weekly cycles, noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    y = (
        10
        + 3 * np.sin(2 * np.pi * t / 24)
        + np.sin(2 * np.pi * t / 168)
        + 0.3 * rng.normal(size=n)
    )
    ds = pd.date_range("2000-01-01", periods=n, freq="h")
    return pd.DataFrame({"unique_id": "s", "ds": ds, "y": y})


def timed_fit(df: pd.DataFrame, **params) -> tuple[float, RecurrentForecaster]:
    est = RecurrentForecaster(verbose=0, random_state=0, **params)
    t0 = time.perf_counter()
    est.fit(df)
    return time.perf_counter() - t0, est


def length_rows(lengths, passes: int) -> list[dict]:
    rows = []
    for budget in ("max_steps=1000", "max_steps=None"):
        extra = {} if budget.endswith("1000") else {"max_steps": None}
        if extra:
            extra["max_epochs"] = passes
        for n in lengths:
            fit_s, est = timed_fit(hourly(n), horizon=24, **extra)
            steps = int(est.model_.optimizer.iterations.numpy())
            rows.append({"budget": budget, "points": n, "fit_s": fit_s, "steps": steps})
            print(f"  {budget:<15} {n:>7} points  {fit_s:7.1f} s  {steps} steps")
    return rows


def member_rows(sizes) -> list[dict]:
    rows = []
    for name, h in (("air_passengers", 12), ("us_employment", 12)):
        df = datasets.load(name)
        timed_fit(df, horizon=h, max_epochs=1)  # warm-up: first-fit costs
        for k in sizes:
            fit_s, est = timed_fit(df, horizon=h, ensemble_size=k)
            steps = int(est.model_.optimizer.iterations.numpy())
            rows.append({"data": name, "members": k, "fit_s": fit_s, "steps": steps})
            print(f"  {name:<15} K={k}  {fit_s:6.1f} s  {steps} steps")
    return rows


def _length_ratios(rows: list[dict], lengths) -> dict[str, float]:
    by = {(r["budget"], r["points"]): r["fit_s"] for r in rows}
    return {
        f"{b}: {lengths[1]} / {lengths[0]} points": by[(b, lengths[1])]
        / by[(b, lengths[0])]
        for b in ("max_steps=1000", "max_steps=None")
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--passes", type=int, default=3, help="max_epochs without a cap")
    ap.add_argument("--members-only", action="store_true", help="skip lengths")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    lengths = (2_000, 20_000) if args.quick else (10_000, 100_000)
    length, summary = [], {}
    if not args.members_only:
        print("fit time against series length (hourly, horizon 24, defaults)")
        length = length_rows(lengths, 1 if args.quick else args.passes)
        summary = _length_ratios(length, lengths)
    print("fit time against ensemble members (defaults)")
    members = member_rows((1, 3) if args.quick else (1, 3, 5))
    one = {r["data"]: r["fit_s"] for r in members if r["members"] == 1}
    for r in members:
        r["vs_one_member"] = r["fit_s"] / one[r["data"]]
        r["step_ms"] = r["fit_s"] / r["steps"] * 1e3
    print(json.dumps(summary, indent=1))
    for r in members:
        print(f"  {r['data']:<15} K={r['members']}  {r['vs_one_member']:.2f}x one")
    out = Path(args.out or Path(__file__).parent / "results" / "budget.json")
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "quick": args.quick,
        "keras_backend": keras.backend.backend(),
    }
    payload = {"meta": meta, "length": length, "members": members, "ratios": summary}
    out.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
