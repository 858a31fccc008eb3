"""Alpha-function current and conductance: ``x(s) = w (s/tau) exp(1 - s/tau)``, peak ``w``
at ``s = tau``; the solution of ``dy/dt = -y/tau``, ``dx/dt = (y - x)/tau`` with
``y += e w`` at each arrival.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .base import KIND_ALPHA, register_synapse
from .exponential import ExpConductance, ExpCurrent


class _AlphaShape:
    """The alpha function, shared by the current and the conductance (listed first among
    the bases, so that its kind and kinetics are the ones used)."""

    kind = KIND_ALPHA
    tau: float

    def _kinetics(self):
        return self.tau, self.tau, math.e

    def response(self, t):
        """``x(t)`` after one arrival of unit weight at ``t = 0`` (t in ms, >= 0)."""
        return (t / self.tau) * math.exp(1.0 - t / self.tau)


@register_synapse
@dataclass(frozen=True)
class AlphaCurrent(_AlphaShape, ExpCurrent):
    """Alpha-function current, peak ``weight`` pA at ``tau`` ms after arrival.

    Parameters
    ----------
    tau : float
        Time to peak, ms, > 0.
    """

    @staticmethod
    def _examples():
        return [AlphaCurrent(2.0), AlphaCurrent(0.5)]


@register_synapse
@dataclass(frozen=True)
class AlphaConductance(_AlphaShape, ExpConductance):
    """Alpha-function conductance, peak ``weight`` nS at ``tau`` ms after arrival.

    Parameters
    ----------
    tau : float
        Time to peak, ms, > 0.
    e_rev : float
        Reversal potential, mV.
    """

    @staticmethod
    def _examples():
        return [AlphaConductance(2.0, 0.0)]
