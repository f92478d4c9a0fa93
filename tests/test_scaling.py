import numpy as np
import pytest

from forecaster.data.scaling import fit_scaler, inverse_transform, transform

INDPTR = np.array([0, 4, 8])
VALUES = np.array([[1.0], [2.0], [3.0], [4.0], [10.0], [10.0], [10.0], [10.0]])


@pytest.mark.parametrize(
    "kind,loc,scale",
    [
        ("standard", [2.5, 10.0], [np.sqrt(1.25), 10.0]),
        ("robust", [2.5, 10.0], [1.5, 10.0]),
        ("minmax", [1.0, 10.0], [3.0, 10.0]),
        ("none", [0.0, 0.0], [1.0, 1.0]),
    ],
)
def test_known_state(kind, loc, scale):
    st = fit_scaler(kind, VALUES, INDPTR)
    np.testing.assert_allclose(st.loc.ravel(), loc)
    np.testing.assert_allclose(st.scale.ravel(), scale)


@pytest.mark.parametrize("kind", ["standard", "robust", "minmax", "none"])
def test_round_trip_and_constant_series_is_finite(kind):
    st = fit_scaler(kind, VALUES, INDPTR)
    z = transform(st, VALUES, INDPTR)
    assert z.dtype == np.float32 and np.isfinite(z).all()
    # the constant series (10, 10, 10, 10) maps to a constant, not NaN
    expected = 10.0 if kind == "none" else 0.0
    assert np.all(z[4:] == expected)
    back = inverse_transform(st, z[:, 0], np.repeat([0, 1], 4))
    np.testing.assert_allclose(back, VALUES[:, 0], rtol=1e-6)


def test_fitted_on_given_rows_only():
    # The scaler only sees what it is given: the caller passes the train part.
    train = fit_scaler("standard", VALUES[:2], np.array([0, 2]))
    assert train.loc[0, 0] == 1.5


@pytest.mark.parametrize("level", [1e30, 1e-30])
def test_extreme_magnitudes_stay_in_float32(level):
    rng = np.random.default_rng(0)
    v = (level * (1 + 0.01 * rng.normal(size=(50, 1)))).astype(np.float64)
    st = fit_scaler("standard", v, np.array([0, 50]))
    z = transform(st, v, np.array([0, 50]))
    assert np.isfinite(z).all() and np.abs(z).max() < 10


def test_unknown_kind():
    with pytest.raises(ValueError, match="argument `scaler`, expected one of"):
        fit_scaler("zscore", VALUES, INDPTR)


def test_inverse_of_horizon_matrix():
    st = fit_scaler("standard", VALUES, INDPTR)
    out = inverse_transform(st, np.zeros((2, 3)), np.array([0, 1]))
    np.testing.assert_allclose(out, [[2.5] * 3, [10.0] * 3])
