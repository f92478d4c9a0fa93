"""Data layer: validation, the panel, scalers and lazy windows (no Keras)."""

from forecaster.data.panel import (
    Panel,
    forecast_frame,
    future_times,
    panel_from_frame,
)
from forecaster.data.scaling import (
    ScalerState,
    fit_scaler,
    inverse_transform,
    transform,
)
from forecaster.data.validation import series_to_frame, validate_long_frame
from forecaster.data.windows import (
    last_windows,
    make_dataset,
    split_lengths,
    window_starts,
)

__all__ = [
    "Panel",
    "ScalerState",
    "fit_scaler",
    "forecast_frame",
    "future_times",
    "inverse_transform",
    "last_windows",
    "make_dataset",
    "panel_from_frame",
    "series_to_frame",
    "split_lengths",
    "transform",
    "validate_long_frame",
    "window_starts",
]
