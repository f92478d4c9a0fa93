"""Fitted state <-> JSON and arrays (forecaster.codec)."""

import dataclasses

import numpy as np
import pytest

from forecaster.codec import ArtifactError, decode, encode, from_json, to_json
from forecaster.data.scaling import ScalerState


def test_json_values_round_trip_with_tuples_tagged():
    value = {"a": (1, 2.5, None), "b": [True, "x"], "c": {"d": ()}}
    stored = to_json(value, "v")
    assert stored["a"] == {"__tuple__": [1, 2.5, None]}
    assert from_json(stored) == value


def test_arrays_and_registered_dataclasses_round_trip():
    arrays = {}
    state = ScalerState("standard", np.zeros((2, 1)), np.ones((2, 1)))
    entry = encode(state, "scaler_", arrays)
    assert entry["type"] == "dataclass" and set(arrays) == {
        "scaler_.loc",
        "scaler_.scale",
    }
    back = decode(entry, "scaler_", arrays)
    assert back.kind == "standard" and np.array_equal(back.scale, state.scale)
    ids = encode(np.array(["a", "b"], dtype=object), "ids_", arrays)
    assert decode(ids, "ids_", arrays).dtype == object


@pytest.mark.parametrize(
    "value,message",
    [
        (object(), "Cannot save `v` of type object"),
        ({1: 2}, "dictionary keys must be strings"),
        (dataclasses.make_dataclass("Loose", ["x"])(1), "is not registered"),
        (np.array([1, "a"], dtype=object), "must hold only strings"),
    ],
)
def test_unsavable_values_are_named(value, message):
    with pytest.raises(TypeError, match=message):
        encode(value, "v", {})


@pytest.mark.parametrize(
    "entry,message",
    [
        ({"type": "pickle"}, "is malformed"),
        ({"type": "array", "key": "gone", "dtype": "float64"}, "lacks the array"),
        ({"type": "dataclass", "class": "os.system", "fields": {}}, "unknown state"),
        (
            {"type": "dataclass", "class": "ScalerState", "fields": {"kind": {}}},
            "has fields",
        ),
    ],
)
def test_undecodable_entries_are_artifact_errors(entry, message):
    with pytest.raises(ArtifactError, match=message):
        decode(entry, "x_", {})
