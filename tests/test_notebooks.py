"""The notebooks in ``notebooks/``: stored with their outputs (figures visible
on a repository browser), and executed top to bottom by the tests in their
small configuration (``FAST = True``) on a local kernel of this interpreter.

The stored outputs come from ``FAST = False`` (the source as stored); the
tests switch the notebook's one ``FAST = False`` line to ``FAST = True`` in
memory and never write the notebook back. To refresh the stored outputs after
editing a notebook::

    python -m tests.test_notebooks [NAME.ipynb ...]

which executes each notebook as stored and writes it with its outputs, less
TensorFlow's log lines (they depend on the machine: CUDA drivers or not).

The notebooks run one after the other in one kernel, each from a fresh
namespace (``%reset -f`` first): TensorFlow is imported once instead of four
times, which keeps the module within the default suite's time budget. The
kernel's working directory is a temporary folder; nothing needs the network.
"""

import base64
import contextlib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import matplotlib.image
import nbformat
import numpy as np
import pytest
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_core.utils import run_sync
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
# the one line that picks the configuration (stored: the real one)
REAL, SMALL = re.compile(r"^FAST = False$", re.M), "FAST = True"
# jupyter_client replaces these first words of a kernelspec by sys.executable
_THIS_PYTHON = {
    "python",
    f"python{sys.version_info[0]}",
    f"python{sys.version_info[0]}.{sys.version_info[1]}",
}
# TensorFlow's log lines: C++ (absl) ones, which TF_CPP_MIN_LOG_LEVEL cannot
# silence before absl is initialised, and its Python logger's
_TF_LOG = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\).*"
    r"|[IWEF]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] .*"
    r"|(INFO|WARNING):tensorflow:.*)$"
)


def _kernel_name(tmp: Path, mp: pytest.MonkeyPatch) -> str:
    """``python3`` when that kernelspec runs this interpreter; otherwise a
    temporary kernelspec that does (found through ``JUPYTER_PATH``)."""
    try:
        argv0 = KernelSpecManager().get_kernel_spec("python3").argv[0]
        if argv0 in _THIS_PYTHON or (
            os.path.exists(argv0) and os.path.samefile(argv0, sys.executable)
        ):
            return "python3"
    except NoSuchKernel:
        pass
    spec = tmp / "jupyter" / "kernels" / "forecaster-tests"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "forecaster", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    mp.setenv(
        "JUPYTER_PATH",
        os.pathsep.join([str(tmp / "jupyter"), os.environ.get("JUPYTER_PATH", "")]),
    )
    return "forecaster-tests"


@contextlib.contextmanager
def _kernel(tmp: Path):
    """(kernel manager, working directory) of one quiet kernel of this
    interpreter, the repository's package first on its path."""
    work = tmp / "work"
    work.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLBACKEND", "Agg")
        mp.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
        mp.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
        # the repository's package first, as `pip install -e .` would give it
        mp.setenv(
            "PYTHONPATH",
            os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        )
        km = AsyncKernelManager(kernel_name=_kernel_name(tmp, mp))
        try:
            yield km, work
        finally:
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    with _kernel(tmp_path_factory.mktemp("notebooks")) as km_work:
        yield km_work


def execute(path: Path, kernel, fast: bool = True) -> nbformat.NotebookNode:
    """Run a notebook top to bottom (in its small configuration unless
    ``fast=False``); raises on the first failing cell. The file is not
    touched."""
    km, work = kernel
    nb = nbformat.read(path, as_version=4)
    if fast:
        settings = next(c for c in nb.cells if c.cell_type == "code")
        settings.source, n = REAL.subn(SMALL, settings.source)
        assert n == 1, f"{path.name}: no line `FAST = False` in the first cell"
    nb.cells.insert(0, nbformat.v4.new_code_cell("%reset -f"))
    client = NotebookClient(
        nb,
        km=km,
        timeout=600,
        kernel_name=km.kernel_name,
        record_timing=False,
        resources={"metadata": {"path": str(work)}},
    )
    try:
        client.execute()
    finally:
        if client.kc is not None:  # the kernel stays up for the next notebook
            client.kc.stop_channels()
    nb.cells.pop(0)
    return nb


