"""One contract suite run over every registered neuron model (``@register_model`` in
neurosim/neurons/ puts it in ``MODELS``; its ``_examples()`` say how to drive it): state
shapes, silence at rest, firing under drive, validation, convergence in dt."""

import dataclasses

import numpy as np
import pytest

import neurosim as ns
from neurosim.neurons import MODELS, register_model

# Every registered built-in model (neurosim.neurons.MODELS, filled by @register_model), in the
# configurations it declares (_examples()): a model registered there is tested here without
# editing this file.
EXAMPLES = {ex.label: ex for cls in MODELS.values() for ex in cls._examples()}
# (label) -> (model factory, subthreshold current pA, suprathreshold current pA, convergence
# order (None: exact), a step in ms at which the scheme is stable while the neuron spikes)
MODELS_UNDER_TEST = {label: ((lambda ex=ex: ex.model), ex.sub, ex.supra, ex.order, ex.dt)
                     for label, ex in EXAMPLES.items()}


def test_every_registered_model_is_exercised():
    assert {"LIF", "AdEx", "Izhikevich", "HodgkinHuxley"} <= set(MODELS)
    for name, cls in MODELS.items():
        examples = cls._examples()
        assert examples and all(isinstance(ex.model, cls) for ex in examples), name
    assert len(EXAMPLES) == sum(len(cls._examples()) for cls in MODELS.values())  # labels unique


def test_registering_a_model_without_examples_is_refused():
    with pytest.raises(TypeError, match="must define _examples"):
        register_model(type("Bare", (ns.NeuronModel,), {}))


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


@pytest.mark.parametrize("name", MODELS_UNDER_TEST)
def test_state_variables_and_shapes(name):
    model = MODELS_UNDER_TEST[name][0]()
    dt = MODELS_UNDER_TEST[name][4]
    assert model.state_vars[0] == "v"
    assert set(model.initial_values()) == set(model.state_vars)
    sim, pop, _, trace = _run(model, 0.0, dt, 10.0, n=4)
    for var in model.state_vars:
        values = sim.get(pop, var)
        assert values.shape == (4,) and np.all(np.isfinite(values))
    assert trace.values.shape == (round(10.0 / dt), 1)


@pytest.mark.parametrize("name", MODELS_UNDER_TEST)
def test_silent_at_rest_and_fires_under_drive(name):
    factory, sub, supra, _, dt = MODELS_UNDER_TEST[name]
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


@pytest.mark.parametrize("name", MODELS_UNDER_TEST)
def test_every_parameter_is_validated(name):
    model = MODELS_UNDER_TEST[name][0]()
    for field in dataclasses.fields(model):
        if field.name == "scheme":
            with pytest.raises(ValueError, match="scheme must be one of"):
                dataclasses.replace(model, scheme="leapfrog")
            continue
        with pytest.raises(ValueError, match=rf"{type(model).__name__}\.{field.name} must be"):
            dataclasses.replace(model, **{field.name: float("nan")})


@pytest.mark.parametrize("name", MODELS_UNDER_TEST)
def test_subthreshold_convergence_in_dt(name):
    """v(20 ms) under a subthreshold current as dt halves: the error shrinks at the scheme's
    order (LIF is exact at every dt)."""
    factory, sub, _, order, dt = MODELS_UNDER_TEST[name]
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
