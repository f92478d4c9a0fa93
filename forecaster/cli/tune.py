"""``forecaster tune``: one worker of an Optuna hyper-parameter search.

Runs :class:`~forecaster.AutoForecaster`: ``--n-trials`` new trials of the
study ``--study`` in ``--storage`` (a database URL such as
``sqlite:///study.db`` or ``postgresql://...``, or a journal file path on a
shared disk), then refits the study's best configuration (found by any
worker so far; the defaults unless it beats them on every validation
window) and saves it to ``--out``. Start the same command on several
processes or hosts to search together; give each its own ``--random-state``
(or none), or they draw the same trials. ``--param NAME=VALUE`` fixes an
estimator parameter for every trial (``--param max_epochs=30``), which the
default space then leaves out.

stdout gets one JSON line: the study, the refitted trial's number, score
and parameters, the study's trial count and this worker's. Progress (one
line per trial) goes to stderr. Building the parser imports neither Optuna nor
an estimator (the choice lists come from :mod:`forecaster.models.spec`).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import math
import re
import types
from collections.abc import Iterator

from forecaster.cli import flags, signals
from forecaster.cli.errors import CLIError, blamed
from forecaster.cli.io import check_target_dir, precheck, read_data, read_optional
from forecaster.cli.runtime import load_tensorflow, progress_to_stderr, say
from forecaster.models.spec import SEARCH_FAMILIES, SEARCH_METRICS

__all__ = ["add_parser", "run"]


def param(text: str) -> tuple[str, object]:
    """``"name=value"`` -> ``(name, value)``; the value a Python literal
    (``8``, ``0.1``, ``None``, ``['x']``) or else the text (``gru``).

    Examples
    --------
    >>> param("max_epochs=30"), param("cell=gru")
    (('max_epochs', 30), ('cell', 'gru'))
    """
    name, sep, value = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise argparse.ArgumentTypeError(
            f"expected NAME=VALUE such as max_epochs=30, got {text!r}"
        )
    try:
        parsed = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        parsed = value.strip()
    return name.strip(), list(parsed) if isinstance(parsed, tuple) else parsed


def add_parser(sub) -> None:
    """Register the command on the sub-parsers ``sub``."""
    p = sub.add_parser(
        "tune", help="search hyper-parameters with Optuna (one command per worker)"
    )
    flags.data_flag(p)
    p.add_argument("--horizon", type=int, required=True, help="steps to forecast")
    p.add_argument(
        "--family",
        choices=SEARCH_FAMILIES,
        default="recurrent",
        help="estimator searched (recurrent); any: both",
    )
    p.add_argument("--n-trials", type=int, default=20, help="this worker's (20)")
    p.add_argument("--timeout", type=float, help="seconds; then no new trial")
    p.add_argument("--cv-windows", type=int, default=2, help="per trial (2)")
    p.add_argument("--metric", choices=SEARCH_METRICS, default="mase", help="(mase)")
    p.add_argument("--season-length", type=int, help="MASE's period (freq's)")
    p.add_argument(
        "--storage",
        metavar="URL",
        help="sqlite:///study.db, postgresql://..., or a journal file",
    )
    p.add_argument("--study", metavar="NAME", help="study name (with --storage)")
    p.add_argument("--out", metavar="DIR", help="save the study's best model here")
    p.add_argument("--random-state", type=int, help="sampler and model seed")
    p.add_argument(
        "--param",
        type=param,
        action="append",
        metavar="NAME=VALUE",
        help="fix an estimator parameter (repeatable)",
    )
    p.add_argument("--static", metavar="FILE", help="static features (CSV/parquet)")
    flags.column_flags(p, default=True)
    flags.runtime_flags(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Search, refit the study's best, save it; its summary as JSON on stdout."""
    from forecaster.estimators.auto import AutoForecaster

    if args.out:
        check_target_dir(args.out, "config.json", "saved model")
    if args.storage and not args.study:
        raise CLIError("--storage needs --study NAME: the study its workers share.")
    cols = (args.id_col, args.time_col, args.target_col)
    df, src = read_data(args.data, "--data", cols)
    static, static_src = read_optional(args.static, "--static", args.id_col, None)
    sources = {"data": src} | ({"static": static_src} if static_src else {})
    fixed = dict(args.param or ())
    precheck(df, types.SimpleNamespace(**fixed), src, cols)
    auto = AutoForecaster(
        horizon=args.horizon,
        family=args.family,
        n_trials=args.n_trials,
        timeout=args.timeout,
        cv_windows=args.cv_windows,
        metric=args.metric,
        fixed_params=fixed or None,
        season_length=args.season_length,
        storage=args.storage,
        study_name=args.study,
        random_state=args.random_state,
        verbose=0 if args.quiet else 1,
        id_col=args.id_col,
        time_col=args.time_col,
        target_col=args.target_col,
    )
    with _options():
        study = auto.create_study()  # a bad storage fails before TensorFlow starts
    say(args, f"study {study.study_name!r}: {len(study.trials)} trials so far")
    load_tensorflow(args)
    with blamed(sources), progress_to_stderr():
        auto.fit(df, static_df=static)
    if args.out:
        signals.check()  # a stop whose interrupt was dropped saves nothing
        auto.save(args.out)
    print(json.dumps(_summary(auto, args), default=str))
    return 0


# the search's arguments that the command line spells otherwise
_FLAGS = {"fixed_params": "--param", "study_name": "--study"}


@contextlib.contextmanager
def _options() -> Iterator[None]:
    """The search's parameter errors as usage errors naming their option; a
    missing Optuna names the extra (exit 2, not a traceback)."""
    try:
        yield
    except ImportError as exc:
        raise CLIError(str(exc)) from exc
    except (ValueError, TypeError) as exc:
        message = " ".join(str(exc).split())
        if bad := re.search(r"argument `(\w+)`", message):
            flag = _FLAGS.get(bad[1], "--" + bad[1].replace("_", "-"))
            message += f" (option {flag})"
        raise CLIError(message) from exc


def _summary(auto, args: argparse.Namespace) -> dict:
    from forecaster.estimators.search import chosen_trial
    from forecaster.estimators.studies import worker_id

    trials, study = auto.trials_, auto.study_
    chosen = None if study is None else chosen_trial(study.trials, auto.selection)
    return {
        "study": auto.study_name if study is None else study.study_name,
        "metric": auto.metric,
        # the refitted trial (see ``selection``); None: the defaults, unscored
        "best_trial": None if chosen is None else chosen.number,
        "score": None if math.isnan(auto.best_score_) else auto.best_score_,
        "params": auto.best_params_,
        "n_trials": len(trials),
        "worker_trials": int(trials["worker"].eq(worker_id()).sum()),
        "out": args.out,
    }
