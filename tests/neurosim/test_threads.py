"""Threads (neurosim.threads): a simulation gives the same result, bit for bit, for any number
of threads, on a network that uses every kind of component (several models, current and
conductance kinetics, delays, every input, plasticity); the thread tables partition the
synapses by target; bad thread counts are refused."""

import hashlib

import numpy as np
import pytest

import neurosim as ns
from neurosim.threads import partition

DT = 0.1


def _network():
    net = ns.Network()
    src = net.population(40, ns.PoissonSource(rate=40.0), name="src")
    e = net.population(301, ns.LIF(), name="e", v=ns.Uniform(-65.0, -50.0))
    a = net.population(77, ns.AdEx(), name="a")
    eif = ns.NeuronModel.from_equations(
        "dv/dt = (g_l*(e_l - v) + g_l*delta_t*exp((v - v_t)/delta_t) + i_syn) / c_m : mV "
        "(unless refractory)", threshold="v > v_peak", reset="v = v_reset", refractory=2.0,
        parameters=dict(c_m=281.0, g_l=30.0, e_l=-70.6, v_t=-50.4, delta_t=2.0, v_peak=-40.0,
                        v_reset=-70.6))
    q = net.population(53, eif, name="q", v=-70.6)
    st = net.population(3, ns.SpikeTimes([[1.0, 1.0, 5.0], [2.0, 30.0], [7.5]]), name="st")
    net.connect(src, e, ns.FixedProbability(0.2), weight=40.0, delay=1.0)
    net.connect(st, a, ns.AllToAll(), weight=300.0, delay=0.5)
    net.connect(e, e, ns.FixedInDegree(20), weight=30.0, delay=ns.Uniform(0.5, 3.0))
    net.connect(e, a, ns.FixedProbability(0.1), weight=2.0, delay=1.5,
                synapse=ns.ExpConductance(tau=5.0, e_rev=0.0))
    net.connect(a, e, ns.FixedProbability(0.1), weight=-80.0, delay=0.0,
                synapse=ns.AlphaCurrent(tau=3.0))
    net.connect(e, q, ns.FixedProbability(0.1), weight=ns.Uniform(5.0, 20.0), delay=1.0)
    stdp = net.connect(q, e, ns.FixedProbability(0.1), weight=50.0, delay=1.0,
                       plasticity=ns.STDP(w_max=200.0))
    stp = net.connect(e, a, ns.FixedTotalNumber(500, allow_multapses=True), weight=100.0,
                      delay=0.2, plasticity=ns.TsodyksMarkram())
    net.inject(e, ns.NoisyCurrent(mean=420.0, std=150.0))
    net.inject(a, ns.StepCurrent([0.0, 40.0], [700.0, 1000.0]))
    net.poisson_input(q, rate=900.0, n=10, weight=16.0)
    monitors = [net.record_spikes(p) for p in (src, e, a, q, st)]
    monitors.append(net.record(e, "v", neurons=[0, 150, 300]))
    monitors.append(net.record(a, "w"))
    monitors.append(net.record_weights(stdp, synapses=[0, 5, 9]))
    return net, monitors, (stdp, stp)


def _digest(sim, monitors, projections):
    h = hashlib.sha256()
    n_spikes = 0
    for mon in monitors:
        rec = sim.data[mon]
        if isinstance(rec, ns.SpikeRecord):
            h.update(rec.steps.tobytes())
            h.update(rec.neurons.tobytes())
            n_spikes += rec.steps.size
        else:
            h.update(np.ascontiguousarray(rec.values).tobytes())
    for proj in projections:
        h.update(sim.weights(proj).weight.tobytes())
    h.update(sim.built.neurons.state.tobytes())
    h.update(sim.built.channels.ring.tobytes())
    return n_spikes, h.hexdigest()


@pytest.fixture(scope="module")
def one_thread():
    net, monitors, projections = _network()
    sim = ns.Simulator(net, dt=DT, seed=11)
    sim.run(60.0)
    return _digest(sim, monitors, projections)


@pytest.mark.parametrize("threads", [2, 3, 4, 7])
def test_results_are_bitwise_the_same_for_any_number_of_threads(threads, one_thread):
    n_spikes, digest = one_thread
    assert n_spikes > 500  # the network is active: every part is exercised
    net, monitors, projections = _network()
    with pytest.warns() if threads > (__import__("os").cpu_count() or 1) else _nothing():
        sim = ns.Simulator(net, dt=DT, seed=11, threads=threads)
    sim.run(25.0)  # in two runs: the state carries over between calls of the loop
    sim.run(35.0)
    assert _digest(sim, monitors, projections) == (n_spikes, digest)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_checkpoint_written_with_threads_resumes_on_one(tmp_path, one_thread):
    net, monitors, projections = _network()
    sim = ns.Simulator(net, dt=DT, seed=11, threads=2)
    sim.run(30.0)
    sim.checkpoint(tmp_path / "c.npz")
    net2, monitors2, projections2 = _network()
    resumed = ns.Simulator.resume(tmp_path / "c.npz", net2)
    assert resumed.threads == 1
    resumed.run(30.0)
    assert _digest(resumed, monitors2, projections2) == one_thread


