"""Short-term plasticity and reward-modulated STDP on ``engine="nest"`` against
``engine="neurosim"``.

``TsodyksMarkram`` runs on NEST's ``tsodyks2_synapse`` and ``RewardSTDP`` on its
``stdp_dopamine_synapse`` with a ``volume_transmitter``; the conversions are derived in
:mod:`neurosim.engines.nest` ("Short-term plasticity", "Reward-modulated STDP"). Scripted
experiments: regular presynaptic trains through depressing and facilitating synapses (the
transmitted amplitudes against the recursion and the closed-form steady state of
:class:`neurosim.TsodyksMarkram`, the membrane potential of both engines against each other),
and scripted pre/post pairs followed by rewards between runs (the weights of both engines
after every run). The documented difference of the reward rule -- eligibility changes
displaced by the delay, which matter only while the dopamine level is non-zero -- is checked
against its predicted size.
"""

import math
import os

import numpy as np
import pytest

import neurosim as ns

os.environ.setdefault("PYNEST_QUIET", "1")
pytest.importorskip("nest", reason="NEST is an optional extra: pip install -e '.[nest]'")

DT = 0.1
RTOL = 1e-9
OPT_IN = {"stdp_edge_pairs_differ": True, "reward_timing_differs": True}

# ------------------------------------------------------------------------------------------
# TsodyksMarkram -> tsodyks2_synapse
# ------------------------------------------------------------------------------------------

STP = {
    "depressing": ns.TsodyksMarkram(U=0.5, tau_rec=100.0, tau_fac=0.0),
    "facilitating": ns.TsodyksMarkram(U=0.1, tau_rec=50.0, tau_fac=200.0),
}
# An integrator: no leak to speak of (dt / tau_m = 1e-13), no threshold within reach, so the
# membrane potential is the running sum of the transmitted amplitudes (Delta synapses, mV).
INTEGRATOR = ns.LIF(tau_m=1e12, c_m=250.0, e_leak=0.0, v_th=1e9, v_reset=0.0, t_ref=2.0)


def _recursion(rule, n, period):
    """``u x`` of each spike of a regular train, from the equations of the docstring."""
    u, x, out = 0.0, 1.0, []
    for i in range(n):
        if i:
            u = u * math.exp(-period / rule.tau_fac) if rule.tau_fac > 0 else 0.0
            x = 1.0 + (x - 1.0) * math.exp(-period / rule.tau_rec)
        u += rule.U * (1.0 - u)
        out.append(u * x)
        x -= u * x
    return np.array(out)


def _steady_state(rule, period):
    e_f = math.exp(-period / rule.tau_fac) if rule.tau_fac > 0 else 0.0
    e_r = math.exp(-period / rule.tau_rec)
    u = rule.U / (1.0 - (1.0 - rule.U) * e_f)
    return u * (1.0 - e_r) / (1.0 - (1.0 - u) * e_r)


def _train(engine, rule, times, *, synapse, cell_model, delay, weight, t_stop):
    net = ns.Network()
    src = net.population(1, ns.SpikeTimes([times]), name="src")
    cell = net.population(1, cell_model, name="cell", v=0.0)
    net.connect(src, cell, ns.OneToOne(), synapse=synapse, weight=weight, delay=delay,
                plasticity=rule)
    trace = net.record(cell, "v")
    sim = ns.Simulator(net, dt=DT, seed=1, engine=engine)
    sim.run(t_stop / 2)   # two runs: the synapses' state survives a pause
    sim.run(t_stop / 2)
    return sim.data[trace].values[:, 0]


