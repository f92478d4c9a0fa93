"""Estimators: the scikit-learn style facade over the model families."""

from forecaster.estimators.base import BaseForecaster
from forecaster.estimators.recurrent import RecurrentForecaster

__all__ = ["BaseForecaster", "RecurrentForecaster"]
