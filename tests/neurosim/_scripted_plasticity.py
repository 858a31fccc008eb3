"""A scripted plasticity experiment, on neurosim and replayed in Brian2 with the rule written
by hand there: the conventions bridged are in tests/neurosim/test_plasticity_vs_brian2.py.
(Not a test file: the tests of test_plasticity_rule.py and test_plasticity_vs_brian2.py use
it.)"""

import numpy as np

import neurosim as ns

DT = 0.1
RELAY = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-70.0, v_th=-20.0, v_reset=-70.0, t_ref=0.0)


def scripted(rule, seed, n_pre, n_pre_spikes, n_teacher, max_delay_steps, zero_lag_pair=False):
    """A scripted experiment on neurosim: ``n_pre`` spike-time sources onto one relay neuron
    through ``rule``, the relay driven to spike by a teacher. ``zero_lag_pair``: source 0 also
    arrives in the step of a postsynaptic spike (a pair at Δt = 0). Returns the spike trains,
    the relay's spike steps, the delays, the initial and the final weights."""
    rng = np.random.default_rng(seed)
    pre_times = [sorted(set(np.round(rng.uniform(0, 500, n_pre_spikes), 1).tolist()))
                 for _ in range(n_pre)]
    teacher = sorted(set(np.round(rng.uniform(5, 540, n_teacher), 1).tolist()))
    delays = np.round(rng.integers(1, max_delay_steps, n_pre) * DT, 10)
    if zero_lag_pair:
        pre_times[0] = sorted(set(pre_times[0]) | {round(teacher[3] + DT - delays[0], 1)})
    w0 = rng.uniform(0.2, 0.8, n_pre)
    net = ns.Network()
    pre = net.population(n_pre, ns.SpikeTimes(pre_times), name="pre")
    teach = net.population(1, ns.SpikeTimes([teacher]), name="teacher")
    cell = net.population(1, RELAY, name="cell")
    net.connect(teach, cell, ns.OneToOne(), synapse=ns.Delta(), weight=100.0, delay=DT)
    proj = net.connect(pre, cell, ns.FromList([[i, 0] for i in range(n_pre)], weights=w0,
                                              delays=delays),
                       synapse=ns.Delta(), plasticity=rule)
    mon = net.record_spikes(cell)
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(600.0)
    post_steps = sim.data[mon].steps
    assert post_steps.size == len(teacher)
    return pre_times, post_steps, delays, w0, sim.weights(proj).weight


def brian2_replay(b2, model, on_pre, on_post, pre_times, post_steps, delays, w0, initial=(),
                  namespace=None):
    """The same experiment with the rule written by hand as Brian2 ``Synapses`` (numpy
    target), the relay's spikes replayed; returns the final weights."""
    dt = DT * b2.ms
    idx = np.concatenate([np.full(len(t), i) for i, t in enumerate(pre_times)])
    times = np.concatenate([np.asarray(t, dtype=float) for t in pre_times])
    g_pre = b2.SpikeGeneratorGroup(len(pre_times), idx, times * b2.ms, dt=dt)
    g_post = b2.SpikeGeneratorGroup(1, np.zeros(len(post_steps), dtype=int),
                                    np.asarray(post_steps) * DT * b2.ms, dt=dt)
    syn = b2.Synapses(g_pre, g_post, model, on_pre=on_pre, on_post=on_post, dt=dt,
                      namespace=namespace)
    syn.connect(i=np.arange(len(pre_times)), j=0)
    syn.w = w0
    for name, value in dict(initial).items():
        setattr(syn, name, value)
    syn.pre.delay = np.asarray(delays) * b2.ms
    syn.pre.order = 0
    syn.post.order = 1
    b2.Network(g_pre, g_post, syn).run(600.0 * b2.ms)
    return np.asarray(syn.w[:])