def test_thread_tables_partition_the_synapses_by_target():
    net, _, _ = _network()
    sim = ns.Simulator(net, dt=DT, seed=11, threads=3)
    b, thr = sim.built, sim.built.threads
    np.testing.assert_array_equal(thr.bounds, partition(b.n_total, 3))
    assert thr.bounds.tolist() == [0, 158, 316, 474]
    n_push = int(b.synapses.indptr[-1])
    # the neuron of each slot: channel c's slot i is neuron pop_start[pop of c] + i
    ch_pop = np.repeat(np.arange(len(b.pops)), np.diff(b.neurons.pop_ch_ptr))[
        np.argsort(b.neurons.pop_ch, kind="stable")]
    neuron_of_slot = np.concatenate([b.pop_start[p] + np.arange(b.pops[p].n)
                                     for p in ch_pop])
    owner = np.searchsorted(thr.bounds, neuron_of_slot[b.synapses.target[:n_push]],
                            side="right") - 1
    seen = np.zeros(n_push, dtype=np.int64)
    for t in range(3):
        for g in range(b.n_total):
            runs = thr.runs[thr.run_ptr[t, g]:thr.run_ptr[t, g + 1]]
            mine = np.concatenate([np.arange(lo, hi) for lo, hi in runs] or [[]]).astype(int)
            # row g's synapses onto thread t's neurons, all of them, in table order
            row = np.arange(b.synapses.indptr[g], b.synapses.indptr[g + 1])
            np.testing.assert_array_equal(mine, row[owner[row] == t])
            assert (runs[:, 1] > runs[:, 0]).all()  # no empty run
            seen[mine] += 1
    assert (seen == 1).all()  # each synapse exactly once
    # rows come sorted by target within a projection's block: about one run per block
    assert thr.runs.shape[0] < 3 * len(b.proj_channel) * b.n_total
    # segments: each population's neurons once, split at the thread bounds
    for p in range(len(b.pops)):
        covered = np.concatenate([np.arange(thr.seg_start[t, p], thr.seg_end[t, p])
                                  for t in range(3)])
        np.testing.assert_array_equal(covered, np.arange(b.pop_start[p], b.pop_start[p + 1]))


@pytest.mark.parametrize("threads, error, match", [
    (0, ValueError, r"Simulator.threads must be >= 1, got 0"),
    (-2, ValueError, r"must be >= 1, got -2"),
    (1.5, TypeError, r"Simulator.threads must be an integer >= 1, got 1.5"),
    (True, TypeError, r"got True"),
    ("2", TypeError, r"got '2'"),
])
def test_bad_thread_counts_are_refused(threads, error, match):
    net = ns.Network()
    net.population(2, ns.LIF(), name="a")
    with pytest.raises(error, match=match):
        ns.Simulator(net, dt=DT, threads=threads)


def test_more_threads_than_cores_warns():
    net = ns.Network()
    net.population(2, ns.LIF(), name="a")
    cores = __import__("os").cpu_count() or 1
    with pytest.warns(UserWarning, match=rf"threads = {cores + 1} is more than this "
                                         rf"machine's {cores} cores"):
        ns.Simulator(net, dt=DT, threads=cores + 1)


def test_threads_on_other_engines():
    net = ns.Network()
    net.population(2, ns.LIF(), name="a")
    with pytest.raises(ValueError, match="engine 'brian2' .*runs on one thread"):
        ns.Simulator(net, dt=DT, threads=2, engine="brian2")
    with pytest.raises(ValueError, match="threads=2 but engine_options threads=3"):
        ns.Simulator(net, dt=DT, threads=2, engine="nest", engine_options={"threads": 3})


# -- plasticity on every thread --------------------------------------------------------------

#: A rule the built-ins lack: a presynaptic resource that recovers towards 1 (a group variable
#: with a rest value), a per-synapse trace and the postsynaptic trace, all read by the weight.
RESOURCE = dict(
    equations="""
    dr/dt = (1 - r) / tau_r : 1
    de/dt = -e / tau_e : 1
    dpost/dt = -post / tau_post : 1
    """,
    on_pre="w = clip(w - 0.5 * post * r, 0, 80); e += r; r -= 0.3 * r",
    on_post="w = clip(w + 0.4 * e, 0, 80); post += 1",
    parameters=dict(tau_r=50.0, tau_e=15.0, tau_post=20.0), initial=dict(r=1.0),
    name="resource")


