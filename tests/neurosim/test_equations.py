"""Neuron models written as equations (``ns.NeuronModel.from_equations``), tested against
truth: the closed form of the LIF, the built-in twins (LIF, AdEx), an independent ODE solver,
Brian2 on the same equations, and every construction error."""

import math

import numpy as np
import pytest

import neurosim as ns
from neurosim import loop
from neurosim.inputs import INPUTS

LIF_TEXT = "dv/dt = -(v - e_leak)/tau_m + (i_syn + i_e)/c_m : mV (unless refractory)"
LIF_PARAMS = dict(tau_m=10.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-65.0, i_e=0.0)

ADEX_TEXT = """
dv/dt = (g_l*(e_l - vc) + g_l*delta_t*exp((vc - v_t)/delta_t) - w + i_syn + i_e)/c_m : mV (unless refractory)
dw/dt = (a*(vc - e_l) - w)/tau_w : pA
vc = clip(v, -1000*mV, v_peak) : mV   # the cut-off NEST's aeif models and the built-in apply
"""
ADEX_PARAMS = dict(c_m=281.0, g_l=30.0, e_l=-70.6, v_t=-50.4, delta_t=2.0, a=4.0, tau_w=144.0,
                   b=80.5, v_peak=0.0, v_reset=-70.6, i_e=0.0)


def lif_eq(**over):
    params = {**LIF_PARAMS, **over.pop("parameters", {})}
    return ns.NeuronModel.from_equations(LIF_TEXT, threshold="v >= v_th", reset="v = v_reset",
                                         refractory=2.0, parameters=params,
                                         initial=dict(v=-65.0), **over)


def adex_eq(scheme="rk4", **params):
    return ns.NeuronModel.from_equations(ADEX_TEXT, threshold="v >= v_peak",
                                         reset="v = v_reset; w += b", refractory=0.0,
                                         parameters={**ADEX_PARAMS, **params}, scheme=scheme,
                                         initial=dict(v=-70.6, w=0.0))


# --------------------------------------------------------------------------------------------
# Units, choice of scheme
# --------------------------------------------------------------------------------------------

def test_units_are_inferred_and_the_scheme_chosen():
    m = adex_eq(scheme=None)
    assert m.units == {"v": "mV", "w": "pA", "c_m": "pF", "g_l": "nS", "e_l": "mV", "v_t": "mV",
                       "delta_t": "mV", "a": "nS", "tau_w": "ms", "b": "pA", "v_peak": "mV",
                       "v_reset": "mV", "i_e": "pA"}
    assert m.integration == "rk4"            # exp(...) is not linear
    assert lif_eq().integration == "exact"   # linear with constant coefficients
    assert m.state_vars == ("v", "w")


def test_declared_units_are_checked_against_use():
    with pytest.raises(ValueError, match=r"'-v / tau_m' has unit 1 but mV/ms is needed"):
        ns.NeuronModel.from_equations("dv/dt = -v/tau_m : mV\ntau_m : mV", threshold="v > 1*mV",
                                      parameters=dict(tau_m=10.0))


# --------------------------------------------------------------------------------------------
# Exact integration: closed form and the built-in LIF
# --------------------------------------------------------------------------------------------

def test_lif_as_equations_matches_the_closed_form():
    """Subthreshold response to a current step: v(t) = v_inf + (v0 - v_inf) exp(-t/tau_m)."""
    net = ns.Network()
    pop = net.population(1, lif_eq(), name="p", v=-70.0)
    net.inject(pop, ns.StepCurrent([0.0], [300.0]))           # v_inf = -53 mV, below v_th
    tr = net.record(pop, "v")
    sim = ns.Simulator(net, dt=0.1, seed=0)
    sim.run(100.0)
    rec = sim.data[tr]
    v_inf = -65.0 + 300.0 * 10.0 / 250.0
    expected = v_inf + (-70.0 - v_inf) * np.exp(-rec.times / 10.0)
    assert np.max(np.abs(rec.values[:, 0] - expected)) < 1e-12


