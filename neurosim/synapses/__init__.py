"""Synaptic kinetics: what a spike does to its target.

Each class is a frozen description passed to :meth:`neurosim.Network.connect`, in a file of
its own that registers it (:data:`SYNAPSES`; the contract is in
:mod:`neurosim.synapses.base`). Projections onto one population with equal kinetics share one
receptor channel (their inputs add, which is exact because each channel is linear in its
input); different kinetics are kept apart, so one neuron can have excitatory and inhibitory
receptors with their own time constants and reversal potentials.

Weights and what they mean (units of section 2 of the design guide):

================== ======= =============================================================
class              weight  effect of one spike arriving at time t0 (s = t - t0)
================== ======= =============================================================
Delta              mV      ``v += w`` at t0 (lost while the target is refractory)
ExpCurrent         pA      ``i = w exp(-s/tau)``
AlphaCurrent       pA      ``i = w (s/tau) exp(1 - s/tau)``, peak w at s = tau
BiexpCurrent       pA      ``i = w N (exp(-s/tau_decay) - exp(-s/tau_rise))``, peak w
ExpConductance     nS      ``g = w exp(-s/tau)``; current ``g (e_rev - v)``
AlphaConductance   nS      ``g = w (s/tau) exp(1 - s/tau)``; current ``g (e_rev - v)``
BiexpConductance   nS      ``g`` as BiexpCurrent's ``i``; current ``g (e_rev - v)``
================== ======= =============================================================

The kinetics are integrated exactly (they are linear and independent of ``v``).
"""

from .alpha import AlphaConductance, AlphaCurrent
from .base import (
    KIND_ALPHA,
    KIND_DELTA,
    KIND_EXP,
    N_CHANNEL_COEFS,
    SYNAPSES,
    Synapse,
    kinetics_coefficients,
    register_synapse,
)
from .biexponential import BiexpConductance, BiexpCurrent
from .delta import Delta
from .exponential import ExpConductance, ExpCurrent

__all__ = ["Synapse", "Delta", "ExpCurrent", "AlphaCurrent", "BiexpCurrent", "ExpConductance",
           "AlphaConductance", "BiexpConductance", "SYNAPSES", "register_synapse",
           "kinetics_coefficients", "KIND_DELTA", "KIND_EXP", "KIND_ALPHA", "N_CHANNEL_COEFS"]
