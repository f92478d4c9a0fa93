"""The conformance check every model family passes.

``check_forecaster(estimator)`` runs, on a small synthetic panel:

1. the scikit-learn data-free checks (parameters stored as given, default
   constructible, ``get_params``/``set_params``/``clone``);
2. ``predict`` before ``fit`` raises ``NotFittedError``;
3. ``fit`` returns ``self``; ``predict`` gives ``horizon`` rows per series at
   the right timestamps, all finite;
4. the same seed gives identical forecasts;
5. ``save`` then ``forecaster.load`` predicts exactly the same;
6. the exported SavedModel, reloaded with plain ``tf.saved_model.load``,
   gives the same numbers to 1e-5;
7. ``predict(df)`` forecasts a series unseen at fit.

A family's own test is then one line (NeuralForecast's ``check_model``
pattern): ``check_forecaster(Seq2SeqForecaster(attention="luong"))``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

__all__ = ["check_forecaster", "synthetic_panel"]


def synthetic_panel(
    n_series: int = 3, length: int = 96, freq: str = "h", seed: int = 0
):
    """Noisy daily-cycle sines at different levels, as a long frame.

    Examples
    --------
    >>> synthetic_panel(2, 10).groupby("unique_id").size().tolist()
    [10, 10]
    """
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    frames = [
        pd.DataFrame(
            {
                "unique_id": f"series_{k}",
                "ds": pd.date_range("2024-01-01", periods=length, freq=freq),
                "y": 10 * k
                + np.sin(2 * np.pi * (t + 3 * k) / 24)
                + 0.05 * rng.normal(size=length),
            }
        )
        for k in range(n_series)
    ]
    return pd.concat(frames, ignore_index=True)


def check_forecaster(estimator, horizon: int = 4, lookback: int = 12) -> None:
    """Assert that ``estimator``'s family meets the package's contract.

    Parameters
    ----------
    estimator : BaseForecaster
        An unfitted estimator; its parameters are kept, except that a small,
        fast, seeded training configuration is set on a clone.
    horizon, lookback : int
        Window geometry of the check.

    Raises
    ------
    AssertionError
        Naming the check that failed.
    """
    name = type(estimator).__name__
    _check_data_free(name, estimator)
    fast = dict(
        horizon=horizon,
        lookback=lookback,
        hidden_units=8,
        max_epochs=2,
        verbose=0,
        random_state=0,
    )
    df = synthetic_panel()
    est = clone(estimator).set_params(**fast)
    fc = _check_fit_predict(name, est, df, horizon)
    again = clone(estimator).set_params(**fast).fit(df).predict()
    np.testing.assert_array_equal(
        again["yhat"], fc["yhat"], err_msg="same seed, same forecast"
    )
    with tempfile.TemporaryDirectory() as tmp:
        _check_save_load(est, fc, Path(tmp) / "model")
        _check_export(est, fc, Path(tmp) / "saved_model")
    new = df[df["unique_id"] == "series_1"].assign(unique_id="unseen")
    out = est.predict(new)
    assert out["unique_id"].unique().tolist() == ["unseen"] and len(out) == horizon


def _check_data_free(name: str, estimator) -> None:
    """scikit-learn's data-free checks, then ``predict`` before ``fit`` raising
    ``NotFittedError`` (``check_estimator`` would skip a forecaster)."""
    check_no_attributes_set_in_init(name, estimator)
    check_parameters_default_constructible(name, estimator)
    check_get_params_invariance(name, estimator)
    check_set_params(name, estimator)
    try:
        clone(estimator).predict()
    except NotFittedError:
        pass
    else:  # pragma: no cover - a failing family
        raise AssertionError(f"{name}.predict before fit did not raise NotFittedError")


def _check_fit_predict(name: str, est, df: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Fit ``est`` on ``df``; its forecast, once checked: ``horizon`` finite
    rows per series, starting one step after each series' end."""
    assert est.fit(df) is est, f"{name}.fit must return self"
    fc = est.predict()
    assert fc.groupby("unique_id").size().eq(horizon).all(), "horizon rows per series"
    assert np.isfinite(fc["yhat"]).all(), "finite forecasts"
    last = df.groupby("unique_id")["ds"].max()
    first = fc.groupby("unique_id")["ds"].min()
    assert ((first - last) == pd.Timedelta(hours=1)).all(), (
        "forecasts start after the end"
    )
    return fc


def _check_save_load(est, fc: pd.DataFrame, path: Path) -> None:
    """``save`` then :func:`forecaster.load` forecasts exactly the same."""
    from forecaster import load

    est.save(path)
    loaded = load(path)
    np.testing.assert_array_equal(
        loaded.predict()["yhat"],
        fc["yhat"],
        err_msg="save/load changed the forecasts",
    )


def _check_export(est, fc: pd.DataFrame, path: Path) -> None:
    """The exported SavedModel, reloaded with plain TensorFlow, agrees with
    ``predict`` to 1e-5."""
    import tensorflow as tf

    est.export_saved_model(path)
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    history = est.last_windows_.astype(np.float32)
    ids = np.asarray(est.ids_).astype(str)
    got = serve(history=tf.constant(history), unique_id=tf.constant(ids))["yhat"]
    np.testing.assert_allclose(
        np.asarray(got).reshape(-1),
        fc["yhat"].to_numpy(),
        rtol=1e-5,
        atol=1e-5,
        err_msg="the SavedModel disagrees with predict()",
    )
