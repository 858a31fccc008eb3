"""Tsodyks-Markram short-term plasticity: amplitudes of regular trains against the recursion
and its closed-form steady state (equations in :class:`neurosim.TsodyksMarkram`).

Amplitudes are read off a passive membrane: a delta synapse onto a LIF neuron with
``e_leak = 0`` and an unreachable threshold; with ``v' = (v + jump) P`` over a step
(``P = exp(-dt/tau_m)``) the jump of the step after the arrival (where it acts,
:mod:`neurosim.delays`) is ``v'/P - v``.
"""

import math

import numpy as np
import pytest

import neurosim as ns

DT = 0.1
PASSIVE = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=0.0, v_th=1e6, v_reset=0.0, t_ref=0.0)


def amplitudes(rule, period, n_spikes, *, w=2.0, delay=1.0):
    times = [round(5.0 + i * period, 10) for i in range(n_spikes)]
    net = ns.Network()
    src = net.population(1, ns.SpikeTimes([times]), name="src")
    cell = net.population(1, PASSIVE, name="cell")
    proj = net.connect(src, cell, ns.OneToOne(), synapse=ns.Delta(), weight=w, delay=delay,
                       plasticity=rule)
    trace = net.record(cell, "v")
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(times[-1] + delay + 1.0)
    v = sim.data[trace].values[:, 0]
    p22 = math.exp(-DT / PASSIVE.tau_m)
    arrive = [int(round((t + delay) / DT)) + 1 for t in times]  # the step each jump acts in
    jumps = np.array([v[k] / p22 - v[k - 1] for k in arrive])
    return jumps, sim, proj


def recursion(rule, period, n_spikes, w):
    """u_{n+1} = u_n e_f + U (1 - u_n e_f), R_{n+1} = 1 - (1 - R_n (1 - u_n)) e_r,
    u_1 = U, R_1 = 1 (Markram, Wang & Tsodyks 1998)."""
    e_f = math.exp(-period / rule.tau_fac) if rule.tau_fac > 0 else 0.0
    e_r = math.exp(-period / rule.tau_rec)
    u, r, out = rule.U, 1.0, []
    for _ in range(n_spikes):
        out.append(w * u * r)
        r = 1.0 - (1.0 - r * (1.0 - u)) * e_r
        u = u * e_f + rule.U * (1.0 - u * e_f)
    return np.array(out)


def steady_state(rule, period, w):
    e_f = math.exp(-period / rule.tau_fac) if rule.tau_fac > 0 else 0.0
    e_r = math.exp(-period / rule.tau_rec)
    u = rule.U / (1.0 - (1.0 - rule.U) * e_f)
    x = (1.0 - e_r) / (1.0 - (1.0 - u) * e_r)
    return w * u * x


# Depressing (Tsodyks & Markram 1997-like) and facilitating (Markram et al. 1998 F-type) sets.
RULES = [ns.TsodyksMarkram(U=0.5, tau_rec=800.0, tau_fac=0.0),
         ns.TsodyksMarkram(U=0.03, tau_rec=130.0, tau_fac=530.0),
         ns.TsodyksMarkram(U=0.2, tau_rec=200.0, tau_fac=100.0)]


