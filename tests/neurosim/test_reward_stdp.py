"""Reward-modulated STDP (Izhikevich 2007) against a hand-computed case.

Two synapses onto one relay neuron that fires once, at 15 ms. Synapse 0: presynaptic arrival
at 11 ms (pre-before-post by 4 ms), so at 15 ms its eligibility jumps to
``c0 = a_plus exp(-4/20)``. Synapse 1: arrival at 21 ms (post-before-pre by 6 ms),
``c1 = -a_minus exp(-6/20)`` from 21 ms on. Without dopamine nothing changes. A reward of
``R`` at ``t_r`` then gives, for ``t > t_r`` (``1/tau = 1/tau_c + 1/tau_d``)::

    w(t) = w0 + c(t_r) R tau (1 - exp(-(t - t_r)/tau)),   c(t_r) = c exp(-(t_r - t_c)/tau_c)
"""

import math

import numpy as np
import pytest

import neurosim as ns

DT = 0.1
RELAY = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-70.0, v_th=-20.0, v_reset=-70.0, t_ref=0.0)
RULE = ns.RewardSTDP(a_plus=1.0, a_minus=1.5, tau_plus=20.0, tau_minus=20.0, tau_c=1000.0,
                     tau_d=200.0, w_min=0.0, w_max=4.0)
TAU = 1.0 / (1.0 / 1000.0 + 1.0 / 200.0)
C0 = 1.0 * math.exp(-4.0 / 20.0)       # synapse 0, from 15 ms
C1 = -1.5 * math.exp(-6.0 / 20.0)      # synapse 1, from 21 ms


def build(rule=RULE, w0=(1.0, 2.0)):
    net = ns.Network()
    pre = net.population(2, ns.SpikeTimes([[10.0], [20.0]]), name="pre")
    teacher = net.population(1, ns.SpikeTimes([[14.9]]), name="teacher")
    cell = net.population(1, RELAY, name="cell")
    net.connect(teacher, cell, ns.OneToOne(), synapse=ns.Delta(), weight=100.0, delay=0.0)
    proj = net.connect(pre, cell, ns.FromList([[0, 0], [1, 0]], weights=list(w0),
                                              delays=[1.0, 1.0]),
                       synapse=ns.Delta(), plasticity=rule)
    wmon = net.record_weights(proj, every=10.0)
    return net, proj, wmon


