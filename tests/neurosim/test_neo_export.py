"""Export of spike records to Neo (for Elephant): one SpikeTrain per neuron, times exact."""

import sys

import numpy as np
import pytest

import neurosim as ns
from neurosim import io

neo = pytest.importorskip("neo", reason="Neo is not installed (CI installs it with the test "
                                        "extra: pip install -e .[test])")
pq = pytest.importorskip("quantities", reason="quantities comes with Neo")


@pytest.fixture(scope="module")
def record():
    net = ns.Network()
    src = net.population(20, ns.PoissonSource(rate=50.0), name="src")
    exc = net.population(12, ns.LIF(), name="exc", v=ns.Uniform(-60.0, -50.0))
    # neuron 11 gets no input and stays silent: its train must be empty
    net.connect(src, exc, ns.FromList([(i, j) for i in range(20) for j in range(11)]),
                weight=300.0, delay=1.0)
    mon = net.record_spikes(exc)
    sim = ns.Simulator(net, dt=0.1, seed=3)
    sim.run(80.3)
    rec = sim.data[mon]
    assert len(rec) > 20 and rec.counts()[11] == 0
    return rec


def test_one_train_per_neuron_with_the_exact_times(record):
    seg = record.to_neo()
    assert isinstance(seg, neo.Segment)
    assert seg.name == "exc"
    assert seg.annotations["population"] == "exc" and seg.annotations["n_neurons"] == 12
    assert len(seg.spiketrains) == record.n_neurons
    for j, train in enumerate(seg.spiketrains):
        assert isinstance(train, neo.SpikeTrain)
        assert train.annotations["population"] == "exc" and train.annotations["neuron"] == j
        assert train.name == f"exc[{j}]"
        assert train.units == pq.ms and train.dtype == np.float64
        expected = record.times[record.neurons == j]
        assert train.magnitude.tobytes() == expected.tobytes()
        assert float(train.t_start.rescale(pq.ms)) == record.t_start
        assert float(train.t_stop.rescale(pq.ms)) == record.t_stop == pytest.approx(80.3)
    assert seg.spiketrains[11].size == 0
    assert sum(t.size for t in seg.spiketrains) == len(record)


def test_module_function_and_method_agree(record):
    a, b = record.to_neo(), io.to_neo(record)
    for x, y in zip(a.spiketrains, b.spiketrains):
        assert x.magnitude.tobytes() == y.magnitude.tobytes()


def test_empty_record_gives_empty_trains():
    rec = ns.SpikeRecord(times=np.zeros(0), neurons=np.zeros(0, dtype=np.int64),
                         steps=np.zeros(0, dtype=np.int64), n_neurons=3, t_start=10.0,
                         t_stop=25.5, population="p")
    seg = io.to_neo(rec)
    assert [t.size for t in seg.spiketrains] == [0, 0, 0]
    assert all(float(t.t_start) == 10.0 and float(t.t_stop) == 25.5 and t.units == pq.ms
               for t in seg.spiketrains)


def test_not_a_spike_record_is_refused():
    with pytest.raises(TypeError, match="SpikeRecord"):
        io.to_neo(np.zeros(3))


def test_missing_neo_says_how_to_install(monkeypatch, record):
    monkeypatch.setitem(sys.modules, "neo", None)  # makes `import neo` raise ImportError
    with pytest.raises(ImportError, match="pip install neo"):
        record.to_neo()
