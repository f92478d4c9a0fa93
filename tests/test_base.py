"""The estimator facade: scikit-learn conventions and bad input."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_estimators_unfitted,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from forecaster import RecurrentForecaster
from tests.conftest import TINY, make_frame


def test_sklearn_data_free_checks():
    est = RecurrentForecaster()
    check_no_attributes_set_in_init("RecurrentForecaster", est)
    check_parameters_default_constructible("RecurrentForecaster", est)
    check_get_params_invariance("RecurrentForecaster", est)
    check_set_params("RecurrentForecaster", est)


def test_unfitted_predict_raises():
    with pytest.raises(NotFittedError):
        RecurrentForecaster().predict()
    with pytest.raises(NotFittedError):
        check_estimators_unfitted("RecurrentForecaster", RecurrentForecaster()) or (
            RecurrentForecaster().predict(make_frame({"a": range(10)}))
        )


def test_init_stores_as_is_and_clone():
    est = RecurrentForecaster(cell="gru", horizon=7, lookback=None, val_size=0.2)
    assert est.get_params()["lookback"] is None
    c = clone(est)
    assert c.get_params() == est.get_params()
    est.set_params(hidden_units=3)
    assert est.hidden_units == 3


def test_fit_returns_self_and_learned_state(sine_frame):
    est = RecurrentForecaster(**TINY)
    assert est.fit(sine_frame) is est
    for attr in ("model_", "lookback_", "freq_", "scaler_", "ids_", "history_"):
        assert hasattr(est, attr)
    assert est.freq_ == "h" and est.lookback_ == 6
    # the params were not rewritten
    assert est.get_params()["lookback"] == 6


def test_predict_frame_layout(sine_frame):
    est = RecurrentForecaster(**TINY).fit(sine_frame)
    out = est.predict()
    assert out.columns.tolist() == ["unique_id", "ds", "yhat"]
    assert out.groupby("unique_id").size().tolist() == [3, 3]
    last = sine_frame.groupby("unique_id")["ds"].max()
    for uid, g in out.groupby("unique_id"):
        assert g["ds"].tolist() == list(
            pd.date_range(last[uid], periods=4, freq="h")[1:]
        )


def test_series_in_frame_indexed_by_ds_out():
    t = pd.date_range("2021-01-01", periods=80, freq="D")
    s = pd.Series(np.sin(np.arange(80) / 4), index=t)
    est = RecurrentForecaster(**TINY).fit(s)
    out = est.predict()
    assert out.columns.tolist() == ["yhat"] and out.index.name == "ds"
    assert out.index[0] == pd.Timestamp("2021-03-22")


def test_predict_with_new_history_and_unseen_series(sine_frame):
    est = RecurrentForecaster(**TINY).fit(sine_frame)
    new = sine_frame[sine_frame["unique_id"] == "a"].copy()
    new["unique_id"] = "brand_new"
    new["y"] = new["y"] * 10 + 50
    out = est.predict(new.iloc[:200])
    assert out["unique_id"].unique().tolist() == ["brand_new"]
    assert out["ds"].iloc[0] == new["ds"].iloc[200]
    # a new series is scaled by its own history: forecasts live in its units
    assert 30 < out["yhat"].mean() < 70


def test_two_fits_same_seed_identical(sine_frame):
    a = RecurrentForecaster(**TINY).fit(sine_frame).predict()
    b = RecurrentForecaster(**TINY).fit(sine_frame).predict()
    np.testing.assert_array_equal(a["yhat"].to_numpy(), b["yhat"].to_numpy())


def test_constant_series_trains_and_forecasts_the_constant():
    df = make_frame({"flat": np.full(60, 5.0), "zero": np.zeros(60)})
    out = RecurrentForecaster(**TINY).fit(df).predict()
    assert np.isfinite(out["yhat"]).all()
    np.testing.assert_allclose(out.loc[out.unique_id == "flat", "yhat"], 5.0, atol=0.05)
    np.testing.assert_allclose(out.loc[out.unique_id == "zero", "yhat"], 0.0, atol=0.05)


def test_short_series_named_before_tensorflow():
    df = make_frame({"ok": np.arange(50.0), "tiny": np.arange(5.0)})
    with pytest.raises(
        ValueError, match=r"shorter than 9 points .*'tiny' \(5 points\)"
    ):
        RecurrentForecaster(**TINY).fit(df)


def test_predict_history_shorter_than_lookback(sine_frame):
    est = RecurrentForecaster(**TINY).fit(sine_frame)
    with pytest.raises(
        ValueError, match=r"shorter than 6 points \(the lookback window\): 'a'"
    ):
        est.predict(sine_frame[sine_frame.unique_id == "a"].iloc[:4])


def test_predict_wrong_frequency(sine_frame):
    est = RecurrentForecaster(**TINY).fit(sine_frame)
    daily = make_frame({"a": np.arange(20.0)}, freq="D")
    with pytest.raises(ValueError, match="not regular at frequency 'h'"):
        est.predict(daily)


@pytest.mark.parametrize(
    "param,value,msg",
    [
        ("horizon", 0, "argument `horizon`, expected a positive integer, got 0"),
        ("cell", "lstmm", "argument `cell`, expected one of"),
        ("scaler", "z", "argument `scaler`, expected one of"),
        ("dropout", 1.5, "argument `dropout`, expected a float in"),
        ("val_size", -1, "argument `val_size`"),
        ("learning_rate", 0, "argument `learning_rate`, expected a positive number"),
        ("window_norm", "max", "argument `window_norm`"),
        ("loss", "l3", "argument `loss`"),
    ],
)
def test_bad_params_named(sine_frame, param, value, msg):
    with pytest.raises(ValueError, match=msg):
        RecurrentForecaster(**{**TINY, param: value}).fit(sine_frame)


def test_bad_data_errors_come_before_tensorflow(sine_frame):
    bad = sine_frame.copy()
    bad.loc[7, "y"] = np.nan
    with pytest.raises(ValueError, match="series 'a', ds 2020-01-01 07:00:00"):
        RecurrentForecaster(**TINY).fit(bad)
    with pytest.raises(ValueError, match="missing required columns: \\['y'\\]"):
        RecurrentForecaster(**TINY).fit(sine_frame.drop(columns="y"))
    with pytest.raises(TypeError, match="Expected a pandas DataFrame"):
        RecurrentForecaster(**TINY).fit(sine_frame.to_numpy())


def test_custom_column_names(sine_frame):
    df = sine_frame.rename(columns={"unique_id": "store", "ds": "when", "y": "sales"})
    est = RecurrentForecaster(
        **TINY, id_col="store", time_col="when", target_col="sales"
    )
    out = est.fit(df).predict()
    assert out.columns.tolist() == ["store", "when", "yhat"]


def test_early_stopping_warns_without_validation(sine_frame):
    with pytest.warns(UserWarning, match="Early stopping is off"):
        RecurrentForecaster(**{**TINY, "val_size": 0}).fit(sine_frame)


def test_early_stopping_stops_on_noise():
    # White noise: nothing to learn, so the validation loss stops improving.
    noise = np.random.default_rng(0).normal(size=300)
    est = RecurrentForecaster(
        **{**TINY, "max_epochs": 60, "early_stopping_patience": 2}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.fit(make_frame({"noise": noise}))
    assert "val_loss" in est.history_
    assert len(est.history_["loss"]) < 60
    assert est.n_val_windows_ > 0


def test_automatic_lookback_capped_by_shortest_series():
    df = make_frame({"a": np.sin(np.arange(40.0))})
    est = RecurrentForecaster(
        **{**TINY, "lookback": None, "val_size": 0, "early_stopping_patience": None}
    ).fit(df)
    # two days of hourly data (48) would leave no window in 40 points
    assert est.lookback_ == 40 - 3


def test_import_does_not_load_tensorflow():
    import subprocess
    import sys

    code = "import sys, forecaster; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False False", out.stderr[-2000:]


@pytest.mark.parametrize(
    "param,value,msg",
    [
        ("random_state", "abc", "argument `random_state`, expected None or an int"),
        ("random_state", -1, "argument `random_state`, expected None or an int"),
        ("verbose", "loud", "argument `verbose`, expected an integer"),
        ("freq", 3, "argument `freq`, expected None or a pandas frequency"),
        ("target_col", 0, "argument `target_col`, expected a column name"),
    ],
)
def test_bad_params_fail_before_tensorflow_is_imported(param, value, msg):
    import subprocess
    import sys

    code = f"""