def _drive(net, pop):
    src = net.population(60, ns.PoissonSource(rate=80.0), name="src")
    net.connect(src, pop, ns.FixedProbability(0.5), synapse=ns.ExpCurrent(tau=5.0), weight=300.0,
                delay=1.0)
    net.connect(src, pop, ns.FixedProbability(0.2), synapse=ns.AlphaCurrent(tau=2.0),
                weight=-150.0, delay=ns.Uniform(0.5, 2.0))
    net.inject(pop, ns.StepCurrent([0.0, 200.0], [100.0, 300.0]))


def test_lif_as_equations_reproduces_the_builtin_lif():
    """Exponential and alpha current synapses enter the exact propagator; spikes are identical
    and v agrees to rounding with the built-in, whose propagator is written out by hand."""
    builtin = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0)
    out = []
    for model in (builtin, lif_eq()):
        net = ns.Network()
        pop = net.population(20, model, name="p")
        _drive(net, pop)
        sp, tr = net.record_spikes(pop), net.record(pop, "v", neurons=[0, 7])
        sim = ns.Simulator(net, dt=0.1, seed=1)
        sim.run(1000.0)
        out.append((sim.data[sp], sim.data[tr]))
    (s1, v1), (s2, v2) = out
    assert len(s1) > 1000
    np.testing.assert_array_equal(s1.steps, s2.steps)
    np.testing.assert_array_equal(s1.neurons, s2.neurons)
    assert np.max(np.abs(v1.values - v2.values)) < 1e-11


def test_exact_two_variable_system_against_an_ode_solver():
    """A LIF with linear adaptation (two coupled linear equations) under a current step:
    the propagator against scipy's solve_ivp at tight tolerance."""
    from scipy.integrate import solve_ivp
    text = """dv/dt = (g_l*(e_l - v) - w + i_syn)/c_m : mV
              dw/dt = (a*(v - e_l) - w)/tau_w : pA"""
    par = dict(g_l=20.0, e_l=-70.0, c_m=200.0, a=5.0, tau_w=50.0, v_th=0.0)
    m = ns.NeuronModel.from_equations(text, threshold="v > v_th", parameters=par,
                                      initial=dict(v=-70.0, w=0.0))
    assert m.integration == "exact"
    net = ns.Network()
    pop = net.population(1, m, name="p")
    net.inject(pop, ns.StepCurrent([0.0], [400.0]))
    tv, tw = net.record(pop, "v"), net.record(pop, "w")
    sim = ns.Simulator(net, dt=0.5, seed=0)
    sim.run(200.0)

    def f(t, y):
        v, w = y
        return [(par["g_l"] * (par["e_l"] - v) - w + 400.0) / par["c_m"],
                (par["a"] * (v - par["e_l"]) - w) / par["tau_w"]]
    times = sim.data[tv].times
    ref = solve_ivp(f, (0.0, 200.0), [-70.0, 0.0], t_eval=times, rtol=1e-12, atol=1e-12,
                    method="DOP853")
    assert np.max(np.abs(sim.data[tv].values[:, 0] - ref.y[0])) < 1e-8
    assert np.max(np.abs(sim.data[tw].values[:, 0] - ref.y[1])) < 1e-8


def test_delta_synapses_reach_v_and_are_lost_while_refractory():
    builtin = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0)
    out = []
    for model in (builtin, lif_eq()):
        net = ns.Network()
        src = net.population(40, ns.PoissonSource(rate=100.0), name="src")
        pop = net.population(10, model, name="p")
        net.connect(src, pop, ns.FixedProbability(0.5), synapse=ns.Delta(), weight=2.5,
                    delay=0.5)
        sp = net.record_spikes(pop)
        sim = ns.Simulator(net, dt=0.1, seed=4)
        sim.run(500.0)
        out.append(sim.data[sp])
    assert len(out[0]) > 100
    np.testing.assert_array_equal(out[0].steps, out[1].steps)
    np.testing.assert_array_equal(out[0].neurons, out[1].neurons)


# --------------------------------------------------------------------------------------------
# Numerical schemes
# --------------------------------------------------------------------------------------------

