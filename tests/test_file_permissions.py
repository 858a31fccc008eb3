"""Files the project writes get the permissions ``open(path, "w")`` would give them.

Every writer goes through :func:`nsdurable.atomic_write`, which writes a temporary file made by
``tempfile.mkstemp`` (mode 0600) and renames it over the target; without a ``chmod`` every
result, checkpoint, model and report page would be readable by its owner only. A new file must
get ``0o666 & ~umask``; a file that is replaced keeps its mode, as with ``open``.
"""

import os
import stat

import pytest

import neurosim as ns
from artificial import Dense, Sequential
from comparisons import report
from nsdurable import atomic_write


@pytest.fixture(params=[0o022, 0o027, 0o002], ids=lambda m: f"umask {m:03o}")
def umask(request):
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_write_honours_the_umask_like_open(tmp_path, umask):
    with open(tmp_path / "by_open", "wb") as f:
        f.write(b"x")
    atomic_write(tmp_path / "by_atomic_write", lambda f: f.write(b"x"))
    assert mode(tmp_path / "by_atomic_write") == mode(tmp_path / "by_open") == 0o666 & ~umask


def test_replacing_a_file_keeps_its_mode(tmp_path, umask):
    path = tmp_path / "kept"
    path.write_bytes(b"old")
    os.chmod(path, 0o604)
    atomic_write(path, lambda f: f.write(b"new"))
    assert path.read_bytes() == b"new" and mode(path) == 0o604


def test_every_public_writer_gives_the_umask_mode(tmp_path, umask):
    expected = 0o666 & ~umask
    written = []

    # neurosim: results, one record, a checkpoint, streamed spike chunks
    net = ns.Network()
    src = net.population(5, ns.PoissonSource(rate=200.0), name="src")
    spikes = net.record_spikes(src)
    sim = ns.Simulator(net, dt=0.1, seed=1)
    sim.run(5.0)
    ns.save_results(tmp_path / "results.npz", sim)
    streamed = ns.Simulator(net, dt=0.1, seed=1, stream_spikes_to=tmp_path / "stream")
    streamed.run(5.0)
    chunks = os.listdir(tmp_path / "stream")
    assert chunks
    written += [os.path.join("stream", c) for c in chunks]
    ns.io.save_record(sim.data[spikes], tmp_path / "record.npz")
    sim.checkpoint(tmp_path / "checkpoint.npz")
    written += ["results.npz", "record.npz", "checkpoint.npz"]

    # artificial: a model
    model = Sequential(seed=0)
    model.add(Dense(2, input_dim=2, activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam")
    model.save(tmp_path / "model.npz")
    written.append("model.npz")

    # comparisons: a figure, a JSON file and the index page
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(1, 1))
    report._save_figure(fig, str(tmp_path / "fig.png"))
    plt.close(fig)
    report._write_atomic(str(tmp_path / "numbers.json"), b"{}")
    report.write_index(str(tmp_path), [report.Outcome("neuron", "skipped", message="test")],
                       quick=True)
    written += ["fig.png", "numbers.json", "index.html"]

    modes = {name: oct(mode(tmp_path / name)) for name in written}
    assert modes == {name: oct(expected) for name in written}
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]
