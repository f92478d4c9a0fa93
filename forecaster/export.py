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
prediction network (``estimator._predict_model()``) -> undo the scaling. An
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

from forecaster.models.spec import POINT_LOSSES
from forecaster.persistence import atomic_directory

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


def _default_outputs(tf, raw, loc, scale) -> dict:
    """Name the prediction network's outputs and return them in data units.

    This is the extension point for families with more outputs. ``raw`` is
    what ``estimator._predict_model()`` returns on scaled inputs; ``loc``
    and ``scale`` are the target's scaler, float64 ``(B,)``. A tensor
    ``(B, H)`` is served as ``yhat``; a dict of tensors (``(B, H)`` or
    ``(B, H, Q)``, e.g. ``{"yhat": ..., "quantiles": ...}``) is served under
    its own keys, each de-scaled as a level. An estimator whose outputs are
    not all levels (a distribution's standard deviation scales but does not
    shift) defines ``_serving_outputs(raw, loc, scale) -> dict`` instead.
    """
    outputs = raw if isinstance(raw, dict) else {"yhat": raw}

    def descale(t):
        shape = tf.concat([tf.shape(loc), tf.ones([len(t.shape) - 1], tf.int32)], 0)
        t = tf.cast(t, tf.float64)
        return t * tf.reshape(scale, shape) + tf.reshape(loc, shape)

    return {name: descale(t) for name, t in outputs.items()}


