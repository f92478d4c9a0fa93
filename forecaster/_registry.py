"""The classes an artifact may name, registered by the classes themselves.

``load`` instantiates only classes found here, never a class named by a file
and imported on demand. Each estimator family and each dataclass of fitted
state registers itself where it is defined (a decorator), so the registry is
complete whenever the package is imported, and persistence needs no list of
module names. This module imports nothing from the package: every layer may
use it without an upward import.
"""

from __future__ import annotations

import dataclasses

__all__ = [
    "estimator_classes",
    "register_estimator",
    "register_state_class",
    "state_classes",
]

_ESTIMATORS: dict[str, type] = {}
_STATE_CLASSES: dict[str, type] = {}


def _register(table: dict[str, type], cls: type, kind: str) -> type:
    known = table.get(cls.__name__)
    if known is not None and known is not cls:
        raise ValueError(
            f"A different {kind} named {cls.__name__!r} is already registered "
            f"({known.__module__}.{known.__qualname__})."
        )
    table[cls.__name__] = cls
    return cls


def register_estimator(cls: type) -> type:
    """Let ``load`` rebuild estimators of ``cls`` (a class decorator).

    Raises
    ------
    ValueError
        If another class of the same name is registered.
    """
    return _register(_ESTIMATORS, cls, "estimator class")


def register_state_class(cls: type) -> type:
    """Allow a dataclass as fitted state (usable as a class decorator).

    Its fields must themselves be savable (arrays, str, numbers, lists,
    dicts, None or other registered dataclasses); ``load`` rebuilds it with
    ``cls(**fields)``. Decorate the class where it is defined, so that it is
    registered whenever the estimator using it is importable.

    Raises
    ------
    TypeError
        If ``cls`` is not a dataclass.
    ValueError
        If another class of the same name is registered.
    """
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"Expected a dataclass, got {cls!r}.")
    return _register(_STATE_CLASSES, cls, "state class")


def estimator_classes() -> dict[str, type]:
    """The estimator classes ``load`` may instantiate, by class name."""
    return dict(_ESTIMATORS)


def state_classes() -> dict[str, type]:
    """The dataclasses ``load`` may rebuild as fitted state, by class name."""
    return dict(_STATE_CLASSES)
