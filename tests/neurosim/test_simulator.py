"""The engine's contract: determinism, continuation, records, instability errors."""

import numpy as np
import pytest

import neurosim as ns


def _network(seed_rate=20.0):
    net = ns.Network()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-60.0, v_th=-50.0, v_reset=-60.0, t_ref=2.0)
    exc = net.population(80, lif, name="exc", v=ns.Uniform(-60.0, -50.0))
    inh = net.population(20, lif, name="inh", v=ns.Normal(-55.0, 2.0, low=-60.0, high=-50.0))
    noise = net.population(50, ns.PoissonSource(rate=seed_rate), name="noise")
    net.inject(inh, ns.NoisyCurrent(mean=20.0, std=100.0, start=50.0))
    net.inject(exc, ns.RampCurrent(10.0, 90.0, 0.0, 100.0), neurons=[1, 2, 3])
    net.connect(noise, exc, ns.FixedInDegree(10), synapse=ns.ExpCurrent(tau=5.0), weight=120.0,
                delay=ns.Uniform(0.1, 2.0))
    net.connect(noise, inh, ns.FixedProbability(0.2), synapse=ns.AlphaConductance(tau=2.0),
                weight=ns.LogNormal(0.0, 0.3), delay=1.0)
    net.connect(exc, inh, ns.FixedProbability(0.1), synapse=ns.ExpCurrent(tau=5.0), weight=50.0)
    net.connect(inh, exc, ns.FixedOutDegree(8), synapse=ns.ExpConductance(tau=10.0, e_rev=-80.0),
                weight=2.0, delay=0.5)
    mons = dict(exc=net.record_spikes(exc), inh=net.record_spikes(inh),
                noise=net.record_spikes(noise),
                v=net.record(exc, "v", neurons=[0, 5, 7], every=0.3))
    return net, mons


def _run(chunks, seed=1, progress=False):
    net, mons = _network()
    sim = ns.Simulator(net, dt=0.1, seed=seed, progress=progress)
    for c in chunks:
        sim.run(c)
    return sim, {k: sim.data[m] for k, m in mons.items()}


def test_run_in_pieces_equals_one_run_bitwise():
    _, whole = _run([300.0])
    _, parts = _run([0.1, 99.9, 0.3, 50.0, 149.7])
    assert len(whole["exc"]) > 50 and len(whole["noise"]) > 100
    for key in ("exc", "inh", "noise"):
        np.testing.assert_array_equal(whole[key].steps, parts[key].steps)
        np.testing.assert_array_equal(whole[key].neurons, parts[key].neurons)
    np.testing.assert_array_equal(whole["v"].times, parts["v"].times)
    np.testing.assert_array_equal(whole["v"].values, parts["v"].values)
    assert whole["v"].values.shape == (1000, 3)
    np.testing.assert_allclose(whole["v"].times, np.arange(1, 1001) * 0.3)


def test_same_seed_same_result_other_seed_differs():
    sim_a, a = _run([200.0], seed=7)
    sim_b, b = _run([200.0], seed=7)
    _, c = _run([200.0], seed=8)
    np.testing.assert_array_equal(a["exc"].steps, b["exc"].steps)
    for pop_a, pop_b in zip(sim_a.network.populations[:2], sim_b.network.populations[:2]):
        np.testing.assert_array_equal(sim_a.get(pop_a, "v"), sim_b.get(pop_b, "v"))
    assert not (len(a["noise"]) == len(c["noise"])
                and np.array_equal(a["noise"].steps, c["noise"].steps))


def test_progress_bar_does_not_change_results():
    _, plain = _run([100.0])
    _, shown = _run([100.0], progress=True)
    np.testing.assert_array_equal(plain["exc"].steps, shown["exc"].steps)
    np.testing.assert_array_equal(plain["v"].values, shown["v"].values)


