"""Exponentially decaying current and conductance: ``x(s) = w exp(-s/tau)``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import _checks
from .base import KIND_EXP, Synapse, register_synapse


@register_synapse
@dataclass(frozen=True)
class ExpCurrent(Synapse):
    """Exponentially decaying current, ``i = w exp(-s/tau)`` pA after an arrival.

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

    def _kinetics(self):
        return self.tau, None, 1.0

    def response(self, t):
        """``x(t)`` after one arrival of unit weight at ``t = 0`` (t in ms, >= 0)."""
        return math.exp(-t / self.tau)

    @staticmethod
    def _examples():
        return [ExpCurrent(5.0), ExpCurrent(0.3)]


@register_synapse
@dataclass(frozen=True)
class ExpConductance(Synapse):
    """Exponentially decaying conductance ``g = w exp(-s/tau)`` nS with a reversal potential;
    the current is ``g (e_rev - v)``.

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

    def _kinetics(self):
        return self.tau, None, 1.0

    def _e_rev(self):
        return self.e_rev

    def response(self, t):
        """``g(t)`` after one arrival of unit weight at ``t = 0`` (t in ms, >= 0)."""
        return math.exp(-t / self.tau)

    @staticmethod
    def _examples():
        return [ExpConductance(5.0, 0.0), ExpConductance(10.0, -80.0)]
