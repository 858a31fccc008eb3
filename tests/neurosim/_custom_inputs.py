"""Two inputs written as a user would, one file each in a real project: a sinusoidal current
(a ``"deliver"`` block) and a clock-like spike source (a ``"population"`` block). Imported by
tests/neurosim/test_input_blocks.py, which registers nothing else."""

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from neurosim.inputs import CurrentInjection, InputBlock, register_input
from neurosim.inputs.base import cat
from neurosim.neurons import Model


@dataclass(frozen=True, eq=False)
class SineCurrent(CurrentInjection):
    """``amplitude sin(2 pi f t)`` pA, held over each step at its value at the step's start."""

    amplitude: float
    frequency: float  # Hz

    _input = "sine_current"

    def _amplitudes(self):
        return ()


class SineTable(NamedTuple):
    idx: np.ndarray
    amp: np.ndarray
    omega_dt: np.ndarray


def add_sine(k, tab, i_inj, i_det, ring_row, rng):
    idx, amp, omega_dt = tab.idx, tab.amp, tab.omega_dt
    for q in range(idx.shape[0]):
        i_inj[idx[q]] = i_det[idx[q]] + amp[q] * math.sin(omega_dt[q] * k)


@register_input
class SineBlock(InputBlock):
    name = "sine_current"
    phase = "deliver"
    order = 5
    Tables = SineTable
    step = staticmethod(add_sine)

    def build(self, items, ctx):
        rows = [[], [], []]
        for inj in items:
            n = inj.neurons.size
            rows[0].append(inj.neurons + ctx.first(inj.population))
            rows[1].append(np.full(n, inj.current.amplitude))
            rows[2].append(np.full(n, 2 * np.pi * inj.current.frequency * ctx.dt / 1000.0))
        return SineTable(cat(rows[0], np.int64), cat(rows[1], np.float64),
                         cat(rows[2], np.float64))


@dataclass(frozen=True, eq=False)
class Clock(Model):
    """Every neuron fires every ``period`` ms, neuron ``i`` first at ``i`` steps."""

    period: float = 10.0

    _input = "clock"


class ClockTable(NamedTuple):
    every: np.ndarray  # steps between spikes, per neuron (0 outside clocks)
    first: np.ndarray  # global index of the population's neuron 0, per neuron


def tick(k, tab, start, end, fired, n_fired, rng):
    every, first = tab.every, tab.first
    for g in range(start, end):
        if k >= g - first[g] and (k - (g - first[g])) % every[g] == 0:
            fired[n_fired] = g
            n_fired += 1
    return n_fired


@register_input
class ClockBlock(InputBlock):
    name = "clock"
    phase = "population"
    Tables = ClockTable
    step = staticmethod(tick)

    def build(self, items, ctx):
        every = np.ones(ctx.n_total if items else 0, dtype=np.int64)
        first = np.zeros_like(every)
        for pop in items:
            g0 = ctx.first(pop)
            every[g0:g0 + pop.n] = round(pop.model.period / ctx.dt)
            first[g0:g0 + pop.n] = g0
        return ClockTable(every, first)


__all__ = ["SineCurrent", "Clock"]