import sys, numpy as np, pandas as pd
from forecaster import RecurrentForecaster
df = pd.DataFrame({{"unique_id": "a", "ds": pd.date_range("2020", periods=50,
                   freq="D"), "y": np.arange(50.0)}})
try:
    RecurrentForecaster(horizon=2, **{{{param!r}: {value!r}}}).fit(df)
except ValueError as err:
    print("ValueError:", err)
print("tensorflow imported:", "tensorflow" in sys.modules)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    ).stdout
    assert msg in out, out
    assert "tensorflow imported: False" in out


def test_an_ensemble_predicts_the_median_of_its_members_and_round_trips(tmp_path):
    from forecaster.estimators.inputs import history_of, network_inputs
    from forecaster.persistence import load

    df = make_frame({"a": np.sin(np.arange(80) / 3.0), "b": np.cos(np.arange(80) / 4)})
    est = RecurrentForecaster(**TINY, ensemble_size=3).fit(df)
    inputs = network_inputs(est, history_of(est, None), None, None)
    members = est.networks_.train.predict_on_batch(inputs)  # (N, K, H), scaled
    assert members.shape == (2, 3, TINY["horizon"])
    assert not np.allclose(members[:, 0], members[:, 1])  # own initial weights
    combined = est.networks_.predict.predict_on_batch(inputs)
    np.testing.assert_allclose(combined, np.median(members, axis=1), rtol=1e-6)
    fc = est.predict(level=[80])
    est.save(tmp_path / "m")
    again = load(tmp_path / "m")
    assert again.get_params()["ensemble_size"] == 3
    np.testing.assert_allclose(again.predict(level=[80])["yhat"], fc["yhat"], atol=1e-6)
