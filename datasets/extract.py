"""Extract the bundled data sets from data shipped in PyPI packages.

This script documents how the CSV files next to it were produced. It is run
once by hand, never by the tests, and needs packages that ``forecaster`` does
not depend on. Use a throwaway virtual environment, for example::

    python3.11 -m venv /tmp/dsvenv
    /tmp/dsvenv/bin/pip install pandas==3.1.1 numpy==2.4.6 statsmodels==0.15.0 \
        pmdarima==2.1.1 vega_datasets==0.9.0
    /tmp/dsvenv/bin/pip install --no-deps sktime==1.2.0 aeon==1.6.0
    /tmp/dsvenv/bin/python datasets/extract.py

The versions used for the committed files were statsmodels 0.15.0,
pmdarima 2.1.1, vega_datasets 0.9.0, sktime 1.2.0, aeon 1.6.0, pandas 3.1.1
and numpy 2.4.6. No network access other than the package install is needed:
every data set ships inside those packages (``vega_datasets`` is used only
through ``local_data``, which reads the CSV bundled in its wheel).

sktime and aeon are installed with ``--no-deps`` and are never imported: both
pin ``pandas<3.1``, and their loaders would pull in the rest of the toolkit.
The few files used from them are plain CSV/TSF files inside their wheels;
:func:`_shipped_file` finds each one without importing the package and checks
its SHA-256, and each builder below repeats what the package's own loader
does to that file (noted in its docstring).

Every output file is in long format with exactly the columns
``unique_id,ds,y``, sorted by ``unique_id`` then ``ds``, with a regular
frequency per series, no gaps, no duplicates and no missing values. See
README.md in this folder for provenance, licences and preprocessing.
"""

from __future__ import annotations

import hashlib
import importlib.util
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


# --- helpers for the wide benchmark (issue 17) --------------------------------

# SHA-256 of the files read straight from the sktime 1.2.0 and aeon 1.6.0
# wheels (sktime's and aeon's copies of the CSVs are byte-identical).
SHIPPED_SHA256 = {
    "sktime/datasets/data/Uschange/Uschange.csv": (
        "ab70b9bf82f99c962041bfd38dc9644f7a17930df71f24345bb71180f68809fe"
    ),
    "sktime/datasets/data/PBS_dataset/PBS_dataset.csv": (
        "bfd1b67547b909218d2b6be1bdc67eb134886135f4bca157c1c6785285f2eb28"
    ),
    "sktime/datasets/data/ShampooSales/ShampooSales.csv": (
        "dbf2adba68e2f6bae7956ca65771d7dee20cb58b6eb8261c2513d536ac690774"
    ),
    "sktime/datasets/data/solar/solar.csv": (
        "205b61343a9233f6f532e918154a19b177557086f77801ec26277a1868af7e7e"
    ),
    "aeon/datasets/data/m1_yearly_dataset/m1_yearly_dataset.tsf": (
        "12866731b810af595e4d4c74e87597a7846eb3b4667ef884a67a7e9126bf5412"
    ),
}

# Columns of statsmodels' macrodata that are computed from other columns
# (infl = 400 ln(cpi_t / cpi_{t-1}), realint = tbilrate - infl; both are 0.00
# in the first quarter, where there is no previous quarter). They are dropped.
US_MACRO_DERIVED = ("infl", "realint")

# The hours kept of the vega_datasets hourly temperatures: whole days strictly
# between the 2010 daylight-saving changes (see seattle_temps).
HOURLY_TEMPS_SPAN = ("2010-03-15 00:00:00", "2010-11-06 23:00:00")


def _shipped_file(relpath: str) -> Path:
    """A data file inside an installed wheel, found without importing it.

    ``relpath`` starts with the top-level package name. The file's SHA-256
    must match :data:`SHIPPED_SHA256`, so a different package version cannot
    silently give different data.
    """
    package, _, rest = relpath.partition("/")
    spec = importlib.util.find_spec(package)  # locates; does not import
    assert spec is not None and spec.submodule_search_locations, package
    path = Path(next(iter(spec.submodule_search_locations))) / rest
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == SHIPPED_SHA256[relpath], (relpath, digest)
    return path


