"""Cross-validated point and probabilistic accuracy next to seasonal naive.

For each bundled data set, a rolling-origin backtest
(:func:`forecaster.backtest.cross_validation`: ``--n-windows`` cutoffs per
series, ``horizon`` apart, one fit per family on the data up to the first
cutoff, every cutoff forecast from its own history only) of each family
(``RecurrentForecaster``, ``Seq2SeqForecaster``) and of seasonal naive on
the same cutoffs. Horizons are those of ``benchmarks/accuracy.py``; the
seasonal period is ``forecaster.datasets.SEASON_LENGTH``. Scores, per series
over all cutoffs and steps, then averaged over series
(:func:`forecaster.backtest.evaluate_cv`):

* ``MASE``: M4 definition, the forecast's MAE over the in-sample MAE of the
  seasonal naive forecast (history up to the first cutoff);
* ``sCRPS``: scaled CRPS, the CRPS divided by that same in-sample scale
  (comparable across series and data sets; ``crps`` in the JSON is the raw
  CRPS in data units). The CRPS is twice the mean pinball loss over the nine
  deciles 0.1, ..., 0.9: the median is the point forecast and the other
  deciles are the bounds of the 20/40/60/80 % intervals of
  ``predict(level=...)``. At the default point loss these are split-conformal
  intervals from each fit's validation windows; ``--loss normal`` (or
  ``student_t``) takes them from the predicted distribution, ``--loss
  quantile`` from a decile quantile head. Seasonal naive's come from its
  normal interval (``forecaster.baselines.seasonal_naive_interval``: RMS of
  the in-sample seasonal residuals, growing with the square root of the
  number of seasons ahead), from each cutoff's history only;
* ``cov80``: coverage of the 80 % interval; ``cv_s``: wall time of the
  backtest (the fit plus ``n_windows`` forecasts).

    python benchmarks/backtest.py                       # everything (~1 h here)
    python benchmarks/backtest.py --quick --data air_passengers fertility
    python benchmarks/backtest.py --family seq2seq --loss normal --set cell=gru

Prints a table and writes ``benchmarks/results/backtest[_<loss>][_quick].json``
(or ``--out``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.base import BaseEstimator  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import HORIZON, ORIGINAL, parse_value  # noqa: E402

from forecaster import datasets  # noqa: E402
from forecaster.backtest import cross_validation, evaluate_cv  # noqa: E402
from forecaster.baselines import seasonal_naive  # noqa: E402

LEVELS = (20, 40, 60, 80)  # central intervals -> deciles 0.1, ..., 0.9
DECILES = tuple(round(0.1 * k, 1) for k in range(1, 10))
METRICS = ("mase", "crps", "scaled_crps", "coverage80")
FAMILIES = ("recurrent", "seq2seq")
QUICK = {"max_epochs": 2, "hidden_units": 8, "early_stopping_patience": None}


class SeasonalNaive(BaseEstimator):
    """Seasonal naive in the estimator interface ``cross_validation`` drives.

    ``fit`` learns nothing; ``predict(df=history)`` forecasts from ``history``
    alone (the rows up to one cutoff), with normal intervals for ``level``.
    """

    def __init__(self, horizon: int = 1, season_length: int = 1):
        self.horizon = horizon
        self.season_length = season_length

    def fit(self, df, static_df=None):
        self.fitted_ = True
        return self

    def predict(self, df=None, future_df=None, static_df=None, level=None):
        return seasonal_naive(df, self.horizon, self.season_length, level=level)


def with_deciles(cv: pd.DataFrame) -> pd.DataFrame:
    """Replace any ``yhat_q*`` columns by the deciles built from ``yhat`` (the
    median) and the bounds of the ``LEVELS`` intervals."""
    cv = cv.drop(columns=[c for c in cv.columns if c.startswith("yhat_q")])
    cols = {}
    for lv in LEVELS:
        lo_q, hi_q = round(0.5 - lv / 200, 1), round(0.5 + lv / 200, 1)
        cols[f"yhat_q{lo_q:g}"] = cv[f"yhat_lo{lv:g}"]
        cols[f"yhat_q{hi_q:g}"] = cv[f"yhat_hi{lv:g}"]
    cols["yhat_q0.5"] = cv["yhat"]
    return cv.assign(**cols)


def score(cv: pd.DataFrame, df: pd.DataFrame, season: int) -> dict:
    _, overall = evaluate_cv(
        with_deciles(cv), df, metrics=METRICS, season_length=season
    )
    return dict(zip(overall["metric"], overall["yhat"].astype(float), strict=True))


def run_one(name: str, family: str, params: dict, n_windows: int, seed: int) -> dict:
    """Backtest one family and seasonal naive on one data set."""
    import forecaster

    cls = {
        "recurrent": forecaster.RecurrentForecaster,
        "seq2seq": forecaster.Seq2SeqForecaster,
    }[family]
    df = datasets.load(name)
    horizon, season = HORIZON[name], datasets.SEASON_LENGTH[name]
    est = cls(horizon=horizon, random_state=seed, verbose=0, **params)
    kw = {"n_windows": n_windows, "step_size": horizon, "level": list(LEVELS)}
    t0 = time.perf_counter()
    cv = cross_validation(est, df, refit=False, **kw)
    cv_s = time.perf_counter() - t0
    cv_naive = cross_validation(SeasonalNaive(horizon, season), df, **kw)
    # Same cutoffs and rows for both, so the scores are paired.
    keys = ["unique_id", "ds", "cutoff"]
    assert cv[keys].equals(cv_naive[keys]), "seasonal naive cutoffs differ"
    ours, naive = score(cv, df, season), score(cv_naive, df, season)
    return {
        "data": name,
        "family": family,
        "loss": est.loss,
        "horizon": horizon,
        "season": season,
        "n_windows": n_windows,
        "n_series": int(df["unique_id"].nunique()),
        "first_cutoff": str(cv["cutoff"].min()),
        "last_cutoff": str(cv["cutoff"].max()),
        "cv_s": round(cv_s, 2),
        **ours,
        **{f"{k}_seasonal_naive": v for k, v in naive.items()},
        "seed": seed,
        "params": params,
    }


def _parser() -> argparse.ArgumentParser:
    """The command line: data sets, families, loss, windows, seed, overrides."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="*", default=None, help="data sets (default: all)")
    ap.add_argument("--family", default="both", choices=[*FAMILIES, "both"])
    ap.add_argument(
        "--loss",
        default=None,
        choices=["mse", "mae", "huber", "normal", "student_t", "quantile"],
        help="training loss (default: the estimators' own, mse)",
    )
    ap.add_argument("--n-windows", type=int, default=3, help="cutoffs per series")
    ap.add_argument("--seed", type=int, default=0, help="random_state of the fits")
    ap.add_argument("--set", action="append", default=[], help="param=value overrides")
    ap.add_argument("--quick", action="store_true", help="smoke run: tiny, 2 epochs")
    ap.add_argument("--out", default=None, help="JSON path")
    return ap


