"""Brian2 engine build fixes found by ``benchmarks/bench_engines.py`` (issue 5).

- A projection that drew no synapse (``FixedProbability`` on a small network, ``FromList([])``)
  made ``Synapses.connect(i=[], j=[])`` fail inside Brian2.
- Synapse objects were named after ``id(projection)``: Brian2 writes object names into the
  generated code, so the cython cache never matched in a new process and every run recompiled
  the synapse code (about 30 s at N = 4000 on 2 cores). Names are now the same in every build.
- A projection whose synapses share one delay gets Brian2's homogeneous (scalar) delay (no
  per-synapse delay array), with the same spikes.
"""

import numpy as np
import pytest

import neurosim as ns

pytest.importorskip("brian2")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LIF = dict(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)


def _network(delays=(0.2, 0.2)):
    """CUBA-like (e_leak above threshold: the neurons fire by themselves; no random input,
    whose streams differ between the engines)."""
    net = ns.Network()
    lif = ns.LIF(**LIF)
    exc = net.population(80, lif, name="exc", v=ns.Uniform(-60.0, -50.0))
    inh = net.population(20, lif, name="inh", v=ns.Uniform(-60.0, -50.0))
    net.connect(exc, exc, ns.FixedProbability(0.2), synapse=ns.ExpCurrent(tau=5.0),
                weight=20.0, delay=delays[0])
    net.connect(exc, inh, ns.FixedProbability(0.2), synapse=ns.ExpCurrent(tau=5.0),
                weight=40.0, delay=delays[1])
    net.connect(inh, exc, ns.FixedProbability(0.2), synapse=ns.ExpCurrent(tau=10.0),
                weight=-100.0, delay=ns.Uniform(0.1, 2.0))
    empty = net.connect(exc, exc, ns.FixedProbability(0.0), synapse=ns.ExpCurrent(tau=5.0),
                        weight=20.0, delay=0.2)
    return net, empty, (net.record_spikes(exc), net.record_spikes(inh))


def _spikes(engine, delays=(0.2, 0.2)):
    net, empty, mons = _network(delays)
    sim = ns.Simulator(net, dt=0.1, seed=3, engine=engine)
    sim.run(100.0)
    return sim, empty, [sorted(zip(sim.data[m].steps, sim.data[m].neurons)) for m in mons]


def test_projection_without_synapses_runs_and_matches_neurosim():
    ref, ref_empty, want = _spikes("neurosim")
    sim, empty, got = _spikes("brian2")
    assert ref.weights(ref_empty).weight.size == 0
    assert sim.weights(empty).weight.size == 0
    assert sum(len(s) for s in want) > 50
    assert got == want


def test_plastic_projection_without_synapses_runs():
    net = ns.Network()
    a = net.population(10, ns.PoissonSource(rate=50.0), name="a")
    b = net.population(10, ns.LIF(**LIF), name="b")
    proj = net.connect(a, b, ns.FromList(np.zeros((0, 2), dtype=int)),
                       synapse=ns.ExpCurrent(tau=5.0), weight=1.0, delay=1.0,
                       plasticity=ns.STDP(a_plus=0.01, a_minus=0.012, tau_plus=20.0,
                                          tau_minus=20.0, w_max=2.0))
    sim = ns.Simulator(net, dt=0.1, seed=1, engine="brian2")
    sim.run(20.0)
    assert sim.weights(proj).weight.size == 0


def test_brian2_object_names_are_the_same_in_every_build():
    """Same description, built twice: the same Brian2 names (they enter the generated code,
    which keys Brian2's cython cache across processes)."""
    names = []
    for _ in range(2):
        net, _, _ = _network()
        sim = ns.Simulator(net, dt=0.1, seed=3, engine="brian2")
        names.append(sorted(obj.name for obj in sim._backend._net.objects))
    assert names[0] == names[1]
    assert "ns_syn0" in names[0] and "ns_mon0" in names[0]


@pytest.mark.parametrize("delays", [(0.1, 0.1), (0.2, 0.5), (1.0, 3.0)])
def test_one_delay_per_projection_is_homogeneous_in_brian2(delays):
    _, _, want = _spikes("neurosim", delays)
    sim, _, got = _spikes("brian2", delays)
    syn = [sim._backend._syn_of[id(p)] for p in sim.network.projections]
    # one delay each: scalar in Brian2; the Uniform(0.1, 2.0) projection: one per synapse
    assert [s.pre.variables["delay"].scalar for s in syn[:3]] == [True, True, False]
    np.testing.assert_allclose([np.ravel(np.asarray(syn[k].delay))[0] * 1e3 for k in (0, 1)],
                               list(delays), atol=1e-12)  # the same delay on both
    assert sum(len(s) for s in want) > 50
    assert got == want
