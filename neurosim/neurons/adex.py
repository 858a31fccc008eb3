"""Adaptive exponential integrate-and-fire neuron (:class:`AdEx`) and its equations.

One file per model: it registers itself (``@register_model``), so the model contract
suite and the network's list of models find it without another edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _checks
from .base import KIND_ADEX, SCHEMES, ModelExample, NeuronModel, _defined, _validate_fields, register_model

#: The AdEx, with the right-hand side evaluated at min(v, v_peak) as NEST's aeif models do.
ADEX_EQUATIONS = """
dv/dt = (-g_leak*(vc - e_leak) + i_spike - w + i_syn + i_e)/c_m : mV (unless refractory)
dw/dt = (a*(vc - e_leak) - w)/tau_w : pA
i_spike = g_leak*delta_t*exp((vc - v_t)/delta_t) : pA
vc = clip(v, -1e9*mV, v_peak) : mV
"""

_ADEX_UNITS = dict(c_m="pF", g_leak="nS", e_leak="mV", v_t="mV", delta_t="mV", v_peak="mV",
                   v_reset="mV", tau_w="ms", a="nS", b="pA", t_ref="ms", i_e="pA")


@register_model
@dataclass(frozen=True)
class AdEx(NeuronModel):
    r"""Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005).

    Equations::

        c_m dv/dt = -g_leak (v - e_leak) + g_leak delta_t exp((v - v_t)/delta_t) - w
                    + i_e + i_inj + I_syn(v)
        tau_w dw/dt = a (v - e_leak) - w
        if v >= v_peak:  spike;  v <- v_reset;  w <- w + b;  v held at v_reset for t_ref

    ``I_syn(v) = sum i_k + sum g_k (e_k - v)`` with the channel values held at their mean over
    the step.

    Integration: ``scheme="rk4"`` (classical Runge-Kutta, default) or ``"euler"`` (forward
    Euler), both on ``(v, w)``. The right-hand side is evaluated at ``min(v, v_peak)`` (as
    NEST's ``aeif`` models do) so that an intermediate stage beyond the cut-off can neither
    overflow nor pump ``w``. During the refractory period ``w`` decays exactly with
    ``v = v_reset``.

    Parameters
    ----------
    c_m : float
        Capacitance, pF, > 0.
    g_leak : float
        Leak conductance, nS, > 0.
    e_leak, v_t, v_peak, v_reset : float
        Leak reversal, exponential threshold, spike cut-off, reset; mV. ``v_reset < v_peak``,
        ``v_t < v_peak``.
    delta_t : float
        Slope factor, mV, > 0.
    tau_w : float
        Adaptation time constant, ms, > 0.
    a : float
        Subthreshold adaptation, nS.
    b : float
        Spike-triggered adaptation, pA.
    t_ref : float
        Refractory period, ms, >= 0.
    i_e : float
        Constant bias current, pA.
    scheme : {"rk4", "euler"}

    State variables: ``v`` (mV, initially ``e_leak``), ``w`` (pA, initially 0).
    Defaults are Brette & Gerstner's (2005) regular-spiking values.
    """

    c_m: float = 281.0
    g_leak: float = 30.0
    e_leak: float = -70.6
    v_t: float = -50.4
    delta_t: float = 2.0
    v_peak: float = 0.0
    v_reset: float = -70.6
    tau_w: float = 144.0
    a: float = 4.0
    b: float = 80.5
    t_ref: float = 0.0
    i_e: float = 0.0
    scheme: str = "rk4"

    kind = KIND_ADEX
    state_vars = ("v", "w")

    def __post_init__(self):
        _checks.choice("AdEx", "scheme", self.scheme, SCHEMES)
        _validate_fields(self, _ADEX_UNITS, positive=("c_m", "g_leak", "delta_t", "tau_w"),
                         non_negative=("t_ref",))
        _checks.less("AdEx", "v_reset", self.v_reset, "v_peak", self.v_peak, "mV")
        _checks.less("AdEx", "v_t", self.v_t, "v_peak", self.v_peak, "mV")

    def initial_values(self):
        return {"v": self.e_leak, "w": 0.0}

    @classmethod
    def _examples(cls):
        return [ModelExample("AdEx-rk4", cls(scheme="rk4"), 200.0, 1000.0, 4, 0.1),
                ModelExample("AdEx-euler", cls(scheme="euler"), 200.0, 1000.0, 1, 0.1)]

    def _definition(self):
        return _defined(self, ADEX_EQUATIONS, "v >= v_peak", "v = v_reset; w += b", self.t_ref,
                        ("c_m", "g_leak", "e_leak", "v_t", "delta_t", "v_peak", "v_reset",
                         "tau_w", "a", "b", "i_e"), self.scheme, "t_ref")
