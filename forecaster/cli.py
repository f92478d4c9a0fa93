"""The ``forecaster`` command line, for batch jobs and schedulers.

Commands: ``train``, ``predict``, ``backtest``, ``export`` (implemented in
:mod:`forecaster.cli_commands`), ``datasets`` and the one-command ``demo``.

Exit codes: 0 on success, 2 on bad usage or bad data: a one-paragraph
message naming the file, column, series and row at fault, and no traceback
unless ``--debug``. Progress (Keras epochs, backtest windows) goes to stderr
and ``--quiet`` silences it; results go to stdout and files. TensorFlow is
only imported by the commands that need it, so ``forecaster --help`` and
errors in the input data stay fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

__all__ = ["main", "build_parser"]

MODELS = ("lstm", "gru", "rnn", "peephole_lstm", "coupled_lstm", "seq2seq")
FILL_POLICIES = ("raise", "ffill", "interpolate", "zero")
# Bad usage or bad data: the package's ValueError / TypeError / ArtifactError
# name the column, series and row; an unreadable or unwritable path is an
# OSError; a NaN loss a FloatingPointError; an export the model cannot make a
# NotImplementedError. Anything else is a bug and keeps its traceback.
_USER_ERRORS = (ValueError, TypeError, OSError, FloatingPointError, NotImplementedError)


# -- argument types -----------------------------------------------------------------
def _names(text: str) -> list[str]:
    """``"a,b"`` -> ``["a", "b"]``."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated names, got {text!r}"
        )
    return names


def _numbers(text: str) -> list[float]:
    """``"80,95"`` -> ``[80.0, 95.0]``."""
    try:
        return [float(s) for s in _names(text)]
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers such as 80,95, got {text!r}"
        ) from None


def _val_size(text: str) -> int | float:
    """Steps (``"12"``) or a fraction (``"0.1"``)."""
    try:
        return int(text) if text.strip().isdigit() else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of steps or a fraction, got {text!r}"
        ) from None


def _patience(text: str) -> int | None:
    """Epochs, or ``none`` to turn early stopping off."""
    if text.strip().lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of epochs or 'none', got {text!r}"
        ) from None


# -- the parser -------------------------------------------------------------------
def _runtime_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks on errors",
    )


def _column_flags(p: argparse.ArgumentParser, default: bool) -> None:
    g = p.add_argument_group("column names")
    for flag, name in (("--id-col", "unique_id"), ("--time-col", "ds")):
        g.add_argument(
            flag,
            metavar="NAME",
            default=name if default else None,
            help=f"default {name!r}" if default else "default: the model's",
        )
    g.add_argument(
        "--target-col",
        metavar="NAME",
        default="y" if default else None,
        help="default 'y'" if default else "default: the model's",
    )


