"""``forecaster demo``: one command from a bundled data set to a forecast.

Trains on all but the last horizon of each series, forecasts that horizon,
and writes the forecasts next to the truth and the seasonal naive forecast
(CSV), the MASE of both (JSON, also printed) and a plot (PNG).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from forecaster.cli import flags
from forecaster.models.spec import CELLS

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    """Register the command on the sub-parsers ``sub``."""
    p = sub.add_parser(
        "demo",
        help="train on a bundled data set, hold out the last horizon, write "
        "forecasts (CSV), metrics (JSON) and a plot (PNG)",
    )
    p.add_argument("--data", default="air_passengers", help="bundled data set name")
    p.add_argument("--out", default="forecast_output", help="output folder")
    # no choices=: the estimator's own message names a bad cell
    p.add_argument("--cell", default="lstm", help=" | ".join(CELLS))
    p.add_argument(
        "--horizon", type=int, default=None, help="default: the season length"
    )
    p.add_argument("--lookback", type=int, default=None)
    p.add_argument("--max-epochs", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    flags.runtime_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Hold out, train, forecast, score against seasonal naive, write."""
    from forecaster import datasets
    from forecaster.cli.runtime import load_tensorflow, progress_to_stderr
    from forecaster.estimators import RecurrentForecaster

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
    load_tensorflow(args)
    with progress_to_stderr():  # stdout holds the metrics' JSON alone
        model.fit(train)
    fc = model.predict()
    merged, scores = _scored(train, test, fc, horizon, season)
    metrics = {
        "data": args.data,
        "cell": args.cell,
        "horizon": horizon,
        "lookback": model.lookback_,
        "epochs": len(model.history_["loss"]),
        **scores,
    }
    _write(args, train, test, fc, merged, metrics, horizon)
    return 0


def _scored(train, test, fc, horizon: int, season: int):
    """Forecasts beside the truth and seasonal naive; the mean MASE of both."""
    import numpy as np

    from forecaster.baselines import seasonal_naive
    from forecaster.metrics import mase

    naive = seasonal_naive(train, horizon, season_length=season)
    merged = fc.merge(test, on=["unique_id", "ds"], how="left").merge(
        naive.rename(columns={"yhat": "seasonal_naive"}), on=["unique_id", "ds"]
    )
    scores = {"model": [], "naive": []}
    for uid, g in merged.groupby("unique_id", sort=False):
        hist = train.loc[train["unique_id"] == uid, "y"].to_numpy()
        y = g["y"].to_numpy()
        scores["model"].append(mase(y, g["yhat"].to_numpy(), hist, season))
        scores["naive"].append(mase(y, g["seasonal_naive"].to_numpy(), hist, season))
    return merged, {
        "mase": float(np.mean(scores["model"])),
        "mase_seasonal_naive": float(np.mean(scores["naive"])),
    }


def _write(args, train, test, fc, merged, metrics: dict, horizon: int) -> None:
    """forecasts.csv, metrics.json and forecast.png in ``--out``."""
    import pandas as pd

    from forecaster.cli.io import write_figure, write_frame
    from forecaster.cli.runtime import say
    from forecaster.plotting import plot_forecast

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_frame(merged, str(out / "forecasts.csv"), "--out")
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    ids = list(pd.unique(merged["unique_id"]))[:4]
    fig = plot_forecast(train, fc, ids=ids, last_n=8 * horizon, actuals=test)
    fig.suptitle(
        f"{args.data}: {args.cell.upper()} MASE {metrics['mase']:.3f} vs seasonal "
        f"naive {metrics['mase_seasonal_naive']:.3f}"
    )
    write_figure(fig, str(out / "forecast.png"))
    print(json.dumps(metrics, indent=2))
    files = ("forecasts.csv", "metrics.json", "forecast.png")
    say(args, "wrote " + ", ".join(str(out / f) for f in files))
