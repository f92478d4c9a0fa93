"""The ``train``, ``predict``, ``backtest`` and ``export`` commands of the CLI.

Each command takes the parsed arguments of :func:`forecaster.cli.build_parser`
and returns the exit code. User errors are raised as :class:`CLIError` (a
``ValueError``) whose message starts with the flag and file at fault; in CSV
files, the row numbers the messages name are the file's line numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["CLIError", "backtest", "export", "predict", "train"]

_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class CLIError(ValueError):
    """Bad usage or bad data, with a message ready for the user."""


@dataclass(frozen=True)
class Source:
    """Where a frame came from, to name it in error messages."""

    flag: str
    path: str
    csv: bool = False

    def name(self, message: str = "") -> str:
        where = f"{self.flag} {self.path!r}"
        if self.csv and re.search(r"\brows? \d", message):
            where += " (row numbers are line numbers of the file)"
        return where


# -- progress ---------------------------------------------------------------------
def _say(args: argparse.Namespace, message: str) -> None:
    """A progress line on stderr (stdout holds results), unless --quiet."""
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def _progress_to_stderr() -> Iterator[None]:
    """Keras' and cross_validation's progress lines go to stderr."""
    sys.stdout.flush()
    with contextlib.redirect_stdout(sys.stderr):
        yield


def _load_tensorflow(args: argparse.Namespace) -> None:
    """Import TensorFlow and find its devices now; with --quiet (and no
    --debug), without the native log lines they write straight to file
    descriptor 2 (CUDA probing, CPU features)."""
    if "tensorflow" in sys.modules or not args.quiet or getattr(args, "debug", False):
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401
        import tensorflow as tf

        tf.config.list_physical_devices()  # device start-up logs too
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


# -- errors -----------------------------------------------------------------------
@contextlib.contextmanager
def _blamed(sources: dict[str, Source]) -> Iterator[None]:
    """Prefix the package's data errors with the flag and file at fault.

    Messages about ``static_df`` / ``future_df`` blame ``--static`` /
    ``--future``; invalid parameters name their option; others blame the
    ``--data`` file (or, without one, nothing).
    """
    try:
        yield
    except CLIError:
        raise
    except (ValueError, TypeError, FloatingPointError) as exc:
        message = " ".join(str(exc).split())
        role = "data"
        for key, word in (("static", "static_df"), ("future", "future_df")):
            if word in message and key in sources:
                role = key
        for arg, flag in (
            ("fill_missing=", "--fill-missing ffill|interpolate|zero"),
            ("future_df=", "--future FILE"),
            ("static_df=", "--static FILE"),
        ):
            if arg in message:
                message += f" On the command line: {flag}."
        src = sources.get(role)
        if bad := re.match(r"Received an invalid value for argument `(\w+)`", message):
            src = None  # a parameter, not the data: name the option instead
            message += f" (option --{bad[1].replace('_', '-')})"
        if src is None:
            raise CLIError(message) from exc
        raise CLIError(f"{src.name(message)}: {message}") from exc


# -- files ------------------------------------------------------------------------
def _format(path: str, flag: str) -> str:
    """``csv`` or ``parquet`` from the file name; checks parquet's engine."""
    kind = _SUFFIXES.get(Path(path).suffix.lower())
    if kind is None:
        raise CLIError(
            f"{flag} {path!r}: unsupported file type; expected a name ending in "
            f"{', '.join(_SUFFIXES)}."
        )
    if kind == "parquet" and not any(
        importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet")
    ):
        raise CLIError(
            f"{flag} {path!r}: parquet files need pyarrow, which is not installed "
            "(pip install pyarrow); or use a .csv file."
        )
    return kind


