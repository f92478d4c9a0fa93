"""AutoForecaster: parameters, the default space, pruning, seeds, storage,
and the refitted best model's predict / save / load / export (issue 17)."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

import forecaster
from forecaster.estimators import auto as auto_module
from forecaster.estimators.auto import MISSING_OPTUNA, AutoForecaster
from forecaster.estimators.search import (
    LOOKBACK_MULTIPLES,
    SEQ2SEQ_SPACE,
    SearchContext,
    default_search_space,
    enqueue_the_default,
    plain_params,
)
from tests.conftest import TINY_NO_VAL, make_frame

optuna = pytest.importorskip("optuna")

H = 3
# the tiny estimator settings, less what AutoForecaster sets itself
FIXED = {
    k: v
    for k, v in TINY_NO_VAL.items()
    if k not in ("horizon", "verbose", "random_state")
}


def frame(n=40):
    t = np.arange(n)
    return make_frame({"a": np.sin(t / 3.0), "b": 5 + 2 * np.cos(t / 4.0)}, freq="D")


def space(trial):
    """A small space of cheap choices (the default one trains bigger nets)."""
    return {
        "cell": trial.suggest_categorical("cell", ["lstm", "gru"]),
        "learning_rate": trial.suggest_float("learning_rate", 1e-3, 1e-1, log=True),
    }


def tiny(**kw):
    params = dict(
        horizon=H,
        n_trials=2,
        cv_windows=1,
        search_space=space,
        fixed_params=FIXED,
        random_state=0,
        verbose=0,
    )
    return AutoForecaster(**{**params, **kw})


# -- conventions and parameters (no TensorFlow) ------------------------------------
def test_follows_scikit_learn_conventions():
    est = AutoForecaster(horizon=H, search_space=space, fixed_params={"max_epochs": 1})
    name = type(est).__name__
    check_no_attributes_set_in_init(name, est)
    check_parameters_default_constructible(name, est)
    check_get_params_invariance(name, est)
    check_set_params(name, est)
    assert clone(est).get_params()["search_space"] is space
    with pytest.raises(NotFittedError):
        est.predict()
    with pytest.raises(NotFittedError):
        est.save("never")
    assert forecaster.AutoForecaster is AutoForecaster


@pytest.mark.parametrize(
    "kw, error, match",
    [
        (dict(horizon=0), ValueError, "argument `horizon`, expected a positive"),
        (dict(family="tcn"), ValueError, "argument `family`, expected one of"),
        (dict(n_trials=None, timeout=None), ValueError, "would never end"),
        (dict(timeout=-1), ValueError, "argument `timeout`"),
        (dict(metric="mape"), ValueError, "argument `metric`, expected one of"),
        (dict(selection="best"), ValueError, "argument `selection`, expected one"),
        (dict(search_space=3), TypeError, "argument `search_space`"),
        (dict(fixed_params={"horizon": 4}), ValueError, r"\['horizon'\] are Auto"),
        (dict(fixed_params={"nope": 1}), ValueError, r"parameter \['nope'\]"),
        (dict(storage="sqlite:///x.db"), ValueError, "study in storage needs a name"),
        (dict(random_state=-1), ValueError, "argument `random_state`"),
        (dict(verbose="loud"), ValueError, "argument `verbose`, expected an integer"),
        (dict(cv_windows=30), ValueError, "too few for cv_windows=30"),
    ],
)
def test_bad_parameters_name_the_argument(kw, error, match):
    with pytest.raises(error, match=match):
        tiny(**kw).fit(frame())


def test_bad_storage_is_rephrased(tmp_path):
    est = tiny(storage="nodb://nowhere", study_name="s")
    with pytest.raises(ValueError, match="argument `storage`: cannot open 'nodb://"):
        est.create_study()
    missing_dir = f"sqlite:///{tmp_path}/no/such/dir/x.db"
    with pytest.raises(ValueError, match="OperationalError"):
        tiny(storage=missing_dir, study_name="s").create_study()


def test_importing_the_package_and_its_cli_does_not_import_optuna():
    code = (
        "import sys, forecaster, forecaster.cli; "
        "print([m in sys.modules for m in ('optuna', 'sklearn')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[False, False]", out.stderr[-2000:]


def test_missing_optuna_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna fails
    with pytest.raises(ImportError, match=r"pip install 'forecaster\[tune\]'"):
        tiny().fit(frame())
    assert (
        MISSING_OPTUNA == "AutoForecaster needs Optuna: pip install 'forecaster[tune]'"
    )


def test_params_round_trip_as_storage_holds_them():
    assert plain_params({"q": [0.1, 0.9], "n": np.int64(3)}, "x") == {
        "q": (0.1, 0.9),
        "n": 3,
    }
    with pytest.raises(TypeError, match="argument `search_space`"):
        plain_params({"f": object()}, "search_space")


# -- the default space --------------------------------------------------------------
def sample_space(context, n=30):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    return [default_search_space(study.ask(), context) for _ in range(n)]


def test_default_space_stays_in_its_ranges():
    ctx = SearchContext("any", base=7, max_lookback=16, fixed={})
    drawn = sample_space(ctx)
    assert {p["family"] for p in drawn} == {"recurrent", "seq2seq"}
    for p in drawn:
        assert 16 <= p["hidden_units"] <= 128 and p["num_layers"] in (1, 2)
        assert 3e-4 <= p["learning_rate"] <= 3e-2
        assert p["dropout"] in (0.0, 0.1, 0.2) and p["batch_size"] in (32, 64, 128)
        assert p["loss"] in ("mse", "mae", "huber") and p["cell"] in ("lstm", "gru")
        assert p["window_norm"] in ("auto", "mean", "standard")
        assert p["baseline"] in ("auto", "seasonal_mean", None) and p[
            "ensemble_size"
        ] in (1, 3)
        assert p["lookback"] in {min(m * 7, 16) for m in LOOKBACK_MULTIPLES}
        seq2seq_keys = {name for name, _, _ in SEQ2SEQ_SPACE}
        assert (seq2seq_keys <= set(p)) == (p["family"] == "seq2seq")
        assert seq2seq_keys & set(p) in (set(), seq2seq_keys)


def test_default_space_leaves_fixed_parameters_out():
    ctx = SearchContext("recurrent", 7, 30, fixed={"cell": "gru", "lookback": 5})
    for p in sample_space(ctx, 5):
        assert "cell" not in p and "lookback" not in p and p["family"] == "recurrent"


# -- the search: pruning and failures, without training ---------------------------
def test_bad_trials_are_pruned_after_the_first_window(monkeypatch):
    calls = []

    def fake_score(auto, model, frame, k, static_df, season):
        calls.append(model.learning_rate)
        return 100.0 if len(calls) > 4 * 3 else 1.0  # trials 0-3: 3 windows each

    monkeypatch.setattr(auto_module, "window_score", fake_score)
    est = tiny(n_trials=6, cv_windows=3).fit(frame())
    states = est.trials_["state"].tolist()
    assert states == ["COMPLETE"] * 4 + ["PRUNED"] * 2
    assert len(calls) == 4 * 3 + 2  # the pruned ones stopped after one window
    assert est.best_score_ == 1.0 and est.best_estimator_.learning_rate in calls[:12]


def test_diverged_trials_fail_and_the_search_goes_on(monkeypatch):
    def diverging(auto, model, frame, k, static_df, season):
        raise FloatingPointError("NaN loss at epoch 1")

    monkeypatch.setattr(auto_module, "window_score", diverging)
    with pytest.raises(
        ValueError, match=r"No trial of study .* completed \({'FAIL': 2}"
    ):
        tiny().fit(frame())


def test_family_any_needs_a_family_from_the_space(monkeypatch):
    monkeypatch.setattr(auto_module, "window_score", lambda *a: 1.0)
    with pytest.raises(ValueError, match="must return a 'family'"):
        tiny(family="any").fit(frame())


# -- real fits ----------------------------------------------------------------------
def test_fit_predicts_saves_loads_and_exports(tmp_path):
    import tensorflow as tf

    df = frame()
    est = tiny(cv_windows=2, n_trials=2).fit(df)
    assert set(est.best_params_) == {"family", "cell", "learning_rate"}
    assert list(est.trials_.columns[:5]) == [
        "number",
        "state",
        "score",
        "duration",
        "worker",
    ]
    assert len(est.trials_) == 2 and (est.trials_["duration"] > 0).all()
    assert est.best_score_ == est.trials_["score"].min() == est.study_.best_value
    assert est.best_estimator_.lookback == FIXED["lookback"]
    fc = est.predict()
    assert fc.shape == (2 * H, 3)
    pd.testing.assert_frame_equal(fc, est.best_estimator_.predict())
    est.save(tmp_path / "best")
    loaded = forecaster.load(tmp_path / "best")
    assert type(loaded) is type(est.best_estimator_)
    np.testing.assert_allclose(loaded.predict()["yhat"], fc["yhat"], rtol=1e-5)
    est.export_saved_model(tmp_path / "sm")
    assert "serving_default" in tf.saved_model.load(str(tmp_path / "sm")).signatures


def test_same_seed_same_trials():
    df = frame()
    runs = [tiny(n_trials=3).fit(df).trials_ for _ in range(2)]
    cols = ["score", "params_cell", "params_learning_rate"]
    pd.testing.assert_frame_equal(runs[0][cols], runs[1][cols])
    assert runs[0]["params_learning_rate"].nunique() == 3


def test_a_study_in_storage_resumes(tmp_path):
    journal = str(tmp_path / "study.log")  # a path: Optuna's journal file
    df = frame()
    first = tiny(n_trials=1, storage=journal, study_name="s").fit(df)
    second = tiny(n_trials=1, storage=journal, study_name="s").fit(df)
    assert first.trials_["number"].tolist() == [0]
    assert second.trials_["number"].tolist() == [0, 1]  # n_trials new ones
    # a resumed sampler is not the fresh one replayed
    lrs = second.trials_["params_learning_rate"]
    assert lrs.iloc[0] != lrs.iloc[1]
    with pytest.raises(ValueError, match="scores metric='mase', this search"):
        tiny(storage=journal, study_name="s", metric="mae").create_study()


# -- the default trial and short series -------------------------------------------
def test_the_default_space_tries_the_defaults_first(monkeypatch):
    monkeypatch.setattr(auto_module, "window_score", lambda *a: 1.0)
    est = AutoForecaster(
        horizon=H, n_trials=3, cv_windows=1, fixed_params=FIXED, random_state=0,
        verbose=0,
    )  # fmt: skip
    est.fit(frame())
    first = est.trials_.iloc[0]
    assert first["params_family"] == "recurrent"
    assert first.drop(["params_family"]).filter(like="params_").isna().all()
    assert est.trials_["params_cell"].iloc[1:].notna().all()
    assert est.best_params_ == {"family": "recurrent"}  # the first of equals
    assert est.best_estimator_.hidden_units == FIXED["hidden_units"]
    # a resumed study does not get a second default trial
    assert enqueue_the_default(est.study_) is None
    assert len(est.study_.get_trials(states=(optuna.trial.TrialState.WAITING,))) == 0


@pytest.mark.parametrize(
    "later, selection, chosen",
    [
        ([0.4, 1.2], "every_window", 0),  # a better mean, a worse window
        ([0.4, 1.2], "mean", 1),
        ([0.9, 0.9], "every_window", 1),  # better on both windows
    ],
)
def test_the_defaults_are_kept_unless_beaten_on_every_window(
    monkeypatch, later, selection, chosen
):
    calls = []

    def score(auto, model, frame, k, static_df, season):
        calls.append(k)
        return 1.0 if len(calls) <= 2 else later[k]  # trial 0 (the defaults): 1, 1

    monkeypatch.setattr(auto_module, "window_score", score)
    est = AutoForecaster(
        horizon=H, n_trials=2, cv_windows=2, selection=selection,
        fixed_params=FIXED, random_state=0, verbose=0,
    ).fit(frame())  # fmt: skip
    assert est.best_score_ == est.trials_["score"].iloc[chosen]
    assert (est.best_params_ == {"family": "recurrent"}) == (chosen == 0)
    assert est.study_.best_trial.number == 1  # Optuna's best: the lower mean


def test_a_custom_space_gets_no_default_trial(monkeypatch):
    monkeypatch.setattr(auto_module, "window_score", lambda *a: 1.0)
    est = tiny(n_trials=2).fit(frame())
    assert est.trials_["params_cell"].notna().all()


def test_series_too_short_to_score_are_left_out_of_the_scoring(monkeypatch):
    seen = []

    def score(auto, model, scored, k, static_df, season):
        seen.append(sorted(scored["unique_id"].unique()))
        return 1.0

    monkeypatch.setattr(auto_module, "window_score", score)
    short = frame(9).query("unique_id == 'a'").assign(unique_id="short")
    df = pd.concat([frame(40), short], ignore_index=True)
    est = tiny(n_trials=1, cv_windows=2).fit(df)  # 9 <= (2 + 1) * 3 points
    assert seen == [["a", "b"]] * 2
    assert set(est.predict()["unique_id"]) == {"a", "b", "short"}
    with pytest.raises(ValueError, match="'a', the longest, has 40 points"):
        tiny(n_trials=1, cv_windows=20).fit(frame(40))


def test_data_too_short_to_score_fits_the_defaults_with_a_warning(monkeypatch):
    def never(*a):
        raise AssertionError("no trial can be scored")

    monkeypatch.setattr(auto_module, "window_score", never)
    est = tiny(search_space=None, cv_windows=20)  # 40 <= (20 + 1) * 3 points
    with pytest.warns(UserWarning, match="40 points, too few for cv_windows=20"):
        est.fit(frame(40))
    assert est.best_params_ == {"family": "recurrent"} and np.isnan(est.best_score_)
    assert est.study_ is None and est.trials_.empty
    assert est.best_estimator_.hidden_units == FIXED["hidden_units"]
    assert len(est.predict()) == 2 * H
    seq = tiny(search_space=None, cv_windows=20, family="seq2seq")
    with pytest.warns(UserWarning, match="the family's defaults are fitted"):
        assert seq.fit(frame(40)).best_params_ == {"family": "seq2seq"}
