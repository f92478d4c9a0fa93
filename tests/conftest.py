"""Shared fixtures: quiet TensorFlow, small synthetic series with known answers,
the tiny estimator settings the test files start from."""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

# Tiny settings: a network fitted in a second or two, for the tests that need a
# fitted model, not a good one. Files change single keys with ``dict(TINY, ...)``.
TINY = dict(
    horizon=3, lookback=6, hidden_units=4, max_epochs=2, verbose=0, random_state=0
)
# One epoch, no validation pass, no early stopping.
TINY_NO_VAL = dict(TINY, max_epochs=1, val_size=0, early_stopping_patience=None)

# Enough training to learn y = 3 x from a future-known driver x.
DRIVEN = dict(
    horizon=12,
    lookback=24,
    hidden_units=16,
    max_epochs=60,
    early_stopping_patience=8,
    verbose=0,
    random_state=0,
)

# The covariates `with_covariates` adds, as estimator parameters.
COVARIATES = dict(
    past_covariates=["temp"],
    future_covariates=["x"],
    calendar_features=["hour"],
    static_features=["store", "area"],
)


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


def sine(n=400) -> pd.DataFrame:
    """Two noisy hourly sine waves (period 24), series ``a`` and ``b``."""
    rng = np.random.default_rng(0)
    t = np.arange(n)
    return make_frame(
        {
            "a": np.sin(2 * np.pi * t / 24) + 0.05 * rng.normal(size=t.size),
            "b": 2 + np.cos(2 * np.pi * t / 24) + 0.05 * rng.normal(size=t.size),
        }
    )


def small_panel(n=60) -> pd.DataFrame:
    """Two short smooth hourly series, ``a`` and ``b``."""
    t = np.arange(n)
    return make_frame({"a": np.sin(t / 3.0), "b": 5 + 2 * np.cos(t / 4.0)})


def with_covariates(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``df`` (series ``a`` and ``b``) with the columns `COVARIATES` names:
    ``(frame with past "temp" and future "x", static_df of "store", "area")``."""
    df = df.assign(temp=np.arange(len(df), dtype=float), x=np.sin(np.arange(len(df))))
    static = pd.DataFrame(
        {"unique_id": ["a", "b"], "store": ["n", "s"], "area": [1.0, 3.0]}
    )
    return df, static


def edit_config(path, edit, manifest=True):
    """Edit a saved artifact's config.json; by default as a consistent editor
    would, the manifest's hash too (so the load checks the edit, not the hash)."""
    from forecaster.persistence import _sha256

    config = json.loads((path / "config.json").read_text())
    edit(config)
    (path / "config.json").write_text(json.dumps(config))
    if manifest:
        sha = _sha256(path / "config.json")
        (path / "manifest.json").write_text(
            json.dumps({"sha256": {"config.json": sha}})
        )


@pytest.fixture
def sine_frame():
    return sine()
