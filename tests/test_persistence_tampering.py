"""save / load refuses tampered artifacts: edited, truncated or swapped files,
code smuggled into the config, and every field of an edited config."""

import json
import shutil

import numpy as np
import pytest

import forecaster
from forecaster import RecurrentForecaster, persistence
from forecaster.persistence import ArtifactError
from tests.conftest import TINY_NO_VAL as TINY
from tests.conftest import edit_config, small_panel


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """A saved panel-fitted LSTM, and the estimator it came from."""
    est = RecurrentForecaster(**TINY).fit(small_panel())
    path = tmp_path_factory.mktemp("artifact") / "model"
    est.save(path)
    return est, path


# -- tampering ------------------------------------------------------------------
def _write_config(path, text):
    """Replace config.json by ``text``, the manifest updated to match."""
    (path / "config.json").write_text(text)
    sha = persistence._sha256(path / "config.json")
    (path / "manifest.json").write_text(json.dumps({"sha256": {"config.json": sha}}))


def _rehash(path, name):
    edit_config(
        path, lambda c: c["sha256"].update({name: persistence._sha256(path / name)})
    )


def _truncate(path, name):
    data = (path / name).read_bytes()
    (path / name).write_bytes(data[: len(data) // 2])


def _flip_bytes(path, name):
    data = bytearray((path / name).read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0xFF
    (path / name).write_bytes(bytes(data))


def _set_state(name, entry):
    return lambda c: c["state"].__setitem__(name, entry)


TAMPERS = {
    "missing weights": (
        lambda p: (p / "model.weights.h5").unlink(),
        "missing model.weights.h5",
    ),
    "missing state": (lambda p: (p / "state.npz").unlink(), "missing state.npz"),
    "missing config": (lambda p: (p / "config.json").unlink(), "missing config.json"),
    "truncated weights": (
        lambda p: _truncate(p, "model.weights.h5"),
        "model.weights.h5 is corrupted or was modified: its SHA-256 does not match",
    ),
    "flipped weights bytes": (
        lambda p: _flip_bytes(p, "model.weights.h5"),
        "model.weights.h5 is corrupted or was modified",
    ),
    "truncated weights, checksum updated": (
        lambda p: (_truncate(p, "model.weights.h5"), _rehash(p, "model.weights.h5")),
        r"model.weights.h5 could not be loaded into the network \(.*truncated",
    ),
    "truncated state": (
        lambda p: _truncate(p, "state.npz"),
        "state.npz is corrupted or was modified",
    ),
    "garbage state, checksum updated": (
        lambda p: ((p / "state.npz").write_bytes(b"junk"), _rehash(p, "state.npz")),
        "state.npz could not be read",
    ),
    "invalid json": (
        lambda p: _write_config(p, '{"format_version": 1,'),
        "config.json is not valid JSON",
    ),
    "json not an object": (
        lambda p: _write_config(p, "[1, 2]"),
        "config.json must hold a JSON object",
    ),
    "unknown format version": (
        lambda p: edit_config(p, lambda c: c.update(format_version=3)),
        "unknown format_version 3 in config.json; this version of forecaster "
        r"reads format_version 2 \(and 1\)",
    ),
    "format version as string": (
        lambda p: edit_config(p, lambda c: c.update(format_version="1")),
        "unknown format_version '1'",
    ),
    "missing params": (
        lambda p: edit_config(p, lambda c: c.pop("params")),
        "config.json lacks 'params'",
    ),
    "unknown estimator class": (
        lambda p: edit_config(p, lambda c: c.update(estimator="os.system")),
        r"unknown estimator class 'os.system' in config.json; known: \[",
    ),
    "unregistered cell layer": (
        lambda p: edit_config(p, lambda c: c["params"].update(cell="EvilCell")),
        "config.json has an invalid parameter: Received an invalid value for "
        "argument `cell`",
    ),
    "unknown parameter": (
        lambda p: edit_config(p, lambda c: c["params"].update(evil=1)),
        r"unknown RecurrentForecaster parameters \['evil'\]",
    ),
    "edited architecture": (
        lambda p: edit_config(p, lambda c: c["params"].update(hidden_units=5)),
        "does not match the saved weights",
    ),
    "unregistered state class": (
        lambda p: edit_config(
            p,
            _set_state(
                "scaler_",
                {"type": "dataclass", "class": "subprocess.Popen", "fields": {}},
            ),
        ),
        r"`scaler_` names the unknown state class 'subprocess.Popen'",
    ),
    "state array missing": (
        lambda p: edit_config(
            p, _set_state("ids_", {"type": "array", "key": "nope", "dtype": "object"})
        ),
        "state.npz lacks the array 'nope' of `ids_`",
    ),
    "malformed state entry": (
        lambda p: edit_config(p, _set_state("lookback_", {"type": "pickle"})),
        "`lookback_` in config.json is malformed",
    ),
    "dunder state name": (
        lambda p: edit_config(
            p, _set_state("__class__", {"type": "json", "value": "x"})
        ),
        "invalid fitted attribute name '__class__'",
    ),
    "state lacks n_features_": (
        lambda p: edit_config(p, lambda c: c["state"].pop("n_features_")),
        "the network could not be rebuilt from the saved state",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERS))
def test_tampered_artifact_is_refused(artifact, tmp_path, case):
    tamper, message = TAMPERS[case]
    path = tmp_path / "m"
    shutil.copytree(artifact[1], path)
    tamper(path)
    with pytest.raises(ValueError, match=message) as info:
        forecaster.load(path)
    assert isinstance(info.value, ArtifactError)
    assert str(path) in str(info.value)


def test_missing_directory(tmp_path):
    with pytest.raises(ValueError, match="the directory does not exist"):
        forecaster.load(tmp_path / "nothing")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="it is not a directory"):
        forecaster.load(tmp_path / "file")


# -- every field of an edited config -------------------------------------------------
def _leaves(node, path=()):
    """Paths of every JSON leaf (lists and dicts walked) of ``node``."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _perturbations(value):
    if isinstance(value, bool):
        return ["yes", None]
    if isinstance(value, int | float):
        return [-1, "1", 1e308]
    if isinstance(value, str):
        return ["Etc/Nowhere" if len(value) > 2 else "zz", 0]
    return [1, "x"]


def _set(config, path, value):
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def test_every_edited_config_field_is_refused_or_harmless(artifact, tmp_path):
    """Each JSON leaf of a saved config, perturbed (type and range) with the
    manifest updated to match, either loads a model that still forecasts or is
    refused with the package's ArtifactError: never another exception."""
    import copy

    _, src = artifact
    original = json.loads((src / "config.json").read_text())
    leaves = [p for p in _leaves(original) if p[0] not in ("versions", "sha256")]
    cases = escapes = refused = 0
    path = tmp_path / "m"
    shutil.copytree(src, path)
    for leaf in leaves:
        for value in _perturbations(_get(original, leaf)):
            config = copy.deepcopy(original)
            _set(config, leaf, value)
            edit_config(path, lambda c, config=config: c.update(config))
            cases += 1
            try:
                est = forecaster.load(path)
                assert np.isfinite(est.predict()["yhat"]).all()
            except ArtifactError:
                refused += 1
            except Exception as err:  # noqa: BLE001 - counting escapes
                escapes += 1
                print("escape:", leaf, repr(value), type(err).__name__, err)
    print(f"{cases} edited configs: {refused} refused, {escapes} escapes")
    assert cases > 150 and refused > 100
    assert escapes == 0


def _get(config, path):
    for key in path:
        config = config[key]
    return config


def test_config_edited_without_its_manifest_is_refused(artifact, tmp_path):
    path = tmp_path / "m"
    shutil.copytree(artifact[1], path)
    edit_config(path, lambda c: c["state"].update(), manifest=False)  # reformatted
    with pytest.raises(ArtifactError, match="config.json is corrupted or was modif"):
        forecaster.load(path)
    (path / "manifest.json").unlink()  # a format-2 config needs its manifest
    with pytest.raises(ArtifactError, match="missing manifest.json"):
        forecaster.load(path)


@pytest.mark.parametrize("depth", [200_000, 5_000])
def test_deeply_nested_config_is_an_artifact_error(artifact, tmp_path, depth):
    path = tmp_path / "m"
    shutil.copytree(artifact[1], path)
    deep = "[" * depth + "]" * depth
    text = (path / "config.json").read_text()
    _write_config(path, text.replace('"params": {', f'"deep": {deep}, "params": {{', 1))
    with pytest.raises(ArtifactError, match="nested too deeply|not valid JSON"):
        forecaster.load(path)