def _streams(nb) -> list[dict]:
    return [
        out
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out["output_type"] == "stream"
    ]


def _images(nb) -> list[bytes]:
    return [
        base64.b64decode(out["data"]["image/png"])
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if "image/png" in out.get("data", {})
    ]


def _python_warnings(nb) -> list[str]:
    """Python warnings (``UserWarning: ...``) printed by the notebook's cells."""
    return [
        out["text"]
        for out in _streams(nb)
        if out.get("name") == "stderr" and re.search(r"\w+Warning: ", out["text"])
    ]


def test_notebooks_are_stored_with_their_outputs():
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_seq2seq_attention.ipynb",
        "03_covariates_and_uncertainty.ipynb",
        "04_export_and_serve.ipynb",
    ]
    for path in NOTEBOOKS:
        assert path.stat().st_size < 1_000_000, path.name
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert len(REAL.findall(code[0].source)) == 1, path.name  # the real setting
        assert sum(c.cell_type == "markdown" for c in nb.cells) >= 3, path.name
        # executed top to bottom, once, without errors
        counts = [c.execution_count for c in code]
        assert counts == list(range(1, len(code) + 1)), path.name
        assert all(c.outputs for c in code[1:]), path.name
        kinds = {out["output_type"] for c in code for out in c.outputs}
        assert "error" not in kinds, path.name
        assert _images(nb) or path.stem == "04_export_and_serve", path.name
        for out in _streams(nb):
            noise = [ln for ln in out["text"].splitlines() if _TF_LOG.match(ln)]
            assert not noise, (path.name, noise)
            assert "/tmp" not in out["text"], path.name  # no machine's paths
        assert not _python_warnings(nb), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, kernel, tmp_path):
    before = path.read_bytes()
    nb = execute(path, kernel)
    assert path.read_bytes() == before  # never written back
    images = _images(nb)
    assert images or path.stem == "04_export_and_serve", "a figure is shown"
    assert not _python_warnings(nb)
    if path.stem != "01_quickstart":
        return
    # The quickstart's figure: saved by the notebook, and displayed inline.
    saved = kernel[1] / "quickstart_forecast.png"
    inline = tmp_path / "quickstart_inline.png"
    inline.write_bytes(images[0])
    for png in (saved, inline):
        pixels = matplotlib.image.imread(png)[..., :3]
        assert pixels.shape[0] > 300 and pixels.shape[1] > 800
        assert pixels.std() > 0.05  # not blank
        colours = np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)
        assert len(colours) > 100  # lines, bands, text: anti-aliased colours


def _tidy(nb) -> None:
    """Drop TensorFlow's log lines from the stream outputs (and the streams
    left empty); number the cells from 1, as a fresh kernel would (the
    shared kernel has run the ``%reset`` cell and the notebooks before)."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    for count, cell in enumerate(code, start=1):
        cell.execution_count = count
        kept = []
        for out in cell.outputs:
            if out["output_type"] == "stream":
                lines = out["text"].splitlines(keepends=True)
                out["text"] = "".join(ln for ln in lines if not _TF_LOG.match(ln))
                if not out["text"]:
                    continue
            if out["output_type"] == "execute_result":
                out["execution_count"] = count
            kept.append(out)
        cell.outputs = kept


def store(names: list[str]) -> None:
    """Execute notebooks as stored (the real configuration) and write them
    back with their outputs."""
    paths = [REPO / "notebooks" / n for n in names] if names else NOTEBOOKS
    with tempfile.TemporaryDirectory() as tmp, _kernel(Path(tmp)) as kernel:
        for path in paths:
            start = time.perf_counter()
            nb = execute(path, kernel, fast=False)
            _tidy(nb)
            nbformat.validate(nb)
            nbformat.write(nb, path)
            took = time.perf_counter() - start
            size = path.stat().st_size / 1024
            print(f"{path.name}: executed in {took:.0f} s, {size:.0f} KiB stored")


if __name__ == "__main__":
    store(sys.argv[1:])
