"""The package version, in one place, and the versions an artifact records."""

from __future__ import annotations

__version__ = "0.2.0"


def versions() -> dict[str, str | None]:
    """forecaster, TensorFlow, Keras (and its backend) and NumPy versions."""
    import contextlib
    import importlib.metadata

    import keras
    import numpy as np

    tf_version = None
    for dist in ("tensorflow", "tensorflow-cpu"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            tf_version = importlib.metadata.version(dist)
            break
    return {
        "forecaster": __version__,
        "tensorflow": tf_version,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "numpy": np.__version__,
    }
