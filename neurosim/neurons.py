"""Neuron models: parameters, validation and the equations that define them.

A built-in model is a frozen dataclass of parameters, validated when it is made, and a
definition in the equations mechanism (:data:`LIF_EQUATIONS`, :data:`ADEX_EQUATIONS`,
:data:`IZHIKEVICH_EQUATIONS`, :data:`HH_EQUATIONS`): the simulator integrates it by the kernel
generated from its equations (:mod:`neurosim.equations`), exactly like a model a user writes
with :meth:`NeuronModel.from_equations`. The classes are what the Brian2 and NEST engines
translate (NEST has its own models for them).

Synaptic input enters every model as ``i_syn``: each receptor channel advances exactly over
the step (:mod:`neurosim.synapses`); exactly integrated models take the channels' exact
contribution, the others see the synaptic currents and conductances held at their exact mean
over the step. Delta synapses jump ``v``.

Units: ms, mV, pA, pF, nS (see :mod:`neurosim.units`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np

from . import _checks
from .synapses import KIND_ALPHA, KIND_DELTA

__all__ = ["Model", "NeuronModel", "LIF", "AdEx", "Izhikevich", "HodgkinHuxley",
           "MODELS", "MODEL_KINDS", "ModelExample", "register_model", "LIF_EQUATIONS",
           "ADEX_EQUATIONS", "IZHIKEVICH_EQUATIONS", "HH_EQUATIONS"]

# Model codes (neuron models are integrated by generated kernels numbered from
# neurosim.equation_model.KIND_EQUATIONS; the sources' codes are the loop's).
KIND_LIF = 0
KIND_ADEX = 1
KIND_IZHIKEVICH = 2
KIND_HH = 3
KIND_POISSON = 10
KIND_SPIKE_TIMES = 11

#: Rows of the simulator's state array at least (more when a model has more state variables
#: and per-neuron parameters); the membrane potential is always row 0.
N_STATE_ROWS = 1
#: Length of a receptor channel's coefficient row (see :func:`channel_coefficients`).
N_CHANNEL_COEFS = 7

SCHEMES = ("euler", "rk4")


class Model:
    """Base class of everything a population can be made of (neurons and spike sources)."""

    kind = -1
    #: State variables the model owns, in the order of the simulator's state rows.
    state_vars: tuple = ()

    def initial_values(self):
        """Default initial value of each state variable, in its unit."""
        return {}



class NeuronModel(Model):
    """Base class of the neuron models (models that integrate a membrane potential)."""

    def _definition(self):
        """The :class:`~neurosim.equation_model.EquationModel` that integrates this model."""
        raise NotImplementedError(f"{type(self).__name__} has no definition")

    def _check_dt(self, dt):
        """Refuse a time step the model cannot be integrated with (nothing by default)."""

    @staticmethod
    def from_equations(equations, *, threshold, reset="", refractory=0.0, parameters=None,
                       scheme=None, initial=None, name="EquationModel"):
        """A neuron model written as equations, in the project's units.

        >>> eif = NeuronModel.from_equations(
        ...     "dv/dt = (g_l*(e_l - v) + g_l*delta_t*exp((v - v_t)/delta_t) + i_syn) / c_m"
        ...     " : mV (unless refractory)",
        ...     threshold="v > v_peak", reset="v = v_reset", refractory=2.0,
        ...     parameters=dict(c_m=281.0, g_l=30.0, e_l=-70.6, v_t=-50.4, delta_t=2.0,
        ...                     v_peak=0.0, v_reset=-70.6), initial=dict(v=-70.6))
        >>> eif.units["g_l"], eif.integration
        ('nS', 'rk4')

        Parameters
        ----------
        equations : str
            ``dx/dt = ... : unit`` per state variable (flag ``(unless refractory)`` to clamp it
            while refractory), ``name = ... : unit`` subexpressions, ``name : unit`` parameter
            units (optional: inferred from their use). ``i_syn`` (pA) is the input current:
            every synapse onto the neuron and every injected current. Syntax, names and units
            are checked here (:mod:`neurosim.equations`).
        threshold : str
            Spike condition on the state at the end of a step, e.g. ``"v > v_th"``.
        reset : str
            Statements on a spike, ``;``-separated: ``"v = v_reset; w += b"``.
        refractory : float
            ms, >= 0, a whole multiple of dt (checked when the simulator is built).
        parameters : dict
            Values in their units: numbers (shared), arrays or distributions (per neuron).
        scheme : {None, "exact", "rk4", "euler", "exponential_euler"}
            ``None`` chooses ``"exact"`` for linear equations, else ``"rk4"``.
        initial : dict, optional
            Default initial values (else 0); ``net.population(..., v=...)`` overrides them.
        name : str
            An identifier naming the model in messages.

        Returns
        -------
        neurosim.equation_model.EquationModel
        """
        from .equation_model import EquationModel
        return EquationModel(equations=equations, threshold=threshold, reset=reset,
                             refractory=refractory, parameters=dict(parameters or {}),
                             scheme=scheme, initial=dict(initial or {}), name=name)


def _validate_fields(obj, units, *, positive=(), non_negative=()):
    name = type(obj).__name__
    for f in fields(obj):
        if f.name == "scheme":
            continue
        unit = units.get(f.name, "")
        value = getattr(obj, f.name)
        if f.name in positive:
            value = _checks.positive(name, f.name, value, unit)
        elif f.name in non_negative:
            value = _checks.non_negative(name, f.name, value, unit)
        else:
            value = _checks.finite(name, f.name, value, unit)
        object.__setattr__(obj, f.name, value)


# --------------------------------------------------------------------------------------------
# The built-in models are definitions in the equations mechanism (neurosim.equations): the
# classes below validate their parameters, carry their documentation and are what the Brian2
# and NEST engines translate; the simulator integrates each through the kernel generated from
# its equations, like any model a user writes.
# --------------------------------------------------------------------------------------------

#: The LIF: linear, so integrated exactly (exponential Euler with conductance synapses).
LIF_EQUATIONS = "dv/dt = -(v - e_leak)/tau_m + (i_syn + i_e)/c_m : mV (unless refractory)"
#: The AdEx, with the right-hand side evaluated at min(v, v_peak) as NEST's aeif models do.
ADEX_EQUATIONS = """
dv/dt = (-g_leak*(vc - e_leak) + i_spike - w + i_syn + i_e)/c_m : mV (unless refractory)
dw/dt = (a*(vc - e_leak) - w)/tau_w : pA
i_spike = g_leak*delta_t*exp((vc - v_t)/delta_t) : pA
vc = clip(v, -1e9*mV, v_peak) : mV
"""
#: Izhikevich (2003), v in mV and t in ms; the input current scaled by c_m.
IZHIKEVICH_EQUATIONS = """
dv/dt = 0.04/(mV*ms)*vc**2 + 5/ms*vc + 140*mV/ms - u + (i_syn + i_e)/c_m : mV
du/dt = a*(b*vc - u) : mV/ms
vc = clip(v, -1e9*mV, v_peak) : mV
"""

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

_DEFINITIONS = {}


def _defined(model, text, threshold, reset, refractory, names, scheme, ref_field):
    """The :class:`~neurosim.equation_model.EquationModel` a built-in model is integrated by
    (made once per parameter set)."""
    if model not in _DEFINITIONS:
        from .equation_model import EquationModel
        name = type(model).__name__
        defn = EquationModel(equations=text, threshold=threshold, reset=reset,
                             refractory=refractory,
                             parameters={k: getattr(model, k) for k in names}, scheme=scheme,
                             name=name)
        if ref_field is not None:  # errors name the model's own parameter
            object.__setattr__(defn, "_ref_label", f"{name}.{ref_field}")
        _DEFINITIONS[model] = defn
    return _DEFINITIONS[model]


# --------------------------------------------------------------------------------------------
# Synaptic input, shared by every model.
# --------------------------------------------------------------------------------------------

def channel_coefficients(kind, tau, dt, tau_m=math.inf, c_m=1.0):
    """Exact one-step propagator of a receptor channel and of its effect on a passive membrane.

    A channel holds ``x`` (current in pA, or conductance in nS) and, for alpha kinetics, an
    auxiliary ``y``: ``dy/dt = -y/tau``, ``dx/dt = -x/tau + y/tau`` (exponential kinetics:
    ``y = 0``). Over one step ``h`` the exact solution is ``x' = d x + (h/tau) d y``,
    ``y' = d y`` with ``d = exp(-h/tau)``. For a current feeding a membrane
    ``dv/dt = -(v - e_leak)/tau_m + x/c_m`` the contribution to ``v(t + h)`` is
    ``k_x x + k_y y`` with, writing ``a = 1/tau_m - 1/tau``::

        k_x = exp(-h/tau_m) h / c_m * g(a h),        g(z) = (exp(z) - 1)/z
        k_y = exp(-h/tau_m) h^2 / (c_m tau) * f(a h), f(z) = (exp(z)(z - 1) + 1)/z^2

    ``g`` and ``f`` are evaluated by their Taylor series for small ``|z|``, so ``tau == tau_m``
    (``g = 1``, ``f = 1/2``) and nearly equal time constants lose no digits.

    The mean of ``x`` over the step, ``m_x x + m_y y``, is what models that are not integrated
    exactly see as their synaptic input (held over the step)::

        m_x = (tau/h)(1 - d),   m_y = (tau/h)(1 - d - (h/tau) d)

    Returns
    -------
    numpy.ndarray
        ``[d, (h/tau) d, k_x, k_y, y_jump, m_x, m_y]`` where ``y_jump`` multiplies a weight
        arriving at an alpha channel (``e``, so that the peak of ``x`` equals the weight).
    """
    out = np.zeros(N_CHANNEL_COEFS)
    if kind == KIND_DELTA:
        return out
    h = dt
    d = math.exp(-h / tau)
    out[0] = d
    # tau/h (1 - d) = -expm1(-h/tau) tau/h, accurate also for h << tau.
    out[5] = -math.expm1(-h / tau) * tau / h
    if kind == KIND_ALPHA:
        out[1] = (h / tau) * d
        out[4] = math.e
        out[6] = out[5] - d
    if math.isfinite(tau_m):
        z = h * (1.0 / tau_m - 1.0 / tau)
        if abs(z) < 0.1:
            # Taylor series: g = sum z^n/(n+1)!, f = sum (n+1) z^n/(n+2)!; 20 terms reach
            # far below 1e-16 relative for |z| < 0.1.
            g = 0.0
            f = 0.0
            for n in range(20, -1, -1):
                g = g * z + 1.0 / math.factorial(n + 1)
                f = f * z + (n + 1) / math.factorial(n + 2)
        else:
            g = math.expm1(z) / z
            f = (math.exp(z) * (z - 1.0) + 1.0) / (z * z)
        em = math.exp(-h / tau_m)
        out[2] = em * h / c_m * g
        if kind == KIND_ALPHA:
            out[3] = em * h * h / (c_m * tau) * f
    return out


# --------------------------------------------------------------------------------------------
# Leaky integrate-and-fire.
# --------------------------------------------------------------------------------------------

_LIF_UNITS = dict(tau_m="ms", c_m="pF", e_leak="mV", v_th="mV", v_reset="mV", t_ref="ms",
                  i_e="pA")


class ModelExample(NamedTuple):
    """How the model contract suite exercises a registered model (``_examples()``)."""
    label: str
    model: NeuronModel
    sub: float          #: a constant current (pA) that keeps it silent
    supra: float        #: one that makes it fire repeatedly
    order: int | None   #: the scheme's order of convergence in dt (None: exact)
    dt: float           #: a step (ms) at which the scheme is stable while it spikes


#: The named built-in neuron models, by class name: what ``Network.population`` lists and what
#: the model contract suite (``tests/neurosim/test_neuron_models.py``) runs over.
MODELS = {}


def register_model(cls):
    """Class decorator: register a named built-in model in :data:`MODELS`. The class must
    provide ``_examples()``, a list of :class:`ModelExample`, so that the contract suite tests
    it without a list to edit."""
    if not callable(getattr(cls, "_examples", None)):
        raise TypeError(f"register_model: {cls.__name__} must define _examples() (the "
                        f"configurations the model contract suite runs)")
    MODELS[cls.__name__] = cls
    return cls


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


# --------------------------------------------------------------------------------------------
# Adaptive exponential integrate-and-fire.
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Izhikevich.
# --------------------------------------------------------------------------------------------

_IZH_UNITS = dict(a="1/ms", b="1/ms", c="mV", d="mV/ms", v_peak="mV", c_m="pF", i_e="pA")


@register_model
@dataclass(frozen=True)
class Izhikevich(NeuronModel):
    r"""Izhikevich's (2003) simple model.

    Equations (``v`` in mV, ``t`` in ms)::

        dv/dt = 0.04 v^2 + 5 v + 140 - u + (i_e + i_inj + I_syn(v)) / c_m
        du/dt = a (b v - u)
        if v >= v_peak:  spike;  v <- c;  u <- u + d

    With the default ``c_m = 1 pF`` an input of 1 pA is Izhikevich's ``I = 1`` (mV/ms).
    ``I_syn(v) = sum i_k + sum g_k (e_k - v)``, held at their mean over the step.

    Integration: ``scheme="rk4"`` (default) or ``"euler"``, on ``(v, u)``. The right-hand side
    is evaluated at ``min(v, v_peak)`` so that intermediate stages stay finite.

    Parameters
    ----------
    a, b : float
        Recovery rate and sensitivity, 1/ms.
    c : float
        Reset potential, mV, < v_peak.
    d : float
        Reset increment of ``u``, mV/ms.
    v_peak : float
        Spike cut-off, mV.
    c_m : float
        Scale of the input current, pF, > 0.
    i_e : float
        Constant bias current, pA.
    scheme : {"rk4", "euler"}

    State variables: ``v`` (mV, initially -65), ``u`` (mV/ms, initially ``b * v``).
    Defaults: regular spiking (a=0.02, b=0.2, c=-65, d=8).
    """

    a: float = 0.02
    b: float = 0.2
    c: float = -65.0
    d: float = 8.0
    v_peak: float = 30.0
    c_m: float = 1.0
    i_e: float = 0.0
    scheme: str = "rk4"

    kind = KIND_IZHIKEVICH
    state_vars = ("v", "u")

    def __post_init__(self):
        _checks.choice("Izhikevich", "scheme", self.scheme, SCHEMES)
        _validate_fields(self, _IZH_UNITS, positive=("c_m",))
        _checks.less("Izhikevich", "c", self.c, "v_peak", self.v_peak, "mV")

    def initial_values(self):
        return {"v": -65.0, "u": self.b * -65.0}

    @classmethod
    def _examples(cls):
        return [ModelExample("Izhikevich-rk4", cls(scheme="rk4"), 2.0, 10.0, 4, 0.1),
                ModelExample("Izhikevich-euler", cls(scheme="euler"), 2.0, 10.0, 1, 0.1)]

    def _definition(self):
        return _defined(self, IZHIKEVICH_EQUATIONS, "v >= v_peak", "v = c; u += d", 0.0,
                        ("a", "b", "c", "d", "v_peak", "c_m", "i_e"), self.scheme, None)


# --------------------------------------------------------------------------------------------
# Hodgkin-Huxley.
# --------------------------------------------------------------------------------------------

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


#: Former name of :data:`MODELS`.
MODEL_KINDS = MODELS