@pytest.mark.parametrize("name", sorted(STP))
def test_tsodyks_markram_amplitudes_match_the_equations_on_both_engines(name):
    rule = STP[name]
    period, n, delay, w = 20.0, 150, 1.0, 10.0
    times = [round(5.0 + period * i, 1) for i in range(n)]
    t_stop = times[-1] + 20.0
    # arrival steps: the jump acts from the step after the arrival on (NEST's delta jump is
    # already in the sample at the end of the arrival step, neurosim's one step later), so
    # take the difference between the samples one step before and one step after it
    arrive = np.rint((np.array(times) + delay) / DT).astype(int) + 1
    amps = {}
    for engine in ("neurosim", "nest"):
        v = _train(engine, rule, times, synapse=ns.Delta(), cell_model=INTEGRATOR,
                   delay=delay, weight=w, t_stop=t_stop)
        # v[j] is the state at (j + 1) dt
        amps[engine] = v[arrive] - v[arrive - 2]
    expected = w * _recursion(rule, n, period)
    for engine, a in amps.items():
        np.testing.assert_allclose(a, expected, rtol=RTOL, atol=0, err_msg=engine)
        np.testing.assert_allclose(a[-1], w * _steady_state(rule, period), rtol=RTOL, atol=0)
    np.testing.assert_allclose(amps["nest"], amps["neurosim"], rtol=RTOL, atol=0)
    # the train did change the amplitudes (depression or facilitation)
    if name == "depressing":
        assert amps["neurosim"][-1] < 0.6 * amps["neurosim"][0]
    else:
        assert amps["neurosim"][-1] > 1.5 * amps["neurosim"][0]


@pytest.mark.parametrize("name", sorted(STP))
def test_tsodyks_markram_membrane_potential_matches(name):
    """Exponential currents onto a leaky cell, an irregular train, heterogeneous delays (one
    presynaptic neuron per delay): the membrane potentials agree to rounding."""
    rule = STP[name]
    rng = np.random.default_rng(7)
    times = np.round(np.cumsum(rng.uniform(2.0, 60.0, size=40)), 1).tolist()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=0.0, v_th=1e9, v_reset=0.0, t_ref=2.0)
    delays = [0.2, 0.7, 2.5]
    v = {}
    for engine in ("neurosim", "nest"):
        net = ns.Network()
        src = net.population(len(delays), ns.SpikeTimes([times] * len(delays)), name="src")
        cell = net.population(1, lif, name="cell", v=0.0)
        net.connect(src, cell, ns.FromList([(i, 0) for i in range(len(delays))],
                                           delays=delays),
                    synapse=ns.ExpCurrent(tau=3.0), weight=300.0, plasticity=rule)
        trace = net.record(cell, "v")
        sim = ns.Simulator(net, dt=DT, seed=1, engine=engine)
        sim.run(times[-1] + 30.0)
        v[engine] = sim.data[trace].values[:, 0]
    np.testing.assert_allclose(v["nest"], v["neurosim"], rtol=RTOL, atol=1e-12)
    assert v["neurosim"].max() > 1.0


def test_tsodyks_markram_from_a_neuron_and_weights_read_back():
    """A presynaptic LIF neuron (no parrot in between) and the static weight read back."""
    rule = STP["facilitating"]
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=0.0, v_th=1e9, v_reset=0.0, t_ref=2.0)
    relay = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-70.0, v_th=-20.0, v_reset=-70.0, t_ref=5.0)
    out = {}
    for engine in ("neurosim", "nest"):
        net = ns.Network()
        teach = net.population(1, ns.SpikeTimes([[10.0, 25.0, 30.0, 90.0]]), name="teach")
        pre = net.population(1, relay, name="pre")
        cell = net.population(1, lif, name="cell", v=0.0)
        net.connect(teach, pre, ns.OneToOne(), synapse=ns.ExpCurrent(tau=2.0), weight=1e6,
                    delay=0.2)
        proj = net.connect(pre, cell, ns.OneToOne(), synapse=ns.ExpCurrent(tau=3.0),
                           weight=300.0, delay=0.5, plasticity=rule)
        trace = net.record(cell, "v")
        sim = ns.Simulator(net, dt=DT, seed=1, engine=engine)
        sim.run(150.0)
        out[engine] = (sim.data[trace].values[:, 0], sim.weights(proj).weight)
    np.testing.assert_allclose(out["nest"][0], out["neurosim"][0], rtol=RTOL, atol=1e-12)
    np.testing.assert_array_equal(out["nest"][1], [300.0])
    np.testing.assert_array_equal(out["neurosim"][1], [300.0])


