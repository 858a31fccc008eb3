"""Neuron models: parameters, equations and the compiled kernels that integrate them.

A model is a frozen dataclass of parameters, validated when it is made. Its equations are in
its docstring, right above the kernel that integrates them. A kernel advances one population by
one step of ``dt``, in place, then applies threshold, reset and refractoriness; the simulator
calls it inside its compiled loop over many steps.

Synaptic input enters every model through :func:`_synaptic_step`, which applies the
events delivered this step (delta jumps straight to ``v``) and advances each receptor channel
exactly over the step (see :mod:`neurosim.synapses`). Models other than the current-based LIF see the synaptic
currents and conductances held at their exact mean over the step.

Units: ms, mV, pA, pF, nS (see :mod:`neurosim.units`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numba
import numpy as np

from . import _checks
from .synapses import KIND_ALPHA, KIND_DELTA

__all__ = ["Model", "NeuronModel", "LIF", "AdEx", "Izhikevich", "HodgkinHuxley",
           "MODEL_KINDS", "LIF_EQUATIONS", "ADEX_EQUATIONS", "IZHIKEVICH_EQUATIONS"]

# Kernel dispatch codes.
KIND_LIF = 0
KIND_ADEX = 1
KIND_IZHIKEVICH = 2
KIND_HH = 3
KIND_POISSON = 10
KIND_SPIKE_TIMES = 11

#: Rows of the simulator's state array; the membrane potential is always row 0.
N_STATE_ROWS = 4
#: Length of a packed parameter row. Slot 15 stays 0 for every model but the LIF: it is
#: passed as ``lin_only`` to :func:`_synaptic_step` as a run-time value, since a literal
#: ``False`` would make numba compile that function a second time.
N_PARAMS = 16
#: Neurons per block of the LIF integration loop; a block with no spike skips the threshold pass.
THRESHOLD_BLOCK = 256
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

    def _pack(self, dt):
        """Parameters as a float64 row for the kernel; ``dt`` in ms."""
        return np.zeros(N_PARAMS)


class NeuronModel(Model):
    """Base class of the neuron models (models that integrate a membrane potential)."""

    def _definition(self):
        """The :class:`~neurosim.equation_model.EquationModel` that integrates this model, or
        ``None`` for a model with a kernel of its own."""
        return None

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
# its equations, like any model a user writes. (Hodgkin-Huxley, whose spike is an upward
# crossing without reset, keeps its own kernel for now.)
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


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _synaptic_step(start, end, chans, ch_kind, ch_cond, ch_start, ch_coef, ch_erev, x1, x2,
                   work, ring_row, v_all, ref_left, lin_only):
    """Deliver this step's input (``ring_row``, then cleared) to neurons ``start..end-1`` and
    advance their channels by one step.

    Delta channels add their jumps (mV) straight to ``v_all`` (``state[0, start:end]``) where
    the neuron is not refractory (``ref_left`` is ``refrac[start:end]``; during the refractory
    period delta input is lost). The other channels fill ``work[:, :end - start]``: row 1 the
    summed current-channel currents averaged over the step (pA); row 2 the summed conductances
    (nS) and row 3 ``sum g e_rev`` (pA) averaged over the step; row 4 the exact contribution of
    the current channels to a passive membrane's ``v`` at the step end (mV). With ``lin_only``
    (an exactly integrated LIF population, which has no conductance channel) only row 4 is
    made, else rows 1 to 3.

    Channel by channel, so that each inner loop is a branch-free loop over contiguous memory
    that compiles to SIMD code. The first channel to write a row sets it (to ``0.0 + value``,
    bitwise what adding to a zeroed row gives), so the rows need no zeroing pass; a row that no
    channel writes is zeroed at the end. The caller's integration loop then makes the only
    other pass over the neurons.
    """
    n = end - start
    i_mean = work[1]
    g_mean = work[2]
    ge_mean = work[3]
    v_lin = work[4]
    # Whether the row still has to be set (rather than added to).
    new_i = True
    new_g = True
    new_lin = True
    for c in chans:
        # Views indexed from 0: no negative-index checks in the inner loops.
        s0 = ch_start[c]
        arrived = ring_row[s0:s0 + n]
        x = x1[s0:s0 + n]
        y = x2[s0:s0 + n]
        kind = ch_kind[c]
        if kind == 0:
            for j in range(n):
                a = arrived[j]
                arrived[j] = 0.0
                v = v_all[j]
                v_all[j] = v if ref_left[j] > 0 else v + a
            continue
        d = ch_coef[c, 0]
        d_xy = ch_coef[c, 1]
        k_x = ch_coef[c, 2]
        k_y = ch_coef[c, 3]
        y_jump = ch_coef[c, 4]
        m_x = ch_coef[c, 5]
        m_y = ch_coef[c, 6]
        e_rev = ch_erev[c]
        # One loop per kind, so that each is a branch-free loop over contiguous slots. The old
        # row value is loaded unconditionally so that "set or add" is a select, not a branch.
        if kind == 1 and lin_only:
            for j in range(n):
                a = x[j] + arrived[j]
                arrived[j] = 0.0
                old = v_lin[j]
                v_lin[j] = (0.0 if new_lin else old) + k_x * a
                x[j] = d * a
            new_lin = False
        elif kind == 1 and not ch_cond[c]:
            for j in range(n):
                a = x[j] + arrived[j]
                arrived[j] = 0.0
                old = i_mean[j]
                i_mean[j] = (0.0 if new_i else old) + m_x * a
                x[j] = d * a
            new_i = False
        elif kind == 1:
            for j in range(n):
                a = x[j] + arrived[j]
                arrived[j] = 0.0
                old_g = g_mean[j]
                old_ge = ge_mean[j]
                g_mean[j] = (0.0 if new_g else old_g) + m_x * a
                ge_mean[j] = (0.0 if new_g else old_ge) + m_x * a * e_rev
                x[j] = d * a
            new_g = False
        elif lin_only:
            for j in range(n):
                a = x[j]
                b = y[j] + y_jump * arrived[j]
                arrived[j] = 0.0
                old = v_lin[j]
                v_lin[j] = (0.0 if new_lin else old) + (k_x * a + k_y * b)
                x[j] = d * a + d_xy * b
                y[j] = d * b
            new_lin = False
        elif not ch_cond[c]:
            for j in range(n):
                a = x[j]
                b = y[j] + y_jump * arrived[j]
                arrived[j] = 0.0
                old = i_mean[j]
                i_mean[j] = (0.0 if new_i else old) + (m_x * a + m_y * b)
                x[j] = d * a + d_xy * b
                y[j] = d * b
            new_i = False
        else:
            for j in range(n):
                a = x[j]
                b = y[j] + y_jump * arrived[j]
                arrived[j] = 0.0
                gm = m_x * a + m_y * b
                old_g = g_mean[j]
                old_ge = ge_mean[j]
                g_mean[j] = (0.0 if new_g else old_g) + gm
                ge_mean[j] = (0.0 if new_g else old_ge) + gm * e_rev
                x[j] = d * a + d_xy * b
                y[j] = d * b
            new_g = False
    for r in range(1, 5):
        if (r == 4) != lin_only:
            continue
        if (r == 1 and new_i) or (1 < r < 4 and new_g) or (r == 4 and new_lin):
            row = work[r]
            for j in range(n):
                row[j] = 0.0


# --------------------------------------------------------------------------------------------
# Leaky integrate-and-fire.
# --------------------------------------------------------------------------------------------

_LIF_UNITS = dict(tau_m="ms", c_m="pF", e_leak="mV", v_th="mV", v_reset="mV", t_ref="ms",
                  i_e="pA")


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

    def _definition(self):
        return _defined(self, LIF_EQUATIONS, "v >= v_th", "v = v_reset", self.t_ref,
                        ("tau_m", "c_m", "e_leak", "v_th", "v_reset", "i_e"), None, "t_ref")


# --------------------------------------------------------------------------------------------
# Adaptive exponential integrate-and-fire.
# --------------------------------------------------------------------------------------------

_ADEX_UNITS = dict(c_m="pF", g_leak="nS", e_leak="mV", v_t="mV", delta_t="mV", v_peak="mV",
                   v_reset="mV", tau_w="ms", a="nS", b="pA", t_ref="ms", i_e="pA")


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

    def _definition(self):
        return _defined(self, ADEX_EQUATIONS, "v >= v_peak", "v = v_reset; w += b", self.t_ref,
                        ("c_m", "g_leak", "e_leak", "v_t", "delta_t", "v_peak", "v_reset",
                         "tau_w", "a", "b", "i_e"), self.scheme, "t_ref")


# --------------------------------------------------------------------------------------------
# Izhikevich.
# --------------------------------------------------------------------------------------------

_IZH_UNITS = dict(a="1/ms", b="1/ms", c="mV", d="mV/ms", v_peak="mV", c_m="pF", i_e="pA")


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
    """Opening and closing rates (1/ms) of m, h, n at ``v`` (mV); Python twin for initial
    values (the kernel uses :func:`_hh_rates`)."""
    return _hh_rates(float(v))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _vtrap(x, y):
    """``x / (1 - exp(-x/y))``, continuous at ``x = 0`` (value ``y``)."""
    if abs(x / y) < 1e-7:
        return y * (1.0 + 0.5 * x / y)
    return x / -math.expm1(-x / y)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _hh_rates(v):
    a_m = 0.1 * _vtrap(v + 40.0, 10.0)
    b_m = 4.0 * math.exp(-(v + 65.0) / 18.0)
    a_h = 0.07 * math.exp(-(v + 65.0) / 20.0)
    b_h = 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
    a_n = 0.01 * _vtrap(v + 55.0, 10.0)
    b_n = 0.125 * math.exp(-(v + 65.0) / 80.0)
    return a_m, b_m, a_h, b_h, a_n, b_n


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

    def _pack(self, dt, conductance=False):
        if self.scheme == "rk4" and dt > self.max_rk4_dt() * (1 + 1e-9):
            raise ValueError(f"HodgkinHuxley with scheme='rk4' is unstable during spikes at "
                             f"dt = {dt!r} ms; use dt <= {self.max_rk4_dt():.3g} ms or "
                             f"scheme='exponential_euler'")
        p = np.zeros(N_PARAMS)
        p[0:9] = (self.c_m, self.g_na, self.g_k, self.g_leak, self.e_na, self.e_k, self.e_leak,
                  self.v_th, self.i_e)
        p[9] = HH_SCHEMES.index(self.scheme)
        p[10] = dt
        return p


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _hh_rhs(v, m, h, n, par, i_in, g_syn):
    a_m, b_m, a_h, b_h, a_n, b_n = _hh_rates(v)
    i_ion = (par[1] * m * m * m * h * (v - par[4]) + par[2] * n * n * n * n * (v - par[5])
             + par[3] * (v - par[6]))
    dv = (-i_ion + i_in - g_syn * v) / par[0]
    return (dv, a_m * (1.0 - m) - b_m * m, a_h * (1.0 - h) - b_h * h,
            a_n * (1.0 - n) - b_n * n)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def hodgkin_huxley_step(start, end, par, state, refrac, i_inj, chans, ch_kind, ch_cond,
                        ch_start, ch_coef, ch_erev, x1, x2, work, ring_row, fired, n_fired):
    """Advance Hodgkin-Huxley neurons ``start..end-1`` by one step (equations and schemes in
    :class:`HodgkinHuxley`)."""
    c_m = par[0]
    v_th = par[7]
    i_e = par[8]
    rk4 = par[9] == 0.0
    h_ = par[10]
    _synaptic_step(start, end, chans, ch_kind, ch_cond, ch_start, ch_coef, ch_erev, x1, x2,
                   work, ring_row, state[0, start:end], refrac[start:end], par[15] != 0.0)
    for g in range(start, end):
        j = g - start
        v0 = state[0, g]
        m = state[1, g]
        h = state[2, g]
        n = state[3, g]
        i_in = i_e + i_inj[g] + work[1, j] + work[3, j]
        g_syn = work[2, j]
        if rk4:
            k1 = _hh_rhs(v0, m, h, n, par, i_in, g_syn)
            k2 = _hh_rhs(v0 + 0.5 * h_ * k1[0], m + 0.5 * h_ * k1[1], h + 0.5 * h_ * k1[2],
                         n + 0.5 * h_ * k1[3], par, i_in, g_syn)
            k3 = _hh_rhs(v0 + 0.5 * h_ * k2[0], m + 0.5 * h_ * k2[1], h + 0.5 * h_ * k2[2],
                         n + 0.5 * h_ * k2[3], par, i_in, g_syn)
            k4 = _hh_rhs(v0 + h_ * k3[0], m + h_ * k3[1], h + h_ * k3[2], n + h_ * k3[3],
                         par, i_in, g_syn)
            v = v0 + h_ / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0])
            m = m + h_ / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1])
            h = h + h_ / 6.0 * (k1[2] + 2.0 * k2[2] + 2.0 * k3[2] + k4[2])
            n = n + h_ / 6.0 * (k1[3] + 2.0 * k2[3] + 2.0 * k3[3] + k4[3])
        else:
            a_m, b_m, a_h, b_h, a_n, b_n = _hh_rates(v0)
            g_na = par[1] * m * m * m * h
            g_k = par[2] * n * n * n * n
            g_tot = g_na + g_k + par[3] + g_syn
            v_inf = (g_na * par[4] + g_k * par[5] + par[3] * par[6] + i_in) / g_tot
            v = v_inf + (v0 - v_inf) * math.exp(-h_ * g_tot / c_m)
            s = a_m + b_m
            m = a_m / s + (m - a_m / s) * math.exp(-h_ * s)
            s = a_h + b_h
            h = a_h / s + (h - a_h / s) * math.exp(-h_ * s)
            s = a_n + b_n
            n = a_n / s + (n - a_n / s) * math.exp(-h_ * s)
        if v0 < v_th <= v:
            fired[n_fired] = g
            n_fired += 1
        state[0, g] = v
        state[1, g] = m
        state[2, g] = h
        state[3, g] = n
    return n_fired


MODEL_KINDS = {"LIF": LIF, "AdEx": AdEx, "Izhikevich": Izhikevich,
               "HodgkinHuxley": HodgkinHuxley}
