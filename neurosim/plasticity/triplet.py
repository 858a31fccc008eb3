"""Triplet STDP (:class:`TripletSTDP`), run as its statement definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from .base import Plasticity, _rule, _validate_common


@dataclass(frozen=True)
class TripletSTDP(Plasticity):
    r"""Triplet STDP, the all-to-all minimal model of Pfister & Gerstner (2006, J. Neurosci.
    26:9673).

    Presynaptic traces ``r1`` (tau_plus), ``r2`` (tau_x) per synapse, postsynaptic traces
    ``o1`` (tau_minus), ``o2`` (tau_y) per neuron, each decaying exponentially::

        on presynaptic arrival:  w <- w - o1 (a2_minus + a3_minus r2);  r1 += 1;  r2 += 1
        on postsynaptic spike:   w <- w + r1 (a2_plus  + a3_plus  o2);  o1 += 1;  o2 += 1
        then w is clipped to [w_min, w_max]

    where ``r2`` and ``o2`` are read just *before* their own increment. With ``a3_plus =
    a3_minus = 0`` this is the additive pair rule of :class:`STDP`. Defaults: the paper's
    all-to-all fit of the full model to visual-cortex data (Sjöström et al. 2001), the values
    NEST's ``stdp_triplet_synapse`` also uses by default; amplitudes are in the projection's
    weight unit (the paper's are relative to a weight of 1).

    Parameters
    ----------
    a2_plus, a3_plus, a2_minus, a3_minus : float
        Amplitudes, >= 0, weight unit.
    tau_plus, tau_minus, tau_x, tau_y : float
        ms, > 0.
    w_min, w_max : float
        Hard bounds, ``w_min < w_max``.
    pairing : {"all", "nearest"}
        ``"nearest"`` sets traces to 1 at a spike (the paper's nearest-spike variant).
    """

    a2_plus: float = 5e-10
    a3_plus: float = 6.2e-3
    a2_minus: float = 7e-3
    a3_minus: float = 2.3e-4
    tau_plus: float = 16.8
    tau_minus: float = 33.7
    tau_x: float = 101.0
    tau_y: float = 125.0
    w_min: float = 0.0
    w_max: float = 1.0
    pairing: str = "all"

    def __post_init__(self):
        _validate_common(self, rates=("a2_plus", "a3_plus", "a2_minus", "a3_minus"),
                         taus=("tau_plus", "tau_minus", "tau_x", "tau_y"))

    def _definition(self):
        """The rule as statements (:meth:`Plasticity.from_equations`), which is what the
        engine runs: the four traces and the update of the class docstring."""
        bump = "+= 1" if self.pairing == "all" else "= 1"
        return _rule(self, """
            dr1/dt = -r1 / tau_plus : 1
            dr2/dt = -r2 / tau_x : 1
            do1/dt = -o1 / tau_minus : 1
            do2/dt = -o2 / tau_y : 1""",
            on_pre=f"w = clip(w - o1 * (a2_minus + a3_minus * r2), w_min, w_max); r1 {bump}; "
                   f"r2 {bump}",
            on_post=f"w = clip(w + r1 * (a2_plus + a3_plus * o2), w_min, w_max); o1 {bump}; "
                    f"o2 {bump}",
            parameters=dict(tau_plus=self.tau_plus, tau_minus=self.tau_minus, tau_x=self.tau_x,
                            tau_y=self.tau_y, a2_plus=self.a2_plus, a3_plus=self.a3_plus,
                            a2_minus=self.a2_minus, a3_minus=self.a3_minus, w_min=self.w_min,
                            w_max=self.w_max))
