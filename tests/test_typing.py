"""Type hints of the public API: mypy passes on it and on a README-style caller, the check
catches wrong calls, every public entry point is annotated, and the packages ship py.typed.

``[tool.mypy]`` in pyproject.toml says what is checked; tests/typecheck/usage.py is the caller.
"""

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import artificial
import neurosim as ns
from artificial import io as art_io
from artificial import losses, optimizers, training
from neurosim.network import Network
from neurosim.records import SpikeRecord, StateRecord, WeightRecord, WeightTable

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("mypy", reason="mypy is pinned in the test extra; install it with "
                                   "pip install -e \".[test]\"")


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("mypy_cache")


def mypy(cache, *files):
    """``python -m mypy`` with the project's configuration; ``files`` replace its file list."""
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                           "--cache-dir", str(cache), "--no-color-output", *map(str, files)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_mypy_passes_on_the_public_api_and_the_readme_style_usage(mypy_cache):
    r = mypy(mypy_cache)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success: no issues found" in r.stdout
    assert '"tests/typecheck/usage.py"' in (ROOT / "pyproject.toml").read_text()  # checked too


# Each snippet misuses the API in one way; mypy must name the line (the snippet's last).
WRONG = {
    "result of run() used": """
        sim = ns.Simulator(ns.Network())
        n = sim.run(10.0) + 1
        """,
    "duration as a string": """
        sim = ns.Simulator(ns.Network())
        sim.run("10 ms")
        """,
    "a StateRecord attribute on a spike record": """
        net = ns.Network()
        spikes = net.record_spikes(net.population(1, ns.LIF()))
        values = ns.Simulator(net).data[spikes].values
        """,
    "connect with the pre population's name": """
        net = ns.Network()
        pop = net.population(1, ns.LIF(), name="a")
        net.connect("a", pop, ns.AllToAll())
        """,
    "fit's History used as a float": """
        model = Sequential([Dense(1, input_dim=2)])
        model.compile()
        loss: float = model.fit([[0.0, 1.0]], [[1.0]])
        """,
    "an optimiser's learning rate as a string": """
        opt = Adam(learning_rate="fast")
        """,
    "Dense with the units as a string": """
        layer = Dense("8")
        """,
}


@pytest.mark.parametrize("name", list(WRONG))
def test_mypy_flags_a_wrong_call(name, tmp_path, mypy_cache):
    """The check can fail: each wrong use of the API is reported on its own line."""
    body = textwrap.dedent(WRONG[name]).strip()
    code = ("import neurosim as ns\nfrom artificial import Adam, Dense, Sequential\n\n\n"
            "def f() -> None:\n" + textwrap.indent(body, "    ") + "\n")
    path = tmp_path / "wrong.py"
    path.write_text(code)
    last = len(code.splitlines())
    r = mypy(mypy_cache, path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"wrong.py:{last}: error" in r.stdout, r.stdout
    errors = [ln for ln in r.stdout.splitlines() if ": error" in ln]
    assert all(f"wrong.py:{last}:" in ln for ln in errors), r.stdout


PUBLIC = [
    Network.population, Network.connect, Network.inject, Network.poisson_input, Network.record,
    Network.record_spikes, Network.record_weights,
    ns.Simulator.__init__, ns.Simulator.run, ns.Simulator.get, ns.Simulator.weights,
    ns.Simulator.set_rate, ns.Simulator.reward, ns.Simulator.dopamine, ns.Simulator.checkpoint,
    ns.Simulator.resume, ns.Simulator.t.fget, ns.Simulator.n_synapses.fget,
    SpikeRecord.counts, SpikeRecord.rates, SpikeRecord.mean_rate, SpikeRecord.trains,
    SpikeRecord.to_neo, SpikeRecord.save, SpikeRecord.duration.fget, StateRecord.save,
    WeightRecord.save, WeightTable.matrix, ns.load_record,
    ns.sweep, ns.from_nir, ns.to_nir,
    artificial.Sequential.__init__, artificial.Sequential.add, artificial.Sequential.compile,
    artificial.Sequential.fit, artificial.Sequential.evaluate, artificial.Sequential.evaluate_dict,
    artificial.Sequential.predict, artificial.Sequential.save, artificial.Sequential.build,
    artificial.Sequential.get_weights, artificial.Sequential.set_weights,
    art_io.save_model, art_io.load_model, training.fit, training.EarlyStopping.__init__,
    training.History.__getitem__,
    artificial.Dense.__init__, artificial.SpikeEncoder.__init__, artificial.LIFDense.__init__,
    artificial.LIFRecurrent.__init__,
    optimizers.SGD.__init__, optimizers.RMSprop.__init__, optimizers.Adam.__init__,
    optimizers.get, losses.Loss.__call__, losses.get,
]


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__qualname__)
def test_public_entry_point_is_fully_annotated(fn):
    """Every parameter (but self/cls) and the return carry an annotation, so mypy checks the
    callers (an unannotated parameter would accept anything)."""
    sig = inspect.signature(fn)
    missing = [p.name for p in sig.parameters.values()
               if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty]
    assert not missing, f"{fn.__qualname__}: parameters without a type: {missing}"
    assert sig.return_annotation is not inspect.Signature.empty, \
        f"{fn.__qualname__}: no return type"


def test_packages_ship_py_typed():
    """PEP 561 marker files exist and are package data, so installed copies are checked too."""
    text = (ROOT / "pyproject.toml").read_text()
    data = text.split("[tool.setuptools.package-data]\n", 1)[1].split("\n\n", 1)[0]
    for package in ("neurosim", "artificial"):
        assert (ROOT / package / "py.typed").is_file()
        assert f'{package} = ["py.typed"]' in data.splitlines(), data
