"""Leaky integrate-and-fire neuron (:class:`LIF`) and its equations.

One file per model: it registers itself (``@register_model``), so the model contract
suite and the network's list of models find it without another edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _checks
from .base import KIND_LIF, ModelExample, NeuronModel, _defined, _validate_fields, register_model

LIF_EQUATIONS = "dv/dt = -(v - e_leak)/tau_m + (i_syn + i_e)/c_m : mV (unless refractory)"

_LIF_UNITS = dict(tau_m="ms", c_m="pF", e_leak="mV", v_th="mV", v_reset="mV", t_ref="ms",
                  i_e="pA")


@register_model
@dataclass(frozen=True)
class LIF(NeuronModel):
    r"""Leaky integrate-and-fire neuron (NEST's ``iaf_psc_exp`` / ``iaf_cond_exp`` family).

    Equations::

        c_m dv/dt = -(c_m/tau_m) (v - e_leak) + i_e + i_inj + sum_k i_k + sum_k g_k (e_k - v)
        if v >= v_th:  spike;  v <- v_reset;  v held at v_reset for t_ref

    ``i_k`` are current channels and ``g_k`` conductance channels (:mod:`neurosim.synapses`).

    Integration: with current synapses only the system is linear and is integrated *exactly*
    (the propagator of :func:`channel_coefficients`, valid also for ``tau_syn == tau_m``), so
    the voltage on the step grid equals the closed-form solution to rounding error. With any
    conductance channel, ``v`` is advanced by exponential Euler with every synaptic input held
    at its exact mean over the step (the channels themselves stay exact); this is second-order
    accurate in ``dt``.

    Threshold and reset: the threshold is tested on ``v`` at the end of each step; the spike is
    stamped with that step (time ``step * dt``, the step's start). The neuron is then held at
    ``v_reset`` for ``round(t_ref/dt)`` steps, during which delta inputs are lost and synaptic
    channels keep evolving.

    Parameters
    ----------
    tau_m : float
        Membrane time constant, ms, > 0.
    c_m : float
        Membrane capacitance, pF, > 0.
    e_leak : float
        Resting (leak reversal) potential, mV.
    v_th : float
        Threshold, mV, > v_reset.
    v_reset : float
        Reset potential, mV.
    t_ref : float
        Refractory period, ms, >= 0; a whole multiple of dt.
    i_e : float
        Constant bias current, pA.

    State variables: ``v`` (mV), initially ``e_leak``.
    """

    tau_m: float = 10.0
    c_m: float = 250.0
    e_leak: float = -65.0
    v_th: float = -50.0
    v_reset: float = -65.0
    t_ref: float = 2.0
    i_e: float = 0.0

    kind = KIND_LIF
    state_vars = ("v",)

    def __post_init__(self):
        _validate_fields(self, _LIF_UNITS, positive=("tau_m", "c_m"), non_negative=("t_ref",))
        _checks.less("LIF", "v_reset", self.v_reset, "v_th", self.v_th, "mV")

    def initial_values(self):
        return {"v": self.e_leak}

    @property
    def r_m(self):
        """Membrane resistance ``tau_m / c_m`` in GOhm (mV per pA)."""
        return self.tau_m / self.c_m

    @classmethod
    def _examples(cls):
        return [ModelExample("LIF", cls(tau_m=10.0, c_m=250.0, e_leak=-65.0, v_th=-50.0,
                                        v_reset=-65.0, t_ref=2.0), 300.0, 600.0, None, 0.1)]

    def _definition(self):
        return _defined(self, LIF_EQUATIONS, "v >= v_th", "v = v_reset", self.t_ref,
                        ("tau_m", "c_m", "e_leak", "v_th", "v_reset", "i_e"), None, "t_ref")
