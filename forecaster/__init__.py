"""forecaster: recurrent-network time-series forecasting on Keras 3.

Public names: :class:`RecurrentForecaster`, :class:`Seq2SeqForecaster`,
:class:`AutoForecaster` (needs the ``tune`` extra: Optuna),
:func:`load`, :func:`cross_validation`, :func:`evaluate_cv`,
:mod:`forecaster.datasets`, :mod:`forecaster.metrics`,
:mod:`forecaster.baselines`. Importing the package does not import
TensorFlow; fitting does.
"""

from forecaster import datasets
from forecaster._version import __version__
from forecaster.backtest import cross_validation, evaluate_cv
from forecaster.estimators import (
    AutoForecaster,
    RecurrentForecaster,
    Seq2SeqForecaster,
)

__all__ = [
    "AutoForecaster",
    "RecurrentForecaster",
    "Seq2SeqForecaster",
    "cross_validation",
    "datasets",
    "evaluate_cv",
    "load",
    "__version__",
]


def load(path):
    """Load an estimator saved with ``estimator.save(path)``.

    See :func:`forecaster.persistence.load`.
    """
    from forecaster.persistence import load as _load

    return _load(path)
