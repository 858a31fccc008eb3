"""LIF against closed-form solutions: subthreshold voltage, PSP shapes, firing period, rate."""

import math

import numpy as np
import pytest

import neurosim as ns
from neurosim.analysis import lif_rate_analytic, lif_rate_on_grid

TAU_M, C_M, E_L = 20.0, 250.0, -70.0
# No spike in these tests: the threshold is far above anything the input reaches.
PASSIVE = dict(tau_m=TAU_M, c_m=C_M, e_leak=E_L, v_th=100.0, v_reset=-70.0, t_ref=0.0)


def _v_trace(dt, duration, *, synapse=None, weight=0.0, spike_at=None, delay=None,
             v0=E_L, current=None, model=None):
    net = ns.Network()
    neuron = net.population(1, model or ns.LIF(**PASSIVE), name="n", v=v0)
    if spike_at is not None:
        src = net.population(1, ns.SpikeTimes([[spike_at]]), name="src")
        net.connect(src, neuron, ns.AllToAll(), synapse=synapse, weight=weight, delay=delay)
    if current is not None:
        net.inject(neuron, current)
    mon = net.record(neuron, "v")
    sim = ns.Simulator(net, dt=dt, seed=0)
    sim.run(duration)
    rec = sim.data[mon]
    return rec.times, rec.values[:, 0]


@pytest.mark.parametrize("dt", [0.1, 0.05, 0.25, 1.0])
def test_subthreshold_step_current_and_decay(dt):
    """v(t) = e_L + (v0 - e_L) e^{-t/tau} + R I (1 - e^{-(t - t_on)/tau}) for t >= t_on."""
    v0, amp, t_on = -60.0, 300.0, 10.0
    t, v = _v_trace(dt, 100.0, v0=v0, current=ns.DCCurrent(amp, start=t_on))
    assert t[0] == pytest.approx(dt) and t[-1] == pytest.approx(100.0)
    drive = np.where(t >= t_on, TAU_M / C_M * amp * -np.expm1(-(t - t_on) / TAU_M), 0.0)
    expected = E_L + (v0 - E_L) * np.exp(-t / TAU_M) + drive
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-12)


def _exp_psp(s, w, tau_s):
    s = np.maximum(s, 0.0)
    if tau_s == TAU_M:
        return w / C_M * s * np.exp(-s / TAU_M)
    return w / C_M * (np.exp(-s / tau_s) - np.exp(-s / TAU_M)) / (1 / TAU_M - 1 / tau_s)


def _alpha_psp(s, w, tau):
    s = np.maximum(s, 0.0)
    pre = w * math.e / (C_M * tau)
    if tau == TAU_M:
        return pre * np.exp(-s / tau) * s * s / 2
    a = 1 / TAU_M - 1 / tau
    return pre * (np.exp(-s / tau) * (a * s - 1) + np.exp(-s / TAU_M)) / (a * a)


@pytest.mark.parametrize("dt", [0.1, 0.05, 0.5])
@pytest.mark.parametrize("tau_s", [5.0, 20.0, 2.0])
def test_exp_current_psp_closed_form(dt, tau_s):
    """A spike stamped t_s with delay d arrives at t_s + d and starts the PSP one step later,
    at t_s + d + dt, as NEST's (whose stamp of that spike is t_s + dt); tau_s == tau_m
    included."""
    w, t_s, d = 150.0, 5.0, 2.0
    t, v = _v_trace(dt, 150.0, synapse=ns.ExpCurrent(tau=tau_s), weight=w, spike_at=t_s,
                    delay=d)
    expected = E_L + _exp_psp(t - (t_s + d + dt), w, tau_s)
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-12)
    assert v.max() - E_L > 0.1  # the PSP is there


@pytest.mark.parametrize("dt", [0.1, 0.05, 0.5])
@pytest.mark.parametrize("tau", [5.0, 20.0])
def test_alpha_current_psp_closed_form(dt, tau):
    w, t_s, d = 150.0, 5.0, 1.0
    t, v = _v_trace(dt, 150.0, synapse=ns.AlphaCurrent(tau=tau), weight=w, spike_at=t_s,
                    delay=d)
    expected = E_L + _alpha_psp(t - (t_s + d + dt), w, tau)
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-12)


