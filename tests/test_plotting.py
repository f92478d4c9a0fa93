import matplotlib
import numpy as np
import pandas as pd

from forecaster.plotting import plot_forecast, plot_history
from tests.conftest import make_frame

matplotlib.use("Agg")


def _forecasts(ids, start, h=5):
    parts = []
    for i in ids:
        t = pd.date_range(start, periods=h, freq="h")
        parts.append(
            pd.DataFrame(
                {
                    "unique_id": i,
                    "ds": t,
                    "yhat": np.arange(h, dtype=float),
                    "yhat_lo80": -1.0,
                    "yhat_hi80": 1.0 + np.arange(h),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_plot_forecast_small_multiples_render(tmp_path):
    hist = make_frame(
        {
            "a": np.sin(np.arange(48.0)),
            "b": np.cos(np.arange(48.0)),
            "c": np.arange(48.0),
        }
    )
    fc = _forecasts(["a", "b", "c"], "2020-01-03")
    fig = plot_forecast(hist, fc, last_n=24)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["a", "b", "c"]
    # history, forecast lines and one interval band per panel
    assert len(visible[0].lines) == 2 and len(visible[0].collections) == 1
    path = tmp_path / "fc.png"
    fig.savefig(path)
    assert path.stat().st_size > 10_000


def test_plot_history(tmp_path):
    fig = plot_history({"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.6, 0.4]})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    fig.savefig(tmp_path / "h.png")