def _wide_to_long(wide: pd.DataFrame, ds: pd.DatetimeIndex) -> pd.DataFrame:
    """One series per column of ``wide`` (rows aligned with ``ds``)."""
    return pd.concat(
        [_long(str(c), ds, wide[c].to_numpy()) for c in wide.columns],
        ignore_index=True,
    )


def _years(first: int, n: int) -> pd.DatetimeIndex:
    return pd.date_range(f"{first}-01-01", periods=n, freq="YS")


# --- yearly -------------------------------------------------------------------


def sunspots() -> pd.DataFrame:
    """Yearly sunspot numbers, 1700 .. 2008 (statsmodels)."""
    import statsmodels.api as sm

    d = sm.datasets.sunspots.load_pandas().data
    years = d["YEAR"].astype(int).to_numpy()
    assert years[0] == 1700 and (np.diff(years) == 1).all() and len(years) == 309
    return _long("sunspots", _years(1700, len(d)), d["SUNACTIVITY"].to_numpy())


def nile() -> pd.DataFrame:
    """Yearly flow of the Nile at Aswan, 1871 .. 1970 (statsmodels)."""
    import statsmodels.api as sm

    d = sm.datasets.nile.load_pandas().data
    years = d["year"].astype(int).to_numpy()
    assert years[0] == 1871 and (np.diff(years) == 1).all() and len(years) == 100
    return _long("nile", _years(1871, len(d)), d["volume"].to_numpy())


def lynx() -> pd.DataFrame:
    """Yearly Canadian lynx trappings, 1821 .. 1934 (pmdarima)."""
    from pmdarima.datasets import load_lynx

    y = load_lynx(as_series=True)  # indexed by year
    years = y.index.to_numpy()
    assert years[0] == 1821 and (np.diff(years) == 1).all() and len(y) == 114
    return _long("lynx", _years(1821, len(y)), y.to_numpy())


def grunfeld() -> pd.DataFrame:
    """Gross investment of 11 U.S. firms, yearly 1935 .. 1954 (statsmodels).

    One series per firm (``unique_id`` = firm name as statsmodels spells
    it); only the ``invest`` column is kept (``value`` and ``capital`` are
    the firms' covariates in the classic model). Values unchanged.
    """
    import statsmodels.api as sm

    d = sm.datasets.grunfeld.load_pandas().data
    out = []
    for firm, g in d.groupby("firm", sort=True):
        years = g["year"].astype(int).to_numpy()
        assert years[0] == 1935 and (np.diff(years) == 1).all() and len(g) == 20
        out.append(_long(str(firm), _years(1935, len(g)), g["invest"].to_numpy()))
    assert len(out) == 11
    return pd.concat(out, ignore_index=True)


def m1_yearly() -> pd.DataFrame:
    """The 181 yearly series of the M1 competition (aeon's bundled TSF file).

    Parsed as aeon's ``load_from_tsf_file`` would: after ``@data`` each line
    is ``name:start:v1,v2,...``; ``@frequency yearly``, ``@missing false``.
    The start timestamps are kept as given (the file's header says that the
    51st series' start year is unknown in its last two digits and was set to
    1900 by the archive's authors). Values unchanged (stored as floats).
    """
    path = _shipped_file("aeon/datasets/data/m1_yearly_dataset/m1_yearly_dataset.tsf")
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [ln.strip() for ln in lines if ln.startswith("@")]
    assert "@frequency yearly" in header and "@missing false" in header, header
    body = lines[lines.index("@data") + 1 :]
    out = []
    for line in filter(None, (ln.strip() for ln in body)):
        name, start, values = line.split(":", 2)
        assert start.endswith("-01-01 00-00-00"), (name, start)
        y = np.array(values.split(","), dtype=np.float64)
        out.append(_long(name, _years(int(start[:4]), len(y)), y))
    assert len(out) == 181
    return pd.concat(out, ignore_index=True)


# --- quarterly ----------------------------------------------------------------


