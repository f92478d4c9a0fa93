"""Every third-party package the code imports is declared in ``setup.cfg``,
and the optional inputs have their extras (issue 19, item 8)."""

import ast
import configparser
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# import name -> distribution name, where they differ
_DISTRIBUTION = {"sklearn": "scikit-learn", "yaml": "pyyaml", "PIL": "pillow"}


def _requirements(text: str) -> set[str]:
    """Distribution names (lower case) of a setup.cfg requirement list."""
    names = set()
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.add(re.match(r"[A-Za-z0-9_.\-]+", line)[0].lower())
    return names


def _setup() -> tuple[set[str], dict[str, set[str]]]:
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    required = _requirements(cfg["options"]["install_requires"])
    extras = {k: _requirements(v) for k, v in cfg["options.extras_require"].items()}
    return required, extras


def _imported() -> dict[str, str]:
    """Third-party top-level modules imported by the package -> one file."""
    found = {}
    for path in sorted((REPO / "forecaster").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "forecaster":
                    found.setdefault(top, str(path.relative_to(REPO)))
    return found


def test_every_imported_package_is_declared():
    required, extras = _setup()
    declared = required.union(*extras.values())
    undeclared = {
        module: where
        for module, where in _imported().items()
        if _DISTRIBUTION.get(module, module).lower() not in declared
    }
    assert not undeclared, f"imported but not in setup.cfg: {undeclared}"


def test_scipy_is_required_and_parquet_polars_have_extras():
    required, extras = _setup()
    assert "scipy" in required  # imported at module level by the baselines
    assert extras["parquet"] == {"pyarrow"}
    assert extras["polars"] == {"polars", "pyarrow"}  # polars -> pandas via pyarrow
    assert {"pyarrow", "polars"} <= extras["test"]


def test_parquet_round_trip_keeps_what_validation_needs(tmp_path):
    import pandas as pd
    import pytest

    pytest.importorskip("pyarrow")
    from forecaster.data.validation import validate_long_frame

    t = pd.date_range("2020-01-01", periods=4, freq="h", tz="Europe/Paris")
    df = pd.DataFrame({"unique_id": ["a"] * 4, "ds": t, "y": [1.0, 2.0, 3.0, 4.0]})
    df.to_parquet(tmp_path / "df.parquet")
    back = pd.read_parquet(tmp_path / "df.parquet")
    pd.testing.assert_frame_equal(validate_long_frame(back), validate_long_frame(df))
