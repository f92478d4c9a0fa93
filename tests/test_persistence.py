"""save / load: exact round trips, tampered artifacts, atomic writes, no pickle."""

import dataclasses
import functools
import json
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import forecaster
from forecaster import RecurrentForecaster, persistence
from forecaster.estimators import seq2seq
from forecaster.persistence import register_state_class
from tests.conftest import COVARIATES, edit_config, small_panel, with_covariates
from tests.conftest import TINY_NO_VAL as TINY


@functools.cache
def _fit(cell):
    return RecurrentForecaster(cell=cell, **TINY).fit(small_panel())


@pytest.fixture(params=["lstm", "gru", "peephole_lstm"])
def fitted(request):
    return _fit(request.param)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """A saved panel-fitted LSTM, and the estimator it came from."""
    est = _fit("lstm")
    path = tmp_path_factory.mktemp("artifact") / "model"
    est.save(path)
    return est, path


def _copy_fitted(est, cls=RecurrentForecaster):
    """A new estimator sharing ``est``'s fit (no second training)."""
    new = cls(**est.get_params())
    vars(new).update({k: v for k, v in vars(est).items() if k.endswith("_")})
    return new


def _same_state(a, b):
    assert a.get_params() == b.get_params()
    np.testing.assert_array_equal(a.ids_, b.ids_)
    assert b.ids_.dtype == object
    np.testing.assert_array_equal(a.last_times_, b.last_times_)
    assert b.last_times_.dtype == a.last_times_.dtype
    np.testing.assert_array_equal(a.last_windows_, b.last_windows_)
    assert a.scaler_.kind == b.scaler_.kind
    np.testing.assert_array_equal(a.scaler_.loc, b.scaler_.loc)
    np.testing.assert_array_equal(a.scaler_.scale, b.scaler_.scale)
    assert a.history_ == b.history_
    for name in ("lookback_", "n_features_", "freq_", "tz_", "input_was_series_"):
        assert getattr(a, name) == getattr(b, name)


def test_round_trip_predicts_identically(fitted, tmp_path):
    start = time.perf_counter()
    fitted.save(tmp_path / "m")
    saved = time.perf_counter()
    loaded = forecaster.load(tmp_path / "m")
    print(
        f"{fitted.cell}: save {saved - start:.2f}s, load {time.perf_counter() - saved:.2f}s"
    )
    assert type(loaded) is RecurrentForecaster and loaded is not fitted
    _same_state(fitted, loaded)
    pd.testing.assert_frame_equal(loaded.predict(), fitted.predict())
    np.testing.assert_array_equal(
        loaded.predict()["yhat"].to_numpy(), fitted.predict()["yhat"].to_numpy()
    )
    # new history, a known and an unseen series
    new = small_panel().groupby("unique_id").head(40)
    new.loc[new.unique_id == "b", "unique_id"] = "new"
    pd.testing.assert_frame_equal(loaded.predict(new), fitted.predict(new))


def test_round_trip_series_fitted(tmp_path):
    t = pd.date_range("2021-01-01", periods=50, freq="D")
    est = RecurrentForecaster(**TINY).fit(pd.Series(np.sin(np.arange(50) / 4), t))
    est.save(tmp_path / "m")
    loaded = forecaster.load(str(tmp_path / "m"))
    assert loaded.input_was_series_ is True
    _same_state(est, loaded)
    pd.testing.assert_frame_equal(loaded.predict(), est.predict())
    new = pd.Series(np.cos(np.arange(20) / 4), pd.date_range("2022", periods=20))
    pd.testing.assert_frame_equal(loaded.predict(new), est.predict(new))


def test_artifact_layout(artifact):
    est, path = artifact
    assert sorted(os.listdir(path)) == [
        "config.json",
        "manifest.json",
        "model.weights.h5",
        "state.npz",
    ]
    config = json.loads((path / "config.json").read_text())
    assert config["format_version"] == 2
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest == {
        "sha256": {"config.json": persistence._sha256(path / "config.json")}
    }
    assert config["estimator"] == "RecurrentForecaster"
    # tuples are tagged in JSON so that they load back as tuples
    params = {
        k: tuple(v["__tuple__"]) if isinstance(v, dict) and "__tuple__" in v else v
        for k, v in config["params"].items()
    }
    assert params == est.get_params()
    assert config["versions"]["forecaster"] == forecaster.__version__
    assert {"tensorflow", "keras"} <= set(config["versions"])
    assert "model_" not in config["state"]
    assert config["state"]["scaler_"]["class"] == "ScalerState"
    with np.load(path / "state.npz", allow_pickle=False) as npz:
        assert npz["ids_"].dtype.kind == "U"
        assert {
            "ids_",
            "last_times_",
            "last_windows_",
            "scaler_.loc",
            "scaler_.scale",
        } <= set(npz.files)


