"""Why K ensemble members cost about K times one on this CPU: the floor.

The ensembles of ``forecaster.models.ensemble`` train K members in one
compiled step. Whether that can make K members nearly as cheap as one
depends on whether a member's step is overhead or arithmetic. This script
times, under JAX (``lax.scan`` under ``jit``, forward and backward of an
LSTM at the package's default sizes: batch 32, lookback 36, hidden 64):

* ``separate``: K scans, one per member (what the ensemble compiles to);
* ``batched``: one scan over a members axis, the recurrent matmul a batched
  ``(K, B, U) @ (K, U, 4U)`` (what a members-batched cell would run);
* the recurrent matmul alone, one call, for K = 1 and K members: the rate
  this CPU reaches on those shapes.

If the batched scan is no faster than the separate ones, and the batched
matmul of K members costs K times one member's (no per-call overhead left to
share), the step is arithmetic-bound: K members cost about K times one, and
no batching of members brings K=5 near 2x on this CPU.

    python benchmarks/members.py            # needs jax (pip install jax)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "results" / "members.json"


def _cell(z, h, c, recurrent):
    import jax
    import jax.numpy as jnp

    z = z + jnp.matmul(h, recurrent)  # (..., B, 4U)
    i, f, g, o = jnp.split(z, 4, -1)
    c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    return jax.nn.sigmoid(o) * jnp.tanh(c), c


def scan_lstm(kernel, recurrent, bias, x):
    """``x (L, B, F)``; weights with a leading members axis ``K``: one scan
    whose state is ``(K, B, U)``."""
    import jax
    import jax.numpy as jnp

    xz = jnp.einsum("lbf,kfg->lkbg", x, kernel) + bias[None]  # (L, K, B, 4U)
    k, b, u = kernel.shape[0], x.shape[1], recurrent.shape[1]

    def step(carry, z):
        h, c = _cell(z, *carry, recurrent)
        return (h, c), None

    zeros = jnp.zeros((k, b, u), x.dtype)
    (h, _), _ = jax.lax.scan(step, (zeros, zeros), xz)
    return h  # (K, B, U)


def separate_lstms(kernel, recurrent, bias, x):
    """K scans, member by member."""
    import jax.numpy as jnp

    return jnp.concatenate(
        [
            scan_lstm(kernel[k : k + 1], recurrent[k : k + 1], bias[k : k + 1], x)
            for k in range(kernel.shape[0])
        ]
    )


def _time(fn, args, calls: int, rounds: int) -> float:
    """Median seconds per call of the jitted ``fn``."""
    import jax

    jax.block_until_ready(fn(*args))
    runs = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(calls):
            out = fn(*args)
        jax.block_until_ready(out)
        runs.append((time.perf_counter() - t) / calls)
    return float(np.median(runs))


def step_rows(members: int, b: int, lookback: int, units: int, rounds: int):
    """Forward + backward of one batch: separate and batched, K=1 and K."""
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(lookback, b, 1)), jnp.float32)
    rows = []
    for k in sorted({1, members}):
        w = [
            jnp.asarray(0.1 * rng.normal(size=s), jnp.float32)
            for s in ((k, 1, 4 * units), (k, units, 4 * units), (k, 1, 4 * units))
        ]
        flop = 3 * 2 * b * units * 4 * units * lookback * k  # forward + 2x back
        for name, f in (("separate", separate_lstms), ("batched", scan_lstm)):
            grad = jax.jit(
                jax.grad(lambda *a, f=f: jnp.sum(f(*a) ** 2), argnums=(0, 1, 2))
            )
            s = _time(grad, (*w, x), 50, rounds)
            rows.append(
                {"members": k, "path": name, "ms": 1e3 * s, "gflops": flop / s / 1e9}
            )
    return rows


def matmul_rows(members: int, b: int, units: int, rounds: int):
    """The recurrent matmul alone, ``(K, B, U) @ (K, U, 4U)``."""
    import jax
    import jax.numpy as jnp

    rows = []
    for k in sorted({1, members}):
        h, r = jnp.ones((k, b, units)), jnp.ones((k, units, 4 * units))
        s = _time(jax.jit(jnp.matmul), (h, r), 2000, rounds)
        flop = 2 * k * b * units * 4 * units
        rows.append({"members": k, "us": 1e6 * s, "gflops": flop / s / 1e9})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lookback", type=int, default=36)
    ap.add_argument("--units", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    import jax

    k, b, u = args.members, args.batch, args.units
    steps = step_rows(k, b, args.lookback, u, args.rounds)
    mms = matmul_rows(k, b, u, args.rounds)
    print(f"LSTM step, batch {b}, lookback {args.lookback}, hidden {u} (JAX, CPU)")
    print("| members | path | ms | GFLOP/s |\n|---|---|---|---|")
    for r in steps:
        print(f"| {r['members']} | {r['path']} | {r['ms']:.2f} | {r['gflops']:.0f} |")
    one = min(r["ms"] for r in steps if r["members"] == 1)
    best_k = min(r["ms"] for r in steps if r["members"] == k)
    for r in mms:
        print(f"matmul ({r['members']}, {b}, {u}) @ ({r['members']}, {u}, {4 * u}): "
              f"{r['us']:.1f} us, {r['gflops']:.0f} GFLOP/s")  # fmt: skip
    mm_ratio = mms[-1]["us"] / mms[0]["us"]
    print(
        f"K={k} over one: the step {best_k / one:.2f}x (best path each), the "
        f"recurrent matmul alone {mm_ratio:.2f}x"
    )
    payload = {
        "meta": {
            "date": time.strftime("%Y-%m-%d"),
            "python": platform.python_version(),
            "jax": jax.__version__,
            "cpus": os.cpu_count(),
            "argv": vars(args),
        },
        "steps": steps,
        "matmul": mms,
        "step_ratio_k_over_one": best_k / one,
        "matmul_ratio_k_over_one": mm_ratio,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
