"""Checkpoint and resume: a run resumed in a fresh process is bitwise the uninterrupted run;
checkpoints of another format version or another network are refused with the reason."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import neurosim as ns
from neurosim import checkpoint, io

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One source for the network, run here and in the child process.
NETWORK_SOURCE = textwrap.dedent("""
    import neurosim as ns

    def make_network(a_plus=0.5):
        net = ns.Network()
        src = net.population(40, ns.PoissonSource(rate=60.0), name="src")
        times = net.population(2, ns.SpikeTimes([[3.0, 41.0, 77.0], [55.5]]), name="times")
        exc = net.population(30, ns.LIF(), name="exc", v=ns.Uniform(-60.0, -50.0))
        inh = net.population(10, ns.AdEx(), name="inh")
        stdp = ns.STDP(a_plus=a_plus, a_minus=0.55, tau_plus=20.0, tau_minus=20.0, w_max=400.0)
        net.connect(src, exc, ns.FixedProbability(0.3), weight=ns.Normal(150.0, 10.0),
                    delay=ns.Uniform(0.5, 4.0), plasticity=stdp)
        net.connect(times, exc, ns.AllToAll(), weight=300.0, delay=2.5)
        net.connect(exc, inh, ns.FixedProbability(0.3), synapse=ns.ExpConductance(tau=3.0),
                    weight=2.0, delay=ns.Uniform(0.1, 1.5),
                    plasticity=ns.TsodyksMarkram(U=0.3, tau_rec=100.0, tau_fac=50.0))
        net.connect(inh, exc, ns.FixedOutDegree(5), synapse=ns.AlphaCurrent(tau=2.0),
                    weight=-40.0, delay=0.7)
        net.inject(inh, ns.NoisyCurrent(mean=700.0, std=300.0, start=20.0))
        net.inject(exc, ns.StepCurrent([10.0, 62.0], [50.0, 0.0]), neurons=[0, 1])
        mons = {"exc": net.record_spikes(exc), "inh": net.record_spikes(inh),
                "src": net.record_spikes(src),
                "v": net.record(exc, "v", neurons=[0, 3, 9], every=0.3),
                "w": net.record(inh, "w", every=0.7),
                "weights": net.record_weights(net.projections[0], every=1.3,
                                              synapses=[0, 4, 11])}
        return net, mons