def test_unfitted_save_raises(tmp_path):
    with pytest.raises(NotFittedError):
        RecurrentForecaster().save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


# -- atomic writes ----------------------------------------------------------------
def _siblings(path: Path):
    return sorted(p.name for p in path.parent.iterdir())


def test_crash_mid_save_leaves_previous_artifact(artifact, tmp_path, monkeypatch):
    old, _ = artifact
    path = tmp_path / "m"
    old.save(path)
    expected = old.predict()

    def crash(model, target):
        target.write_bytes(b"half a weights file")
        raise OSError("No space left on device")

    monkeypatch.setattr(persistence, "_write_weights", crash)
    with pytest.raises(OSError, match="No space left"):
        old.save(path)
    assert _siblings(path) == ["m"]  # the temporary directory is gone
    pd.testing.assert_frame_equal(forecaster.load(path).predict(), expected)


def test_failed_swap_rolls_back(artifact, tmp_path, monkeypatch):
    old, _ = artifact
    path = tmp_path / "m"
    old.save(path)
    real_rename, calls = os.rename, []

    def rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # tmp -> path, after path -> backup
            raise OSError("interrupted")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="interrupted"):
        old.save(path)
    monkeypatch.undo()
    assert _siblings(path) == ["m"]
    pd.testing.assert_frame_equal(forecaster.load(path).predict(), old.predict())


def test_load_names_backup_left_between_renames(artifact, tmp_path):
    path = tmp_path / "m"
    shutil.copytree(artifact[1], tmp_path / ".m.old-1a2b3c4d")
    with pytest.raises(
        ValueError,
        match=r"does not exist\. A previous artifact was left at .*\.m\.old-1a2b3c4d'",
    ):
        forecaster.load(path)


def test_save_replaces_previous_artifact(artifact, tmp_path):
    old, _ = artifact
    path = tmp_path / "m"
    old.save(path)
    new = _fit("gru")
    new.save(path)
    assert _siblings(path) == ["m"]
    loaded = forecaster.load(path)
    assert loaded.cell == "gru"
    pd.testing.assert_frame_equal(loaded.predict(), new.predict())