# ------------------------------------------------------------------------------------------
# RewardSTDP -> stdp_dopamine_synapse
# ------------------------------------------------------------------------------------------

RELAY = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-70.0, v_th=-20.0, v_reset=-70.0, t_ref=30.0)
REWARD = ns.RewardSTDP(a_plus=1.0, a_minus=1.5, tau_plus=20.0, tau_minus=20.0, tau_c=1000.0,
                       tau_d=200.0, w_min=0.0, w_max=4.0)


def _reward_run(engine, rule, pre_times, delays, teacher, w0, script):
    """One presynaptic SpikeTimes neuron per entry, each onto one relay cell (made to fire by
    the teacher) with its own delay; ``script`` is a list of ("run", ms) / ("reward", amount).
    Returns the weights after every run, the dopamine levels then and the cell's spikes."""
    net = ns.Network()
    pre = net.population(len(pre_times), ns.SpikeTimes(pre_times), name="pre")
    teach = net.population(1, ns.SpikeTimes([teacher]), name="teacher")
    cell = net.population(1, RELAY, name="cell")
    net.connect(teach, cell, ns.OneToOne(), synapse=ns.ExpCurrent(tau=2.0), weight=1e6,
                delay=0.2)
    proj = net.connect(pre, cell, ns.FromList([(i, 0) for i in range(len(pre_times))],
                                              delays=delays),
                       synapse=ns.ExpCurrent(tau=2.0), weight=w0, plasticity=rule)
    spikes = net.record_spikes(cell)
    sim = ns.Simulator(net, dt=DT, seed=3, engine=engine,
                       engine_options=OPT_IN if engine == "nest" else None)
    weights, levels = [], []
    for kind, value in script:
        if kind == "run":
            sim.run(value)
            weights.append(sim.weights(proj).weight)
            levels.append(sim.dopamine(proj))
        else:
            sim.reward(value)
    return np.array(weights), np.array(levels), sim.data[spikes].steps


def _edge(delay):
    return 2 * round(delay / DT) * DT


def test_reward_stdp_weights_match_after_every_run():
    """Pairs at many intervals and delays (none in the edge window) while the dopamine level
    is 0, then rewards and a punishment between runs: the weights of both engines agree
    after every run, also after runs without any spike (NEST's volume transmitter keeps
    them current)."""
    t_post = 100.3                      # the cell fires 0.3 ms after the teacher (delay 0.2)
    offsets = [-30.0, -12.3, -5.0, -3.5, 0.0, 0.7, 4.0, 10.0, 17.1, 25.0]
    delay_set = [0.2, 0.5, 1.5]
    pre_times, delays = [], []
    for delay in delay_set:
        for o in offsets:
            pre_times.append([round(t_post - delay - o, 1), round(t_post - delay - o + 40.0, 1)])
            delays.append(delay)
    # no pair in the edge window -s <= Δt < 0 (Δt = t_post - (t_pre + delay))
    for times, delay in zip(pre_times, delays):
        gaps = t_post - (np.array(times) + delay)
        assert not ((gaps >= -_edge(delay) - 1e-9) & (gaps < 0)).any()
    w0 = np.linspace(0.5, 3.5, len(pre_times))
    script = [("run", 200.0), ("reward", 10.0), ("run", 150.0), ("reward", 2.0),   # Hz
              ("reward", -6.0), ("run", 0.1), ("run", 300.0), ("reward", 50.0),
              ("run", 500.0)]
    out = {e: _reward_run(e, REWARD, pre_times, delays, [100.0], w0, script)
           for e in ("neurosim", "nest")}
    (w_ns, d_ns, post_ns), (w_nest, d_nest, post_nest) = out["neurosim"], out["nest"]
    np.testing.assert_array_equal(post_nest, post_ns)
    assert post_ns.tolist() == [round(t_post / DT)]
    np.testing.assert_array_equal(w_ns[0], w0)            # no dopamine yet: no change
    np.testing.assert_allclose(w_nest, w_ns, rtol=RTOL, atol=0)
    np.testing.assert_array_equal(d_nest, d_ns)
    moved = np.abs(w_ns[-1] - w0)
    assert moved.max() > 0.5 and (w_ns[-1] == REWARD.w_max).any()   # a bound was reached
    assert (w_ns[1] < w0).any() and (w_ns[1] > w0).any()  # both signs of eligibility


