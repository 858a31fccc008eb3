"""The unit convention of neurosim, and the conversion of durations to integer steps.

Every number that enters or leaves neurosim is a plain float in these units (as NEST uses):

=========== ====== ==========================================
quantity    unit   note
=========== ====== ==========================================
time        ms     durations, delays, time constants, spike times
voltage     mV     membrane potentials, thresholds, reversal potentials
current     pA     bias and injected currents, current-synapse weights
capacitance pF     membrane capacitance
conductance nS     leak and conductance-synapse weights
rate        Hz     Poisson rates and firing rates
=========== ====== ==========================================

They are consistent without any factor: ``pA * ms / pF = mV`` and ``nS * mV = pA``.
The only conversion that needs care is Hz against ms (``1 Hz = 1e-3 / ms``), done by
:data:`HZ_PER_INV_MS`.

Durations become integer step counts once, when a simulator is built, by :func:`to_steps`, which
refuses a duration that is not a whole multiple of ``dt`` (within a relative 1e-9).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["TIME", "VOLTAGE", "CURRENT", "CAPACITANCE", "CONDUCTANCE", "RATE",
           "HZ_PER_INV_MS", "to_steps", "to_steps_array"]

TIME = "ms"
VOLTAGE = "mV"
CURRENT = "pA"
CAPACITANCE = "pF"
CONDUCTANCE = "nS"
RATE = "Hz"

#: A rate of 1 / ms is 1000 Hz.
HZ_PER_INV_MS = 1000.0

_TOLERANCE = 1e-9
#: The most a float32's rounding may move a duration, in steps: beyond it, steps are ambiguous.
_NARROW_LIMIT = 1e-3


def to_steps(duration, dt, *, name="duration", minimum=0):
    """Convert a duration in ms to a whole number of steps of ``dt`` ms.

    Parameters
    ----------
    duration : float
        Duration in ms.
    dt : float
        Time step in ms, > 0.
    name : str
        How the duration is called in an error message.
    minimum : int
        The smallest number of steps allowed (1 for a synaptic delay).

    Returns
    -------
    int
        ``round(duration / dt)``.

    A NumPy scalar counts as the number it holds. A float32 (or float16) duration is a whole
    multiple when it is one within its own precision (``np.float32(0.1)`` is 1 step of
    0.1 ms, although as a float64 it is 0.10000000149011612); when even that fails, the
    message shows both values and suggests a float64.

    Raises
    ------
    TypeError
        If the duration is not a real number (a string, a bool, None, ...).
    ValueError
        If the duration is not finite, not a whole multiple of ``dt`` within a relative
        tolerance of 1e-9, or shorter than ``minimum`` steps.
    """
    if isinstance(duration, np.ndarray) and duration.ndim == 0:
        duration = duration[()]
    if isinstance(duration, (bool, np.bool_)) or not isinstance(duration, numbers.Real):
        raise TypeError(f"{name} must be a number (in ms), got {duration!r} "
                        f"({type(duration).__name__})")
    narrow = (isinstance(duration, np.floating)
              and np.finfo(type(duration)).eps > np.finfo(np.float64).eps)
    spacing = float(np.spacing(abs(duration))) if narrow else 0.0
    given = duration
    duration = float(duration)
    dt = float(dt)
    if not math.isfinite(duration):
        raise ValueError(f"{name} must be finite, got {duration!r}")
    ratio = duration / dt
    n_steps = int(round(ratio))
    # A float32 holds its value to within half its spacing, so that much is not the user's.
    tolerance = max(_TOLERANCE * max(1.0, abs(ratio)), min(spacing / dt, _NARROW_LIMIT))
    # "Too short" first: it is the likelier mistake for a delay of 0.05 ms at dt = 0.1 ms.
    if n_steps < minimum or ratio < minimum * (1 - _TOLERANCE):
        if minimum == 1 and duration >= 0:
            raise ValueError(f"{name} {duration!r} ms is shorter than dt = {dt!r} ms")
        raise ValueError(f"{name} must be >= {minimum * dt!r} ms ({minimum} steps of dt = "
                         f"{dt!r} ms), got {duration!r}")
    if abs(ratio - n_steps) > tolerance:
        if narrow:
            kind, shown = type(given).__name__, str(given)
            meant = float(shown) / dt
            if abs(meant - round(meant)) <= _TOLERANCE * max(1.0, abs(meant)):
                raise ValueError(f"{name} {shown} ms was given as a {kind}, which holds "
                                 f"{duration!r} ms: not a whole multiple of dt = {dt!r} ms "
                                 f"after {kind} rounding; give it as a Python float or "
                                 f"np.float64")
            raise ValueError(f"{name} {shown} ms ({kind}) is not a whole multiple of dt = "
                             f"{dt!r} ms")
        raise ValueError(f"{name} {duration!r} ms is not a whole multiple of dt = {dt!r} ms")
    return n_steps


def to_steps_array(durations, dt, *, name="duration", minimum=0):
    """Vectorised :func:`to_steps`: an array of durations in ms to an int64 array of steps.

    The error message names the first offending value.
    """
    durations = np.asarray(durations, dtype=np.float64)
    dt = float(dt)
    if durations.size == 0:
        return np.zeros(durations.shape, dtype=np.int64)
    bad = ~np.isfinite(durations)
    if bad.any():
        raise ValueError(f"{name} must be finite, got {float(durations[bad].flat[0])!r}")
    ratio = durations / dt
    n_steps = np.rint(ratio)
    low = (n_steps < minimum) | (ratio < minimum * (1 - _TOLERANCE))
    if low.any():
        value = float(durations[low].flat[0])
        if minimum == 1 and value >= 0:
            raise ValueError(f"{name} {value!r} ms is shorter than dt = {dt!r} ms")
        raise ValueError(f"{name} must be >= {minimum * dt!r} ms ({minimum} steps of dt = "
                         f"{dt!r} ms), got {value!r}")
    off = np.abs(ratio - n_steps) > _TOLERANCE * np.maximum(1.0, np.abs(ratio))
    if off.any():
        value = float(durations[off].flat[0])
        raise ValueError(f"{name} {value!r} ms is not a whole multiple of dt = {dt!r} ms")
    return n_steps.astype(np.int64)
