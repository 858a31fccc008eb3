"""The Wang-Buzsaki interneuron of ``examples/neurosim_05_wang_buzsaki.py``, checked against
truth: Brian2 running the same equations, an independent stiff solver (scipy's LSODA on the
rates written in plain Python), the steady-state I-V curve (rest, rheobase), and the model's
known behaviour -- type-1 onset (f^2 proportional to I - I_c near the saddle-node) and fast
spiking.

Wang X-J, Buzsaki G (1996) J Neurosci 16:6402-6413. Measured with these equations (rk4,
dt = 0.025 ms): rest -64.02 mV; rheobase 16.01 pA = 0.160 uA/cm^2 (1e-4 cm^2 patch);
60 Hz at 1, 102 Hz at 2, 212 Hz at 6, 407 Hz at 20 uA/cm^2.
"""

import importlib.util
import math
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "neurosim_05_wang_buzsaki", ROOT / "examples" / "neurosim_05_wang_buzsaki.py")
wb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wb)

UA = wb.PA_PER_UA_CM2


K_TRACE = int(np.argmin(np.abs(wb.CURRENTS - 1.0 * UA)))     # the 1 uA/cm^2 neuron


@pytest.fixture(scope="module")
def ns_run():
    """The example's f-I protocol on neurosim, v of every neuron recorded."""
    return wb.simulate(wb.CURRENTS, engine="neurosim", record_v=range(len(wb.CURRENTS)))


@pytest.fixture(scope="module")
def b2_run():
    """The same on Brian2, v of the 1 uA/cm^2 neuron recorded."""
    pytest.importorskip("brian2")
    return wb.simulate(wb.CURRENTS, engine="brian2", record_v=[K_TRACE])


def test_engines_give_the_same_spikes(ns_run, b2_run):
    """Same text, same rk4, same dt, no synapses: the two engines compute the same arithmetic
    up to rounding, so every spike falls in the same step and v agrees to ~1e-10 mV."""
    (a, v_ns), (b, v_b2) = ns_run, b2_run
    assert a.counts().sum() > 1800
    np.testing.assert_array_equal(a.counts(), b.counts())
    np.testing.assert_array_equal(a.steps, b.steps)
    np.testing.assert_array_equal(a.neurons, b.neurons)
    v_a = v_ns.values[:, K_TRACE]
    v_b = v_b2.values[:, 0]
    assert v_a.shape == v_b.shape
    assert np.max(np.abs(v_a - v_b)) < 1e-6


def test_each_action_potential_is_counted_once(ns_run):
    """Threshold v > -20 mV, refractory while v > -20 mV, no reset: the spike count of every
    neuron equals the number of upward crossings of -20 mV in its voltage trace."""
    rec, trace = ns_run
    v = trace.values
    crossings = np.sum((v[:-1] <= wb.V_TH) & (v[1:] > wb.V_TH), axis=0)
    np.testing.assert_array_equal(rec.counts(), crossings)


def _reference_rate(current, t_run=wb.T_RUN, t_skip=wb.T_SKIP):
    """Rate (Hz, 1 / mean ISI after t_skip) of the same model solved by LSODA at tight
    tolerances, the rates taken from the example's plain-Python ``rates``; crossing times of
    -20 mV interpolated linearly between dense output points."""
    from scipy.integrate import solve_ivp
    p = wb.PARAMETERS
    v0 = wb.resting_potential()
    _, h0, n0 = wb.gating_at(v0)

    def rhs(t, s):
        v, h, n = s
        a_m, b_m, a_h, b_h, a_n, b_n = wb.rates(v)
        m = a_m / (a_m + b_m)
        i_ion = (p["g_na"] * m ** 3 * h * (v - p["e_na"]) + p["g_k"] * n ** 4 * (v - p["e_k"])
                 + p["g_l"] * (v - p["e_l"]))
        return [(current - i_ion) / p["c_m"], p["phi"] * (a_h * (1 - h) - b_h * h),
                p["phi"] * (a_n * (1 - n) - b_n * n)]

    sol = solve_ivp(rhs, (0.0, t_run), [v0, h0, n0], method="LSODA", rtol=1e-9, atol=1e-9,
                    dense_output=True, max_step=0.5)
    t = np.arange(0.0, t_run, 0.005)
    v = sol.sol(t)[0]
    up = np.flatnonzero((v[:-1] <= wb.V_TH) & (v[1:] > wb.V_TH))
    times = t[up] + (wb.V_TH - v[up]) / (v[up + 1] - v[up]) * (t[up + 1] - t[up])
    times = times[times >= t_skip]
    return 1000.0 * (len(times) - 1) / (times[-1] - times[0]) if len(times) >= 2 else 0.0