def test_delta_psp_is_a_jump_then_decay():
    w, dt = 2.0, 0.1
    t, v = _v_trace(dt, 50.0, synapse=ns.Delta(), weight=w, spike_at=10.0, delay=1.0)
    s = t - 11.1  # arrival at 11.0 ms, the jump at the start of the next step
    expected = E_L + np.where(s > 1e-9, w * np.exp(-np.maximum(s, 0) / TAU_M), 0.0)
    np.testing.assert_allclose(v, expected, rtol=0, atol=1e-12)


def test_current_superposition_is_exact():
    """Two synapses of different kinetics add linearly (current synapses)."""
    def run(weights):
        net = ns.Network()
        n = net.population(1, ns.LIF(**PASSIVE), name="n")
        src = net.population(2, ns.SpikeTimes([[3.0], [7.5]]), name="src")
        net.connect(src, n, ns.FromList([[0, 0]]), synapse=ns.ExpCurrent(tau=4.0),
                    weight=weights[0], delay=1.0)
        net.connect(src, n, ns.FromList([[1, 0]]), synapse=ns.AlphaCurrent(tau=3.0),
                    weight=weights[1], delay=0.5)
        mon = net.record(n, "v")
        sim = ns.Simulator(net, dt=0.1, seed=0)
        sim.run(60.0)
        return sim.data[mon].values[:, 0] - E_L
    both, first, second = run((80.0, -50.0)), run((80.0, 0.0)), run((0.0, -50.0))
    np.testing.assert_allclose(both, first + second, rtol=0, atol=1e-12)
    assert np.abs(first).max() > 0.1 and np.abs(second).max() > 0.1


# Parameters for the firing tests: (i_e, dt) chosen so that T/dt is far from an integer.
FIRING = dict(tau_m=10.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0)


def _time_to_threshold(i_e, v_start):
    v_inf = FIRING["e_leak"] + FIRING["tau_m"] / FIRING["c_m"] * i_e
    return FIRING["tau_m"] * math.log((v_inf - v_start) / (v_inf - FIRING["v_th"]))


@pytest.mark.parametrize("i_e,dt", [(500.0, 0.1), (420.0, 0.1), (800.0, 0.05), (600.0, 0.25)])
def test_firing_period_on_the_step_grid(i_e, dt):
    """First spike in step ceil(T/dt) - 1; then a period of ref_steps + ceil(T/dt) steps."""
    T = _time_to_threshold(i_e, FIRING["v_reset"])
    assert abs(T / dt - round(T / dt)) > 1e-6, "choose parameters away from the grid"
    net = ns.Network()
    n = net.population(1, ns.LIF(**FIRING, i_e=i_e), name="n", v=FIRING["v_reset"])
    mon = net.record_spikes(n)
    sim = ns.Simulator(net, dt=dt, seed=0)
    sim.run(300.0)
    steps = sim.data[mon].steps
    first = math.ceil(T / dt) - 1
    period = round(FIRING["t_ref"] / dt) + math.ceil(T / dt)
    assert steps[0] == first
    np.testing.assert_array_equal(np.diff(steps), period)
    np.testing.assert_allclose(sim.data[mon].times, steps * dt)