def test_eligibility_turns_into_weight_only_with_dopamine():
    net, proj, wmon = build()
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(100.0)
    np.testing.assert_array_equal(sim.weights(proj).weight, [1.0, 2.0])
    assert sim.dopamine(proj) == 0.0

    sim.reward(10.0)                       # Hz, i.e. d = 0.01 per ms, at t_r = 100 ms
    assert sim.dopamine(proj) == pytest.approx(10.0, abs=1e-12)
    sim.run(200.0)                         # to 300 ms
    c_r = np.array([C0 * math.exp(-(100.0 - 15.0) / 1000.0),
                    C1 * math.exp(-(100.0 - 21.0) / 1000.0)])
    rec = sim.data[wmon]
    after = rec.times > 100.0
    expected = np.array([1.0, 2.0]) + c_r * 0.01 * TAU * (
        1.0 - np.exp(-(rec.times[after, None] - 100.0) / TAU))
    np.testing.assert_allclose(rec.values[after], expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(rec.values[~after], np.tile([1.0, 2.0], (10, 1)))
    np.testing.assert_allclose(sim.weights(proj).weight, expected[-1], rtol=0, atol=1e-12)
    assert expected[-1, 0] > 1.5 and expected[-1, 1] < 1.2       # potentiated / depressed

    # a second reward adds to the decayed dopamine level
    d_300 = 0.01 * math.exp(-200.0 / 200.0) + 0.02          # per ms
    sim.reward(20.0)
    assert sim.dopamine(proj) == pytest.approx(1000.0 * d_300, abs=1e-12)
    sim.run(200.0)
    c_300 = np.array([C0 * math.exp(-(300.0 - 15.0) / 1000.0),
                      C1 * math.exp(-(300.0 - 21.0) / 1000.0)])
    w_500 = expected[-1] + c_300 * d_300 * TAU * (1.0 - math.exp(-200.0 / TAU))
    assert w_500[1] < 0.0                  # the integral overshoots w_min: clipped
    np.testing.assert_allclose(sim.weights(proj).weight, np.clip(w_500, 0.0, 4.0), rtol=0,
                               atol=1e-12)
    assert sim.dopamine(proj) == pytest.approx(1000.0 * d_300 * math.exp(-1.0), abs=1e-12)


def test_bounds_and_punishment():
    net, proj, _ = build()
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(50.0)
    sim.reward(1000.0)                     # enough to drive synapse 0 to w_max, 1 to w_min
    sim.run(1000.0)
    np.testing.assert_array_equal(sim.weights(proj).weight, [4.0, 0.0])

    net, proj, _ = build()
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(50.0)
    sim.reward(-1.0)                       # punishment reverses the signs of the changes
    sim.run(100.0)
    w = sim.weights(proj).weight
    assert w[0] < 1.0 and w[1] > 2.0


def test_reward_rejects_what_it_cannot_do():
    net, proj, _ = build()
    static = net.connect(net.populations[0], net.populations[2], ns.AllToAll(),
                         synapse=ns.Delta(), weight=0.1)
    sim = ns.Simulator(net, dt=DT, seed=0)
    with pytest.raises(ValueError, match="no RewardSTDP"):
        sim.reward(100.0, static)
    with pytest.raises(ValueError, match=r"reward.amount must be finite \(in Hz\), got nan"):
        sim.reward(float("nan"))
    net2 = ns.Network()
    a = net2.population(1, ns.SpikeTimes([[1.0]]), name="a")
    b = net2.population(1, ns.LIF(), name="b")
    net2.connect(a, b, ns.AllToAll(), plasticity=ns.STDP())
    with pytest.raises(ValueError, match="no RewardSTDP projection"):
        ns.Simulator(net2, dt=DT).reward(1.0)


def _poisson_network(rule):
    """40 Poisson sources onto 5 LIF cells through ``rule``: (network, projection, cells)."""
    net = ns.Network()
    src = net.population(40, ns.PoissonSource(rate=30.0), name="src")
    cells = net.population(5, ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-65.0, v_th=-55.0,
                                     v_reset=-65.0, t_ref=2.0), name="cells")
    proj = net.connect(src, cells, ns.FixedProbability(0.6), synapse=ns.ExpCurrent(5.0),
                       weight=ns.Uniform(100.0, 300.0), delay=ns.Uniform(0.5, 2.0),
                       plasticity=rule)
    return net, proj, cells


def test_split_runs_and_monitors_do_not_change_the_result():
    """Weights are integrated lazily; neither how runs are split nor recording the weights
    changes them (bitwise), and transmitted weights are brought up to date at each spike."""
    def build(record):
        net, proj, cells = _poisson_network(ns.RewardSTDP(a_plus=20.0, a_minus=25.0,
                                                          w_max=400.0))
        if record:
            net.record_weights(proj, every=0.3)
        return net, proj, net.record_spikes(cells)
    out = []
    for record, chunks in ((False, [(300.0, 20.0), (200.0, -10.0), (100.0, None)]),
                           (True, [(123.4, None), (176.6, 20.0), (0.1, None), (199.9, -10.0),
                                   (100.0, None)])):
        net, proj, mon = build(record)
        sim = ns.Simulator(net, dt=DT, seed=6)
        w_init = sim.weights(proj).weight
        for duration, reward in chunks:
            sim.run(duration)
            if reward is not None:
                sim.reward(reward)
        out.append((sim.weights(proj).weight, sim.data[mon].steps))
    assert out[0][1].size > 50
    assert np.abs(out[1][0] - w_init).max() > 1.0
    np.testing.assert_array_equal(out[0][0], out[1][0])
    np.testing.assert_array_equal(out[0][1], out[1][1])


