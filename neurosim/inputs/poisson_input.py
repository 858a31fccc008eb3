"""Independent Poisson drive per target neuron (:meth:`neurosim.Network.poisson_input`),
run by the ``"poisson_input"`` input block: one Poisson draw per (drive, target neuron) and
step, added to the target's receptor channel, with no synapse table and no source neurons."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..units import HZ_PER_INV_MS
from .base import InputBlock, cat, register_input

__all__ = ["PoissonInput"]


class PoissonInput:
    """Independent Poisson drive onto (some neurons of) a population, made by
    :meth:`Network.poisson_input`: ``n`` afferents per target neuron, each firing at ``rate``
    Hz, through synapses of kinetics ``synapse`` and weight ``weight``."""

    _input = "poisson_input"

    def __init__(self, population, rate, n, weight, synapse, neurons, name):
        self.population = population
        self.rate = rate
        self.n = n
        self.weight = weight
        self.synapse = synapse
        self.neurons = neurons
        self.name = name

    def __repr__(self):
        return (f"PoissonInput({self.name!r} onto {self.population.name}, {self.n} x "
                f"{self.rate!r} Hz, weight {self.weight!r} {self.synapse.weight_unit})")


class PoissonDrive(NamedTuple):
    """One row per (drive, target neuron)."""
    slot: np.ndarray  #: the target's receptor slot
    lam: np.ndarray   #: expected spikes per step, n rate dt
    w: np.ndarray     #: weight of each spike


def draw_poisson_drive(k, tab, i_inj, i_det, ring_row, rng):
    """Step 1: each row's spikes of this step arrive at its slot now."""
    slot, lam, w = tab.slot, tab.lam, tab.w
    for q in range(slot.shape[0]):
        n_in = rng.poisson(lam[q])
        if n_in > 0:
            ring_row[slot[q]] += n_in * w[q]


@register_input
class PoissonDriveBlock(InputBlock):
    """The rows of every :class:`PoissonInput` of a network; each delivers through the
    receptor channel of its (population, synapse)."""

    name = "poisson_input"
    phase = "deliver"
    order = 2
    Tables = PoissonDrive
    channels = True
    step = staticmethod(draw_poisson_drive)

    def build(self, items, ctx):
        rows = ([], [], [])
        for inp in items:
            lam = inp.n * inp.rate * ctx.dt / HZ_PER_INV_MS
            first_slot = ctx.ch_start[ctx.item_channel[id(inp)]]
            n = inp.neurons.size
            for lst, val in zip(rows, (inp.neurons + first_slot, np.full(n, lam),
                                       np.full(n, inp.weight))):
                lst.append(val)
        return PoissonDrive(cat(rows[0], np.int64), cat(rows[1], np.float64),
                            cat(rows[2], np.float64))
