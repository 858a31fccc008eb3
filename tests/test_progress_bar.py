"""Progress bars in notebooks (issue 14 item 16): ``tqdm.auto`` warns "IProgress not found" in a
Jupyter kernel without ipywidgets; ``nsdurable.progress_bar``, which ``fit(verbose=1)`` uses,
draws a text bar there without a warning.

A Jupyter kernel is recognised by ``ipykernel.zmqshell`` being imported (tqdm's own test); each
check runs in a fresh process that plants stand-in ``ipykernel.zmqshell`` and ``IPython``
modules, with ipywidgets made unimportable, so that tqdm sees a notebook without widgets.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FAKE_NOTEBOOK = """
import sys, types, warnings
class ZMQInteractiveShell: pass
ipython = types.ModuleType("IPython"); ipython.get_ipython = lambda: ZMQInteractiveShell()
sys.modules["IPython"] = ipython
sys.modules["ipykernel"] = types.ModuleType("ipykernel")
sys.modules["ipykernel.zmqshell"] = types.ModuleType("ipykernel.zmqshell")
sys.modules["ipywidgets"] = None  # import ipywidgets -> ImportError
warnings.simplefilter("always")
"""


def run_in_fake_notebook(code):
    env = {k: v for k, v in os.environ.items() if k != "QT_API" and not k.startswith("SPYDER")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-c", FAKE_NOTEBOOK + code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_stand_in_notebook_reproduces_the_tqdm_auto_warning():
    """The set-up is faithful: tqdm.auto does warn in it (else the next tests prove nothing)."""
    r = run_in_fake_notebook("from tqdm.auto import tqdm\nfor _ in tqdm(range(3)): pass\n")
    assert r.returncode == 0, r.stderr
    assert "IProgress not found" in r.stderr


def test_progress_bar_is_a_text_bar_without_a_warning_in_a_notebook_without_ipywidgets():
    r = run_in_fake_notebook(
        "import nsdurable, tqdm.std\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    bar = nsdurable.progress_bar(total=3, desc='x')\n"
        "    bar.update(3); bar.close()\n"
        "print(type(bar) is tqdm.std.tqdm, [str(w.message) for w in caught])\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[0] == "True []", r.stdout
    assert "3/3" in r.stderr  # the text bar was drawn


def test_fit_verbose_1_in_a_notebook_without_ipywidgets_draws_a_bar_and_does_not_warn():
    r = run_in_fake_notebook(
        "import numpy as np\n"
        "from artificial import Sequential, Dense\n"
        "m = Sequential(seed=0); m.add(Dense(1, input_dim=2, activation='sigmoid'))\n"
        "m.compile(loss='binary_crossentropy', optimizer='sgd')\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    m.fit(np.eye(2), np.array([0, 1]), epochs=4, verbose=1)\n"
        "print([str(w.message) for w in caught])\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]", r.stdout
    assert "training" in r.stderr and "4/4" in r.stderr, r.stderr


def test_progress_bar_is_the_notebook_widget_when_ipywidgets_is_installed():
    pytest.importorskip("ipywidgets", reason="ipywidgets is optional (pip install -e '.[notebook]')")
    code = FAKE_NOTEBOOK.replace('sys.modules["ipywidgets"] = None', "")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code + "import nsdurable, tqdm.notebook\n"
                        "print(isinstance(nsdurable.progress_bar(total=1), tqdm.notebook.tqdm))\n"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.stdout.strip().endswith("True"), r.stderr


def test_progress_bar_outside_a_notebook_is_the_text_bar(capsys):
    import tqdm.std

    import nsdurable

    bar = nsdurable.progress_bar(total=2, file=sys.stderr)
    bar.update(2)
    bar.close()
    assert type(bar) is tqdm.std.tqdm
    assert "2/2" in capsys.readouterr().err


def test_simulator_progress_in_a_notebook_without_ipywidgets_draws_a_bar_and_does_not_warn():
    r = run_in_fake_notebook(
        "import neurosim as ns\n"
        "net = ns.Network(); net.population(2, ns.LIF(), name='p')\n"
        "sim = ns.Simulator(net, dt=0.1, progress=True)\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    sim.run(10.0)\n"
        "print([str(w.message) for w in caught if 'IProgress' in str(w.message)])\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().split("\n")[-1] == "[]", r.stdout
    assert "neurosim" in r.stderr and "100/100" in r.stderr, r.stderr
