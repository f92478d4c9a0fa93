"""``forecaster predict``: forecast with a saved model, write the frame.

Column flags left unset take the saved model's names; given, they name the
columns of the files read and written, renamed to and from the model's.
"""

from __future__ import annotations

import argparse

import pandas as pd

from forecaster.cli import flags
from forecaster.cli.errors import Source, blamed
from forecaster.cli.io import (
    check_format,
    load_model,
    precheck,
    read_data,
    read_optional,
    write_figure,
    write_frame,
)
from forecaster.cli.runtime import load_tensorflow, say
from forecaster.data.clock import aware_times

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    """Register the command on the sub-parsers ``sub``."""
    p = sub.add_parser("predict", help="forecast with a saved model")
    p.add_argument(
        "--model", required=True, metavar="DIR", help="directory written by train"
    )
    p.add_argument(
        "--data", metavar="FILE", help="new history (default: the training data's end)"
    )
    p.add_argument(
        "--future", metavar="FILE", help="future covariates over the horizon"
    )
    p.add_argument(
        "--static", metavar="FILE", help="static features (for unseen series)"
    )
    p.add_argument(
        "--level", type=flags.numbers, help="intervals in percent, e.g. 80,95"
    )
    p.add_argument("--num-samples", type=int, help="sample paths (normal/student_t)")
    p.add_argument(
        "--h",
        type=int,
        metavar="STEPS",
        help="forecast only the first STEPS steps (default: the trained horizon)",
    )
    p.add_argument(
        "--out", required=True, metavar="FILE", help="forecasts .csv or .parquet"
    )
    p.add_argument(
        "--plot", metavar="PNG", help="also draw the forecasts to this image (.png)"
    )
    flags.column_flags(p, default=False)
    flags.runtime_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load ``--model``, forecast from ``--data`` (or the training data's end),
    write ``--out`` (and ``--plot``)."""
    check_format(args.out, "--out")
    load_tensorflow(args)
    est = load_model(args.model)
    say(
        args,
        f"loaded {type(est).__name__} from {args.model}: horizon {est.horizon}, "
        f"lookback {est.lookback_}, {len(est.ids_)} series at fit",
    )
    cols, to_model = _columns(args, est)
    frames, sources = _read(args, est, cols, to_model)
    steps = {} if args.h is None else {"h": args.h}  # the estimator checks it
    with blamed(sources):
        fc = est.predict(
            **frames, level=args.level, num_samples=args.num_samples, **steps
        )
    back = {m: g for g, m in to_model.items()}
    write_frame(fc.rename(columns=back), args.out, "--out")
    if args.plot:
        history = _fitted_history(est) if frames["df"] is None else frames["df"]
        _plot(est, history, fc, args.plot)
    if not args.quiet:
        n = fc[est.id_col].nunique()
        also = f" and {args.plot}" if args.plot else ""
        h = args.h or est.horizon
        print(f"wrote {args.out} ({n} series x {h} steps){also}")
    return 0


def _columns(args: argparse.Namespace, est) -> tuple[tuple, dict]:
    """The files' column names (flags, else the model's) and the renaming
    from them to the model's."""
    mine = (est.id_col, est.time_col, est.target_col)
    given = (args.id_col, args.time_col, args.target_col)
    cols = tuple(g or m for g, m in zip(given, mine, strict=True))
    return cols, {g: m for g, m in zip(cols, mine, strict=True) if g != m}


def _read(args, est, cols, to_model) -> tuple[dict, dict[str, Source]]:
    """``df``, ``future_df`` and ``static_df`` for ``predict`` (None when not
    given), in the model's column names, and their sources."""
    sources: dict[str, Source] = {}
    frames = {"df": None, "future_df": None, "static_df": None}
    if args.data is not None:
        df, sources["data"] = read_data(args.data, "--data", cols)
        precheck(df, est, sources["data"], cols)
        frames["df"] = df.rename(columns=to_model)
    for key, flag, time_col in (
        ("future", "--future", cols[1]),
        ("static", "--static", None),
    ):
        frame, src = read_optional(getattr(args, key), flag, cols[0], time_col)
        if src:
            sources[key], frames[f"{key}_df"] = src, frame.rename(columns=to_model)
    return frames, sources


def _fitted_history(est) -> pd.DataFrame:
    """The last lookback window of each training series, as a long frame."""
    parts = []
    for uid, last, w in zip(est.ids_, est.last_times_, est.last_windows_, strict=True):
        t = pd.date_range(end=pd.Timestamp(last), periods=len(w), freq=est.freq_)
        t = aware_times(t.to_numpy(), est.freq_, est.tz_)  # the user's clock
        parts.append(
            pd.DataFrame({est.id_col: uid, est.time_col: t, est.target_col: w[:, 0]})
        )
    return pd.concat(parts, ignore_index=True)


def _plot(est, history: pd.DataFrame, fc: pd.DataFrame, path: str) -> None:
    from forecaster.plotting import plot_forecast

    fig = plot_forecast(
        history,
        fc,
        last_n=max(4 * est.horizon, est.lookback_),
        id_col=est.id_col,
        time_col=est.time_col,
        target_col=est.target_col,
    )
    write_figure(fig, path)
