"""The input plug-in contract (neurosim.inputs.base), run over the registry: every registered
block builds the tables of a network without it, names its mutable fields, and compiles into
the loop; a user's input written in a file of its own (tests/neurosim/_custom_inputs.py) runs
compiled and gives what the built-in inputs give for the same input; the other engines refuse
it by name; the registry refuses a block that breaks the contract.
"""

from typing import NamedTuple

import numpy as np
import pytest
from _custom_inputs import Clock, SineCurrent

import neurosim as ns
from neurosim.build import BuildContext
from neurosim.inputs import INPUTS, InputBlock, register_input
from neurosim.loop import input_source

DT = 0.1


def _ctx():
    return BuildContext(DT, 5, np.array([0, 5]), {}, np.zeros(0, dtype=np.int64), {})


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_every_block_builds_empty_tables_and_compiles(name):
    block = INPUTS[name]
    tables = block.build([], _ctx())
    assert isinstance(tables, block.Tables)
    assert all(isinstance(a, np.ndarray) and a.size <= 5 for a in tables)
    assert set(block.mutable) <= set(block.Tables._fields)
    src = input_source(block)
    assert src.startswith("@numba.njit") and f"def _in_{name}(" in src
    assert block.room(tables) == 0


def test_the_built_in_inputs_are_registered():
    assert {"currents", "noise", "poisson_source", "spike_times", "poisson_input"} <= set(INPUTS)


def test_loop_contains_only_the_inputs_a_network_uses():
    net = ns.Network()
    a = net.population(3, ns.LIF(), name="a")
    net.inject(a, ns.DCCurrent(100.0))
    sim = ns.Simulator(net, dt=DT, seed=0)
    src = open(sim.built.loop_module.__file__).read()
    assert "def _in_currents(" in src
    for other in ("noise", "poisson_source", "spike_times", "poisson_input"):
        assert f"_in_{other}" not in src


def _lif_trace(inject):
    net = ns.Network()
    pop = net.population(2, ns.LIF(v_th=1e9), name="pop")
    inject(net, pop)
    mon = net.record(pop, "v")
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(50.0)
    return sim.data[mon].values


def test_a_users_current_equals_the_step_current_of_its_samples():
    """The sine block, compiled into the loop, drives a LIF exactly as a StepCurrent holding
    the same sample in each step (bitwise: the same currents reach the same kernel)."""
    amp, f = 150.0, 40.0
    steps = np.arange(500)
    samples = amp * np.sin(2 * np.pi * f * DT / 1000.0 * steps)
    got = _lif_trace(lambda net, pop: net.inject(pop, SineCurrent(amp, f)))
    want = _lif_trace(lambda net, pop: net.inject(
        pop, ns.StepCurrent(steps * DT, [float(s) for s in samples])))
    np.testing.assert_array_equal(got, want)
    assert np.ptp(got) > 1.0  # the current moved the membrane


def test_a_users_spike_source_fires_on_its_clock_and_drives_its_targets():
    net = ns.Network()
    clock = net.population(3, Clock(period=2.5), name="clock")
    cell = net.population(3, ns.LIF(), name="cell")
    net.connect(clock, cell, ns.OneToOne(), synapse=ns.Delta(), weight=30.0, delay=0.0)
    spikes, out = net.record_spikes(clock), net.record_spikes(cell)
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(10.0)
    rec = sim.data[spikes]
    for i in range(3):  # neuron i fires at i steps, then every 25 steps
        np.testing.assert_array_equal(rec.steps[rec.neurons == i], np.arange(i, 100, 25))
    # a Delta weight of 30 mV from rest (-65 mV, threshold -50 mV) fires each target once
    # per clock spike, the step after it (a delay of 0 acts from the next step)
    got = sim.data[out]
    for i in range(3):
        np.testing.assert_array_equal(got.steps[got.neurons == i], np.arange(i, 100, 25) + 1)


@pytest.mark.parametrize("engine", ["brian2", "nest"])
def test_other_engines_refuse_a_users_input_by_name(engine):
    pytest.importorskip(engine)
    net = ns.Network()
    a = net.population(2, ns.LIF(), name="a")
    net.inject(a, SineCurrent(10.0, 5.0))
    with pytest.raises(NotImplementedError, match=r"SineCurrent \(injected into 'a'\).*"
                                                  r"'sine_current'.*engine 'neurosim'"):
        ns.Simulator(net, dt=DT, seed=0, engine=engine)


class _T(NamedTuple):
    x: np.ndarray


def _step(k, tab, i_inj, i_det, ring_row, rng):
    pass


def test_registry_refuses_a_block_that_breaks_the_contract():
    def block(**attrs):
        return type("Bad", (InputBlock,), {"name": "bad_block", "phase": "deliver",
                                           "Tables": _T, "step": staticmethod(_step),
                                           **attrs})
    with pytest.raises(ValueError, match="phase must be one of"):
        register_input(block(phase="later"))
    with pytest.raises(ValueError, match=r"mutable names \['y'\]"):
        register_input(block(mutable=("y",)))
    with pytest.raises(ValueError, match="must be an identifier"):
        register_input(block(name="bad block"))
    with pytest.raises(TypeError, match="NamedTuple"):
        register_input(block(Tables=tuple))
    with pytest.raises(TypeError, match="plain function"):
        register_input(block(step=None))
    with pytest.raises(ValueError, match="registered already"):
        register_input(block(name="noise"))
    assert "bad_block" not in INPUTS


def test_an_unregistered_input_is_refused_at_build():
    class Unknown(ns.inputs.CurrentInjection):
        _input = "nobody"

        def _amplitudes(self):
            return ()
    net = ns.Network()
    a = net.population(1, ns.LIF(), name="a")
    net.inject(a, Unknown())
    with pytest.raises(ValueError, match="input 'nobody' is not registered"):
        ns.Simulator(net, dt=DT, seed=0)