def _model_flags(p: argparse.ArgumentParser) -> None:
    """The estimator's hyper-parameters (train, backtest); unset -> its default."""
    p.add_argument("--model", required=True, choices=MODELS, help="model family")
    p.add_argument("--horizon", type=int, required=True, help="steps to forecast")
    g = p.add_argument_group("model (default: the estimator's defaults)")
    for flag, typ, what in (
        ("--lookback", int, "input window; default from the season and horizon"),
        ("--hidden-units", int, "units per recurrent layer (64)"),
        ("--num-layers", int, "stacked recurrent layers (1)"),
        ("--dropout", float, "between layers (0)"),
        ("--max-epochs", int, "training epochs at most (100)"),
        ("--batch-size", int, "(32)"),
        ("--learning-rate", float, "Adam's (1e-3)"),
        ("--loss", str, "mse | mae | huber | quantile | normal | student_t"),
        ("--scaler", str, "standard | robust | minmax | none"),
        ("--freq", str, "pandas offset alias; default inferred"),
    ):
        g.add_argument(flag, type=typ, default=None, help=what)
    g.add_argument("--quantiles", type=_numbers, help="e.g. 0.1,0.5,0.9")
    g.add_argument("--val-size", type=_val_size, help="validation steps or fraction")
    g.add_argument(
        "--patience",
        type=_patience,
        default=argparse.SUPPRESS,
        help="early-stopping patience in epochs, or 'none' (10)",
    )
    g.add_argument("--fill-missing", choices=FILL_POLICIES, help="NaN/gap policy")
    g.add_argument("--drop-short", action="store_true", help="skip short series")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    c = p.add_argument_group("covariates")
    c.add_argument("--past-covariates", type=_names, help="columns known up to now")
    c.add_argument("--future-covariates", type=_names, help="columns known ahead")
    c.add_argument(
        "--static", metavar="FILE", help="CSV/parquet file: one row per series"
    )
    c.add_argument("--static-features", type=_names, help="columns of --static")
    c.add_argument(
        "--calendar-features", type=_names, help="e.g. hour,dayofweek or month"
    )
    s = p.add_argument_group("seq2seq (--model seq2seq)")
    s.add_argument("--cell", choices=MODELS[:-1], help="encoder/decoder cell (lstm)")
    s.add_argument("--attention", choices=("bahdanau", "luong"), help="attention")
    s.add_argument("--bidirectional", action="store_true", help="encoder")
    s.add_argument(
        "--scheduled-sampling", type=float, help="final probability in [0, 1]"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (one sub-command per job)."""
    p = argparse.ArgumentParser(
        prog="forecaster",
        description="Recurrent-network forecasting: train, forecast, backtest, "
        "export. Data files are long frames (series id, timestamp, value) in CSV "
        "or parquet; --data also takes a bundled data set name.",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("datasets", help="list the bundled data sets")

    t = sub.add_parser("train", help="fit a model and save it to a directory")
    t.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="CSV/parquet file or data set name",
    )
    _model_flags(t)
    t.add_argument(
        "--out", required=True, metavar="DIR", help="model directory to write"
    )
    _column_flags(t, default=True)
    _runtime_flags(t)

    pr = sub.add_parser("predict", help="forecast with a saved model")
    pr.add_argument(
        "--model", required=True, metavar="DIR", help="directory written by train"
    )
    pr.add_argument(
        "--data", metavar="FILE", help="new history (default: the training data's end)"
    )
    pr.add_argument(
        "--future", metavar="FILE", help="future covariates over the horizon"
    )
    pr.add_argument(
        "--static", metavar="FILE", help="static features (for unseen series)"
    )
    pr.add_argument("--level", type=_numbers, help="intervals in percent, e.g. 80,95")
    pr.add_argument("--num-samples", type=int, help="sample paths (normal/student_t)")
    pr.add_argument(
        "--out", required=True, metavar="FILE", help="forecasts .csv or .parquet"
    )
    pr.add_argument(
        "--plot", metavar="PNG", help="also draw the forecasts to this image (.png)"
    )
    _column_flags(pr, default=False)
    _runtime_flags(pr)

    b = sub.add_parser("backtest", help="rolling-origin cross-validation")
    b.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="CSV/parquet file or data set name",
    )
    _model_flags(b)
    b.add_argument("--n-windows", type=int, default=3, help="cutoffs (3)")
    b.add_argument("--step-size", type=int, help="between cutoffs (the horizon)")
    b.add_argument(
        "--refit",
        nargs="?",
        type=int,
        const=True,
        default=False,
        help="refit at every window (or every N windows); default: fit once",
    )
    b.add_argument("--level", type=_numbers, help="intervals in percent, e.g. 80")
    b.add_argument("--season-length", type=int, help="MASE's period (from freq)")
    b.add_argument(
        "--out", required=True, metavar="FILE", help="CV frame .csv or .parquet"
    )
    b.add_argument(
        "--plot", metavar="PNG", help="also draw the forecasts per cutoff (.png)"
    )
    _column_flags(b, default=True)
    _runtime_flags(b)

    e = sub.add_parser("export", help="export a saved model as a TF SavedModel")
    e.add_argument(
        "--model", required=True, metavar="DIR", help="directory written by train"
    )
    e.add_argument(
        "--out", required=True, metavar="DIR", help="SavedModel directory to write"
    )
    _runtime_flags(e)

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
    _runtime_flags(d)
    return p


# -- demo -------------------------------------------------------------------------
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


def _datasets(args: argparse.Namespace) -> int:
    from forecaster import datasets

    for name in datasets.names():
        print(name)
    return 0


# -- main -------------------------------------------------------------------------
def _one_paragraph(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 on bad usage or bad data (argparse's own usage
        errors exit 2 through ``SystemExit``).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from forecaster import cli_commands

    handlers = {
        "datasets": _datasets,
        "demo": _demo,
        "train": cli_commands.train,
        "predict": cli_commands.predict,
        "backtest": cli_commands.backtest,
        "export": cli_commands.export,
    }
    prog = f"forecaster {args.command}"

    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{prog}: warning: {_one_paragraph(message)}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        try:
            return handlers[args.command](args)
        except _USER_ERRORS as exc:
            if args.debug:
                raise
            print(f"{prog}: error: {_one_paragraph(exc)}", file=sys.stderr)
            return 2