def _probabilistic_outputs(tf, raw, loc, scale, loss: str, quantiles) -> dict:
    """Serve a quantile or distribution head in data units.

    * ``quantile``: ``quantiles`` ``(B, H, Q)`` at the fitted levels and
      ``yhat``, the median interpolated as ``predict`` does;
    * ``normal`` / ``student_t``: ``yhat`` (= ``loc``), ``scale`` and, for
      Student-t, ``df`` ``(B, H)``: the predictive distribution per step.

    For the seq2seq family these are each step's outputs along the
    free-running point path (``predict`` without ``num_samples``); sample
    paths through the decoder are not served.
    """
    raw = tf.cast(raw, tf.float64)  # (B, H, P)
    loc3, scale3 = loc[:, None, None], scale[:, None, None]
    if loss == "quantile":
        q = raw * scale3 + loc3  # (B, H, Q)
        levels = np.asarray(quantiles)
        k = int(np.searchsorted(levels, 0.5))
        if k < len(levels) and levels[k] == 0.5:
            median = q[..., k]
        elif k in (0, len(levels)):
            median = q[..., min(k, len(levels) - 1)]
        else:
            w = (0.5 - levels[k - 1]) / (levels[k] - levels[k - 1])
            median = (1.0 - w) * q[..., k - 1] + w * q[..., k]
        return {"yhat": median, "quantiles": q}
    out = {
        "yhat": raw[..., 0] * scale[:, None] + loc[:, None],
        "scale": raw[..., 1] * scale[:, None],
    }
    if loss == "student_t":
        out["df"] = raw[..., 2]
    return out


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
    layout = getattr(estimator, "layout_", None)
    n_features = int(estimator.n_features_)
    if layout is None:  # an estimator without covariates
        names = [str(estimator.target_col)] if n_features == 1 else None
        return {"features": names, "future_idx": (), "calendar_idx": ()}
    from forecaster.data.covariates import calendar_columns

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
    horizon = int(estimator.horizon)
    # Fail at export, not at serving time, for a scaler without a graph version.
    _window_scaler(tf, scaler.kind, tf.zeros((1, lookback, n_features), tf.float64))
    ids = np.asarray(estimator.ids_).astype(str)
    layout = _layout(estimator)
    future_idx = list(layout["future_idx"])
    # Window statistics leave calendar columns unscaled, as at fit time.
    scaled_cols = np.ones(n_features, dtype=bool)
    scaled_cols[list(layout["calendar_idx"])] = False
    statics = {
        name: getattr(estimator, f"{name}_", None)
        for name in ("static_numeric", "static_codes")
    }
    model = estimator._predict_model()
    wanted = model.input.keys() if isinstance(model.input, dict) else ("history",)
    statics = {k: v for k, v in statics.items() if k in wanted}
    outputs_fn = getattr(estimator, "_serving_outputs", None)
    loss = getattr(estimator, "loss", "mse")
    if outputs_fn is None and loss not in POINT_LOSSES:
        qs = tuple(float(q) for q in estimator.quantiles)

        def outputs_fn(raw, loc, scale):
            return _probabilistic_outputs(tf, raw, loc, scale, loss, qs)

    single = not isinstance(model.output, dict | list | tuple)
    if outputs_fn is None and single and len(model.output.shape) > 2:
        # (B, H, P) quantiles or distribution parameters: how each of the P
        # columns de-scales is the family's knowledge, not ours.
        raise NotImplementedError(
            f"Cannot export a {type(estimator).__name__} with "
            f"loss={getattr(estimator, 'loss', None)!r}: its network outputs "
            f"{tuple(model.output.shape)}, and the estimator defines no "
            "`_serving_outputs(raw, loc, scale)` to name and de-scale them."
        )

    class ForecastModule(tf.Module):
        def __init__(self):
            super().__init__(name="forecaster")
            self.model = model
            self.series = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    tf.constant(ids), tf.range(len(ids), dtype=tf.int64)
                ),
                default_value=-1,
            )
            self.loc = tf.constant(np.asarray(scaler.loc, dtype=np.float64))
            self.scale = tf.constant(np.asarray(scaler.scale, dtype=np.float64))
            # Fitted static rows, plus a last row for unseen ids: the
            # standardised mean (0) and the "unknown" category code (0).
            self.statics = {
                k: tf.constant(np.concatenate([v, np.zeros_like(v[:1])]))
                for k, v in statics.items()
            }

        def forecast(self, history, unique_id, future=None):
            # B: batch, L: lookback, F: features, H: horizon
            tf.debugging.assert_equal(
                tf.shape(history)[0],
                tf.shape(unique_id)[0],
                message="history and unique_id need the same batch size",
            )
            x = tf.cast(history, tf.float64)  # (B, L, F)
            row = self.series.lookup(unique_id)  # (B,), -1 for unseen ids
            known = (row >= 0)[:, None]  # (B, 1)
            at = tf.maximum(row, 0)
            win_loc, win_scale = _window_scaler(tf, scaler.kind, x)  # (B, F)
            win_loc = tf.where(scaled_cols, win_loc, tf.zeros_like(win_loc))
            win_scale = tf.where(scaled_cols, win_scale, tf.ones_like(win_scale))
            loc = tf.where(known, tf.gather(self.loc, at), win_loc)  # (B, F)
            scale = tf.where(known, tf.gather(self.scale, at), win_scale)
            scaled = (x - loc[:, None, :]) / scale[:, None, :]
            inputs = {"history": tf.cast(scaled, tf.float32)}  # (B, L, F)
            if future is not None:
                f_loc = tf.gather(loc, future_idx, axis=1)[:, None, :]
                f_scale = tf.gather(scale, future_idx, axis=1)[:, None, :]
                f = (tf.cast(future, tf.float64) - f_loc) / f_scale
                inputs["future"] = tf.cast(f, tf.float32)  # (B, H, F_future)
            static_row = tf.where(row >= 0, row, tf.constant(len(ids), tf.int64))
            for name, table in self.statics.items():
                inputs[name] = tf.gather(table, static_row)
            raw = _call_model(self.model, inputs)  # (B, H) for a point model
            if outputs_fn is not None:
                out = outputs_fn(raw, loc[:, 0], scale[:, 0])
            else:
                out = _default_outputs(tf, raw, loc[:, 0], scale[:, 0])
            return {k: tf.cast(v, tf.float32) for k, v in out.items()}

    specs = [
        tf.TensorSpec((None, lookback, n_features), tf.float32, "history"),
        tf.TensorSpec((None,), tf.string, "unique_id"),
    ]
    if future_idx:
        specs.append(
            tf.TensorSpec((None, horizon, len(future_idx)), tf.float32, "future")
        )

        def serve(self, history, unique_id, future):
            return self.forecast(history, unique_id, future)
    else:

        def serve(self, history, unique_id):
            return self.forecast(history, unique_id)

    ForecastModule.serve = tf.function(serve, input_signature=specs)
    return ForecastModule(), layout


def _metadata(estimator, signature, layout) -> dict:
    from forecaster import __version__

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
        "tz": getattr(estimator, "tz_", None),
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
    written atomically (:func:`forecaster.persistence.atomic_directory`).

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
    NotImplementedError
        If the network emits ``(B, H, P)`` (quantiles, distribution
        parameters) and the estimator defines no ``_serving_outputs``.

    Examples
    --------
    >>> est.export_saved_model("models/forecaster/1")  # doctest: +SKIP
    >>> import tensorflow as tf  # doctest: +SKIP
    >>> serve = tf.saved_model.load("models/forecaster/1").signatures[
    ...     "serving_default"]  # doctest: +SKIP
    >>> serve(history=windows, unique_id=ids)["yhat"]  # doctest: +SKIP
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "model_")
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
