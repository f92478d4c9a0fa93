"""``forecaster export`` (the model of conftest.py)."""

import json

import numpy as np

from tests.cli.helpers import assert_usage_error, call
from tests.cli.test_predict import broken_copies


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


def test_export_of_a_broken_model_exits_2(jobs, work, tmp_path, capsys):
    jobs("train")
    for copy, words in broken_copies(work / "model", tmp_path).values():
        out = call(capsys, "export", "--model", copy, "--out", tmp_path / "sm")
        assert_usage_error(out, str(copy), words)
        assert not (tmp_path / "sm").exists()