def test_custom_adex_matches_the_builtin_adex():
    """The same AdEx, RK4 on both sides with the same cut-off: identical spikes, and v and w
    equal to rounding between spikes (the built-in lets w decay exactly while refractory;
    with refractory 0 that path is not taken)."""
    out = []
    for model in (ns.AdEx(scheme="rk4", t_ref=0.0), adex_eq()):
        net = ns.Network()
        pop = net.population(3, model, name="p")
        net.inject(pop, ns.StepCurrent([0.0, 100.0], [0.0, 800.0]))
        sp, tw = net.record_spikes(pop), net.record(pop, "w", neurons=[0])
        sim = ns.Simulator(net, dt=0.05, seed=0)
        sim.run(600.0)
        out.append((sim.data[sp], sim.data[tw]))
    (s1, w1), (s2, w2) = out
    assert len(s1) > 10
    np.testing.assert_array_equal(s1.steps, s2.steps)
    assert np.max(np.abs(w1.values - w2.values)) < 1e-9


def test_conductance_synapses_with_exponential_euler_match_the_builtin_lif():
    """The built-in LIF with conductance synapses uses exponential Euler with the synaptic
    conductance held at its step mean; the equations model with scheme='exponential_euler'
    does the same arithmetic in another order."""
    builtin = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0)
    out = []
    for model in (builtin, lif_eq(scheme="exponential_euler")):
        net = ns.Network()
        src = net.population(60, ns.PoissonSource(rate=60.0), name="src")
        pop = net.population(10, model, name="p")
        net.connect(src, pop, ns.FixedProbability(0.5), synapse=ns.ExpConductance(tau=5.0,
                    e_rev=0.0), weight=3.0, delay=1.0)
        net.connect(src, pop, ns.FixedProbability(0.2), synapse=ns.AlphaConductance(
                    tau=8.0, e_rev=-80.0), weight=2.0, delay=1.0)
        sp, tr = net.record_spikes(pop), net.record(pop, "v", neurons=[0])
        sim = ns.Simulator(net, dt=0.1, seed=5)
        sim.run(500.0)
        out.append((sim.data[sp], sim.data[tr]))
    (s1, v1), (s2, v2) = out
    assert len(s1) > 50
    np.testing.assert_array_equal(s1.steps, s2.steps)
    assert np.max(np.abs(v1.values - v2.values)) < 1e-9


@pytest.mark.parametrize("scheme, order", [("euler", 1), ("rk4", 4), ("exponential_euler", 1)])
def test_scheme_converges_at_its_order(scheme, order):
    """A neuron with a voltage-gated conductance (each equation linear in its own variable,
    coupled nonlinearly, so every scheme applies): the error at t = 20 ms against solve_ivp
    shrinks like dt**order."""
    from scipy.integrate import solve_ivp
    text = """dv/dt = ((e_l - v)*g_l + g*(e_g - v) + i_syn + i_e)/c_m : mV
              dg/dt = (g_max/(1 + exp((v_h - v)/k)) - g)/tau_g : nS"""
    par = dict(e_l=-65.0, g_l=10.0, e_g=-90.0, c_m=100.0, i_e=300.0, g_max=20.0, v_h=-50.0,
               k=4.0, tau_g=5.0, v_th=100.0)
    m = ns.NeuronModel.from_equations(text, threshold="v > v_th", parameters=par,
                                      scheme=scheme, initial=dict(v=-65.0, g=0.0))

    def f(t, y):
        v, g = y
        return [((par["e_l"] - v) * par["g_l"] + g * (par["e_g"] - v) + par["i_e"]) / par["c_m"],
                (par["g_max"] / (1 + math.exp((par["v_h"] - v) / par["k"])) - g) / par["tau_g"]]
    ref = solve_ivp(f, (0.0, 20.0), [-65.0, 0.0], rtol=1e-12, atol=1e-12,
                    method="DOP853").y[0, -1]
    errors = []
    for dt in (0.2, 0.1):
        net = ns.Network()
        pop = net.population(1, m, name="p")
        sim = ns.Simulator(net, dt=dt, seed=0)
        sim.run(20.0)
        errors.append(abs(sim.get(pop, "v")[0] - ref))
    ratio = errors[0] / errors[1]
    assert 2 ** order * 0.8 < ratio < 2 ** order * 1.25, (errors, ratio)


