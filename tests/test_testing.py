"""The conformance check itself, and every family passing it."""

import pytest

from forecaster import RecurrentForecaster, Seq2SeqForecaster
from forecaster.testing import check_forecaster, synthetic_panel


def test_synthetic_panel_shape():
    df = synthetic_panel(3, 20)
    assert df.columns.tolist() == ["unique_id", "ds", "y"] and len(df) == 60


@pytest.mark.parametrize(
    "estimator",
    [
        RecurrentForecaster(cell="gru"),
        RecurrentForecaster(loss="quantile"),
        Seq2SeqForecaster(attention="luong"),
        pytest.param(RecurrentForecaster(loss="student_t"), marks=pytest.mark.slow),
        pytest.param(RecurrentForecaster(cell="coupled_lstm"), marks=pytest.mark.slow),
        pytest.param(
            Seq2SeqForecaster(wiring="context_every_step"), marks=pytest.mark.slow
        ),
    ],
    ids=lambda e: f"{type(e).__name__}-{e.cell}-{e.loss}",
)
def test_family_conformance(estimator):
    check_forecaster(estimator)