def _params(args: argparse.Namespace) -> dict:
    """Estimator parameters: ``QUICK`` if asked, the loss, then ``--set``."""
    params = dict(QUICK) if args.quick else {}
    if args.loss is not None:
        params["loss"] = args.loss
        if args.loss == "quantile":
            params["quantiles"] = DECILES
    params.update({k: parse_value(v) for k, v in (kv.split("=", 1) for kv in args.set)})
    return params


def _args(argv) -> tuple[argparse.Namespace, dict, tuple, list]:
    """Parse and check the command line.

    Returns
    -------
    args, params, families, names
        The parsed options, the estimator parameters, the families and the
        data sets to backtest.
    """
    ap = _parser()
    args = ap.parse_args(argv)
    params = _params(args)
    families = FAMILIES if args.family == "both" else (args.family,)
    names = args.data or list(ORIGINAL)
    if unknown := sorted(set(names) - set(HORIZON)):
        ap.error(f"unknown data sets {unknown}; choose from {sorted(HORIZON)}")
    return args, params, families, names


def _print_row(r: dict) -> None:
    print(
        f"{r['data']:<15} {r['family']:<9} MASE {r['mase']:.3f} sCRPS "
        f"{r['scaled_crps']:.3f} cov80 {r['coverage80']:.2f} | seasonal "
        f"naive MASE {r['mase_seasonal_naive']:.3f} sCRPS "
        f"{r['scaled_crps_seasonal_naive']:.3f} ({r['cv_s']:.1f} s)",
        flush=True,
    )


def _report(rows: list, t_start: float) -> None:
    """Print the table of all runs and the total time since ``t_start``."""
    table = pd.DataFrame(rows).rename(
        columns={
            "n_windows": "windows",
            "mase": "MASE",
            "scaled_crps": "sCRPS",
            "coverage80": "cov80",
            "mase_seasonal_naive": "snaive MASE",
            "scaled_crps_seasonal_naive": "snaive sCRPS",
            "coverage80_seasonal_naive": "snaive cov80",
        }
    )
    cols = ["data", "family", "windows", "MASE", "sCRPS", "cov80", "snaive MASE",
            "snaive sCRPS", "snaive cov80", "cv_s"]  # fmt: skip
    print()
    print(table[cols].round(3).to_string(index=False))
    print(
        "sCRPS: CRPS (deciles) / in-sample seasonal naive MAE, the MASE scale; "
        f"loss {rows[0]['loss']}, total {time.perf_counter() - t_start:.0f} s"
    )


def _meta(args: argparse.Namespace, params: dict) -> dict:
    """The machine, the settings and what each metric means."""
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "date": datetime.date.today().isoformat(),
        "params": params,
        "quick": args.quick,
        "levels": list(LEVELS),
        "quantiles": list(DECILES),
        "metrics": {
            "mase": "M4 MASE, in-sample seasonal naive MAE up to the first cutoff",
            "crps": "2 x mean pinball loss over the deciles, data units",
            "scaled_crps": "crps / the MASE scale",
            "coverage80": "share of observations inside the 80% interval",
        },
    }


def _write(args: argparse.Namespace, params: dict, rows: list) -> None:
    """Write the runs and their meta data to ``--out`` or the default path."""
    suffix = ("" if args.loss is None else f"_{args.loss}") + "_quick" * args.quick
    out = Path(args.out or Path(__file__).parent / "results" / f"backtest{suffix}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = _meta(args, params)
    out.write_text(
        json.dumps({"meta": meta, "runs": rows}, indent=2, default=_json) + "\n"
    )
    print(f"wrote {out}")


def main(argv=None) -> int:
    args, params, families, names = _args(argv)
    t_start, rows = time.perf_counter(), []
    for name in names:
        for family in families:
            r = run_one(name, family, params, args.n_windows, args.seed)
            rows.append(r)
            _print_row(r)
    _report(rows, t_start)
    _write(args, params, rows)
    return 0


def _json(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(type(o).__name__)


if __name__ == "__main__":
    raise SystemExit(main())