def _read_file(path: str, flag: str, id_col: str, time_col: str | None):
    """A CSV (ids as str, timestamps parsed, rows labelled by line number) or
    parquet file."""
    kind = _format(path, flag)
    src = Source(flag, path, csv=kind == "csv")
    try:
        if kind == "csv":
            df = pd.read_csv(path, dtype={id_col: str})
            df.index = pd.RangeIndex(2, len(df) + 2)  # line 1 is the header
        else:
            df = pd.read_parquet(path)
    except (ValueError, OSError) as exc:  # parser errors, empty/unreadable files
        raise CLIError(f"{flag} {path!r} could not be read: {exc}") from exc
    if kind == "parquet" and id_col in df.columns:
        ids = df[id_col]
        df[id_col] = ids.where(ids.isna(), ids.astype(str))
    if time_col in df.columns and pd.api.types.is_string_dtype(df[time_col]):
        with contextlib.suppress(ValueError, TypeError):
            # Unparsable timestamps stay strings: validation names the row.
            df[time_col] = pd.to_datetime(df[time_col])
    return df, src


def read_data(arg: str, flag: str, cols: tuple[str, str, str]):
    """A long frame from a file, or a bundled data set named ``arg``."""
    id_col, time_col, target_col = cols
    if Path(arg).exists() or Path(arg).suffix.lower() in _SUFFIXES:
        if not Path(arg).is_file():
            raise CLIError(f"{flag} {arg!r}: no such file.")
        return _read_file(arg, flag, id_col, time_col)
    from forecaster import datasets

    try:
        known = datasets.names()
    except FileNotFoundError:
        known = []
    if arg not in known:
        raise CLIError(
            f"{flag} {arg!r}: no such file, and not a bundled data set (bundled: "
            f"{', '.join(known) or 'none found'})."
        )
    df = datasets.load(arg)
    df = df.rename(columns={"unique_id": id_col, "ds": time_col, "y": target_col})
    return df, Source(flag, f"{arg} (bundled data set)")


def _read_optional(path: str | None, flag: str, id_col: str, time_col: str | None):
    if path is None:
        return None, None
    if not Path(path).is_file():
        raise CLIError(f"{flag} {path!r}: no such file.")
    return _read_file(path, flag, id_col, time_col)


def _write(frame: pd.DataFrame, path: str, flag: str) -> None:
    kind = _format(path, flag)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if kind == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)


