"""Independent Poisson drive per target neuron (:meth:`neurosim.Network.poisson_input`),
run by the ``"poisson_input"`` input block: one Poisson draw per (drive, target neuron) and
step, added to the target's receptor channel, with no synapse table and no source neurons.
The draws come from a counter-based generator (:mod:`neurosim.random123`), so that the
threads can share the rows out and still draw what one thread draws."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import random123
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
    slot: np.ndarray    #: the target's receptor slot
    neuron: np.ndarray  #: the target neuron (global index)
    lam: np.ndarray     #: expected spikes per step, n rate dt
    explam: np.ndarray  #: exp(-lam)
    w: np.ndarray       #: weight of each spike
    key: np.ndarray     #: the counter-based generator's key (2 uint64)


def draw_poisson_drive(k, tab, lo, hi, i_inj, i_det, ring_row, rng):
    """Step 1: the spikes of this step of each row whose target is in [lo, hi) arrive at its
    slot now. Row q's count in step k comes from the counter-based generator
    (neurosim.random123): its uniform is word q % 4 of Philox(q // 4, k, 0, 0), so the draws
    do not depend on which thread handles which rows."""
    slot, neuron, lam, explam, w = tab.slot, tab.neuron, tab.lam, tab.explam, tab.w
    k0 = tab.key[0]
    k1 = tab.key[1]
    block = np.uint64(0)
    words = random123.philox4x64(block, k, 0, 0, k0, k1)
    for q in range(slot.shape[0]):
        g = neuron[q]
        if g < lo or g >= hi:
            continue
        if np.uint64(q >> 2) != block:
            block = np.uint64(q >> 2)
            words = random123.philox4x64(block, k, 0, 0, k0, k1)
        n_in = random123.poisson(lam[q], explam[q], random123.uniform(words[q & 3]), q, k,
                                 k0, k1)
        if n_in > 0:
            ring_row[slot[q]] += n_in * w[q]


@register_input
class PoissonDriveBlock(InputBlock):
    """The rows of every :class:`PoissonInput` of a network; each delivers through the
    receptor channel of its (population, synapse). Counter-based draws: the threads share the
    rows out by target (``per_thread``), with the same counts for any number of threads."""

    name = "poisson_input"
    phase = "deliver"
    order = 2
    per_thread = True
    Tables = PoissonDrive
    channels = True
    step = staticmethod(draw_poisson_drive)

    def build(self, items, ctx):
        rows = ([], [], [], [])
        for inp in items:
            lam = inp.n * inp.rate * ctx.dt / HZ_PER_INV_MS
            first_slot = ctx.ch_start[ctx.item_channel[id(inp)]]
            n = inp.neurons.size
            for lst, val in zip(rows, (inp.neurons + first_slot,
                                       inp.neurons + ctx.first(inp.population),
                                       np.full(n, lam), np.full(n, inp.weight))):
                lst.append(val)
        lam = cat(rows[2], np.float64)
        key = np.random.default_rng([ctx.seed, 0x5E7D]).integers(
            2**64, size=2, dtype=np.uint64)
        return PoissonDrive(cat(rows[0], np.int64), cat(rows[1], np.int64), lam, np.exp(-lam),
                            cat(rows[3], np.float64), key)