""")


def make_network(a_plus=0.5):
    scope = {}
    exec(NETWORK_SOURCE, scope)
    return scope["make_network"](a_plus)


def _state_of(sim):
    return {k: v.copy() for k, v in checkpoint.engine_arrays(sim).items()}


def _assert_same_records(sim_a, mons_a, sim_b, mons_b):
    for key in mons_a:
        a, b = sim_a.data[mons_a[key]], sim_b.data[mons_b[key]]
        for field in ("steps", "neurons", "times", "values", "synapses"):
            if hasattr(a, field):
                x, y = getattr(a, field), getattr(b, field)
                assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), (key, field)


@pytest.fixture(scope="module")
def straight():
    net, mons = make_network()
    sim = ns.Simulator(net, dt=0.1, seed=11)
    sim.run(100.0)
    assert len(sim.data[mons["exc"]]) > 20 and len(sim.data[mons["inh"]]) > 5
    return sim, mons


def test_resume_in_a_fresh_process_is_bitwise_the_straight_run(tmp_path, straight):
    sim_s, mons_s = straight
    net, mons = make_network()
    sim = ns.Simulator(net, dt=0.1, seed=11)
    sim.run(50.0)
    ck = tmp_path / "at50.npz"
    sim.checkpoint(ck)
    # Spikes are in transit at the checkpoint: the ring buffer is not empty.
    assert np.any(checkpoint.engine_arrays(sim)["channels.ring"] != 0)

    net_file = tmp_path / "netdef.py"
    net_file.write_text(NETWORK_SOURCE)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {ROOT!r}); sys.path.insert(0, {str(tmp_path)!r})
        import neurosim as ns
        from neurosim import io
        from netdef import make_network
        net, mons = make_network()
        sim = ns.Simulator.resume({str(ck)!r}, net)
        assert sim.t == 50.0
        sim.run(50.0)
        sim.checkpoint({str(tmp_path / "at100.npz")!r})
        io.save_results({str(tmp_path / "results.npz")!r}, sim)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr

    # The records of the resumed run, read back in this process ...
    res = io.load_results(tmp_path / "results.npz")
    labels = dict(zip(["exc", "inh", "src", "v", "w", "weights"],
                      io._monitor_labels(sim_s.network)))
    for key, label in labels.items():
        a, b = sim_s.data[mons_s[key]], res[label]
        for field in ("steps", "neurons", "times", "values"):
            if hasattr(a, field):
                assert getattr(a, field).tobytes() == getattr(b, field).tobytes(), (key, field)
    for proj in sim_s.network.projections:
        assert sim_s.weights(proj).weight.tobytes() == res[f"table:{proj.name}"].weight.tobytes()
    # ... and every engine array and the generator at 100 ms.
    resumed = ns.Simulator.resume(tmp_path / "at100.npz", make_network()[0])
    assert resumed.step == sim_s.step
    assert resumed.rng.bit_generator.state == sim_s.rng.bit_generator.state
    for name, arr in checkpoint.engine_arrays(sim_s).items():
        assert arr.tobytes() == checkpoint.engine_arrays(resumed)[name].tobytes(), name


def test_repeated_checkpoints_in_process_and_continuing_runs(tmp_path, straight):
    sim_s, mons_s = straight
    net, mons = make_network()
    sim = ns.Simulator(net, dt=0.1, seed=11)
    sim.run(23.4)
    sim.checkpoint(tmp_path / "a.npz")
    net, mons = make_network()
    sim = ns.Simulator.resume(tmp_path / "a.npz", net)
    sim.run(40.0)
    sim.checkpoint(tmp_path / "b.npz")
    net, mons = make_network()
    sim = ns.Simulator.resume(tmp_path / "b.npz", net)
    sim.run(36.6)
    _assert_same_records(sim_s, mons_s, sim, mons)
    state_s, state = _state_of(sim_s), _state_of(sim)
    assert all(state_s[k].tobytes() == state[k].tobytes() for k in state_s)


def test_seedless_simulator_resumes_exactly(tmp_path):
    """Without a seed the connectivity is drawn from fresh entropy; resume still rebuilds it,
    from the generator state stored in the checkpoint."""
    net, mons = make_network()
    sim = ns.Simulator(net, dt=0.1)
    sim.run(30.0)
    sim.checkpoint(tmp_path / "c.npz")
    net2, mons2 = make_network()
    other = ns.Simulator.resume(tmp_path / "c.npz", net2)
    sim.run(20.0)
    other.run(20.0)
    _assert_same_records(sim, mons, other, mons2)


def test_a_changed_network_is_refused_naming_the_parameter(tmp_path):
    net, _ = make_network()
    sim = ns.Simulator(net, dt=0.1, seed=1)
    sim.run(5.0)
    sim.checkpoint(tmp_path / "c.npz")
    changed, _ = make_network(a_plus=0.25)
    with pytest.raises(ValueError, match=r"resume: refused: .* was made for a different network"
                                         r".*projections\[0\]\.plasticity\.a_plus: 0\.5 in the "
                                         r"checkpoint, 0\.25 now"):
        ns.Simulator.resume(tmp_path / "c.npz", changed)
    bigger, _ = make_network()
    bigger.population(3, ns.LIF(), name="extra")
    with pytest.raises(ValueError, match=r"different network.*populations \(length\): 4"):
        ns.Simulator.resume(tmp_path / "c.npz", bigger)


def _rewrite_manifest(path, **changes):
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    manifest = json.loads(bytes(arrays["manifest.json"]).decode())
    manifest.update(changes)
    arrays["manifest.json"] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    np.savez(path, **arrays)


def test_another_format_version_is_refused(tmp_path):
    net, _ = make_network()
    sim = ns.Simulator(net, dt=0.1, seed=1)
    sim.checkpoint(tmp_path / "c.npz")
    _rewrite_manifest(tmp_path / "c.npz", format_version=0)
    with pytest.raises(ValueError, match=rf"refused: .* checkpoint format version 0, this "
                                         rf"neurosim .* reads version "
                                         rf"{checkpoint.CHECKPOINT_VERSION}"):
        ns.Simulator.resume(tmp_path / "c.npz", make_network()[0])


def test_tables_that_rebuild_differently_are_refused(tmp_path):
    net, _ = make_network()
    sim = ns.Simulator(net, dt=0.1, seed=1)
    sim.checkpoint(tmp_path / "c.npz")
    other = ns.Simulator(make_network()[0], dt=0.1, seed=2)
    _rewrite_manifest(tmp_path / "c.npz", rng_initial=other._rng_initial)
    with pytest.raises(ValueError, match=r"refused: .*(rebuilt with shape|static table)"):
        ns.Simulator.resume(tmp_path / "c.npz", make_network()[0])


def test_results_file_is_not_a_checkpoint(tmp_path):
    net, _ = make_network()
    sim = ns.Simulator(net, dt=0.1, seed=1)
    io.save_results(tmp_path / "r.npz", sim)
    with pytest.raises(ValueError, match="refused: .*'neurosim.results', not a "
                                         "'neurosim.checkpoint'"):
        ns.Simulator.resume(tmp_path / "r.npz", net)


def test_periodic_checkpoints_during_a_run(tmp_path, straight, monkeypatch):
    sim_s, mons_s = straight
    written = []
    original = ns.Simulator.checkpoint

    def spy(self, path):
        written.append(self.step)
        original(self, path)
    monkeypatch.setattr(ns.Simulator, "checkpoint", spy)
    net, mons = make_network()
    sim = ns.Simulator(net, dt=0.1, seed=11)
    sim.run(10.0)
    sim.run(90.0, checkpoint_every=40.0, checkpoint_path=tmp_path / "p.npz")
    assert written == [400, 800, 1000]
    _assert_same_records(sim_s, mons_s, sim, mons)
    monkeypatch.undo()
    assert io.read_archive(tmp_path / "p.npz", "neurosim.checkpoint",
                           checkpoint.CHECKPOINT_VERSION)[0]["step"] == 1000
    with pytest.raises(ValueError, match="checkpoint_every and checkpoint_path together"):
        sim.run(1.0, checkpoint_every=1.0)
    with pytest.raises(ValueError, match=r"run\.checkpoint_every must be > 0 ms, got -1\.0"):
        sim.run(1.0, checkpoint_every=-1.0, checkpoint_path=tmp_path / "p.npz")


def test_memory_estimate_counts_the_state_of_plastic_synapses(monkeypatch):
    """A plastic projection needs more memory than a static one of the same size; the
    estimate's per-synapse cost matches what the built tables really hold."""
    from neurosim import build

    def network(rule, connector=None):
        connector = ns.AllToAll() if connector is None else connector
        net = ns.Network()
        a = net.population(200, ns.LIF(), name="a")
        net.connect(a, a, connector, weight=1.0, plasticity=rule)
        return net
    def table_bytes(sim):
        return sum(a.nbytes for t in sim._b.ul for a in t)

    stdp = ns.STDP(a_plus=0.01, a_minus=0.01, tau_plus=20.0, tau_minus=20.0, w_max=10.0)
    reduced = ns.STDP(a_plus=0.01, a_minus=0.01, tau_plus=20.0, tau_minus=20.0, w_max=10.0,
                      pairing="reduced")
    reward = ns.RewardSTDP(w_max=10.0)
    # what the estimate assumes: index tables (48 B) plus, for reduced pairing, two flags and
    # the step of the last event per synapse (24 B), for RewardSTDP the eligibility and that
    # step (16 B; its former hand-written kernel kept 72 B)
    for rule, assumed in ((stdp, 48), (reduced, 72), (reward, 64)):
        dense = ns.Simulator(network(rule), dt=0.1, seed=0)
        sparse = ns.Simulator(network(rule, ns.FixedInDegree(20)), dt=0.1, seed=0)
        per_synapse = (table_bytes(dense) - table_bytes(sparse)) \
            / (dense.n_synapses - sparse.n_synapses)
        assert per_synapse == assumed, rule
    assert stdp._definition().bytes_per_synapse() == 48
    assert reduced._definition().bytes_per_synapse() == 72
    assert reward._definition().bytes_per_synapse() == 64
    # 40,000 synapses (AllToAll, streamed): BUILD_BYTES_PER_SYNAPSE each static, 48 + 48 B
    # more each plastic. Half-way between the two estimates is enough for the static network
    # but not for the plastic one.
    static = 40_000 * build.BUILD_BYTES_PER_SYNAPSE
    plastic = static + 40_000 * (48 + 48)
    monkeypatch.setattr(build, "_available_memory", lambda: (static + plastic) // 2)
    ns.Simulator(network(None), dt=0.1)
    with pytest.raises(MemoryError, match=r"about 40,000 synapses.*40,000 plastic, 48 B more "
                                          r"each for traces and indices"):
        ns.Simulator(network(stdp), dt=0.1)


@pytest.mark.parametrize("rule", [
    ns.TripletSTDP(a2_plus=0.5, a3_plus=0.3, a2_minus=0.5, a3_minus=0.1, w_max=400.0,
                   pairing="nearest"),
    ns.RewardSTDP(a_plus=1.0, a_minus=1.5, tau_c=200.0, tau_d=50.0, w_max=400.0),
], ids=["TripletSTDP", "RewardSTDP"])
def test_other_plasticity_rules_resume_exactly(tmp_path, rule):
    """Triplet traces, eligibility and the dopamine level (given between runs) survive."""
    def make():
        net = ns.Network()
        src = net.population(30, ns.PoissonSource(rate=80.0), name="src")
        exc = net.population(20, ns.LIF(), name="exc")
        proj = net.connect(src, exc, ns.FixedProbability(0.4), weight=ns.Uniform(100.0, 200.0),
                           delay=ns.Uniform(0.2, 2.0), plasticity=rule)
        return net, proj, net.record_spikes(exc)

    def script(sim, proj, upto_checkpoint):
        if upto_checkpoint:
            sim.run(30.0)
            if isinstance(rule, ns.RewardSTDP):
                sim.reward(500.0)                        # Hz
            sim.run(10.0)
        else:
            sim.run(15.0)
            if isinstance(rule, ns.RewardSTDP):
                sim.reward(-200.0)
            sim.run(25.0)

    net, proj, mon = make()
    straight = ns.Simulator(net, dt=0.1, seed=4)
    script(straight, proj, True)
    script(straight, proj, False)
    net2, proj2, mon2 = make()
    first = ns.Simulator(net2, dt=0.1, seed=4)
    script(first, proj2, True)
    first.checkpoint(tmp_path / "c.npz")
    net3, proj3, mon3 = make()
    resumed = ns.Simulator.resume(tmp_path / "c.npz", net3)
    script(resumed, proj3, False)
    assert len(straight.data[mon]) > 0
    assert straight.data[mon].steps.tobytes() == resumed.data[mon3].steps.tobytes()
    assert straight.weights(proj).weight.tobytes() == resumed.weights(proj3).weight.tobytes()
    assert not np.array_equal(straight.weights(proj).weight, _weights_at_start(make))
    if isinstance(rule, ns.RewardSTDP):
        assert straight.dopamine(proj) == resumed.dopamine(proj3) != 0.0


def _weights_at_start(make):
    net, proj, _ = make()
    return ns.Simulator(net, dt=0.1, seed=4).weights(proj).weight
