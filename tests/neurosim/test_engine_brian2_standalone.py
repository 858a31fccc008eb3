"""``engine="brian2"`` with ``engine_options={"device": "cpp_standalone"}``.

One compiled build for the whole file (the module fixture): a small CUBA-like network with
current synapses, run in two ``run()`` calls (scheduled, then built at the first read), must
give the spikes, traces, state and weights of the built-in engine. The remaining tests check
what needs no compiler: option validation, refusals, and that Brian2's global device is back to
runtime afterwards so a runtime Brian2 simulator still works.
"""

import os
import tempfile

import numpy as np
import pytest

import neurosim as ns

pytest.importorskip("brian2")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _cuba(n_exc=80, n_inh=20):
    """A small CUBA-like network: LIF, exponential current synapses, spike-time drive."""
    net = ns.Network()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
    exc = net.population(n_exc, lif, name="exc", v=ns.Uniform(-60.0, -50.0))
    inh = net.population(n_inh, lif, name="inh", v=ns.Uniform(-60.0, -50.0))
    for pre, tau, w in ((exc, 5.0, 40.0), (inh, 10.0, -225.0)):
        for post in (exc, inh):
            net.connect(pre, post, ns.FixedProbability(0.2), synapse=ns.ExpCurrent(tau=tau),
                        weight=w, delay=ns.Uniform(0.1, 2.0))
    src = net.population(3, ns.SpikeTimes([[1.0, 5.0], [2.0], []]), name="st")
    net.connect(src, exc, ns.AllToAll(), synapse=ns.AlphaCurrent(tau=2.0), weight=30.0,
                delay=0.5)
    # An unconnected, silent Poisson source: exercises set_rate between scheduled runs.
    quiet = net.population(2, ns.PoissonSource(rate=0.0), name="quiet")
    return dict(net=net, exc=exc, quiet=quiet, spikes=net.record_spikes(exc),
                trace=net.record(exc, "v", neurons=[0, 3], every=0.7),
                wrec=net.record_weights(net.projections[1], every=2.5, synapses=[0, 4, 9]))


def _simulate(engine, options=None):
    parts = _cuba()
    sim = ns.Simulator(parts["net"], dt=0.1, seed=5, engine=engine, engine_options=options)
    sim.run(60.0)
    sim.set_rate(parts["quiet"], 0.0)
    sim.run(40.0)
    return sim, parts


