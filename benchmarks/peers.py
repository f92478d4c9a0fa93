"""forecaster against its peers: accuracy (MASE) and fit/predict time.

The same data, holdout, horizon, lookback, number of optimiser steps, batch
size, hidden size and learning rate go through

* forecaster's ``RecurrentForecaster`` (LSTM and GRU);
* statsforecast's ``SeasonalNaive`` and ``AutoETS`` (when importable);
* NeuralForecast's ``LSTM`` and ``GRU`` on CPU (when importable) with
  ``recurrent=False``, the many-to-one family: one recurrent layer of the same
  width, ``input_size`` = lookback, a linear decoder (``decoder_layers=1``),
  ``scaler_type="standard"``, the same loss, learning rate and seed.

Matching "steps and batch size": forecaster draws ``batch_size`` windows per
step and runs whole epochs; NeuralForecast draws ``windows_batch_size``
windows per step from a batch of series (here all of them). forecaster's
epochs are chosen so that ``epochs x steps_per_epoch`` is close to
``--steps``, and NeuralForecast's ``max_steps`` is set to exactly that total,
with ``windows_batch_size`` = forecaster's ``batch_size``. Neither uses early
stopping or a validation split.

Fit and predict times are wall-clock seconds of ``fit()`` / ``predict()``
(and the process's CPU seconds, all threads, for fit; on a shared machine
they are less disturbed by other jobs than wall time), and of a second
``predict()`` call ("again": once the prediction function is traced),
after one discarded warm-up fit of each library (so one-off start-up costs,
such as TensorFlow's or Lightning's first graph/trainer set-up, are not
charged to the first data set). Ratios are forecaster's time over the peer's,
measured in the same process, one after the other, on the same machine.

statsforecast 2 needs ``pandas<3`` and NeuralForecast pulls torch: they live in
a separate environment, not in forecaster's dependencies::

    python3 -m venv /work/benchvenv
    /work/benchvenv/bin/pip install torch==2.13.0     # CPU wheel, first
    /work/benchvenv/bin/pip install "pandas<3" statsforecast neuralforecast \
        tensorflow keras scikit-learn matplotlib
    /work/benchvenv/bin/pip install -e . --no-deps
    /work/benchvenv/bin/python benchmarks/peers.py            # ~15 min
    /work/benchvenv/bin/python benchmarks/peers.py --quick    # ~1 min

Peers that are not importable are skipped with a note. Writes
``benchmarks/results/peers.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import math
import os
import platform
import sys
import time
import warnings
from functools import partial
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import HORIZON, holdout, mean_mase  # noqa: E402

from forecaster import datasets  # noqa: E402

# forecaster's default lookback rule, max(2 x season, 3 x horizon), written out
LOOKBACK = {"air_passengers": 36, "taylor": 144, "us_employment": 36}
STEPS = {"air_passengers": 500, "taylor": 1000, "us_employment": 1000}
DATA = ["air_passengers", "taylor"]  # the monthly and the (half-)hourly set
QUICK_STEPS = 30
# NeuralForecast's trainer on the CPU, without progress bars, logs or files
NF_CPU_QUIET = dict(
    accelerator="cpu",
    devices=1,
    enable_progress_bar=False,
    enable_model_summary=False,
    logger=False,
    enable_checkpointing=False,
)


def _quiet():
    """Silence the peers' progress bars and info logs."""
    for name in (
        "pytorch_lightning",
        "lightning",
        "lightning.pytorch",
        "lightning_fabric",
    ):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def importable() -> dict[str, str | None]:
    """Which peers can run here: None, or the reason they cannot."""
    notes = {}
    for mod in ("statsforecast", "neuralforecast"):
        try:
            __import__(mod)
            notes[mod] = None
        except Exception as exc:  # noqa: BLE001 - any import failure skips it
            notes[mod] = (
                f"skipped: `import {mod}` failed ({type(exc).__name__}: {exc}); "
                "install the benchmark extra in a separate venv (see this file's "
                "docstring)"
            )
    return notes


def n_windows(train: pd.DataFrame, lookback: int, horizon: int) -> int:
    lengths = train.groupby("unique_id").size().to_numpy()
    return int(np.maximum(lengths - lookback - horizon + 1, 0).sum())


