"""Conductance synapses: sublinear summation, shunting, and convergence to the ODE solution."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurosim as ns

TAU_M, C_M, E_L = 20.0, 200.0, -70.0
PASSIVE = ns.LIF(tau_m=TAU_M, c_m=C_M, e_leak=E_L, v_th=100.0, v_reset=E_L, t_ref=0.0)


def _psp(synapse, weight, dt=0.1, duration=80.0, n_inputs=1):
    net = ns.Network()
    src = net.population(n_inputs, ns.SpikeTimes([[5.0]] * n_inputs), name="src")
    cell = net.population(1, PASSIVE, name="cell")
    net.connect(src, cell, ns.AllToAll(), synapse=synapse, weight=weight, delay=1.0)
    mon = net.record(cell, "v")
    sim = ns.Simulator(net, dt=dt, seed=0)
    sim.run(duration)
    rec = sim.data[mon]
    return rec.times, rec.values[:, 0] - E_L


@pytest.mark.parametrize("kinetics", [ns.ExpConductance, ns.AlphaConductance])
def test_excitatory_conductances_sum_sublinearly(kinetics):
    syn = kinetics(tau=5.0, e_rev=0.0)
    _, one = _psp(syn, 10.0)
    _, two = _psp(syn, 10.0, n_inputs=2)
    assert one.max() > 1.0
    assert two.max() < 2 * one.max() - 0.05          # driving force shrinks as v rises
    assert two.max() > one.max()


@pytest.mark.parametrize("kinetics", [ns.ExpCurrent, ns.AlphaCurrent])
def test_current_synapses_sum_linearly(kinetics):
    syn = kinetics(tau=5.0)
    _, one = _psp(syn, 100.0)
    _, two = _psp(syn, 100.0, n_inputs=2)
    np.testing.assert_allclose(two, 2 * one, rtol=0, atol=1e-12)


def test_shunting_inhibition_at_rest_changes_nothing():
    """e_rev == e_leak: the conductance opens but the driving force is zero."""
    _, v = _psp(ns.ExpConductance(tau=5.0, e_rev=E_L), 50.0)
    np.testing.assert_allclose(v, 0.0, atol=1e-12)


def test_inhibitory_conductance_hyperpolarises():
    _, v = _psp(ns.ExpConductance(tau=10.0, e_rev=-80.0), 20.0)
    assert v.min() < -0.5 and v.min() > -10.0


def _reference(w, tau, e_rev, t_eval, onset):
    """dv/dt = (-(C/tau_m)(v - E_L) - g(t)(v - e_rev))/C, g = w e^{-(t - onset)/tau} after the
    onset (the spike at 5 ms arrives at 6 ms and acts from the next step, 6 ms + dt)."""
    def rhs(t, v):
        g = w * np.exp(-(t - onset) / tau) if t >= onset else 0.0
        return [(-(C_M / TAU_M) * (v[0] - E_L) - g * (v[0] - e_rev)) / C_M]
    sol = solve_ivp(rhs, (onset, t_eval[-1]), [E_L], t_eval=t_eval[t_eval >= onset - 1e-9],
                    rtol=1e-10, atol=1e-12, max_step=0.01)
    return sol.y[0] - E_L


def test_exponential_euler_converges_to_the_ode_at_second_order():
    """With the conductance held at its exact mean over each step, exponential Euler is
    second-order accurate."""
    w, tau, e_rev = 20.0, 5.0, 0.0
    errors = []
    for dt in (0.2, 0.1, 0.05):
        t, v = _psp(ns.ExpConductance(tau=tau, e_rev=e_rev), w, dt=dt, duration=60.0)
        ref = _reference(w, tau, e_rev, t, 6.0 + dt)
        errors.append(np.abs(v[t >= 6.0 + dt - 1e-9] - ref).max())
    errors = np.array(errors)
    assert errors[1] < 1e-3                         # mV at dt = 0.1, against an 18 mV PSP
    ratios = errors[:-1] / errors[1:]
    assert np.all((ratios > 3.2) & (ratios < 5.0)), (errors, ratios)
