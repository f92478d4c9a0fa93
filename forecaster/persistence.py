"""Save and load fitted estimators: JSON, Keras weights and ``.npz``, no pickle.

An artifact is a directory::

    path/
      config.json        format_version, estimator class, get_params(), the
                         package / TensorFlow / Keras versions, the JSON-able
                         fitted state, weight shapes and SHA-256 of the files
      model.weights.h5   Keras weights of ``estimator.model_``
      state.npz          array-valued fitted state (``allow_pickle=False``)

The fitted state is every public attribute ending in ``_`` (the scikit-learn
convention). Keras models among them are not stored: ``load`` rebuilds the
network with the family's ``_build_model`` and loads the weights into it, so
loading never deserialises code, layers or classes from the file. Classes are
looked up in explicit allow-lists (:func:`_estimator_classes`,
:func:`register_state_class`), never imported by name.

Writes are atomic (:func:`atomic_directory`): everything goes to a hidden
temporary sibling directory, is fsync-ed, then renamed into place, so an
interrupted save leaves the previous artifact at ``path`` untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from forecaster._registry import estimator_classes
from forecaster._registry import register_state_class as register_state_class
from forecaster._version import versions
from forecaster.atomic import atomic_directory, backups_of
from forecaster.codec import (
    CONFIG_FILE,
    STATE_FILE,
    ArtifactError,
    decode,
    encode,
    from_json,
    to_json,
)
from forecaster.data.clock import uses_utc, wall_clock
from forecaster.estimators.defaults import baseline_season
from forecaster.models.networks import Networks

__all__ = [
    "FORMAT_VERSION",
    "ArtifactError",
    "load",
    "register_state_class",
    "save",
]

FORMAT_VERSION = 2  # 2: manifest.json hashes the config too; 1 (0.1.0) still loads
MANIFEST_FILE = "manifest.json"
_MAX_CONFIG_BYTES = 64 << 20  # far above any real config (arrays live in state.npz)
WEIGHTS_FILE = "model.weights.h5"
_FILES = (CONFIG_FILE, WEIGHTS_FILE, STATE_FILE)
# Keras 3 on NumPy 2 converts TF variables with np.array(x, copy=False).
_NUMPY_COPY_WARNING = "__array__ implementation doesn't accept a copy keyword"


# -- what old artifacts lack or hold ----------------------------------------------
# The one place for old-artifact shims: values that reproduce the network an
# artifact was saved with when its config predates a parameter or attribute.
# Releases before the step budget trained max_epochs full passes.
_BEFORE_STEPS = {"max_steps": None}
# Releases before the window baseline had none.
_BEFORE_BASELINE = {"baseline": None}
_PARAMS_BEFORE_ADDED = {
    "Seq2SeqForecaster": {"context_units": None, **_BEFORE_STEPS, **_BEFORE_BASELINE},
    "RecurrentForecaster": {**_BEFORE_STEPS, **_BEFORE_BASELINE},
}
# Fitted attributes older releases saved that are now rebuilt, not stored.
_RETIRED_STATE = frozenset({"sampler_model_"})


def _legacy_state(state: dict[str, Any], est, version: int) -> dict[str, Any]:
    """Fill what an artifact from an earlier release lacks, drop what it retired."""
    state = {k: v for k, v in state.items() if k not in _RETIRED_STATE}
    # Before window_norm="auto", the parameter was the value used.
    state.setdefault("window_norm_", est.window_norm)
    if "baseline_season_" not in state and "lookback_" in state:
        # Before the data chose it, "auto" was a rule of frequency and lookback.
        state["baseline_season_"] = baseline_season(
            est.baseline, state["freq_"], state["lookback_"]
        )
    # Before baseline="seasonal_mean", every baseline repeated one season.
    state.setdefault("baseline_cycles_", 1)
    tz, freq = state.get("tz_"), state.get("freq_")
    if version == 1 and isinstance(tz, str) and isinstance(freq, str):
        # Format 1 kept tz-aware times in UTC; calendar frequencies now step on
        # the local wall clock (forecaster.data.clock).
        if not uses_utc(freq) and isinstance(state.get("last_times_"), np.ndarray):
            state["last_times_"] = wall_clock(state["last_times_"], "h", tz)
    return state


def _fitted_state(estimator) -> dict[str, Any]:
    """Every public attribute ending in ``_`` but the networks (rebuilt on load)."""
    return {
        name: value
        for name, value in vars(estimator).items()
        if name.endswith("_")
        and not name.startswith("_")
        and not isinstance(value, Networks)
    }


# -- save -------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_weights(model, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=_NUMPY_COPY_WARNING, category=DeprecationWarning
        )
        model.save_weights(str(path))


def _write_state(arrays: dict[str, np.ndarray], path: Path) -> None:
    if any(a.dtype == object for a in arrays.values()):  # never pickle
        raise TypeError("Object arrays cannot be saved without pickle.")
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def save(estimator, path: str | os.PathLike) -> None:
    """Save a fitted estimator to the directory ``path``, atomically.

    Parameters
    ----------
    estimator : BaseForecaster
        A fitted estimator of a class that :func:`load` knows.
    path : str or os.PathLike
        Directory to create or replace (only an empty directory or a previous
        artifact is replaced).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    TypeError
        If its class is not loadable, or a parameter or fitted attribute has a
        type that cannot be stored without pickle (named in the message).
    ValueError
        If ``path`` is a file or an unrelated non-empty directory.

    Examples
    --------
    >>> est.save("model_dir")  # doctest: +SKIP
    >>> forecaster.load("model_dir").predict()  # doctest: +SKIP
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "networks_")
    arrays: dict[str, np.ndarray] = {}
    config = _config(estimator, arrays)
    model = estimator.networks_.train
    with atomic_directory(path, marker=CONFIG_FILE) as tmp:
        _write_state(arrays, tmp / STATE_FILE)
        _write_weights(model, tmp / WEIGHTS_FILE)
        config["sha256"] = {
            name: _sha256(tmp / name) for name in (WEIGHTS_FILE, STATE_FILE)
        }
        with open(tmp / CONFIG_FILE, "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2)
        manifest = {"sha256": {CONFIG_FILE: _sha256(tmp / CONFIG_FILE)}}
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")


def _config(estimator, arrays: dict[str, np.ndarray]) -> dict:
    """The JSON config of ``estimator``; its arrays go into ``arrays``."""
    cls = type(estimator)
    if estimator_classes().get(cls.__name__) is not cls:
        raise TypeError(
            f"Cannot save a {cls.__qualname__}: load() only rebuilds "
            f"{sorted(estimator_classes())}; register the class with "
            "forecaster._registry.register_estimator."
        )
    params = {
        k: to_json(v, f"params.{k}") for k, v in estimator.get_params(False).items()
    }
    state = {
        name: encode(value, name, arrays)
        for name, value in _fitted_state(estimator).items()
    }
    return {
        "format_version": FORMAT_VERSION,
        "estimator": cls.__name__,
        "params": params,
        "versions": versions(),
        "state": state,
        "weight_shapes": [
            list(map(int, w.shape)) for w in estimator.networks_.train.weights
        ],
    }


# -- load -------------------------------------------------------------------------
def _parse_json(path: Path, what: str):
    """``path``'s JSON, bounded in size and depth: ArtifactError otherwise."""
    if path.stat().st_size > _MAX_CONFIG_BYTES:
        raise ArtifactError(f"{what} is larger than {_MAX_CONFIG_BYTES} bytes.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ArtifactError(f"{what} is not valid JSON ({err}).") from err
    except RecursionError as err:  # e.g. 200,000 nested lists
        raise ArtifactError(f"{what} is nested too deeply.") from err


def _check_manifest(root: Path) -> int:
    """Check ``config.json`` against the manifest; the format version it implies."""
    if not (root / MANIFEST_FILE).is_file():
        return 1  # artifacts of format 1 (release 0.1.0) have no manifest
    manifest = _parse_json(root / MANIFEST_FILE, MANIFEST_FILE)
    recorded = manifest.get("sha256") if isinstance(manifest, dict) else None
    if not isinstance(recorded, dict) or not isinstance(recorded.get(CONFIG_FILE), str):
        raise ArtifactError(f"{MANIFEST_FILE} is malformed.")
    if recorded[CONFIG_FILE] != _sha256(root / CONFIG_FILE):
        raise ArtifactError(
            f"{CONFIG_FILE} is corrupted or was modified: its SHA-256 does not "
            f"match the one recorded in {MANIFEST_FILE}."
        )
    return FORMAT_VERSION


def _read_config(root: Path) -> dict:
    expected = _check_manifest(root)
    config = _parse_json(root / CONFIG_FILE, CONFIG_FILE)
    if not isinstance(config, dict):
        raise ArtifactError(f"{CONFIG_FILE} must hold a JSON object.")
    version = config.get("format_version")
    if version == FORMAT_VERSION and expected != FORMAT_VERSION:
        raise ArtifactError(f"missing {MANIFEST_FILE}.")
    if type(version) is not int or version != expected:
        versions = config.get("versions")
        saved_by = versions.get("forecaster") if isinstance(versions, dict) else None
        raise ArtifactError(
            f"unknown format_version {version!r} in {CONFIG_FILE}; this version "
            f"of forecaster reads format_version {FORMAT_VERSION} (and 1). Load "
            f"it with the forecaster version that saved it ({saved_by or 'unknown'})."
        )
    _check_config_types(config)
    return config


def _check_config_types(config: dict) -> None:
    types = {
        "estimator": str,
        "params": dict,
        "state": dict,
        "weight_shapes": list,
        "sha256": dict,
    }
    for key, typ in types.items():
        if not isinstance(config.get(key), typ):
            raise ArtifactError(
                f"{CONFIG_FILE} lacks {key!r} (a JSON {typ.__name__}) or it is "
                "malformed."
            )


def _check_files(root: Path, config: dict) -> None:
    for name in (WEIGHTS_FILE, STATE_FILE):
        if config["sha256"].get(name) != _sha256(root / name):
            raise ArtifactError(
                f"{name} is corrupted or was modified: its SHA-256 does not match "
                f"the one recorded in {CONFIG_FILE}."
            )


def _read_arrays(root: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(root / STATE_FILE, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
        raise ArtifactError(f"{STATE_FILE} could not be read ({err}).") from err


def _new_estimator(config: dict):
    classes = estimator_classes()
    name = config["estimator"]
    if name not in classes:
        raise ArtifactError(
            f"unknown estimator class {name!r} in {CONFIG_FILE}; known: "
            f"{sorted(classes)}."
        )
    cls = classes[name]
    params = from_json(config["params"])
    for key, value in _PARAMS_BEFORE_ADDED.get(name, {}).items():
        params.setdefault(key, value)
    unknown = sorted(set(params) - set(cls._get_param_names()))
    if unknown:
        raise ArtifactError(f"{CONFIG_FILE} has unknown {name} parameters {unknown}.")
    est = cls(**params)
    try:
        est._check_params()
    except (ValueError, TypeError) as err:
        raise ArtifactError(f"{CONFIG_FILE} has an invalid parameter: {err}") from err
    return est


def _load_weights(model, root: Path, shapes: list) -> None:
    rebuilt = [list(map(int, w.shape)) for w in model.weights]
    if rebuilt != shapes:
        raise ArtifactError(
            f"the network rebuilt from {CONFIG_FILE} does not match the saved "
            f"weights (weight shapes {rebuilt} vs {shapes}); were the parameters "
            "edited?"
        )
    # Keras only warns about some mismatches and keeps fresh weights: refuse.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            model.load_weights(str(root / WEIGHTS_FILE))
        except Exception as err:
            raise ArtifactError(
                f"{WEIGHTS_FILE} could not be loaded into the network ({err})."
            ) from err


def load(path: str | os.PathLike):
    """Load an estimator saved with :func:`save`.

    The estimator class comes from an allow-list, its network is rebuilt from
    the saved parameters and the weights are loaded into it: nothing in the
    artifact is executed or unpickled. The result predicts exactly what the
    saved estimator did.

    Parameters
    ----------
    path : str or os.PathLike
        Directory written by :func:`save`.

    Returns
    -------
    BaseForecaster
        The fitted estimator.

    Raises
    ------
    ArtifactError (a ValueError)
        If the directory or a file is missing, a file is corrupted, the
        format version or estimator class is unknown, or the parameters do
        not rebuild the saved network; nothing is half-loaded.
    """
    root = Path(os.path.abspath(os.fspath(path)))

    def fail(reason: str) -> ArtifactError:
        return ArtifactError(f"Cannot load a forecaster from {str(root)!r}: {reason}")

    if not root.is_dir():
        reason = "the directory does not exist."
        if root.exists():
            reason = "it is not a directory."
        backups = backups_of(root)
        if backups:
            reason += (
                f" A previous artifact was left at {str(backups[-1])!r} by a save "
                f"interrupted while swapping directories; rename it to "
                f"{str(root)!r} to recover it."
            )
        raise fail(reason)
    missing = [name for name in _FILES if not (root / name).is_file()]
    if missing:
        raise fail(f"missing {', '.join(missing)}.")
    try:
        config = _read_config(root)
        _check_files(root, config)
        est = _new_estimator(config)
        state = _read_state(config, _read_arrays(root))
        state = _legacy_state(state, est, config["format_version"])
        networks = _rebuild(est, state)
        _load_weights(networks.train, root, config["weight_shapes"])
    except ArtifactError as err:
        raise fail(str(err)) from err
    except RecursionError as err:  # a state nested within json's limit, deeper
        raise fail(f"{CONFIG_FILE} is nested too deeply.") from err
    est.networks_ = networks
    return est


def _read_state(config: dict, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The fitted attributes recorded in ``config``, decoded."""
    state = {}
    for name, entry in config["state"].items():
        public = name.isidentifier() and not name.startswith("_")
        if not (public and name.endswith("_")):  # as save writes them
            raise ArtifactError(f"invalid fitted attribute name {name!r}.")
        try:
            state[name] = decode(entry, name, arrays)
        except ArtifactError:
            raise
        except (TypeError, ValueError) as err:  # e.g. a dataclass refusing
            raise ArtifactError(f"`{name}` could not be restored ({err}).") from err
    return state


def _rebuild(est, state: dict[str, Any]) -> Networks:
    """The estimator's networks for ``state``, by the path ``fit`` uses."""
    try:
        return est._restore(state)
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise ArtifactError(
            f"the network could not be rebuilt from the saved state ({err})."
        ) from err
