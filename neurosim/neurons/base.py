"""What every neuron model shares: the base classes, parameter validation, the registry
of named built-in models, the definitions cache and the receptor channels' propagators.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import NamedTuple

import numpy as np

from .. import _checks
from ..synapses import KIND_ALPHA, KIND_DELTA, N_CHANNEL_COEFS, kinetics_coefficients

# Model codes (neuron models are integrated by generated kernels numbered from
# neurosim.equation_model.KIND_EQUATIONS; spike sources run by an input block get theirs
# from neurosim.build.KIND_SOURCES).
KIND_LIF = 0
KIND_ADEX = 1
KIND_IZHIKEVICH = 2
KIND_HH = 3

#: Rows of the simulator's state array at least (more when a model has more state variables
#: and per-neuron parameters); the membrane potential is always row 0.
N_STATE_ROWS = 1

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
    """The coefficient row of an exponential (``kind`` KIND_EXP) or alpha (KIND_ALPHA)
    channel of time constant ``tau`` (zeros for KIND_DELTA), with its effect on a passive
    membrane of ``tau_m`` and ``c_m``: :func:`neurosim.synapses.kinetics_coefficients`, whose
    docstring has the formulas. (A kinetics computes its own row:
    ``Synapse._coefficients``.)"""
    if kind == KIND_DELTA:
        return np.zeros(N_CHANNEL_COEFS)
    if kind == KIND_ALPHA:
        return kinetics_coefficients(tau, tau, math.e, dt, tau_m=tau_m, c_m=c_m)
    return kinetics_coefficients(tau, None, 1.0, dt, tau_m=tau_m, c_m=c_m)


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
