"""``Simulator(net, engine="brian2")``: the same realised network on Brian2 (numpy target)."""

import numpy as np
import pytest

import neurosim as ns

pytest.importorskip("brian2")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _mixed_network():
    net = ns.Network()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
    exc = net.population(160, lif, name="exc", v=ns.Uniform(-60.0, -50.0))
    inh = net.population(40, lif, name="inh", v=ns.Uniform(-60.0, -50.0))
    for pre, tau, w in ((exc, 5.0, 40.0), (inh, 10.0, -225.0)):
        for post in (exc, inh):
            net.connect(pre, post, ns.FixedProbability(0.2), synapse=ns.ExpCurrent(tau=tau),
                        weight=w, delay=ns.Uniform(0.1, 2.0))
    src = net.population(3, ns.SpikeTimes([[1.0, 5.0], [2.0], []]), name="st")
    net.connect(src, exc, ns.AllToAll(), synapse=ns.AlphaCurrent(tau=2.0), weight=30.0,
                delay=0.5)
    net.connect(src, inh, ns.FromList([[0, 1]]),
                synapse=ns.Delta(), weight=3.0, delay=0.3)
    net.inject(inh, ns.StepCurrent([10.0, 50.0], [100.0, -50.0]))
    return net, net.record_spikes(exc), net.record(exc, "v", neurons=[0, 3], every=0.7)


@pytest.mark.slow
def test_exact_lif_network_is_identical_on_both_engines():
    out = {}
    for engine in ("neurosim", "brian2"):
        net, spikes, trace = _mixed_network()
        sim = ns.Simulator(net, dt=0.1, seed=5, engine=engine)
        sim.run(60.0)
        sim.run(90.0)
        out[engine] = (sim.data[spikes], sim.data[trace])
    (sa, ta), (sb, tb) = out["neurosim"], out["brian2"]
    assert len(sa) > 100
    assert sorted(zip(sa.steps, sa.neurons)) == sorted(zip(sb.steps, sb.neurons))
    np.testing.assert_array_equal(ta.times, tb.times)
    np.testing.assert_allclose(ta.values, tb.values, rtol=0, atol=1e-9)


@pytest.mark.slow
def test_conductance_network_with_poisson_drive_agrees_in_rate():
    rates = {}
    for engine in ("neurosim", "brian2"):
        net = ns.Network()
        lif = ns.LIF(tau_m=20.0, c_m=200.0, e_leak=-60.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
        cells = net.population(200, lif, name="cells")
        noise = net.population(200, ns.PoissonSource(rate=400.0), name="noise")
        net.connect(noise, cells, ns.FixedInDegree(20),
                    synapse=ns.ExpConductance(tau=5.0, e_rev=0.0), weight=1.5, delay=1.0)
        net.connect(cells, cells, ns.FixedProbability(0.1),
                    synapse=ns.AlphaConductance(tau=5.0, e_rev=-80.0), weight=1.0, delay=1.0)
        mon = net.record_spikes(cells)
        sim = ns.Simulator(net, dt=0.1, seed=9, engine=engine)
        sim.run(500.0)
        rates[engine] = sim.data[mon].mean_rate()
    assert rates["neurosim"] > 2.0
    assert rates["brian2"] == pytest.approx(rates["neurosim"], rel=0.1)


@pytest.mark.slow
@pytest.mark.parametrize("model,current,dt", [
    (ns.AdEx(scheme="rk4", v_peak=-40.0), 800.0, 0.05),
    (ns.Izhikevich(a=0.02, b=0.2, c=-50.0, d=2.0), 10.0, 0.05),
    (ns.HodgkinHuxley(scheme="rk4"), 1000.0, 0.025),
    (ns.HodgkinHuxley(scheme="exponential_euler"), 1000.0, 0.025),
])
def test_single_neuron_models_agree(model, current, dt):
    counts, traces = [], []
    for engine in ("neurosim", "brian2"):
        net = ns.Network()
        pop = net.population(1, model, name="cell")
        net.inject(pop, ns.DCCurrent(current, start=5.0))
        mon, trace = net.record_spikes(pop), net.record(pop, "v")
        sim = ns.Simulator(net, dt=dt, seed=0, engine=engine)
        sim.run(200.0)
        counts.append(len(sim.data[mon]))
        traces.append(sim.data[trace].values[:, 0])
    assert counts[0] >= 5
    assert abs(counts[0] - counts[1]) <= 1
    # Identical up to the first input (the same initial state and equations).
    n_before = int(round(5.0 / dt))
    np.testing.assert_allclose(traces[0][:n_before], traces[1][:n_before], atol=1e-9)


@pytest.mark.slow
def test_noise_current_statistics_agree():
    """Different random streams, the same process: stationary mean and variance of v."""
    stats = {}
    for engine in ("neurosim", "brian2"):
        net = ns.Network()
        cell = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-70.0, v_th=1e3, v_reset=-70.0, t_ref=0.0)
        pop = net.population(100, cell, name="cells")
        net.inject(pop, ns.NoisyCurrent(mean=50.0, std=400.0, start=10.0))
        trace = net.record(pop, "v", every=1.0)
        sim = ns.Simulator(net, dt=0.1, seed=2, engine=engine)
        sim.run(600.0)
        rec = sim.data[trace]
        v = rec.values[rec.times > 100.0]
        stats[engine] = (v.mean(), v.var())
        np.testing.assert_array_equal(rec.values[rec.times <= 10.0], -70.0)
    assert stats["brian2"][0] == pytest.approx(stats["neurosim"][0], abs=0.1)
    assert stats["brian2"][1] == pytest.approx(stats["neurosim"][1], rel=0.1)


def test_unsupported_input_is_refused():
    net = ns.Network()
    pop = net.population(2, ns.LIF(), name="cell")
    net.inject(pop, ns.NoisyCurrent(std=10.0))
    net.inject(pop, ns.NoisyCurrent(std=5.0))
    with pytest.raises(NotImplementedError, match="supports one NoisyCurrent per population"):
        ns.Simulator(net, dt=0.1, engine="brian2")
