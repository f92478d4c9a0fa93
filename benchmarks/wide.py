"""The wide benchmark: every family and the peers on every protocol data set.

One fixed protocol (``benchmarks/datasets.json``): the last ``horizon``
points of every series are held out; MASE (M4 definition, the set's season)
is averaged over the series of a set; sets are summarised by the geometric
mean of their MASE, wins against seasonal naive and against AutoETS, and
fit seconds, for the validation split (what defaults are chosen on), the
test split (kept out of every choice) and all sets.

    python benchmarks/wide.py --split validation --models lstm        # recipes
    python benchmarks/wide.py --models lstm --set baseline=seasonal_naive --tag sn
    /work/benchvenv/bin/python benchmarks/wide.py --models lstm seq2seq \
        SeasonalNaive AutoETS AutoARIMA NF.LSTM                   # with the peers

Models: ``lstm`` / ``gru`` (``RecurrentForecaster`` at its defaults, only the
horizon given, or with ``--set``), ``seq2seq`` (``Seq2SeqForecaster``),
``auto`` (``AutoForecaster``, ``--trials``), statsforecast's
``SeasonalNaive``, ``AutoETS`` and ``AutoARIMA`` (capped at ``--arima-cap``
seconds per set, then reported as missing) and NeuralForecast's ``NF.LSTM``
at its defaults (``h``, ``input_size`` = the protocol lookback, CPU;
``--nf-cap`` seconds per set, if given, then missing too). The
peers need the benchmark venv of ``benchmarks/peers.py``. AutoETS's MASE is
taken from ``--reference`` when it is not run. Writes JSON rows to
``--out`` (merged by data/model/tag with ``--append``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import signal
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from accuracy import holdout, mean_mase, parse_value  # noqa: E402
from peers import NF_CPU_QUIET  # noqa: E402

from forecaster import datasets  # noqa: E402
from forecaster.baselines import seasonal_naive  # noqa: E402

PROTOCOL = {
    d["name"]: d for d in json.loads((HERE / "datasets.json").read_text())["datasets"]
}
RESULTS = HERE / "results"
PEERS = ("SeasonalNaive", "AutoETS", "AutoARIMA", "NF.LSTM")


class TimeCap(Exception):
    """A contender ran past its time cap."""


@contextlib.contextmanager
def time_cap(seconds: int | None):
    """Raise :class:`TimeCap` after ``seconds`` (SIGALRM, main thread)."""
    if not seconds:
        yield
        return

    def stop(signum, frame):
        raise TimeCap

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(int(seconds))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _freq(train: pd.DataFrame) -> str:
    first = train[train["unique_id"] == train["unique_id"].iloc[0]]
    return pd.infer_freq(pd.DatetimeIndex(first["ds"]))


def fit_forecaster(model: str, train, cfg, seed: int, params: dict):
    """One of the package's estimators at its defaults plus ``params``."""
    import forecaster

    kw = dict(horizon=cfg["horizon"], random_state=seed, verbose=0, **params)
    if model in ("lstm", "gru"):
        est = forecaster.RecurrentForecaster(cell=model, **kw)
    elif model == "seq2seq":
        est = forecaster.Seq2SeqForecaster(**kw)
    elif model == "auto":
        kw.pop("verbose")  # cv_windows=2 (its default): short series not scored
        est = forecaster.AutoForecaster(n_trials=cfg["trials"], verbose=0, **kw)
    else:
        raise ValueError(model)
    est.fit(train)
    fc = est.predict()
    if model == "auto":
        fc.attrs["trials"] = _search_facts(est)
        if est.study_ is not None:
            fc.attrs["mean_rule"] = _mean_rule_forecast(est, train)
    return fc


def _search_facts(est) -> dict:
    """The search's size (a timeout may end it early) and its two candidates'
    scores per validation cutoff: the default trial and the best mean."""
    done = est.trials_[est.trials_["state"] == "COMPLETE"] if len(est.trials_) else []
    facts = {"complete": len(done), "all": len(est.trials_)}
    if est.study_ is None:  # too short to score: the defaults, unsearched
        return {**facts, "unscored": True}
    return {
        **facts,
        "default": _window_scores(est.study_.trials[0]),  # a new study's first
        "best": _window_scores(est.study_.best_trial),
        "best_params": est.best_params_,
    }


