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

    Raises
    ------
    ValueError
        If the duration is not finite, not a whole multiple of ``dt`` within a relative
        tolerance of 1e-9, or shorter than ``minimum`` steps.
    """
    duration = float(duration)
    dt = float(dt)
    if not math.isfinite(duration):
        raise ValueError(f"{name} must be finite, got {duration!r}")
    ratio = duration / dt
    n_steps = int(round(ratio))
    # "Too short" first: it is the likelier mistake for a delay of 0.05 ms at dt = 0.1 ms.
    if n_steps < minimum or ratio < minimum * (1 - _TOLERANCE):
        if minimum == 1 and duration >= 0:
            raise ValueError(f"{name} {duration!r} ms is shorter than dt = {dt!r} ms")
        raise ValueError(f"{name} must be >= {minimum * dt!r} ms ({minimum} steps of dt = "
                         f"{dt!r} ms), got {duration!r}")
    if abs(ratio - n_steps) > _TOLERANCE * max(1.0, abs(ratio)):
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
