"""Export a fitted estimator as a self-contained TensorFlow SavedModel.

The SavedModel needs neither this package nor Keras to run: plain
``tf.saved_model.load(path)`` (or TensorFlow Serving) gives the
``serving_default`` signature (B: batch, L: lookback, H: horizon)::

    inputs   history    float32 (B, L, n_features)  raw data units, oldest
                        step first, columns in metadata "features" order
                        (target first, then past / future covariates and
                        calendar sin/cos columns the model was fitted with)
             unique_id  string  (B,)                series id
             future     float32 (B, H, n_future)    only for models fitted
                        with future covariates or calendar features: their
                        values over the horizon, metadata "future_features"
    outputs  yhat       float32 (B, H)              forecasts in data units

Inside the graph: look ``unique_id`` up in the per-series scaler state fitted
on the training data (embedded as constants) -> scale -> the family's
prediction network (``estimator.networks_.predict``) -> undo the scaling. An
id not seen in training (``""`` included) is scaled by the statistics of its
own lookback window, with the same kind of scaler; ``estimator.predict(df)``
instead uses the whole new history of an unseen series, so the two agree
exactly only when that history is one lookback long. Static features come
from the fitted rows of known ids; an unseen id gets the "unknown" category
and the training mean of numeric static features.

A ``metadata.json`` asset (``assets/metadata.json``; ``loaded.metadata``
in Python) records horizon, lookback, features, frequency, the number of
series and the input and output names.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from forecaster._version import __version__
from forecaster.atomic import atomic_directory
from forecaster.models.networks import Networks
from forecaster.models.spec import median_of_quantiles

__all__ = ["export_saved_model"]

SIGNATURE = "serving_default"
METADATA_FILE = "metadata.json"


def _window_scaler(tf, kind: str, x):
    """``fit_scaler`` of ``forecaster.data.scaling`` per window, in the graph.

    ``x`` is float64 ``(B, L, F)``; returns ``loc``, ``scale`` ``(B, F)``.
    """
    if kind == "none":
        zeros = tf.zeros_like(x[:, 0, :])
        return zeros, tf.ones_like(zeros)
    if kind == "standard":
        loc = tf.reduce_mean(x, axis=1)
        scale = tf.sqrt(tf.reduce_mean(tf.square(x - loc[:, None, :]), axis=1))
    elif kind == "minmax":
        loc = tf.reduce_min(x, axis=1)
        scale = tf.reduce_max(x, axis=1) - loc
    elif kind == "robust":
        # np.percentile's default linear interpolation; L is static.
        xs = tf.sort(x, axis=1)
        n = int(x.shape[1])

        def percentile(q: float):
            pos = q / 100.0 * (n - 1)
            lo, hi = int(np.floor(pos)), int(np.ceil(pos))
            a, b = xs[:, lo, :], xs[:, hi, :]
            return a + (b - a) * (pos - lo)

        loc = percentile(50.0)
        scale = percentile(75.0) - percentile(25.0)
    else:
        raise ValueError(f"No in-graph scaler for scaler kind {kind!r}.")
    # _safe_scale: degenerate scales fall back to |loc| (or 1).
    degenerate = tf.logical_or(
        tf.logical_not(scale > 1e-7 * tf.abs(loc)),
        tf.logical_not(tf.math.is_finite(scale)),
    )
    fallback = tf.where(tf.abs(loc) > 0, tf.abs(loc), tf.ones_like(loc))
    return loc, tf.where(degenerate, fallback, scale)


def _serving_outputs(networks: Networks, raw, loc, scale) -> dict:
    """Name what the predict network serves and return it in data units.

    ``raw`` is the predict network's output on scaled inputs; ``loc`` and
    ``scale`` are the target's scaler, float64 ``(B,)``. The bundle's loss
    says what ``raw`` holds:

    * a point loss: ``yhat`` ``(B, H)``;
    * ``quantile``: ``quantiles`` ``(B, H, Q)`` at the fitted levels and
      ``yhat``, their median, as ``predict`` reports it;
    * ``normal`` / ``student_t``: ``yhat`` (= ``loc``), ``scale`` and, for
      Student-t, ``df`` ``(B, H)``: the predictive distribution per step.

    For the seq2seq family these are each step's outputs along the
    free-running point path (``predict`` without ``num_samples``); sample
    paths through the decoder are not served.
    """
    from forecaster.models.heads import denormalize

    # B: batch, H: horizon, P: outputs per step
    out = denormalize(raw, loc, scale, networks.loss)  # (B, H[, P]), float64
    if networks.is_point:
        return {"yhat": out}
    if networks.loss == "quantile":
        return {"yhat": median_of_quantiles(out, networks.quantiles), "quantiles": out}
    served = {"yhat": out[..., 0], "scale": out[..., 1]}
    if networks.loss == "student_t":
        served["df"] = out[..., 2]
    return served


def _call_model(model, inputs: dict):
    """Call a functional model with the structure it was built with."""
    struct = model.input
    if isinstance(struct, dict):
        return model({k: inputs[k] for k in struct}, training=False)
    if isinstance(struct, list | tuple):
        return model([inputs[t.name] for t in struct], training=False)
    return model(inputs["history"], training=False)


def _layout(estimator) -> dict:
    """Feature names and covariate positions of a fitted estimator."""
    from forecaster.data.covariates import calendar_columns

    layout = estimator.layout_
    names = [
        str(estimator.target_col),
        *layout.past,
        *layout.future,
        *calendar_columns(layout.calendar),
    ]
    return {
        "features": names,
        "future_idx": tuple(layout.future_idx),
        "calendar_idx": tuple(layout.calendar_idx),
        "static": tuple(layout.static),
    }


def _build_module(estimator):
    """A ``tf.Module`` holding the network, the scaler state and the id table."""
    import tensorflow as tf

    scaler = estimator.scaler_
    lookback, n_features = int(estimator.lookback_), int(estimator.n_features_)
    # Fail at export, not at serving time, for a scaler without a graph version.
    _window_scaler(tf, scaler.kind, tf.zeros((1, lookback, n_features), tf.float64))
    layout = _layout(estimator)
    module = _module(tf, estimator, layout)
    specs = [
        tf.TensorSpec((None, lookback, n_features), tf.float32, "history"),
        tf.TensorSpec((None,), tf.string, "unique_id"),
    ]
    if layout["future_idx"]:
        shape = (None, int(estimator.horizon), len(layout["future_idx"]))
        specs.append(tf.TensorSpec(shape, tf.float32, "future"))

        def serve(history, unique_id, future):
            return _forecast(tf, module, history, unique_id, future)
    else:

        def serve(history, unique_id):
            return _forecast(tf, module, history, unique_id)

    module.serve = tf.function(serve, input_signature=specs)
    return module, layout


def _module(tf, estimator, layout: dict):
    """The network, the fitted scaler rows, the id table and the static rows."""
    module = tf.Module(name="forecaster")
    module.model = estimator.networks_.predict  # tracked: its variables are saved
    ids = np.asarray(estimator.ids_).astype(str)
    module.series = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(
            tf.constant(ids), tf.range(len(ids), dtype=tf.int64)
        ),
        default_value=-1,
    )
    scaler = estimator.scaler_
    module.loc = tf.constant(np.asarray(scaler.loc, dtype=np.float64))
    module.scale = tf.constant(np.asarray(scaler.scale, dtype=np.float64))
    # Window statistics leave calendar columns unscaled, as at fit time.
    scaled_cols = np.ones(int(estimator.n_features_), dtype=bool)
    scaled_cols[list(layout["calendar_idx"])] = False
    module.scaled_cols = tf.constant(scaled_cols)
    # Fitted static rows, plus a last row for unseen ids: the standardised
    # mean (0) and the "unknown" category code (0).
    statics = {
        "static_numeric": estimator.static_numeric_,
        "static_codes": estimator.static_codes_,
    }
    module.statics = {
        k: tf.constant(np.concatenate([v, np.zeros_like(v[:1])]))
        for k, v in statics.items()
        if k in estimator.networks_.input_names
    }
    # Plain Python facts the serving function reads at trace time.
    module.facts = _Facts(
        estimator.networks_, scaler.kind, list(layout["future_idx"]), len(ids)
    )
    return module


class _Facts:
    """What ``_forecast`` needs besides tensors (not tracked by tf.Module)."""

    def __init__(self, networks: Networks, kind: str, future_idx: list, n_ids: int):
        self.networks, self.kind = networks, kind
        self.future_idx, self.n_ids = future_idx, n_ids


def _scaler_rows(tf, module, x, row):
    """Fitted ``loc``, ``scale`` ``(B, F)`` for known ids, else the window's."""
    # B: batch, L: lookback, F: features
    known = (row >= 0)[:, None]  # (B, 1)
    at = tf.maximum(row, 0)
    win_loc, win_scale = _window_scaler(tf, module.facts.kind, x)  # (B, F)
    win_loc = tf.where(module.scaled_cols, win_loc, tf.zeros_like(win_loc))
    win_scale = tf.where(module.scaled_cols, win_scale, tf.ones_like(win_scale))
    loc = tf.where(known, tf.gather(module.loc, at), win_loc)  # (B, F)
    scale = tf.where(known, tf.gather(module.scale, at), win_scale)
    return loc, scale


