"""Hodgkin-Huxley neuron (:class:`HodgkinHuxley`) and its equations.

One file per model: it registers itself (``@register_model``), so the model contract
suite and the network's list of models find it without another edit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import _checks
from .base import KIND_HH, ModelExample, NeuronModel, _defined, _validate_fields, register_model

#: Hodgkin & Huxley (1952); x/(1 - exp(-x/y)) written y/exprel(-x/y), which has no 0/0 point.
HH_EQUATIONS = """
dv/dt = (-g_na*m**3*h*(v - e_na) - g_k*n**4*(v - e_k) - g_leak*(v - e_leak) + i_syn + i_e)/c_m : mV
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
alpha_m = 1/ms/exprel(-(v + 40*mV)/(10*mV)) : 1/ms
beta_m = 4/ms*exp(-(v + 65*mV)/(18*mV)) : 1/ms
alpha_h = 0.07/ms*exp(-(v + 65*mV)/(20*mV)) : 1/ms
beta_h = 1/ms/(1 + exp(-(v + 35*mV)/(10*mV))) : 1/ms
alpha_n = 0.1/ms/exprel(-(v + 55*mV)/(10*mV)) : 1/ms
beta_n = 0.125/ms*exp(-(v + 65*mV)/(80*mV)) : 1/ms
"""


_HH_UNITS = dict(c_m="pF", g_na="nS", g_k="nS", g_leak="nS", e_na="mV", e_k="mV",
                 e_leak="mV", v_th="mV", i_e="pA")
HH_SCHEMES = ("rk4", "exponential_euler")


def _hh_rates_py(v):
    """Opening and closing rates (1/ms) of m, h, n at ``v`` (mV): the rates of
    :data:`HH_EQUATIONS`, for the initial values."""
    def vtrap(x, y):  # x / (1 - exp(-x/y)), continuous at x = 0
        return y * (1.0 + 0.5 * x / y) if abs(x / y) < 1e-7 else x / -math.expm1(-x / y)
    v = float(v)
    return (0.1 * vtrap(v + 40.0, 10.0), 4.0 * math.exp(-(v + 65.0) / 18.0),
            0.07 * math.exp(-(v + 65.0) / 20.0), 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0)),
            0.01 * vtrap(v + 55.0, 10.0), 0.125 * math.exp(-(v + 65.0) / 80.0))


@register_model
@dataclass(frozen=True)
class HodgkinHuxley(NeuronModel):
    r"""Hodgkin & Huxley's (1952) squid axon, classic parameters (rest -65 mV, 6.3 degC), for a
    membrane patch of 1e-4 cm^2 (so 1 uA/cm^2 is 100 pA).

    Equations (``v`` in mV, ``t`` in ms, rates in 1/ms)::

        c_m dv/dt = -g_na m^3 h (v - e_na) - g_k n^4 (v - e_k) - g_leak (v - e_leak)
                    + i_e + i_inj + I_syn(v)
        dx/dt = alpha_x(v) (1 - x) - beta_x(v) x          for x in m, h, n
        alpha_m = 0.1 (v + 40) / (1 - exp(-(v + 40)/10))   beta_m = 4 exp(-(v + 65)/18)
        alpha_h = 0.07 exp(-(v + 65)/20)                   beta_h = 1 / (1 + exp(-(v + 35)/10))
        alpha_n = 0.01 (v + 55) / (1 - exp(-(v + 55)/10))  beta_n = 0.125 exp(-(v + 65)/80)

    A spike is an upward crossing of ``v_th`` within a step; there is no reset.
    ``I_syn(v) = sum i_k + sum g_k (e_k - v)`` held at the channels' mean over the step.

    Integration (``scheme``):

    - ``"rk4"`` (default): classical Runge-Kutta on ``(v, m, h, n)``, fourth order. It is
      only conditionally stable: with the classic parameters a spike blows it up at
      ``dt = 0.1`` ms but not at 0.05 ms, so ``dt`` above ``0.05 ms * (c_m / 100 pF) *
      (15630 nS / (g_na + g_k + g_leak))`` is refused when the simulator is built.
    - ``"exponential_euler"``: with ``v`` held at its step-start value each gate relaxes
      exactly, ``x' = x_inf + (x - x_inf) exp(-dt (alpha + beta))`` (Rush-Larsen); with the
      gates held, ``v`` relaxes exactly towards the conductance-weighted reversal potential;
      first order, and stable for any ``dt``.

    Parameters
    ----------
    c_m : float
        Capacitance, pF (100 = 1 uF/cm^2).
    g_na, g_k, g_leak : float
        Maximal conductances, nS (12000, 3600, 30 = 120, 36, 0.3 mS/cm^2).
    e_na, e_k, e_leak : float
        Reversal potentials, mV.
    v_th : float
        Spike-detection threshold, mV.
    i_e : float
        Constant bias current, pA.
    scheme : {"rk4", "exponential_euler"}

    State variables: ``v`` (mV, initially -65), ``m``, ``h``, ``n`` (initially their steady
    state at -65 mV).
    """

    c_m: float = 100.0
    g_na: float = 12000.0
    g_k: float = 3600.0
    g_leak: float = 30.0
    e_na: float = 50.0
    e_k: float = -77.0
    e_leak: float = -54.387
    v_th: float = 0.0
    i_e: float = 0.0
    scheme: str = "rk4"

    kind = KIND_HH
    state_vars = ("v", "m", "h", "n")

    def __post_init__(self):
        _checks.choice("HodgkinHuxley", "scheme", self.scheme, HH_SCHEMES)
        _validate_fields(self, _HH_UNITS, positive=("c_m",),
                         non_negative=("g_na", "g_k", "g_leak"))

    def initial_values(self):
        v = -65.0
        a_m, b_m, a_h, b_h, a_n, b_n = _hh_rates_py(v)
        return {"v": v, "m": a_m / (a_m + b_m), "h": a_h / (a_h + b_h), "n": a_n / (a_n + b_n)}

    def max_rk4_dt(self):
        """The largest dt (ms) accepted with ``scheme="rk4"`` (see the class docstring)."""
        return 0.05 * (self.c_m / 100.0) * (15630.0 / max(self.g_na + self.g_k + self.g_leak,
                                                           1e-300))

    def _check_dt(self, dt):
        if self.scheme == "rk4" and dt > self.max_rk4_dt() * (1 + 1e-9):
            raise ValueError(f"HodgkinHuxley with scheme='rk4' is unstable during spikes at "
                             f"dt = {dt!r} ms; use dt <= {self.max_rk4_dt():.3g} ms or "
                             f"scheme='exponential_euler'")

    @classmethod
    def _examples(cls):
        # RK4 on HH is unstable during spikes at dt = 0.1 ms (the run stops with a NaN error).
        return [ModelExample("HodgkinHuxley-rk4", cls(scheme="rk4"), 100.0, 1000.0, 4, 0.025),
                ModelExample("HodgkinHuxley-exponential_euler",
                             cls(scheme="exponential_euler"), 100.0, 1000.0, 1, 0.1)]

    def _definition(self):
        # A spike is an upward crossing of v_th: the threshold v >= v_th is tested only in
        # steps that start below it (refractory while v >= v_th), and nothing is reset.
        return _defined(self, HH_EQUATIONS, "v >= v_th", "", "v >= v_th",
                        ("c_m", "g_na", "g_k", "g_leak", "e_na", "e_k", "e_leak", "v_th", "i_e"),
                        self.scheme, None)

