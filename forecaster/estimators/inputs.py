"""From frames to model inputs: the feature layout shared by fit and predict.

The panel's value columns are ``[target, past..., future..., calendar...]``;
the model receives a dict of arrays:

* ``history`` ``(B, L, F)``: every column over the lookback window;
* ``future`` ``(B, H, F_future)``: future-known columns (declared future
  covariates and calendar features) over the horizon;
* ``static_numeric`` ``(B, S)`` and ``static_codes`` ``(B, C)``: static
  features of each window's series.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecaster._registry import register_state_class
from forecaster.data.clock import aware_times, check_zone, wall_clock
from forecaster.data.covariates import (
    calendar_columns,
    calendar_features,
    encode_static,
    fit_static,
    future_block,
)
from forecaster.data.frames import as_pandas
from forecaster.data.missing import fill_missing
from forecaster.data.panel import Panel, future_times, panel_from_frame
from forecaster.data.scaling import ScalerState, fit_scaler, transform
from forecaster.data.seasonality import repeat_errors
from forecaster.data.validation import check_min_length, series_to_frame
from forecaster.data.windows import last_windows, split_lengths
from forecaster.estimators.defaults import (
    baseline_cycles,
    choose_baseline_season,
    resolve_lookback,
    resolve_window_norm,
)
from forecaster.estimators.params import as_names

__all__ = [
    "History",
    "Prepared",
    "Layout",
    "drop_short_series",
    "fitted_panel",
    "frame_panel",
    "history_of",
    "keep_unscaled",
    "layout_of",
    "network_inputs",
    "prepare",
    "scaler_for",
    "static_for",
    "static_inputs",
    "to_frame",
]


@register_state_class
@dataclass(frozen=True)
class Layout:
    """Which columns play which role.

    Attributes
    ----------
    past, future, static : tuple of str
        Declared covariate columns.
    calendar : tuple of str
        Calendar attributes generated from the timestamps.
    """

    past: tuple[str, ...] = ()
    future: tuple[str, ...] = ()
    calendar: tuple[str, ...] = ()
    static: tuple[str, ...] = ()

    @property
    def frame_cols(self) -> list[str]:
        """Covariate columns read from the user's frame."""
        return [*self.past, *self.future]

    @property
    def n_features(self) -> int:
        return 1 + len(self.past) + len(self.future) + 2 * len(self.calendar)

    @property
    def future_idx(self) -> tuple[int, ...]:
        """Columns known over the horizon (future covariates + calendar)."""
        return tuple(range(1 + len(self.past), self.n_features))

    @property
    def calendar_idx(self) -> tuple[int, ...]:
        return tuple(range(1 + len(self.past) + len(self.future), self.n_features))


def layout_of(est) -> Layout:
    """The layout declared by an estimator's parameters."""
    return Layout(
        past=tuple(as_names(est.past_covariates, "past_covariates")),
        future=tuple(as_names(est.future_covariates, "future_covariates")),
        calendar=tuple(as_names(est.calendar_features, "calendar_features")),
        static=tuple(as_names(est.static_features, "static_features")),
    )


def frame_panel(
    frame: pd.DataFrame,
    layout: Layout,
    id_col: str,
    time_col: str,
    target_col: str,
    freq: str | None,
    fitted: bool = False,
    fill: str = "raise",
) -> Panel:
    """Fill, validate ``frame`` and pack it with its covariates and calendar
    columns.

    ``fill`` is the missing-data policy applied to the target and the
    covariates before validation (:func:`forecaster.data.missing.fill_missing`).

    Raises
    ------
    ValueError
        If a declared covariate is missing (naming its kind, and, at predict
        time, that the model was fitted with it).
    """
    if isinstance(frame, pd.DataFrame):
        for kind, names in (
            ("past_covariates", layout.past),
            ("future_covariates", layout.future),
        ):
            missing = [c for c in names if c not in frame.columns]
            if missing:
                when = (
                    "the model was fitted with them" if fitted else "they were declared"
                )
                raise ValueError(
                    f"Column(s) {missing} of `{kind}` are missing from the frame "
                    f"({when}); it has {list(map(str, frame.columns))}."
                )
    frame = fill_missing(
        frame, fill, id_col, time_col, [target_col, *layout.frame_cols], freq
    )
    panel = panel_from_frame(
        frame, id_col, time_col, target_col, layout.frame_cols, freq
    )
    if not layout.calendar:
        return panel
    # the user's day and hour: local time for tz-aware data, even on UTC steps
    cal = calendar_features(
        wall_clock(panel.times, panel.freq, panel.tz), layout.calendar
    )
    return dataclasses.replace(
        panel,
        values=np.concatenate([panel.values, cal], axis=1),
        features=panel.features + tuple(calendar_columns(layout.calendar)),
    )