def _scaled_inputs(tf, module, x, row, loc, scale, future):
    """The predict network's input dict, scaled as ``predict`` scales it."""
    # B: batch, L: lookback, F: features, H: horizon
    scaled = (x - loc[:, None, :]) / scale[:, None, :]
    inputs = {"history": tf.cast(scaled, tf.float32)}  # (B, L, F)
    if future is not None:
        idx = module.facts.future_idx
        f_loc = tf.gather(loc, idx, axis=1)[:, None, :]
        f_scale = tf.gather(scale, idx, axis=1)[:, None, :]
        f = (tf.cast(future, tf.float64) - f_loc) / f_scale
        inputs["future"] = tf.cast(f, tf.float32)  # (B, H, F_future)
    unseen = tf.constant(module.facts.n_ids, tf.int64)
    static_row = tf.where(row >= 0, row, unseen)
    for name, table in module.statics.items():
        inputs[name] = tf.gather(table, static_row)
    return inputs


def _forecast(tf, module, history, unique_id, future=None) -> dict:
    """Raw history in, forecasts in data units out (the serving function)."""
    # B: batch, L: lookback, F: features, H: horizon
    tf.debugging.assert_equal(
        tf.shape(history)[0],
        tf.shape(unique_id)[0],
        message="history and unique_id need the same batch size",
    )
    # A NaN or inf would give an all-NaN forecast row without a word.
    history = tf.debugging.check_numerics(
        history, "serving input `history` holds NaN or inf; send finite values"
    )
    if future is not None:
        future = tf.debugging.check_numerics(
            future, "serving input `future` holds NaN or inf; send finite values"
        )
    x = tf.cast(history, tf.float64)  # (B, L, F)
    row = module.series.lookup(unique_id)  # (B,), -1 for unseen ids
    loc, scale = _scaler_rows(tf, module, x, row)  # (B, F)
    inputs = _scaled_inputs(tf, module, x, row, loc, scale, future)
    raw = _call_model(module.model, inputs)  # (B, H[, P])
    out = _serving_outputs(module.facts.networks, raw, loc[:, 0], scale[:, 0])
    return {k: tf.cast(v, tf.float32) for k, v in out.items()}


