"""Validators that build neurosim's error messages.

Each message names the object, the parameter, the constraint and the value, for example
``LIF.tau_m must be > 0 ms, got -5.0``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def _unit(unit):
    return f" {unit}" if unit else ""


def _in_unit(unit):
    return f" (in {unit})" if unit else ""


def finite(owner, name, value, unit=""):
    """Return ``value`` as a float, or raise if it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{owner}.{name} must be a number{_in_unit(unit)}, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{owner}.{name} must be finite{_in_unit(unit)}, got {value!r}")
    return value


def positive(owner, name, value, unit=""):
    """A finite number > 0."""
    value = finite(owner, name, value, unit)
    if value <= 0:
        raise ValueError(f"{owner}.{name} must be > 0{_unit(unit)}, got {value!r}")
    return value


def non_negative(owner, name, value, unit=""):
    """A finite number >= 0."""
    value = finite(owner, name, value, unit)
    if value < 0:
        raise ValueError(f"{owner}.{name} must be >= 0{_unit(unit)}, got {value!r}")
    return value


def probability(owner, name, value):
    """A finite number in [0, 1]."""
    value = finite(owner, name, value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{owner}.{name} must be in [0, 1], got {value!r}")
    return value


def less(owner, name_a, a, name_b, b, unit=""):
    """Require ``a < b``."""
    if not a < b:
        raise ValueError(f"{owner}.{name_a} must be < {owner}.{name_b} ({b!r}{_unit(unit)}), "
                         f"got {a!r}")


def count(owner, name, value, *, minimum=0):
    """An integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{owner}.{name} must be an integer, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{owner}.{name} must be >= {minimum}, got {value}")
    return value


def flag(owner, name, value):
    """A bool (``numpy.bool_`` too); anything else is an error, not a truth value."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}.{name} must be True or False, got {value!r}")
    return bool(value)


def finite_array(owner, name, values, unit="", *, shape=None):
    """A float64 array with finite entries (and the given shape, if any)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}.{name} must be numbers{_unit(unit)}, got {values!r}") from None
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{owner}.{name} must have shape {tuple(shape)}, got {arr.shape}")
    if arr.size and not np.all(np.isfinite(arr)):
        bad = float(arr[~np.isfinite(arr)].flat[0])
        raise ValueError(f"{owner}.{name} must be finite{_unit(unit)}, got {bad!r}")
    return arr


def choice(owner, name, value, valid):
    """A name out of ``valid``; the message lists the valid ones."""
    if value not in valid:
        raise ValueError(f"{owner}.{name} must be one of {sorted(valid)}, got {value!r}")
    return value