def _mean_rule_forecast(est, train) -> dict:
    """What ``selection="mean"`` would have refitted, for the record: its
    forecast (None where it is the trial refitted) and its refit seconds,
    which the row's time leaves out."""
    from forecaster.estimators.search import chosen_trial

    t0 = time.perf_counter()
    trials = est.study_.trials
    mean_best = chosen_trial(trials, "mean")
    if mean_best.number == chosen_trial(trials, est.selection).number:
        return {"forecast": None, "seconds": 0.0}
    params = dict(mean_best.user_attrs["params"])
    other = est._estimator(params, False).fit(train)  # the search's own builder
    forecast = other.predict().to_dict("list")  # attrs hold plain data only
    return {"forecast": forecast, "seconds": time.perf_counter() - t0}


def _window_scores(trial) -> list[float]:
    """A trial's score on each validation cutoff (it reports running means)."""
    means = [trial.intermediate_values[k] for k in sorted(trial.intermediate_values)]
    prev = [0.0, *means[:-1]]
    return [
        float((k + 1) * m - k * p)
        for k, (m, p) in enumerate(zip(means, prev, strict=True))
    ]


def fit_statsforecast(model: str, train, cfg, seed: int, params: dict):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, SeasonalNaive

    cls = {"SeasonalNaive": SeasonalNaive, "AutoETS": AutoETS, "AutoARIMA": AutoARIMA}
    sf = StatsForecast(
        models=[cls[model](season_length=cfg["season"])], freq=_freq(train), n_jobs=1
    )
    fc = sf.forecast(df=train, h=cfg["horizon"])
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    return fc.rename(columns={model: "yhat"})


def fit_neuralforecast(model: str, train, cfg, seed: int, params: dict):
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    net = LSTM(
        h=cfg["horizon"],
        input_size=cfg["lookback"],
        random_seed=seed,
        **NF_CPU_QUIET,
        **params,
    )
    nf = NeuralForecast(models=[net], freq=_freq(train))
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        nf.fit(df=train)
        fc = nf.predict()
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    return fc.rename(columns={"LSTM": "yhat"})


def contender(model: str):
    if model in ("SeasonalNaive", "AutoETS", "AutoARIMA"):
        return fit_statsforecast
    if model == "NF.LSTM":
        return fit_neuralforecast
    return fit_forecaster


def run(name: str, model: str, args, params: dict, seed: int) -> dict:
    """Fit ``model`` on one data set's training part and score its forecast."""
    spec = PROTOCOL[name]
    df = datasets.load(name)
    h, season = spec["horizon"], spec["season_length"]
    train, test = holdout(df, h)
    cfg = {**spec, "season": season, "trials": args.trials}
    cap = {"AutoARIMA": args.arima_cap, "NF.LSTM": args.nf_cap}.get(model)
    t0, fc, refused = time.perf_counter(), None, None
    try:
        with time_cap(cap), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = contender(model)(model, train, cfg, seed, params)
        other = fc.attrs.pop("mean_rule", None)
        score = mean_mase(train, test, fc, season)
        if other is not None:  # auto: the alternative rule's test score
            t0 += other["seconds"]
            alt = other["forecast"]
            fc.attrs["trials"]["mean_rule_mase"] = (
                score
                if alt is None
                else mean_mase(train, test, pd.DataFrame(alt), season)
            )
    except TimeCap:
        score = float("nan")
    except ValueError as err:  # a contender that refuses the data set
        if model != "auto":
            raise
        score, refused = float("nan"), str(err)
    fit_s = time.perf_counter() - t0
    snaive = mean_mase(train, test, seasonal_naive(train, h, season), season)
    return {
        "data": name,
        "split": spec["split"],
        "model": model,
        "seed": seed,
        "mase": score,
        "mase_seasonal_naive": snaive,
        "fit_s": round(fit_s, 2),
        **({"trials": fc.attrs["trials"]} if fc is not None and fc.attrs else {}),
        **({"refused": refused} if refused else {}),
    }


