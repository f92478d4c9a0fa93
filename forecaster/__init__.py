"""forecaster: recurrent-network time-series forecasting on Keras 3.

Public names: :class:`RecurrentForecaster`, :class:`Seq2SeqForecaster`,
:class:`AutoForecaster` (needs the ``tune`` extra: Optuna),
:func:`load`, :func:`cross_validation`, :func:`evaluate_cv`,
:mod:`forecaster.datasets`, :mod:`forecaster.metrics`,
:mod:`forecaster.baselines`. Importing the package imports none of them
(nor scikit-learn or TensorFlow) until a name is first used, so that the
command line's ``--help`` starts at once; fitting imports TensorFlow.
"""

from __future__ import annotations

import importlib

from forecaster._version import __version__

__all__ = [
    "AutoForecaster",
    "RecurrentForecaster",
    "Seq2SeqForecaster",
    "baselines",
    "cross_validation",
    "datasets",
    "evaluate_cv",
    "load",
    "metrics",
    "__version__",
]

# name -> the module that defines it (imported on first use, PEP 562)
_LAZY = {
    "AutoForecaster": "forecaster.estimators",
    "RecurrentForecaster": "forecaster.estimators",
    "Seq2SeqForecaster": "forecaster.estimators",
    "cross_validation": "forecaster.backtest",
    "evaluate_cv": "forecaster.backtest",
}
_SUBMODULES = ("baselines", "datasets", "metrics")


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"forecaster.{name}")
    else:
        raise AttributeError(f"module 'forecaster' has no attribute {name!r}")
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load(path):
    """Load an estimator saved with ``estimator.save(path)``.

    See :func:`forecaster.persistence.load`.
    """
    # The families register themselves with the loader when imported.
    importlib.import_module("forecaster.estimators")
    from forecaster.persistence import load as _load

    return _load(path)
