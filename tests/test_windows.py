import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from forecaster.data.windows import (
    last_windows,
    make_dataset,
    split_lengths,
    window_starts,
)


def test_window_starts_every_full_window():
    st = window_starts(np.array([0, 5, 9]), lookback=2, horizon=1)
    assert st.tolist() == [0, 1, 2, 5, 6]


def test_train_and_validation_windows_split_in_time():
    indptr = np.array([0, 20])
    train_len = split_lengths(np.array([20]), 5, horizon=2)
    assert train_len.tolist() == [15]
    train = window_starts(indptr, 4, 2, max_end=train_len)
    val = window_starts(indptr, 4, 2, min_end=train_len + 1)
    # every training target lies in the first 15 points
    assert (train + 4 + 2).max() == 15
    # every validation window has a target after the training part
    assert (val + 4 + 2).min() == 16 and (val + 6).max() == 20
    assert len(train) + len(val) == len(window_starts(indptr, 4, 2))


def test_val_size_fraction_and_minimum_horizon():
    assert split_lengths(np.array([100]), 0.02, 6).tolist() == [94]
    assert split_lengths(np.array([100]), 0, 6).tolist() == [100]


def test_dataset_gathers_the_right_rows():
    values = np.arange(30, dtype=np.float32).reshape(15, 2)
    starts = window_starts(np.array([0, 8, 15]), 3, 2)
    ds = make_dataset(values, starts, 3, 2, batch_size=4)
    xs, ys = zip(*[(x["history"].numpy(), y.numpy()) for x, y in ds], strict=True)
    x, y = np.concatenate(xs), np.concatenate(ys)
    assert x.shape == (len(starts), 3, 2) and y.shape == (len(starts), 2)
    for i, s in enumerate(starts):
        np.testing.assert_array_equal(x[i], values[s : s + 3])
        np.testing.assert_array_equal(y[i], values[s + 3 : s + 5, 0])