def summarise(rows: list[dict], reference: dict[str, float]) -> pd.DataFrame:
    """Per model and split: gmean MASE, wins vs seasonal naive and AutoETS."""
    runs = pd.DataFrame(rows).dropna(subset=["mase"])
    runs = runs.groupby(["data", "split", "model", "tag"], as_index=False)[
        ["mase", "mase_seasonal_naive", "fit_s"]
    ].mean()
    # a set whose held-out part seasonal naive gets exactly (pbs_immune: the
    # series ended, its last two years are zeros) has MASE 0: no model can
    # beat it and a geometric mean cannot hold it; it stays in the rows
    runs = runs[runs["mase_seasonal_naive"] > 0]
    runs["ets"] = runs["data"].map(reference)
    out = []
    for split in ("validation", "test", "all"):
        part = runs if split == "all" else runs[runs["split"] == split]
        for (model, tag), g in part.groupby(["model", "tag"], sort=False):
            have = g.dropna(subset=["ets"])
            out.append(
                {
                    "split": split,
                    "model": model,
                    "tag": tag,
                    "sets": len(g),
                    "gmean_mase": float(np.exp(np.log(g["mase"]).mean())),
                    "beats_snaive": int((g["mase"] < g["mase_seasonal_naive"]).sum()),
                    "beats_autoets": int((have["mase"] < have["ets"]).sum()),
                    "vs_autoets": float(
                        np.exp(np.log(have["mase"] / have["ets"]).mean())
                    )
                    if len(have)
                    else float("nan"),
                    "fit_s": float(g["fit_s"].sum()),
                }
            )
    return pd.DataFrame(out)


def _reference(path: Path | None, rows: list[dict]) -> dict[str, float]:
    """AutoETS's MASE per data set: this run's rows, else ``path``'s."""
    ref = {}
    if path is not None and path.is_file():
        for r in json.loads(path.read_text())["runs"]:
            if r["model"] == "AutoETS":
                ref[r["data"]] = r["mase"]
    for r in rows:
        if r["model"] == "AutoETS":
            ref[r["data"]] = r["mase"]
    return ref


def _merge(out: Path, rows: list[dict]) -> list[dict]:
    """Rows of ``out`` not replaced by ``rows`` (same data, model, tag, seed)."""
    if not out.is_file():
        return rows
    key = ("data", "model", "tag", "seed")
    new = {tuple(r[k] for k in key) for r in rows}
    old = json.loads(out.read_text())["runs"]
    return [r for r in old if tuple(r[k] for k in key) not in new] + rows