def test_the_same_rule_written_by_hand_with_set_rule_variable():
    """RewardSTDP written with Plasticity.from_equations (shared dopamine trace, dw/dt = c d,
    w_bounds) and driven by set_rule_variable equals RewardSTDP driven by reward, bitwise;
    a shared trace decays exactly between runs."""
    tau_c, tau_d = 300.0, 100.0
    hand = ns.Plasticity.from_equations(
        """
        dc/dt = -c / tau_c : 1
        dapre/dt = -apre / tau_plus : 1
        dapost/dt = -apost / tau_minus : 1
        ddopamine/dt = -dopamine / tau_d : 1 (shared)
        dw/dt = c * dopamine : 1
        """,
        on_pre="c -= a_minus * apost; apre += 1", on_post="c += a_plus * apre; apost += 1",
        parameters=dict(tau_c=tau_c, tau_d=tau_d, tau_plus=20.0, tau_minus=20.0,
                        a_plus=20.0, a_minus=25.0, w_min=0.0, w_max=400.0),
        w_bounds=("w_min", "w_max"), name="hand")
    assert hand.storage == {"c": "synapse", "apre": "pre", "apost": "post",
                            "dopamine": "shared"}
    assert hand.bytes_per_synapse() == 64
    out = []
    for rule in (hand, ns.RewardSTDP(a_plus=20.0, a_minus=25.0, tau_c=tau_c, tau_d=tau_d,
                                      w_max=400.0)):
        net, proj, _ = _poisson_network(rule)
        sim = ns.Simulator(net, dt=DT, seed=6)
        sim.run(100.0)
        if rule is hand:
            sim.set_rule_variable(proj, "dopamine", 0.02, add=True)
            assert sim.rule_variable(proj, "dopamine") == 0.02
        else:
            sim.reward(20.0)
        sim.run(50.0)
        if rule is hand:
            assert sim.rule_variable(proj, "dopamine") == pytest.approx(
                0.02 * math.exp(-50.0 / tau_d), rel=1e-14)
            sim.set_rule_variable(proj, "dopamine", -0.01, add=True)
        else:
            sim.reward(-10.0)
        sim.run(100.0)
        out.append(sim.weights(proj).weight)
    np.testing.assert_array_equal(out[0], out[1])


@pytest.mark.parametrize("kwargs, match", [
    (dict(on_pre="d2 += 1"), r"assigns 'd2', a shared variable \(one value per projection\)"),
    (dict(equations="dc/dt = -c / 5.0 : 1\nde/dt = -e / 5.0 : 1\ndw/dt = c * e : 1"),
     r"'dw/dt = x \* y'.*here neither is shared"),
    (dict(equations="dc/dt = -c / 5.0 : 1\ndw/dt = c * c2 : 1"),
     r"'c2' is not a variable of the equations"),
    (dict(equations="dc/dt = (1 - c) / 5.0 : 1\nd2 : 1 (shared)\ndw/dt = c * d2 : 1"),
     r"'c' is not a trace decaying to 0"),
    (dict(w_bounds=("lo", "hi"), parameters=dict(lo=1.0, hi=1.0)),
     r"w_bounds must have lower < upper, got \('lo', 'hi'\) = \(1.0, 1.0\)"),
    (dict(w_bounds=("lo", 2.0)), r"w_bounds: the lower bound 'lo' is not a parameter"),
    (dict(w_bounds=(0.0, float("inf"))), "the upper bound must be a parameter name or a finite"),
    (dict(equations="dc/dt = -c / 5.0 : 1", w_bounds=(0.0, 1.0)),
     r"w_bounds clip the weight of 'dw/dt = ...', which the equations do not have"),
    (dict(equations="dc/dt = -c / 5.0 : 1 (shared, unless refractory)"),
     r"unknown flag 'unless refractory'; valid: \['shared'\]"),
])
def test_bad_shared_and_continuous_weight_rules_are_refused(kwargs, match):
    base = dict(equations="dc/dt = -c / 5.0 : 1\ndd2/dt = -d2 / 50.0 : 1 (shared)\n"
                          "dw/dt = c * d2 : 1", on_pre="c += 1")
    base.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ns.Plasticity.from_equations(**base)


def test_set_rule_variable_refuses_what_it_cannot_do():
    net, proj, _ = build()
    static = net.connect(net.populations[0], net.populations[2], ns.AllToAll(),
                         synapse=ns.Delta(), weight=0.1)
    sim = ns.Simulator(net, dt=DT, seed=0)
    with pytest.raises(ValueError, match=r"set_rule_variable: projection 'pre->cell#2' has no "
                                         r"plasticity rule with shared variables"):
        sim.set_rule_variable(static, "dopamine", 1.0)
    with pytest.raises(ValueError, match=r"rule_variable: the rule 'RewardSTDP' of projection "
                                         r"'pre->cell#1' has no shared variable 'c'; shared "
                                         r"variables: \['dopamine'\]"):
        sim.rule_variable(proj, "c")
    with pytest.raises(ValueError, match=r"set_rule_variable.value must be finite, got nan"):
        sim.set_rule_variable(proj, "dopamine", float("nan"))
    sim.set_rule_variable(proj, "dopamine", 0.5)
    assert sim.dopamine(proj) == 500.0
