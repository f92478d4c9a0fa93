"""Plots that explain themselves (issue 19, items 1 and 7): labelled axes,
forecasts joined to the last observation, ``ax=`` everywhere, one band per
interval, one colour per model, how many series are shown, epochs and the
restored best epoch, an attention scale fitted to the weights."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from forecaster.plotting import (
    plot_attention,
    plot_backtest,
    plot_forecast,
    plot_history,
)
from tests.conftest import make_frame

matplotlib.use("Agg")


def _forecasts(ids, start, h=5, quantiles=False, models=("yhat",)):
    parts = []
    for i in ids:
        cols = {"unique_id": i, "ds": pd.date_range(start, periods=h, freq="h")}
        for k, m in enumerate(models):
            cols |= {m: k + np.arange(h, dtype=float), f"{m}_lo80": -1.0,
                     f"{m}_hi80": 1.0 + np.arange(h)}  # fmt: skip
            if quantiles:
                cols |= {f"{m}_q0.1": -2.0, f"{m}_q0.5": 0.0,
                         f"{m}_q0.9": 2.0 + np.arange(h)}  # fmt: skip
        parts.append(pd.DataFrame(cols))
    return pd.concat(parts, ignore_index=True)


def _hist(ids=("a", "b", "c"), n=48):
    return make_frame({i: np.sin(np.arange(n) + k) for k, i in enumerate(ids)})


def _png(fig, path):
    fig.savefig(path)
    assert path.stat().st_size > 10_000
    return path


def _visible(fig):
    return [
        ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"
    ]


def _legend_texts(fig):
    legend = fig.legends[0] if fig.legends else _visible(fig)[0].get_legend()
    return [t.get_text() for t in legend.get_texts()]


def test_plot_forecast_small_multiples_render(tmp_path):
    fig = plot_forecast(_hist(), _forecasts(["a", "b", "c"], "2020-01-03"), last_n=24)
    visible = _visible(fig)
    assert [ax.get_title() for ax in visible] == ["a", "b", "c"]
    # history, forecast lines and one interval band per panel
    assert len(visible[0].lines) == 2 and len(visible[0].collections) == 1
    assert fig.get_suptitle() == ""  # every series drawn: nothing to say
    assert _legend_texts(fig) == ["history", "80% interval", "forecast"]
    _png(fig, tmp_path / "fc.png")


def test_axis_labels_name_the_time_and_the_target():
    hist = _hist().rename(columns={"y": "sales"})
    fig = plot_forecast(
        hist, _forecasts(["a", "b", "c"], "2020-01-03"), target_col="sales"
    )
    a, b, c = _visible(fig)  # a grid of 2 columns: a b / c
    assert (a.get_ylabel(), b.get_ylabel(), c.get_ylabel()) == ("sales", "", "sales")
    # the bottom panel of each column: c, and b (nothing below it)
    assert (a.get_xlabel(), b.get_xlabel(), c.get_xlabel()) == ("", "time", "time")
    hist["ds"] = hist["ds"].dt.tz_localize("Europe/Paris")
    fc = _forecasts(["a"], "2020-01-03")
    fc["ds"] = fc["ds"].dt.tz_localize("Europe/Paris")
    fig = plot_forecast(hist, fc, target_col="sales")
    assert fig.axes[0].get_xlabel() == "time (Europe/Paris)"


def test_forecast_line_starts_at_the_last_observation():
    hist = _hist(("a",))
    fig = plot_forecast(hist, _forecasts(["a"], "2020-01-03"), last_n=10)
    _, line = fig.axes[0].lines
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    assert pd.Timestamp(x[0]) == hist["ds"].iloc[-1] and y[0] == hist["y"].iloc[-1]
    np.testing.assert_array_equal(y[1:], np.arange(5.0))  # then the forecast
    actuals = make_frame({"a": np.ones(5)}, start="2020-01-03")
    fig = plot_forecast(hist, _forecasts(["a"], "2020-01-03"), actuals=actuals)
    actual = fig.axes[0].lines[-1]  # the observed line goes on, dashed
    assert actual.get_label() == "actual" and actual.get_linestyle() == "--"
    assert actual.get_ydata()[0] == hist["y"].iloc[-1] and len(actual.get_ydata()) == 6


def test_one_band_per_interval_the_quantile_pair_only_when_it_differs(tmp_path):
    hist = _hist(("a",))
    fc = _forecasts(["a"], "2020-01-03", quantiles=True)
    fc["yhat_lo99.5"], fc["yhat_hi99.5"] = -3.0, 9.0  # non-integer levels too
    ax = plot_forecast(hist, fc).axes[0]
    labels = [c.get_label() for c in ax.collections]
    assert labels == ["99.5% interval", "q0.1 - q0.9", "80% interval"]  # widest first
    band = ax.collections[1].get_paths()[0].vertices[:, 1]
    assert band.min() == -2.0 and band.max() == 6.0  # q0.1 and q0.9, not q0.5
    alphas = [c.get_alpha() for c in ax.collections]
    assert alphas == sorted(alphas)  # narrower bands more opaque
    # A quantile model asked for level=80 gives the same range twice: one band.
    fc["yhat_q0.1"], fc["yhat_q0.9"] = fc["yhat_lo80"], fc["yhat_hi80"]
    ax = plot_forecast(hist, fc.drop(columns=["yhat_lo99.5", "yhat_hi99.5"])).axes[0]
    assert [c.get_label() for c in ax.collections] == ["80% interval"]
    _png(ax.figure, tmp_path / "q.png")


def test_several_models_one_colour_each_in_forecast_and_backtest(tmp_path):
    fc = _forecasts(["a", "b"], "2020-01-03", models=("lstm", "snaive"))
    fc = fc.drop(columns=["snaive_lo80", "snaive_hi80"])
    fig = plot_forecast(_hist(("a", "b")), fc)
    ax = _visible(fig)[0]
    lines = {line.get_label(): line.get_color() for line in ax.lines}
    assert list(lines) == ["history", "lstm", "snaive"]  # auto-detected models
    assert lines["lstm"] != lines["snaive"]
    (band,) = ax.collections
    assert band.get_label() == "lstm 80% interval"
    assert to_rgba(band.get_facecolor()[0], 1) == to_rgba(lines["lstm"], 1)
    cv = _cv(models=("lstm", "snaive"))
    bt = _visible(plot_backtest(cv, _hist(("a", "b"), n=60)))[0]
    for line in bt.lines:
        if line.get_label() in lines:
            assert line.get_color() == lines[line.get_label()]
    only = _visible(plot_forecast(_hist(("a", "b")), fc, models="snaive"))[0]
    assert [line.get_label() for line in only.lines] == ["history", "snaive"]
    pinned = plot_forecast(_hist(("a", "b")), fc, colors={"snaive": "black"})
    assert _visible(pinned)[0].lines[2].get_color() == "black"
    with pytest.raises(
        ValueError, match=r"Model column\(s\) \['gru'\] are not in the forecasts"
    ):
        plot_forecast(_hist(), fc, models=["gru"])
    _png(fig, tmp_path / "models.png")


def test_title_says_how_many_series_of_how_many():
    fc = _forecasts(["a", "b", "c"], "2020-01-03")
    assert (
        plot_forecast(_hist(), fc, max_series=2).get_suptitle() == "2 of 3 series shown"
    )
    assert plot_forecast(_hist(), fc, ids=["c"]).get_suptitle() == "1 of 3 series shown"
    cv = plot_backtest(_cv(ids=("a", "b", "c")), _hist(n=60), max_series=2)
    assert cv.get_suptitle() == "2 of 3 series shown"


def test_polars_frames_are_plotted_like_pandas():
    pl = pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    hist, fc = _hist(), _forecasts(["a", "b", "c"], "2020-01-03")
    fig = plot_forecast(
        pl.from_pandas(hist), pl.from_pandas(fc), actuals=pl.from_pandas(hist)
    )
    assert [ax.get_title() for ax in _visible(fig)] == ["a", "b", "c"]
    fig = plot_backtest(pl.from_pandas(_cv()), pl.from_pandas(_hist(("a", "b"), n=60)))
    assert [ax.get_title() for ax in _visible(fig)] == ["a", "b"]


def _cv(ids=("a", "b"), n_windows=3, h=4, models=("yhat",)):
    rows = []
    for uid in ids:
        for k in range(n_windows):
            cutoff = pd.Timestamp("2020-01-02") + pd.Timedelta(hours=h * k)
            ds = pd.date_range(cutoff + pd.Timedelta(hours=1), periods=h, freq="h")
            cols = {"unique_id": uid, "ds": ds, "cutoff": cutoff, "y": 1.0}
            for j, m in enumerate(models):
                cols |= {m: j + k + np.arange(h, dtype=float), f"{m}_lo80": -1.0,
                         f"{m}_hi80": 5.0}  # fmt: skip
            rows.append(pd.DataFrame(cols))
    return pd.concat(rows, ignore_index=True)


def test_plot_backtest_one_line_and_band_per_cutoff(tmp_path):
    hist = make_frame({"a": np.sin(np.arange(60.0)), "b": np.cos(np.arange(60.0))})
    fig = plot_backtest(_cv(), hist, last_n=10)
    visible = _visible(fig)
    assert [ax.get_title() for ax in visible] == ["a", "b"]
    ax = visible[0]
    # actuals + 3 forecasts + 3 cutoff lines; an 80% band per cutoff
    assert len(ax.lines) == 7 and len(ax.collections) == 3
    assert _legend_texts(fig) == ["actual", "80% interval", "forecast", "cutoff"]
    first = pd.Timestamp(np.asarray(ax.lines[0].get_xdata())[0])
    assert first == pd.Timestamp("2020-01-01 15:00")  # 10 observations up to the cutoff
    # each forecast starts at the actual value at its cutoff
    forecast = ax.lines[1]
    assert pd.Timestamp(np.asarray(forecast.get_xdata())[0]) == pd.Timestamp(
        "2020-01-02"
    )
    assert forecast.get_ydata()[0] == hist["y"].iloc[24]
    assert (visible[0].get_ylabel(), visible[0].get_xlabel()) == ("y", "time")
    _png(fig, tmp_path / "cv.png")
    with pytest.raises(ValueError, match=r"cv_df is missing columns \['cutoff'\]"):
        plot_backtest(_cv().drop(columns="cutoff"), hist)
    with pytest.warns(DeprecationWarning, match="use `models=`"):
        plot_backtest(_cv(), hist, model="yhat")


def test_every_plot_draws_into_given_axes(tmp_path):
    fig = Figure(figsize=(12, 8), layout="constrained")
    grid = fig.subplots(2, 3)
    fc = _forecasts(["a", "b", "c"], "2020-01-03")
    assert plot_forecast(_hist(), fc, ax=grid[0, :2]) is fig
    assert [ax.get_title() for ax in grid[0, :2]] == ["a", "b"]  # one per axes
    assert (
        plot_backtest(_cv(), _hist(("a", "b"), n=60), ids=["b"], ax=grid[0, 2]) is fig
    )
    assert grid[0, 2].get_title() == "b" and grid[0, 2].get_legend() is not None
    w = np.full((4, 10), 0.1)
    assert plot_attention(w, ax=grid[1, 0]) is fig
    assert grid[1, 0].images and grid[1, 0].get_title() == "attention"
    assert plot_history({"loss": [1.0, 0.5]}, ax=grid[1, 1]) is fig
    assert grid[1, 1].get_xlabel() == "epoch"
    assert fig.get_suptitle() == "2 of 3 series shown"  # no title of the caller's
    _png(fig, tmp_path / "ax.png")
    with pytest.raises(ValueError, match="Received 1 axes in `ax` for 2 panels"):
        plot_forecast(_hist(), fc, ids=["a", "b"], ax=grid[1, 2])


def test_plot_attention_heatmap_per_series(tmp_path):
    rng = np.random.default_rng(0)
    w = rng.random((3, 4, 10))
    w /= w.sum(-1, keepdims=True)
    fig = plot_attention(w, ids=np.array(["x", "y", "z"]), series=["z", "x"])
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.images]
    assert [ax.get_title() for ax in panels] == ["z", "x"]
    np.testing.assert_allclose(panels[0].images[0].get_array(), w[2])
    assert panels[0].get_xlim() == (-10.5, -0.5)  # lookback steps before the origin
    assert fig.get_suptitle() == "2 of 3 series shown"
    assert len(fig.axes) == 3  # two panels, one shared colour bar
    _png(fig, tmp_path / "att.png")
    single = plot_attention(w[0])  # (H, L): one panel
    assert [ax.get_title() for ax in single.axes if ax.images] == ["attention"]
    with pytest.raises(ValueError, match=r"argument `weights`.*got shape \(10,\)"):
        plot_attention(w[0, 0])
    with pytest.raises(ValueError, match=r"Series \['q'\] are not among `ids`"):
        plot_attention(w, ids=["x", "y", "z"], series=["q"])
    with pytest.raises(ValueError, match="Received 2 `ids` for 3 series"):
        plot_attention(w, ids=["x", "y"])


def test_attention_scale_fits_near_uniform_weights():
    rng = np.random.default_rng(1)
    w = 0.1 * (1 + 0.01 * rng.standard_normal((2, 3, 10)))  # ~uniform over 10 steps
    fig = plot_attention(w)
    image = fig.axes[0].images[0]
    assert image.get_clim() == (w.min(), w.max())  # not 0..max: one flat block
    bar = fig.axes[-1]
    assert "uniform: 0.1" in bar.get_ylabel()
    assert any(np.allclose(line.get_ydata(), 0.1) for line in bar.lines)
    lo, hi = plot_attention(np.full((3, 10), 0.1)).axes[0].images[0].get_clim()
    assert lo < 0.1 < hi  # all equal: a narrow scale around the value, still drawn


def test_plot_history(tmp_path):
    fig = plot_history({"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.6, 0.4]})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines][:2] == ["loss", "val_loss"]
    assert ax.get_yscale() == "log"
    fig.savefig(tmp_path / "h.png")
    # negative log-likelihoods: a linear axis, no warning
    fig = plot_history({"loss": [0.5, -0.2], "val_loss": [0.4, -0.1]})
    assert fig.axes[0].get_yscale() == "linear"
    fig.savefig(tmp_path / "nll.png")


def test_history_integer_epochs_and_the_restored_best_epoch(tmp_path):
    val = [0.9, 0.5, 0.4, 0.45, 0.6, 0.7, 0.8]  # early stopping restores epoch 3
    fig = plot_history({"loss": [1.0, 0.6, 0.4, 0.3, 0.25, 0.2, 0.18], "val_loss": val})
    ax = fig.axes[0]
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() and t >= 1 for t in ticks)
    (mark,) = [line for line in ax.lines if line.get_label().startswith("best")]
    assert mark.get_label() == "best epoch 3 (val_loss 0.4)"
    assert (mark.get_xdata()[0], mark.get_ydata()[0]) == (3, 0.4)
    _png(fig, tmp_path / "best.png")
    explicit = plot_history({"loss": [1.0, 0.6], "val_loss": [0.9, 0.5]}, best_epoch=1)
    assert "best epoch 1" in explicit.axes[0].get_legend_handles_labels()[1][-1]
    none = plot_history({"loss": [1.0, 0.6], "val_loss": [0.9, 0.5]}, best_epoch=None)
    assert len(none.axes[0].lines) == 2
    no_val = plot_history({"loss": [1.0, 0.6]})  # no validation: nothing restored
    assert len(no_val.axes[0].lines) == 1
    with pytest.raises(ValueError, match=r"`best_epoch`.*epoch in 1\.\.2, got 5"):
        plot_history({"loss": [1.0, 0.6]}, best_epoch=5)
