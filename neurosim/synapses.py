"""Synaptic kinetics: what a spike does to its target.

Each class is a frozen description passed to :meth:`neurosim.Network.connect`. Projections onto
one population with equal kinetics share one receptor channel (their inputs add, which is exact
because each channel is linear in its input); different kinetics are kept apart, so one neuron
can have excitatory and inhibitory receptors with their own time constants and reversal
potentials.

Weights and what they mean (units of section 2 of the design guide):

================== ======= =============================================================
class              weight  effect of one spike arriving at time t0 (s = t - t0)
================== ======= =============================================================
Delta              mV      ``v += w`` at t0 (lost while the target is refractory)
ExpCurrent         pA      ``i = w exp(-s/tau)``
AlphaCurrent       pA      ``i = w (s/tau) exp(1 - s/tau)``, peak w at s = tau
ExpConductance     nS      ``g = w exp(-s/tau)``; current ``g (e_rev - v)``
AlphaConductance   nS      ``g = w (s/tau) exp(1 - s/tau)``; current ``g (e_rev - v)``
================== ======= =============================================================

The kinetics are integrated exactly (they are linear and independent of ``v``). The alpha
function is the solution of ``dy/dt = -y/tau``, ``dx/dt = -x/tau + y/tau`` with ``y += e w``
at each spike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import _checks

__all__ = ["Synapse", "Delta", "ExpCurrent", "AlphaCurrent", "ExpConductance",
           "AlphaConductance"]

# Channel kind codes used by the compiled kernels.
KIND_DELTA = 0
KIND_EXP = 1
KIND_ALPHA = 2


class Synapse:
    """Base class of the synaptic kinetics."""

    kind = -1
    conductance = False
    weight_unit = ""

    def _tau(self):
        return math.inf

    def _e_rev(self):
        return 0.0


@dataclass(frozen=True)
class Delta(Synapse):
    """Instantaneous voltage jump of ``weight`` mV."""

    kind = KIND_DELTA
    weight_unit = "mV"


@dataclass(frozen=True)
class ExpCurrent(Synapse):
    """Exponentially decaying current.

    Parameters
    ----------
    tau : float
        Decay time constant, ms, > 0.
    """

    tau: float = 5.0
    kind = KIND_EXP
    weight_unit = "pA"

    def __post_init__(self):
        tau = _checks.positive(type(self).__name__, "tau", self.tau, "ms")
        object.__setattr__(self, "tau", tau)

    def _tau(self):
        return self.tau


@dataclass(frozen=True)
class AlphaCurrent(ExpCurrent):
    """Alpha-function current, peak ``weight`` pA at ``tau`` ms after arrival.

    Parameters
    ----------
    tau : float
        Time to peak, ms, > 0.
    """

    kind = KIND_ALPHA


@dataclass(frozen=True)
class ExpConductance(Synapse):
    """Exponentially decaying conductance with a reversal potential.

    Parameters
    ----------
    tau : float
        Decay time constant, ms, > 0.
    e_rev : float
        Reversal potential, mV.
    """

    tau: float = 5.0
    e_rev: float = 0.0
    kind = KIND_EXP
    conductance = True
    weight_unit = "nS"

    def __post_init__(self):
        name = type(self).__name__
        object.__setattr__(self, "tau", _checks.positive(name, "tau", self.tau, "ms"))
        object.__setattr__(self, "e_rev", _checks.finite(name, "e_rev", self.e_rev, "mV"))

    def _tau(self):
        return self.tau

    def _e_rev(self):
        return self.e_rev


@dataclass(frozen=True)
class AlphaConductance(ExpConductance):
    """Alpha-function conductance, peak ``weight`` nS at ``tau`` ms after arrival.

    Parameters
    ----------
    tau : float
        Time to peak, ms, > 0.
    e_rev : float
        Reversal potential, mV.
    """

    kind = KIND_ALPHA