def _check_target_dir(path: str, marker: str, what: str) -> None:
    """Fail before any work if ``path`` cannot be written (saves replace only an
    empty directory or a previous artifact)."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise CLIError(f"--out {path!r} is a file; give a directory for the {what}.")
    if p.is_dir() and any(p.iterdir()) and not (p / marker).exists():
        raise CLIError(
            f"--out {path!r} is a non-empty directory that is not a {what}; "
            "refusing to replace it. Give a new or empty directory."
        )


def _precheck(df, est, src: Source, cols) -> None:
    """Validate the data frame alone (fast, before TensorFlow is imported), so
    that its errors name its file."""
    from forecaster.data.validation import validate_long_frame
    from forecaster.estimators.params import as_names

    if getattr(est, "fill_missing", "raise") != "raise":
        return  # NaN and gaps are filled by the estimator
    numeric = [
        *as_names(getattr(est, "past_covariates", None), "past_covariates"),
        *as_names(getattr(est, "future_covariates", None), "future_covariates"),
    ]
    with _blamed({"data": src}):
        validate_long_frame(df, *cols, numeric_cols=numeric)


# -- estimators -------------------------------------------------------------------
def make_estimator(args: argparse.Namespace):
    """The unfitted estimator the train / backtest arguments describe."""
    from forecaster.estimators import RecurrentForecaster, Seq2SeqForecaster

    params = {
        "horizon": args.horizon,
        "lookback": args.lookback,
        "hidden_units": args.hidden_units,
        "num_layers": args.num_layers,
        "dropout": args.dropout,
        "max_epochs": args.max_epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "loss": args.loss,
        "scaler": args.scaler,
        "quantiles": None if args.quantiles is None else tuple(args.quantiles),
        "val_size": args.val_size,
        "fill_missing": args.fill_missing,
        "past_covariates": args.past_covariates,
        "future_covariates": args.future_covariates,
        "static_features": args.static_features,
        "calendar_features": args.calendar_features,
        "freq": args.freq,
    }
    params = {k: v for k, v in params.items() if v is not None}
    if hasattr(args, "patience"):  # not given: the estimator's default
        params["early_stopping_patience"] = args.patience
    if args.drop_short:
        params["drop_short"] = True
    seq2seq = {
        "cell": args.cell,
        "attention": args.attention,
        "bidirectional": args.bidirectional or None,
        "scheduled_sampling": args.scheduled_sampling,
    }
    seq2seq = {k: v for k, v in seq2seq.items() if v is not None}
    if args.model == "seq2seq":
        cls, params = Seq2SeqForecaster, {**params, **seq2seq}
    else:
        if seq2seq:
            flags = ", ".join("--" + k.replace("_", "-") for k in seq2seq)
            raise CLIError(f"{flags} only apply to --model seq2seq.")
        cls, params = RecurrentForecaster, {**params, "cell": args.model}
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


def _inputs(args: argparse.Namespace):
    """Data, static features and their sources for train / backtest."""
    cols = (args.id_col, args.time_col, args.target_col)
    df, src = read_data(args.data, "--data", cols)
    static, static_src = _read_optional(args.static, "--static", args.id_col, None)
    if args.static_features and static is None:
        raise CLIError("--static-features needs --static FILE (one row per series).")
    sources = {"data": src} | ({"static": static_src} if static_src else {})
    est = make_estimator(args)
    _precheck(df, est, src, cols)
    n = df[args.id_col].nunique() if args.id_col in df.columns else 0
    _say(args, f"read {src.path}: {len(df)} rows, {n} series")
    return df, static, sources, est


# -- commands ---------------------------------------------------------------------
def train(args: argparse.Namespace) -> int:
    """``forecaster train``: fit, then ``estimator.save(--out)``."""
    _check_target_dir(args.out, "config.json", "saved model")
    df, static, sources, est = _inputs(args)
    _say(args, f"training {type(est).__name__}({args.model}), horizon {args.horizon}")
    _load_tensorflow(args)
    with _blamed(sources), _progress_to_stderr():
        est.fit(df, static_df=static)
    est.save(args.out)
    if not args.quiet:
        hist = est.history_
        losses = ", ".join(
            f"{k} {hist[k][-1]:.4g}" for k in ("loss", "val_loss") if hist.get(k)
        )
        print(
            f"saved {type(est).__name__} ({args.model}, {len(est.ids_)} series, "
            f"lookback {est.lookback_}, horizon {est.horizon}, "
            f"{len(hist.get('loss', []))} epochs; {losses}) to {args.out}"
        )
    return 0


def _fitted_history(est) -> pd.DataFrame:
    """The last lookback window of each training series, as a long frame."""
    parts = []
    for uid, last, w in zip(est.ids_, est.last_times_, est.last_windows_, strict=True):
        t = pd.date_range(end=pd.Timestamp(last), periods=len(w), freq=est.freq_)
        if est.tz_ is not None:
            t = t.tz_localize("UTC").tz_convert(est.tz_)
        parts.append(
            pd.DataFrame({est.id_col: uid, est.time_col: t, est.target_col: w[:, 0]})
        )
    return pd.concat(parts, ignore_index=True)


def predict(args: argparse.Namespace) -> int:
    """``forecaster predict``: load a model, forecast, write the frame."""
    import forecaster
    from forecaster.plotting import plot_forecast

    _format(args.out, "--out")
    _load_tensorflow(args)
    est = forecaster.load(args.model)
    mine = (est.id_col, est.time_col, est.target_col)
    cols = tuple(
        g or m
        for g, m in zip(
            (args.id_col, args.time_col, args.target_col), mine, strict=True
        )
    )
    to_model = {g: m for g, m in zip(cols, mine, strict=True) if g != m}
    _say(
        args,
        f"loaded {type(est).__name__} from {args.model}: horizon {est.horizon}, "
        f"lookback {est.lookback_}, {len(est.ids_)} series at fit",
    )
    sources: dict[str, Source] = {}
    df = None
    if args.data is not None:
        df, sources["data"] = read_data(args.data, "--data", cols)
        _precheck(df, est, sources["data"], cols)
        df = df.rename(columns=to_model)
    future, src = _read_optional(args.future, "--future", cols[0], cols[1])
    if src:
        sources["future"], future = src, future.rename(columns=to_model)
    static, src = _read_optional(args.static, "--static", cols[0], None)
    if src:
        sources["static"], static = src, static.rename(columns=to_model)
    with _blamed(sources):
        fc = est.predict(
            df=df,
            future_df=future,
            static_df=static,
            level=args.level,
            num_samples=args.num_samples,
        )
    history = _fitted_history(est) if df is None else df
    back = {m: g for g, m in to_model.items()}
    _write(fc.rename(columns=back), args.out, "--out")
    n = fc[est.id_col].nunique()
    if args.plot:
        fig = plot_forecast(
            history,
            fc,
            last_n=max(4 * est.horizon, est.lookback_),
            id_col=est.id_col,
            time_col=est.time_col,
            target_col=est.target_col,
        )
        fig.savefig(args.plot, dpi=110)
    if not args.quiet:
        also = f" and {args.plot}" if args.plot else ""
        print(f"wrote {args.out} ({n} series x {est.horizon} steps){also}")
    return 0


def _season(args, df, est) -> int:
    """MASE's seasonal period: the option, the bundled data set's, or the
    frequency's usual one."""
    from forecaster import datasets
    from forecaster.estimators.params import season_length

    if args.season_length is not None:
        return args.season_length
    if args.data in datasets.SEASON_LENGTH and not Path(args.data).exists():
        return datasets.SEASON_LENGTH[args.data]
    freq = args.freq
    if freq is None:
        first = df[df[args.id_col] == df[args.id_col].iloc[0]]
        with contextlib.suppress(ValueError, TypeError):
            freq = pd.infer_freq(pd.DatetimeIndex(first[args.time_col]).sort_values())
    try:
        return season_length(freq) if freq else 1
    except ValueError:
        return 1


