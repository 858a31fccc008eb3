"""Independent Poisson drive (``net.poisson_input``): the membrane's mean and variance against
Campbell's theorem, on the grid.

Each step a target gets ``N ~ Poisson(lam)`` spikes, ``lam = n rate dt``; an exponential
current synapse and a LIF are integrated exactly, so a spike drawn in step ``k`` (a jump of the
synaptic current at ``k dt``) moves ``v`` at the sampling time ``(k + j) dt`` by exactly the PSP
``h(j dt)``, ``j >= 1``. For i.i.d. counts per step, Campbell's theorem on the grid gives
``mean = lam sum_j h(j dt)`` and ``var = Var(N) sum_j h(j dt)^2`` with ``Var(N) = lam``
(Poisson; Brian2's binomial count has ``lam (1 - rate dt)``). The sums are computed here to
machine precision; what is left is sampling error, which sets the tolerances.
"""

import numpy as np
import pytest

import neurosim as ns

TAU_M, TAU_S, C_M, E_L, DT = 10.0, 2.0, 250.0, -70.0, 0.1


def psp_on_grid(w):
    """``h(j dt)`` for j = 1, 2, ... (until it is negligible): the PSP of one spike of weight
    w pA through ExpCurrent(TAU_S) onto the LIF."""
    s = np.arange(1, 20000) * DT
    amp = w * TAU_M * TAU_S / (C_M * (TAU_M - TAU_S))
    return amp * (np.exp(-s / TAU_M) - np.exp(-s / TAU_S))


def mean_correlation(v):
    """Mean correlation of the voltages of every pair of neurons (sampling error about
    0.1 / sqrt(pairs) here)."""
    c = np.corrcoef(v.T)
    return c[np.triu_indices_from(c, k=1)].mean()


def drive(rate, n, w, *, engine="neurosim", t=2100.0, n_cells=200, seed=11):
    net = ns.Network()
    cell = ns.LIF(tau_m=TAU_M, c_m=C_M, e_leak=E_L, v_th=1e3, v_reset=E_L, t_ref=0.0)
    tgt = net.population(n_cells, cell, name="tgt")
    net.poisson_input(tgt, rate=rate, n=n, weight=w, synapse=ns.ExpCurrent(tau=TAU_S))
    mon = net.record(tgt, "v", every=1.0)
    sim = ns.Simulator(net, dt=DT, seed=seed, engine=engine)
    sim.run(t)
    return sim.data[mon].values[100:]              # drop 100 ms of transient


@pytest.mark.parametrize("rate,n,w", [(8.0, 1000, 5.0),      # 0.8 spikes per step
                                      (20.0, 1000, 2.0),     # 2 per step: above 1/dt
                                      (5.0, 200, -20.0)])    # inhibitory
def test_campbell_mean_and_variance_on_the_grid(rate, n, w):
    v = drive(rate, n, w)
    lam = n * rate * DT / 1000.0
    h = psp_on_grid(w)
    mean, var = lam * h.sum(), lam * (h ** 2).sum()
    assert v.mean() - E_L == pytest.approx(mean, rel=0.01)
    assert v.var() == pytest.approx(var, rel=0.03)
    assert abs(mean_correlation(v)) < 0.02   # independent drives (a shared one gives 1)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_brian2_engine_draws_the_same_statistics():
    rate, n, w = 8.0, 1000, 5.0
    v = drive(rate, n, w, engine="brian2", t=1100.0, n_cells=100)
    p = rate * DT / 1000.0
    lam = n * p
    h = psp_on_grid(w)
    assert v.mean() - E_L == pytest.approx(lam * h.sum(), rel=0.02)
    assert v.var() == pytest.approx(lam * (1 - p) * (h ** 2).sum(), rel=0.06)