@pytest.mark.parametrize("rule", RULES, ids=["depressing", "facilitating", "mixed"])
@pytest.mark.parametrize("rate_hz", [5.0, 20.0, 50.0])
def test_regular_train_amplitudes(rule, rate_hz):
    period = 1000.0 / rate_hz
    # enough spikes for the slower of the two geometric approaches to the steady state,
    # (1 - U) e_f for u and (1 - u*) e_r for x, to fall below 1e-13
    e_f = math.exp(-period / rule.tau_fac) if rule.tau_fac > 0 else 0.0
    e_r = math.exp(-period / rule.tau_rec)
    u_star = rule.U / (1.0 - (1.0 - rule.U) * e_f)
    rho = max((1.0 - rule.U) * e_f, (1.0 - u_star) * e_r)
    n = max(20, math.ceil(math.log(1e-13) / math.log(rho)) + 2)
    jumps, sim, proj = amplitudes(rule, period, n)
    np.testing.assert_allclose(jumps, recursion(rule, period, n, 2.0), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(jumps[-1], steady_state(rule, period, 2.0), rtol=1e-9)
    # the weight itself does not change
    np.testing.assert_array_equal(sim.weights(proj).weight, [2.0])


def test_depression_and_facilitation_go_the_right_way():
    dep, _, _ = amplitudes(RULES[0], 50.0, 10)
    fac, _, _ = amplitudes(RULES[1], 50.0, 10)
    assert np.all(np.diff(dep) < 0)
    assert np.all(np.diff(fac[:5]) > 0)
    assert dep[0] == pytest.approx(2.0 * 0.5, abs=1e-10)      # first spike: w U
    assert fac[0] == pytest.approx(2.0 * 0.03, abs=1e-10)


def test_irregular_train_and_recovery_after_a_long_pause():
    """Intervals 10, 10 and 1075 ms: each amplitude from the event equations; after the pause
    (over 10 tau_rec and 20 tau_fac) the synapse is back to about w U."""
    rule = ns.TsodyksMarkram(U=0.4, tau_rec=100.0, tau_fac=50.0)
    times = [5.0, 15.0, 25.0, 1100.0]
    net = ns.Network()
    src = net.population(1, ns.SpikeTimes([times]), name="src")
    cell = net.population(1, PASSIVE, name="cell")
    net.connect(src, cell, ns.OneToOne(), synapse=ns.Delta(), weight=1.0, delay=0.1,
                plasticity=rule)
    trace = net.record(cell, "v")
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(1110.0)
    v = sim.data[trace].values[:, 0]
    p22 = math.exp(-DT / PASSIVE.tau_m)
    # arrivals in steps 51, 151, 251 and 11001 act in the next steps
    jumps = [v[k] / p22 - v[k - 1] for k in (52, 152, 252, 11002)]
    u, x, last, expected = 0.0, 1.0, 0.0, []
    for t in times:
        u = u * math.exp(-(t - last) / rule.tau_fac)
        x = 1.0 - (1.0 - x) * math.exp(-(t - last) / rule.tau_rec)
        u += rule.U * (1.0 - u)
        expected.append(u * x)
        x -= u * x
        last = t
    np.testing.assert_allclose(jumps, expected, rtol=1e-9)
    assert expected[3] == pytest.approx(0.4, abs=2e-5)


@pytest.mark.parametrize("rule", RULES[1:], ids=["facilitating", "mixed"])
def test_brian2_runs_the_definition_with_the_same_membrane(rule, brian2_numpy):
    """engine='brian2' receives the rule's statements (u, x, r event-driven; the arrival
    adds w r to the target): the passive membrane agrees with neurosim's to rounding, for an
    irregular train through two delays."""
    times = [[2.0, 9.0, 11.5, 30.0, 31.0, 90.0], [4.0, 5.0, 6.0, 60.0]]
    runs = []
    for engine in ("neurosim", "brian2"):
        net = ns.Network()
        src = net.population(2, ns.SpikeTimes(times), name="src")
        cell = net.population(1, PASSIVE, name="cell")
        net.connect(src, cell, ns.AllToAll(), synapse=ns.ExpCurrent(tau=3.0),
                    weight=[300.0, 500.0], delay=[0.3, 1.2], plasticity=rule)
        trace = net.record(cell, "v")
        sim = ns.Simulator(net, dt=DT, seed=0, engine=engine)
        sim.run(100.0)
        runs.append(sim.data[trace].values[:, 0])
    assert np.abs(runs[0]).max() > 1.0  # the synapses did move the membrane
    np.testing.assert_allclose(runs[1], runs[0], rtol=0, atol=1e-9)
