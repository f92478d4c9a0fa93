"""Deep ensembles: members trained as one model, combined at predict."""

import keras
import numpy as np
import pytest
from scipy import stats

from forecaster.models.ensemble import (
    CombineMembers,
    MembersLoss,
    SelectMember,
    build_ensemble,
)
from forecaster.models.losses import make_loss
from forecaster.models.many_to_one import build_many_to_one


def _members(values):
    """(B, K, ...) array -> the list of K (B, 1, ...) member outputs."""
    return [values[:, k : k + 1] for k in range(values.shape[1])]


@pytest.mark.parametrize("k", [3, 4])
def test_point_forecasts_combine_by_the_median(k):
    x = np.random.default_rng(0).normal(size=(5, k, 7)).astype("float32")
    got = keras.ops.convert_to_numpy(CombineMembers("mse")(_members(x)))
    np.testing.assert_allclose(got, np.median(x, axis=1), rtol=1e-6)


def test_quantiles_combine_by_their_mean_and_stay_ordered():
    rng = np.random.default_rng(1)
    x = np.sort(rng.normal(size=(4, 3, 6, 3)), axis=-1).astype("float32")
    got = keras.ops.convert_to_numpy(CombineMembers("quantile")(_members(x)))
    np.testing.assert_allclose(got, x.mean(axis=1), rtol=1e-6)
    assert (np.diff(got, axis=-1) >= 0).all()


def test_normal_members_combine_to_the_mixtures_mean_and_variance():
    rng = np.random.default_rng(2)
    loc, scale = rng.normal(size=(4, 3, 5)), rng.uniform(0.5, 2, size=(4, 3, 5))
    x = np.stack([loc, scale], axis=-1).astype("float32")
    got = keras.ops.convert_to_numpy(CombineMembers("normal")(_members(x)))
    mean = loc.mean(axis=1)
    var = (scale**2 + loc**2).mean(axis=1) - mean**2
    np.testing.assert_allclose(got[..., 0], mean, rtol=1e-5)
    np.testing.assert_allclose(got[..., 1], np.sqrt(var), rtol=1e-5)


def test_student_t_members_keep_the_mixtures_variance():
    rng = np.random.default_rng(3)
    loc, scale = rng.normal(size=(2, 3, 4)), rng.uniform(0.5, 2, size=(2, 3, 4))
    df = rng.uniform(3, 10, size=(2, 3, 4))
    x = np.stack([loc, scale, df], axis=-1).astype("float32")
    got = keras.ops.convert_to_numpy(CombineMembers("student_t")(_members(x)))
    var = np.vectorize(lambda d, s: stats.t(d, scale=s).var(), otypes=[float])(
        df, scale
    )
    mix_var = (var + loc**2).mean(axis=1) - loc.mean(axis=1) ** 2
    got_var = np.vectorize(lambda d, s: stats.t(d, scale=s).var(), otypes=[float])(
        got[..., 2], got[..., 1]
    )
    np.testing.assert_allclose(got_var, mix_var, rtol=1e-4)
    np.testing.assert_allclose(got[..., 2], df.mean(axis=1), rtol=1e-5)


def test_sampler_rows_take_the_members_in_turn():
    paths = np.arange(5 * 3 * 2, dtype="float32").reshape(5, 3, 2)
    got = keras.ops.convert_to_numpy(SelectMember()(paths))
    np.testing.assert_array_equal(got, paths[np.arange(5), np.arange(5) % 3])


def test_members_loss_gives_each_member_its_solo_gradient():
    keras.utils.set_random_seed(0)
    nets = build_ensemble(lambda: build_many_to_one(6, 1, 2, hidden_units=3), 2)
    x = np.random.default_rng(4).normal(size=(8, 6, 1)).astype("float32")
    y = np.random.default_rng(5).normal(size=(8, 2)).astype("float32")
    base, joint = make_loss("mse"), MembersLoss(make_loss("mse"))
    out = keras.ops.convert_to_numpy(nets.train({"history": x}))
    solo = [float(base(y, out[:, k])) for k in range(2)]
    assert float(joint(y, out)) == pytest.approx(sum(solo), rel=1e-6)


def test_ensemble_members_start_from_different_weights_and_share_inputs():
    keras.utils.set_random_seed(0)
    nets = build_ensemble(lambda: build_many_to_one(6, 1, 2, hidden_units=3), 3)
    assert nets.members == 3 and nets.train.output_shape == (None, 3, 2)
    assert len(nets.train.inputs) == 1
    first = [w for w in nets.train.weights if "kernel" in w.path]
    assert len({tuple(np.ravel(w.numpy())[:3]) for w in first}) == len(first)
    single = build_ensemble(lambda: build_many_to_one(6, 1, 2, hidden_units=3), 1)
    assert single.members == 1 and single.train.output_shape == (None, 2)