def drop_short_series(panel: Panel, min_length: int, drop: bool, why: str) -> Panel:
    """Drop series shorter than ``min_length`` (warning), or raise naming them."""
    short = panel.lengths < min_length
    if not short.any() or not drop:
        check_min_length(panel.indptr, panel.ids, min_length, why)
        return panel
    if short.all():
        check_min_length(panel.indptr, panel.ids, min_length, why)
    names = [str(i) for i in panel.ids[short]]
    warnings.warn(
        f"Dropped {len(names)} series shorter than {min_length} points ({why}): "
        f"{names[:5]}{' and more' if len(names) > 5 else ''}.",
        UserWarning,
        stacklevel=3,
    )
    keep = ~short
    rows = np.repeat(keep, panel.lengths)
    lengths = panel.lengths[keep]
    return dataclasses.replace(
        panel,
        ids=panel.ids[keep],
        indptr=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        values=panel.values[rows],
        times=panel.times[rows],
    )


def keep_unscaled(state: ScalerState, columns: tuple[int, ...]) -> ScalerState:
    """Identity scaling for ``columns`` (calendar sin/cos are already in [-1, 1])."""
    if not columns:
        return state
    loc, scale = state.loc.copy(), state.scale.copy()
    loc[:, list(columns)], scale[:, list(columns)] = 0.0, 1.0
    return ScalerState(state.kind, loc, scale)


# -- fit time: frame -> panel, scalers, the fitted state known before training --
@dataclass(frozen=True)
class Prepared:
    """What ``fit``'s first step derives from the data."""

    panel: Panel  # short series dropped
    train_len: np.ndarray  # (n_series,) points of each series used for training
    static: dict  # the networks' static inputs, one row per series
    state: dict  # the fitted state known before training


def prepare(est, df, static_df) -> Prepared:
    """Validate and pack ``df``, resolve the lookback, fit the scalers."""
    layout = layout_of(est)
    static_df = as_pandas(static_df, "static_df")
    panel = frame_panel(
        to_frame(est, df),
        layout,
        est.id_col,
        est.time_col,
        est.target_col,
        est.freq,
        fill=est.fill_missing,
    )
    lookback = resolve_lookback(
        est.lookback, est.horizon, panel.freq, int(panel.lengths.min())
    )
    span = lookback + est.horizon
    why = f"lookback {lookback} + horizon {est.horizon}"
    panel = drop_short_series(panel, span, est.drop_short, why)
    train_len = split_lengths(panel.lengths, est.val_size, est.horizon)
    # A series too short to give up a validation tail trains on all of it.
    train_len = np.where(train_len >= span, train_len, panel.lengths)
    scaler = _fit_scaler(est, panel, train_len, layout)
    encoding, static = None, {}
    if layout.static:
        encoding = fit_static(static_df, panel.ids, layout.static, est.id_col)
        num, codes = encode_static(encoding, static_df, panel.ids, est.id_col)
        static = {"static_numeric": num, "static_codes": codes}
    season = _baseline_season(est, panel, train_len, lookback)
    state = {
        "layout_": layout,
        "lookback_": lookback,
        "window_norm_": resolve_window_norm(est.window_norm, panel.freq),
        "baseline_season_": season,
        "baseline_cycles_": baseline_cycles(est.baseline, season, lookback, panel.freq),
        "n_features_": layout.n_features,
        "n_future_": len(layout.future_idx),
        "static_encoding_": encoding,
        "static_numeric_": static.get("static_numeric", np.zeros((panel.n_series, 0))),
        "static_codes_": static.get(
            "static_codes", np.zeros((panel.n_series, 0), np.int32)
        ),
        "static_vocab_sizes_": [len(v) + 1 for v in encoding.vocab] if encoding else [],
        "input_was_series_": isinstance(df, pd.Series),
        "freq_": panel.freq,
        "tz_": panel.tz,
        "scaler_": scaler,
        "ids_": panel.ids,
        "last_times_": panel.last_times,
        "last_windows_": last_windows(panel.values, panel.indptr, lookback),
    }
    static = {k: v for k, v in static.items() if v.shape[1]}
    return Prepared(panel, train_len, static, state)


def _baseline_season(est, panel: Panel, train_len: np.ndarray, lookback: int):
    """The window baseline's period, from the training parts' own evidence."""

    def errors_of(periods):
        target = panel.values[:, 0]
        return repeat_errors(
            target, panel.indptr, train_len, lookback, est.horizon, periods
        )

    season = choose_baseline_season(est.baseline, panel.freq, lookback, errors_of)
    return None if season is None else int(season)


def _fit_scaler(est, panel: Panel, train_len: np.ndarray, layout):
    """Per-series scalers fitted on each series' training part only."""
    head = panel.head(train_len)  # a copy of most of the data, freed on return
    state = fit_scaler(est.scaler, head.values, head.indptr)
    return keep_unscaled(state, layout.calendar_idx)


# -- predict time: the last windows of each series -> the networks' input dict --
@dataclass(frozen=True)
class History:
    """The last window of each series to forecast from, and how to scale it."""

    ids: np.ndarray  # (N,) series ids
    last_times: np.ndarray  # (N,) last timestamp of each series
    windows: np.ndarray  # (N, L, F) raw values, oldest step first
    scaler: ScalerState  # one row per series
    as_series: bool  # the input was one pd.Series


