"""Reward-modulated STDP (:class:`RewardSTDP`), run as its statement definition
(:mod:`neurosim.plasticity.rule`): a shared dopamine trace and ``dw/dt = c d`` integrated
exactly and lazily.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import Plasticity, _rule, _validate_common


@dataclass(frozen=True)
class RewardSTDP(Plasticity):
    r"""Reward-modulated STDP with an eligibility trace (Izhikevich 2007, Cereb. Cortex
    17:2443).

    The pair rule of :class:`STDP` (additive) does not change the weight but a per-synapse
    eligibility trace ``c``; a dopamine level ``d`` of the projection turns it into weight::

        dc/dt = -c / tau_c + STDP(Δt) δ(t - t_event)
        dd/dt = -d / tau_d + (reward jumps, set by the script)
        dw/dt = c d,         w clipped to [w_min, w_max]

    Time is in ms, so ``d`` is a rate per ms (Izhikevich's units). Between events ``c`` and
    ``d`` decay exponentially and ``w`` is integrated exactly:
    ``w(t0 + T) = w(t0) + c(t0) d(t0) tau (1 - exp(-T/tau))`` with
    ``1/tau = 1/tau_c + 1/tau_d`` (``c d`` keeps its sign over the interval, so clipping at
    the end is the clipped trajectory). Synapses are brought up to date lazily: at their own
    events, when their presynaptic neuron fires (so the transmitted weight is current), when a
    weight is recorded and when :meth:`neurosim.Simulator.reward` changes ``d``.

    The engine runs the rule as its statement definition (:meth:`_definition`: ``c`` per
    synapse, the dopamine level a shared trace, ``dw/dt = c * dopamine`` integrated lazily;
    :mod:`neurosim.plasticity.rule`), 64 bytes per synapse; it gave the hand-written kernel
    it replaced bitwise.

    The dopamine level starts at 0 and jumps only through :meth:`neurosim.Simulator.reward`,
    between runs.

    Parameters
    ----------
    a_plus, a_minus : float
        STDP amplitudes for ``c``, >= 0, weight unit (Izhikevich: 1.0 and 1.5).
    tau_plus, tau_minus : float
        ms, > 0 (20 ms).
    tau_c : float
        Eligibility time constant, ms, > 0 (1000 ms).
    tau_d : float
        Dopamine time constant, ms, > 0 (200 ms).
    w_min, w_max : float
        Hard bounds, ``w_min < w_max`` (0 and 4 mV in the paper).
    pairing : {"all", "nearest"}
    """

    a_plus: float = 1.0
    a_minus: float = 1.5
    tau_plus: float = 20.0
    tau_minus: float = 20.0
    tau_c: float = 1000.0
    tau_d: float = 200.0
    w_min: float = 0.0
    w_max: float = 4.0
    pairing: str = "all"

    def __post_init__(self):
        _validate_common(self, rates=("a_plus", "a_minus"),
                         taus=("tau_plus", "tau_minus", "tau_c", "tau_d"))

    def _definition(self):
        """The rule as statements (:meth:`Plasticity.from_equations`), which is what the
        engine runs: the eligibility ``c`` of each synapse follows the pair rule of the
        traces ``apre`` (per presynaptic neuron and delay) and ``apost`` (per postsynaptic
        neuron), the dopamine level is a shared trace (one per projection, set by
        :meth:`neurosim.Simulator.reward`) and ``dw/dt = c dopamine`` is integrated exactly,
        clipped to ``[w_min, w_max]`` (the class docstring's equations)."""
        bump = "+= 1" if self.pairing == "all" else "= 1"
        return _rule(self,
                     "dc/dt = -c / tau_c : 1\n"
                     "dapre/dt = -apre / tau_plus : 1\n"
                     "dapost/dt = -apost / tau_minus : 1\n"
                     "ddopamine/dt = -dopamine / tau_d : 1 (shared)\n"
                     "dw/dt = c * dopamine : 1",
                     on_pre=f"c -= a_minus * apost; apre {bump}",
                     on_post=f"c += a_plus * apre; apost {bump}",
                     parameters=dict(tau_plus=self.tau_plus, tau_minus=self.tau_minus,
                                     tau_c=self.tau_c, tau_d=self.tau_d, a_plus=self.a_plus,
                                     a_minus=self.a_minus, w_min=self.w_min, w_max=self.w_max),
                     w_bounds=("w_min", "w_max"))
