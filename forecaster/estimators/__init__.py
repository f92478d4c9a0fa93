"""Estimators: the scikit-learn style facade over the model families."""

from forecaster.estimators.auto import AutoForecaster
from forecaster.estimators.base import BaseForecaster
from forecaster.estimators.recurrent import RecurrentForecaster
from forecaster.estimators.seq2seq import Seq2SeqForecaster

__all__ = [
    "AutoForecaster",
    "BaseForecaster",
    "RecurrentForecaster",
    "Seq2SeqForecaster",
]
