"""Lazy windows: an index of start positions, gathered per batch in tf.data.

A window is one integer, its start row ``s`` in the panel's flat array: the
lookback is rows ``s : s + lookback`` and the targets are rows
``s + lookback : s + lookback + horizon``. Memory therefore grows with the
data (one int64 per window), never with ``windows x lookback``; each batch is
one vectorised ``tf.gather``. No Keras here.

Shuffling is stateless. With the trainer's epoch variable, each epoch's
order is a function of ``(seed, epoch)`` alone, so a resumed run replays the
same batches. An *endless* dataset follows each pass by the next in one
iterator: Keras then keeps its iterator across epochs and the prefetch runs
over epoch boundaries, instead of a new iterator, and a cold prefetch
buffer, every epoch.
"""

from __future__ import annotations

import numpy as np

__all__ = ["window_starts", "split_lengths", "last_windows", "make_dataset"]


def window_starts(
    indptr: np.ndarray,
    lookback: int,
    horizon: int,
    min_end: np.ndarray | int | None = None,
    max_end: np.ndarray | int | None = None,
) -> np.ndarray:
    """Start rows of every window whose targets end within ``[min_end, max_end]``.

    Parameters
    ----------
    indptr : numpy.ndarray
        Series offsets, length ``n_series + 1``.
    lookback, horizon : int
        Window geometry.
    min_end, max_end : int or numpy.ndarray, optional
        Per-series bounds on the window's end (exclusive end of the targets),
        counted from the series' first point. Default: every full window.

    Returns
    -------
    numpy.ndarray
        int64 start rows, series-major and increasing.

    Examples
    --------
    >>> window_starts(np.array([0, 5, 9]), lookback=2, horizon=1).tolist()
    [0, 1, 2, 5, 6]
    >>> window_starts(np.array([0, 5]), 2, 1, min_end=5).tolist()
    [2]
    """
    lengths = np.diff(indptr).astype(np.int64)
    span = lookback + horizon
    lo = np.maximum(span, span if min_end is None else np.asarray(min_end, np.int64))
    hi = np.minimum(
        lengths, lengths if max_end is None else np.asarray(max_end, np.int64)
    )
    lo = np.broadcast_to(lo, lengths.shape)
    counts = np.maximum(hi - lo + 1, 0)
    total = int(counts.sum())
    # Vectorised concatenation of aranges: one pass, no Python loop per series.
    first = indptr[:-1] + lo - span
    offsets = np.arange(total, dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts
    )
    return np.repeat(first, counts) + offsets


