"""``forecaster train``: fit a model and save it to a directory."""

from __future__ import annotations

import argparse

from forecaster.cli import flags, signals
from forecaster.cli.errors import blamed
from forecaster.cli.estimator import model_flags, model_label, read_inputs
from forecaster.cli.io import check_target_dir
from forecaster.cli.runtime import load_tensorflow, progress_to_stderr, say

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    """Register the command on the sub-parsers ``sub``."""
    p = sub.add_parser("train", help="fit a model and save it to a directory")
    flags.data_flag(p)
    model_flags(p)
    p.add_argument(
        "--out", required=True, metavar="DIR", help="model directory to write"
    )
    flags.column_flags(p, default=True)
    flags.runtime_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Fit, then ``estimator.save(--out)``; a summary line on stdout."""
    check_target_dir(args.out, "config.json", "saved model")
    df, static, sources, est = read_inputs(args)
    label = model_label(est)
    say(args, f"training {type(est).__name__}({label}), horizon {args.horizon}")
    load_tensorflow(args)
    with blamed(sources), progress_to_stderr():
        est.fit(df, static_df=static)
    signals.check()  # a stop whose interrupt was dropped saves nothing
    est.save(args.out)
    if not args.quiet:
        hist = est.history_
        losses = ", ".join(
            f"{k} {hist[k][-1]:.4g}" for k in ("loss", "val_loss") if hist.get(k)
        )
        print(
            f"saved {type(est).__name__} ({label}, {len(est.ids_)} series, "
            f"lookback {est.lookback_}, horizon {est.horizon}, "
            f"{len(hist.get('loss', []))} epochs; {losses}) to {args.out}"
        )
    return 0