def us_macro() -> pd.DataFrame:
    """Ten U.S. macroeconomic series, quarterly 1959Q1 .. 2009Q3 (statsmodels).

    One series per column of ``macrodata`` except ``year``, ``quarter`` and
    the two derived columns in :data:`US_MACRO_DERIVED` (checked here).
    Values unchanged.
    """
    import statsmodels.api as sm

    d = sm.datasets.macrodata.load_pandas().data
    ds = pd.date_range("1959-01-01", periods=len(d), freq="QS")
    assert (d["year"].astype(int).to_numpy() == ds.year).all()
    assert (d["quarter"].astype(int).to_numpy() == ds.quarter).all()
    infl = (400 * np.log(d["cpi"]).diff()).round(2)
    assert np.allclose(infl.iloc[1:], d["infl"].iloc[1:], rtol=0, atol=0.0051)
    realint = d["tbilrate"] - d["infl"]
    assert np.allclose(realint.iloc[1:], d["realint"].iloc[1:], rtol=0, atol=0.011)
    wide = d.drop(columns=["year", "quarter", *US_MACRO_DERIVED])
    assert wide.shape == (203, 10), wide.shape
    return _wide_to_long(wide, ds)


def ausbeer() -> pd.DataFrame:
    """Australian beer production, quarterly 1956Q1 .. 2008Q3 (pmdarima).

    pmdarima returns 212 values whose last one is NaN (a placeholder for
    2008Q4: its docstring gives the span as 1956:Q1 to 2008:Q3, which is the
    211 other values). The trailing NaN is dropped; nothing else changed.
    """
    from pmdarima.datasets import load_ausbeer

    y = load_ausbeer()
    assert len(y) == 212 and np.isnan(y[-1]) and not np.isnan(y[:-1]).any()
    y = y[:-1]
    ds = pd.date_range("1956-01-01", periods=len(y), freq="QS")
    assert ds[-1] == pd.Timestamp("2008-07-01")  # 2008Q3
    return _long("ausbeer", ds, y)


def woolyrnq() -> pd.DataFrame:
    """Australian woollen yarn production, quarterly 1965Q1 .. 1994Q3."""
    from pmdarima.datasets import load_woolyrnq

    y = load_woolyrnq(as_series=True)  # index "Q1 1965", ...
    assert y.index[0] == "Q1 1965" and y.index[-1] == "Q3 1994" and len(y) == 119
    ds = pd.date_range("1965-01-01", periods=len(y), freq="QS")
    labels = [f"Q{q} {yr}" for yr, q in zip(ds.year, ds.quarter, strict=True)]
    assert list(y.index) == labels
    return _long("woolyrnq", ds, y.to_numpy())


def us_change() -> pd.DataFrame:
    """Quarterly % changes of five U.S. series, 1970Q1 .. 2016Q3 (sktime).

    sktime's ``load_uschange`` reads this CSV and sorts by ``Quarter``; here
    the rows are checked to be already in order and regular. One series per
    column. Values are rounded to 9 decimals (the precision of the file) to
    remove float noise such as ``0.9722610429999999``.
    """
    path = _shipped_file("sktime/datasets/data/Uschange/Uschange.csv")
    d = pd.read_csv(path, index_col=0)
    ds = pd.date_range("1970-01-01", periods=len(d), freq="QS")
    labels = [f"{yr} Q{q}" for yr, q in zip(ds.year, ds.quarter, strict=True)]
    assert list(d["Quarter"]) == labels and len(d) == 187
    wide = d.drop(columns=["Quarter"]).astype(np.float64)
    rounded = wide.round(9)
    assert (rounded - wide).abs().to_numpy().max() < 1e-12
    return _wide_to_long(rounded, ds)


def danish_money() -> pd.DataFrame:
    """Danish money demand data, quarterly 1974Q1 .. 1987Q3 (statsmodels).

    One series per column (``lrm``, ``lry``, ``lpy``, ``ibo``, ``ide``);
    statsmodels already indexes the rows by quarter start. Values unchanged.
    """
    import statsmodels.api as sm

    d = sm.datasets.danish_data.load_pandas().data
    ds = pd.DatetimeIndex(d.index)
    assert ds.equals(pd.date_range("1974-01-01", periods=55, freq="QS")), ds
    return _wide_to_long(d, ds)


# --- monthly ------------------------------------------------------------------


def wineind() -> pd.DataFrame:
    """Australian wine sales (bottles <= 1 l), monthly 1980-01 .. 1994-08."""
    from pmdarima.datasets import load_wineind

    y = load_wineind(as_series=True)  # index "Jan 1980", ...
    ds = pd.date_range("1980-01-01", periods=len(y), freq="MS")
    assert list(y.index) == [t.strftime("%b %Y") for t in ds] and len(y) == 176
    return _long("wineind", ds, y.to_numpy())


