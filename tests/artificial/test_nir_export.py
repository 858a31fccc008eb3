"""artificial.to_nir / from_nir: a trained spiking Sequential written as NIR runs the same in
neurosim (ns.from_nir), in snnTorch (its own import_nir) and back in a Sequential.

Truth: the Sequential's own forward pass (forward_trace), whose equations are tested against
hand-worked values and finite differences in test_spiking*.py.
"""

import numpy as np
import pytest

nir = pytest.importorskip("nir", reason="the NIR exchange needs the 'nir' extra")

import neurosim as ns  # noqa: E402
from artificial import Dense, LIFDense, LIFRecurrent, Sequential, SpikeEncoder  # noqa: E402
from artificial.nir_exchange import from_nir, to_nir  # noqa: E402

T = 25


def model(readout="membrane", learn_tau=False, seed=1, dt=1.0):
    """Every layer kind: a CubaLIF layer, a recurrent layer without synaptic current (LIF), a
    readout; weights scaled up so that every layer spikes."""
    m = Sequential(seed=seed)
    m.add(SpikeEncoder(steps=T, code="rate", input_dim=12, seed=3))
    m.add(LIFDense(16, tau_m=10.0, tau_syn=5.0, v_th=1.0, reset="zero", dt=dt,
                   learn_tau=learn_tau))
    m.add(LIFRecurrent(8, tau_m=8.0, tau_syn=None, v_th=0.5, reset="zero", dt=dt,
                       learn_tau=learn_tau))
    m.add(LIFDense(4, tau_m=10.0, tau_syn=5.0, v_th=0.5, reset="zero", readout=readout, dt=dt))
    m.build()
    rng = np.random.default_rng(seed)
    for layer in m.layers[1:]:
        layer.kernel[...] *= 3.0
        layer.bias[...] = rng.normal(0.0, 0.2, layer.bias.shape)
        if layer.learn_tau:  # per-neuron membrane time constants (tau_syn stays uniform)
            layer.tau_m_param[...] *= rng.uniform(0.7, 1.3, layer.tau_m_param.shape)
    return m


def run_in_neurosim(graph, spikes, dt, last):
    net = ns.from_nir(graph, dt=dt, inputs=spikes)
    info = net.nir
    info.record_v(last)
    sim = ns.Simulator(net, dt=dt, seed=0)
    sim.run(info.steps_needed(T))
    return info, sim


def assert_same_spikes(ours, theirs, u, v_th, what):
    """Equal, except where the reference potential before threshold lay within 1e-9 of the
    threshold (rounding in a different order could then decide the other way; the two sides
    agree to ~1e-15 per step, so 1e-9 leaves room for the error to grow over the run)."""
    differ = ours != theirs
    assert np.all(np.abs(u[differ] - v_th) < 1e-9), f"{what}: {int(differ.sum())} spikes differ"
    assert differ.sum() <= 2, what


@pytest.mark.parametrize("learn_tau", [False, True])
def test_the_sequential_runs_spike_for_spike_in_neurosim(learn_tau):
    """The graph from artificial.to_nir, simulated by neurosim for a batch of 6 samples: the
    hidden layers' spikes equal the Sequential's (near-ties excepted, see assert_same_spikes)
    and the readout potentials agree to 1e-12, with per-neuron time constants too."""
    m = model(learn_tau=learn_tau)
    X = np.random.default_rng(0).random((6, 12))
    tr = m.forward_trace(X)
    graph = to_nir(m)
    names = [layer.name for layer in m.layers[1:]]
    info, sim = run_in_neurosim(graph, tr.spikes[0], m.layers[1].dt, names[-1])
    for k, name in enumerate(names[:-1], start=1):
        assert tr.spikes[k].sum() > 30, name
        assert_same_spikes(info.spikes(sim, name, T), tr.spikes[k], tr.caches[k].u,
                           m.layers[k].v_th, name)
    np.testing.assert_allclose(info.potentials(sim, names[-1], T), tr.membranes[-1], rtol=0,
                               atol=1e-12)
    # and so the prediction: the membrane readout is the maximum over time
    np.testing.assert_array_equal(info.potentials(sim, "output", T).max(axis=1).argmax(axis=1),
                                  m.predict(X).argmax(axis=1))


def test_other_time_steps_map_too():
    """dt = 0.5 ms: the graph's time constants are dt/(1 - beta) in seconds."""
    m = model(dt=0.5)
    X = np.random.default_rng(1).random((3, 12))
    tr = m.forward_trace(X)
    graph = to_nir(m)
    beta = np.exp(-0.5 / 10.0)
    np.testing.assert_allclose(graph.nodes[m.layers[1].name].tau_mem, 0.5e-3 / (1 - beta))
    info, sim = run_in_neurosim(graph, tr.spikes[0], 0.5, m.layers[-1].name)
    np.testing.assert_allclose(info.potentials(sim, m.layers[-1].name, T), tr.membranes[-1],
                               rtol=0, atol=1e-12)