@pytest.mark.parametrize("dt", [0.1, 0.01])
def test_rate_matches_analytic(dt):
    """Many neurons with different bias currents (via injected DC) against the f-I curve."""
    currents = np.linspace(0.0, 1500.0, 31)
    net = ns.Network()
    n = net.population(currents.size, ns.LIF(**FIRING), name="n")
    net.inject(n, ns.DCCurrent(currents))
    mon = net.record_spikes(n)
    sim = ns.Simulator(net, dt=dt, seed=0)
    sim.run(2000.0)
    counts = sim.data[mon].counts()
    # Count whole periods: between the first and last spike.
    trains = sim.data[mon].trains()
    measured = np.array([1000.0 * (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 else 0.0
                         for t in trains])
    analytic = lif_rate_analytic(currents, **FIRING)
    on_grid = lif_rate_on_grid(currents, **FIRING, dt=dt)
    silent = analytic == 0
    assert silent.sum() >= 2 and (counts[silent] == 0).all()   # below rheobase: silent
    np.testing.assert_allclose(measured[~silent], on_grid[~silent], rtol=1e-9)
    # The grid rate lies below the analytic one by less than one step per period.
    period = 1000.0 / analytic[~silent]
    assert np.all(measured[~silent] <= analytic[~silent] + 1e-9)
    assert np.all(1000.0 / measured[~silent] - period < dt + 1e-9)


def test_refractory_clamps_voltage():
    net = ns.Network()
    n = net.population(1, ns.LIF(**FIRING, i_e=1000.0), name="n", v=FIRING["v_reset"])
    spikes, trace = net.record_spikes(n), net.record(n, "v")
    sim = ns.Simulator(net, dt=0.1, seed=0)
    sim.run(50.0)
    k = int(sim.data[spikes].steps[0])
    v = sim.data[trace].values[:, 0]
    # Sample j holds v at (j + 1) dt: after step k (index k) the reset, then 20 held steps.
    np.testing.assert_array_equal(v[k:k + 21], FIRING["v_reset"])
    assert v[k + 21] > FIRING["v_reset"]


@pytest.mark.parametrize("kind", [ns.ExpCurrent.kind, ns.AlphaCurrent.kind])
def test_propagator_is_continuous_through_tau_equal_tau_m(kind):
    """Series and closed-form branches meet smoothly; nearly equal time constants lose no
    digits (the naive formula would lose about half of them at a relative gap of 1e-8)."""
    from neurosim.neurons import channel_coefficients
    dt, tau_m = 0.1, 20.0
    equal = channel_coefficients(kind, tau_m, dt, tau_m=tau_m, c_m=C_M)
    for gap in (1e-12, 1e-8, 1e-5):
        near = channel_coefficients(kind, tau_m * (1 + gap), dt, tau_m=tau_m, c_m=C_M)
        np.testing.assert_allclose(near, equal, rtol=10 * gap + 1e-14)
    # At the branch point z = dt (1/tau_m - 1/tau) = -0.1 both branches agree.
    tau_edge = 1.0 / (1.0 / tau_m + 0.1 / dt)
    below = channel_coefficients(kind, tau_edge * (1 + 1e-9), dt, tau_m=tau_m, c_m=C_M)
    above = channel_coefficients(kind, tau_edge * (1 - 1e-9), dt, tau_m=tau_m, c_m=C_M)
    np.testing.assert_allclose(below, above, rtol=1e-8)


@pytest.mark.parametrize("n_channels", [1, 2])
def test_builtin_lif_runs_its_equations(n_channels):
    """The built-in LIF is a definition in the equations mechanism: a user who writes the same
    equations gets bitwise the same run (voltages, spikes), with refractoriness, injected
    current, several delays and population sizes that are not a multiple of the kernel's
    block."""
    from neurosim.neurons import LIF_EQUATIONS

    par = dict(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, i_e=0.0)
    models = (ns.LIF(t_ref=2.0, **par),
              ns.NeuronModel.from_equations(LIF_EQUATIONS, threshold="v >= v_th",
                                            reset="v = v_reset", refractory=2.0,
                                            parameters=par, name="LIF"))

    def build(lif):
        net = ns.Network()
        a = net.population(700, lif, name="a", v=ns.Uniform(-60.0, -50.0))
        b = net.population(300, lif, name="b", v=ns.Uniform(-60.0, -50.0))
        # excitatory from a, inhibitory from b: one channel (same kinetics) or two per target
        inh = ns.ExpCurrent(tau=10.0 if n_channels == 2 else 5.0)
        for pre, syn, w in ((a, ns.ExpCurrent(tau=5.0), 20.0), (b, inh, -60.0)):
            for post in (a, b):
                net.connect(pre, post, ns.FixedProbability(0.05), synapse=syn,
                            weight=w, delay=ns.Uniform(0.1, 2.0))
        net.inject(b, ns.StepCurrent([0.0, 50.0], [0.0, 150.0]))
        return net, net.record_spikes(a), net.record_spikes(b), net.record(a, "v", neurons=[0, 5, 699])

    runs = []
    for lif in models:
        net, sa, sb, va = build(lif)
        sim = ns.Simulator(net, dt=0.1, seed=3)
        sim.run(150.0)
        runs.append((sim.data[sa], sim.data[sb], sim.data[va], sim._b.neurons.state.copy()))
    (a1, b1, v1, s1), (a2, b2, v2, s2) = runs
    assert len(a1) > 100 and len(b1) > 100
    np.testing.assert_array_equal(a1.steps, a2.steps)
    np.testing.assert_array_equal(b1.neurons, b2.neurons)
    np.testing.assert_array_equal(v1.values, v2.values)
    np.testing.assert_array_equal(s1, s2)