def test_subexpressions_in_any_order_and_cycles_refused():
    m = ns.NeuronModel.from_equations("dv/dt = -a/tau : mV\na = b : mV\nb = v - e : mV",
                                      threshold="v > e", parameters=dict(tau=10.0, e=-65.0),
                                      initial=dict(v=-50.0))
    net = ns.Network()
    pop = net.population(1, m, name="p")
    sim = ns.Simulator(net, dt=0.1)
    sim.run(10.0)
    assert abs(sim.get(pop, "v")[0] - (-65.0 + 15.0 * math.exp(-1.0))) < 1e-12
    with pytest.raises(ValueError, match=r"defined in terms of each other"):
        ns.NeuronModel.from_equations("dv/dt = -a/tau : mV\na = b : mV\nb = a : mV",
                                      threshold="v > 1*mV", parameters=dict(tau=10.0))


def test_a_state_variable_may_be_called_n():
    hh = ns.HodgkinHuxley(scheme="exponential_euler")
    net = ns.Network()
    pop = net.population(2, hh, name="hh", n=0.4)
    sim = ns.Simulator(net, dt=0.1)
    assert np.all(sim.get(pop, "n") == 0.4)


def test_exponential_euler_refuses_an_equation_not_linear_in_its_variable():
    with pytest.raises(ValueError, match=r"dv/dt is not linear in v"):
        ns.NeuronModel.from_equations("dv/dt = k*(v - e_l)*(v - v_c)/c_m + i_syn/c_m : mV",
                                      threshold="v > v_c", scheme="exponential_euler",
                                      parameters=dict(k=0.7, e_l=-60.0, v_c=-40.0, c_m=100.0))


def test_per_neuron_parameters_and_recording_any_variable():
    m = adex_eq(i_e=ns.Uniform(400.0, 900.0), b=np.linspace(40.0, 120.0, 5))
    net = ns.Network()
    pop = net.population(5, m, name="p")
    sp, tw = net.record_spikes(pop), net.record(pop, "w", neurons=[0, 4])
    sim = ns.Simulator(net, dt=0.05, seed=3)
    sim.run(300.0)
    counts = sim.data[sp].counts()
    assert len(set(counts.tolist())) > 1            # the neurons differ
    assert sim.data[tw].values.shape == (6000, 2)
    assert sim.get(pop, "w").shape == (5,)
    net2 = ns.Network()
    net2.population(4, m, name="q")
    with pytest.raises(ValueError, match=r"b must have shape \(4,\)"):
        ns.Simulator(net2, dt=0.05)


# --------------------------------------------------------------------------------------------
# Brian2 on the same equations
# --------------------------------------------------------------------------------------------

def test_brian2_runs_the_same_equations_with_the_same_spikes():
    """Brian2 parses the user's equations itself (rk4 on both sides, DC and per-neuron
    input): identical spike steps, w to rounding."""
    pytest.importorskip("brian2")
    m = adex_eq(i_e=ns.Uniform(500.0, 900.0))
    res = []
    for engine in ("neurosim", "brian2"):
        net = ns.Network()
        pop = net.population(10, m, name="p")
        sp, tw = net.record_spikes(pop), net.record(pop, "w", neurons=[0])
        sim = ns.Simulator(net, dt=0.05, seed=2, engine=engine)
        sim.run(300.0)
        res.append((sim.data[sp], sim.data[tw]))
    (s1, w1), (s2, w2) = res
    assert len(s1) > 20
    np.testing.assert_array_equal(s1.steps, s2.steps)
    np.testing.assert_array_equal(s1.neurons, s2.neurons)
    assert np.max(np.abs(w1.values - w2.values)) < 1e-8


