"""Seed noise and forecast combinations on the wide benchmark.

Fits the default LSTM (``RecurrentForecaster``) and ``Seq2SeqForecaster``
with several seeds on every protocol data set (``benchmarks/datasets.json``,
the protocol of ``benchmarks/wide.py``), keeps each forecast as a CSV in
``--cache`` (a rerun scores what is there and fits only what is missing),
and scores, per set:

- each family and seed, alone;
- the median of a family's seeds (what ``ensemble_size`` combines);
- combinations, M4 style, of seed 0 with the package's Theta or seasonal
  naive (the mean of the two), and the LSTM's with seq2seq's.

It then summarises them as ``wide.py`` does (geometric-mean MASE, vs AutoETS
from ``--reference``, wins against seasonal naive and AutoETS, per split)
and also on each set's MASE averaged over the seeds: how far the
win counts move with the seed alone.

    python benchmarks/combine.py                      # 26 sets x 2 x 3 seeds
    python benchmarks/combine.py --data air_passengers --seeds 2 --cache /tmp/c
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from accuracy import holdout, mean_mase  # noqa: E402
from wide import PROTOCOL, RESULTS, fit_forecaster, versions  # noqa: E402

from forecaster import datasets  # noqa: E402
from forecaster.baselines import seasonal_naive, theta  # noqa: E402

FAMILIES = ("lstm", "seq2seq")
KEY = ["unique_id", "ds"]
CACHE = Path(tempfile.gettempdir()) / "forecaster_combine"


def _cached(path: Path, make) -> pd.Series:
    """The forecast at ``path`` (``unique_id``, ``ds``, ``yhat``), made first
    with ``make()`` if it is not there."""
    if not path.is_file():
        make()[[*KEY, "yhat"]].to_csv(path, index=False)
    fc = pd.read_csv(path, parse_dates=["ds"], dtype={"unique_id": str})
    return fc.set_index(KEY)["yhat"]


def forecasts(name: str, train: pd.DataFrame, seeds: int, cache: Path) -> dict:
    """Every family x seed forecast of set ``name``, with Theta's and seasonal
    naive's: name -> forecast Series on (``unique_id``, ``ds``)."""
    spec = PROTOCOL[name]
    h, m = spec["horizon"], spec["season_length"]
    cfg = {**spec, "season": m, "trials": 0}
    out = {
        "snaive": _cached(
            cache / f"{name}__snaive.csv", lambda: seasonal_naive(train, h, m)
        ),
        "theta": _cached(cache / f"{name}__theta.csv", lambda: theta(train, h, m)),
    }
    for family in FAMILIES:
        for seed in range(seeds):

            def fit(family=family, seed=seed):
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fc = fit_forecaster(family, train, cfg, seed, {})
                secs = time.perf_counter() - t0
                print(f"{name:<16} {family:<8} seed {seed} {secs:5.1f} s", flush=True)
                return fc

            out[f"{family}{seed}"] = _cached(
                cache / f"{name}__{family}__{seed}.csv", fit
            )
    return out


def candidates(fc: dict, seeds: int) -> pd.DataFrame:
    """The forecasts to score: each alone, seed medians, and combinations."""
    c = pd.DataFrame(fc)
    for family in FAMILIES:
        c[f"{family} median of {seeds}"] = c[
            [f"{family}{s}" for s in range(seeds)]
        ].median(axis=1)
        c[f"{family}0 + theta"] = (c[f"{family}0"] + c["theta"]) / 2
        c[f"{family}0 + snaive"] = (c[f"{family}0"] + c["snaive"]) / 2
    c["lstm0 + seq2seq0"] = (c["lstm0"] + c["seq2seq0"]) / 2
    return c


def score_set(name: str, seeds: int, cache: Path, ets: float | None) -> list[dict]:
    """One row per candidate forecast of set ``name``: its MASE."""
    spec = PROTOCOL[name]
    train, test = holdout(datasets.load(name), spec["horizon"])
    cands = candidates(forecasts(name, train, seeds, cache), seeds)
    # the CSVs hold ids as text: score against the same
    train, test = (f.astype({"unique_id": str}) for f in (train, test))
    scores = {
        c: mean_mase(
            train, test, cands[c].rename("yhat").reset_index(), spec["season_length"]
        )
        for c in cands
    }
    return [
        {
            "data": name,
            "split": spec["split"],
            "forecast": c,
            "mase": s,
            "mase_seasonal_naive": scores["snaive"],
            "mase_autoets": ets,
        }
        for c, s in scores.items()
    ]


def _summary_row(g: pd.DataFrame) -> dict:
    """Geometric-mean MASE, vs AutoETS and the two win counts of ``g``."""
    have = g.dropna(subset=["mase_autoets"])
    return {
        "sets": len(g),
        "gmean_mase": float(np.exp(np.log(g["mase"]).mean())),
        "vs_autoets": float(np.exp(np.log(have["mase"] / have["mase_autoets"]).mean())),
        "beats_snaive": int((g["mase"] < g["mase_seasonal_naive"]).sum()),
        "beats_autoets": int((have["mase"] < have["mase_autoets"]).sum()),
    }


def summarise(runs: pd.DataFrame, seeds: int) -> pd.DataFrame:
    """Per split and forecast, and per split and family on the seed-mean MASE
    of each set; a set seasonal naive gets exactly (MASE 0) is left out."""
    runs = runs[runs["mase_seasonal_naive"] > 0]
    means = []
    for family in FAMILIES:
        alone = runs[runs["forecast"].isin([f"{family}{s}" for s in range(seeds)])]
        g = alone.groupby(["data", "split"], as_index=False).mean(numeric_only=True)
        means.append(g.assign(forecast=f"{family}, mean MASE of {seeds} seeds"))
    runs = pd.concat([runs, *means], ignore_index=True)
    out = []
    for split in ("validation", "test", "all"):
        part = runs if split == "all" else runs[runs["split"] == split]
        for name, g in part.groupby("forecast", sort=False):
            out.append({"split": split, "forecast": name, **_summary_row(g)})
    return pd.DataFrame(out)


def _autoets(path: Path) -> dict[str, float]:
    """AutoETS's MASE per set, from a ``wide.py`` JSON."""
    runs = json.loads(path.read_text())["runs"] if path.is_file() else []
    return {r["data"]: r["mase"] for r in runs if r["model"] == "AutoETS"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="*", default=None, help="default: every set")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--cache", default=str(CACHE), help="forecast CSVs")
    ap.add_argument("--reference", default=str(RESULTS / "wide.json"))
    ap.add_argument("--out", default=str(RESULTS / "wide_combine.json"))
    args = ap.parse_args(argv)
    if unknown := sorted(set(args.data or []) - set(PROTOCOL)):
        ap.error(f"unknown data sets {unknown}; choose from {sorted(PROTOCOL)}")
    if args.seeds < 1:
        ap.error("--seeds must be at least 1")
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    ets = _autoets(Path(args.reference))
    rows = [
        r
        for name in args.data or list(PROTOCOL)
        for r in score_set(name, args.seeds, cache, ets.get(name))
    ]
    table = summarise(pd.DataFrame(rows), args.seeds)
    with pd.option_context("display.width", 200):
        print(table.round(3).to_string(index=False))
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "argv": sys.argv[1:] if argv is None else list(argv),
        "reference": args.reference,
        **versions(),
    }
    doc = {"meta": meta, "summary": table.to_dict("records"), "runs": rows}
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
