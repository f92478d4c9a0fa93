"""MASE with and without covariates on real data.

* ``us_employment`` (monthly panel of 22 series): calendar ``month``, and a
  static categorical feature (the series' sector: goods / services /
  aggregate, derived from its name).
* ``taylor`` (half-hourly electricity demand): calendar ``hour`` and
  ``dayofweek``.

The last horizon of every series is held out; both runs use the same seed.

    python benchmarks/covariates.py

Prints a table and writes ``benchmarks/results/covariates.json``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import HORIZON, holdout, mean_mase  # noqa: E402

from forecaster import RecurrentForecaster, datasets  # noqa: E402

GOODS = ("goods", "mining", "construction", "manufacturing", "durable")


def sector(name: str) -> str:
    if name in ("nonfarm", "private", "government"):
        return "aggregate"
    return "goods" if any(g in name for g in GOODS) else "services"


CASES = {
    "us_employment": {"calendar_features": ["month"], "static_features": ["sector"]},
    "taylor": {"calendar_features": ["hour", "dayofweek"]},
}


def main() -> int:
    rows = []
    for name, extra in CASES.items():
        df = datasets.load(name)
        horizon, season = HORIZON[name], datasets.SEASON_LENGTH[name]
        train, test = holdout(df, horizon)
        static = None
        if "static_features" in extra:
            ids = df["unique_id"].unique()
            static = pd.DataFrame(
                {"unique_id": ids, "sector": [sector(i) for i in ids]}
            )
        for label, kw in (("without", {}), ("with", extra)):
            est = RecurrentForecaster(horizon=horizon, random_state=0, verbose=0, **kw)
            est.fit(train, static_df=static if "static_features" in kw else None)
            fc = est.predict()
            rows.append(
                {
                    "data": name,
                    "covariates": label,
                    "features": kw,
                    "mase": mean_mase(train, test, fc, season),
                    "epochs": len(est.history_["loss"]),
                }
            )
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows).pivot(index="data", columns="covariates", values="mase")
    print()
    print(table[["without", "with"]].round(3).to_string())
    out = Path(__file__).parent / "results" / "covariates.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2, default=str) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
