"""Piecewise-constant injected currents: :class:`StepCurrent`, :class:`DCCurrent` and
:class:`RampCurrent`, run by one input block (``"currents"``): every change of current is an
event (step, neuron, change in pA), sorted by step, applied at the start of its step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .. import _checks
from ..units import to_steps, to_steps_array
from .base import CurrentInjection, InputBlock, amplitude, cat, register_input

__all__ = ["StepCurrent", "DCCurrent", "RampCurrent"]


@dataclass(frozen=True, eq=False)
class StepCurrent(CurrentInjection):
    """A current that jumps to ``amplitudes[k]`` pA at ``times[k]`` ms and holds until the next.

    Before ``times[0]`` the current is 0. Times must be increasing and whole multiples of dt.

    Parameters
    ----------
    times : sequence of float
        Switch times, ms, increasing, >= 0.
    amplitudes : sequence of float or of arrays
        Amplitude after each switch, pA; each a scalar or one value per target neuron.
    """

    times: npt.ArrayLike
    amplitudes: Sequence[npt.ArrayLike]

    def __post_init__(self):
        times = _checks.finite_array("StepCurrent", "times", self.times, "ms").ravel()
        if len(self.amplitudes) != times.size:
            raise ValueError(f"StepCurrent.amplitudes must have one entry per time "
                             f"({times.size}), got {len(self.amplitudes)}")
        if times.size and times[0] < 0:
            raise ValueError(f"StepCurrent.times must be >= 0 ms, got {float(times[0])!r}")
        if np.any(np.diff(times) <= 0):
            raise ValueError(f"StepCurrent.times must be strictly increasing, got {times.tolist()}")
        amps = tuple(_checks.finite_array("StepCurrent", f"amplitudes[{k}]", a, "pA")
                     for k, a in enumerate(self.amplitudes))
        times.setflags(write=False)
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "amplitudes", amps)

    def _segments(self, dt):
        return self.times, self.amplitudes


@dataclass(frozen=True, eq=False)
class DCCurrent(CurrentInjection):
    """A constant current of ``amplitude`` pA from ``start`` ms on (NEST's ``dc_generator``).

    Parameters
    ----------
    amplitude : float or array_like
        pA; a scalar or one value per target neuron.
    start : float, keyword-only
        ms, >= 0, a whole multiple of dt. Default 0.
    """

    amplitude: Any
    _: KW_ONLY
    start: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "amplitude", amplitude("DCCurrent", "amplitude",
                                                        self.amplitude))
        object.__setattr__(self, "start", _checks.non_negative("DCCurrent", "start",
                                                               self.start, "ms"))

    def _segments(self, dt):
        return np.array([self.start]), (np.asarray(self.amplitude),)


@dataclass(frozen=True, eq=False)
class RampCurrent(CurrentInjection):
    """A current rising linearly from ``amplitude_start`` at ``start`` to ``amplitude_stop`` at
    ``stop`` (pA, ms), then 0.

    On the step grid each step gets the ramp's exact mean over that step (its value at the
    step's midpoint), so the charge injected is exact.

    Parameters
    ----------
    start, stop : float
        ms, whole multiples of dt, ``start < stop``.
    amplitude_start, amplitude_stop : float
        pA.
    """

    start: float
    stop: float
    amplitude_start: float
    amplitude_stop: float

    def __post_init__(self):
        for name, unit in (("start", "ms"), ("stop", "ms"), ("amplitude_start", "pA"),
                           ("amplitude_stop", "pA")):
            object.__setattr__(self, name, _checks.finite("RampCurrent", name,
                                                          getattr(self, name), unit))
        if self.start < 0:
            raise ValueError(f"RampCurrent.start must be >= 0 ms, got {self.start!r}")
        _checks.less("RampCurrent", "start", self.start, "stop", self.stop, "ms")

    def _amplitudes(self):
        return (np.asarray(self.amplitude_start), np.asarray(self.amplitude_stop))

    def _segments(self, dt):
        first = to_steps(self.start, dt, name="RampCurrent.start")
        last = to_steps(self.stop, dt, name="RampCurrent.stop")
        mid = (np.arange(first, last) + 0.5) * dt
        slope = (self.amplitude_stop - self.amplitude_start) / (self.stop - self.start)
        amps = self.amplitude_start + slope * (mid - self.start)
        times = np.append(np.arange(first, last) * dt, last * dt)
        return times, tuple(np.asarray(a) for a in np.append(amps, 0.0))


class CurrentEvents(NamedTuple):
    """Every change of a piecewise-constant current, sorted by step."""
    step: np.ndarray  #: step of each change (int64, sorted)
    idx: np.ndarray   #: its neuron (global index)
    val: np.ndarray   #: the change, pA
    ptr: np.ndarray   #: the next event to apply (one int64)


def apply_current_events(k, tab, i_inj, i_det, ring_row, rng):
    """Step 1: apply the changes of current due by step ``k``."""
    step, idx, val, ptr = tab.step, tab.idx, tab.val, tab.ptr
    while ptr[0] < step.shape[0] and step[ptr[0]] <= k:
        g = idx[ptr[0]]
        i_det[g] += val[ptr[0]]
        i_inj[g] = i_det[g]
        ptr[0] += 1


@register_input
class Currents(InputBlock):
    """The events of every :class:`StepCurrent`, :class:`DCCurrent` and :class:`RampCurrent`
    (and of any current giving ``_segments``) of a network."""

    name = "currents"
    phase = "deliver"
    order = 0
    Tables = CurrentEvents
    mutable = ("ptr",)
    step = staticmethod(apply_current_events)

    def build(self, items, ctx):
        steps, idx, val = [], [], []
        for inj in items:
            base = ctx.first(inj.population)
            times, amps = inj.current._segments(ctx.dt)
            at = to_steps_array(times, ctx.dt, name=f"inject into {inj.population.name}: time")
            prev = np.zeros(inj.neurons.size)
            for s, a in zip(at, amps):
                a = np.broadcast_to(a, inj.neurons.shape).astype(np.float64)
                steps.append(np.full(inj.neurons.size, s, dtype=np.int64))
                idx.append(inj.neurons + base)
                val.append(a - prev)
                prev = a
        step = cat(steps, np.int64)
        order = np.argsort(step, kind="stable")
        return CurrentEvents(step[order], cat(idx, np.int64)[order],
                             cat(val, np.float64)[order], np.zeros(1, dtype=np.int64))
