"""The bundled real data sets (long frames ``unique_id, ds, y``).

The CSVs live in the repository's ``datasets/`` folder (provenance and
licences in ``datasets/README.md``); an installed package finds them under
``<prefix>/share/forecaster/datasets``. Nothing is downloaded.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

__all__ = ["names", "load", "data_dir", "SEASON_LENGTH"]

# Seasonal period of each bundled data set (for seasonal naive and MASE).
SEASON_LENGTH = {
    "air_passengers": 12,
    "co2": 52,
    "elnino": 12,
    "fertility": 1,
    "taylor": 48,
    "us_employment": 12,
    # the wide benchmark (issue 17; datasets/README.md says why each value)
    "ausbeer": 4,
    "danish_money": 4,
    "elec_equip": 12,
    "gb_solar": 48,
    "grunfeld": 1,
    "lynx": 1,
    "m1_yearly": 1,
    "msft_weekly": 1,
    "nile": 1,
    "pbs_immune": 12,
    "seattle_temps": 24,
    "seattle_weather": 1,
    "sf_temps": 24,
    "shampoo": 12,
    "stocks": 1,
    "sunspots": 1,
    "us_change": 4,
    "us_macro": 4,
    "wineind": 12,
    "woolyrnq": 4,
}


def data_dir() -> Path:
    """The folder holding the bundled CSVs.

    Looked up in order: ``$FORECASTER_DATASETS``, the source checkout's
    ``datasets/``, and ``<sys.prefix>/share/forecaster/datasets``.

    Raises
    ------
    FileNotFoundError
        If none of them holds a CSV.
    """
    candidates = [
        os.environ.get("FORECASTER_DATASETS"),
        Path(__file__).resolve().parent.parent / "datasets",
        Path(sys.prefix) / "share" / "forecaster" / "datasets",
    ]
    for c in candidates:
        if c and Path(c).is_dir() and any(Path(c).glob("*.csv")):
            return Path(c)
    raise FileNotFoundError(
        "The bundled data sets were not found (looked in $FORECASTER_DATASETS, the "
        "source checkout's datasets/ and <prefix>/share/forecaster/datasets)."
    )


def names() -> list[str]:
    """Names of the bundled data sets, sorted.

    Examples
    --------
    >>> "air_passengers" in names()
    True
    """
    return sorted(p.stem for p in data_dir().glob("*.csv"))


def load(name: str) -> pd.DataFrame:
    """Load a bundled data set as a long frame with a datetime ``ds``.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    pandas.DataFrame
        Columns ``unique_id`` (str), ``ds`` (datetime64), ``y`` (float64).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones).

    Examples
    --------
    >>> load("air_passengers").columns.tolist()
    ['unique_id', 'ds', 'y']
    """
    known = names()
    if name not in known:
        raise ValueError(f"Unknown data set {name!r}; choose one of {known}.")
    df = pd.read_csv(data_dir() / f"{name}.csv", dtype={"unique_id": str})
    df["ds"] = pd.to_datetime(df["ds"])
    df["y"] = df["y"].astype("float64")
    return df