def timed(fn):
    """``fn()``, its wall-clock seconds and the process's CPU seconds (all
    threads: less sensitive than wall time to other jobs on a shared machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, (time.perf_counter() - t0, time.process_time() - c0)


# -- the contenders -------------------------------------------------------------
def run_forecaster(cell, train, cfg, seed):
    import forecaster

    est = forecaster.RecurrentForecaster(
        cell=cell,
        horizon=cfg["horizon"],
        lookback=cfg["lookback"],
        hidden_units=cfg["hidden"],
        batch_size=cfg["batch_size"],
        max_epochs=cfg["epochs"],
        learning_rate=cfg["lr"],
        loss=cfg["loss"],
        early_stopping_patience=None,
        val_size=0,
        random_state=seed,
        verbose=0,
    )
    _, fit_s = timed(lambda: est.fit(train))
    fc, pred_s = timed(est.predict)
    _, warm_s = timed(est.predict)
    return fc.rename(columns={"yhat": "y_pred"}), fit_s, pred_s, warm_s


def run_neuralforecast(cell, train, cfg, seed):
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MAE, MSE
    from neuralforecast.models import GRU, LSTM

    cls = {"lstm": LSTM, "gru": GRU}[cell]
    model = cls(
        h=cfg["horizon"],
        input_size=cfg["lookback"],
        encoder_n_layers=1,
        encoder_hidden_size=cfg["hidden"],
        decoder_layers=1,
        decoder_hidden_size=cfg["hidden"],
        recurrent=False,
        loss={"mse": MSE, "mae": MAE}[cfg["loss"]](),
        max_steps=cfg["steps"],
        learning_rate=cfg["lr"],
        batch_size=cfg["n_series"],
        windows_batch_size=cfg["batch_size"],
        scaler_type="standard",
        random_seed=seed,
        **NF_CPU_QUIET,
    )
    nf = NeuralForecast(models=[model], freq=cfg["freq"])
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        _, fit_s = timed(lambda: nf.fit(df=train, val_size=0))
        fc, pred_s = timed(nf.predict)
        _, warm_s = timed(nf.predict)
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    return fc.rename(columns={cls.__name__: "y_pred"}), fit_s, pred_s, warm_s


def run_statsforecast(name, train, cfg, seed):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, SeasonalNaive

    model = {"SeasonalNaive": SeasonalNaive, "AutoETS": AutoETS}[name](
        season_length=cfg["season"]
    )
    sf = StatsForecast(models=[model], freq=cfg["freq"], n_jobs=1)
    _, fit_s = timed(lambda: sf.fit(train))
    fc, pred_s = timed(lambda: sf.predict(h=cfg["horizon"]))
    _, warm_s = timed(lambda: sf.predict(h=cfg["horizon"]))
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    return fc.rename(columns={name: "y_pred"}), fit_s, pred_s, warm_s


CONTENDERS = [
    ("forecaster", "LSTM", partial(run_forecaster, "lstm")),
    ("forecaster", "GRU", partial(run_forecaster, "gru")),
    ("neuralforecast", "LSTM", partial(run_neuralforecast, "lstm")),
    ("neuralforecast", "GRU", partial(run_neuralforecast, "gru")),
    ("statsforecast", "SeasonalNaive", partial(run_statsforecast, "SeasonalNaive")),
    ("statsforecast", "AutoETS", partial(run_statsforecast, "AutoETS")),
]


def config(name: str, train: pd.DataFrame, args) -> dict:
    horizon, season = HORIZON[name], datasets.SEASON_LENGTH[name]
    lookback = LOOKBACK[name]
    wins = n_windows(train, lookback, horizon)
    per_epoch = math.ceil(wins / args.batch_size)
    target = QUICK_STEPS if args.quick else (args.steps or STEPS[name])
    epochs = max(1, round(target / per_epoch))
    first = train[train["unique_id"] == train["unique_id"].iloc[0]]
    freq = pd.infer_freq(pd.DatetimeIndex(first["ds"]))
    return {
        "horizon": horizon,
        "season": season,
        "lookback": lookback,
        "hidden": args.hidden,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "loss": args.loss,
        "n_series": int(train["unique_id"].nunique()),
        "n_windows": wins,
        "steps_per_epoch": per_epoch,
        "epochs": epochs,
        "steps": epochs * per_epoch,
        "freq": freq,
    }


def warm_up(available: dict) -> None:
    """One small discarded fit per library (first-call start-up costs)."""
    df = datasets.load("air_passengers")
    train, _ = holdout(df, 12)
    cfg = {
        "horizon": 12,
        "season": 12,
        "lookback": 24,
        "hidden": 8,
        "batch_size": 32,
        "lr": 1e-3,
        "loss": "mse",
        "n_series": 1,
        "epochs": 1,
        "steps": 3,
        "freq": "MS",
    }
    for lib, _, run in CONTENDERS:
        if lib == "forecaster" or available.get(lib) is None:
            with contextlib.suppress(Exception):
                run(train, cfg, 0)


def _parser() -> argparse.ArgumentParser:
    """The command line: data sets, steps, seeds, models, sizes, output."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", nargs="*", default=None, help="default: " + " ".join(DATA)
    )
    ap.add_argument(
        "--quick", action="store_true", help=f"air_passengers, {QUICK_STEPS} steps"
    )
    ap.add_argument("--steps", type=int, default=None, help="optimiser steps")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument(
        "--models",
        nargs="*",
        default=None,
        help="only these, e.g. forecaster.LSTM neuralforecast.LSTM (default: all)",
    )
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--loss", default="mse", choices=["mse", "mae"])
    ap.add_argument("--out", default=None, help="JSON path")
    return ap


