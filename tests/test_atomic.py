import os

import pytest

from forecaster.atomic import atomic_directory, backups_of


def test_atomic_directory_replaces_only_on_success(tmp_path):
    target = tmp_path / "artifact"
    with atomic_directory(target, "marker.json") as tmp:
        (tmp / "marker.json").write_text("v1")
    assert (target / "marker.json").read_text() == "v1"
    with pytest.raises(RuntimeError), atomic_directory(target, "marker.json") as tmp:
        (tmp / "marker.json").write_text("v2")
        raise RuntimeError("crash mid-save")
    assert (target / "marker.json").read_text() == "v1"
    assert backups_of(target) == []
    # no temporary directory is left behind after a failed save
    assert sorted(os.listdir(tmp_path)) == ["artifact"]


def test_refuses_to_replace_an_unrelated_directory(tmp_path):
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_text("meow")
    with pytest.raises(ValueError), atomic_directory(other, "marker.json") as tmp:
        (tmp / "marker.json").write_text("x")
    assert (other / "cat.jpg").exists()
