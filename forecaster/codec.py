"""Fitted state <-> JSON and arrays: what an artifact's config and ``state.npz`` hold.

Every fitted attribute is described in JSON: a JSON value (tuples tagged), a
numpy array (stored in ``state.npz``, named by key), or a registered dataclass
(:func:`forecaster._registry.register_state_class`) whose fields are encoded
the same way. Decoding instantiates only registered classes, never a class
named by the file. No pickle, no code from the artifact.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from forecaster._registry import state_classes

__all__ = ["ArtifactError", "decode", "encode", "from_json", "to_json"]

STATE_FILE = "state.npz"
CONFIG_FILE = "config.json"
_TUPLE_KEY = "__tuple__"


class ArtifactError(ValueError):
    """A saved artifact is missing, corrupted or not one this version reads."""


def to_json(value: Any, where: str) -> Any:
    """``value`` as JSON, tuples tagged; TypeError naming ``where`` otherwise."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, list):
        return [to_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return {_TUPLE_KEY: [to_json(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or k == _TUPLE_KEY:
                raise TypeError(
                    f"Cannot save `{where}`: dictionary keys must be strings other "
                    f"than {_TUPLE_KEY!r}, got {k!r}."
                )
            out[k] = to_json(v, f"{where}[{k!r}]")
        return out
    raise TypeError(
        f"Cannot save `{where}` of type {type(value).__qualname__}: fitted state "
        "must be numpy arrays, registered dataclasses "
        "(forecaster.persistence.register_state_class), or JSON values (dict, "
        "list, tuple, str, int, float, bool, None). Teach "
        "forecaster.persistence to store this type."
    )


def from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {_TUPLE_KEY}:
            return tuple(from_json(v) for v in value[_TUPLE_KEY])
        return {k: from_json(v) for k, v in value.items()}
    return value


def encode(value: Any, key: str, arrays: dict[str, np.ndarray]) -> dict:
    """Describe one state value in JSON, putting its arrays into ``arrays``."""
    if isinstance(value, np.ndarray):
        return _encode_array(value, key, arrays)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if state_classes().get(cls.__name__) is not cls:
            raise TypeError(
                f"Cannot save `{key}`: the dataclass {cls.__qualname__} is not "
                "registered; add it with "
                "forecaster.persistence.register_state_class."
            )
        fields = {
            f.name: encode(getattr(value, f.name), f"{key}.{f.name}", arrays)
            for f in dataclasses.fields(value)
        }
        return {"type": "dataclass", "class": cls.__name__, "fields": fields}
    return {"type": "json", "value": to_json(value, key)}


def _encode_array(arr: np.ndarray, key: str, arrays: dict[str, np.ndarray]) -> dict:
    entry = {"type": "array", "key": key, "dtype": str(arr.dtype)}
    if arr.dtype == object:
        if not all(isinstance(v, str) for v in arr.flat):
            raise TypeError(
                f"Cannot save `{key}`: an object array must hold only strings."
            )
        stored = arr.astype(str) if arr.size else np.zeros(arr.shape, dtype="U1")
    elif arr.dtype.kind in "biufcmMUS":
        stored = arr
    else:
        raise TypeError(
            f"Cannot save `{key}`: arrays of dtype {arr.dtype} are not supported."
        )
    arrays[key] = stored
    return entry


def decode(entry: Any, where: str, arrays: dict[str, np.ndarray]) -> Any:
    kind = entry.get("type") if isinstance(entry, dict) else None
    if kind == "json" and "value" in entry:
        return from_json(entry["value"])
    if kind == "array":
        key, dtype = entry.get("key"), entry.get("dtype")
        if key not in arrays:
            raise ArtifactError(f"{STATE_FILE} lacks the array {key!r} of `{where}`.")
        arr = arrays[key]
        if dtype == "object" and arr.dtype.kind == "U":
            return arr.astype(object)
        if str(arr.dtype) != dtype:
            raise ArtifactError(
                f"`{where}` in {STATE_FILE} has dtype {arr.dtype}, but "
                f"{CONFIG_FILE} says {dtype}."
            )
        return arr
    if kind == "dataclass":
        name = entry.get("class")
        cls = state_classes().get(name) if isinstance(name, str) else None
        if cls is None:
            raise ArtifactError(
                f"`{where}` names the unknown state class {name!r}; known: "
                f"{sorted(state_classes())}."
            )
        fields = entry.get("fields")
        expected = {f.name for f in dataclasses.fields(cls) if f.init}
        if not isinstance(fields, dict) or set(fields) != expected:
            got = sorted(fields) if isinstance(fields, dict) else fields
            raise ArtifactError(
                f"`{where}` ({name}) has fields {got}, expected {sorted(expected)}."
            )
        return cls(**{k: decode(v, f"{where}.{k}", arrays) for k, v in fields.items()})
    raise ArtifactError(f"`{where}` in {CONFIG_FILE} is malformed: {entry!r}.")
