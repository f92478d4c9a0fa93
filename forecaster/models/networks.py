"""What a family's builder returns: its networks, in one bundle (no Keras here).

Every builder (:func:`~forecaster.models.many_to_one.build_many_to_one`,
:func:`~forecaster.models.seq2seq.build_seq2seq`) returns a
:class:`Networks`. The estimators store it as ``networks_``; persistence
saves the weights of ``train`` and rebuilds the bundle on load; export serves
``predict``. A network a family does not have is ``None``: callers ask the
bundle, they never probe the estimator.

B: batch, L: lookback, F: features, H: horizon, P: outputs per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forecaster.models.spec import POINT_LOSSES, head_size

__all__ = ["Networks"]


@dataclass(frozen=True)
class Networks:
    """The Keras networks of one fitted forecaster, sharing their weights.

    Attributes
    ----------
    train : keras.Model
        What ``fit`` trains; its weights are the artifact's weights. Inputs:
        the input dict (plus ``targets`` ``(B, H)`` for a teacher-forced
        family).
    predict : keras.Model
        The input dict -> forecasts ``(B, H)`` (point loss) or ``(B, H, P)``,
        scaled units; what ``predict`` and the SavedModel run. The same
        object as ``train`` for a family without a separate inference
        network.
    loss : str
        The head's loss: what the ``P`` columns of ``predict`` mean
        (:mod:`forecaster.models.spec`).
    quantiles : tuple of float
        Levels of a quantile head (ignored by the others).
    sampler : keras.Model or None
        The ``predict`` inputs plus ``noise`` ``(B, H, k)`` -> one sampled
        path per row ``(B, H)``; families that sample through a decoder.
    attention : keras.Model or None
        The ``predict`` inputs -> ``[forecasts, weights (B, H, L)]``.
    members : int
        Ensemble members ``K`` trained together
        (:mod:`forecaster.models.ensemble`): ``train`` then emits
        ``(B, K, H[, P])``; 1 for a single network.
    """

    train: Any
    predict: Any
    loss: str = "mse"
    quantiles: tuple[float, ...] = ()
    sampler: Any = None
    attention: Any = None
    members: int = 1

    @property
    def outputs_per_step(self) -> int:
        """``P``: 1 for a point loss, else the head's size."""
        return head_size(self.loss, self.quantiles)

    @property
    def is_point(self) -> bool:
        """Whether ``predict`` emits point forecasts ``(B, H)``."""
        return self.loss in POINT_LOSSES

    @property
    def input_names(self) -> tuple[str, ...]:
        """Names of the ``predict`` network's inputs (``history`` first)."""
        struct = self.predict.input
        names = list(struct) if isinstance(struct, dict) else ["history"]
        return tuple(sorted(names, key=lambda n: (n != "history", n)))
