"""Engines are found by name in neurosim.engines.ENGINES: a registered engine runs a
description without any change to the simulator, and an unknown name lists the valid ones."""

import numpy as np
import pytest

import neurosim as ns
from neurosim import engines


class _Recording:
    """A minimal engine: it records what the simulator hands it and 'runs' by counting steps."""

    def __init__(self, sim, options):
        self.sim, self.options, self.steps = sim, options, 0

    def run(self, n_steps):
        self.steps += n_steps


def test_a_registered_engine_is_used_by_name(monkeypatch):
    monkeypatch.setitem(engines.ENGINES, "recording", _Recording)
    net = ns.Network()
    net.population(3, ns.LIF(), name="p")
    sim = ns.Simulator(net, dt=0.1, engine="recording", engine_options={"x": 1})
    assert isinstance(sim._backend, _Recording) and sim._backend.options == {"x": 1}
    sim.run(1.0)
    assert sim._backend.steps == 10 and np.isclose(sim.t, 1.0)


def test_register_by_module_path_and_unknown_names(monkeypatch):
    monkeypatch.setattr(engines, "ENGINES", dict(engines.ENGINES))
    engines.register("again", "neurosim.engines.brian2:Brian2Engine")
    from neurosim.engines.brian2 import Brian2Engine
    assert engines.engine_class("again") is Brian2Engine
    with pytest.raises(ValueError, match="other than 'neurosim'"):
        engines.register("neurosim", _Recording)
    net = ns.Network()
    net.population(1, ns.LIF(), name="p")
    with pytest.raises(ValueError, match=r"unknown engine 'nope'; valid: \['neurosim', 'brian2', "
                                         r"'nest', 'again'\]"):
        ns.Simulator(net, engine="nope")