def _dopamine_at(level, t_reward, t, tau_d):
    return level * math.exp(-(t - t_reward) / tau_d)


@pytest.mark.parametrize("delay", [0.2, 1.5])
def test_reward_stdp_spikes_under_dopamine_differ_as_documented(delay):
    """A pair while the dopamine level is non-zero: NEST's eligibility jump comes d + 1 steps
    late (potentiation) or (d - 1) steps early (depression), which changes the weight by
    the integral of c d over the shift -- the predicted amount, to rounding."""
    rule = REWARD
    d = round(delay / DT)
    t_reward, level = 50.0, 0.02                     # per ms: sim.reward(20.0) Hz
    t_post = 100.3
    dt_pot, dt_dep = 4.0, -6.0                       # Δt of the two pairs
    pre_times = [[round(t_post - delay - dt_pot, 1)], [round(t_post - delay - dt_dep, 1)]]
    w0 = np.array([1.0, 3.0])
    script = [("run", t_reward), ("reward", 20.0), ("run", 200.0 - t_reward)]
    out = {e: _reward_run(e, rule, pre_times, [delay, delay], [100.0], w0, script)
           for e in ("neurosim", "nest")}
    w_ns, w_nest = out["neurosim"][0][-1], out["nest"][0][-1]
    np.testing.assert_array_equal(out["nest"][2], out["neurosim"][2])
    tau_eff = 1.0 / (1.0 / rule.tau_c + 1.0 / rule.tau_d)
    # potentiation at t_post (neurosim) or t_post + (d + 1) dt (NEST)
    c_pot = rule.a_plus * math.exp(-dt_pot / rule.tau_plus)
    n_post = _dopamine_at(level, t_reward, t_post, rule.tau_d)
    lost = c_pot * n_post * tau_eff * (1.0 - math.exp(-(d + 1) * DT / tau_eff))
    # depression at the arrival (neurosim) or (d - 1) steps earlier (NEST)
    t_arr = t_post - dt_dep
    c_dep = -rule.a_minus * math.exp(dt_dep / rule.tau_minus)
    gained = c_dep * _dopamine_at(level, t_reward, t_arr, rule.tau_d) * tau_eff * (
        math.exp((d - 1) * DT / tau_eff) - 1.0)
    np.testing.assert_allclose(w_nest - w_ns, [-lost, gained], rtol=1e-6, atol=1e-13)
    assert abs(w_nest[0] - w_ns[0]) > 1e-4 * abs(w_ns[0] - w0[0])


