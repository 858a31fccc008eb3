"""One contract suite run over every neuron model (a new model is tested by being added to
MODELS): state shapes, silence at rest, firing under drive, validation, convergence in dt."""

import dataclasses

import numpy as np
import pytest

import neurosim as ns

# model factory, a subthreshold current (pA), a suprathreshold current (pA), convergence order
# (None: exact), and a step (ms) at which the scheme is stable while the neuron spikes
MODELS = {
    "LIF": (lambda: ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-65.0,
                           t_ref=2.0), 300.0, 600.0, None, 0.1),
    "AdEx-rk4": (lambda: ns.AdEx(scheme="rk4"), 200.0, 1000.0, 4, 0.1),
    "AdEx-euler": (lambda: ns.AdEx(scheme="euler"), 200.0, 1000.0, 1, 0.1),
    "Izhikevich-rk4": (lambda: ns.Izhikevich(scheme="rk4"), 2.0, 10.0, 4, 0.1),
    "Izhikevich-euler": (lambda: ns.Izhikevich(scheme="euler"), 2.0, 10.0, 1, 0.1),
    # RK4 on HH is unstable during spikes at dt = 0.1 ms (the run stops with a NaN error).
    "HodgkinHuxley-rk4": (lambda: ns.HodgkinHuxley(scheme="rk4"), 100.0, 1000.0, 4, 0.025),
    "HodgkinHuxley-exponential_euler":
        (lambda: ns.HodgkinHuxley(scheme="exponential_euler"), 100.0, 1000.0, 1, 0.1),
}


def _run(model, current, dt, duration, *, n=3, record=True):
    net = ns.Network()
    pop = net.population(n, model, name="p")
    if current:
        net.inject(pop, ns.DCCurrent(current))
    spikes = net.record_spikes(pop)
    trace = net.record(pop, "v", neurons=[0]) if record else None
    sim = ns.Simulator(net, dt=dt, seed=0)
    sim.run(duration)
    return sim, pop, sim.data[spikes], (sim.data[trace] if record else None)


@pytest.mark.parametrize("name", MODELS)
def test_state_variables_and_shapes(name):
    model = MODELS[name][0]()
    dt = MODELS[name][4]
    assert model.state_vars[0] == "v"
    assert set(model.initial_values()) == set(model.state_vars)
    sim, pop, _, trace = _run(model, 0.0, dt, 10.0, n=4)
    for var in model.state_vars:
        values = sim.get(pop, var)
        assert values.shape == (4,) and np.all(np.isfinite(values))
    assert trace.values.shape == (round(10.0 / dt), 1)


@pytest.mark.parametrize("name", MODELS)
def test_silent_at_rest_and_fires_under_drive(name):
    factory, sub, supra, _, dt = MODELS[name]
    _, _, quiet, trace = _run(factory(), 0.0, dt, 300.0)
    assert len(quiet) == 0
    assert np.ptp(trace.values[-100:]) < 0.5           # settled
    _, _, sub_rec, _ = _run(factory(), sub, dt, 300.0)
    assert len(sub_rec) == 0
    _, _, active, _ = _run(factory(), supra, dt, 300.0)
    assert np.all(active.counts() >= 3)
    # Identical neurons with identical input fire identically.
    trains = active.trains()
    assert all(np.array_equal(trains[0], t) for t in trains[1:])


@pytest.mark.parametrize("name", MODELS)
def test_every_parameter_is_validated(name):
    model = MODELS[name][0]()
    for field in dataclasses.fields(model):
        if field.name == "scheme":
            with pytest.raises(ValueError, match="scheme must be one of"):
                dataclasses.replace(model, scheme="leapfrog")
            continue
        with pytest.raises(ValueError, match=rf"{type(model).__name__}\.{field.name} must be"):
            dataclasses.replace(model, **{field.name: float("nan")})


@pytest.mark.parametrize("name", MODELS)
def test_subthreshold_convergence_in_dt(name):
    """v(20 ms) under a subthreshold current as dt halves: the error shrinks at the scheme's
    order (LIF is exact at every dt)."""
    factory, sub, _, order, dt = MODELS[name]
    dts = [2 * dt, dt, dt / 2]
    ref = _run(factory(), sub, dt / 16, 20.0, n=1)[3].values[-1, 0]
    errors = np.array([abs(_run(factory(), sub, dt, 20.0, n=1)[3].values[-1, 0] - ref)
                       for dt in dts])
    if order is None:
        assert errors.max() < 1e-11
        return
    assert errors[0] > 0
    ratios = errors[:-1] / errors[1:]
    assert np.all(ratios > 0.7 * 2 ** order), (errors, ratios)
    assert np.all(ratios < 1.5 * 2 ** order), (errors, ratios)
