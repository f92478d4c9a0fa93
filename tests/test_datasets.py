import json
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from forecaster import datasets
from forecaster.data.panel import panel_from_frame

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = ROOT / "benchmarks" / "datasets.json"


@cache
def _panel(name):
    return panel_from_frame(datasets.load(name))


@cache
def _protocol():
    return {row["name"]: row for row in json.loads(PROTOCOL.read_text())["datasets"]}


def test_names_has_required_kinds():
    names = datasets.names()
    assert len(names) >= 20
    assert {"air_passengers", "taylor", "fertility"} <= set(names)


@pytest.mark.parametrize("name", datasets.names())
def test_each_dataset_is_a_valid_regular_panel(name):
    df = datasets.load(name)
    assert df.columns.tolist() == ["unique_id", "ds", "y"]
    assert df["y"].dtype == "float64"
    # sorted as documented (panel_from_frame would sort silently)
    assert df.equals(df.sort_values(["unique_id", "ds"], kind="stable"))
    p = _panel(name)  # validates: no NaN, no dups, regular frequency
    assert p.n_series >= 1
    assert name in datasets.SEASON_LENGTH


def test_kinds_of_frequency():
    freqs = {n: _panel(n).freq for n in datasets.names()}
    assert freqs["air_passengers"] == "MS"
    assert freqs["taylor"] == "30min"
    assert _panel("fertility").n_series >= 10
    kinds = {f.split("-")[0] for f in freqs.values()}
    assert {"YS", "QS", "MS", "W", "D", "h", "30min"} <= kinds


def test_the_wide_benchmark_mixes_panels_and_short_series():
    panels = [n for n in datasets.names() if _panel(n).n_series >= 10]
    assert len(panels) >= 4, panels
    short = [n for n in datasets.names() if _panel(n).lengths.min() < 100]
    assert len(short) >= 3, short


def test_protocol_covers_every_dataset_and_both_splits():
    proto = _protocol()
    assert sorted(proto) == datasets.names() == sorted(datasets.SEASON_LENGTH)
    splits = [row["split"] for row in proto.values()]
    assert set(splits) == {"validation", "test"}
    assert 0.5 <= splits.count("validation") / len(splits) <= 0.7
    # the data sets bundled before the wide benchmark already informed choices
    early = {"air_passengers", "co2", "elnino", "fertility", "taylor", "us_employment"}
    assert {proto[n]["split"] for n in early} == {"validation"}
    for split in ("validation", "test"):
        kinds = {r["freq"].split("-")[0] for r in proto.values() if r["split"] == split}
        assert {"YS", "QS", "MS", "W", "h", "30min"} <= kinds, (split, kinds)


@pytest.mark.parametrize("name", datasets.names())
def test_protocol_row_matches_the_data(name):
    row, p = _protocol()[name], _panel(name)
    assert row["freq"] == p.freq
    assert row["season_length"] == datasets.SEASON_LENGTH[name]
    assert row["n_series"] == p.n_series
    assert (row["min_length"], row["max_length"]) == (p.lengths.min(), p.lengths.max())
    # the documented rule, with the usual period of the frequency (not the
    # data set's season_length)
    period = {"YS": 1, "QS": 4, "MS": 12, "W": 52, "D": 7, "h": 24, "30min": 48}
    m = period[row["freq"].split("-")[0]]
    h, n_min = row["horizon"], row["min_length"]
    assert row["lookback"] == max(1, min(max(2 * m, 3 * h), n_min - 2 * h))
    # the shortest series keeps a training window after the test holdout
    assert row["lookback"] + 2 * h <= n_min


def test_readme_documents_every_dataset():
    readme = (ROOT / "datasets" / "README.md").read_text()
    headings = [ln for ln in readme.splitlines() if ln.startswith("### ")]
    for name in datasets.names():
        assert f"| `{name}.csv`" in readme, name  # a row of the main table
        assert any(f"`{name}.csv`" in h for h in headings), name  # provenance


def test_unknown_name():
    with pytest.raises(ValueError, match="Unknown data set 'nope'; choose one of"):
        datasets.load("nope")


def test_loaded_types():
    df = datasets.load("air_passengers")
    assert pd.api.types.is_datetime64_any_dtype(df["ds"])
    assert df["y"].dtype == "float64"
