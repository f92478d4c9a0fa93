"""``forecaster predict``: the model of conftest.py, broken models, and the
full round trip in-process with covariates, static features and custom
column names."""

import json

import numpy as np
import pandas as pd
import pytest

from forecaster import RecurrentForecaster
from forecaster.cli import main
from tests.cli.conftest import PARAMS
from tests.cli.helpers import assert_usage_error, call, run_all


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


def test_predict_from_a_corrupted_model(jobs, work):
    jobs("train")
    assert_usage_error(
        jobs("corrupted"),
        f"Cannot load a forecaster from '{work / 'corrupted'}'",
        "model.weights.h5 is corrupted or was modified",
    )


BAD_INPUT = {
    "corrupted model": (
        ["predict", "--model", "{tmp}/broken_model", "--out", "{tmp}/f.csv"],
        ["Cannot load a forecaster from '{tmp}/broken_model'", "config.json is not valid JSON"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_one_paragraph(tmp_path, case):
    broken = tmp_path / "broken_model"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    (broken / "model.weights.h5").write_bytes(b"")
    (broken / "state.npz").write_bytes(b"")
    runs = run_all({case: BAD_INPUT[case]}, tmp_path)
    fragments = BAD_INPUT[case][1]
    assert_usage_error(runs[case], *(f.format(tmp=tmp_path) for f in fragments))
    assert not (tmp_path / "m").exists()


def broken_copies(model, tmp):
    """Copies of a saved model with one thing wrong, and the message's words."""
    cases = {}
    for name, (file, content, words) in {
        "truncated state": (
            "state.npz",
            b"PK",
            "state.npz is corrupted or was modified",
        ),
        "no config": ("config.json", None, "missing config.json"),
        "foreign config": ("config.json", b'{"estimator": "Nope"}', "config.json"),
    }.items():
        copy = tmp / name.replace(" ", "_")
        copy.mkdir()
        for f in model.iterdir():
            (copy / f.name).write_bytes(f.read_bytes())
        if content is None:
            (copy / file).unlink()
        else:
            (copy / file).write_bytes(content)
        cases[name] = (copy, words)
    cases["no such directory"] = (tmp / "nowhere", "the directory does not exist")
    return cases


def test_any_artifact_problem_exits_2_naming_the_model(jobs, work, tmp_path, capsys):
    jobs("train")
    for copy, words in broken_copies(work / "model", tmp_path).values():
        out = call(capsys, "predict", "--model", copy, "--out", tmp_path / "f.csv")
        assert_usage_error(out, str(copy), words)
    assert not (tmp_path / "f.csv").exists()


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
    _panel(tmp_path)
    cols = ["--id-col", "store", "--time-col", "when", "--target-col", "sales"]
    code = main([
        "train", "--data", str(tmp_path / "past.csv"), "--cell", "gru", "--horizon", "3",
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

    # fewer steps than the trained horizon
    code, err = predict("--future", tmp_path / "future.csv", "--h", "2",
                        "--out", tmp_path / "h.csv")  # fmt: skip
    assert code == 0, err
    assert pd.read_csv(tmp_path / "h.csv").groupby("store").size().tolist() == [2, 2]
