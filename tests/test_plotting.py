import matplotlib
import numpy as np
import pandas as pd
import pytest

from forecaster.plotting import (
    plot_attention,
    plot_backtest,
    plot_forecast,
    plot_history,
)
from tests.conftest import make_frame

matplotlib.use("Agg")


def _forecasts(ids, start, h=5, quantiles=False):
    parts = []
    for i in ids:
        t = pd.date_range(start, periods=h, freq="h")
        cols = {
            "unique_id": i,
            "ds": t,
            "yhat": np.arange(h, dtype=float),
            "yhat_lo80": -1.0,
            "yhat_hi80": 1.0 + np.arange(h),
        }
        if quantiles:
            cols |= {
                "yhat_q0.1": -2.0,
                "yhat_q0.5": 0.0,
                "yhat_q0.9": 2.0 + np.arange(h),
            }
        parts.append(pd.DataFrame(cols))
    return pd.concat(parts, ignore_index=True)


def _png(fig, path):
    fig.savefig(path)
    assert path.stat().st_size > 10_000
    return path


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
    _png(fig, tmp_path / "fc.png")


def test_plot_forecast_draws_the_outer_quantiles_as_a_band(tmp_path):
    hist = make_frame({"a": np.sin(np.arange(48.0))})
    fc = _forecasts(["a"], "2020-01-03", quantiles=True)
    fc["yhat_lo99.5"], fc["yhat_hi99.5"] = -3.0, 3.0  # non-integer levels too
    fig = plot_forecast(hist, fc)
    ax = fig.axes[0]
    labels = [c.get_label() for c in ax.collections]
    assert labels == ["q0.1 - q0.9", "99.5% interval", "80% interval"]
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == -2.0 and band.max() == 6.0  # q0.1 and q0.9, not q0.5
    _png(fig, tmp_path / "q.png")


def _cv(ids=("a", "b"), n_windows=3, h=4):
    rows = []
    for uid in ids:
        for k in range(n_windows):
            cutoff = pd.Timestamp("2020-01-02") + pd.Timedelta(hours=h * k)
            ds = pd.date_range(cutoff + pd.Timedelta(hours=1), periods=h, freq="h")
            rows.append(
                pd.DataFrame(
                    {"unique_id": uid, "ds": ds, "cutoff": cutoff, "y": 1.0,
                     "yhat": k + np.arange(h, dtype=float), "yhat_lo80": -1.0,
                     "yhat_hi80": 5.0}
                )
            )  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def test_plot_backtest_one_line_and_marker_per_cutoff(tmp_path):
    hist = make_frame({"a": np.sin(np.arange(60.0)), "b": np.cos(np.arange(60.0))})
    fig = plot_backtest(_cv(), hist, last_n=10)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["a", "b"]
    ax = visible[0]
    # actuals + 3 forecasts + 3 cutoff lines; an 80% band per cutoff
    assert len(ax.lines) == 7 and len(ax.collections) == 3
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["actual", "cutoff 2020-01-02", "cutoff 2020-01-02 04:00",
                      "cutoff 2020-01-02 08:00"]  # fmt: skip
    first = pd.Timestamp(np.asarray(ax.lines[0].get_xdata())[0])
    assert first == pd.Timestamp("2020-01-01 15:00")  # 10 observations up to the cutoff
    _png(fig, tmp_path / "cv.png")
    with pytest.raises(ValueError, match=r"cv_df is missing columns \['cutoff'\]"):
        plot_backtest(_cv().drop(columns="cutoff"), hist)


def test_plot_attention_heatmap_per_series(tmp_path):
    rng = np.random.default_rng(0)
    w = rng.random((3, 4, 10))
    w /= w.sum(-1, keepdims=True)
    fig = plot_attention(w, ids=np.array(["x", "y", "z"]), series=["z", "x"])
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.images]
    assert [ax.get_title() for ax in panels] == ["z", "x"]
    np.testing.assert_allclose(panels[0].images[0].get_array(), w[2])
    assert panels[0].get_xlim() == (-10.5, -0.5)  # lookback steps before the origin
    _png(fig, tmp_path / "att.png")
    single = plot_attention(w[0])  # (H, L): one panel
    assert [ax.get_title() for ax in single.axes if ax.images] == ["attention"]
    with pytest.raises(ValueError, match=r"argument `weights`.*got shape \(10,\)"):
        plot_attention(w[0, 0])
    with pytest.raises(ValueError, match=r"Series \['q'\] are not among `ids`"):
        plot_attention(w, ids=["x", "y", "z"], series=["q"])
    with pytest.raises(ValueError, match="Received 2 `ids` for 3 series"):
        plot_attention(w, ids=["x", "y"])


def test_plot_history(tmp_path):
    fig = plot_history({"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.6, 0.4]})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["loss", "val_loss"]
    assert ax.get_yscale() == "log"
    fig.savefig(tmp_path / "h.png")
    # negative log-likelihoods: a linear axis, no warning
    fig = plot_history({"loss": [0.5, -0.2], "val_loss": [0.4, -0.1]})
    assert fig.axes[0].get_yscale() == "linear"
    fig.savefig(tmp_path / "nll.png")
