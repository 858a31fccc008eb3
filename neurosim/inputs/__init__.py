"""Inputs: spike sources (population models), injected currents and Poisson drives.

Spike sources are models of populations, as PyNN's spike sources are cell types: they have no
membrane, they only emit spikes that projections carry onwards. Current injections are added
to a population's input current with :meth:`neurosim.Network.inject`; Poisson drives
(:meth:`neurosim.Network.poisson_input`) add independent spike trains per target neuron.

Each input is one file that registers its engine block (:data:`INPUTS`; the contract is in
:mod:`neurosim.inputs.base`), so the compiled loop of a network contains only the inputs it
uses, and a new input is a new file.
"""

from .base import INPUTS, CurrentInjection, InputBlock, register_input
from .currents import DCCurrent, RampCurrent, StepCurrent
from .noisy_current import NoisyCurrent
from .poisson_input import PoissonInput
from .poisson_source import PoissonSource, spike_probability
from .spike_times import SpikeTimes

__all__ = ["PoissonSource", "SpikeTimes", "StepCurrent", "DCCurrent", "RampCurrent",
           "NoisyCurrent", "CurrentInjection", "PoissonInput", "InputBlock", "INPUTS",
           "register_input", "spike_probability"]