def test_brian2_exact_scheme_with_synapses():
    """The linear LIF written as equations, driven through exponential current synapses:
    Brian2's 'exact' integration of the same text gives the same spikes."""
    pytest.importorskip("brian2")
    res = []
    for engine in ("neurosim", "brian2"):
        net = ns.Network()
        src = net.population(30, ns.PoissonSource(rate=0.001), name="src")  # silent
        pop = net.population(5, lif_eq(), name="p", v=ns.Uniform(-65.0, -55.0))
        stim = net.population(1, ns.SpikeTimes([[5.0, 9.0, 13.0, 40.0, 41.0, 42.0, 43.0]]),
                              name="stim")
        net.connect(stim, pop, ns.AllToAll(), synapse=ns.ExpCurrent(tau=5.0), weight=900.0,
                    delay=1.0)
        net.connect(src, pop, ns.AllToAll(), synapse=ns.ExpCurrent(tau=5.0), weight=1.0)
        sp, tr = net.record_spikes(pop), net.record(pop, "v", neurons=[0])
        sim = ns.Simulator(net, dt=0.1, seed=1, engine=engine)
        sim.run(80.0)
        res.append((sim.data[sp], sim.data[tr]))
    (s1, v1), (s2, v2) = res
    assert len(s1) >= 5
    np.testing.assert_array_equal(s1.steps, s2.steps)
    assert np.max(np.abs(v1.values - v2.values)) < 1e-9


def test_nest_refuses_equations_and_names_nestml():
    pytest.importorskip("nest")
    net = ns.Network()
    net.population(2, lif_eq(), name="p")
    with pytest.raises(NotImplementedError, match="NESTML"):
        ns.Simulator(net, dt=0.1, engine="nest")


# --------------------------------------------------------------------------------------------
# Bad input: each error at construction (or Simulator), naming the problem
# --------------------------------------------------------------------------------------------

def make(text, threshold="v > v_th", reset="", **params):
    return ns.NeuronModel.from_equations(text, threshold=threshold, reset=reset,
                                         parameters=params)


def test_inconsistent_units_name_the_terms_and_both_units():
    with pytest.raises(ValueError, match=r"the terms 'v / tau_m' \(mV/ms\) and 'i_syn' \(pA\) "
                                         r"have different units"):
        make("dv/dt = v/tau_m + i_syn : mV", tau_m=10.0, v_th=-50.0)
    with pytest.raises(ValueError, match=r"the terms 'v' \(mV\) and 'i_syn' \(pA\) have "
                                         r"different units"):
        make("dv/dt = (v + i_syn)/tau_m : mV", tau_m=10.0, v_th=-50.0)
    with pytest.raises(ValueError, match=r"must be dimensionless|has unit mV but 1 is needed"):
        make("dv/dt = -exp(v)/tau + i_syn/c_m : mV", tau=10.0, c_m=100.0, v_th=-50.0)


def test_unknown_names_and_missing_parameters():
    with pytest.raises(ValueError, match=r"unknown name 'tau_x' in the equation of dv/dt"):
        make("dv/dt = -v/tau_x + i_syn/c_m : mV", c_m=100.0, v_th=-50.0)
    with pytest.raises(ValueError, match=r"unknown name 'u' in the threshold"):
        make("dv/dt = -v/tau + i_syn/c_m : mV", threshold="u > v_th", tau=10.0, c_m=100.0,
             v_th=1.0)
    with pytest.raises(ValueError, match=r"assigns 'z', which is not a state variable"):
        make("dv/dt = -v/tau + i_syn/c_m : mV", reset="z = 0*mV", tau=10.0, c_m=100.0,
             v_th=1.0)
    with pytest.raises(ValueError, match=r"unknown name 'v_rest' in the reset"):
        make("dv/dt = -v/tau + i_syn/c_m : mV", reset="v = v_rest", tau=10.0, c_m=100.0,
             v_th=1.0)
    with pytest.raises(ValueError, match=r"not used by the equations"):
        make("dv/dt = -v/tau + i_syn/c_m : mV", tau=10.0, c_m=100.0, v_th=1.0, extra=3.0)
    with pytest.raises(ValueError, match=r"follows from nothing .* declare it"):
        make("dv/dt = -v/tau + i_syn/c_m : mV", threshold="v*k > v_th", tau=10.0, c_m=100.0,
             v_th=1.0, k=2.0)
    with pytest.raises(ValueError, match=r"unknown unit 'Hz'.*1/ms"):
        make("dv/dt = -v*r : Hz", r=1.0, v_th=1.0)
    with pytest.raises(ValueError, match=r"unknown function 'erf'"):
        make("dv/dt = -erf(v/v_th)*v/tau + i_syn/c_m : mV", tau=10.0, c_m=100.0, v_th=1.0)