def run_one(row: dict, run, train, test, cfg) -> dict:
    """One contender on one data set and seed: its result row, printed."""
    lib, model, seed = row["library"], row["model"], row["seed"]
    try:
        fc, fit_s, pred_s, warm_s = run(train, cfg, seed)
        score = mean_mase(train, test, fc, cfg["season"], col="y_pred")
    except Exception as exc:  # noqa: BLE001 - one peer failing is data
        print(f"  {lib:<15}{model:<14}failed: {exc}", flush=True)
        return {**row, "skipped": f"failed: {type(exc).__name__}: {exc}"}
    print(
        f"  {lib:<15}{model:<14}seed {seed}  MASE {score:.3f}  "
        f"fit {fit_s[0]:7.2f} s (cpu {fit_s[1]:7.2f})  "
        f"predict {pred_s[0]:6.3f} s, again {warm_s[0]:6.3f} s",
        flush=True,
    )
    return {
        **row,
        "mase": score,
        "fit_s": fit_s[0],
        "fit_cpu_s": fit_s[1],
        "predict_s": pred_s[0],
        "predict_cpu_s": pred_s[1],
        "predict_again_s": warm_s[0],
    }


def run_data(name: str, args, available: dict) -> list[dict]:
    """Every selected contender and seed on data set ``name``."""
    df = datasets.load(name)
    train, test = holdout(df, HORIZON[name])
    cfg = config(name, train, args)
    print(
        f"\n{name}: {cfg['n_series']} series, horizon {cfg['horizon']}, lookback "
        f"{cfg['lookback']}, {cfg['steps']} steps of {cfg['batch_size']} windows "
        f"({cfg['epochs']} epochs of {cfg['steps_per_epoch']})",
        flush=True,
    )
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for lib, model, run in CONTENDERS:
            if args.models and f"{lib}.{model}" not in args.models:
                continue
            row = {"data": name, "library": lib, "model": model, "seed": seed}
            if lib != "forecaster" and available.get(lib):
                rows.append({**row, "skipped": available[lib]})
            else:
                rows.append(run_one(row, run, train, test, cfg))
    for r in rows:
        r["config"] = cfg
    return rows


def write(out: Path, doc: dict) -> None:
    """``doc`` as indented JSON at ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, default=float) + "\n")
    print(f"wrote {out}")


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    _quiet()
    available = importable()
    for lib, note in available.items():
        if note:
            print(f"{lib}: {note}", flush=True)
    warm_up(available)

    names = args.data or (["air_passengers"] if args.quick else DATA)
    rows = [r for name in names for r in run_data(name, args, available)]
    table, ratios = summarise(rows)
    print("\nmean over seeds (shared 2-core machine; times in seconds):")
    print(table.round(3).to_string())
    print("\nforecaster time / peer time, same run (wall; fit CPU; predict):")
    print(ratios.round(3).to_string())
    doc = {
        "meta": _meta(available, args),
        "summary": table.reset_index().to_dict(orient="records"),
        "ratios": ratios.reset_index().to_dict(orient="records"),
        "runs": rows,
    }
    write(Path(args.out or Path(__file__).parent / "results" / "peers.json"), doc)
    return 0


def summarise(rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    ok = pd.DataFrame([r for r in rows if "mase" in r])
    if ok.empty:
        return pd.DataFrame(), pd.DataFrame()
    table = ok.groupby(["data", "library", "model"], sort=False)[
        ["mase", "fit_s", "fit_cpu_s", "predict_s", "predict_again_s"]
    ].mean()
    out = []
    for data, part in table.groupby(level="data", sort=False):
        part = part.droplevel("data")
        for fm in ("LSTM", "GRU"):
            if ("forecaster", fm) not in part.index:
                continue
            mine = part.loc[("forecaster", fm)]
            for (lib, model), peer in part.iterrows():
                if lib == "forecaster":
                    continue
                out.append(
                    {
                        "data": data,
                        "forecaster": fm,
                        "peer": f"{lib}.{model}",
                        "fit_ratio": mine["fit_s"] / peer["fit_s"],
                        "fit_cpu_ratio": mine["fit_cpu_s"] / peer["fit_cpu_s"],
                        "predict_ratio": mine["predict_s"] / peer["predict_s"],
                        "predict_again_ratio": mine["predict_again_s"]
                        / peer["predict_again_s"],
                        "mase_forecaster": mine["mase"],
                        "mase_peer": peer["mase"],
                        "mase_no_worse": bool(mine["mase"] <= peer["mase"]),
                    }
                )
    ratios = pd.DataFrame(out).set_index(["data", "forecaster", "peer"])
    return table, ratios


def _meta(available: dict, args) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "shared_machine": True,
        "note": "CPU only, on a machine shared with other jobs (2 cores); "
        "ratios are within one run",
        "skipped": {k: v for k, v in available.items() if v},
        "args": vars(args),
    }
    for pkg in (
        "tensorflow",
        "keras",
        "numpy",
        "pandas",
        "torch",
        "statsforecast",
        "neuralforecast",
        "pytorch-lightning",
    ):
        with contextlib.suppress(PackageNotFoundError):
            meta[pkg] = version(pkg)
    try:
        import torch

        meta["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return meta


if __name__ == "__main__":
    raise SystemExit(main())
