"""What every neuron model shares: the base classes, parameter validation, the registry
of named built-in models, the definitions cache and the receptor channels' propagators.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import NamedTuple

import numpy as np

from .. import _checks
from ..synapses import KIND_ALPHA, KIND_DELTA

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
        from ..equation_model import EquationModel
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

_DEFINITIONS = {}


def _defined(model, text, threshold, reset, refractory, names, scheme, ref_field):
    """The :class:`~neurosim.equation_model.EquationModel` a built-in model is integrated by
    (made once per parameter set)."""
    if model not in _DEFINITIONS:
        from ..equation_model import EquationModel
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



#: Former name of :data:`MODELS`.
MODEL_KINDS = MODELS
