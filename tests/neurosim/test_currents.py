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


def test_dc_current_is_a_current_class_with_the_lif_step_response(tmp_path):
    """DCCurrent is a CurrentInjection like the others (repr, pickling); a step of I from t0
    gives v = E + R I (1 - exp(-(t - t0)/tau_m)), per neuron for an array of amplitudes."""
    import pickle

    current = ns.DCCurrent([100.0, 300.0], start=5.0)
    assert isinstance(current, ns.inputs.CurrentInjection) and isinstance(ns.DCCurrent, type)
    assert repr(ns.DCCurrent(300.0, start=5.0)) == "DCCurrent(amplitude=300.0, start=5.0)"
    with pytest.raises(TypeError, match=r"positional"):     # start is keyword-only
        ns.DCCurrent(300.0, 5.0)
    with pytest.raises(ValueError, match=r"DCCurrent\.amplitude must be a scalar or 1-D"):
        ns.DCCurrent([[1.0]])
    copy = pickle.loads(pickle.dumps(current))
    assert type(copy) is ns.DCCurrent and copy.start == 5.0
    np.testing.assert_array_equal(copy.amplitude, [100.0, 300.0])

    rec = _trace(copy, 0.1, 60.0, n=2)
    s = np.clip(rec.times - 5.0, 0.0, None)
    exact = E_L + R * np.outer(1.0 - np.exp(-s / TAU_M), [100.0, 300.0])
    np.testing.assert_allclose(rec.values, exact, atol=1e-9)
    # The same as the one-switch StepCurrent it replaces, bitwise.
    step = _trace(ns.StepCurrent([5.0], [np.array([100.0, 300.0])]), 0.1, 60.0, n=2)
    np.testing.assert_array_equal(rec.values, step.values)


def test_current_sources_share_one_argument_convention():
    """Required arguments positional, times before amplitudes; optional ones keyword-only
    (so that a call in another order cannot silently put a time where a current is meant)."""
    import inspect

    times = {"times", "start", "stop"}
    for cls in (ns.StepCurrent, ns.DCCurrent, ns.RampCurrent, ns.NoisyCurrent):
        params = list(inspect.signature(cls).parameters.values())
        positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
        assert all(p.default is p.empty for p in params if p.name in positional), cls
        assert all(p.kind is p.KEYWORD_ONLY for p in params if p.default is not p.empty), cls
        kinds = ["t" if name in times else "a" for name in positional]
        assert kinds == sorted(kinds, reverse=True), (cls, positional)   # all t before all a
    # NoisyCurrent once took (mean, std, start, stop) positionally: refused, with the names.
    with pytest.raises(TypeError, match=r"NoisyCurrent takes keyword arguments only "
                                        r"\(start=, stop=, mean=, std=\), got 2 positional"):
        ns.NoisyCurrent(50.0, 400.0)
    assert repr(ns.NoisyCurrent(mean=1.0, std=2.0)) == \
        "NoisyCurrent(start=0.0, stop=inf, mean=1.0, std=2.0)"
