"""Poisson drive through exponential current synapses: membrane mean and variance against
Campbell's theorem."""

import pytest

import neurosim as ns

TAU_M, TAU_S, C_M, E_L = 10.0, 2.0, 250.0, -70.0


def test_campbell_mean_and_variance():
    rate, w, dt, n = 500.0, 50.0, 0.1, 400
    net = ns.Network()
    src = net.population(n, ns.PoissonSource(rate=rate), name="src")
    cell = ns.LIF(tau_m=TAU_M, c_m=C_M, e_leak=E_L, v_th=1e3, v_reset=E_L, t_ref=0.0)
    tgt = net.population(n, cell, name="tgt")
    net.connect(src, tgt, ns.OneToOne(), synapse=ns.ExpCurrent(tau=TAU_S), weight=w, delay=dt)
    mon = net.record(tgt, "v", every=1.0)
    sim = ns.Simulator(net, dt=dt, seed=11)
    sim.run(2100.0)
    v = sim.data[mon].values[100:]                 # drop 100 ms of transient
    nu = rate / 1000.0                             # per ms
    p = nu * dt                                    # spike probability per step
    # PSP of weight w: A (e^{-s/tau_m} - e^{-s/tau_s}), A = w tau_m tau_s / (c_m (tau_m - tau_s))
    amp = w * TAU_M * TAU_S / (C_M * (TAU_M - TAU_S))
    mean = nu * w * TAU_S * TAU_M / C_M
    integral_sq = amp ** 2 * (TAU_M / 2 + TAU_S / 2 - 2 * TAU_M * TAU_S / (TAU_M + TAU_S))
    # A Bernoulli(p) spike per step has variance p (1 - p), not p: the discrete process.
    var = nu * (1 - p) * integral_sq
    assert v.mean() - E_L == pytest.approx(mean, rel=0.02)
    assert v.var() == pytest.approx(var, rel=0.05)
