"""``forecaster train`` (the model of conftest.py)."""

import json

from tests.cli.helpers import (
    TRAIN,
    assert_no_tensorflow_lines,
    assert_usage_error,
    call,
)


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
    # TensorFlow's start-up (oneDNN, CUDA probing) stays off the terminal
    assert_no_tensorflow_lines(out.stderr)


def test_train_refuses_to_overwrite_an_unrelated_directory(tmp_path, capsys):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "notes.txt").write_text("keep me")
    out = call(capsys, *TRAIN, "--data", "air_passengers", "--out", tmp_path / "m")
    assert_usage_error(out, "is a non-empty directory that is not a saved model")
