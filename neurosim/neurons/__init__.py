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

from .adex import ADEX_EQUATIONS, AdEx
from .base import (
    KIND_ADEX,
    KIND_HH,
    KIND_IZHIKEVICH,
    KIND_LIF,
    MODEL_KINDS,
    MODELS,
    N_CHANNEL_COEFS,
    N_STATE_ROWS,
    SCHEMES,
    Model,
    ModelExample,
    NeuronModel,
    channel_coefficients,
    register_model,
)
from .hodgkin_huxley import HH_EQUATIONS, HH_SCHEMES, HodgkinHuxley
from .izhikevich import IZHIKEVICH_EQUATIONS, Izhikevich
from .lif import LIF, LIF_EQUATIONS

__all__ = ["Model", "NeuronModel", "LIF", "AdEx", "Izhikevich", "HodgkinHuxley",
           "MODELS", "MODEL_KINDS", "ModelExample", "register_model", "LIF_EQUATIONS",
           "ADEX_EQUATIONS", "IZHIKEVICH_EQUATIONS", "HH_EQUATIONS", "HH_SCHEMES", "SCHEMES",
           "KIND_LIF", "KIND_ADEX", "KIND_IZHIKEVICH", "KIND_HH", "N_STATE_ROWS",
           "N_CHANNEL_COEFS", "channel_coefficients"]
