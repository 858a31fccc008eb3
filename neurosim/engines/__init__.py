"""Other simulators running a neurosim description, found through a registry.

:class:`neurosim.Simulator` picks an engine by name from :data:`ENGINES` and imports its module
only then, so ``import neurosim`` never needs Brian2 or NEST. An engine is a class taking
``(simulator, engine_options)`` that translates the simulator's realised network; a new one is
added with :func:`register` (here, or by a third-party package) and no file of the simulator
changes.
"""

from __future__ import annotations

import importlib

__all__ = ["ENGINES", "register", "engine_class"]

#: Engine name -> ``"module:Class"`` (imported on first use). ``"neurosim"`` is the built-in
#: engine and has no entry.
ENGINES = {
    "brian2": "neurosim.engines.brian2:Brian2Engine",
    "nest": "neurosim.engines.nest:NestEngine",
}


def register(name, target):
    """Make ``Simulator(..., engine=name)`` use ``target`` (``"module:Class"``, or the class)."""
    if not isinstance(name, str) or not name or name == "neurosim":
        raise ValueError(f"register: engine name must be a non-empty string other than "
                         f"'neurosim', got {name!r}")
    ENGINES[name] = target


def engine_class(name):
    """The class of a registered engine (its module imported now)."""
    target = ENGINES[name]
    if not isinstance(target, str):
        return target
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)
