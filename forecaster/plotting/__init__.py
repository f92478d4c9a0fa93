"""Plots of forecasts, backtests, attention and training curves (matplotlib).

Every function builds a :class:`matplotlib.figure.Figure` directly (no
``pyplot`` state, so it is safe under the ``Agg`` backend, in threads and in
batch jobs), returns it and never calls ``plt.show``; save it with
``fig.savefig(path)``. In a notebook, a returned figure displays itself.
Every function also takes ``ax=`` (axes of a figure of your own) and then
draws there and returns that figure.

The plots share one visual language: observations are near-black (solid
history, dashed held-out values), each model keeps one colour for its line and
all of its bands in every plot kind, axes are labelled with the time and the
target column's name, and a figure that leaves series out says so in its
title. Forecast frames may hold one model (``yhat``, ``yhat_lo80``...) or
several (``lstm``, ``lstm_lo80``, ``snaive``...); polars frames are accepted.
"""

from forecaster.plotting._attention import plot_attention
from forecaster.plotting._forecasts import plot_backtest, plot_forecast
from forecaster.plotting._history import plot_history

__all__ = ["plot_attention", "plot_backtest", "plot_forecast", "plot_history"]