def elec_equip() -> pd.DataFrame:
    """Euro-area electrical equipment turnover index, monthly 1995-01 .. 2016-05."""
    from statsmodels.datasets import elec_equip as source

    d = source.load_pandas().data
    (col,) = d.columns
    ds = pd.DatetimeIndex(d.index)
    assert ds.equals(pd.date_range("1995-01-01", periods=257, freq="MS")), ds
    return _long("elec_equip", ds, d[col].to_numpy())


def pbs_immune() -> pd.DataFrame:
    """Australian PBS scripts for immune sera, monthly 1991-07 .. 2008-06 (sktime).

    As sktime's ``load_PBS_dataset``: the ``Month`` labels (``1991 Jul``)
    become month starts. An intermittent count series (44% zeros).
    """
    path = _shipped_file("sktime/datasets/data/PBS_dataset/PBS_dataset.csv")
    d = pd.read_csv(path)
    ds = pd.date_range("1991-07-01", periods=len(d), freq="MS")
    assert list(d["Month"]) == [t.strftime("%Y %b") for t in ds] and len(d) == 204
    return _long("pbs_immune", ds, d["Scripts"].to_numpy())


def shampoo() -> pd.DataFrame:
    """Monthly shampoo sales over three years (sktime's ``ShampooSales.csv``).

    As sktime's ``load_shampoo_sales``: the ``Time`` labels ``1991-01`` ..
    ``1993-12`` become month starts (the years are the file's; the textbook
    numbers them 1 to 3).
    """
    path = _shipped_file("sktime/datasets/data/ShampooSales/ShampooSales.csv")
    d = pd.read_csv(path)
    ds = pd.date_range("1991-01-01", periods=len(d), freq="MS")
    assert list(d["Time"]) == [t.strftime("%Y-%m") for t in ds] and len(d) == 36
    return _long("shampoo", ds, d["Sales"].to_numpy())


def stocks() -> pd.DataFrame:
    """Monthly prices of AAPL, AMZN, GOOG, IBM, MSFT, 2000-01 .. 2010-03 (vega).

    One series per ``symbol``; GOOG starts in 2004-08. Values unchanged.
    """
    from vega_datasets import local_data

    d = local_data.stocks()  # bundled CSV; no network access
    out = []
    for sym, g in d.groupby("symbol", sort=True):
        ds = pd.DatetimeIndex(g["date"])
        assert ds.equals(pd.date_range(ds[0], "2010-03-01", freq="MS")), sym
        out.append(_long(str(sym), ds, g["price"].to_numpy()))
    assert len(out) == 5
    return pd.concat(out, ignore_index=True)


# --- weekly -------------------------------------------------------------------


def msft_weekly() -> pd.DataFrame:
    """Microsoft closing price, weekly (W-FRI) 1986-03-14 .. 2017-11-10.

    pmdarima's ``load_msft`` is daily on trading days only (weekends,
    holidays and closures are absent), so it is not regular at any daily
    frequency. It is aggregated to weeks ending Friday: ``y`` is the close
    of the last trading day of the week (``resample("W-FRI").last()``),
    labelled by that Friday. Every one of the 1653 weeks has at least one
    trading day (checked), so nothing is filled. Prices are rounded to 5
    decimals (the precision of the file) to remove float noise in it such as
    ``0.09222000000000001``.
    """
    from pmdarima.datasets import load_msft

    d = load_msft()
    day = pd.DatetimeIndex(pd.to_datetime(d["Date"], format="%Y-%m-%d"))
    assert day.is_monotonic_increasing and not day.has_duplicates
    close = pd.Series(d["Close"].to_numpy(dtype=np.float64), index=day)
    rounded = close.round(5)
    assert (rounded - close).abs().max() < 1e-12
    close = rounded
    weekly = close.resample("W-FRI")
    assert (weekly.count() > 0).all()
    y = weekly.last()
    return _long("MSFT", pd.DatetimeIndex(y.index), y.to_numpy())


# --- daily, hourly, half-hourly ------------------------------------------------


