"""train / predict / backtest / export through subprocess, as a scheduler runs them.

One tiny model (LSTM, 8 units, 2 epochs) is trained once through the CLI and
reused by the other commands. Independent runs overlap (train with backtest;
then predict, export and the corrupted-model run), so the module costs about
two TensorFlow start-ups of wall time on 2 cores.
"""

import json

import numpy as np
import pandas as pd
import pytest

from forecaster import RecurrentForecaster, datasets
from tests.test_cli import Job, assert_usage_error

PARAMS = dict(horizon=12, lookback=24, hidden_units=8, max_epochs=2, random_state=0)
FLAGS = [
    "--horizon",
    "12",
    "--lookback",
    "24",
    "--hidden-units",
    "8",
    "--max-epochs",
    "2",
]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    work = tmp_path_factory.mktemp("cli")
    datasets.load("air_passengers").to_csv(work / "air.csv", index=False)
    return work


@pytest.fixture(scope="module")
def jobs(work):
    """The CLI runs of this module, started as early as their inputs allow."""
    started = {
        "train": Job("train", "--data", work / "air.csv", "--model", "lstm", *FLAGS, "--seed", "0", "--out", work / "model"),
        "backtest": Job(
            "backtest", "--data", "air_passengers", "--model", "gru", *FLAGS, "--n-windows", "2",
            "--level", "80", "--out", work / "cv.csv", "--plot", work / "cv.png",
        ),
    }  # fmt: skip
    results = {}

    def result(name):
        if name not in results:
            results[name] = started[name].result()
        if name == "train" and "predict" not in started:
            _after_train(started, work, results["train"])
        return results[name]

    try:
        yield result
    finally:
        for job in started.values():
            job.stop()


def _after_train(started, work, train):
    assert train.returncode == 0, train.stderr[-3000:]
    model = work / "model"
    corrupted = work / "corrupted"
    corrupted.mkdir()
    for f in model.iterdir():
        (corrupted / f.name).write_bytes(f.read_bytes())
    (corrupted / "model.weights.h5").write_bytes(b"garbage")
    started["predict"] = Job(
        "predict",
        "--model",
        model,
        "--level",
        "80",
        "--out",
        work / "fc.csv",
        "--plot",
        work / "fc.png",
    )
    started["export"] = Job("export", "--model", model, "--out", work / "sm", "--quiet")
    started["corrupted"] = Job("predict", "--model", corrupted, "--out", work / "x.csv")


def test_train_saves_the_model_and_shows_progress(jobs, work):
    out = jobs("train")
    config = json.loads((work / "model" / "config.json").read_text())
    assert config["estimator"] == "RecurrentForecaster"
    assert config["params"]["cell"] == "lstm" and config["params"]["hidden_units"] == 8
    # Keras epochs on stderr (verbose=2); the summary line on stdout
    assert "Epoch 1/2" in out.stderr and "Epoch 2/2" in out.stderr
    assert "Epoch" not in out.stdout
    assert out.stdout.startswith(
        "saved RecurrentForecaster (lstm, 1 series, lookback 24"
    )


def test_train_then_predict_equals_the_python_api(jobs, work):
    jobs("train")
    df = pd.read_csv(work / "air.csv", parse_dates=["ds"], dtype={"unique_id": str})
    api = RecurrentForecaster(cell="lstm", verbose=0, **PARAMS).fit(df).predict()

    out = jobs("predict")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "wrote" in out.stdout and "loaded RecurrentForecaster" in out.stderr
    cli = pd.read_csv(work / "fc.csv", parse_dates=["ds"])
    assert list(cli.columns) == ["unique_id", "ds", "yhat", "yhat_lo80", "yhat_hi80"]
    np.testing.assert_allclose(cli["yhat"], api["yhat"], rtol=1e-6, atol=1e-6)
    assert (cli["ds"] == api["ds"]).all() and (
        cli["unique_id"] == api["unique_id"]
    ).all()
    assert (cli["yhat_lo80"] < cli["yhat"]).all() and (
        cli["yhat"] < cli["yhat_hi80"]
    ).all()
    assert (work / "fc.png").stat().st_size > 10_000


def test_backtest_prints_metrics_and_writes_the_cv_frame(jobs, work):
    out = jobs("backtest")
    assert out.returncode == 0, out.stderr[-3000:]
    table = out.stdout.splitlines()
    assert table[0] == "gru backtest, 1 series x 2 windows x 12 steps (MASE season 12):"
    assert [line.split()[0] for line in table[1:]] == [
        "metric",
        "mae",
        "rmse",
        "smape",
        "mase",
        "coverage80",
    ]
    # progress: Keras epochs and a line per window, on stderr
    assert "Epoch 2/2" in out.stderr
    assert "window 1/2" in out.stderr and "window 2/2" in out.stderr
    cv = pd.read_csv(work / "cv.csv")
    assert {"unique_id", "ds", "cutoff", "y", "yhat", "yhat_lo80", "yhat_hi80"} <= set(
        cv.columns
    )
    assert len(cv) == 24 and cv["cutoff"].nunique() == 2
    assert (work / "cv.png").stat().st_size > 10_000