@pytest.mark.parametrize("current_ua", [0.2, 2.0, 20.0])
def test_rates_match_an_independent_solver(ns_run, current_ua):
    """neurosim's rate (rk4, dt = 0.025 ms, spike times on the step grid) against LSODA, near
    onset, in the middle and at the top of the range: within 0.02 %, the most the step grid
    can shift the first and last spike times (< dt = 0.025 ms each over >= 350 ms);
    measured: < 2e-5."""
    k = int(np.argmin(np.abs(wb.CURRENTS - current_ua * UA)))
    rate = wb.steady_rates(ns_run[0])[k]
    ref = _reference_rate(current_ua * UA)
    assert ref > 0
    assert rate == pytest.approx(ref, rel=2e-4)


def test_type1_onset():
    """Type-1 excitability: the rest state vanishes in a saddle-node at the maximum of the
    steady-state I-V curve, I_c = 16.01 pA; 0.1 pA below it the cell is silent, 0.1 pA above
    it fires at about 1 Hz (arbitrarily low rates), and near onset f^2 grows linearly with
    I - I_c (the square-root law of a saddle-node on an invariant circle; a type-2 cell would
    start at a finite rate, f^2 / (I - I_c) diverging)."""
    i_c, v_c = wb.rheobase_iv()
    assert i_c == pytest.approx(16.01, abs=0.01)
    assert -61.0 < v_c < -59.0
    currents = i_c + np.array([-0.1, 0.1, 0.2, 0.5, 1.0, 2.0, 4.0])
    rec, _ = wb.simulate(currents, t_run=2500.0)
    counts = rec.counts()
    rates = wb.steady_rates(rec, t_skip=200.0)
    assert counts[0] == 0
    assert np.all(counts[1:] > 0)
    assert np.all(np.diff(rates[1:]) > 0)
    assert 0.0 < rates[1] < 2.0                 # lowest nonzero rate, Hz
    ratio = rates[2:] ** 2 / (currents[2:] - i_c)
    assert np.ptp(ratio[:3]) / np.mean(ratio[:3]) < 0.1


def test_fast_spiking(ns_run):
    """The f-I curve rises monotonically from the rheobase to over 400 Hz at 20 uA/cm^2
    (200 Hz from about 6 uA/cm^2; 102 Hz at 2 uA/cm^2). Brian2's is the same: its spikes
    are neurosim's (test_engines_give_the_same_spikes)."""
    rates = wb.steady_rates(ns_run[0])
    i_c = wb.rheobase_iv()[0]
    firing = wb.CURRENTS > i_c
    assert np.all(rates[~firing] == 0)
    assert np.all(np.diff(rates[firing]) > 0)
    at = {ua: rates[int(np.argmin(np.abs(wb.CURRENTS - ua * UA)))] for ua in (1, 2, 6, 20)}
    assert at[1] == pytest.approx(59.7, abs=0.5)
    assert at[2] == pytest.approx(101.8, abs=0.5)
    assert at[6] > 200.0
    assert at[20] > 400.0
    lo, hi = wb.grid_rheobase(wb.CURRENTS, rates)
    assert lo < i_c < hi


def test_rest_without_input():
    """From far off rest (v = -80 mV, h and n off their steady states) and without input the
    cell settles, without firing, at the zero of the steady-state I-V curve, -64.02 mV."""
    v_rest = wb.resting_potential()
    assert -64.5 < v_rest < -63.5
    rec, tr = wb.simulate([0.0], t_run=300.0, record_v=[0], v=-80.0, h=0.3, n=0.2)
    assert rec.counts()[0] == 0
    assert tr.values[-1, 0] == pytest.approx(v_rest, abs=1e-3)
    assert math.isclose(wb.steady_current(v_rest), 0.0, abs_tol=1e-9)
