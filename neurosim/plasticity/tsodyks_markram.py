"""Short-term depression and facilitation (:class:`TsodyksMarkram`), run as its definition:
a rule written as statements whose ``transmit`` expression scales what a spike delivers
(:mod:`neurosim.plasticity.rule`).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _checks
from .base import Plasticity, _rule


@dataclass(frozen=True)
class TsodyksMarkram(Plasticity):
    r"""Short-term depression and facilitation (Markram, Wang & Tsodyks 1998, PNAS 95:5323;
    Tsodyks, Pawelzik & Markram 1998).

    Per synapse, a utilisation ``u`` and the fraction of available resources ``x``::

        du/dt = -u / tau_fac              (u = 0 before the first spike)
        dx/dt = (1 - x) / tau_rec         (x = 1 before the first spike)
        at a spike:  u <- u + U (1 - u);  the synapse transmits  w u x;  x <- x - u x

    For a regular train of period ``T`` the amplitudes tend to ``w u* x*`` with
    ``E_f = exp(-T/tau_fac)``, ``E_r = exp(-T/tau_rec)``::

        u* = U / (1 - (1 - U) E_f),      x* = (1 - E_r) / (1 - (1 - u*) E_r)

    ``tau_fac = 0`` means no facilitation (``u = U`` at every spike): pure depression.
    The weight itself does not change.

    Parameters
    ----------
    U : float
        Utilisation increment, in (0, 1].
    tau_rec : float
        Recovery time constant, ms, > 0.
    tau_fac : float
        Facilitation time constant, ms, >= 0.
    """

    U: float = 0.5
    tau_rec: float = 800.0
    tau_fac: float = 0.0

    changes_weights = False

    def __post_init__(self):
        u = _checks.finite("TsodyksMarkram", "U", self.U)
        if not 0.0 < u <= 1.0:
            raise ValueError(f"TsodyksMarkram.U must be in (0, 1], got {u!r}")
        object.__setattr__(self, "U", u)
        object.__setattr__(self, "tau_rec", _checks.positive("TsodyksMarkram", "tau_rec",
                                                             self.tau_rec, "ms"))
        object.__setattr__(self, "tau_fac", _checks.non_negative("TsodyksMarkram", "tau_fac",
                                                                 self.tau_fac, "ms"))

    def _check_bounds(self, owner, w):
        return

    def _definition(self):
        """The rule as statements, which is what the engine runs: ``u`` and ``x`` relax
        between a synapse's spikes and jump at each arrival, and the arrival transmits
        ``w r`` with ``r = u x`` the fraction released (the class docstring's equations).
        ``u``, ``x`` and ``r`` change only at arrivals, from themselves and parameters, so
        they are kept once per (presynaptic neuron, delay) group of the projection."""
        if self.tau_fac > 0:
            return _rule(self, "du/dt = -u / tau_fac : 1\ndx/dt = (1 - x) / tau_rec : 1\nr : 1",
                         on_pre="u += U * (1 - u); r = u * x; x -= r", transmit="w * r",
                         parameters=dict(U=self.U, tau_rec=self.tau_rec, tau_fac=self.tau_fac),
                         initial={"x": 1.0})
        return _rule(self, "dx/dt = (1 - x) / tau_rec : 1\nr : 1",
                     on_pre="r = U * x; x -= r", transmit="w * r",
                     parameters=dict(U=self.U, tau_rec=self.tau_rec), initial={"x": 1.0})
