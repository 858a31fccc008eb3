"""Difference-of-exponentials ("beta function", dual-exponential) current and conductance:
a rise time and a decay time, as used for AMPA, NMDA and GABA receptors (Roth & van Rossum
2009, "Modeling synapses", in *Computational Modeling Methods for Neuroscientists*, MIT
Press; NEST's ``iaf_cond_beta``, Brian2's documentation examples)::

    x(s) = w N (exp(-s/tau_decay) - exp(-s/tau_rise)),   peak w at
    t_peak = tau_decay tau_rise ln(tau_decay/tau_rise) / (tau_decay - tau_rise)

It is the two-state channel of :mod:`neurosim.synapses.base` with ``tau_x = tau_decay`` and
``tau_y = tau_rise``; the alpha function is its limit ``tau_rise -> tau_decay``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import _checks
from .base import KIND_ALPHA, Synapse, register_synapse


class _BiexpShape:
    """The difference of exponentials, shared by the current and the conductance."""

    kind = KIND_ALPHA
    tau_rise: float
    tau_decay: float

    def _check_times(self):
        name = type(self).__name__
        rise = _checks.positive(name, "tau_rise", self.tau_rise, "ms")
        decay = _checks.positive(name, "tau_decay", self.tau_decay, "ms")
        if not rise < decay:
            raise ValueError(f"{name}.tau_rise must be < tau_decay ({decay!r} ms), got {rise!r} "
                             f"ms (for equal time constants use the alpha kinetics, "
                             f"AlphaCurrent/AlphaConductance(tau))")
        object.__setattr__(self, "tau_rise", rise)
        object.__setattr__(self, "tau_decay", decay)

    @property
    def t_peak(self):
        """Time from arrival to the peak, ms."""
        rise, decay = self.tau_rise, self.tau_decay
        return decay * rise * math.log(decay / rise) / (decay - rise)

    def _kinetics(self):
        """``(tau_x, tau_y, y_jump)``: a unit ``y`` makes ``x = decay/(decay - rise)
        (e^-s/decay - e^-s/rise)``, whose peak the jump scales to 1."""
        rise, decay, tp = self.tau_rise, self.tau_decay, self.t_peak
        peak = decay / (decay - rise) * (math.exp(-tp / decay) - math.exp(-tp / rise))
        return decay, rise, 1.0 / peak

    def response(self, t):
        """``x(t)`` after one arrival of unit weight at ``t = 0`` (t in ms, >= 0)."""
        rise, decay, tp = self.tau_rise, self.tau_decay, self.t_peak
        norm = math.exp(-tp / decay) - math.exp(-tp / rise)
        return (math.exp(-t / decay) - math.exp(-t / rise)) / norm


@register_synapse
@dataclass(frozen=True)
class BiexpCurrent(_BiexpShape, Synapse):
    """Difference-of-exponentials current, peak ``weight`` pA (module docstring).

    Parameters
    ----------
    tau_rise : float
        Rise time constant, ms, > 0 and < ``tau_decay``.
    tau_decay : float
        Decay time constant, ms.
    """

    tau_rise: float = 0.5
    tau_decay: float = 5.0
    weight_unit = "pA"

    def __post_init__(self):
        self._check_times()

    @staticmethod
    def _examples():
        return [BiexpCurrent(0.5, 5.0), BiexpCurrent(2.0, 2.1)]


@register_synapse
@dataclass(frozen=True)
class BiexpConductance(_BiexpShape, Synapse):
    """Difference-of-exponentials conductance, peak ``weight`` nS, with a reversal potential;
    the current is ``g (e_rev - v)``.

    Parameters
    ----------
    tau_rise, tau_decay : float
        Rise and decay time constants, ms, ``0 < tau_rise < tau_decay``.
    e_rev : float
        Reversal potential, mV.
    """

    tau_rise: float = 0.5
    tau_decay: float = 5.0
    e_rev: float = 0.0
    conductance = True
    weight_unit = "nS"

    def __post_init__(self):
        self._check_times()
        object.__setattr__(self, "e_rev", _checks.finite(type(self).__name__, "e_rev",
                                                         self.e_rev, "mV"))

    def _e_rev(self):
        return self.e_rev

    @staticmethod
    def _examples():
        return [BiexpConductance(1.0, 8.0, -80.0)]
