"""One tiny model (LSTM, 8 units, 2 epochs) trained once through the CLI and
reused by the train, predict and export tests; the backtest runs beside it.

Independent runs overlap (train with backtest; then predict, export and the
corrupted-model run), so the lot costs about two TensorFlow start-ups of wall
time on 2 cores.
"""

import pytest

from forecaster import datasets
from tests.cli.helpers import Job

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


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    work = tmp_path_factory.mktemp("cli")
    datasets.load("air_passengers").to_csv(work / "air.csv", index=False)
    return work


@pytest.fixture(scope="session")
def jobs(work):
    """The CLI runs of the model's tests, started as early as their inputs
    allow; ``jobs(name)`` waits for one."""
    started = {
        "train": Job("train", "--data", work / "air.csv", "--cell", "lstm", *FLAGS, "--seed", "0", "--out", work / "model"),
        "backtest": Job(
            "backtest", "--data", "air_passengers", "--cell", "gru", *FLAGS, "--n-windows", "2",
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
