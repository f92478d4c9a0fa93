import pandas as pd
import pytest

from forecaster import datasets
from forecaster.data.panel import panel_from_frame


def test_names_has_required_kinds():
    names = datasets.names()
    assert len(names) >= 4
    assert {"air_passengers", "taylor", "fertility"} <= set(names)


@pytest.mark.parametrize("name", datasets.names())
def test_each_dataset_is_a_valid_regular_panel(name):
    df = datasets.load(name)
    assert df.columns.tolist() == ["unique_id", "ds", "y"]
    p = panel_from_frame(df)  # validates: no NaN, no dups, regular frequency
    assert p.n_series >= 1
    assert name in datasets.SEASON_LENGTH


def test_kinds_of_frequency():
    freqs = {n: panel_from_frame(datasets.load(n)).freq for n in datasets.names()}
    assert freqs["air_passengers"] == "MS"
    assert freqs["taylor"] == "30min"
    assert panel_from_frame(datasets.load("fertility")).n_series >= 10


def test_unknown_name():
    with pytest.raises(ValueError, match="Unknown data set 'nope'; choose one of"):
        datasets.load("nope")


def test_loaded_types():
    df = datasets.load("air_passengers")
    assert pd.api.types.is_datetime64_any_dtype(df["ds"])
    assert df["y"].dtype == "float64"
