import numpy as np
import pytest

from forecaster.data.scaling import fit_scaler
from forecaster.estimators.inputs import (
    Layout,
    drop_short_series,
    frame_panel,
    keep_unscaled,
)
from tests.conftest import make_frame


def test_layout_column_roles():
    lay = Layout(past=("p",), future=("f1", "f2"), calendar=("hour",), static=("s",))
    assert lay.frame_cols == ["p", "f1", "f2"]
    assert lay.n_features == 1 + 1 + 2 + 2
    assert lay.future_idx == (2, 3, 4, 5)
    assert lay.calendar_idx == (4, 5)


def test_frame_panel_adds_calendar_columns():
    df = make_frame({"a": np.arange(30.0)})
    df["p"] = 1.0
    p = frame_panel(
        df, Layout(past=("p",), calendar=("hour",)), "unique_id", "ds", "y", None
    )
    assert p.features == ("y", "p", "hour_sin", "hour_cos")
    np.testing.assert_allclose(p.values[6, 2], 1.0, atol=1e-6)  # 06:00 -> sin = 1


def test_drop_short_series_keeps_layout():
    df = make_frame({"a": np.arange(10.0), "b": np.arange(3.0), "c": np.arange(12.0)})
    p = frame_panel(df, Layout(), "unique_id", "ds", "y", None)
    with pytest.warns(UserWarning, match=r"Dropped 1 series .*\['b'\]"):
        kept = drop_short_series(p, 5, True, "why")
    assert kept.ids.tolist() == ["a", "c"]
    assert kept.indptr.tolist() == [0, 10, 22]
    assert kept.values[10:, 0].tolist() == list(range(12))


def test_drop_short_series_all_short_still_raises():
    p = frame_panel(
        make_frame({"a": np.arange(3.0)}), Layout(), "unique_id", "ds", "y", "h"
    )
    with pytest.raises(ValueError, match="shorter than 5 points"):
        drop_short_series(p, 5, True, "why")


def test_keep_unscaled():
    st = fit_scaler("standard", np.array([[1.0, 5.0], [3.0, 9.0]]), np.array([0, 2]))
    kept = keep_unscaled(st, (1,))
    assert kept.loc[0, 1] == 0 and kept.scale[0, 1] == 1
    assert kept.loc[0, 0] == 2.0