def test_round_trip_through_nir_back_into_a_sequential(tmp_path):
    """to_nir, a file, from_nir: the loaded Sequential (spike trains in) computes the same
    membranes as the original to rounding."""
    m = model()
    X = np.random.default_rng(2).random((5, 12))
    tr = m.forward_trace(X)
    path = tmp_path / "snn.nir"
    nir.write(path, to_nir(m))
    back = from_nir(path, dt=1.0)
    assert [type(layer) for layer in back.layers] == [LIFDense, LIFRecurrent, LIFDense]
    for a, b in zip(back.layers, m.layers[1:]):
        assert a.tau_m == pytest.approx(b.tau_m, rel=1e-12)
        assert (a.tau_syn is None) == (b.tau_syn is None)
        np.testing.assert_allclose(a.kernel, b.kernel, rtol=1e-12)
    tr2 = back.forward_trace(tr.spikes[0])
    for k in range(1, 4):
        np.testing.assert_allclose(tr2.membranes[k - 1], tr.membranes[k], rtol=0, atol=1e-12)


def test_snntorch_reads_our_graph_and_spikes_alike():
    """Ours in theirs: snnTorch's import_nir reads the graph (written with graph_dt = 1e-4 s,
    the step its reader assumes) as Synaptic and Leaky layers, and its simulation gives the
    Sequential's spikes, in float64, for both layers (a spiking 'count' readout)."""
    torch = pytest.importorskip("torch", reason="snnTorch needs torch (test extra)")
    pytest.importorskip("snntorch", reason="the snnTorch comparison needs snntorch (test extra)")
    from snntorch import utils
    from snntorch.import_nir import import_from_nir

    m = Sequential(seed=1)
    m.add(SpikeEncoder(steps=T, code="rate", input_dim=12, seed=3))
    m.add(LIFDense(16, tau_m=10.0, tau_syn=5.0, v_th=1.0, reset="zero"))
    m.add(LIFDense(4, tau_m=10.0, tau_syn=None, v_th=0.5, reset="zero", readout="count"))
    m.build()
    for layer in m.layers[1:]:
        layer.kernel[...] *= 3.0
    X = np.random.default_rng(0).random((5, 12))
    tr = m.forward_trace(X)
    net = import_from_nir(to_nir(m, graph_dt=1e-4)).double()
    layers = list(net.children())
    assert [type(x).__name__ for x in layers] == ["Linear", "Synaptic", "Linear", "Leaky"]
    x = torch.tensor(tr.spikes[0])
    utils.reset(net)
    out = {1: [], 3: []}
    with torch.no_grad():
        for t in range(T):
            h = x[:, t]
            for k, layer in enumerate(layers):
                h = layer(h)
                h = (h[0] if isinstance(h, tuple) else h).double()
                if k in out:
                    out[k].append(h.numpy().copy())
    for k, layer_index in ((1, 1), (3, 2)):
        theirs = np.stack(out[k], axis=1)
        assert tr.spikes[layer_index].sum() > 10
        assert_same_spikes(theirs, tr.spikes[layer_index], tr.caches[layer_index].u,
                           m.layers[layer_index].v_th, f"layer {layer_index}")


def test_what_nir_cannot_express_is_refused_by_layer():
    m = Sequential(seed=0)
    m.add(SpikeEncoder(steps=5, input_dim=3))
    m.add(LIFDense(4, reset="subtract", name="hidden"))
    m.add(LIFDense(2, readout="membrane"))
    with pytest.raises(ValueError, match="not built yet"):
        to_nir(m)
    m.build()
    with pytest.raises(ValueError, match=r"layer 'hidden' has reset='subtract'; NIR neurons reset "
                                         r"to a value"):
        to_nir(m)
    dense = Sequential([Dense(3, input_dim=2), Dense(1)], seed=0)
    dense.build()
    with pytest.raises(ValueError, match=r"layer 'dense_0' is a Dense; only SpikeEncoder, "
                                         r"LIFDense and LIFRecurrent map onto NIR"):
        to_nir(dense)
    with pytest.raises(TypeError, match="model must be a Sequential"):
        to_nir("model")
    ok = model()
    with pytest.raises(ValueError, match="graph_dt must be a time step > 0 s"):
        to_nir(ok, graph_dt=-1.0)


def test_a_graph_is_read_only_with_the_step_it_was_trained_for(tmp_path):
    """The graph records its step (metadata 'dt', s); reading it with another dt would change
    every decay factor, so both readers refuse it by name, through a file too."""
    m = model(dt=0.5)
    graph = to_nir(m)
    assert graph.metadata["dt"] == pytest.approx(0.5e-3)
    path = tmp_path / "snn.nir"
    nir.write(path, graph)
    with pytest.raises(ValueError, match=r"artificial.from_nir: the graph was written \(trained\) "
                                         r"for a step of 0.5 ms .* give dt=0.5"):
        from_nir(path, dt=1.0)
    with pytest.raises(ValueError, match=r"from_nir: the graph was written for a step of 0.5 ms "
                                         r".*give dt=0.5"):
        ns.from_nir(path, dt=1.0)
    assert len(from_nir(path, dt=0.5).layers) == 3          # the right step is accepted
    net = ns.from_nir(path, dt=0.5)
    assert ns.to_nir(net).metadata["dt"] == pytest.approx(0.5e-3)  # and written back
