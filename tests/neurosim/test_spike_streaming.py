"""Spike records streamed to disk in chunks (``Simulator(..., stream_spikes_to=folder)``): each
chunk written atomically, memory released after each, the reassembled records bitwise equal to
a run kept in memory, and a crash mid-run leaves every completed chunk loadable."""

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import neurosim as ns
from neurosim import io, simulator

CHUNK = 130  # steps per chunk of the compiled loop in these tests
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _network():
    net = ns.Network()
    src = net.population(40, ns.PoissonSource(rate=60.0), name="src")
    exc = net.population(30, ns.LIF(), name="exc", v=ns.Uniform(-60.0, -50.0))
    inh = net.population(10, ns.LIF(), name="inh", v=ns.Uniform(-60.0, -50.0))
    net.connect(src, exc, ns.FixedProbability(0.3), weight=ns.Normal(150.0, 10.0),
                delay=ns.Uniform(0.5, 4.0),
                plasticity=ns.STDP(a_plus=0.5, a_minus=0.55, tau_plus=20.0, tau_minus=20.0,
                                   w_max=400.0))
    net.connect(exc, inh, ns.FixedProbability(0.5), weight=80.0, delay=1.0)
    net.connect(inh, exc, ns.FixedProbability(0.5), weight=-40.0, delay=0.5)
    mons = {"exc": net.record_spikes(exc), "inh": net.record_spikes(inh),
            "src": net.record_spikes(src)}
    return net, mons


def _assert_bitwise(a, b):
    assert type(a) is type(b)
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            assert x.tobytes() == y.tobytes(), f.name
        else:
            assert type(x) is type(y) and x == y, f.name


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(simulator, "CHUNK_STEPS", CHUNK)


@pytest.fixture
def reference(small_chunks):
    net, mons = _network()
    sim = ns.Simulator(net, dt=0.1, seed=5)
    sim.run(60.0)
    sim.run(40.3)
    recs = {k: sim.data[m] for k, m in mons.items()}
    assert len(recs["exc"]) > 20 and len(recs["inh"]) > 5
    return recs


def _chunk_names(folder):
    return sorted(n for n in os.listdir(folder) if not n.startswith("."))


def test_streamed_run_equals_the_in_memory_run_bitwise(tmp_path, reference, monkeypatch):
    folder = tmp_path / "spikes"
    net, mons = _network()
    sim = ns.Simulator(net, dt=0.1, seed=5, stream_spikes_to=folder)
    # the memory is released after every flush: each chunk starts with an empty buffer
    buffered = []
    original = ns.Simulator._advance

    def advance(self, *args):
        buffered.append(len(self._spk_chunks))
        return original(self, *args)
    monkeypatch.setattr(ns.Simulator, "_advance", advance)
    sim.run(60.0)
    sim.run(40.3)
    assert buffered and set(buffered) == {0} and sim._spk_chunks == []
    # 600 steps: chunks of 130 and the rest; then 403 steps from step 600
    starts = [0, 130, 260, 390, 520, 600, 730, 860, 990]
    assert _chunk_names(folder) == [f"spikes.{s:012d}.npz" for s in starts]
    loaded = io.load_spike_stream(folder)
    assert list(loaded) == ["exc", "inh", "src"]
    for key, mon in mons.items():
        _assert_bitwise(loaded[key], reference[key])
        _assert_bitwise(sim.data[mon], reference[key])  # sim.data reads the stream back


