"""The defaults the estimators derive from the data at ``fit``.

The season of a frequency, the lookback rule, what ``window_norm="auto"``
and ``baseline="auto"`` stand for, and the Keras epochs of the step budget:
pure functions of the parameters and the data's frequency and lengths (and,
for the baseline, of what its in-sample errors say).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "baseline_cycles",
    "baseline_season",
    "budget_epochs",
    "choose_baseline_season",
    "resolve_lookback",
    "resolve_window_norm",
    "season_length",
]


def season_length(freq: str) -> int:
    """The usual seasonal period for a pandas offset alias.

    Examples
    --------
    >>> season_length("MS"), season_length("30min"), season_length("h")
    (12, 48, 24)
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    base, n = offset.rule_code.split("-")[0], max(int(offset.n), 1)
    if base == "min":
        return max(1, 1440 // n)  # one day
    if base == "h":
        return max(1, 24 // n)
    if base == "D":
        return 7
    if base == "B":
        return 5
    if base.startswith("W"):
        return 52
    if base.lstrip("B").lstrip("S").startswith("M"):
        return 12
    if base.lstrip("B").startswith("Q"):
        return 4
    return 1


def resolve_lookback(
    lookback: int | None, horizon: int, freq: str, min_length: int
) -> int:
    """The lookback to use: the parameter, or an automatic one.

    Automatic: two seasons or three horizons, whichever is longer, but never
    so long that the shortest series has no training window.
    """
    if lookback is not None:
        return int(lookback)
    wanted = max(2 * season_length(freq), 3 * horizon)
    return int(max(1, min(wanted, min_length - horizon)))


def resolve_window_norm(window_norm: str | None, freq: str) -> str | None:
    """The window normalisation that ``window_norm="auto"`` stands for.

    ``"standard"`` (divide by the window's std too) for non-seasonal data
    (season length 1, e.g. yearly), ``"mean"`` otherwise; other values pass
    through. Chosen by measurement (``benchmarks/results/window_norm.json``):
    standardising each window magnifies the slow trends of smooth yearly
    series (fertility: MASE 2.95 -> 1.44 for seq2seq, 2.91 -> 1.58 for the
    many-to-one model) but loses the seasonal amplitude of monthly
    air_passengers (0.96 -> 1.92), while subtracting the mean alone beats
    seasonal naive on all five seasonal data sets.

    Examples
    --------
    >>> resolve_window_norm("auto", "YS"), resolve_window_norm("auto", "MS")
    ('standard', 'mean')
    >>> resolve_window_norm(None, "YS") is None
    True
    """
    if window_norm != "auto":
        return window_norm
    return "standard" if season_length(freq) == 1 else "mean"


def baseline_season(baseline: str | None, freq: str, lookback: int) -> int | None:
    """The period of the window baseline (1: naive), None without one.

    Examples
    --------
    >>> baseline_season("auto", "MS", 36), baseline_season("auto", "YS", 18)
    (12, None)
    >>> baseline_season("seasonal_naive", "h", 12)  # no whole season before
    1
    """
    season = season_length(freq)
    if lookback < 2:  # no value before the last to correct from
        return None
    if baseline == "auto":
        return season if 1 < season < lookback else None
    if baseline is None:
        return None
    season = season if baseline in ("seasonal_naive", "seasonal_mean") else 1
    return season if season < lookback else 1


# Seasons a "seasonal_mean" baseline averages, at most (the lookback rule
# holds three seasons of monthly data).
MEAN_CYCLES = 3


def baseline_cycles(
    baseline: str | None, season: int | None, lookback: int, freq: str
) -> int:
    """Seasons the window baseline averages (1: seasonal naive).

    ``baseline="seasonal_mean"`` averages as many of :data:`MEAN_CYCLES`
    seasons as the lookback holds; so does ``"auto"`` when the season is the
    year of quarterly, monthly or weekly data, whose one-season noise
    seasonal naive would repeat. A daily or intraday season stays seasonal
    naive, where the last day carries the weather. Measured on the wide
    benchmark's validation split, three seeds
    (``benchmarks/results/wide_seasonal_mean.json``).

    Examples
    --------
    >>> [baseline_cycles("seasonal_mean", 12, n, "MS") for n in (36, 30, 12)]
    [3, 2, 1]
    >>> baseline_cycles("auto", 12, 36, "MS"), baseline_cycles("auto", 24, 168, "h")
    (3, 1)
    >>> baseline_cycles("seasonal_naive", 12, 36, "MS")
    1
    """
    if season is None or season < 2:
        return 1
    if baseline == "seasonal_mean" or (baseline == "auto" and _yearly(freq)):
        return max(1, min(MEAN_CYCLES, lookback // season))
    return 1


def _yearly(freq: str) -> bool:
    """Whether ``freq``'s season (:func:`season_length`) is the year."""
    base = pd.tseries.frequencies.to_offset(freq).rule_code.split("-")[0]
    return base.startswith("W") or base.lstrip("B").lstrip("S")[:1] in ("M", "Q")


def choose_baseline_season(
    baseline: str | None,
    freq: str,
    lookback: int,
    errors_of: Callable[[Sequence[int]], np.ndarray],
) -> int | None:
    """The period of the window baseline, with ``"auto"`` decided by the data.

    ``baseline="auto"`` on seasonal data takes seasonal naive or naive,
    whichever has the lower in-sample error over the horizon
    (``errors_of(periods)``, e.g. :func:`forecaster.data.seasonality.
    repeat_errors` on the training windows), a tie or no evidence keeping
    the season; other values are :func:`baseline_season`'s. Measured on the
    wide benchmark's validation split (``benchmarks/results/
    wide_baseline_choice.json``): the three sets whose training windows
    favour naive (a quarterly money panel, quarterly US changes, monthly
    employment) forecast better with it, LSTM and seq2seq alike.

    Examples
    --------
    >>> def trending(periods):  # naive beats the last season
    ...     return np.array([0.5, 0.9])
    >>> choose_baseline_season("auto", "MS", 36, trending)
    1
    >>> choose_baseline_season("seasonal_naive", "MS", 36, trending)
    12
    """
    season = baseline_season(baseline, freq, lookback)
    if baseline != "auto" or season is None or season == 1:
        return season
    naive, seasonal = errors_of((1, season))
    return 1 if naive < seasonal else season


def budget_epochs(
    max_epochs: int, max_steps: int | None, per_pass: int, per_epoch: int
) -> int:
    """Keras epochs of ``per_epoch`` steps that the training budget allows.

    The budget is ``max_epochs`` passes of ``per_pass`` steps or
    ``max_steps`` steps, whichever is smaller; the last epoch may run past
    it by less than ``per_epoch`` steps (Keras counts whole epochs).

    Examples
    --------
    >>> budget_epochs(100, 1000, per_pass=3, per_epoch=3)  # short: passes bind
    100
    >>> budget_epochs(100, 1000, per_pass=3000, per_epoch=100)  # long: steps bind
    10
    >>> budget_epochs(5, None, per_pass=3000, per_epoch=100)
    150
    """
    steps = max_epochs * per_pass
    if max_steps is not None:
        steps = min(steps, max_steps)
    return max(1, -(-steps // per_epoch))
