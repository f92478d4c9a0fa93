import re

import keras
import numpy as np
import pytest

from forecaster.models.spec import (
    ATTENTION_SCORES,
    ATTENTIONS,
    CELLS,
    LOSSES,
    MIXED_PRECISION_POLICIES,
    SCHEDULES,
    WINDOW_NORMS,
    WIRINGS,
    check_choice,
    check_loss,
    check_quantiles,
    head_size,
    median_of_quantiles,
)


def test_head_sizes():
    assert [head_size(loss, (0.1, 0.9)) for loss in LOSSES] == [1, 1, 1, 2, 2, 3]


def test_checks():
    assert check_loss("normal") == "normal"
    with pytest.raises(ValueError, match="argument `loss`"):
        check_loss("poisson")
    with pytest.raises(ValueError, match="argument `quantiles`"):
        check_quantiles((0.5, 0.1))


@pytest.mark.parametrize(
    "name,choices",
    [
        ("cell", CELLS),
        ("window_norm", WINDOW_NORMS),
        ("loss", LOSSES),
        ("wiring", WIRINGS),
        ("attention", ATTENTIONS),
        ("sampling_schedule", SCHEDULES),
        ("mixed_precision", MIXED_PRECISION_POLICIES),
    ],
)
def test_check_choice_returns_every_choice_and_names_the_argument(name, choices):
    for value in choices:
        assert check_choice(name, value, choices) is value
    msg = (
        f"Received an invalid value for argument `{name}`, expected one of "
        f"{choices}, got 'nope'."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(msg)}$"):
        check_choice(name, "nope", choices)


@pytest.mark.parametrize("bad", [["lstm"], np.array(["lstm"]), 1, b"lstm"])
def test_check_choice_rejects_non_strings_with_the_same_message(bad):
    # a one-element array or list equal to a choice is still not a choice
    with pytest.raises(ValueError, match="argument `cell`, expected one of"):
        check_choice("cell", bad, CELLS)


def test_none_is_a_choice_only_where_listed():
    assert check_choice("attention", None, ATTENTIONS) is None
    assert ATTENTIONS == (None, *ATTENTION_SCORES) == (None, "bahdanau", "luong")
    assert MIXED_PRECISION_POLICIES == (None, "mixed_float16", "mixed_bfloat16")
    with pytest.raises(ValueError, match=r"expected one of \('lstm'.*got None\."):
        check_choice("cell", None, CELLS)


def test_median_of_quantiles_level_interpolation_and_tails():
    q = np.arange(12.0).reshape(2, 2, 3) ** 1.5  # (N, H, Q), non-linear
    np.testing.assert_array_equal(median_of_quantiles(q, (0.1, 0.5, 0.9)), q[..., 1])
    w = (0.5 - 0.3) / (0.7 - 0.3)
    np.testing.assert_allclose(
        median_of_quantiles(q, (0.1, 0.3, 0.7)), (1 - w) * q[..., 1] + w * q[..., 2]
    )
    np.testing.assert_array_equal(median_of_quantiles(q, (0.6, 0.7, 0.8)), q[..., 0])
    np.testing.assert_array_equal(median_of_quantiles(q, (0.1, 0.2, 0.4)), q[..., 2])
    with pytest.raises(ValueError, match="argument `quantiles`"):
        median_of_quantiles(q, (0.5, 0.1, 0.9))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_median_of_quantiles_is_the_same_on_tensors(dtype):
    import tensorflow as tf

    q = np.random.default_rng(0).normal(size=(4, 3, 3)).cumsum(-1).astype(dtype)
    for levels in [(0.1, 0.5, 0.9), (0.05, 0.3, 0.9), (0.6, 0.7, 0.8)]:
        want = median_of_quantiles(q, levels)
        for tensor in (tf.constant(q), keras.ops.convert_to_tensor(q)):
            got = median_of_quantiles(tensor, levels)
            assert keras.backend.standardize_dtype(got.dtype) == dtype
            np.testing.assert_array_equal(keras.ops.convert_to_numpy(got), want)