def _plastic_network(burst):
    """Every kind of rule on a recurrent network: STDP (from a SpikeTimes population, which
    fires twice in one step when ``burst``), reward-modulated STDP (weights integrated lazily
    between events), Tsodyks-Markram (a rule that decides what an arrival transmits) and a
    user's rule with group, synapse and postsynaptic variables."""
    net = ns.Network()
    src = net.population(60, ns.PoissonSource(rate=30.0), name="src")
    times = [[2.0, 2.0, 9.0], [4.0], [6.0, 6.0, 6.0]] if burst else [[2.0, 9.0], [4.0], [6.0]]
    st = net.population(3, ns.SpikeTimes(times), name="st")
    e = net.population(211, ns.LIF(), name="e", v=ns.Uniform(-65.0, -50.0))
    i = net.population(59, ns.LIF(), name="i", v=ns.Uniform(-65.0, -50.0))
    net.connect(src, e, ns.FixedProbability(0.25), weight=60.0, delay=1.0)
    net.connect(src, i, ns.FixedProbability(0.25), weight=60.0, delay=1.0)
    stdp = net.connect(st, e, ns.AllToAll(), weight=100.0, delay=ns.Uniform(0.1, 2.0),
                       plasticity=ns.STDP(w_max=300.0))
    reward = net.connect(e, e, ns.FixedInDegree(15), weight=20.0, delay=ns.Uniform(0.5, 3.0),
                         plasticity=ns.RewardSTDP(w_max=60.0, tau_c=200.0, tau_d=100.0))
    stp = net.connect(e, i, ns.FixedProbability(0.1), weight=90.0, delay=0.7,
                      plasticity=ns.TsodyksMarkram())
    user = net.connect(i, e, ns.FixedProbability(0.1), weight=40.0, delay=ns.Uniform(0.2, 1.5),
                       plasticity=ns.Plasticity.from_equations(**RESOURCE))
    net.inject(e, ns.NoisyCurrent(mean=300.0, std=200.0))
    monitors = [net.record_spikes(p) for p in (src, st, e, i)]
    monitors.append(net.record_weights(reward, synapses=[0, 7, 40]))
    monitors.append(net.record_weights(user, synapses=[0, 3]))
    return net, monitors, (stdp, reward, stp, user)


def _plastic_run(burst, threads):
    net, monitors, projections = _plastic_network(burst)
    with pytest.warns() if threads > (__import__("os").cpu_count() or 1) else _nothing():
        sim = ns.Simulator(net, dt=DT, seed=5, threads=threads)
    sim.run(20.0)
    sim.reward(50.0)  # between runs, as a script rewards
    sim.run(30.0)
    return sim, _digest(sim, monitors, projections)


@pytest.mark.parametrize("burst", [False, True])
def test_plastic_networks_are_bitwise_the_same_for_any_number_of_threads(burst):
    sim1, (n_spikes, digest) = _plastic_run(burst, 1)
    assert n_spikes > 500  # (about 90 of them from the Poisson sources)
    # the weights moved: every rule acted
    for proj in sim1.built.user_rules:
        w = sim1.weights(proj).weight
        assert np.ptp(w) > 0 or proj.plasticity.__class__.__name__ == "TsodyksMarkram", proj
    for threads in (2, 3):
        sim, got = _plastic_run(burst, threads)
        # without bursts the rules run on every thread (their tables are built); with a burst
        # from a plastic projection's source, whole on thread 0
        assert len(sim.built.threads.rules) == (0 if burst else 4)
        assert got == (n_spikes, digest)


def test_rule_thread_tables_partition_each_rules_synapses_by_target():
    from neurosim.plasticity.rule import RULE_FIELDS
    net, _, _ = _plastic_network(False)
    sim = ns.Simulator(net, dt=DT, seed=5, threads=3)
    thr = sim.built.threads
    f = RULE_FIELDS.index
    for u, (ptr, p) in zip(sim.built.ul, thr.rules):
        ppre_ptr, p_q, post_range = u[f("ppre_ptr")], u[f("p_q")], u[f("post_range")]
        assert np.array_equal(np.sort(p), np.arange(p_q.size))  # each synapse exactly once
        for t in range(3):
            lo, hi = thr.bounds[t], thr.bounds[t + 1]
            for g in range(sim.built.n_total):
                mine = p[ptr[t, g]:ptr[t, g + 1]]
                assert ((mine >= ppre_ptr[g]) & (mine < ppre_ptr[g + 1])).all()  # g's synapses
                assert (np.diff(mine) > 0).all()  # in the rule's order
                post = post_range[0] + p_q[mine]
                assert ((post >= lo) & (post < hi)).all()  # onto this thread's neurons
