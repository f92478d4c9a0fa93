"""The ``forecaster`` command line, for batch jobs and schedulers.

Exit codes: 0 on success, 2 on bad usage or bad data (a one-paragraph
message, no traceback unless ``--debug``). TensorFlow is only imported by the
commands that train, so ``forecaster --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (one sub-command per job)."""
    p = argparse.ArgumentParser(
        prog="forecaster",
        description="Recurrent-network forecasting: train, forecast, plot.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("datasets", help="list the bundled data sets")

    d = sub.add_parser(
        "demo",
        help="train on a bundled data set, hold out the last horizon, write "
        "forecasts (CSV), metrics (JSON) and a plot (PNG)",
    )
    d.add_argument("--data", default="air_passengers", help="bundled data set name")
    d.add_argument("--out", default="forecast_output", help="output folder")
    d.add_argument(
        "--cell", default="lstm", help="lstm | gru | rnn | peephole_lstm | coupled_lstm"
    )
    d.add_argument(
        "--horizon", type=int, default=None, help="default: the season length"
    )
    d.add_argument("--lookback", type=int, default=None)
    d.add_argument("--max-epochs", type=int, default=100)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--quiet", action="store_true", help="no progress output")
    return p


def _demo(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from forecaster import datasets
    from forecaster.baselines import seasonal_naive
    from forecaster.estimators import RecurrentForecaster
    from forecaster.metrics import mase
    from forecaster.plotting import plot_forecast

    df = datasets.load(args.data)
    season = datasets.SEASON_LENGTH.get(args.data, 1)
    horizon = args.horizon or max(season, 1)
    # Hold out the last `horizon` points of each series to score the forecast.
    cut = df.groupby("unique_id")["ds"].transform(lambda s: s.iloc[-horizon])
    train, test = df[df["ds"] < cut], df[df["ds"] >= cut]
    model = RecurrentForecaster(
        cell=args.cell,
        horizon=horizon,
        lookback=args.lookback,
        max_epochs=args.max_epochs,
        random_state=args.seed,
        verbose=0 if args.quiet else 2,
    )
    model.fit(train)
    fc = model.predict()
    naive = seasonal_naive(train, horizon, season_length=season)
    merged = fc.merge(test, on=["unique_id", "ds"], how="left").merge(
        naive.rename(columns={"yhat": "seasonal_naive"}), on=["unique_id", "ds"]
    )
    scores = {"model": [], "naive": []}
    for uid, g in merged.groupby("unique_id", sort=False):
        hist = train.loc[train["unique_id"] == uid, "y"].to_numpy()
        scores["model"].append(
            mase(g["y"].to_numpy(), g["yhat"].to_numpy(), hist, season)
        )
        scores["naive"].append(
            mase(g["y"].to_numpy(), g["seasonal_naive"].to_numpy(), hist, season)
        )
    metrics = {
        "data": args.data,
        "cell": args.cell,
        "horizon": horizon,
        "lookback": model.lookback_,
        "epochs": len(model.history_["loss"]),
        "mase": float(np.mean(scores["model"])),
        "mase_seasonal_naive": float(np.mean(scores["naive"])),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    merged.to_csv(out / "forecasts.csv", index=False)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    ids = list(pd.unique(merged["unique_id"]))[:4]
    fig = plot_forecast(train, fc, ids=ids, last_n=8 * horizon, actuals=test)
    fig.suptitle(
        f"{args.data}: {args.cell.upper()} MASE {metrics['mase']:.3f} vs seasonal "
        f"naive {metrics['mase_seasonal_naive']:.3f}"
    )
    fig.savefig(out / "forecast.png", dpi=110)
    print(json.dumps(metrics, indent=2))
    print(
        f"wrote {out / 'forecasts.csv'}, {out / 'metrics.json'}, {out / 'forecast.png'}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        if args.command == "datasets":
            from forecaster import datasets

            for name in datasets.names():
                print(name)
            return 0
        if args.command == "demo":
            return _demo(args)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        if args.debug:
            raise
        print(f"forecaster {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 2  # pragma: no cover - argparse rejects unknown commands
