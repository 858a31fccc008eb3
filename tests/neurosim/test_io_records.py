"""Saving and loading records and results: bitwise round trips, atomic writes that survive an
error or a SIGKILL mid-save."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import neurosim as ns
from neurosim import archive, io

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _network():
    net = ns.Network()
    src = net.population(30, ns.PoissonSource(rate=80.0), name="src")
    exc = net.population(20, ns.LIF(), name="exc", v=ns.Uniform(-60.0, -50.0))
    plastic = net.connect(src, exc, ns.FixedProbability(0.3), weight=ns.Normal(150.0, 10.0),
                          delay=ns.Uniform(0.5, 3.0),
                          plasticity=ns.STDP(a_plus=0.5, a_minus=0.5, tau_plus=20.0,
                                             tau_minus=20.0, w_max=400.0))
    net.connect(exc, exc, ns.FixedProbability(0.2), weight=5.0, delay=0.3)
    mons = {"spikes": net.record_spikes(exc),
            "state": net.record(exc, "v", neurons=[0, 4, 7], every=0.3),
            "weights": net.record_weights(plastic, every=1.1, synapses=[0, 2, 5])}
    return net, mons, plastic


@pytest.fixture(scope="module")
def simulated():
    net, mons, plastic = _network()
    sim = ns.Simulator(net, dt=0.1, seed=7)
    sim.run(60.1)
    records = {k: sim.data[m] for k, m in mons.items()}
    records["table"] = sim.weights(plastic)
    assert len(records["spikes"]) > 0 and len(records["state"]) > 0
    return sim, records


def _assert_bitwise(a, b):
    assert type(a) is type(b)
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            assert x.tobytes() == y.tobytes(), f.name
        else:
            assert type(x) is type(y) and x == y, f.name


@pytest.mark.parametrize("kind", ["spikes", "state", "weights", "table"])
def test_every_record_type_round_trips_bitwise(tmp_path, simulated, kind):
    _, records = simulated
    rec = records[kind]
    path = tmp_path / f"{kind}.npz"
    rec.save(path)
    _assert_bitwise(ns.load_record(path), rec)
    path2 = tmp_path / f"{kind}2.npz"
    io.save_record(rec, path2)
    _assert_bitwise(io.load_record(path2), rec)


def test_awkward_values_round_trip(tmp_path):
    """Floats with long reprs, empty arrays, inf and unicode names survive the manifest."""
    rec = ns.SpikeRecord(times=np.zeros(0), neurons=np.zeros(0, dtype=np.int64),
                         steps=np.zeros(0, dtype=np.int64), n_neurons=3, t_start=0.1 + 0.2,
                         t_stop=float("inf"), population="Γ-cells")
    rec.save(tmp_path / "r.npz")
    back = ns.load_record(tmp_path / "r.npz")
    _assert_bitwise(back, rec)
    assert back.t_start == 0.1 + 0.2


def test_records_written_before_the_manifest_still_load(tmp_path):
    rec = ns.StateRecord(times=[0.1, 0.2], values=[[1.0], [2.0]], neurons=[3], variable="v",
                         population="exc")
    np.savez(tmp_path / "old.npz", kind="state", times=rec.times, values=rec.values,
             neurons=rec.neurons, variable=rec.variable, population=rec.population)
    _assert_bitwise(ns.load_record(tmp_path / "old.npz"), rec)


def test_save_record_refuses_other_objects(tmp_path):
    with pytest.raises(TypeError, match="save_record: record must be one of"):
        io.save_record({"times": [1.0]}, tmp_path / "x.npz")


def test_whole_results_round_trip_with_manifest(tmp_path, simulated):
    sim, records = simulated
    path = tmp_path / "results.npz"
    io.save_results(path, sim)
    res = io.load_results(path)
    _assert_bitwise(res["spikes:exc"], records["spikes"])
    _assert_bitwise(res["v:exc"], records["state"])
    _assert_bitwise(res[f"weights:{records['weights'].projection}"], records["weights"])
    _assert_bitwise(res[f"table:{records['table'].projection}"], records["table"])
    m = res.manifest
    assert (m["seed"], m["dt"], m["step"], m["t"]) == (7, 0.1, sim.step, sim.t)
    assert m["network_hash"] == io.network_hash(sim.network)
    assert set(m["versions"]) == {"neurosim", "numpy", "python"}
    assert m["versions"]["numpy"] == np.__version__
    lif = m["network"]["populations"][1]["model"]
    assert lif["type"] == "LIF" and lif["tau_m"] == ns.LIF().tau_m
    with pytest.raises(KeyError, match="no record 'spikes:nope'; valid:"):
        res["spikes:nope"]
    with pytest.raises(ValueError, match="holds a 'neurosim.results', not a 'neurosim.record'"):
        io.load_record(path)


def test_newer_format_version_is_refused(tmp_path, simulated):
    _, records = simulated
    path = tmp_path / "r.npz"
    records["spikes"].save(path)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    manifest = json.loads(bytes(arrays["manifest.json"]).decode())
    manifest["format_version"] = io.FORMAT_VERSION + 1
    arrays["manifest.json"] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=rf"format version {io.FORMAT_VERSION + 1}; this "
                                         rf"neurosim .* reads up to {io.FORMAT_VERSION}"):
        ns.load_record(path)


def test_a_save_failing_midway_leaves_the_previous_file_and_no_temp_file(tmp_path, simulated,
                                                                         monkeypatch):
    _, records = simulated
    path = tmp_path / "spikes.npz"
    records["spikes"].save(path)
    before = path.read_bytes()

    def failing_writer(f, arrays):
        f.write(b"PK\x03\x04 half a zip file")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(archive, "_write_npz", failing_writer)
    with pytest.raises(OSError, match="No space left"):
        records["state"].save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["spikes.npz"]
    monkeypatch.undo()
    _assert_bitwise(ns.load_record(path), records["spikes"])


def test_save_into_a_missing_folder_names_it(tmp_path, simulated):
    _, records = simulated
    with pytest.raises(FileNotFoundError, match="does not exist"):
        records["spikes"].save(tmp_path / "nope" / "x.npz")


def test_sigkill_while_saving_leaves_the_previous_file_intact(tmp_path, simulated):
    """A child process saves once, then starts a second, deliberately slow save and is
    killed with SIGKILL in the middle of it: the first file is untouched and loads."""
    _, records = simulated
    path = tmp_path / "spikes.npz"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {ROOT!r})
        import numpy as np
        from neurosim import archive
        import neurosim as ns
        rec = ns.SpikeRecord(times=np.arange(5) * 0.1, neurons=np.arange(5),
                             steps=np.arange(5), n_neurons=5, t_start=0.0, t_stop=1.0,
                             population="first")
        rec.save({str(path)!r})
        def slow_writer(f, arrays):
            f.write(b"PK\\x03\\x04" + b"x" * 100000)
            f.flush()
            print("writing", flush=True)
            time.sleep(60)
        archive._write_npz = slow_writer
        ns.SpikeRecord(times=[], neurons=[], steps=[], n_neurons=1, t_start=0.0,
                       t_stop=2.0, population="second").save({str(path)!r})
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "writing", child.stderr.read()
        temps = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
        assert len(temps) == 1  # the second save is under way, in a temporary file
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    rec = ns.load_record(path)
    assert rec.population == "first" and rec.t_stop == 1.0
    np.testing.assert_array_equal(rec.steps, np.arange(5))


def test_a_record_repr_shows_shapes_not_values(simulated):
    _, records = simulated
    text = repr(records["spikes"])
    rec = records["spikes"]
    assert text.startswith("SpikeRecord(") and f"times=<{rec.times.size} float64>" in text
    assert f"population={rec.population!r}" in text
    assert len(text) < 400 and str(rec.times[-1]) not in text   # no array values dumped
    assert "values=<" in repr(records["state"])


def test_results_behave_like_a_read_only_mapping(tmp_path, simulated):
    sim, _ = simulated
    ns.save_results(tmp_path / "r.npz", sim)
    res = ns.load_results(tmp_path / "r.npz")
    assert list(res.keys()) == list(res) and len(res.keys()) == len(res) > 0
    for (label, record), value in zip(res.items(), res.values()):
        assert res[label] is record is value