def _metadata(estimator, signature, layout) -> dict:
    def spec(s):
        return {"dtype": s.dtype.name, "shape": s.shape.as_list()}

    import tensorflow as tf

    inputs = {s.name: s for s in tf.nest.flatten(signature.structured_input_signature)}
    features = layout["features"]
    future = [features[i] for i in layout["future_idx"]] if features else None
    return {
        "format": "forecaster-saved-model",
        "forecaster_version": __version__,
        "estimator": type(estimator).__name__,
        "signature": SIGNATURE,
        "horizon": int(estimator.horizon),
        "lookback": int(estimator.lookback_),
        "n_features": int(estimator.n_features_),
        "features": features,
        "future_features": future,
        "static_features": list(layout.get("static", ())),
        "freq": estimator.freq_,
        "tz": estimator.tz_,
        "n_series": len(estimator.ids_),
        "scaler": estimator.scaler_.kind,
        "unseen_series": (
            "scaled by the statistics of their own lookback window; static "
            "features: unknown category, mean numeric values"
        ),
        "inputs": {k: spec(v) for k, v in inputs.items()},
        "outputs": {k: spec(v) for k, v in signature.structured_outputs.items()},
    }


def export_saved_model(estimator, path: str | os.PathLike) -> None:
    """Export a fitted estimator as a TensorFlow SavedModel with scaling inside.

    The ``serving_default`` signature takes raw history in the data's units
    (``history`` float32 ``(B, lookback, n_features)``, ``unique_id`` string
    ``(B,)``, and ``future`` float32 ``(B, horizon, n_future)`` for models
    with future-known covariates) and returns ``{"yhat": float32 (B,
    horizon)}`` in the data's units; see the module docstring. The export is
    written atomically (:func:`forecaster.atomic.atomic_directory`).

    Parameters
    ----------
    estimator : BaseForecaster
        A fitted estimator.
    path : str or os.PathLike
        Directory to create or replace (only an empty directory or a previous
        SavedModel is replaced). For TensorFlow Serving, end it with a version
        number: ``models/forecaster/1``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If ``path`` is a file or an unrelated non-empty directory, or the
        scaler has no in-graph version.

    Examples
    --------
    >>> est.export_saved_model("models/forecaster/1")  # doctest: +SKIP
    >>> import tensorflow as tf  # doctest: +SKIP
    >>> serve = tf.saved_model.load("models/forecaster/1").signatures[
    ...     "serving_default"]  # doctest: +SKIP
    >>> serve(history=windows, unique_id=ids)["yhat"]  # doctest: +SKIP
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "networks_")
    import tensorflow as tf

    module, layout = _build_module(estimator)
    signature = module.serve.get_concrete_function()
    metadata = _metadata(estimator, signature, layout)
    with tempfile.TemporaryDirectory() as meta_dir:
        meta_path = Path(meta_dir) / METADATA_FILE
        meta_path.write_text(json.dumps(metadata, indent=2), encoding="utf-8")
        module.metadata = tf.saved_model.Asset(str(meta_path))
        with atomic_directory(path, marker="saved_model.pb") as tmp:
            tf.saved_model.save(module, str(tmp), signatures={SIGNATURE: signature})
