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

from forecaster.data.covariates import calendar_columns, calendar_features
from forecaster.data.missing import fill_missing
from forecaster.data.panel import Panel, panel_from_frame
from forecaster.data.scaling import ScalerState
from forecaster.estimators.params import as_names

__all__ = ["Layout", "layout_of", "frame_panel", "drop_short_series", "keep_unscaled"]


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
    cal = calendar_features(panel.times, layout.calendar)
    return dataclasses.replace(
        panel,
        values=np.concatenate([panel.values, cal], axis=1),
        features=panel.features + tuple(calendar_columns(layout.calendar)),
    )


def drop_short_series(panel: Panel, min_length: int, drop: bool, why: str) -> Panel:
    """Drop series shorter than ``min_length`` (warning), or raise naming them."""
    from forecaster.data.validation import check_min_length

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