def seattle_weather() -> pd.DataFrame:
    """Daily Seattle weather, 2012-01-01 .. 2015-12-31 (vega_datasets).

    One series per numeric column: ``precipitation``, ``temp_max``,
    ``temp_min``, ``wind``; the categorical ``weather`` column is dropped.
    Values unchanged.
    """
    from vega_datasets import local_data

    d = local_data.seattle_weather()  # bundled CSV; no network access
    ds = pd.DatetimeIndex(d["date"])
    assert ds.equals(pd.date_range("2012-01-01", "2015-12-31", freq="D"))
    wide = d[["precipitation", "temp_max", "temp_min", "wind"]]
    return _wide_to_long(wide, ds)


def _hourly_temps(loader_name: str, unique_id: str) -> pd.DataFrame:
    """A vega_datasets 2010 hourly temperature file, cut to whole PDT days.

    The source has 8759 local-time hours: 2010-03-14 03:00 is absent (the
    spring-forward hour, one hour off the true 02:00 gap) and the
    fall-back repeat on 2010-11-07 is not duplicated, so the year is not
    regular in local time. Kept: :data:`HOURLY_TEMPS_SPAN`, 237 whole days
    between the two changes, where the source is complete and regular.
    """
    from vega_datasets import local_data

    d = getattr(local_data, loader_name)()  # bundled CSV; no network access
    t = pd.DatetimeIndex(d["date"])
    full = pd.date_range("2010-01-01", "2010-12-31 23:00", freq="h")
    assert list(full.difference(t)) == [pd.Timestamp("2010-03-14 03:00")]
    assert not t.has_duplicates
    s = pd.Series(d["temp"].to_numpy(dtype=np.float64), index=t)
    s = s.loc[HOURLY_TEMPS_SPAN[0] : HOURLY_TEMPS_SPAN[1]]
    assert len(s) == 237 * 24
    return _long(unique_id, pd.DatetimeIndex(s.index), s.to_numpy())


def seattle_temps() -> pd.DataFrame:
    """Hourly Seattle temperature (F), 2010-03-15 .. 2010-11-06 (vega)."""
    return _hourly_temps("seattle_temps", "seattle")


def sf_temps() -> pd.DataFrame:
    """Hourly San Francisco temperature (F), 2010-03-15 .. 2010-11-06 (vega)."""
    return _hourly_temps("sf_temps", "san_francisco")


def gb_solar() -> pd.DataFrame:
    """GB national solar PV generation / capacity, half-hourly (sktime sample).

    sktime's stored sample (what ``load_solar(api_version=None)`` returns,
    without calling the API): 289 half-hours 2021-05-01 00:00 ..
    2021-05-07 00:00 UTC. The UTC timestamps are written without a zone.
    Values unchanged.
    """
    path = _shipped_file("sktime/datasets/data/solar/solar.csv")
    d = pd.read_csv(path)
    t = pd.DatetimeIndex(pd.to_datetime(d["datetime_gmt"], utc=True))
    ds = t.tz_convert("UTC").tz_localize(None)
    assert ds.equals(pd.date_range("2021-05-01", "2021-05-07", freq="30min"))
    return _long("gb_solar", ds, d["solar_gen"].to_numpy())


# file stem -> (builder, expected pandas frequency of every series)
DATASETS = {
    "air_passengers": (air_passengers, "MS"),
    "taylor": (taylor, "30min"),
    "co2": (co2, "W-SAT"),
    "elnino": (elnino, "MS"),
    "fertility": (fertility, "YS"),
    "us_employment": (us_employment, "MS"),
    # the wide benchmark (issue 17)
    "sunspots": (sunspots, "YS"),
    "nile": (nile, "YS"),
    "lynx": (lynx, "YS"),
    "grunfeld": (grunfeld, "YS"),
    "m1_yearly": (m1_yearly, "YS"),
    "us_macro": (us_macro, "QS"),
    "ausbeer": (ausbeer, "QS"),
    "woolyrnq": (woolyrnq, "QS"),
    "us_change": (us_change, "QS"),
    "danish_money": (danish_money, "QS"),
    "wineind": (wineind, "MS"),
    "elec_equip": (elec_equip, "MS"),
    "pbs_immune": (pbs_immune, "MS"),
    "shampoo": (shampoo, "MS"),
    "stocks": (stocks, "MS"),
    "msft_weekly": (msft_weekly, "W-FRI"),
    "seattle_weather": (seattle_weather, "D"),
    "seattle_temps": (seattle_temps, "h"),
    "sf_temps": (sf_temps, "h"),
    "gb_solar": (gb_solar, "30min"),
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