def to_frame(est, data: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """A long frame from a frame (as is; polars converted) or one series with
    a DatetimeIndex."""
    if isinstance(data, pd.Series):
        return series_to_frame(data, est.id_col, est.time_col, est.target_col)
    return as_pandas(data, "df")


def fitted_panel(est, df: pd.DataFrame | pd.Series) -> Panel:
    """New history packed as the fitted model reads it (layout, freq, zone)."""
    panel = frame_panel(
        to_frame(est, df),
        est.layout_,
        est.id_col,
        est.time_col,
        est.target_col,
        est.freq_,
        fitted=True,
        fill=est.fill_missing,
    )
    # new history in another zone (or naive) would be read hours off
    as_series = isinstance(df, pd.Series)
    check_zone(panel.tz, est.tz_, "df", None if as_series else est.time_col)
    return panel


def static_inputs(numeric: np.ndarray, codes: np.ndarray) -> dict:
    """The networks' static inputs: only those with columns."""
    static = {"static_numeric": numeric, "static_codes": codes}
    return {k: v for k, v in static.items() if v.shape[1]}


def history_of(est, df: pd.DataFrame | pd.Series | None) -> History:
    """The fitted training history (``df=None``) or the end of new history."""
    if df is None:
        return History(
            est.ids_,
            est.last_times_,
            est.last_windows_,
            est.scaler_,
            est.input_was_series_,
        )
    panel = fitted_panel(est, df)
    as_series = isinstance(df, pd.Series)
    check_min_length(panel.indptr, panel.ids, est.lookback_, "the lookback window")
    windows = last_windows(panel.values, panel.indptr, est.lookback_)
    scaler = scaler_for(est, panel)
    return History(panel.ids, panel.last_times, windows, scaler, as_series)


def network_inputs(est, hist: History, future_df, static_df) -> dict:
    """The networks' input dict for the last windows of ``hist``, scaled."""
    future_df = as_pandas(future_df, "future_df")
    static_df = as_pandas(static_df, "static_df")
    n, lookback, f = hist.windows.shape
    rows = np.arange(n + 1) * lookback
    flat = hist.windows.reshape(-1, f)
    scaled = transform(hist.scaler, flat, rows, hist.ids)
    inputs = {"history": scaled.reshape(n, lookback, f)}
    layout = est.layout_
    if layout.future_idx:
        inputs["future"] = _future_inputs(est, hist, future_df)
    if layout.static:
        inputs.update(static_inputs(*static_for(est, hist.ids, static_df)))
    return inputs


def _future_inputs(est, hist: History, future_df) -> np.ndarray:
    """Scaled future-known columns over the horizon, ``(N, H, F_future)``."""
    h, layout, n = est.horizon, est.layout_, len(hist.ids)
    times = future_times(hist.last_times, est.freq_, h)
    parts = []
    if layout.future:
        # matched on the timestamps the forecast frame shows, in est.tz_
        shown = aware_times(times, est.freq_, est.tz_)
        parts.append(
            future_block(
                future_df, hist.ids, shown, layout.future, est.id_col, est.time_col
            )
        )
    if layout.calendar:
        wall = wall_clock(times, est.freq_, est.tz_)
        parts.append(calendar_features(wall, layout.calendar))
    raw = np.concatenate(parts, axis=1)  # (N * H, F_future)
    idx = list(layout.future_idx)
    loc = np.repeat(hist.scaler.loc[:, idx], h, axis=0)
    scale = np.repeat(hist.scaler.scale[:, idx], h, axis=0)
    return ((raw - loc) / scale).astype(np.float32).reshape(n, h, -1)


def static_for(est, ids, static_df) -> tuple[np.ndarray, np.ndarray]:
    """Encoded static rows of ``ids``: from ``static_df``, or those seen at fit."""
    if static_df is not None:
        return encode_static(est.static_encoding_, static_df, ids, est.id_col)
    pos = {k: i for i, k in enumerate(est.ids_)}
    unknown = [str(k) for k in ids if k not in pos]
    if unknown:
        raise ValueError(
            f"Series {unknown[:5]} were not seen at fit: pass static_df= with "
            f"their static features {list(est.layout_.static)}."
        )
    rows = [pos[k] for k in ids]
    return est.static_numeric_[rows], est.static_codes_[rows]


def scaler_for(est, panel: Panel) -> ScalerState:
    """Fit-time scaler rows for known series; new series are scaled by
    their own history (a global model can forecast unseen series)."""
    pos = {k: i for i, k in enumerate(est.ids_)}
    known = np.array([pos.get(k, -1) for k in panel.ids])
    own = keep_unscaled(
        fit_scaler(est.scaler, panel.values, panel.indptr),
        est.layout_.calendar_idx,
    )
    fitted = est.scaler_
    loc = np.where(known[:, None] >= 0, fitted.loc[known], own.loc)
    scale = np.where(known[:, None] >= 0, fitted.scale[known], own.scale)
    return ScalerState(est.scaler, loc, scale)
