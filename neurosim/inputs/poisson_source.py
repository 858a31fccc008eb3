"""Poisson spike-source populations (:class:`PoissonSource`), run by the
``"poisson_source"`` input block as the kernel of their population."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .. import _checks
from ..neurons import Model
from ..units import HZ_PER_INV_MS
from .base import InputBlock, register_input

__all__ = ["PoissonSource", "spike_probability"]


@dataclass(frozen=True, eq=False)
class PoissonSource(Model):
    """Independent Poisson spike trains, one per neuron of the population.

    In each step a source fires with probability ``rate * dt`` (a Bernoulli process on the step
    grid, the discrete Poisson process), drawn from the simulator's generator. The rate can be
    changed between runs with :meth:`neurosim.Simulator.set_rate`.

    Parameters
    ----------
    rate : float or array_like
        Rate in Hz, >= 0; a scalar or one value per neuron.
    """

    rate: Any = 0.0  # Hz: a float, or a read-only array of one value per neuron once checked

    _input = "poisson_source"

    def __post_init__(self):
        if np.ndim(self.rate) == 0:
            rate = _checks.non_negative("PoissonSource", "rate", self.rate, "Hz")
        else:
            rate = _checks.finite_array("PoissonSource", "rate", self.rate, "Hz")
            if rate.ndim != 1:
                raise ValueError(f"PoissonSource.rate must be a scalar or 1-D, got shape "
                                 f"{rate.shape}")
            if (rate < 0).any():
                raise ValueError(f"PoissonSource.rate must be >= 0 Hz, got {float(rate.min())!r}")
            rate.setflags(write=False)
        object.__setattr__(self, "rate", rate)


def spike_probability(pop, rate, dt):
    """Spike probability per step of a :class:`PoissonSource` population at ``rate`` (Hz)."""
    rate = np.broadcast_to(np.asarray(rate, dtype=np.float64), (pop.n,))
    prob = rate * dt / HZ_PER_INV_MS
    if prob.size and prob.max() > 1.0:
        raise ValueError(f"PoissonSource {pop.name!r}: rate {float(rate.max())!r} Hz "
                         f"exceeds one spike per step of dt = {dt!r} ms")
    return prob


class SpikeProbability(NamedTuple):
    """The spike probability per step of every neuron (0 but in Poisson sources)."""
    p: np.ndarray


def poisson_spikes(k, tab, start, end, fired, n_fired, rng):
    """Step 3, as the population's kernel: each source fires with its probability."""
    p = tab.p
    for g in range(start, end):
        if rng.random() < p[g]:
            fired[n_fired] = g
            n_fired += 1
    return n_fired


@register_input
class PoissonSources(InputBlock):
    """The spike probabilities of the :class:`PoissonSource` populations (changed by
    :meth:`neurosim.Simulator.set_rate`, hence mutable)."""

    name = "poisson_source"
    phase = "population"
    Tables = SpikeProbability
    mutable = ("p",)
    step = staticmethod(poisson_spikes)

    def build(self, items, ctx):
        p = np.zeros(ctx.n_total if items else 0)
        for pop in items:
            first = ctx.first(pop)
            p[first:first + pop.n] = spike_probability(pop, pop.model.rate, ctx.dt)
        return SpikeProbability(p)
