"""The estimator that ``train`` and ``backtest`` describe: flags and builder.

``--family`` picks :class:`~forecaster.RecurrentForecaster` (``recurrent``,
the default) or :class:`~forecaster.Seq2SeqForecaster` (``seq2seq``),
``--cell`` its recurrent cell; the other model flags map one-to-one onto
their parameters, and those left unset keep the estimator's defaults.
(``--model`` names a saved model directory, in ``predict`` and ``export``.)
"""

from __future__ import annotations

import argparse

from forecaster.cli import flags
from forecaster.cli.errors import CLIError
from forecaster.cli.io import precheck, read_data, read_optional
from forecaster.cli.runtime import say
from forecaster.data.missing import FILL_POLICIES
from forecaster.data.scaling import SCALERS
from forecaster.models.spec import ATTENTION_SCORES, CELLS, LOSSES

__all__ = ["model_flags", "make_estimator", "model_label", "read_inputs"]

FAMILIES = ("recurrent", "seq2seq")  # --family: the estimator classes below


def _classes() -> dict:
    """``--family`` -> the estimator class (imported when a command runs)."""
    from forecaster.estimators import RecurrentForecaster, Seq2SeqForecaster

    return {"recurrent": RecurrentForecaster, "seq2seq": Seq2SeqForecaster}


class _NotHere(argparse.Action):
    """``--model`` given to train/backtest (its meaning before 0.2): say what
    to write instead."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(
            "--model names a saved model directory (predict, export); choose the "
            "network with --family recurrent|seq2seq and --cell "
            f"{'|'.join(CELLS)}."
        )


def model_flags(p: argparse.ArgumentParser) -> None:
    """The estimator's hyper-parameters (train, backtest); unset -> its default."""
    p.add_argument(
        "--family",
        choices=FAMILIES,
        default="recurrent",
        help="recurrent (many-to-one, the default) or seq2seq (encoder-decoder)",
    )
    p.add_argument("--cell", choices=CELLS, help="recurrent cell (lstm)")
    p.add_argument("--model", action=_NotHere, help=argparse.SUPPRESS)
    p.add_argument("--horizon", type=int, required=True, help="steps to forecast")
    g = p.add_argument_group("model (default: the estimator's defaults)")
    for flag, typ, what in (
        ("--lookback", int, "input window; default from the season and horizon"),
        ("--hidden-units", int, "units per recurrent layer (64)"),
        ("--num-layers", int, "stacked recurrent layers (1)"),
        ("--dropout", float, "between layers (0)"),
        ("--max-epochs", int, "training epochs at most (100; seq2seq 50)"),
        ("--max-steps", int, "optimiser steps at most (1000)"),
        ("--ensemble-size", int, "members trained together, median forecast (1)"),
        (
            "--baseline",
            str,
            "auto | seasonal_naive | seasonal_mean | naive: what the net corrects",
        ),
        ("--batch-size", int, "(32)"),
        ("--learning-rate", float, "Adam's (1e-3)"),
        ("--loss", str, " | ".join(LOSSES)),
        ("--scaler", str, " | ".join(SCALERS)),
        ("--freq", str, "pandas offset alias; default inferred"),
    ):
        g.add_argument(flag, type=typ, default=None, help=what)
    g.add_argument("--quantiles", type=flags.numbers, help="e.g. 0.1,0.5,0.9")
    g.add_argument(
        "--val-size", type=flags.val_size, help="validation steps or fraction"
    )
    g.add_argument(
        "--patience",
        type=flags.patience,
        default=argparse.SUPPRESS,
        help="early-stopping patience in epochs, or 'none' (10)",
    )
    g.add_argument("--fill-missing", choices=FILL_POLICIES, help="NaN/gap policy")
    g.add_argument("--drop-short", action="store_true", help="skip short series")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _covariate_flags(p)
    s = p.add_argument_group("seq2seq (--family seq2seq)")
    s.add_argument("--attention", choices=ATTENTION_SCORES, help="attention")
    s.add_argument("--bidirectional", action="store_true", help="encoder")
    s.add_argument(
        "--scheduled-sampling", type=float, help="final probability in [0, 1]"
    )


def _covariate_flags(p: argparse.ArgumentParser) -> None:
    c = p.add_argument_group("covariates")
    c.add_argument(
        "--past-covariates", type=flags.names, help="columns known up to now"
    )
    c.add_argument("--future-covariates", type=flags.names, help="columns known ahead")
    c.add_argument(
        "--static", metavar="FILE", help="CSV/parquet file: one row per series"
    )
    c.add_argument("--static-features", type=flags.names, help="columns of --static")
    c.add_argument(
        "--calendar-features", type=flags.names, help="e.g. hour,dayofweek or month"
    )


# flag (attribute of the parsed arguments) -> the estimator's parameter
_PARAMS = ("cell", "horizon", "lookback", "hidden_units", "num_layers", "dropout",
           "max_epochs", "max_steps", "ensemble_size", "baseline", "batch_size",
           "learning_rate", "loss", "scaler",
           "quantiles", "val_size", "fill_missing", "past_covariates",
           "future_covariates", "static_features", "calendar_features",
           "freq")  # fmt: skip
_SEQ2SEQ = ("attention", "bidirectional", "scheduled_sampling")


def make_estimator(args: argparse.Namespace):
    """The unfitted estimator the train / backtest arguments describe."""
    params = {k: getattr(args, k) for k in _PARAMS}
    if params["quantiles"] is not None:
        params["quantiles"] = tuple(params["quantiles"])
    params = {k: v for k, v in params.items() if v is not None}
    if hasattr(args, "patience"):  # not given: the estimator's default
        params["early_stopping_patience"] = args.patience
    if args.drop_short:
        params["drop_short"] = True
    seq2seq = {k: getattr(args, k) for k in _SEQ2SEQ}
    seq2seq["bidirectional"] = seq2seq["bidirectional"] or None
    seq2seq = {k: v for k, v in seq2seq.items() if v is not None}
    if seq2seq and args.family != "seq2seq":
        flags_ = ", ".join("--" + k.replace("_", "-") for k in seq2seq)
        raise CLIError(f"{flags_} only apply to --family seq2seq.")
    cls = _classes()[args.family]
    params = {**params, **seq2seq}
    unknown = sorted(set(params) - set(cls._get_param_names()))
    if unknown:
        raise CLIError(f"{cls.__name__} of this version has no parameter {unknown}.")
    return cls(
        **params,
        random_state=args.seed,
        verbose=0 if args.quiet else 2,
        id_col=args.id_col,
        time_col=args.time_col,
        target_col=args.target_col,
    )


def model_label(est) -> str:
    """What the command's messages call the model: its cell (``lstm``), or
    ``seq2seq``; also its column name beside baselines."""
    if isinstance(est, _classes()["seq2seq"]):
        return "seq2seq"
    return est.get_params()["cell"]


def read_inputs(args: argparse.Namespace):
    """Data, static features, their sources and the estimator (train, backtest);
    the data checked before TensorFlow is imported."""
    cols = (args.id_col, args.time_col, args.target_col)
    df, src = read_data(args.data, "--data", cols)
    static, static_src = read_optional(args.static, "--static", args.id_col, None)
    if args.static_features and static is None:
        raise CLIError("--static-features needs --static FILE (one row per series).")
    sources = {"data": src} | ({"static": static_src} if static_src else {})
    est = make_estimator(args)
    precheck(df, est, src, cols)
    n = df[args.id_col].nunique() if args.id_col in df.columns else 0
    say(args, f"read {src.path}: {len(df)} rows, {n} series")
    return df, static, sources, est
