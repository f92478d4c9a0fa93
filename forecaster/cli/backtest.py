"""``forecaster backtest``: rolling-origin cross-validation and its scores.

The cross-validation frame is written first (a failing metric loses
nothing), then the metrics table is printed on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
from pathlib import Path

from forecaster.cli import flags
from forecaster.cli.errors import CLIError, blamed
from forecaster.cli.estimator import model_flags, model_label, read_inputs
from forecaster.cli.io import check_format, write_figure, write_frame
from forecaster.cli.runtime import load_tensorflow, progress_to_stderr, say

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    """Register the command on the sub-parsers ``sub``."""
    p = sub.add_parser("backtest", help="rolling-origin cross-validation")
    flags.data_flag(p)
    model_flags(p)
    p.add_argument("--n-windows", type=int, default=3, help="cutoffs (3)")
    p.add_argument("--step-size", type=int, help="between cutoffs (the horizon)")
    p.add_argument(
        "--refit",
        nargs="?",
        type=int,
        const=True,
        default=False,
        help="refit at every window (or every N windows); default: fit once",
    )
    p.add_argument("--level", type=flags.numbers, help="intervals in percent, e.g. 80")
    p.add_argument(
        "--baselines",
        type=flags.names,
        help="also backtest these, e.g. naive,snaive,drift,theta (a column each)",
    )
    p.add_argument(
        "--season-length", type=int, help="MASE's and the baselines' period (freq's)"
    )
    p.add_argument(
        "--out", required=True, metavar="FILE", help="CV frame .csv or .parquet"
    )
    p.add_argument(
        "--plot", metavar="PNG", help="also draw the forecasts per cutoff (.png)"
    )
    flags.column_flags(p, default=True)
    flags.runtime_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """cross_validation, write ``--out``, then evaluate_cv's table on stdout."""
    from forecaster.backtest import cross_validation, evaluate_cv

    check_format(args.out, "--out")
    df, static, sources, est = read_inputs(args)
    m = _season(args, df)
    models = _with_baselines(args, est, m)
    say(
        args,
        f"backtesting {type(est).__name__}({model_label(est)}): {args.n_windows} "
        f"windows, horizon {args.horizon}, step {args.step_size or args.horizon}, "
        f"refit {args.refit}",
    )
    load_tensorflow(args)
    with blamed(sources), progress_to_stderr():
        cv = cross_validation(
            models,
            df,
            n_windows=args.n_windows,
            step_size=args.step_size,
            refit=args.refit,
            static_df=static,
            level=args.level,
            verbose=not args.quiet,
        )
    write_frame(cv, args.out, "--out")  # before scoring: a failing metric loses nothing
    metrics = ["mae", "rmse", "smape", "mase"]
    metrics += [f"coverage{lv:g}" for lv in args.level or ()]
    cols = dict(id_col=args.id_col, time_col=args.time_col, target_col=args.target_col)
    with blamed(sources):
        _, overall = evaluate_cv(cv, df, metrics=metrics, season_length=m, **cols)
    if args.plot:
        _plot(cv, df, args, cols)
    print(
        f"{', '.join(models) if args.baselines else model_label(est)} backtest, "
        f"{cv[args.id_col].nunique()} series x "
        f"{args.n_windows} windows x {args.horizon} steps (MASE season {m}):"
    )
    print(overall.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    say(args, f"wrote {args.out}" + (f" and {args.plot}" if args.plot else ""))
    return 0


def _season(args: argparse.Namespace, df) -> int:
    """MASE's seasonal period: the option, the bundled data set's, or the usual
    one of the data's frequency (as the data layer infers it)."""
    from forecaster import datasets
    from forecaster.data.panel import panel_from_frame
    from forecaster.estimators.defaults import season_length

    if args.season_length is not None:
        return args.season_length
    if args.data in datasets.SEASON_LENGTH and not Path(args.data).exists():
        return datasets.SEASON_LENGTH[args.data]
    # Only the timestamps matter: the target may hold NaN the model fills.
    times = df[[args.id_col, args.time_col]].assign(__y=0.0)
    with contextlib.suppress(ValueError, TypeError):  # gaps: no season
        panel = panel_from_frame(
            times, args.id_col, args.time_col, "__y", freq=args.freq
        )
        return season_length(panel.freq)
    return 1


def _with_baselines(args: argparse.Namespace, est, season: int):
    """The estimator alone, or ``{label: estimator, "snaive": ...}`` with the
    ``--baselines`` (seasonal ones at the MASE period)."""
    if not args.baselines:
        return est
    from forecaster.baselines import BASELINES

    unknown = [b for b in args.baselines if b not in BASELINES]
    if unknown:
        raise CLIError(
            f"--baselines: no baseline {unknown}; choose from {', '.join(BASELINES)}."
        )
    no_level = [b for b in args.baselines if "level" not in _parameters(BASELINES[b])]
    if args.level and no_level:
        raise CLIError(
            f"--baselines {','.join(no_level)} give no prediction intervals: drop "
            "them, or --level."
        )
    cols = dict(id_col=args.id_col, time_col=args.time_col, target_col=args.target_col)
    models = {model_label(est): est}
    for name in args.baselines:
        cls = BASELINES[name]
        seasonal = "season_length" in cls().get_params()
        extra = {"season_length": season} if seasonal else {}
        models[name] = cls(freq=args.freq, **cols, **extra)
    return models


def _parameters(cls) -> set[str]:
    return set(inspect.signature(cls.predict).parameters)


def _plot(cv, df, args: argparse.Namespace, cols: dict) -> None:
    from forecaster.plotting import plot_backtest

    fig = plot_backtest(cv, df, last_n=4 * args.horizon, **cols)
    write_figure(fig, args.plot)