def test_syntax_errors_give_line_and_column():
    with pytest.raises(SyntaxError, match=r"line 2, column \d+"):
        make("dv/dt = -v/tau + i_syn/c_m : mV\ndw/dt = (v - ) / tau : mV", tau=10.0,
             c_m=100.0, v_th=1.0)


def test_scheme_and_refractory_errors():
    with pytest.raises(ValueError, match=r"scheme 'exact' needs equations linear"):
        adex_eq(scheme="exact")
    with pytest.raises(ValueError, match=r"scheme must be one of"):
        lif_eq(scheme="leapfrog")
    with pytest.raises(ValueError, match=r"refractory must be >= 0 ms, got -1.0"):
        ns.NeuronModel.from_equations(LIF_TEXT, threshold="v >= v_th", refractory=-1.0,
                                      parameters=LIF_PARAMS)
    m = ns.NeuronModel.from_equations(LIF_TEXT, threshold="v >= v_th", reset="v = v_reset",
                                      refractory=0.25, parameters=LIF_PARAMS)
    net = ns.Network()
    net.population(2, m, name="p")
    with pytest.raises(ValueError, match=r"refractory"):
        ns.Simulator(net, dt=0.1)


def test_conductance_synapses_choose_exponential_euler_unless_exact_was_asked_for():
    """scheme=None integrates a linear model exactly; conductance synapses make it nonlinear,
    so such a population takes exponential Euler (bitwise the same as asking for it), while
    an explicit scheme='exact' is refused with the reason."""
    def run(model):
        net = ns.Network()
        src = net.population(20, ns.PoissonSource(rate=50.0), name="src")
        pop = net.population(3, model, name="p")
        net.connect(src, pop, ns.AllToAll(), synapse=ns.ExpConductance(tau=5.0, e_rev=0.0),
                    weight=2.0)
        tr = net.record(pop, "v")
        sim = ns.Simulator(net, dt=0.1, seed=8)
        sim.run(100.0)
        return sim.data[tr].values

    auto = run(lif_eq())
    np.testing.assert_array_equal(auto, run(lif_eq(scheme="exponential_euler")))
    assert np.ptp(auto) > 1.0
    with pytest.raises(ValueError, match=r"integrated exactly .* conductance synapses"):
        run(lif_eq(scheme="exact"))


def test_synapses_the_model_cannot_receive_are_refused_at_build():
    no_v = ns.NeuronModel.from_equations("du/dt = -u/tau + i_syn/c_m : mV",
                                         threshold="u > u_th", parameters=dict(
                                             tau=10.0, c_m=100.0, u_th=5.0))
    net = ns.Network()
    src = net.population(2, ns.PoissonSource(rate=10.0), name="src")
    pop = net.population(2, no_v, name="p")
    net.connect(src, pop, ns.AllToAll(), synapse=ns.Delta(), weight=1.0)
    with pytest.raises(ValueError, match=r"no state variable v in mV"):
        ns.Simulator(net, dt=0.1)


def test_unstable_custom_model_stops_with_the_population_variable_and_time():
    m = ns.NeuronModel.from_equations("dv/dt = v*v/(tau*v_s) : mV\ntau : ms",
                                      threshold="v > v_th",
                                      parameters=dict(tau=1.0, v_s=1.0, v_th=1e300),
                                      scheme="euler", initial=dict(v=10.0))
    net = ns.Network()
    net.population(1, m, name="blowup")
    sim = ns.Simulator(net, dt=0.1)
    with pytest.raises(FloatingPointError, match=r"population 'blowup': v of neuron 0"):
        sim.run(50.0)


