"""Pair-based STDP (:class:`STDP`), run as its statement definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _checks
from .base import DEPENDENCES, PAIRINGS, Plasticity, _rule, _validate_common


@dataclass(frozen=True)
class STDP(Plasticity):
    r"""Pair-based spike-timing-dependent plasticity with traces (Song, Miller & Abbott 2000;
    Morrison, Diesmann & Gerstner 2008).

    For a pair with ``Δt = t_post - (t_pre + delay)`` (see the module docstring) the weight
    changes by::

        Δw = +a_plus  exp(-Δt / tau_plus)     if Δt >= 0   (potentiation)
        Δw = -a_minus exp(+Δt / tau_minus)    if Δt <  0   (depression)

    computed on line with a presynaptic trace ``x`` (per synapse) and a postsynaptic trace
    ``o`` (per neuron)::

        dx/dt = -x / tau_plus,   do/dt = -o / tau_minus
        on presynaptic arrival:  w <- w - a_minus o f_-(w);  x <- x + 1  (nearest: x <- 1)
        on postsynaptic spike:   w <- w + a_plus  x f_+(w);  o <- o + 1  (nearest: o <- 1)
        then w is clipped to [w_min, w_max]

    ``dependence="additive"``: ``f_+ = f_- = 1`` (hard bounds only), the rule of Song et al.
    ``dependence="multiplicative"``: ``f_+(w) = w_max - w``, ``f_-(w) = w - w_min`` (soft
    bounds; van Rossum, Bi & Turrigiano 2000, Rubin et al. 2001).

    Parameters
    ----------
    a_plus, a_minus : float
        Amplitudes, >= 0: in the projection's weight unit for the additive rule, dimensionless
        fractions for the multiplicative one.
    tau_plus, tau_minus : float
        Trace time constants, ms, > 0.
    w_min, w_max : float
        Hard bounds, weight unit, ``w_min < w_max``; initial weights must lie inside.
    pairing : {"all", "nearest", "reduced"}
        See "Pairing" in :mod:`neurosim.plasticity`.
    dependence : {"additive", "multiplicative"}
    """

    a_plus: float = 0.01
    a_minus: float = 0.0105
    tau_plus: float = 20.0
    tau_minus: float = 20.0
    w_min: float = 0.0
    w_max: float = 1.0
    pairing: str = "all"
    dependence: str = "additive"

    def __post_init__(self):
        _validate_common(self, rates=("a_plus", "a_minus"), taus=("tau_plus", "tau_minus"),
                         pairings=PAIRINGS)
        _checks.choice("STDP", "dependence", self.dependence, DEPENDENCES)

    def window(self, delta_t, w=None):
        """Weight change of one isolated pair, ``Δt = t_post - (t_pre + delay)`` in ms.

        Parameters
        ----------
        delta_t : float or array_like
            ms.
        w : float, optional
            Weight before the pair; needed for ``dependence="multiplicative"``.

        Returns
        -------
        numpy.ndarray
            ``Δw`` in the weight unit (not clipped to the bounds).
        """
        delta_t = np.asarray(delta_t, dtype=np.float64)
        f_plus = f_minus = 1.0
        if self.dependence == "multiplicative":
            if w is None:
                raise ValueError("STDP.window: the multiplicative rule needs the weight w")
            f_plus, f_minus = self.w_max - w, w - self.w_min
        return np.where(delta_t >= 0, self.a_plus * f_plus * np.exp(-delta_t / self.tau_plus),
                        -self.a_minus * f_minus * np.exp(delta_t / self.tau_minus))

    def _definition(self):
        """The rule as statements (:meth:`Plasticity.from_equations`), which is what the
        engine runs: the traces, the window and the pairing of the class docstring. Reduced
        pairing keeps two flags per synapse: an arrival depresses only if a postsynaptic spike
        came since the synapse's last arrival, and vice versa."""
        bump = "+= 1" if self.pairing == "all" else "= 1"
        f_minus = " * (w - w_min)" if self.dependence == "multiplicative" else ""
        f_plus = " * (w_max - w)" if self.dependence == "multiplicative" else ""
        eqs = "dapre/dt = -apre / tau_plus : 1\ndapost/dt = -apost / tau_minus : 1"
        gate_pre = gate_post = ""
        flags_pre = flags_post = ""
        initial = None
        if self.pairing == "reduced":
            eqs += "\npre_fresh : 1\npost_fresh : 1"
            gate_pre, gate_post = " * post_fresh", " * pre_fresh"
            flags_pre, flags_post = "; post_fresh = 0; pre_fresh = 1", \
                "; pre_fresh = 0; post_fresh = 1"
            initial = {"post_fresh": 1.0}
        return _rule(self, eqs,
                     on_pre=f"w = clip(w - a_minus * apost{f_minus}{gate_pre}, w_min, w_max); "
                            f"apre {bump}{flags_pre}",
                     on_post=f"w = clip(w + a_plus * apre{f_plus}{gate_post}, w_min, w_max); "
                             f"apost {bump}{flags_post}",
                     parameters=dict(tau_plus=self.tau_plus, tau_minus=self.tau_minus,
                                     a_plus=self.a_plus, a_minus=self.a_minus,
                                     w_min=self.w_min, w_max=self.w_max),
                     initial=initial)