def test_split_runs_seeds_and_checkpoints_are_bitwise(tmp_path):
    def network():
        net = ns.Network()
        pop = net.population(20, ns.LIF(), name="pop")
        net.poisson_input(pop, rate=10.0, n=800, weight=30.0, synapse=ns.AlphaCurrent(tau=3.0))
        net.poisson_input(pop, rate=10.0, n=200, weight=-60.0, neurons=np.arange(10))
        return net, net.record_spikes(pop), net.record(pop, "v", neurons=[0, 15])

    net, spk, vm = network()
    whole = ns.Simulator(net, dt=DT, seed=4)
    whole.run(300.0)
    assert len(whole.data[spk]) > 20
    net2, spk2, vm2 = network()
    split = ns.Simulator(net2, dt=DT, seed=4)
    split.run(120.0)
    split.checkpoint(tmp_path / "c.npz")
    net3, spk3, vm3 = network()
    resumed = ns.Simulator.resume(tmp_path / "c.npz", net3)
    resumed.run(180.0)
    np.testing.assert_array_equal(resumed.data[spk3].steps, whole.data[spk].steps)
    np.testing.assert_array_equal(resumed.data[vm3].values, whole.data[vm].values)
    other = ns.Simulator(network()[0], dt=DT, seed=5)
    other.run(300.0)
    assert not np.array_equal(other.get(other.network.populations[0], "v"),
                              whole.get(net.populations[0], "v"))


def test_a_delta_input_jumps_v_and_only_the_chosen_neurons_are_driven():
    net = ns.Network()
    pop = net.population(6, ns.LIF(v_th=1e3, t_ref=0.0), name="pop")
    net.poisson_input(pop, rate=50.0, n=100, weight=0.5, synapse=ns.Delta(), neurons=[1, 4])
    mon = net.record(pop, "v", every=DT)
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(50.0)
    v = sim.data[mon].values
    rest = ns.LIF().e_leak
    driven = [1, 4]
    assert np.all(v[:, [0, 2, 3, 5]] == rest)
    assert np.all(v[:, driven].max(axis=0) > rest + 1.0)
    # v jumps at the start of a step by a whole number of 0.5 mV, then decays over the step
    tau = ns.LIF().tau_m
    jumps = ((v[1:, driven] - rest) * np.exp(DT / tau) - (v[:-1, driven] - rest)) / 0.5
    np.testing.assert_allclose(jumps, np.round(jumps), atol=1e-9)
    assert np.round(jumps).max() >= 2                  # 0.5 expected spikes per step


@pytest.mark.parametrize("kwargs,err,match", [
    (dict(rate=-1.0, n=1, weight=1.0), ValueError, "rate must be >= 0 Hz, got -1.0"),
    (dict(rate=float("nan"), n=1, weight=1.0), ValueError, "rate"),
    (dict(rate=5.0, n=0, weight=1.0), ValueError, "n must be an integer >= 1"),
    (dict(rate=5.0, n=2.5, weight=1.0), ValueError, "n must be an integer >= 1"),
    (dict(rate=5.0, n=1, weight=float("inf")), ValueError, "weight"),
    (dict(rate=5.0, n=1, weight=-1.0, synapse=ns.ExpConductance(tau=5.0, e_rev=0.0)),
     ValueError, "conductance weights must be >= 0 nS"),
    (dict(rate=5.0, n=1, weight=1.0, synapse="exp"), TypeError, "synapse must be"),
    (dict(rate=5.0, n=1, weight=1.0, neurons=[7]), ValueError, r"outside \[0, 3\)"),
])
def test_bad_poisson_inputs_are_refused(kwargs, err, match):
    net = ns.Network()
    pop = net.population(3, ns.LIF(), name="pop")
    with pytest.raises(err, match=match):
        net.poisson_input(pop, **kwargs)
    src = net.population(2, ns.PoissonSource(rate=5.0), name="src")
    with pytest.raises(ValueError, match="is a spike source"):
        net.poisson_input(src, rate=5.0, n=1, weight=1.0)


def test_the_nest_engine_draws_the_same_statistics():
    pytest.importorskip("nest")
    rate, n, w = 8.0, 1000, 5.0
    v = drive(rate, n, w, engine="nest", t=1100.0, n_cells=100)
    lam = n * rate * DT / 1000.0
    h = psp_on_grid(w)
    assert v.mean() - E_L == pytest.approx(lam * h.sum(), rel=0.02)
    assert v.var() == pytest.approx(lam * (h ** 2).sum(), rel=0.06)
    assert abs(mean_correlation(v)) < 0.02   # one generator, an independent train per target