def test_shuffle_reshuffles_each_epoch_reproducibly():
    values = np.arange(200, dtype=np.float32)[:, None]
    starts = window_starts(np.array([0, 200]), 4, 1)
    ds = make_dataset(values, starts, 4, 1, 16, shuffle=True, seed=7)
    assert int(ds.cardinality()) == -(-len(starts) // 16)
    e1 = np.concatenate([y.numpy()[:, 0] for _, y in ds])
    e2 = np.concatenate([y.numpy()[:, 0] for _, y in ds])
    assert sorted(e1) == sorted(e2) == sorted(values[starts + 4, 0])
    assert not np.array_equal(e1, e2)
    again = make_dataset(values, starts, 4, 1, 16, shuffle=True, seed=7)
    np.testing.assert_array_equal(
        np.concatenate([y.numpy()[:, 0] for _, y in again]), e1
    )


def test_endless_dataset_runs_the_epochs_of_the_per_epoch_one():
    # One iterator over successive passes, starting at the batch the
    # variable names (batches drawn) when iteration starts: the same batches
    # as one iterator per pass (the resumable order), without a cold start at
    # every epoch.
    import tensorflow as tf

    values = np.arange(120, dtype=np.float32)[:, None]
    starts = window_starts(np.array([0, 120]), 4, 1)
    n_batches = -(-len(starts) // 16)
    epoch = tf.Variable(0, dtype=tf.int64)
    common = dict(shuffle=True, seed=3, epoch_variable=epoch)
    per_epoch = make_dataset(values, starts, 4, 1, 16, **common)
    expected = []
    for e in (2, 3, 4):
        epoch.assign(e * n_batches)
        expected.append(np.concatenate([y.numpy()[:, 0] for _, y in per_epoch]))
    epoch.assign(2 * n_batches)  # e.g. resumed at epoch 2
    endless = make_dataset(values, starts, 4, 1, 16, endless=True, **common)
    assert int(endless.cardinality()) == int(tf.data.INFINITE_CARDINALITY)
    it = iter(endless)
    batches = [next(it)[1].numpy()[:, 0]]
    epoch.assign(0)  # read when iteration starts only: later writes change nothing
    batches += [next(it)[1].numpy()[:, 0] for _ in range(3 * n_batches - 1)]
    got = [
        np.concatenate(batches[k * n_batches : (k + 1) * n_batches]) for k in range(3)
    ]
    for g, want in zip(got, expected, strict=True):
        np.testing.assert_array_equal(g, want)
    assert not np.array_equal(got[0], got[1])


def test_endless_dataset_resumes_inside_a_pass():
    # a step budget checks validation every k < n_batches steps: a run
    # resumed after 5 batches draws batch 6 onwards of the same sequence
    import tensorflow as tf

    values = np.arange(120, dtype=np.float32)[:, None]
    starts = window_starts(np.array([0, 120]), 4, 1)
    drawn = tf.Variable(0, dtype=tf.int64)
    common = dict(shuffle=True, seed=3, epoch_variable=drawn, endless=True)
    it = iter(make_dataset(values, starts, 4, 1, 16, **common))
    whole = [next(it)[1].numpy()[:, 0] for _ in range(12)]
    drawn.assign(5)
    it = iter(make_dataset(values, starts, 4, 1, 16, **common))
    resumed = [next(it)[1].numpy()[:, 0] for _ in range(7)]
    for g, want in zip(resumed, whole[5:], strict=True):
        np.testing.assert_array_equal(g, want)


def test_endless_validation_dataset_repeats_in_order():
    values = np.arange(50, dtype=np.float32)[:, None]
    starts = window_starts(np.array([0, 50]), 4, 2)
    ds = make_dataset(values, starts, 4, 2, 8, endless=True)
    n_batches = -(-len(starts) // 8)
    it = iter(ds)
    one = [next(it)[1].numpy() for _ in range(n_batches)]
    two = [next(it)[1].numpy() for _ in range(n_batches)]
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.concatenate(one)[:, 0], starts + 4)


def test_future_covariates_and_static_per_window():
    values = np.stack([np.arange(20.0), 100 + np.arange(20.0)], axis=1).astype(
        "float32"
    )
    indptr = np.array([0, 12, 20])
    starts = window_starts(indptr, 3, 2)
    static = {"static_numeric": np.array([[1.0], [2.0]], "float32")}
    ds = make_dataset(
        values, starts, 3, 2, 5, future_cols=(1,), indptr=indptr, static=static
    )
    got = [(x, y) for x, y in ds]
    fut = np.concatenate([x["future"].numpy() for x, _ in got])
    stat = np.concatenate([x["static_numeric"].numpy() for x, _ in got])[:, 0]
    for i, s in enumerate(starts):
        np.testing.assert_array_equal(fut[i, :, 0], values[s + 3 : s + 5, 1])
        assert stat[i] == (1.0 if s < 12 else 2.0)


def test_last_windows():
    values = np.arange(10, dtype=np.float32)[:, None]
    w = last_windows(values, np.array([0, 4, 10]), 3)
    assert w[:, :, 0].tolist() == [[1, 2, 3], [7, 8, 9]]


MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, resource
    import numpy as np
    import tensorflow as tf
    from forecaster.data.windows import make_dataset, window_starts

    n, lookback = 2_000_000, 512
    values = np.sin(np.arange(n, dtype=np.float32) / 50)[:, None]
    starts = window_starts(np.array([0, n]), lookback, 1)
    ds = make_dataset(values, starts, lookback, 1, batch_size=1024, shuffle=True, seed=0)
    next(iter(ds))  # warm up the pipeline's functions
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    count = 0
    for x, y in ds:
        count += int(y.shape[0])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"raise": after - before, "series_bytes": values.nbytes,
                      "windows": count, "n_windows": len(starts)}))
    """
)


def test_one_epoch_memory_grows_with_data_not_windows():
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["windows"] == r["n_windows"] == 2_000_000 - 512
    # materialised windows would be ~512x the series' bytes
    assert r["raise"] < 10 * r["series_bytes"], r


def test_memory_script_is_meaningful():
    # windows x lookback for this test would be far above the 10x bound
    assert (2_000_000 - 512) * 512 * 4 > 500 * 2_000_000 * 4


@pytest.mark.parametrize("bad", [0, -1])
def test_window_starts_empty_when_too_short(bad):
    assert window_starts(np.array([0, 3]), 3, 1, max_end=np.array([bad])).size == 0