def test_a_crash_mid_run_leaves_every_completed_chunk_loadable(tmp_path, reference,
                                                               monkeypatch):
    folder = tmp_path / "spikes"
    net, mons = _network()
    sim = ns.Simulator(net, dt=0.1, seed=5, stream_spikes_to=folder)
    calls = []
    original = ns.Simulator._advance

    def advance(self, *args):
        if len(calls) == 4:
            raise RuntimeError("simulated crash")
        got = original(self, *args)
        calls.append(self.step)
        return got
    monkeypatch.setattr(ns.Simulator, "_advance", advance)
    with pytest.raises(RuntimeError, match="simulated crash"):
        sim.run(100.3)
    assert calls == [130, 260, 390, 520]
    assert _chunk_names(folder) == [f"spikes.{s:012d}.npz" for s in (0, 130, 260, 390)]
    loaded = io.load_spike_stream(folder)  # as a new process would, after the crash
    for key in mons:
        rec, ref = loaded[key], reference[key]
        assert rec.t_stop == 520 * 0.1
        keep = ref.steps < 520
        assert rec.steps.tobytes() == ref.steps[keep].tobytes()
        assert rec.neurons.tobytes() == ref.neurons[keep].tobytes()
        assert rec.times.tobytes() == ref.times[keep].tobytes()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_process_killed_mid_run_leaves_every_completed_chunk_loadable(tmp_path, reference):
    """A real crash: the process kills itself (SIGKILL, no clean-up runs) after 3 chunks."""
    folder = tmp_path / "spikes"
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {ROOT!r})
        sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
        import neurosim as ns
        from neurosim import simulator
        import test_spike_streaming as t
        simulator.CHUNK_STEPS = t.CHUNK
        original = ns.Simulator._advance
        def advance(self, *args):
            got = original(self, *args)
            if self.step == 3 * t.CHUNK:
                os.kill(os.getpid(), signal.SIGKILL)
            return got
        ns.Simulator._advance = advance
        sim = ns.Simulator(t._network()[0], dt=0.1, seed=5, stream_spikes_to={str(folder)!r})
        sim.run(100.3)
    """)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stderr
    # the third chunk was run but never flushed: two chunks on disk
    assert _chunk_names(folder) == [f"spikes.{s:012d}.npz" for s in (0, 130)]
    loaded = io.load_spike_stream(folder)
    for key, ref in reference.items():
        keep = ref.steps < 260
        assert loaded[key].t_stop == 260 * 0.1
        assert loaded[key].steps.tobytes() == ref.steps[keep].tobytes()
        assert loaded[key].neurons.tobytes() == ref.neurons[keep].tobytes()


def test_a_failed_write_keeps_the_spikes_for_the_next_chunk(tmp_path, reference, monkeypatch):
    folder = tmp_path / "spikes"
    net, mons = _network()
    sim = ns.Simulator(net, dt=0.1, seed=5, stream_spikes_to=folder)
    original = io.write_spike_chunk
    n = []

    def write(*args):
        n.append(1)
        if len(n) == 2:
            raise OSError("disk full")
        original(*args)
    monkeypatch.setattr(io, "write_spike_chunk", write)
    with pytest.raises(OSError, match="disk full"):
        sim.run(100.3)
    assert sim.step == 260 and _chunk_names(folder) == ["spikes.000000000000.npz"]
    assert not [name for name in os.listdir(folder) if name.endswith(".tmp")]
    sim.run(100.3 - sim.t)  # steps 130-259 are written with the next chunk
    for key, mon in mons.items():
        _assert_bitwise(sim.data[mon], reference[key])
        _assert_bitwise(io.load_spike_stream(folder)[key], reference[key])


def test_a_missing_chunk_and_a_used_folder_are_refused(tmp_path, small_chunks):
    folder = tmp_path / "spikes"
    net, _ = _network()
    sim = ns.Simulator(net, dt=0.1, seed=5, stream_spikes_to=folder)
    sim.run(50.0)
    with pytest.raises(FileExistsError, match="already holds spike chunks"):
        ns.Simulator(_network()[0], dt=0.1, seed=5, stream_spikes_to=folder)
    os.remove(folder / "spikes.000000000130.npz")
    with pytest.raises(ValueError, match=r"steps \[130, 260\) is missing"):
        io.load_spike_stream(folder)
    with pytest.raises(FileNotFoundError, match="holds no chunk"):
        io.load_spike_stream(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ns.Simulator(_network()[0], stream_spikes_to=tmp_path / "no" / "such")


def test_streaming_simulator_refuses_checkpoints_and_other_engines(tmp_path):
    net, _ = _network()
    sim = ns.Simulator(net, dt=0.1, seed=5, stream_spikes_to=tmp_path / "s")
    with pytest.raises(ValueError, match="cannot be checkpointed"):
        sim.checkpoint(tmp_path / "ck.npz")
    with pytest.raises(ValueError, match="cannot be checkpointed"):
        sim.run(10.0, checkpoint_every=5.0, checkpoint_path=tmp_path / "ck.npz")
    assert sim.step == 0
    with pytest.raises(ValueError, match="only engine 'neurosim' streams"):
        ns.Simulator(net, engine="brian2", stream_spikes_to=tmp_path / "b")
