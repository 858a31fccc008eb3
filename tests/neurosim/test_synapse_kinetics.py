"""The synaptic kinetics contract, run over the registry (``neurosim.synapses.SYNAPSES``): a
registered kinetics is tested here without a list to edit.

Truth: each kinetics' analytic ``response(t)`` (the current or conductance after one arrival
of unit weight), numerical quadrature of it for the step means, and Brian2 running the same
equations (``Synapse._brian2``) for a whole neuron.
"""

import math

import numpy as np
import pytest
from scipy.integrate import quad

import neurosim as ns
from neurosim.synapses import KIND_DELTA, SYNAPSES

DT = 0.1
EXAMPLES = [ex for cls in SYNAPSES.values() for ex in cls._examples() if ex.kind != KIND_DELTA]
IDS = [repr(ex) for ex in EXAMPLES]


def test_every_kinetics_is_registered_and_exported():
    assert {"Delta", "ExpCurrent", "AlphaCurrent", "BiexpCurrent", "ExpConductance",
            "AlphaConductance", "BiexpConductance"} <= set(SYNAPSES)
    for name in SYNAPSES:
        assert getattr(ns, name) is SYNAPSES[name]


@pytest.mark.parametrize("syn", EXAMPLES, ids=IDS)
def test_channel_follows_the_analytic_response_step_by_step(syn):
    """One arrival of weight 2 at a passive neuron: after each step the channel holds
    ``2 response(s)``, s the time since the arrival took effect (to 1e-12 of the peak)."""
    net = ns.Network()
    src = net.population(1, ns.SpikeTimes([[1.0]]), name="src")
    cell = net.population(1, ns.LIF(v_th=1e9, e_leak=-70.0, v_reset=-70.0), name="cell")
    net.connect(src, cell, ns.OneToOne(), synapse=syn, weight=2.0, delay=DT)
    sim = ns.Simulator(net, dt=DT, seed=0)
    slot = int(sim.built.channels.start[0])
    got = []
    for _ in range(320):
        sim.run(DT)
        got.append(sim.built.channels.x1[slot])
    # the spike of step 10 arrives in step 11 (1.1 ms) and acts from step 12 on: the channel
    # holds 2 response(dt) after step 12
    first = int(np.flatnonzero(got)[0])
    assert first == 12
    want = [2.0 * syn.response((n + 1) * DT) for n in range(300)]
    got = got[first:first + 300]
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-12)


@pytest.mark.parametrize("syn", [ex for ex in EXAMPLES if ex.kind == 2],
                         ids=[repr(ex) for ex in EXAMPLES if ex.kind == 2])
def test_two_state_kinetics_peak_at_the_weight(syn):
    t = np.linspace(0.0, 10 * syn._kinetics()[0], 200001)
    peak = max(syn.response(x) for x in t)
    assert peak == pytest.approx(1.0, abs=1e-9)
    if hasattr(syn, "t_peak"):
        assert syn.response(syn.t_peak) == pytest.approx(1.0, rel=1e-14)


@pytest.mark.parametrize("tau_x,tau_y", [(5.0, None), (2.0, 2.0), (5.0, 0.5), (2.1, 2.0),
                                         (3.0, 3.0 * (1 - 1e-9)), (0.3, 0.05)])
@pytest.mark.parametrize("dt", [0.1, 0.025])
def test_coefficients_are_the_exact_propagator_and_step_means(tau_x, tau_y, dt):
    """``x' = d_x x + d_xy y``, ``y' = d_y y`` and the step means ``m_x``, ``m_y`` against
    the closed-form solution and its quadrature (near-equal time constants included)."""
    from neurosim.synapses import kinetics_coefficients
    c = kinetics_coefficients(tau_x, tau_y, 1.0, dt)
    assert c[0] == pytest.approx(math.exp(-dt / tau_x), rel=1e-15)
    assert c[5] == pytest.approx(quad(lambda s: math.exp(-s / tau_x), 0, dt)[0] / dt, rel=1e-12)
    if tau_y is None:
        return
    a, b = 1.0 / tau_x, 1.0 / tau_y

    def x_from_y(s):  # x(s) for x(0) = 0, y(0) = 1
        if a == b:
            return s * b * math.exp(-a * s)
        return b * (math.exp(-b * s) - math.exp(-a * s)) / (a - b)

    assert c[7] == pytest.approx(math.exp(-dt / tau_y), rel=1e-15)
    assert c[1] == pytest.approx(x_from_y(dt) if abs(a - b) > 1e-6 else dt * b * math.exp(-a * dt),
                                 rel=1e-9)
    mean = quad(x_from_y, 0, dt, epsabs=0, epsrel=1e-13)[0] / dt if abs(a - b) > 1e-6 else \
        quad(lambda s: s * b * math.exp(-a * s), 0, dt, epsabs=0, epsrel=1e-13)[0] / dt
    assert c[6] == pytest.approx(mean, rel=1e-7)


