"""Analysis functions against hand-worked values and an independent ODE solution."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurosim as ns
from neurosim import analysis

P = dict(tau_m=10.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0)


def _first_passage_numerically(i_e):
    """Time for dv/dt = -(v - e_leak)/tau_m + i_e/c_m to go from v_reset to v_th (RK45)."""
    def rhs(t, v):
        return [-(v[0] - P["e_leak"]) / P["tau_m"] + i_e / P["c_m"]]

    def hit(t, v):
        return v[0] - P["v_th"]
    hit.terminal = True
    sol = solve_ivp(rhs, (0, 1e4), [P["v_reset"]], events=hit, rtol=1e-11, atol=1e-12)
    return sol.t_events[0][0]


@pytest.mark.parametrize("i_e", [400.0, 700.0, 2000.0])
def test_lif_rate_analytic_against_ode(i_e):
    t = _first_passage_numerically(i_e)
    assert analysis.lif_rate_analytic(i_e, **P) == pytest.approx(1000.0 / (P["t_ref"] + t),
                                                                 rel=1e-8)


def test_lif_rate_analytic_is_vectorised_and_zero_below_rheobase():
    rheobase = (P["v_th"] - P["e_leak"]) * P["c_m"] / P["tau_m"]   # 375 pA
    i = np.array([0.0, 100.0, rheobase, rheobase + 1e-6, 500.0, 1e4])
    r = analysis.lif_rate_analytic(i, **P)
    assert r.shape == i.shape
    np.testing.assert_array_equal(r[:3], 0.0)
    assert np.all(np.diff(r[3:]) > 0)
    # Very strong drive: the rate approaches 1 / t_ref.
    assert analysis.lif_rate_analytic(1e9, **P) == pytest.approx(500.0, rel=1e-3)
    assert isinstance(analysis.lif_rate_analytic(500.0, **P), float)


def _record(times, neurons, n, t_stop):
    times = np.asarray(times, dtype=float)
    return ns.SpikeRecord(times=times, neurons=neurons, steps=np.rint(times * 10), n_neurons=n,
                          t_start=0.0, t_stop=t_stop)


def test_rates_isi_cv_fano_on_hand_made_record():
    # neuron 0: regular every 10 ms; neuron 1: intervals 5, 15, 5, 15; neuron 2 silent.
    t0 = np.arange(0.0, 100.0, 10.0)
    t1 = np.array([0.0, 5.0, 20.0, 25.0, 40.0])
    rec = _record(np.r_[t0, t1], np.r_[np.zeros(10, int), np.ones(5, int)], 3, 100.0)
    np.testing.assert_allclose(rec.rates(), [100.0, 50.0, 0.0])
    assert analysis.mean_rate(rec) == pytest.approx(50.0)
    assert analysis.silent_fraction(rec) == pytest.approx(1 / 3)
    isis = analysis.isi(rec)
    np.testing.assert_allclose(isis[0], 10.0)
    np.testing.assert_allclose(isis[1], [5.0, 15.0, 5.0, 15.0])
    cv = analysis.cv_isi(rec)
    assert cv[0] == pytest.approx(0.0) and cv[1] == pytest.approx(0.5) and math.isnan(cv[2])
    ff = analysis.fano_factor(rec, window=20.0)
    # neuron 0: 2 spikes in each of 5 windows -> variance 0.
    assert ff[0] == pytest.approx(0.0)
    # neuron 1: counts [2, 2, 1, 0, 0] -> mean 1, variance 0.8.
    assert ff[1] == pytest.approx(0.8)
    t, r = analysis.population_rate(rec, bin_width=50.0)
    np.testing.assert_allclose(t, [0.0, 50.0])
    np.testing.assert_allclose(r, [(5 + 5) * 1000 / (50 * 3), 5 * 1000 / (50 * 3)])


def test_plotting_returns_the_axes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rec = _record([1.0, 2.0, 5.0], [0, 1, 0], 2, 10.0)
    state = ns.StateRecord(times=[0.1, 0.2], values=[[1.0, 2.0], [3.0, 4.0]], neurons=[0, 4],
                           variable="v")
    fig, axes = plt.subplots(4)
    assert ns.plotting.raster(axes[0], rec) is axes[0]
    assert len(axes[0].lines[0].get_xdata()) == 3
    assert ns.plotting.traces(axes[1], state) is axes[1]
    assert len(axes[1].lines) == 2
    assert ns.plotting.rates(axes[2], rec, bin_width=5.0) is axes[2]
    assert ns.plotting.isi_histogram(axes[3], rec, bins=3) is axes[3]
    plt.close(fig)


def test_spike_count_correlation_and_fi_curve():
    # neuron 1 copies neuron 0, neuron 2 fires in the windows where 0 is silent.
    t0 = np.array([1.0, 2.0, 21.0, 41.0, 42.0, 43.0])
    t2 = np.array([61.0, 62.0, 63.0, 64.0])
    times = np.r_[t0, t0, t2]
    neurons = np.r_[np.zeros(6, int), np.ones(6, int), np.full(4, 2)]
    order = np.argsort(times, kind="stable")
    rec = _record(times[order], neurons[order], 3, 80.0)
    c = analysis.spike_count_correlation(rec, window=20.0)
    # counts: n0 = n1 = [2, 1, 3, 0], n2 = [0, 0, 0, 4]
    assert c[0, 1] == pytest.approx(1.0)
    expected = np.corrcoef([2, 1, 3, 0], [0, 0, 0, 4])[0, 1]
    assert c[0, 2] == pytest.approx(expected)
    currents, rates = analysis.fi_curve(rec, [30.0, 10.0, 20.0])
    np.testing.assert_array_equal(currents, [10.0, 20.0, 30.0])
    np.testing.assert_allclose(rates, [6 / 0.08, 4 / 0.08, 6 / 0.08])


def test_records_save_and_load(tmp_path):
    rec = _record([1.0, 2.0, 5.0], [0, 1, 0], 2, 10.0)
    rec.save(tmp_path / "spikes.npz")
    back = ns.load_record(tmp_path / "spikes.npz")
    np.testing.assert_array_equal(back.times, rec.times)
    np.testing.assert_array_equal(back.neurons, rec.neurons)
    assert (back.n_neurons, back.t_stop) == (2, 10.0)
    state = ns.StateRecord(times=[0.1, 0.2], values=[[1.0, 2.0], [3.0, 4.0]], neurons=[0, 4],
                           variable="v", population="exc")
    state.save(tmp_path / "v.npz")
    back = ns.load_record(tmp_path / "v.npz")
    np.testing.assert_array_equal(back.values, state.values)
    assert (back.variable, back.population) == ("v", "exc")