def test_save_refuses_to_replace_other_things(artifact, tmp_path):
    est, _ = artifact
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="Refusing to replace .*without 'config.json'"):
        est.save(tmp_path / "docs")
    assert (tmp_path / "docs" / "notes.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("keep me")
    with pytest.raises(ValueError, match="exists and is not a directory"):
        est.save(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    est.save(tmp_path / "empty")  # an empty directory is fine
    assert (tmp_path / "empty" / "config.json").is_file()


# -- what state can be saved --------------------------------------------------------
@register_state_class
@dataclasses.dataclass(frozen=True)
class _ProbeState:
    name: str
    values: np.ndarray


def test_generic_state_round_trips(artifact, tmp_path):
    est = _copy_fitted(artifact[0])
    est.encoder_ = _ProbeState("probe", np.array(["x", "y"], dtype=object))
    est.quantiles_ = {"levels": (0.1, 0.5), "n": np.int64(3), "w": np.float32(0.5)}
    est.flags_ = np.array([True, False])
    est.save(tmp_path / "m")
    loaded = forecaster.load(tmp_path / "m")
    assert loaded.encoder_.name == "probe"
    assert loaded.encoder_.values.tolist() == ["x", "y"]
    assert loaded.quantiles_ == {"levels": (0.1, 0.5), "n": 3, "w": 0.5}
    assert isinstance(loaded.quantiles_["levels"], tuple)
    assert loaded.flags_.dtype == bool


@pytest.mark.parametrize(
    "value,where",
    [
        (object(), "`weird_` of type object"),
        ({"a": {1, 2}}, r"`weird_\['a'\]` of type set"),
        ({1: 2}, "`weird_`: dictionary keys must be strings"),
        (
            np.array([1, "a"], dtype=object),
            "`weird_`: an object array must hold only strings",
        ),
        (
            dataclasses.make_dataclass("Loose", ["x"])(1),
            "dataclass Loose is not registered",
        ),
    ],
)
def test_unsavable_state_is_named(artifact, tmp_path, value, where):
    est = _copy_fitted(artifact[0])
    est.weird_ = value
    with pytest.raises(TypeError, match=where):
        est.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_unregistered_estimator_class_is_not_saved(artifact, tmp_path):
    class Mine(RecurrentForecaster):
        pass

    est = _copy_fitted(artifact[0], Mine)
    with pytest.raises(
        TypeError, match="Cannot save a .*Mine: load\\(\\) only rebuilds"
    ):
        est.save(tmp_path / "m")


def test_no_pickle_in_the_package():
    root = Path(forecaster.__file__).parent
    banned = re.compile(
        r"^\s*(import|from)\s+(pickle|dill|cloudpickle|joblib|shelve|marshal)\b"
        r"|allow_pickle\s*=\s*True",
        re.MULTILINE,
    )
    offenders = [
        str(p.relative_to(root))
        for p in sorted(root.rglob("*.py"))
        if banned.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_round_trip_with_covariates(tmp_path):
    df, static = with_covariates(small_panel())
    est = RecurrentForecaster(**TINY, **COVARIATES).fit(df, static_df=static)
    est.save(tmp_path / "m")
    loaded = forecaster.load(tmp_path / "m")
    assert loaded.layout_ == est.layout_
    assert loaded.static_encoding_.vocab == est.static_encoding_.vocab
    last = df.groupby("unique_id")["ds"].max()
    future = pd.concat(
        pd.DataFrame(
            {
                "unique_id": k,
                "ds": pd.date_range(t, periods=4, freq="h")[1:],
                "x": [0.1, 0.2, 0.3],
            }
        )
        for k, t in last.items()
    )
    pd.testing.assert_frame_equal(
        loaded.predict(future_df=future), est.predict(future_df=future)
    )


def test_seq2seq_round_trip(tmp_path):
    est = seq2seq.Seq2SeqForecaster(**TINY, attention="bahdanau").fit(small_panel())
    est.save(tmp_path / "m")
    loaded = forecaster.load(tmp_path / "m")
    assert type(loaded) is seq2seq.Seq2SeqForecaster
    pd.testing.assert_frame_equal(loaded.predict(), est.predict())
    weights, ids = loaded.predict_attention()
    np.testing.assert_array_equal(weights, est.predict_attention()[0])


def test_mixed_precision_model_is_rebuilt_under_its_policy(tmp_path):
    # A bfloat16 model reloaded under float32 would predict differently (and
    # its layers would report another dtype policy).
    t = pd.date_range("2021-01-01", periods=50, freq="D")
    y = pd.Series(np.sin(np.arange(50) / 4), t)
    est = RecurrentForecaster(**TINY, mixed_precision="mixed_bfloat16").fit(y)
    est.save(tmp_path / "m")
    loaded = forecaster.load(str(tmp_path / "m"))
    policies = {layer.dtype_policy.name for layer in loaded.model_.layers}
    assert "mixed_bfloat16" in policies
    pd.testing.assert_frame_equal(loaded.predict(), est.predict())


def test_artifact_from_before_window_norm_auto_loads(tmp_path):
    # artifacts saved before `window_norm_` existed hold only the parameter
    t = pd.date_range("2021-01-01", periods=50, freq="D")
    y = pd.Series(np.sin(np.arange(50) / 4), t)
    est = RecurrentForecaster(**{**TINY, "window_norm": "mean"}).fit(y)
    del est.window_norm_
    est.save(tmp_path / "m")
    loaded = forecaster.load(str(tmp_path / "m"))
    assert loaded.model_.get_layer("window_norm").mode == "mean"
    pd.testing.assert_frame_equal(loaded.predict(), est.predict())


def test_artifact_from_before_baseline_season_loads(tmp_path):
    # artifacts saved before the data chose the baseline were built by the
    # rule of frequency and lookback: a weekly season here, as the data say
    t = pd.date_range("2021-01-01", periods=50, freq="D")
    y = pd.Series(np.sin(np.arange(50) * 2 * np.pi / 7), t)
    est = RecurrentForecaster(**{**TINY, "lookback": 14}).fit(y)
    assert est.baseline_season_ == 7
    del est.baseline_season_
    est.save(tmp_path / "m")
    loaded = forecaster.load(str(tmp_path / "m"))
    assert loaded.baseline_season_ == 7
    pd.testing.assert_frame_equal(loaded.predict(), est.predict())


def test_artifact_from_before_seasonal_mean_keeps_one_season(tmp_path):
    # artifacts saved before baseline_cycles_ repeated one season, whatever
    # "auto" averages now: a monthly model is rebuilt as it was trained
    t = pd.date_range("2001-01-01", periods=96, freq="MS")
    y = pd.Series(10 + np.sin(np.arange(96) * 2 * np.pi / 12), t)
    est = RecurrentForecaster(**{**TINY, "lookback": 36}).fit(y)
    assert (est.baseline_season_, est.baseline_cycles_) == (12, 3)
    est.save(tmp_path / "m")
    edit_config(tmp_path / "m", lambda c: c["state"].pop("baseline_cycles_"))
    loaded = forecaster.load(str(tmp_path / "m"))
    assert loaded.baseline_cycles_ == 1
    assert loaded.model_.get_layer("baseline").cycles == 1


def test_artifact_from_before_context_units_loads(tmp_path):
    # artifacts saved before `context_units` existed fed the raw context
    params = {**TINY, "wiring": "context_every_step", "context_units": None}
    est = seq2seq.Seq2SeqForecaster(**params).fit(small_panel())
    est.save(tmp_path / "m")
    edit_config(tmp_path / "m", lambda c: c["params"].pop("context_units"))
    loaded = forecaster.load(str(tmp_path / "m"))
    assert loaded.context_units is None
    pd.testing.assert_frame_equal(loaded.predict(), est.predict())


@pytest.mark.parametrize("name", ["recurrent", "seq2seq", "quantile"])
def test_artifact_saved_by_release_0_1_0_predicts_the_same(name):
    # Committed before the house refactor (issue 15): the artifact format and the
    # networks it rebuilds must stay readable and give the same numbers.
    data = Path(__file__).parent / "data"
    model = forecaster.load(data / f"{name}_0.1.0")
    expected = pd.read_csv(data / f"{name}_0.1.0_forecast.csv", parse_dates=["ds"])
    got = model.predict()
    assert list(got.columns) == list(expected.columns)
    np.testing.assert_allclose(
        got.drop(columns=["unique_id", "ds"]).to_numpy(),
        expected.drop(columns=["unique_id", "ds"]).to_numpy(),
        rtol=1e-5,
        atol=1e-5,
    )
    frame = pd.read_csv(data / "frame_0.1.0.csv", parse_dates=["ds"])
    again = model.predict(frame)
    np.testing.assert_allclose(again["yhat"], got["yhat"], rtol=1e-5, atol=1e-5)


def test_next_save_removes_leftovers_of_interrupted_saves(artifact, tmp_path):
    est, src = artifact
    path = tmp_path / "m"
    est.save(path)
    shutil.copytree(src, tmp_path / ".m.tmp-0123456789abcdef")  # killed mid-save
    shutil.copytree(src, tmp_path / ".m.old-1a2b3c4d")  # killed mid-swap
    (tmp_path / "other").mkdir()
    est.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "other"]


def test_format_1_tz_aware_calendar_times_move_to_the_wall_clock():
    # Format 1 stored tz-aware last timestamps in UTC; daily and longer
    # frequencies now keep local wall-clock time (Berlin midnight = 23:00 UTC).
    utc = np.array(["2024-03-30T23:00"], "datetime64[ns]")
    est = RecurrentForecaster()
    state = {"tz_": "Europe/Berlin", "freq_": "D", "last_times_": utc}
    moved = persistence._legacy_state(dict(state), est, 1)
    assert str(moved["last_times_"][0]) == "2024-03-31T00:00:00.000000000"
    assert persistence._legacy_state(dict(state), est, 2)["last_times_"] is utc
    hourly = persistence._legacy_state({**state, "freq_": "h"}, est, 1)
    assert hourly["last_times_"] is utc  # fixed steps stay on UTC
