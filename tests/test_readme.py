"""The README's code runs: every Python block, and every shell line that can.

The Python blocks run top to bottom in one fresh interpreter (later blocks
use earlier blocks' names, as a reader would), in a temporary working
directory. The shell lines run there too, after the Python blocks. A small
setting is injected as the notebooks' tests do: a ``sitecustomize`` module on
``PYTHONPATH`` caps every fit at two epochs, so the examples run in seconds
while their code is exactly the README's.

Shell lines that cannot run here are listed in :data:`NOT_HERE` with the
reason; any other line must run, so a new README line is either tested or
consciously excused.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)

# first words of shell lines that cannot run in a test, and why
NOT_HERE = {
    "python3.11 -m venv": "creates and installs a fresh venv: what CI itself runs",
    "docker": "needs a Docker engine and TensorFlow Serving's image",
    "curl": "needs the TensorFlow Serving server started by the docker line",
}

SITECUSTOMIZE = """
import forecaster.estimators.base as _base

_fit = _base.BaseForecaster.fit


def _small_fit(self, *args, **kwargs):
    # the README's examples, with at most two epochs (the notebooks' FAST)
    self.max_epochs = min(self.max_epochs, 2)
    self.verbose = 0
    return _fit(self, *args, **kwargs)


_base.BaseForecaster.fit = _small_fit
"""


def _blocks(language: str) -> list[str]:
    return [code for lang, code in BLOCK.findall(README) if lang == language]


def _shell_lines() -> list[str]:
    lines = []
    for block in _blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(" ".join(line.split()))
    return lines


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    site = root / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    path = os.pathsep.join([str(site), str(REPO), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, "MPLBACKEND": "Agg"}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    run = root / "run"
    run.mkdir()
    return run, env


def test_the_readme_has_code_to_run():
    assert len(_blocks("python")) >= 6
    assert any(line.startswith("forecaster ") for line in _shell_lines())


def test_every_python_block_runs(workdir):
    cwd, env = workdir
    script = cwd / "readme_blocks.py"
    script.write_text("\n\n".join(_blocks("python")))
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (cwd / "request.json").is_file()  # the serving example's request


def test_every_shell_line_runs_or_is_excused(workdir):
    cwd, env = workdir
    bin_dir = Path(sys.executable).parent
    ran = 0
    for line in _shell_lines():
        if any(line.startswith(prefix) for prefix in NOT_HERE):
            continue
        assert line.startswith("forecaster "), f"README line not tested: {line}"
        exe = bin_dir / "forecaster"
        cmd = [str(exe) if exe.exists() else "forecaster", *line.split()[1:]]
        proc = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, (line, proc.stderr[-3000:])
        ran += 1
    assert ran >= 5
    assert (cwd / "forecast_output" / "forecasts.csv").is_file()
    assert (cwd / "serving" / "air" / "2" / "saved_model.pb").is_file()
