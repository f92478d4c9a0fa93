"""Every notebook in ``notebooks/`` executes top to bottom, in its small
configuration (``FAST = True``), on a local kernel of this interpreter.

The notebooks run one after the other in one kernel, each from a fresh
namespace (``%reset -f`` first): TensorFlow is imported once instead of four
times, which keeps the module within the default suite's time budget. The
kernel's working directory is a temporary folder; nothing needs the network.
"""

import base64
import json
import os
import re
import sys
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
# jupyter_client replaces these first words of a kernelspec by sys.executable
_THIS_PYTHON = {
    "python",
    f"python{sys.version_info[0]}",
    f"python{sys.version_info[0]}.{sys.version_info[1]}",
}


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


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """(kernel manager, working directory) of one kernel for the module."""
    tmp = tmp_path_factory.mktemp("notebooks")
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


def execute(path: Path, kernel) -> nbformat.NotebookNode:
    """Run a notebook top to bottom; raises on the first failing cell."""
    km, work = kernel
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("%reset -f"))
    client = NotebookClient(
        nb,
        km=km,
        timeout=300,
        kernel_name=km.kernel_name,
        resources={"metadata": {"path": str(work)}},
    )
    try:
        client.execute()
    finally:
        if client.kc is not None:  # the kernel stays up for the next notebook
            client.kc.stop_channels()
    return nb


def test_notebooks_are_stored_without_outputs():
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_seq2seq_attention.ipynb",
        "03_covariates_and_uncertainty.ipynb",
        "04_export_and_serve.ipynb",
    ]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert "FAST = True" in code[0].source, path.name  # the small configuration
        assert sum(c.cell_type == "markdown" for c in nb.cells) >= 3, path.name


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
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.get("name") == "stderr" and re.search(r"\w+Warning: ", out["text"])
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, kernel, tmp_path):
    nb = execute(path, kernel)
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
