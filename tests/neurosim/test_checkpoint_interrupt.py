"""Ctrl-C during ``sim.run``: a real SIGINT stops the run at the next chunk boundary, keeps
the records up to that step, and the run continues exactly (``run(a) + run(b)``)."""

import os
import signal

import numpy as np
import pytest

import neurosim as ns
from neurosim import checkpoint, io, simulator


def _network():
    net = ns.Network()
    src = net.population(40, ns.PoissonSource(rate=60.0), name="src")
    exc = net.population(30, ns.LIF(), name="exc", v=ns.Uniform(-60.0, -50.0))
    net.connect(src, exc, ns.FixedProbability(0.3), weight=ns.Normal(150.0, 10.0),
                delay=ns.Uniform(0.5, 4.0),
                plasticity=ns.STDP(a_plus=0.5, a_minus=0.55, tau_plus=20.0, tau_minus=20.0,
                                   w_max=400.0))
    mons = {"spikes": net.record_spikes(exc), "v": net.record(exc, "v", neurons=[1, 2],
                                                                  every=0.7)}
    return net, mons


def _sigint_after_chunk(monkeypatch, n_chunk):
    """Make the n-th chunk of the compiled loop end with a real SIGINT to this process."""
    calls = []
    original = ns.Simulator._advance

    def advance(self, *args):
        got = original(self, *args)
        calls.append(self.step)
        if len(calls) == n_chunk:
            os.kill(os.getpid(), signal.SIGINT)
        return got
    monkeypatch.setattr(ns.Simulator, "_advance", advance)
    return calls


@pytest.mark.skipif(signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, signal.SIG_DFL),
                    reason="SIGINT is ignored or left to the system")
def test_real_sigint_stops_at_a_chunk_boundary_and_the_run_continues(monkeypatch):
    handler = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(simulator, "CHUNK_STEPS", 130)
    net, mons = _network()
    whole = ns.Simulator(net, dt=0.1, seed=5)
    whole.run(100.0)
    assert len(whole.data[mons["spikes"]]) > 10

    net2, mons2 = _network()
    sim = ns.Simulator(net2, dt=0.1, seed=5)
    calls = _sigint_after_chunk(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt, match=r"interrupted at t = 39 ms \(step 390\)"):
        sim.run(100.0)
    assert calls == [130, 260, 390] and sim.step == 390
    # the handler is put back after the run
    assert signal.getsignal(signal.SIGINT) is handler
    spikes = sim.data[mons2["spikes"]]
    assert spikes.t_stop == pytest.approx(39.0) and spikes.steps.max() < 390
    ref = whole.data[mons["spikes"]]
    keep = ref.steps < 390
    np.testing.assert_array_equal(spikes.steps, ref.steps[keep])
    np.testing.assert_array_equal(spikes.neurons, ref.neurons[keep])
    v = sim.data[mons2["v"]]
    np.testing.assert_array_equal(v.values, whole.data[mons["v"]].values[:len(v)])
    assert v.times[-1] <= 39.0 < v.times[-1] + 0.7
    monkeypatch.undo()
    sim.run(100.0 - sim.t)
    for key in mons:
        a, b = whole.data[mons[key]], sim.data[mons2[key]]
        assert a.times.tobytes() == b.times.tobytes()
    assert whole.weights(net.projections[0]).weight.tobytes() == \
        sim.weights(net2.projections[0]).weight.tobytes()


@pytest.mark.skipif(signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, signal.SIG_DFL),
                    reason="SIGINT is ignored or left to the system")
def test_interrupting_a_run_with_periodic_checkpoints_saves_the_step_reached(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(simulator, "CHUNK_STEPS", 100)
    net, mons = _network()
    sim = ns.Simulator(net, dt=0.1, seed=5)
    _sigint_after_chunk(monkeypatch, 4)
    path = tmp_path / "ck.npz"
    with pytest.raises(KeyboardInterrupt):
        sim.run(100.0, checkpoint_every=25.0, checkpoint_path=path)
    # chunks end at steps 100, 200, 250 (a periodic checkpoint), 350: Ctrl-C there
    assert sim.step == 350
    manifest = io.read_archive(path, "neurosim.checkpoint", checkpoint.CHECKPOINT_VERSION)[0]
    assert manifest["step"] == sim.step
    monkeypatch.undo()
    resumed = ns.Simulator.resume(path, _network()[0])
    assert resumed.step == sim.step
