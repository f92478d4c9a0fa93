"""Extract the bundled example data sets from data shipped in PyPI packages.

This script documents how the CSV files next to it were produced. It is run
once by hand, never by the tests, and needs packages that ``forecaster`` does
not depend on. Use a throwaway virtual environment, for example::

    python3 -m venv /tmp/dsvenv
    /tmp/dsvenv/bin/pip install statsmodels==0.15.0 pmdarima==2.1.1 \
        vega_datasets==0.9.0
    /tmp/dsvenv/bin/python datasets/extract.py

The versions used for the committed files were statsmodels 0.15.0,
pmdarima 2.1.1, vega_datasets 0.9.0, pandas 3.1.1 and numpy 2.4.6. No network
access other than the package install is needed: every data set ships inside
those packages (``vega_datasets`` is used only through ``local_data``, which
reads the CSV bundled in its wheel).

Every output file is in long format with exactly the columns
``unique_id,ds,y``, sorted by ``unique_id`` then ``ds``, with a regular
frequency per series, no gaps, no duplicates and no missing values. See
README.md in this folder for provenance, licences and preprocessing.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

OUT_DIR = Path(__file__).resolve().parent

# Codes in the World Bank fertility table that are regional or other
# aggregates rather than countries/economies. They are dropped.
WORLD_BANK_AGGREGATES = {
    "CAA",  # Sub-Saharan Africa (IFC classification)
    "LCN",  # Latin America & Caribbean (all income levels)
    "OED",  # OECD members
    "OSS",  # Other small states
    "PSS",  # Pacific island small states
}

# Column of the vega_datasets us-employment table that is not a series of its
# own: the month-to-month difference of ``nonfarm``. It is dropped.
US_EMPLOYMENT_DERIVED = "nonfarm_change"


def _long(unique_id: str, ds: pd.DatetimeIndex, y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {"unique_id": unique_id, "ds": ds, "y": np.asarray(y, dtype=np.float64)}
    )


def air_passengers() -> pd.DataFrame:
    """Box & Jenkins Series G, monthly 1949-01 .. 1960-12 (144 points)."""
    from pmdarima.datasets import load_airpassengers

    y = load_airpassengers()
    assert len(y) == 144
    ds = pd.date_range("1949-01-01", periods=len(y), freq="MS")
    return _long("AirPassengers", ds, y)


def taylor() -> pd.DataFrame:
    """Half-hourly demand, Mon 2000-06-05 00:00 .. Sun 2000-08-27 23:30."""
    from pmdarima.datasets import load_taylor

    y = load_taylor()
    assert len(y) == 4032 == 12 * 7 * 48
    ds = pd.date_range("2000-06-05 00:00:00", periods=len(y), freq="30min")
    assert ds[-1] == pd.Timestamp("2000-08-27 23:30:00")
    return _long("taylor", ds, y)


def co2() -> pd.DataFrame:
    """Weekly (W-SAT) Mauna Loa CO2, 1958-03-29 .. 2001-12-29.

    The 59 missing weeks are filled by linear interpolation in time (none is
    at either end) and the result is rounded to 3 decimals.
    """
    import statsmodels.api as sm

    series = sm.datasets.co2.load_pandas().data["co2"]
    raw_dates = pd.to_datetime(
        sm.datasets.co2.data._get_data()["date"].astype(int).astype(str),
        format="%Y%m%d",
    )
    # statsmodels builds a regular W-SAT index; check that it matches the
    # dates in its raw file.
    assert (pd.DatetimeIndex(raw_dates) == series.index).all()
    assert pd.notna(series.iloc[0]) and pd.notna(series.iloc[-1])
    filled = series.interpolate(method="linear").round(3)
    assert filled.notna().all()
    return _long("co2", pd.DatetimeIndex(series.index), filled.to_numpy())


def elnino() -> pd.DataFrame:
    """Nino 1+2 sea-surface temperature, monthly 1950-01 .. 2010-12."""
    import statsmodels.api as sm

    wide = sm.datasets.elnino.load_pandas().data
    months = list(wide.columns[1:])
    assert months[0] == "JAN" and months[-1] == "DEC" and len(months) == 12
    years = wide["YEAR"].astype(int).to_numpy()
    assert (np.diff(years) == 1).all()
    y = wide[months].to_numpy(dtype=np.float64).ravel()  # row-major: by year
    ds = pd.date_range(f"{years[0]}-01-01", periods=len(y), freq="MS")
    return _long("elnino", ds, y)


def fertility() -> pd.DataFrame:
    """World Bank total fertility rate, yearly 1960 .. 2011, complete rows.

    The statsmodels table has columns 1960 .. 2013, but 2012 and 2013 are
    empty for every row, so the range kept is 1960 .. 2011. Rows that are
    aggregates or have any missing value in that range are dropped. Values
    are rounded to 3 decimals (the precision the World Bank publishes) to
    remove float noise in the source file.
    """
    import statsmodels.api as sm

    wide = sm.datasets.fertility.load_pandas().data
    year_cols = [c for c in wide.columns if c.isdigit()]
    empty = [c for c in year_cols if wide[c].isna().all()]
    assert empty == ["2012", "2013"], empty
    keep_years = [c for c in year_cols if c not in empty]
    rows = wide[~wide["Country Code"].isin(WORLD_BANK_AGGREGATES)]
    rows = rows[rows[keep_years].notna().all(axis=1)]
    long = rows.melt(
        id_vars=["Country Code"],
        value_vars=keep_years,
        var_name="year",
        value_name="y",
    )
    out = pd.DataFrame(
        {
            "unique_id": long["Country Code"].astype(str),
            "ds": pd.to_datetime(long["year"] + "-01-01"),
            "y": long["y"].astype(np.float64).round(3),
        }
    )
    assert out["unique_id"].nunique() >= 30
    return out


def us_employment() -> pd.DataFrame:
    """BLS CES employment (thousands, SA), 22 supersectors, 2006-01 .. 2015-12.

    One series per column of the vega_datasets table, ``unique_id`` = column
    name as the package spells it. ``nonfarm_change`` (the month-to-month
    difference of ``nonfarm``, appended by vega_datasets) is dropped. Values
    are unchanged (stored as floats).
    """
    from vega_datasets import local_data

    wide = local_data.us_employment()  # bundled CSV; no network access
    assert wide.shape == (120, 24), wide.shape
    change = wide[US_EMPLOYMENT_DERIVED]
    assert (wide["nonfarm"].diff().iloc[1:] == change.iloc[1:]).all()
    wide = wide.drop(columns=[US_EMPLOYMENT_DERIVED])
    ds = pd.to_datetime(wide["month"], format="%Y-%m-%d")
    assert pd.DatetimeIndex(ds).equals(
        pd.date_range("2006-01-01", "2015-12-01", freq="MS")
    )
    series = [c for c in wide.columns if c != "month"]
    assert len(series) == 22, series
    return pd.concat(
        [_long(c, pd.DatetimeIndex(ds), wide[c].to_numpy()) for c in series],
        ignore_index=True,
    )


# file stem -> (builder, expected pandas frequency of every series)
DATASETS = {
    "air_passengers": (air_passengers, "MS"),
    "taylor": (taylor, "30min"),
    "co2": (co2, "W-SAT"),
    "elnino": (elnino, "MS"),
    "fertility": (fertility, "YS"),
    "us_employment": (us_employment, "MS"),
}


def check(df: pd.DataFrame, freq: str) -> None:
    """Assert the long-format contract the package relies on."""
    assert list(df.columns) == ["unique_id", "ds", "y"]
    assert df["y"].notna().all() and np.isfinite(df["y"]).all()
    assert not df.duplicated(["unique_id", "ds"]).any()
    expected = to_offset(freq)
    for uid, grp in df.groupby("unique_id", sort=False):
        idx = pd.DatetimeIndex(grp["ds"])
        assert idx.is_monotonic_increasing, uid
        regular = pd.date_range(idx[0], periods=len(idx), freq=freq)
        assert idx.equals(regular), uid
        with warnings.catch_warnings():
            # pandas 3 warns that infer_freq will return an offset, not a str.
            warnings.filterwarnings("ignore", message=".*infer_freq.*")
            inferred = pd.infer_freq(idx)
        inferred = getattr(inferred, "freqstr", inferred)
        assert to_offset(inferred) == expected, (uid, inferred)


def write(name: str, df: pd.DataFrame, freq: str) -> Path:
    df = df.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    check(df, freq)
    ds = pd.DatetimeIndex(df["ds"])
    has_time = bool((ds != ds.normalize()).any())
    fmt = "%Y-%m-%d %H:%M:%S" if has_time else "%Y-%m-%d"
    out = df.assign(ds=ds.strftime(fmt))
    path = OUT_DIR / f"{name}.csv"
    out.to_csv(path, index=False, lineterminator="\n")
    # Round-trip check on the written file.
    back = pd.read_csv(path, parse_dates=["ds"])
    check(back, freq)
    assert np.allclose(back["y"].to_numpy(), df["y"].to_numpy(), rtol=0, atol=0)
    return path


def main(argv: list[str]) -> int:
    names = argv or list(DATASETS)
    for name in names:
        build, freq = DATASETS[name]
        df = build()
        path = write(name, df, freq)
        n_series = df["unique_id"].nunique()
        print(
            f"{path.name}: {len(df)} rows, {n_series} series, freq {freq}, "
            f"{df['ds'].min()} .. {df['ds'].max()}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
