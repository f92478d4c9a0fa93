"""``forecaster datasets``."""

from tests.cli.helpers import run


def test_datasets_command_lists_names():
    out = run("datasets")
    assert out.returncode == 0
    assert "air_passengers" in out.stdout.split()
