"""``forecaster datasets``."""

from tests.cli.helpers import assert_no_tensorflow_lines, run


def test_datasets_command_lists_names():
    out = run("datasets")
    assert out.returncode == 0
    assert "air_passengers" in out.stdout.split()
    assert out.stderr == ""  # nothing from TensorFlow, which it never imports
    assert_no_tensorflow_lines(out.stdout)
