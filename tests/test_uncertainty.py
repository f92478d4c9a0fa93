"""Quantile and distribution heads, conformal intervals: calibrated coverage."""

import numpy as np
import pandas as pd
import pytest

from forecaster import RecurrentForecaster
from forecaster.estimators.uncertainty import check_levels, conformal_quantile
from tests.conftest import make_frame


def test_conformal_quantile_finite_sample_rank():
    scores = np.arange(1.0, 20.0)[:, None] * np.array([[1.0, 2.0]])  # 19 windows
    # ceil(20 * 0.9) = 18th smallest
    assert conformal_quantile(scores, 90).tolist() == [18.0, 36.0]
    with pytest.raises(
        ValueError, match="needs at least 19 calibration windows, found 4"
    ):
        conformal_quantile(np.ones((4, 1)), 95)


def test_conformal_quantile_pools_normalised_steps_when_windows_are_few():
    rng = np.random.default_rng(0)
    sigma = np.sqrt(np.arange(1, 13))  # errors grow along the horizon
    scores = np.abs(rng.normal(size=(14, 12)) * sigma)  # 14 windows: < 19
    half = conformal_quantile(scores, 95)
    assert half.shape == (12,) and np.corrcoef(half, sigma)[0, 1] > 0.6  # ~ sigma
    # coverage of fresh errors, per step and overall, near the level
    fresh = np.abs(rng.normal(size=(20000, 12)) * sigma)
    covered = (fresh <= half).mean(axis=0)
    assert 0.9 < covered.mean() < 0.99
    # with enough windows the exact per-step rank is used, not the pooling
    many = np.abs(rng.normal(size=(40, 12)) * sigma)
    k = int(np.ceil(41 * 0.95))
    np.testing.assert_array_equal(
        conformal_quantile(many, 95), np.sort(many, axis=0)[k - 1]
    )


def test_check_levels():
    assert check_levels(None) == [] and check_levels(80) == [80.0]
    with pytest.raises(ValueError, match="argument `level`, expected percentages"):
        check_levels([80, 100])


def _noisy_sines(n_series=100, length=140, sigma=0.3, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    values = {
        f"s{k}": np.sin(2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi))
        + sigma * rng.normal(size=length)
        for k in range(n_series)
    }
    return make_frame(values, freq="D")


def _split(df, h):
    pos = df.groupby("unique_id").cumcount(ascending=False)
    return df[pos >= h], df[pos < h]


COMMON = dict(
    horizon=20,
    lookback=24,
    hidden_units=16,
    max_epochs=30,
    early_stopping_patience=4,
    batch_size=128,
    val_size=40,
    verbose=0,
    random_state=0,
)


@pytest.fixture(scope="module")
def noisy():
    return _split(_noisy_sines(), 20)  # 100 series x 20 = 2,000 held-out points


def _coverage(fc, test, level):
    m = test.merge(fc, on=["unique_id", "ds"])
    assert len(m) == 2000
    inside = (m["y"] >= m[f"yhat_lo{level}"]) & (m["y"] <= m[f"yhat_hi{level}"])
    return float(inside.mean())


@pytest.mark.parametrize(
    "kw",
    [
        {"loss": "mse"},  # conformal
        {"loss": "quantile", "quantiles": (0.025, 0.1, 0.5, 0.9, 0.975)},
        {"loss": "normal"},
        pytest.param({"loss": "student_t"}, marks=pytest.mark.slow),
    ],
    ids=lambda kw: kw["loss"],
)
def test_interval_coverage_on_noisy_sine(noisy, kw):
    train, test = noisy
    est = RecurrentForecaster(**COMMON, **kw).fit(train)
    fc = est.predict(level=[80, 95])
    cov80, cov95 = _coverage(fc, test, 80), _coverage(fc, test, 95)
    assert abs(cov80 - 0.80) <= 0.05, cov80
    assert abs(cov95 - 0.95) <= 0.03, cov95
    assert (fc["yhat_lo95"] <= fc["yhat_lo80"]).all()
    assert (fc["yhat_lo80"] <= fc["yhat"]).all() and (
        fc["yhat"] <= fc["yhat_hi80"]
    ).all()


def test_quantile_columns_monotone_and_samples(noisy):
    train, _ = noisy
    small = {**COMMON, "max_epochs": 2}
    q = RecurrentForecaster(**small, loss="quantile").fit(train).predict()
    assert [c for c in q.columns if c.startswith("yhat_q")] == [
        "yhat_q0.1",
        "yhat_q0.5",
        "yhat_q0.9",
    ]
    assert (q["yhat_q0.1"] <= q["yhat_q0.5"]).all() and (
        q["yhat_q0.5"] <= q["yhat_q0.9"]
    ).all()
    np.testing.assert_allclose(q["yhat"], q["yhat_q0.5"])
    est = RecurrentForecaster(**small, loss="normal").fit(train)
    exact = est.predict()
    sampled = est.predict(num_samples=4000)
    np.testing.assert_allclose(sampled["yhat_q0.1"], exact["yhat_q0.1"], atol=0.1)
    assert isinstance(sampled, pd.DataFrame) and len(sampled) == 2000


def test_conformal_levels_work_on_air_passengers_with_defaults():
    # The README's example: one monthly series, horizon 12, every default.
    import forecaster

    df = forecaster.datasets.load("air_passengers")
    est = RecurrentForecaster(horizon=12, random_state=0, verbose=0).fit(df)
    # 13 validation windows: 80% per step, 95% from the 12 steps' pooled scores
    assert est.n_val_windows_ < 19
    out = est.predict(level=[80, 95])
    assert (out["yhat_lo95"] <= out["yhat_lo80"]).all()
    assert (out["yhat_lo80"] <= out["yhat"]).all()
    assert (out["yhat"] <= out["yhat_hi80"]).all()
    assert (out["yhat_hi80"] <= out["yhat_hi95"]).all()
    with pytest.raises(ValueError, match="99.5% conformal interval needs at least"):
        est.predict(level=[99.5])  # where the data truly cannot give one
