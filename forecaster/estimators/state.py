"""What valid fitted state is: types, shapes and ranges, checked once.

``BaseForecaster._restore`` runs :func:`check_fitted_state` on the state it is
given, so ``fit`` (state derived from data) and ``load`` (state read from an
artifact) pass the same gate: an edited config that changes ``freq_``,
``tz_``, ``lookback_`` or any other field to a value the estimator could not
have produced is refused with a message naming the field, instead of
changing forecasts or failing later inside pandas, zoneinfo or Keras.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from forecaster.data.covariates import StaticEncoding
from forecaster.data.scaling import SCALERS, ScalerState
from forecaster.estimators.inputs import Layout
from forecaster.models.spec import WINDOW_NORMS

__all__ = ["check_fitted_state"]


def _fail(name: str, what: str):
    return ValueError(f"fitted state `{name}` {what}")


def _int(state: dict, name: str, low: int = 0) -> int:
    v = state[name]
    if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < low:
        raise _fail(name, f"must be an integer >= {low}, got {v!r}")
    return int(v)


def _array(state: dict, name: str, kinds: str, shape: tuple) -> np.ndarray:
    """``state[name]`` as an array of dtype kind in ``kinds`` and ``shape``
    (``None`` matches any length)."""
    v = state[name]
    if not isinstance(v, np.ndarray) or v.dtype.kind not in kinds:
        raise _fail(name, f"must be an array of kind {kinds!r}, got {type(v)}")
    wrong = v.ndim != len(shape) or any(
        want is not None and got != want
        for got, want in zip(v.shape, shape, strict=True)
    )
    if wrong:
        raise _fail(name, f"has shape {v.shape}, expected {shape}")
    if v.dtype.kind == "f" and not np.isfinite(v).all():
        raise _fail(name, "holds NaN or inf")
    return v


def _names(value, name: str) -> None:
    if not (isinstance(value, tuple) and all(isinstance(v, str) for v in value)):
        raise _fail(name, f"must be a tuple of column names, got {value!r}")


def _check_clock(state: dict) -> None:
    freq, tz = state["freq_"], state["tz_"]
    try:
        pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError):
        raise _fail("freq_", f"is not a pandas frequency: {freq!r}") from None
    if tz is not None:
        try:
            if not isinstance(tz, str):
                raise TypeError
            pd.Timestamp("2000-01-01", tz=tz)
        except (TypeError, ValueError, KeyError, LookupError):
            raise _fail("tz_", f"is not a time zone: {tz!r}") from None


def _check_layout(est, state: dict) -> Layout:
    layout = state["layout_"]
    if not isinstance(layout, Layout):
        raise _fail("layout_", f"must be a Layout, got {type(layout).__name__}")
    for part in ("past", "future", "calendar", "static"):
        _names(getattr(layout, part), f"layout_.{part}")
    if _int(state, "n_features_", 1) != layout.n_features:
        raise _fail("n_features_", f"must be {layout.n_features} for its layout")
    if _int(state, "n_future_") != len(layout.future_idx):
        raise _fail("n_future_", f"must be {len(layout.future_idx)} for its layout")
    if state["window_norm_"] not in WINDOW_NORMS:
        raise _fail("window_norm_", f"must be one of {WINDOW_NORMS}")
    if not isinstance(state["input_was_series_"], bool):
        raise _fail("input_was_series_", "must be a bool")
    return layout


def _check_series(est, state: dict, layout: Layout) -> int:
    ids = _array(state, "ids_", "OU", (None,))
    n = len(ids)
    if n == 0 or len(set(map(str, ids))) != n:
        raise _fail("ids_", "must hold at least one id, each once")
    _array(state, "last_times_", "M", (n,))
    lookback = _int(state, "lookback_", 1)
    _array(state, "last_windows_", "f", (n, lookback, layout.n_features))
    if state["baseline_season_"] is not None:
        if _int(state, "baseline_season_", 1) >= lookback:
            raise _fail("baseline_season_", f"must be below lookback_ {lookback}")
        season, cycles = state["baseline_season_"], _int(state, "baseline_cycles_", 1)
        if season * cycles > lookback:
            raise _fail(
                "baseline_cycles_",
                f"{cycles} seasons of {season} exceed lookback_ {lookback}",
            )
    scaler = state["scaler_"]
    if not isinstance(scaler, ScalerState) or scaler.kind != est.scaler:
        raise _fail("scaler_", f"must be a ScalerState of kind {est.scaler!r}")
    if scaler.kind not in SCALERS:
        raise _fail("scaler_", f"has an unknown kind {scaler.kind!r}")
    for part in ("loc", "scale"):
        name = f"scaler_.{part}"
        _array({name: getattr(scaler, part)}, name, "f", (n, layout.n_features))
    if not (scaler.scale > 0).all():
        raise _fail("scaler_.scale", "must be positive")
    return n


def _check_static(state: dict, layout: Layout, n: int) -> None:
    enc = state["static_encoding_"]
    if enc is None:
        if layout.static:
            raise _fail("static_encoding_", "is missing for static features")
        sizes, n_num = [], 0
    elif not isinstance(enc, StaticEncoding):
        raise _fail("static_encoding_", "must be a StaticEncoding or None")
    else:
        sizes, n_num = [len(v) + 1 for v in enc.vocab], len(enc.numeric)
    if list(state["static_vocab_sizes_"]) != sizes:
        raise _fail("static_vocab_sizes_", f"must be {sizes} for its encoding")
    _array(state, "static_numeric_", "f", (n, n_num))
    codes = _array(state, "static_codes_", "iu", (n, len(sizes)))
    if codes.size and ((codes < 0) | (codes >= np.array(sizes))).any():
        raise _fail("static_codes_", "holds codes outside the vocabulary")


def _check_training(est, state: dict) -> None:
    """The parts ``fit`` sets after training (present in a loaded artifact)."""
    if "conformal_scores_" in state:
        scores = _array(state, "conformal_scores_", "f", (None, est.horizon))
        if (scores < 0).any():
            raise _fail("conformal_scores_", "must be non-negative")
    for name in ("n_train_windows_", "n_val_windows_"):
        if name in state:
            _int(state, name)
    history = state.get("history_", {})
    if not isinstance(history, dict) or not all(
        isinstance(k, str) and isinstance(v, list) for k, v in history.items()
    ):
        raise _fail("history_", "must map loss names to lists")


def check_fitted_state(est, state: dict) -> None:
    """Validate fitted ``state`` for ``est``, before any network is built.

    Raises
    ------
    KeyError
        If a field the networks need is missing.
    ValueError
        Naming the field whose type, shape or range is impossible.
    """
    layout = _check_layout(est, state)
    _check_clock(state)
    n = _check_series(est, state, layout)
    _check_static(state, layout, n)
    _check_training(est, state)