def backtest(args: argparse.Namespace) -> int:
    """``forecaster backtest``: cross_validation, evaluate_cv, write the frame."""
    from forecaster.backtest import cross_validation, evaluate_cv
    from forecaster.plotting import plot_backtest

    _format(args.out, "--out")
    df, static, sources, est = _inputs(args)
    m = _season(args, df, est)
    refit = args.refit
    _say(
        args,
        f"backtesting {type(est).__name__}({args.model}): {args.n_windows} windows, "
        f"horizon {args.horizon}, step {args.step_size or args.horizon}, "
        f"refit {refit}",
    )
    _load_tensorflow(args)
    with _blamed(sources), _progress_to_stderr():
        cv = cross_validation(
            est,
            df,
            n_windows=args.n_windows,
            step_size=args.step_size,
            refit=refit,
            static_df=static,
            level=args.level,
            verbose=not args.quiet,
        )
    _write(cv, args.out, "--out")  # before scoring: a failing metric loses nothing
    metrics = ["mae", "rmse", "smape", "mase"]
    metrics += [f"coverage{lv:g}" for lv in args.level or ()]
    cols = dict(id_col=args.id_col, time_col=args.time_col, target_col=args.target_col)
    with _blamed(sources):
        _, overall = evaluate_cv(cv, df, metrics=metrics, season_length=m, **cols)
    if args.plot:
        fig = plot_backtest(cv, df, last_n=4 * args.horizon, **cols)
        fig.savefig(args.plot, dpi=110)
    print(
        f"{args.model} backtest, {cv[args.id_col].nunique()} series x "
        f"{args.n_windows} windows x {args.horizon} steps (MASE season {m}):"
    )
    print(overall.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    _say(args, f"wrote {args.out}" + (f" and {args.plot}" if args.plot else ""))
    return 0


def export(args: argparse.Namespace) -> int:
    """``forecaster export``: a saved model -> a TensorFlow SavedModel."""
    import json

    import forecaster

    _check_target_dir(args.out, "saved_model.pb", "SavedModel")
    _load_tensorflow(args)
    est = forecaster.load(args.model)
    _say(args, f"exporting {type(est).__name__} from {args.model}")
    est.export_saved_model(args.out)
    if not args.quiet:
        meta = Path(args.out) / "assets" / "metadata.json"
        info = json.loads(meta.read_text()) if meta.is_file() else {}
        inputs = ", ".join(
            f"{k} {v['dtype']} {v['shape']}" for k, v in info.get("inputs", {}).items()
        )
        print(
            f"exported SavedModel to {args.out} (signature serving_default; inputs: "
            f"{inputs or '?'}; output: yhat (batch, {est.horizon}))"
        )
    return 0