def _membrane(syn, engine, dt, v_th):
    rng = np.random.default_rng(3)
    trains = [sorted(set(np.round(rng.uniform(0, 190, 30), 1).tolist())) for _ in range(5)]
    net = ns.Network()
    src = net.population(5, ns.SpikeTimes(trains), name="src")
    cell = net.population(1, ns.LIF(v_th=v_th, e_leak=-70.0, v_reset=-70.0, t_ref=2.0),
                          name="cell")
    net.connect(src, cell, ns.AllToAll(), synapse=syn, weight=2.0 if syn.conductance else 150.0,
                delay=0.5)
    trace = net.record(cell, "v", every=0.1)
    sim = ns.Simulator(net, dt=dt, seed=0, engine=engine)
    sim.run(200.0)
    return sim.data[trace].values[:, 0]


@pytest.mark.parametrize("syn", [ns.BiexpCurrent(0.5, 5.0), ns.AlphaCurrent(2.0)],
                         ids=["biexp", "alpha"])
def test_a_neuron_with_current_kinetics_matches_brian2(syn, brian2_numpy):
    """A spiking LIF receiving spike trains through the kinetics: integrated exactly on both
    engines (Brian2 integrates the kinetics' own equations), the membranes agree to 1e-9."""
    ours, theirs = (_membrane(syn, e, DT, -40.0) for e in ("neurosim", "brian2"))
    assert ours.max() - ours.min() > 2.0  # the input moved the membrane
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-9)


def test_a_neuron_with_biexp_conductance_converges_to_brian2(brian2_numpy):
    """Conductance input makes the membrane nonlinear: neurosim holds the conductance at its
    exact step mean, Brian2 integrates it continuously, so they differ by O(dt) and must
    converge to each other (the difference shrinks at least 2.5-fold from dt = 0.1 to
    0.025 ms)."""
    syn = ns.BiexpConductance(1.0, 8.0, 0.0)
    diffs = []
    for dt in (0.1, 0.025):
        ours, theirs = (_membrane(syn, e, dt, 100.0) for e in ("neurosim", "brian2"))
        assert ours.max() - ours.min() > 10.0
        diffs.append(np.abs(ours - theirs).max())
    assert diffs[1] < diffs[0] / 2.5, diffs


def test_bad_kinetics_parameters_are_refused_by_name():
    with pytest.raises(ValueError, match=r"BiexpCurrent.tau_rise must be < tau_decay \(5.0 ms\), "
                                         r"got 5.0 ms .*AlphaCurrent"):
        ns.BiexpCurrent(5.0, 5.0)
    with pytest.raises(ValueError, match="BiexpConductance.tau_decay must be > 0 ms"):
        ns.BiexpConductance(1.0, -2.0)


def test_nest_refuses_a_kinetics_it_lacks_by_name():
    pytest.importorskip("nest", reason="NEST is an optional extra")
    net = ns.Network()
    src = net.population(1, ns.SpikeTimes([[1.0]]), name="src")
    cell = net.population(1, ns.LIF(), name="cell")
    net.connect(src, cell, ns.OneToOne(), synapse=ns.BiexpCurrent(0.5, 5.0), weight=10.0)
    with pytest.raises(NotImplementedError, match="BiexpCurrent synapses .*delta, exponential "
                                                  "or alpha receptors"):
        ns.Simulator(net, dt=DT, engine="nest")
