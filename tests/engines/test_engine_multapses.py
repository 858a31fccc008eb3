"""Multapses and FixedTotalNumber on the Brian2 and NEST engines: the same spikes as neurosim.

The engines receive neurosim's realised synapse table, one connection per synapse, so a pair
with three synapses is three Brian2 synapses / NEST connections. The network is an exact LIF
with exponential current synapses, driven by fixed spike trains (Brian2 would draw its own
Poisson spikes) and delays of at least two steps (neurosim's one-step delay has no NEST
counterpart): the spikes must be identical, step for step.
"""

import os

import numpy as np
import pytest

import neurosim as ns

os.environ.setdefault("PYNEST_QUIET", "1")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _network():
    net = ns.Network()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0)
    cells = net.population(50, lif, name="cells", v=ns.Uniform(-65.0, -52.0))
    rng = np.random.default_rng(0)
    trains = [np.unique(np.round(rng.uniform(1.0, 300.0, rng.poisson(8)), 1)) for _ in range(100)]
    src = net.population(100, ns.SpikeTimes(trains), name="src")
    projs = [
        net.connect(src, cells, ns.FixedTotalNumber(3000), synapse=ns.ExpCurrent(tau=5.0),
                    weight=ns.Uniform(40.0, 90.0), delay=ns.Uniform(0.2, 2.0)),
        net.connect(src, cells, ns.FixedOutDegree(4, allow_multapses=True),
                    synapse=ns.ExpCurrent(tau=5.0), weight=60.0, delay=0.4),
        net.connect(cells, cells, ns.FixedInDegree(30, allow_autapses=False,
                                                   allow_multapses=True),
                    synapse=ns.ExpCurrent(tau=5.0), weight=-30.0, delay=ns.Uniform(0.2, 1.0)),
    ]
    return net, projs, net.record_spikes(cells)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["brian2", "nest"])
def test_multapse_network_gives_the_same_spikes(engine):
    pytest.importorskip(engine, reason=f"{engine} is not installed")
    out = {}
    for name in ("neurosim", engine):
        net, projs, spikes = _network()
        sim = ns.Simulator(net, dt=0.1, seed=4, engine=name)
        sim.run(120.0)
        sim.run(180.0)
        out[name] = sim.data[spikes]
        if name == "neurosim":
            # The table really holds multapses (and no autapse in the recurrent projection).
            for proj in projs:
                t = sim.weights(proj)
                assert np.unique(t.pre * 100 + t.post).size < t.pre.size
            rec = sim.weights(projs[2])
            assert not np.any(rec.pre == rec.post)
    a, b = out["neurosim"], out[engine]
    assert len(a) > 200
    np.testing.assert_array_equal(a.steps, b.steps)
    np.testing.assert_array_equal(a.neurons, b.neurons)
