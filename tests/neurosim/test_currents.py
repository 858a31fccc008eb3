"""Injected currents: ramps against the closed-form response, noise against the exact
stationary statistics of the discretised process."""

import numpy as np
import pytest

import neurosim as ns

TAU_M, C_M, E_L = 20.0, 250.0, -70.0
R = TAU_M / C_M
PASSIVE = ns.LIF(tau_m=TAU_M, c_m=C_M, e_leak=E_L, v_th=1e3, v_reset=E_L, t_ref=0.0)


def _trace(current, dt, duration, n=1, every=None):
    net = ns.Network()
    cell = net.population(n, PASSIVE, name="cell")
    net.inject(cell, current)
    mon = net.record(cell, "v", every=every)
    sim = ns.Simulator(net, dt=dt, seed=3)
    sim.run(duration)
    return sim.data[mon]


def test_ramp_converges_to_the_closed_form_at_second_order():
    """I = a + b s for s = t - t0 in [0, T]: v = E + R(a + b s) - R b tau + K e^{-s/tau},
    K = R b tau - R a (v(t0) = E)."""
    t0, t1, a, b = 10.0, 60.0, 100.0, 8.0            # pA and pA/ms
    errors = []
    for dt in (0.5, 0.25, 0.125):
        rec = _trace(ns.RampCurrent(t0, t1, a, a + b * (t1 - t0)), dt, 60.0)
        s = rec.times - t0
        inside = s >= 0
        exact = E_L + R * (a + b * s) - R * b * TAU_M + (R * b * TAU_M - R * a) * np.exp(-s / TAU_M)
        np.testing.assert_allclose(rec.values[~inside, 0], E_L, atol=1e-12)
        errors.append(np.abs(rec.values[inside, 0] - exact[inside]).max())
    errors = np.array(errors)
    assert errors[-1] < 1e-3
    ratios = errors[:-1] / errors[1:]
    assert np.all((ratios > 3.5) & (ratios < 4.5)), (errors, ratios)


def test_ramp_ends_at_zero():
    rec = _trace(ns.RampCurrent(0.0, 10.0, 200.0, 200.0), 0.1, 200.0)
    assert rec.values[99, 0] > E_L + 0.5
    assert abs(rec.values[-1, 0] - E_L) < 1e-3


def test_noise_current_stationary_mean_and_variance():
    """Per-step i.i.d. current mean + std xi held over the step: v is an AR(1) process with
    mean E + R mean and variance R^2 std^2 (1 - P)/(1 + P), P = exp(-dt/tau_m)."""
    mean, std, dt, n = 50.0, 400.0, 0.1, 400
    rec = _trace(ns.NoisyCurrent(mean=mean, std=std), dt, 1100.0, n=n, every=1.0)
    v = rec.values[100:]
    p = np.exp(-dt / TAU_M)
    expected_var = R ** 2 * std ** 2 * (1 - p) / (1 + p)
    # About n * 1000 / (2 tau_m) = 10000 independent samples.
    se = np.sqrt(expected_var / 10000)
    assert abs(v.mean() - (E_L + R * mean)) < 5 * se
    assert v.var() == pytest.approx(expected_var, rel=0.05)


def test_noise_window_and_validation():
    rec = _trace(ns.NoisyCurrent(mean=0.0, std=300.0, start=20.0, stop=40.0), 0.1, 100.0, n=5)
    before = rec.values[rec.times <= 20.0]
    np.testing.assert_array_equal(before, E_L)
    assert np.abs(rec.values[(rec.times > 21.0) & (rec.times <= 40.0)] - E_L).max() > 0.05
    with pytest.raises(ValueError, match=r"NoisyCurrent\.std must be >= 0 pA, got -1\.0"):
        ns.NoisyCurrent(std=-1.0)
    with pytest.raises(ValueError, match=r"RampCurrent\.start must be < RampCurrent\.stop"):
        ns.RampCurrent(5.0, 5.0, 0.0, 1.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"amplitude": float("nan")}, r"DCCurrent\.amplitude must be finite"),
    ({"amplitude": [1.0, float("inf")]}, r"DCCurrent\.amplitude must be finite"),
    ({"amplitude": "big"}, r"DCCurrent\.amplitude must be numbers"),
    ({"amplitude": 1.0, "start": -1.0}, r"DCCurrent\.start must be >= 0 ms, got -1\.0"),
])
def test_dc_current_errors_name_its_own_parameters(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ns.DCCurrent(**kwargs)
