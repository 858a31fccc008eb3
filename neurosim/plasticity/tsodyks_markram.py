"""Short-term depression and facilitation (:class:`TsodyksMarkram`), applied when spikes are
pushed into the delay buffer (step 4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba

from .. import _checks
from .base import Plasticity


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


@numba.njit(cache=True, nogil=True, error_model="numpy")
def push_spikes_stp(step, fired, n_fired, indptr, target, weight, delay, stp_par, u, x, last,
                    dt, ring):
    """Push the spikes of step ``step`` through the Tsodyks-Markram synapses (equations in
    :class:`TsodyksMarkram`), adding ``w u x`` to the ring row of their arrival step.

    ``stp_par[s] = (U, tau_rec, tau_fac)``; ``u``, ``x`` and ``last`` (step of the previous
    spike) are the synapse's state, advanced in place."""
    n_rows = ring.shape[0]
    for f in range(n_fired):
        g = fired[f]
        for s in range(indptr[g], indptr[g + 1]):
            h = (step - last[s]) * dt
            big_u = stp_par[s, 0]
            tau_fac = stp_par[s, 2]
            uu = u[s] * math.exp(-h / tau_fac) if tau_fac > 0.0 else 0.0
            xx = 1.0 + (x[s] - 1.0) * math.exp(-h / stp_par[s, 1])
            uu += big_u * (1.0 - uu)
            released = uu * xx
            ring[(step + delay[s]) % n_rows, target[s]] += weight[s] * released
            u[s] = uu
            x[s] = xx - released
            last[s] = step
