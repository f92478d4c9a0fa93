"""RecurrentForecaster learns what it must: sine, trend, a real data set."""

import numpy as np
import pytest

import forecaster
from forecaster import RecurrentForecaster, datasets
from forecaster.baselines import seasonal_naive
from forecaster.metrics import mase
from tests.conftest import TINY, make_frame

FAST = dict(
    hidden_units=32, max_epochs=40, early_stopping_patience=5, verbose=0, random_state=0
)


def _split(df, horizon):
    pos = df.groupby("unique_id").cumcount(ascending=False)
    return df[pos >= horizon], df[pos < horizon]


def _mae(test, fc):
    m = test.merge(fc, on=["unique_id", "ds"])
    assert len(m) == len(test)
    return float(np.mean(np.abs(m["y"] - m["yhat"])))


def _naive_mae(train, test):
    last = train.groupby("unique_id")["y"].last()
    return float(
        np.mean(np.abs(test["y"].to_numpy() - last[test["unique_id"]].to_numpy()))
    )


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_noisy_sine_beats_naive_3x(cell):
    rng = np.random.default_rng(1)
    t = np.arange(480)
    df = make_frame({"s": np.sin(2 * np.pi * t / 24) + 0.1 * rng.normal(size=t.size)})
    train, test = _split(df, 24)
    fc = (
        RecurrentForecaster(cell=cell, horizon=24, lookback=48, **FAST)
        .fit(train)
        .predict()
    )
    model_mae, naive_mae = _mae(test, fc), _naive_mae(train, test)
    assert model_mae * 3 < naive_mae, (model_mae, naive_mae)


@pytest.mark.slow
def test_noisy_sine_simple_rnn():
    rng = np.random.default_rng(1)
    t = np.arange(480)
    df = make_frame({"s": np.sin(2 * np.pi * t / 24) + 0.1 * rng.normal(size=t.size)})
    train, test = _split(df, 24)
    fc = (
        RecurrentForecaster(cell="rnn", horizon=24, lookback=48, **FAST)
        .fit(train)
        .predict()
    )
    assert _mae(test, fc) * 3 < _naive_mae(train, test)


def test_linear_trend_is_followed_past_the_training_range():
    rng = np.random.default_rng(2)
    t = np.arange(300)
    df = make_frame({"trend": 10 + 2.0 * t + 0.5 * rng.normal(size=t.size)})
    train, test = _split(df, 12)
    fc = RecurrentForecaster(horizon=12, lookback=24, **FAST).fit(train).predict()
    trend_range = test["y"].max() - test["y"].min()  # ~22 over the horizon
    assert test["y"].min() > train["y"].max()  # the future lies outside training
    assert _mae(test, fc) < 0.1 * trend_range
    assert _naive_mae(train, test) > 0.5 * trend_range


def test_default_beats_seasonal_naive_on_elnino():
    # The full table over every data set is benchmarks/accuracy.py.
    df = datasets.load("elnino")
    season, horizon = datasets.SEASON_LENGTH["elnino"], 12
    train, test = _split(df, horizon)
    fc = (
        RecurrentForecaster(horizon=horizon, verbose=0, random_state=0)
        .fit(train)
        .predict()
    )
    snaive = seasonal_naive(train, horizon, season_length=season)
    y, hist = test["y"].to_numpy(), train["y"].to_numpy()
    ours = mase(y, fc["yhat"].to_numpy(), hist, season)
    theirs = mase(y, snaive["yhat"].to_numpy(), hist, season)
    assert fc["ds"].tolist() == test["ds"].tolist()
    assert ours < theirs, (ours, theirs)


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["peephole_lstm", "coupled_lstm"])
def test_custom_cells_learn_the_sine(cell):
    rng = np.random.default_rng(1)
    t = np.arange(480)
    df = make_frame({"s": np.sin(2 * np.pi * t / 24) + 0.1 * rng.normal(size=t.size)})
    train, test = _split(df, 24)
    fc = (
        RecurrentForecaster(cell=cell, horizon=24, lookback=48, **FAST)
        .fit(train)
        .predict()
    )
    assert _mae(test, fc) * 3 < _naive_mae(train, test)


def test_a_seasonal_naive_baseline_starts_at_the_baseline():
    # before any useful training (one epoch, a tiny learning rate), the
    # forecast is the last season of the window repeated
    t = np.arange(120)
    y = 10 + np.sin(2 * np.pi * t / 12) + 0.01 * t
    df = make_frame({"a": y}, freq="MS")
    params = dict(TINY, horizon=12, lookback=24, learning_rate=1e-7, max_epochs=1)
    est = RecurrentForecaster(**params, baseline="seasonal_naive").fit(df)
    np.testing.assert_allclose(est.predict()["yhat"], y[-12:], atol=0.02)
    naive = RecurrentForecaster(**params, baseline="naive").fit(df)
    np.testing.assert_allclose(naive.predict()["yhat"], np.full(12, y[-1]), atol=0.02)
    # a season longer than the lookback falls back to the last value
    short = RecurrentForecaster(**{**params, "lookback": 6}, baseline="seasonal_naive")
    np.testing.assert_allclose(
        short.fit(df).predict()["yhat"], np.full(12, y[-1]), atol=0.02
    )


def test_a_seasonal_mean_baseline_starts_at_the_averaged_season(tmp_path):
    # untrained, the forecast is the profile of the lookback's three seasons
    # at the last season's level, whatever one season's noise; and a saved
    # model forecasts the same
    rng = np.random.default_rng(0)
    t = np.arange(120)
    y = 10 + np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.2, 120)
    df = make_frame({"a": y}, freq="MS")
    params = dict(TINY, horizon=12, lookback=36, learning_rate=1e-7, max_epochs=1)
    est = RecurrentForecaster(**params, baseline="seasonal_mean").fit(df)
    seasons = y[-36:].reshape(3, 12)
    want = (seasons - seasons.mean(1, keepdims=True)).mean(0) + seasons[-1].mean()
    np.testing.assert_allclose(est.predict()["yhat"], want, atol=0.02)
    est.save(tmp_path / "m")
    again = forecaster.load(tmp_path / "m").predict()["yhat"]
    np.testing.assert_allclose(again, est.predict()["yhat"], rtol=1e-6)


def test_an_unknown_baseline_is_refused_before_training():
    with pytest.raises(ValueError, match="argument `baseline`, expected one of"):
        RecurrentForecaster(**TINY, baseline="drift").fit(
            make_frame({"a": np.ones(40)})
        )
