"""Running the command line from the tests: in a fresh process (as a batch
job would) or in-process through ``main`` (fast), and checking its errors."""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from forecaster.cli import main

REPO = Path(__file__).resolve().parents[2]


def command(args):
    """``python -m forecaster *args`` and its environment: the repository's
    package first on the path, as an installed console script would find it,
    and no TF_CPP_MIN_LOG_LEVEL: quieting TensorFlow is the command's job."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": path}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return [sys.executable, "-m", "forecaster", *map(str, args)], env


def run(*args, timeout=600):
    """Run the command line in a fresh process and wait for it."""
    cmd, env = command(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


class Job:
    """The command line started in the background (the machines running the
    suite have 2 cores: independent CLI runs overlap); ``result()`` waits."""

    def __init__(self, *args):
        cmd, env = command(args)
        self._out, self._err = (
            tempfile.TemporaryFile("w+"),
            tempfile.TemporaryFile("w+"),
        )
        self.proc = subprocess.Popen(
            cmd, stdout=self._out, stderr=self._err, text=True, env=env
        )
        self.args = cmd

    def result(self, timeout=600) -> subprocess.CompletedProcess:
        rc = self.proc.wait(timeout)
        self._out.seek(0)
        self._err.seek(0)
        return subprocess.CompletedProcess(
            self.args, rc, self._out.read(), self._err.read()
        )

    def wait_for(self, text: str, timeout: float) -> bool:
        """Poll stderr until it holds ``text`` (True); False if the process
        ends or ``timeout`` seconds pass first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            # pread: the child shares the file's offset, which must not move
            seen = os.pread(self._err.fileno(), 1 << 20, 0)
            if text.encode() in seen:
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        """Kill the process if a failing test left it running."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._out.close()
        self._err.close()


def run_all(cases: dict, tmp: Path) -> dict:
    """Every ``{case: (arguments, fragments)}`` in a fresh process at once
    ({tmp} in the arguments is ``tmp``); their results by case."""
    jobs = {
        case: Job(*(a.format(tmp=tmp) for a in args))
        for case, (args, _) in cases.items()
    }
    try:
        return {case: job.result() for case, job in jobs.items()}
    finally:
        for job in jobs.values():
            job.stop()


def call(capsys, *args):
    """``main(args)`` in this process: (exit code, stdout, stderr)."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def assert_usage_error(out, *fragments):
    """Exit code 2, one ``error:`` line holding every fragment, no traceback."""
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    message = [line for line in out.stderr.splitlines() if "error:" in line]
    assert len(message) == 1, out.stderr
    for fragment in fragments:
        assert fragment in message[0], message[0]


# what TensorFlow's start-up writes: native log lines ("I0000 00:00:...",
# "E0000 ..."), Abseil's preamble, oneDNN / CUDA notices, retracing advice
TF_NOISE = re.compile(
    r"^[IWEF]\d{4} |absl::InitializeLog|oneDNN|cuda|cuInit|TF-TRT|retracing",
    re.IGNORECASE | re.MULTILINE,
)


def assert_no_tensorflow_lines(text: str) -> None:
    """No line of ``text`` comes from TensorFlow's start-up."""
    found = TF_NOISE.search(text)
    assert found is None, text


def write_csv(path, nan_at=None):
    """Series 'a' and 'b', 20 days each; 'b' has no value on day ``nan_at``."""
    rows = [f"a,2020-01-{d:02d},{d}" for d in range(1, 21)]
    rows += [f"b,2020-01-{d:02d},{'' if d == nan_at else d}" for d in range(1, 21)]
    path.write_text("unique_id,ds,y\n" + "".join(f"{r}\n" for r in rows))
    return path


TRAIN = ["train", "--cell", "gru", "--horizon", "2", "--max-epochs", "1"]


def usage_files(tmp: Path) -> Path:
    """The inputs of the usage-error cases: good.csv, nan.csv (series 'b'
    empty on 2020-01-05, line 26 of the file: header on line 1, 'a' on
    2-21), good.txt, empty.csv and dates.csv (an unparsable timestamp on
    line 3)."""
    write_csv(tmp / "good.csv")
    write_csv(tmp / "nan.csv", nan_at=5)
    (tmp / "good.txt").write_text("")
    (tmp / "empty.csv").write_text("")
    (tmp / "dates.csv").write_text("unique_id,ds,y\na,2020-01-01,1\na,yesterday,2\n")
    return tmp
