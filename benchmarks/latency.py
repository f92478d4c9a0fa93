"""Prediction latency: ``predict(df)`` for 1, 100 and 10,000 series.

A fitted estimator of each family (lookback 48, horizon 24, hidden 64)
forecasts n new series; the table shows ``predict(df)``'s wall time (median
of 3, after a warm-up call with the same number of series, which traces the
network for that batch size) next to the bare network's
``predict_on_batch`` over the same windows, in the chunks ``predict`` uses.
``benchmarks/throughput.py`` runs it after its training grid; alone::

    python benchmarks/latency.py      # ~1 min; or throughput.py --latency-only

which replaces the ``latency`` rows of ``benchmarks/results/throughput.json``
(or ``--out``) and keeps its training rows. The synthetic series here are
the ones the training grid uses too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FAMILIES = ("many_to_one", "seq2seq")


def synthetic_panel(n_series: int, length: int, seed: int = 0):
    """Standardised random-walk-plus-season series, float32 ``(N, 1)``."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    walk = np.cumsum(rng.normal(size=(n_series, length)), axis=1)
    y = walk + 3 * np.sin(2 * np.pi * t / 24)[None, :]
    y = (y - y.mean(axis=1, keepdims=True)) / y.std(axis=1, keepdims=True)
    indptr = np.arange(n_series + 1, dtype=np.int64) * length
    return y.reshape(-1, 1).astype(np.float32), indptr


def hourly_frame(n_series: int, length: int, seed: int, start: str, prefix: str):
    """``synthetic_panel`` as a long hourly frame (``y`` shifted to 10), and
    its float32 values."""
    import pandas as pd

    values, _ = synthetic_panel(n_series, length, seed=seed)
    ids = np.array([f"{prefix}{i}" for i in range(n_series)], dtype=object)
    times = pd.date_range(start, periods=length, freq="h")
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, length),
            "ds": np.tile(times.values, n_series),
            "y": values[:, 0].astype("float64") + 10,
        }
    )
    return frame, values


def latency(sizes: list[int], families: list[str], lookback: int = 48) -> list[dict]:
    """predict(df) of a fitted estimator for n series, and the bare network."""
    import forecaster

    horizon = 24
    train, _ = hourly_frame(20, 600, seed=0, start="2020-01-01", prefix="s")
    classes = {
        "many_to_one": forecaster.RecurrentForecaster,
        "seq2seq": forecaster.Seq2SeqForecaster,
    }
    rows = []
    for family in families:
        est = classes[family](
            horizon=horizon,
            lookback=lookback,
            hidden_units=64,
            max_epochs=1,
            batch_size=256,
            verbose=0,
            random_state=0,
        ).fit(train)
        for n in sizes:
            frame, hist = hourly_frame(
                n, lookback + horizon, seed=1, start="2021-01-01", prefix="n"
            )
            est.predict(frame)  # warm-up: traces predict_on_batch for this size
            predict_s = _median_time(est.predict, frame)
            windows = hist.reshape(n, -1, 1)[:, -lookback:, :]
            net = est.networks_.predict
            _network(net, windows)
            network_s = _median_time(_network, net, windows)
            rows.append(
                {
                    "family": family,
                    "series": n,
                    "lookback": lookback,
                    "horizon": horizon,
                    "predict_s": predict_s,
                    "network_s": network_s,
                }
            )
            print(
                f"  predict {family:<12}{n:>7} series  {predict_s:.4f} s "
                f"(network {network_s:.4f} s)",
                flush=True,
            )
    return rows


def _median_time(fn, *args, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _network(net, windows, chunk: int = 8192) -> None:
    """The bare network over every window, in the chunks predict uses."""
    for i in range(0, len(windows), chunk):
        net.predict_on_batch({"history": windows[i : i + chunk]})


def latency_only(out: str | None) -> int:
    """Replace the ``latency`` rows of the JSON, keeping the training rows."""
    path = Path(out or Path(__file__).parent / "results" / "throughput.json")
    lat = latency([1, 100, 10_000], list(FAMILIES))
    payload = json.loads(path.read_text()) if path.is_file() else {"meta": {}}
    payload["latency"] = lat
    payload["meta"]["latency_note"] = (
        f"latency re-measured {time.strftime('%Y-%m-%d')} with --latency-only"
    )
    path.write_text(json.dumps(payload, indent=2, default=float) + "\n")
    print(f"wrote {path}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="JSON path (throughput.json)")
    return latency_only(ap.parse_args(argv).out)


if __name__ == "__main__":
    raise SystemExit(main())