def test_poisson_rate_can_change_between_runs():
    net = ns.Network()
    src = net.population(500, ns.PoissonSource(rate=10.0), name="src")
    mon = net.record_spikes(src)
    sim = ns.Simulator(net, dt=0.1, seed=2)
    sim.run(1000.0)
    sim.set_rate(src, 40.0)
    sim.run(1000.0)
    rec = sim.data[mon]
    first = np.sum(rec.times < 1000.0) / 500.0
    second = np.sum(rec.times >= 1000.0) / 500.0
    # Poisson counts: mean 10 and 40 spikes per neuron, standard error sqrt(rate/500).
    assert abs(first - 10.0) < 5 * np.sqrt(10.0 / 500)
    assert abs(second - 40.0) < 5 * np.sqrt(40.0 / 500)


def test_spike_record_is_immutable_and_consistent():
    _, recs = _run([100.0])
    rec = recs["exc"]
    with pytest.raises(ValueError):
        rec.times[0] = 1.0
    assert np.all(np.diff(rec.steps) >= 0)
    np.testing.assert_allclose(rec.times, rec.steps * 0.1)
    np.testing.assert_allclose(rec.rates(), rec.counts() / 0.1)
    assert rec.t_stop == pytest.approx(100.0)


def test_nan_raises_with_population_variable_neuron_and_time():
    """An absurd conductance (1e308 nS times e_rev = -80 mV overflows) makes v NaN."""
    net = ns.Network()
    src = net.population(1, ns.SpikeTimes([[0.0]]), name="src")
    pop = net.population(3, ns.LIF(), name="cell")
    net.connect(src, pop, ns.FromList([[0, 2]]), synapse=ns.ExpConductance(tau=5.0, e_rev=-80.0),
                weight=1e308, delay=0.1)
    sim = ns.Simulator(net, dt=0.1, seed=0)
    with pytest.raises(FloatingPointError,
                       match=r"'cell': v of neuron 2 is nan at t = 0.5 ms "
                             r"\(it became non-finite after t = 0 ms\)"):
        sim.run(0.5)


def test_interrupted_run_keeps_what_was_recorded(monkeypatch):
    """A Ctrl-C between two chunks of the compiled loop (simulated here) stops the run at a
    step boundary; the records up to that step are kept and the run can continue exactly."""
    from neurosim import simulator
    _, whole = _run([400.0])
    net, mons = _network()
    sim = ns.Simulator(net, dt=0.1, seed=1)
    calls = []
    original = ns.Simulator._check_finite

    def interrupt_on_second_chunk(self, since):
        original(self, since)
        calls.append(self.step)
        if len(calls) == 2:
            raise KeyboardInterrupt
    monkeypatch.setattr(ns.Simulator, "_check_finite", interrupt_on_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        sim.run(400.0)
    assert sim.step == 2 * simulator.CHUNK_STEPS
    v = sim.data[mons["v"]]
    assert v.times[-1] == pytest.approx(sim.t - sim.t % 0.3, abs=1e-9)
    np.testing.assert_array_equal(v.values, whole["v"].values[:len(v)])
    monkeypatch.setattr(ns.Simulator, "_check_finite", original)
    sim.run(400.0 - sim.t)
    np.testing.assert_array_equal(sim.data[mons["exc"]].steps, whole["exc"].steps)
    np.testing.assert_array_equal(sim.data[mons["v"]].values, whole["v"].values)


def test_unknown_monitor_is_a_key_error():
    net, mons = _network()
    sim = ns.Simulator(net, dt=0.1, seed=1)
    other = ns.Network()
    p = other.population(2, ns.LIF(), name="p")
    with pytest.raises(KeyError, match="not a monitor"):
        sim.data[other.record_spikes(p)]


def test_spike_buffer_growth_keeps_every_spike():
    """Many spikes per step force the compiled loop to return early and resume."""
    net = ns.Network()
    src = net.population(20000, ns.PoissonSource(rate=900.0), name="src")
    mon = net.record_spikes(src)
    sim = ns.Simulator(net, dt=0.1, seed=4)
    sim.run(20.0)
    rec = sim.data[mon]
    # Bernoulli(0.09) per neuron-step: 20000 * 200 * 0.09 = 360000 spikes expected.
    expected = 20000 * 200 * 0.09
    assert abs(len(rec) - expected) < 5 * np.sqrt(expected)
    assert np.all(np.diff(rec.steps) >= 0)