@pytest.fixture(scope="module")
def standalone():
    """The file's one C++ standalone build, in a temporary folder that must be deleted."""
    from neurosim.engines import brian2 as engine_module

    made, original = [], tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):  # Brian2 makes temporary folders of its own too
        folder = original(*args, **kwargs)
        if os.path.basename(folder).startswith("neurosim_brian2_standalone_"):
            made.append(folder)
        return folder

    sim, parts = _simulate("brian2", {"device": "cpp_standalone"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine_module.tempfile, "mkdtemp", mkdtemp)
        spikes = sim.data[parts["spikes"]]          # the first read builds, compiles and runs
    return dict(sim=sim, parts=parts, spikes=spikes, made=made)


@pytest.mark.slow
def test_standalone_gives_the_spikes_of_the_builtin_engine(standalone):
    ref, ref_parts = _simulate("neurosim")
    sim, parts = standalone["sim"], standalone["parts"]
    sa, sb = ref.data[ref_parts["spikes"]], standalone["spikes"]
    assert len(sa) > 20
    assert sorted(zip(sa.steps, sa.neurons)) == sorted(zip(sb.steps, sb.neurons))
    ta, tb = ref.data[ref_parts["trace"]], sim.data[parts["trace"]]
    np.testing.assert_array_equal(ta.times, tb.times)
    np.testing.assert_allclose(ta.values, tb.values, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ref.get(ref_parts["exc"], "v"), sim.get(parts["exc"], "v"),
                               rtol=0, atol=1e-9)
    for pa, pb in zip(ref_parts["net"].projections, parts["net"].projections):
        np.testing.assert_array_equal(ref.weights(pa).weight, sim.weights(pb).weight)
    wa, wb = ref.data[ref_parts["wrec"]], sim.data[parts["wrec"]]   # static: constant rows
    assert wa.values.shape == (40, 3)
    np.testing.assert_array_equal(wa.times, wb.times)
    np.testing.assert_array_equal(wa.values, wb.values)
    assert sim.t == pytest.approx(100.0)


@pytest.mark.slow
def test_standalone_deletes_its_temporary_folder(standalone):
    (folder,) = standalone["made"]
    assert os.path.dirname(folder) == tempfile.gettempdir()
    assert not os.path.exists(folder)


@pytest.mark.slow
def test_standalone_refuses_to_continue_after_the_build(standalone):
    sim, parts = standalone["sim"], standalone["parts"]
    with pytest.raises(NotImplementedError, match="cpp_standalone.*run.*device 'runtime'"):
        sim.run(1.0)
    with pytest.raises(NotImplementedError, match="cpp_standalone.*set_rate"):
        sim.set_rate(parts["quiet"], 5.0)
    assert sim.t == pytest.approx(100.0)


@pytest.mark.slow
def test_runtime_brian2_still_works_after_a_standalone_build(standalone):
    from brian2.devices.device import get_device, runtime_device

    assert get_device() is runtime_device
    ref, ref_parts = _simulate("neurosim")
    sim, parts = _simulate("brian2")
    sa, sb = ref.data[ref_parts["spikes"]], sim.data[parts["spikes"]]
    assert sorted(zip(sa.steps, sa.neurons)) == sorted(zip(sb.steps, sb.neurons))
    sim.run(10.0)  # runtime mode keeps running after a read
    assert sim.t == pytest.approx(110.0)


@pytest.mark.parametrize("options, error, match", [
    ({"devise": "cpp_standalone"}, ValueError, r"unknown engine_options \['devise'\].*"
                                               r"valid: \['device', 'directory', 'target'\]"),
    ({"device": "gpu"}, ValueError, r"device.*\['runtime', 'cpp_standalone'\].*'gpu'"),
    ({"target": "cpp"}, ValueError, r"target.*\['numpy', 'cython'\].*'cpp'"),
    ({"device": "cpp_standalone", "target": "cython"}, ValueError, "runtime' only"),
    ({"directory": "out"}, ValueError, "'cpp_standalone' only"),
    ({"device": "cpp_standalone", "directory": 3}, TypeError, "directory"),
    (["cpp_standalone"], TypeError, "must be a dict"),
])
def test_bad_options_raise(options, error, match):
    with pytest.raises(error, match=match):
        ns.Simulator(_cuba(20, 5)["net"], dt=0.1, seed=1, engine="brian2",
                     engine_options=options)


def test_the_builtin_engine_takes_no_options():
    with pytest.raises(ValueError, match="engine 'neurosim' takes no engine_options"):
        ns.Simulator(_cuba(20, 5)["net"], dt=0.1, seed=1,
                     engine_options={"device": "cpp_standalone"})


def test_standalone_refuses_step_currents():
    parts = _cuba(20, 5)
    parts["net"].inject(parts["exc"], ns.StepCurrent([10.0], [100.0]))
    with pytest.raises(NotImplementedError, match="cpp_standalone.*StepCurrent"):
        ns.Simulator(parts["net"], dt=0.1, seed=1, engine="brian2",
                     engine_options={"device": "cpp_standalone"})


@pytest.mark.slow
def test_runtime_targets_are_accepted_and_the_default_is_numpy():
    parts = _cuba(20, 5)
    sim = ns.Simulator(parts["net"], dt=0.1, seed=1, engine="brian2")
    assert sim._backend._options == {"device": "runtime", "target": "numpy", "directory": None}
    sim = ns.Simulator(parts["net"], dt=0.1, seed=1, engine="brian2",
                       engine_options={"target": "numpy", "device": "runtime"})
    sim.run(1.0)


def test_standalone_construction_and_scheduling_compile_nothing(tmp_path):
    """Until the first read, a standalone simulator only records its schedule."""
    from brian2.devices.device import get_device, runtime_device

    parts = _cuba(20, 5)
    sim = ns.Simulator(parts["net"], dt=0.1, seed=1, engine="brian2",
                       engine_options={"device": "cpp_standalone", "directory": tmp_path / "b"})
    sim.run(5.0)
    sim.set_rate(parts["quiet"], 3.0)
    sim.run(5.0)
    assert sim.t == pytest.approx(10.0)
    assert get_device() is runtime_device
    assert not (tmp_path / "b").exists()