def markdown(payload: dict) -> str:
    """The README's tables: MASE per set and model, then the summary."""
    runs = pd.DataFrame(payload["runs"])
    runs["name"] = runs["model"].where(runs["tag"] == "defaults", runs["tag"])
    mase = runs.pivot_table(index=["split", "data"], columns="name", values="mase")
    secs = runs.pivot_table(index=["split", "data"], columns="name", values="fit_s")
    cols = [
        c for c in ("lstm", "seq2seq", "NF.LSTM", "AutoETS", "AutoARIMA") if c in mase
    ] + [c for c in mase if c not in PEERS + ("lstm", "seq2seq")]
    mase["seasonal naive"] = runs.groupby(["split", "data"])[
        "mase_seasonal_naive"
    ].first()
    cols = [c for c in cols if c != "SeasonalNaive"] + ["seasonal naive"]
    lines = [
        "| split | data set | " + " | ".join(cols) + " |",
        "|---|---|" + "---|" * len(cols),
    ]
    for (split, data), row in mase.iterrows():
        cells = [
            f"{row[c]:.3f} ({secs.loc[(split, data), c]:.0f} s)"
            if c in PEERS[3:] or c in ("lstm", "seq2seq")
            else f"{row[c]:.3f}"
            for c in cols
        ]
        lines.append(f"| {split} | {data} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| split | model | sets | gmean MASE | vs AutoETS | beats snaive"
        " | beats AutoETS | seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = payload["runs"]
    for r in summarise(rows, _reference(None, rows)).to_dict("records"):
        name = r["model"] if r["tag"] == "defaults" else r["tag"]
        lines.append(
            f"| {r['split']} | {name} | {r['sets']} | {r['gmean_mase']:.3f} | "
            f"{r['vs_autoets']:.3f} | {r['beats_snaive']} | {r['beats_autoets']} | "
            f"{r['fit_s']:.0f} |"
        )
    if "NF.LSTM" in secs:
        lines.append("")
        for c in ("lstm", "seq2seq"):
            if c in secs:
                logs = np.log(secs[c] / secs["NF.LSTM"]).dropna()  # both ran
                lines.append(
                    f"{c}: fit + forecast seconds over NF.LSTM's, geometric "
                    f"mean over {len(logs)} sets: {np.exp(logs.mean()):.2f}x"
                )
    return "\n".join(lines)


def versions() -> dict[str, str]:
    """The versions of the libraries a run's numbers depend on: a fixed seed
    reproduces a forecast only in the same environment."""
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for pkg in ("tensorflow", "keras", "jax", "numpy", "pandas"):
        with contextlib.suppress(PackageNotFoundError):
            found[pkg] = version(pkg)
    return found


def _save_progress(out: Path, rows: list[dict], append: bool) -> None:
    """The rows so far, written after every fit: a stopped run keeps them."""
    partial = out.with_suffix(".partial.json")
    partial.write_text(json.dumps({"runs": _merge(out, rows) if append else rows}))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["lstm"])
    ap.add_argument("--split", default="all", choices=["validation", "test", "all"])
    ap.add_argument("--data", nargs="*", default=None, help="default: the split's")
    ap.add_argument("--set", action="append", default=[], help="param=value")
    ap.add_argument("--tag", default="defaults", help="names the --set recipe")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--trials", type=int, default=20, help="AutoForecaster trials")
    ap.add_argument("--arima-cap", type=int, default=120, help="seconds per set")
    ap.add_argument("--nf-cap", type=int, default=None, help="NF.LSTM's, per set")
    ap.add_argument("--reference", default=str(RESULTS / "wide.json"))
    ap.add_argument("--out", default=str(RESULTS / "wide.json"))
    ap.add_argument("--append", action="store_true")
    ap.add_argument("--markdown", action="store_true", help="print --out's tables")
    args = ap.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(Path(args.out).read_text())))
        return 0
    params = {k: parse_value(v) for k, v in (kv.split("=", 1) for kv in args.set)}
    names = args.data or [
        n for n, d in PROTOCOL.items() if args.split in ("all", d["split"])
    ]
    for model in args.models:  # first-call start-up costs, charged to nobody
        if model not in ("SeasonalNaive", "AutoETS", "AutoARIMA"):
            warm = "air_passengers" if model == "auto" else "shampoo"  # cutoffs
            short = argparse.Namespace(**{**vars(args), "trials": 2})  # a search
            # a recipe the warm-up set refuses (a lookback longer than
            # shampoo) leaves the start-up cost in the first set's seconds
            with contextlib.suppress(ValueError):
                run(warm, model, short, {} if model in PEERS else params, 0)
    rows = []
    for name in names:
        for model in args.models:
            kw = {} if model in PEERS else params
            for seed in range(args.seeds):
                r = {**run(name, model, args, kw, seed), "tag": args.tag, "params": kw}
                rows.append(r)
                _save_progress(Path(args.out), rows, args.append)
                print(
                    f"{name:<16} {r['split']:<10} {model:<13} {args.tag:<12} "
                    f"MASE {r['mase']:.3f}  snaive {r['mase_seasonal_naive']:.3f}  "
                    f"{r['fit_s']:.1f} s",
                    flush=True,
                )
    out = Path(args.out)
    if args.append:
        rows = _merge(out, rows)
    table = summarise(rows, _reference(Path(args.reference), rows))
    print()
    print(table.round(3).to_string(index=False))
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "argv": sys.argv[1:] if argv is None else list(argv),
        **versions(),
    }
    payload = {"meta": meta, "runs": rows, "summary": table.to_dict("records")}
    out.write_text(json.dumps(payload, indent=1, default=float) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