def test_reward_stdp_from_neurons_and_a_reward_at_zero():
    """Presynaptic LIF neurons (no parrots), a reward at t = 0 that has decayed to ~1e-15 of
    itself by the first pair (tau_d = 10 ms), pairs, then a reward after the last spike."""
    rule = ns.RewardSTDP(a_plus=0.8, a_minus=1.0, tau_plus=15.0, tau_minus=25.0, tau_c=300.0,
                         tau_d=10.0, w_min=0.0, w_max=5.0)
    delay = 0.8
    res = {}
    for engine in ("neurosim", "nest"):
        net = ns.Network()
        teach = net.population(1, ns.SpikeTimes([[300.0, 340.0]]), name="teach")
        pre_t = net.population(3, ns.SpikeTimes([[280.0, 310.0], [335.0], [320.0, 355.0]]),
                               name="pre_t")
        pre = net.population(3, RELAY, name="pre")
        cell = net.population(1, RELAY, name="cell")
        net.connect(teach, cell, ns.OneToOne(), synapse=ns.ExpCurrent(tau=2.0), weight=1e6,
                    delay=0.2)
        net.connect(pre_t, pre, ns.OneToOne(), synapse=ns.ExpCurrent(tau=2.0), weight=1e6,
                    delay=0.2)
        proj = net.connect(pre, cell, ns.AllToAll(), synapse=ns.ExpCurrent(tau=2.0),
                           weight=2.0, delay=delay, plasticity=rule)
        m_pre, m_post = net.record_spikes(pre), net.record_spikes(cell)
        sim = ns.Simulator(net, dt=DT, seed=5, engine=engine,
                           engine_options=OPT_IN if engine == "nest" else None)
        sim.reward(1.0)                                  # Hz
        sim.run(400.0)
        sim.reward(10.0)
        sim.run(400.0)
        res[engine] = (sim.weights(proj).weight, sim.data[m_pre].steps, sim.data[m_post].steps)
    np.testing.assert_array_equal(res["nest"][1], res["neurosim"][1])
    np.testing.assert_array_equal(res["nest"][2], res["neurosim"][2])
    pre_steps, post_steps = res["neurosim"][1], res["neurosim"][2]
    assert pre_steps.size == 5 and post_steps.size == 2
    gaps = (post_steps[:, None] - pre_steps[None, :] - round(delay / DT)) * DT
    assert not ((gaps >= -_edge(delay) - 1e-9) & (gaps < 0)).any()
    np.testing.assert_allclose(res["nest"][0], res["neurosim"][0], rtol=RTOL, atol=0)
    assert np.abs(res["neurosim"][0] - 2.0).max() > 1e-2


# ------------------------------------------------------------------------------------------
# Refusals
# ------------------------------------------------------------------------------------------

def _plastic(rule, *, options=OPT_IN, synapse=None, weight=0.5):
    net = ns.Network()
    cell = net.population(2, RELAY, name="cell")
    src = net.population(2, ns.SpikeTimes([[5.0], [7.0]]), name="src")
    if synapse is None:
        synapse = ns.ExpCurrent(tau=2.0)
    if synapse.conductance:
        # an excitatory kinetics as well, so that the plastic one is NEST's inhibitory one
        net.connect(src, cell, ns.OneToOne(), synapse=ns.ExpConductance(tau=2.0, e_rev=0.0),
                    weight=1.0, delay=1.0)
    net.connect(src, cell, ns.OneToOne(), synapse=synapse, weight=weight, delay=1.0,
                plasticity=rule)
    return lambda: ns.Simulator(net, dt=DT, engine="nest", engine_options=options)


REFUSED = {
    "RewardSTDP without reward_timing_differs": (
        _plastic(ns.RewardSTDP(), options={"stdp_edge_pairs_differ": True}),
        "reward_timing_differs"),
    "RewardSTDP without stdp_edge_pairs_differ": (
        _plastic(ns.RewardSTDP(), options={"reward_timing_differs": True}),
        "stdp_edge_pairs_differ"),
    "RewardSTDP nearest pairing": (_plastic(ns.RewardSTDP(pairing="nearest")),
                                   "pairing='nearest'"),
    "RewardSTDP on an inhibitory conductance": (
        _plastic(ns.RewardSTDP(), synapse=ns.ExpConductance(tau=5.0, e_rev=-80.0)),
        "inhibitory conductance"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_unmapped_reward_cases_are_refused(case):
    make, match = REFUSED[case]
    with pytest.raises(NotImplementedError, match="engine 'nest'") as info:
        make()
    assert match in str(info.value)
    assert "RewardSTDP" in str(info.value) or "plasticity" in str(info.value)


def test_options_are_checked():
    with pytest.raises(TypeError, match="reward_timing_differs"):
        _plastic(ns.RewardSTDP(), options={"reward_timing_differs": 1})()
