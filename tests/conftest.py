"""Shared fixtures: quiet TensorFlow, small synthetic series with known answers."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402


def make_frame(values_by_id: dict, start="2020-01-01", freq="h") -> pd.DataFrame:
    """Long frame from ``{id: values}``, every series starting at ``start``."""
    parts = [
        pd.DataFrame(
            {
                "unique_id": k,
                "ds": pd.date_range(start, periods=len(v), freq=freq),
                "y": np.asarray(v, dtype=float),
            }
        )
        for k, v in values_by_id.items()
    ]
    return pd.concat(parts, ignore_index=True)


@pytest.fixture
def sine_frame():
    rng = np.random.default_rng(0)
    t = np.arange(400)
    return make_frame(
        {
            "a": np.sin(2 * np.pi * t / 24) + 0.05 * rng.normal(size=t.size),
            "b": 2 + np.cos(2 * np.pi * t / 24) + 0.05 * rng.normal(size=t.size),
        }
    )