# --------------------------------------------------------------------------------------------
# The generated loop and its cache
# --------------------------------------------------------------------------------------------

def test_generated_loop_holds_only_the_parts_a_network_uses():
    kernel = (20, "eq_k", "def eq_k(*args):\n    return args[-1]\n")
    bare = loop.loop_source([kernel])
    assert "eq_k(start" in bare and "# 5. plasticity" not in bare
    assert "hodgkin_huxley_step(" not in bare and "standard_normal" not in bare
    rule = ("rule_abc", "def rule_abc(*args):\n    return None\n")
    full = loop.loop_source([], [rule], inputs=[(INPUTS["noise"], -1)])
    assert "rule_abc(k, fired" in full and "standard_normal" in full
    assert "_in_noise(k, inp[0]" in full
    assert "# 5. plasticity" in full


def test_cache_dir_is_configurable_and_falls_back_when_unwritable(tmp_path, monkeypatch):
    import os
    monkeypatch.setenv("NEUROSIM_CACHE_DIR", str(tmp_path / "c"))
    assert loop.cache_dir() == str(tmp_path / "c")
    # A read-only location (an installed package's folder, a read-only home): the permission
    # is simulated, since the tests may run as root, for whom no folder is read-only.
    ro = str(tmp_path / "ro")
    monkeypatch.setenv("NEUROSIM_CACHE_DIR", ro)
    real_access = os.access
    monkeypatch.setattr(loop.os, "access",
                        lambda p, mode: False if str(p).startswith(ro) else real_access(p, mode))
    folder = loop.cache_dir()
    assert not folder.startswith(ro) and real_access(folder, os.W_OK)


def test_a_custom_model_compiles_once_and_is_reused(tmp_path, monkeypatch):
    """The generated module is written to the cache folder; a second simulator of the same
    structure takes the loaded function, not a new compile."""
    net = ns.Network()
    net.population(1, lif_eq(), name="p")
    a = ns.Simulator(net, dt=0.1)
    b = ns.Simulator(net, dt=0.1)
    assert a._b.loop is b._b.loop
    path = a._b.loop.py_func.__code__.co_filename
    assert path.startswith(loop.cache_dir()) and "eq_EquationModel_" in open(path).read()
    assert math.isfinite(float(a.get(net.populations[0], "v")[0]))


# --------------------------------------------------------------------------------------------
# exprel and condition refractoriness (what Hodgkin-Huxley models need)
# --------------------------------------------------------------------------------------------

def test_exprel_has_no_singular_point_and_the_right_derivative():
    """exprel(x) = (exp(x) - 1)/x: at 0 it is 1 (not 0/0); the exponential-Euler scheme uses
    its symbolic derivative, checked here against a central difference."""
    import sympy

    from neurosim.equations import exprel_function
    f = exprel_function()
    x = sympy.Symbol("x")
    assert f(sympy.Integer(0)) == 1
    d = sympy.lambdify(x, sympy.diff(f(x), x))(0.7)
    num = ((math.expm1(0.7 + 1e-6) / (0.7 + 1e-6)) - (math.expm1(0.7 - 1e-6) / (0.7 - 1e-6))) / 2e-6
    assert abs(d - num) < 1e-8
    # a rate written with exprel, evaluated exactly at its removable point
    m = ns.NeuronModel.from_equations(
        "dv/dt = -(v - e)/tau + i_syn/c_m : mV\ndg/dt = (rate*ms - g)/tau : 1\n"
        "rate = 1/ms/exprel(-(v + 40*mV)/(10*mV)) : 1/ms",
        threshold="v > 100*mV", parameters=dict(e=-40.0, tau=10.0, c_m=100.0),
        initial=dict(v=-40.0, g=0.0), scheme="rk4")
    net = ns.Network()
    pop = net.population(1, m, name="p")
    sim = ns.Simulator(net, dt=0.1)
    sim.run(20.0)
    assert abs(sim.get(pop, "g")[0] - (1 - math.exp(-2.0))) < 1e-9