def test_export_quietly_then_serve_without_the_package(jobs, work):
    jobs("train")
    out = jobs("export")
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout == ""
    assert "exporting" not in out.stderr and "Traceback" not in out.stderr
    meta = json.loads((work / "sm" / "assets" / "metadata.json").read_text())
    assert meta["horizon"] == 12 and meta["lookback"] == 24

    import tensorflow as tf

    import forecaster

    est = forecaster.load(work / "model")
    serve = tf.saved_model.load(str(work / "sm")).signatures["serving_default"]
    got = serve(
        history=tf.constant(est.last_windows_, tf.float32),
        unique_id=tf.constant(est.ids_.astype(str)),
    )["yhat"].numpy()
    np.testing.assert_allclose(got.ravel(), est.predict()["yhat"], rtol=1e-4, atol=1e-3)


def test_predict_from_a_corrupted_model(jobs, work):
    jobs("train")
    assert_usage_error(
        jobs("corrupted"),
        f"Cannot load a forecaster from '{work / 'corrupted'}'",
        "model.weights.h5 is corrupted or was modified",
    )


def _panel(tmp_path, n=60):
    """Two daily series in custom column names, with a future-known price,
    plus a static file; the last 3 days of each are 'the future'."""
    rng = np.random.default_rng(0)
    parts = []
    for store, level in (("s1", 10.0), ("s2", 20.0)):
        when = pd.date_range("2021-03-01", periods=n, freq="D")
        price = rng.uniform(1, 2, n)
        sales = level + np.sin(np.arange(n) / 2) - price
        parts.append(
            pd.DataFrame({"store": store, "when": when, "sales": sales, "price": price})
        )
    df = pd.concat(parts, ignore_index=True)
    past = df.groupby("store").head(n - 3)
    future = df.groupby("store").tail(3).drop(columns="sales")
    past.to_csv(tmp_path / "past.csv", index=False)
    future.to_csv(tmp_path / "future.csv", index=False)
    future.groupby("store").head(2).to_csv(tmp_path / "short_future.csv", index=False)
    pd.DataFrame({"store": ["s1", "s2"], "region": ["north", "south"]}).to_csv(
        tmp_path / "static.csv", index=False
    )
    return df


def test_covariates_static_and_custom_columns_in_process(tmp_path, capsys):
    """The same commands in-process (main), with every optional input."""
    from forecaster.cli import main

    _panel(tmp_path)
    cols = ["--id-col", "store", "--time-col", "when", "--target-col", "sales"]
    code = main([
        "train", "--data", str(tmp_path / "past.csv"), "--model", "gru", "--horizon", "3",
        "--lookback", "7", "--hidden-units", "4", "--max-epochs", "1", "--patience", "none",
        "--future-covariates", "price", "--calendar-features", "dayofweek",
        "--static", str(tmp_path / "static.csv"), "--static-features", "region",
        "--out", str(tmp_path / "m"), "--quiet", *cols,
    ])  # fmt: skip
    assert code == 0 and capsys.readouterr().out == ""
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["params"]["future_covariates"] == ["price"]
    assert config["params"]["early_stopping_patience"] is None

    def predict(*args):
        code = main([
            "predict", "--model", str(tmp_path / "m"), "--data", str(tmp_path / "past.csv"),
            "--static", str(tmp_path / "static.csv"), "--quiet", *cols, *map(str, args),
        ])  # fmt: skip
        return code, capsys.readouterr().err

    code, err = predict("--future", tmp_path / "future.csv", "--out", tmp_path / "f.csv",
                        "--plot", tmp_path / "f.png")  # fmt: skip
    assert code == 0, err
    fc = pd.read_csv(tmp_path / "f.csv")
    assert list(fc.columns) == ["store", "when", "yhat"] and len(fc) == 6
    assert fc["when"].iloc[0] == "2021-04-27"
    assert (tmp_path / "f.png").stat().st_size > 10_000

    # a future file that misses a day: the message names that file
    code, err = predict(
        "--future", tmp_path / "short_future.csv", "--out", tmp_path / "g.csv"
    )
    assert code == 2 and f"--future '{tmp_path / 'short_future.csv'}': " in err, err
    assert "series 's1' is missing timestamp 2021-04-29" in err
    # no future file at all: the fix is named as a flag
    code, err = predict("--out", tmp_path / "g.csv")
    assert code == 2 and "On the command line: --future FILE." in err, err
    assert not (tmp_path / "g.csv").exists()