def split_lengths(
    lengths: np.ndarray, val_size: int | float, horizon: int
) -> np.ndarray:
    """Length of each series' training part for a time-ordered validation split.

    ``val_size`` is a number of time steps per series (int), or a fraction of
    each series' length (float in (0, 1)); it is raised to ``horizon`` so that
    every series with a validation part has at least one validation window.
    The validation windows' targets all lie after the training part, so the
    training windows and the scaler never see them.

    Examples
    --------
    >>> split_lengths(np.array([100, 40]), 0.1, 6).tolist()
    [90, 34]
    >>> split_lengths(np.array([100]), 0, 6).tolist()
    [100]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    if not val_size:
        return lengths.copy()
    if isinstance(val_size, float) and val_size < 1:
        steps = np.round(lengths * val_size).astype(np.int64)
    else:
        steps = np.full_like(lengths, int(val_size))
    return lengths - np.maximum(steps, horizon)


def last_windows(values: np.ndarray, indptr: np.ndarray, lookback: int) -> np.ndarray:
    """The last ``lookback`` rows of every series, shape ``(n_series, lookback, F)``."""
    ends = indptr[1:]
    idx = ends[:, None] - lookback + np.arange(lookback)[None, :]
    return values[idx]


def make_dataset(
    values: np.ndarray,
    starts: np.ndarray,
    lookback: int,
    horizon: int,
    batch_size: int,
    shuffle: bool = False,
    seed: int | None = None,
    future_cols: tuple[int, ...] = (),
    indptr: np.ndarray | None = None,
    static: dict[str, np.ndarray] | None = None,
    epoch_variable=None,
    endless: bool = False,
):
    """A ``tf.data.Dataset`` of ``(inputs, targets)`` batches.

    Parameters
    ----------
    values : numpy.ndarray or tf.Tensor
        float32 ``(n_total, F)``, already scaled; column 0 is the target. A
        tensor is used as is, so that datasets over the same values share it.
    starts : numpy.ndarray
        Window start rows from :func:`window_starts`.
    lookback, horizon, batch_size : int
    shuffle : bool
        Reshuffle the windows at every pass (epoch).
    seed : int, optional
        Makes the order of every epoch reproducible.
    future_cols : tuple of int
        Columns known over the horizon, returned as ``inputs["future"]``.
    indptr : numpy.ndarray, optional
        Series offsets; needed with ``static``.
    static : dict of str to numpy.ndarray, optional
        Per-series arrays ``(n_series, k)``, returned per window under their key.
    epoch_variable : tf.Variable, optional
        int64 scalar, the batches already drawn, set by the trainer: each
        pass's order depends on (seed, pass) alone, and iteration starts at
        batch ``variable`` of that sequence (pass ``variable // passes``,
        where a pass is ``ceil(len(starts) / batch_size)`` batches).
    endless : bool
        All passes in one iterator (train with ``steps_per_epoch``).

    Returns
    -------
    tf.data.Dataset
        ``inputs``, a dict: ``history`` float32 ``(B, lookback, F)``, maybe
        ``future`` ``(B, horizon, len(future_cols))`` and the ``static`` keys;
        ``targets``, float32 ``(B, horizon)``.
    """
    static = dict(static or {})
    if static and indptr is None:
        raise ValueError("make_dataset needs indptr to look up static features.")
    batch_of = _batcher(
        values, len(starts), lookback, horizon, batch_size, future_cols, indptr, static
    )
    per_pass = -(-len(starts) // batch_size)
    ds = _passes(batch_of, starts, shuffle, seed, epoch_variable, endless, per_pass)
    return _prefetched(ds, per_pass, endless)


def _prefetched(ds, per_pass: int, endless: bool):
    """``ds`` with its cardinality stated (``per_pass`` batches, or endless)
    and prefetched."""
    import tensorflow as tf

    size = tf.data.INFINITE_CARDINALITY if endless else per_pass
    ds = ds.apply(tf.data.experimental.assert_cardinality(size))
    return ds.prefetch(tf.data.AUTOTUNE)


def _batcher(
    values,
    n: int,
    lookback: int,
    horizon: int,
    batch_size: int,
    future_cols: tuple[int, ...],
    indptr: np.ndarray | None,
    static: dict[str, np.ndarray],
):
    """A function from an order of the ``n`` window starts to its batches.

    The returned ``batch_of(order)`` is a ``tf.data.Dataset`` of
    ``ceil(n / batch_size)`` ``(inputs, targets)`` batches, each one gather
    of ``order``'s next ``batch_size`` windows.
    """
    import tensorflow as tf

    if tf.is_tensor(values):
        data = values
    else:
        data = tf.constant(np.asarray(values, dtype=np.float32))
    n_batches = -(-n // batch_size)
    span = tf.range(lookback + horizon, dtype=tf.int64)
    fcols = tf.constant(list(future_cols), dtype=tf.int32)
    bounds = tf.constant(np.asarray(indptr[1:] if static else [0], dtype=np.int64))
    tables = {k: tf.constant(v) for k, v in static.items()}

    def gather(order, b):
        # B: batch, L: lookback, H: horizon, F: features
        lo = b * batch_size
        rows = order[lo : tf.minimum(lo + batch_size, n)]  # (B,)
        block = tf.gather(data, rows[:, None] + span[None, :])  # (B, L+H, F)
        inputs = {"history": block[:, :lookback, :]}  # (B, L, F)
        if future_cols:
            inputs["future"] = tf.gather(block[:, lookback:, :], fcols, axis=2)
        if tables:
            # series of each window: first offset beyond its start row
            series = tf.searchsorted(bounds, rows, side="right")
            for k, t in tables.items():
                inputs[k] = tf.gather(t, series)
        return inputs, block[:, lookback:, 0]  # targets (B, H)

    def batch_of(order):
        return tf.data.Dataset.range(n_batches).map(lambda b: gather(order, b))

    return batch_of


def _passes(
    batch_of,
    starts: np.ndarray,
    shuffle: bool,
    seed: int | None,
    epoch_variable,
    endless: bool,
    per_pass: int = 1,
):
    """The batches of every pass over the windows, one pass unless ``endless``.

    Unshuffled, every pass is the same batches, repeated; shuffled, each
    pass cuts its own order (a ``(n,)`` int64 permutation) into batches.
    """
    import tensorflow as tf

    index = tf.constant(np.asarray(starts, dtype=np.int64))
    if not shuffle:
        return batch_of(index).repeat() if endless else batch_of(index)
    if epoch_variable is None:
        return _orders_by_pass(index, seed, endless).flat_map(batch_of)
    if not endless:
        return _orders_by_epoch(index, seed, epoch_variable, per_pass, False).flat_map(
            batch_of
        )
    # read the variable when iteration starts: resume inside a pass
    start = tf.data.Dataset.from_tensors(np.int64(0))
    return start.flat_map(
        lambda _: (
            _orders_by_epoch(index, seed, epoch_variable, per_pass, True)
            .flat_map(batch_of)
            .skip(tf.cast(epoch_variable, tf.int64) % per_pass)
        )
    )


def _orders_by_epoch(
    index, seed: int | None, epoch_variable, per_pass: int, endless: bool
):
    """Window orders, one per pass, each a function of ``(seed, pass)`` alone.

    A stateless shuffle keyed by (seed, pass) gives one ``(n,)`` int64
    permutation per pass, not a buffer of one tensor per window, and the
    same permutation again when training resumes mid-way. The first pass is
    the one holding batch ``epoch_variable`` (batches drawn so far).
    """
    import tensorflow as tf

    base = tf.constant(int(np.random.default_rng(seed).integers(2**31)), tf.int64)
    start = tf.data.Dataset.from_tensors(np.int64(0))
    first = lambda: tf.cast(epoch_variable, tf.int64) // per_pass  # noqa: E731
    if endless:
        # the variable is read when iteration starts; later passes count on
        epochs = start.flat_map(
            lambda _: tf.data.Dataset.range(first(), np.iinfo(np.int64).max)
        )
    else:
        epochs = start.map(lambda _: first())
    return epochs.map(
        lambda e: tf.random.experimental.stateless_shuffle(
            index, seed=tf.stack([base, e])
        )
    )


def _orders_by_pass(index, seed: int | None, endless: bool):
    """Window orders, one per pass over the data, from a seed stream.

    Without an epoch variable, a seed stream that re-randomises at each pass
    over the data gives each epoch its own permutation.
    """
    import tensorflow as tf

    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    return (seeds if endless else seeds.take(1)).map(
        lambda s: tf.random.experimental.stateless_shuffle(
            index, seed=tf.stack([s, tf.constant(0, tf.int64)])
        )
    )
