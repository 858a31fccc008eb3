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


@pytest.fixture
def axes():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(4)
    yield axes
    plt.close(fig)


def test_raster_draws_one_point_per_spike_at_its_time_and_neuron(axes):
    times = np.array([1.0, 2.0, 2.0, 5.0, 7.5])
    neurons = np.array([0, 1, 3, 0, 2])
    rec = ns.SpikeRecord(times=times, neurons=neurons, steps=np.rint(times * 10), n_neurons=5,
                         t_start=0.0, t_stop=10.0, population="exc")
    ax = axes[0]
    assert ns.plotting.raster(ax, rec) is ax
    (line,) = ax.lines
    assert line.get_linestyle() == "None"                  # points, not a polyline
    np.testing.assert_array_equal(line.get_xdata(), rec.times)
    np.testing.assert_array_equal(line.get_ydata(), rec.neurons)
    assert ax.get_xlabel() == "time (ms)" and ax.get_ylabel() == "neuron index (exc)"
    assert ax.get_xlim() == (0.0, 10.0)


def test_traces_draw_each_recorded_neuron_with_the_variables_unit(axes):
    state = ns.StateRecord(times=[0.1, 0.2, 0.3], values=[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
                           neurons=[0, 4], variable="v")
    assert ns.plotting.traces(axes[0], state) is axes[0]
    assert [ln.get_label() for ln in axes[0].lines] == ["neuron 0", "neuron 4"]
    for c, ln in enumerate(axes[0].lines):
        np.testing.assert_array_equal(ln.get_xdata(), state.times)
        np.testing.assert_array_equal(ln.get_ydata(), state.values[:, c])
    assert axes[0].get_xlabel() == "time (ms)" and axes[0].get_ylabel() == "v (mV)"
    ns.plotting.traces(axes[1], state, neurons=[4])
    (ln,) = axes[1].lines
    np.testing.assert_array_equal(ln.get_ydata(), [2.0, 4.0, 6.0])
    conductance = ns.StateRecord(times=[0.1], values=[[1.0]], neurons=[0], variable="g_exc")
    assert ns.plotting.traces(axes[2], conductance).get_ylabel() == "g_exc (nS)"


def test_rates_and_isi_histogram_draw_what_the_analysis_computes(axes):
    rec = _record([1.0, 2.0, 4.0, 9.0], [0, 1, 0, 0], 2, 10.0)
    assert ns.plotting.rates(axes[0], rec, bin_width=5.0) is axes[0]
    (step,) = axes[0].lines
    t, r = analysis.population_rate(rec, bin_width=5.0)
    np.testing.assert_allclose(step.get_xdata(), t)
    np.testing.assert_allclose(step.get_ydata(), r)
    np.testing.assert_allclose(r, [3 * 1000 / (5 * 2), 1 * 1000 / (5 * 2)])   # Hz
    assert axes[0].get_xlabel() == "time (ms)" and axes[0].get_ylabel() == "rate (Hz)"

    assert ns.plotting.isi_histogram(axes[1], rec, bins=[0.0, 3.0, 6.0]) is axes[1]
    heights = [patch.get_height() for patch in axes[1].patches]
    assert heights == [0, 2]                      # neuron 0: intervals 3 and 5 ms; neuron 1: none
    assert axes[1].get_xlabel() == "inter-spike interval (ms)"


def test_weight_plots_draw_the_weights_with_their_unit(axes):
    rule = ns.STDP(a_plus=1.0, a_minus=1.05, tau_plus=20.0, tau_minus=20.0, w_max=120.0)
    dts, dws = np.array([-10.0, 10.0]), np.array([-0.5, 0.6])
    ns.plotting.stdp_window(axes[0], rule, delta_t=dts, delta_w=dws, unit="pA")
    curve_neg, curve_pos, points = axes[0].lines[:3]
    np.testing.assert_allclose(curve_pos.get_ydata(), rule.window(curve_pos.get_xdata()))
    np.testing.assert_allclose(curve_neg.get_ydata(), rule.window(curve_neg.get_xdata()))
    np.testing.assert_array_equal(points.get_xdata(), dts)
    np.testing.assert_array_equal(points.get_ydata(), dws)
    assert axes[0].get_xlabel().endswith("(ms)") and axes[0].get_ylabel() == "Δw (pA)"

    table = ns.WeightTable(pre=[0, 1, 2, 3], post=[0, 0, 0, 0], weight=[10.0, 20.0, 30.0, 90.0],
                           delay=[1.0] * 4)
    ns.plotting.weight_histogram(axes[1], table, bins=4, w_range=(0.0, 100.0), unit="nS")
    assert [patch.get_height() for patch in axes[1].patches] == [2, 1, 0, 1]
    assert axes[1].get_xlabel() == "weight (nS)" and axes[1].get_ylabel() == "synapses"

    rec = ns.WeightRecord(times=[10.0, 20.0], values=[[1.0, 5.0], [2.0, 6.0]], synapses=[3, 7],
                          pre=[0, 1], post=[0, 0], projection="in->out")
    ns.plotting.weight_traces(axes[2], rec, synapses=[7], unit="nS")
    (ln,) = axes[2].lines
    np.testing.assert_array_equal(ln.get_xdata(), [10.0, 20.0])
    np.testing.assert_array_equal(ln.get_ydata(), [5.0, 6.0])
    assert axes[2].get_xlabel() == "time (ms)" and axes[2].get_ylabel() == "weight (nS)"
    assert axes[2].get_title() == "Weights of in->out"


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
