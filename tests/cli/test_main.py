"""``main``: exit codes and --debug."""

import pytest

from forecaster.cli import CLIError, main
from tests.cli.helpers import TRAIN


def test_debug_raises_instead(tmp_path):
    with pytest.raises(CLIError, match="not a bundled data set"):
        main(["--debug", *TRAIN, "--data", "nope", "--out", str(tmp_path / "m")])
    with pytest.raises(CLIError, match="not a bundled data set"):
        main([*TRAIN, "--data", "nope", "--out", str(tmp_path / "m"), "--debug"])
