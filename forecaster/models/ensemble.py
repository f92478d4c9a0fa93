"""Deep ensembles: K members of one family trained in one model.

``build_ensemble(build_member, K)`` builds K members (each draws its own
initial weights from Keras's seed stream) and wires them into one
:class:`~forecaster.models.networks.Networks`:

* ``train``: the members side by side, ``(B, K, H[, P])``, trained by
  :class:`MembersLoss`, the sum of each member's own loss. Adam and Keras's
  per-variable ``clipnorm`` act on each weight alone, so each member's
  updates are exactly those of its solo fit on the same batches, and one
  compiled step (one ``tf.function``, one data pipeline, one dispatch)
  trains them all: the per-step overhead that dominates small recurrent
  models on CPU is paid once, not K times.
* ``predict``: the members' forecasts combined by :class:`CombineMembers`:
  the median (point losses, robust to a member that went astray), the mean
  of each quantile (``quantile``: Vincentisation, which keeps the levels
  ordered) or the moment-matched mixture (``normal`` / ``student_t``, as in
  Lakshminarayanan et al., 2017).
* ``sampler``: every row is one member's path, members taken in turn along
  the rows (pooling: S paths of a series come from all K members).
* ``attention``: the combined forecasts and the members' mean weights.

>>> from forecaster.models.many_to_one import build_many_to_one
>>> nets = build_ensemble(lambda: build_many_to_one(8, 1, 3, hidden_units=4), 3)
>>> nets.train.output_shape, nets.predict.output_shape, nets.members
((None, 3, 3), (None, 3), 3)
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import ops

from forecaster.models.networks import Networks
from forecaster.models.spec import POINT_LOSSES, check_loss

__all__ = ["CombineMembers", "MembersLoss", "SelectMember", "build_ensemble"]


def build_ensemble(build_member: Callable[[], Networks], size: int) -> Networks:
    """K members of ``build_member()`` as one :class:`Networks` (module docstring).

    Parameters
    ----------
    build_member : callable
        Returns one member's networks; called ``size`` times, in order, so a
        seeded Keras seed stream gives every member its own initial weights.
    size : int
        Members ``K`` (1 returns the member itself, unchanged).

    Returns
    -------
    Networks
        With ``members = size``.
    """
    if size == 1:
        return build_member()
    members = [build_member() for _ in range(size)]
    first = members[0]
    combine = CombineMembers(first.loss, name="combine_members")
    train = _joined(members, "train", keras.layers.Concatenate(axis=1), "ensemble")
    predict = _joined(members, "predict", combine, "ensemble_predict")
    return Networks(
        train,
        predict,
        loss=first.loss,
        quantiles=first.quantiles,
        sampler=_sampler(members) if first.sampler is not None else None,
        attention=(
            _attention(members, combine) if first.attention is not None else None
        ),
        members=size,
    )


def _inputs_like(model) -> dict:
    """Fresh ``keras.Input``s with the names, shapes and dtypes of ``model``'s."""
    struct = model.input if isinstance(model.input, dict) else {"history": model.input}
    return {
        name: keras.Input(t.shape[1:], dtype=t.dtype, name=name)
        for name, t in struct.items()
    }


def _member_outputs(members, which: str, inputs: dict, expand: bool = True) -> list:
    """Each member's ``which`` network on the shared ``inputs``, renamed so
    that the K nested models are distinct layers of the ensemble."""
    outs = []
    for k, m in enumerate(members):
        net = getattr(m, which)
        member = keras.Model(net.input, net.output, name=f"member_{k}_{which}")
        out = member(inputs)
        outs.append(ops.expand_dims(out, 1) if expand else out)
    return outs


def _joined(members, which: str, join, name: str):
    """``which`` networks of every member, ``(B, 1, ...)`` each, through ``join``."""
    inputs = _inputs_like(getattr(members[0], which))
    return keras.Model(inputs, join(_member_outputs(members, which, inputs)), name=name)


def _sampler(members):
    """Row ``r`` is member ``r mod K``'s sampled path ``(B, H)``."""
    inputs = _inputs_like(members[0].sampler)
    paths = keras.layers.Concatenate(axis=1)(
        _member_outputs(members, "sampler", inputs)
    )  # (B, K, H)
    return keras.Model(inputs, SelectMember()(paths), name="ensemble_sampler")


