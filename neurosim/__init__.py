"""neurosim: spiking biological networks -- describe, build, run, record.

Units everywhere: ms, mV, pA, pF, nS, Hz (see :mod:`neurosim.units`).

>>> import neurosim as ns
>>> net = ns.Network()
>>> lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
>>> exc = net.population(100, lif, name="exc", v=ns.Uniform(-60.0, -50.0))
>>> proj = net.connect(exc, exc, ns.FixedProbability(0.1), synapse=ns.ExpCurrent(tau=5.0),
...                    weight=20.0, delay=0.1)
>>> spikes = net.record_spikes(exc)
>>> sim = ns.Simulator(net, dt=0.1, seed=1)
>>> sim.run(100.0)
>>> rec = sim.data[spikes]              # rec.times (ms), rec.neurons, rec.rates() (Hz)
"""

from . import analysis, ensemble, io, plotting, units
from .connectivity import (
    AllToAll,
    FixedInDegree,
    FixedOutDegree,
    FixedProbability,
    FixedTotalNumber,
    FromList,
    FromMatrix,
    OneToOne,
)
from .distributions import LogNormal, Normal, Uniform
from .ensemble import sweep
from .inputs import (
    DCCurrent,
    NoisyCurrent,
    PoissonSource,
    RampCurrent,
    SpikeTimes,
    StepCurrent,
)
from .io import load_results, save_results
from .network import Network
from .neurons import LIF, AdEx, HodgkinHuxley, Izhikevich, NeuronModel
from .nir_exchange import from_nir, to_nir
from .plasticity import STDP, Plasticity, RewardSTDP, TripletSTDP, TsodyksMarkram
from .records import SpikeRecord, StateRecord, WeightRecord, WeightTable, load_record
from .simulator import Simulator
from .synapses import (
    AlphaConductance,
    AlphaCurrent,
    BiexpConductance,
    BiexpCurrent,
    Delta,
    ExpConductance,
    ExpCurrent,
)

__all__ = [
    "Network", "Simulator",
    "LIF", "AdEx", "Izhikevich", "HodgkinHuxley", "NeuronModel",
    "PoissonSource", "SpikeTimes", "StepCurrent", "DCCurrent", "RampCurrent", "NoisyCurrent",
    "Delta", "ExpCurrent", "AlphaCurrent", "BiexpCurrent", "ExpConductance", "AlphaConductance",
    "BiexpConductance",
    "AllToAll", "OneToOne", "FixedProbability", "FixedInDegree", "FixedOutDegree",
    "FixedTotalNumber", "FromList", "FromMatrix",
    "Uniform", "Normal", "LogNormal",
    "Plasticity", "STDP", "TripletSTDP", "RewardSTDP", "TsodyksMarkram",
    "SpikeRecord", "StateRecord", "WeightRecord", "WeightTable", "load_record",
    "save_results", "load_results", "sweep", "from_nir", "to_nir",
    "analysis", "ensemble", "io", "plotting", "units",
]