def test_builtin_hodgkin_huxley_runs_its_equations_and_counts_upward_crossings():
    """The built-in HH is its equations with refractory='v >= v_th': a user writing the same
    gets bitwise the same run, and each action potential is one spike (an upward crossing)."""
    from neurosim.neurons import HH_EQUATIONS
    hh = ns.HodgkinHuxley(scheme="exponential_euler")
    par = {k: getattr(hh, k) for k in ("c_m", "g_na", "g_k", "g_leak", "e_na", "e_k", "e_leak",
                                       "v_th", "i_e")}
    mine = ns.NeuronModel.from_equations(HH_EQUATIONS, threshold="v >= v_th",
                                         refractory="v >= v_th", parameters=par,
                                         scheme="exponential_euler", name="HodgkinHuxley",
                                         initial=hh.initial_values())
    runs = []
    for model in (hh, mine):
        net = ns.Network()
        pop = net.population(1, model, name="p")
        net.inject(pop, ns.StepCurrent([10.0], [1000.0]))
        sp, tv = net.record_spikes(pop), net.record(pop, "v")
        sim = ns.Simulator(net, dt=0.05, seed=0)
        sim.run(100.0)
        runs.append((sim.data[sp], sim.data[tv].values[:, 0]))
    (s1, v1), (s2, v2) = runs
    np.testing.assert_array_equal(v1, v2)
    np.testing.assert_array_equal(s1.steps, s2.steps)
    v = v1
    crossings = np.flatnonzero((v[:-1] < 0.0) & (v[1:] >= 0.0)) + 1
    assert len(s1) == len(crossings) >= 5
    np.testing.assert_array_equal(s1.steps, crossings)


def test_condition_refractoriness_on_brian2():
    """A refractory condition goes to Brian2 as its condition; the spikes agree."""
    pytest.importorskip("brian2")
    from neurosim.neurons import HH_EQUATIONS
    hh = ns.HodgkinHuxley()
    par = {k: getattr(hh, k) for k in ("c_m", "g_na", "g_k", "g_leak", "e_na", "e_k", "e_leak",
                                       "v_th", "i_e")}
    m = ns.NeuronModel.from_equations(HH_EQUATIONS, threshold="v >= v_th",
                                      refractory="v >= v_th", parameters=par, scheme="rk4",
                                      name="HHeq", initial=hh.initial_values())
    res = []
    for engine in ("neurosim", "brian2"):
        net = ns.Network()
        pop = net.population(2, m, name="p")
        net.inject(pop, ns.StepCurrent([5.0], [800.0]))
        sp = net.record_spikes(pop)
        sim = ns.Simulator(net, dt=0.025, seed=0, engine=engine)
        sim.run(60.0)
        res.append(sim.data[sp])
    assert len(res[0]) >= 6
    np.testing.assert_array_equal(res[0].steps, res[1].steps)


def test_a_cached_model_builds_without_sympy(tmp_path):
    """The symbolic analysis is cached as text: a second process builds the same network
    without importing sympy (and gets the same spikes)."""
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import sys, neurosim as ns\n"
            "net = ns.Network()\n"
            "p = net.population(5, ns.LIF(i_e=400.0), name='p')\n"
            "s = net.record_spikes(p)\n"
            "sim = ns.Simulator(net, dt=0.1, seed=0)\n"
            "sim.run(100.0)\n"
            "print(len(sim.data[s]), 'sympy' in sys.modules)\n")
    env = {**os.environ, "NEUROSIM_CACHE_DIR": str(tmp_path), "PYTHONPATH": root}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, cwd=str(tmp_path), check=True).stdout.split()
            for _ in range(2)]
    assert runs[0][1] == "True" and runs[1][1] == "False"
    assert runs[0][0] == runs[1][0] and int(runs[0][0]) > 10