def _attention(members, combine):
    """``[combined forecasts, the members' mean attention weights (B, H, L)]``."""
    inputs = _inputs_like(members[0].attention)
    pairs = _member_outputs(members, "attention", inputs, expand=False)
    forecasts = combine([ops.expand_dims(f, 1) for f, _ in pairs])
    weights = keras.layers.Average()([w for _, w in pairs])
    return keras.Model(inputs, [forecasts, weights], name="ensemble_attention")


@keras.saving.register_keras_serializable(package="forecaster")
class CombineMembers(keras.layers.Layer):
    """Combine K members' forecasts ``(B, 1, H[, P])`` each into ``(B, H[, P])``.

    Parameters
    ----------
    loss : str
        The members' head (:mod:`forecaster.models.spec`): point losses take
        the median over members (the mean of the middle two for even K),
        ``quantile`` the mean of each level, ``normal`` / ``student_t`` the
        mixture's mean and variance (``student_t``: the members' mean
        ``df``, the scale that gives the mixture's variance).
    """

    def __init__(self, loss: str = "mse", **kwargs):
        super().__init__(**kwargs)
        check_loss(loss)
        self.loss = loss

    def call(self, members):
        # B: batch, K: members, H: horizon, P: outputs per step
        x = ops.concatenate(members, axis=1)  # (B, K, H[, P])
        if self.loss in POINT_LOSSES:
            return _median_over_members(x)  # (B, H)
        if self.loss == "quantile":
            return ops.mean(x, axis=1)  # (B, H, Q)
        return _moment_matched(x, self.loss)  # (B, H, P)

    def get_config(self):
        return {**super().get_config(), "loss": self.loss}


def _median_over_members(x):
    """``(B, K, H) -> (B, H)``: the median along the members axis."""
    k = x.shape[1]
    s = ops.sort(ops.moveaxis(x, 1, -1), axis=-1)  # (B, H, K)
    if k % 2:
        return s[..., k // 2]
    return 0.5 * (s[..., k // 2 - 1] + s[..., k // 2])


def _moment_matched(x, loss: str):
    """``(B, K, H, P) -> (B, H, P)``: one distribution with the mixture's
    mean and variance (``P``: loc, scale[, df])."""
    loc, scale = x[..., 0], x[..., 1]  # (B, K, H)
    if loss == "student_t":
        df = x[..., 2]
        var = ops.square(scale) * df / (df - 2.0)  # df > 2 by construction
    else:
        var = ops.square(scale)
    mean = ops.mean(loc, axis=1)  # (B, H)
    mix_var = ops.mean(var + ops.square(loc), axis=1) - ops.square(mean)
    mix_var = ops.maximum(mix_var, ops.min(var, axis=1))  # float rounding
    if loss == "student_t":
        mix_df = ops.mean(df, axis=1)
        mix_scale = ops.sqrt(mix_var * (mix_df - 2.0) / mix_df)
        return ops.stack([mean, mix_scale, mix_df], axis=-1)
    return ops.stack([mean, ops.sqrt(mix_var)], axis=-1)


@keras.saving.register_keras_serializable(package="forecaster")
class SelectMember(keras.layers.Layer):
    """``(B, K, H) -> (B, H)``: row ``r`` keeps member ``r mod K``."""

    def call(self, paths):
        # B: batch, K: members, H: horizon
        k = paths.shape[1]
        rows = ops.arange(ops.shape(paths)[0]) % k  # (B,)
        pick = ops.one_hot(rows, k, dtype=paths.dtype)  # (B, K)
        return ops.sum(paths * pick[:, :, None], axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="forecaster")
class MembersLoss(keras.losses.Loss):
    """The sum over members of ``base``'s loss: ``y_pred`` ``(B, K, H[, P])``.

    Each member's gradient is the one its solo fit would get.

    Parameters
    ----------
    base : keras.losses.Loss
        The members' loss (``y_true`` ``(B, H)``, ``y_pred`` ``(B, H[, P])``).
    """

    def __init__(self, base: keras.losses.Loss, name: str = "members_loss"):
        super().__init__(name=name)
        self.base = base

    def call(self, y_true, y_pred):
        total = 0.0
        for k in range(y_pred.shape[1]):
            total = total + self.base.call(y_true, y_pred[:, k])  # (B,)
        return total

    def get_config(self):
        return {
            "name": self.name,
            "base": keras.saving.serialize_keras_object(self.base),
        }

    @classmethod
    def from_config(cls, config):
        base = keras.saving.deserialize_keras_object(config.pop("base"))
        return cls(base, **config)
