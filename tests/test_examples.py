"""The examples run and print what they say, and the article's example is the article's code
with only imports changed."""

import os
import re
import runpy
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script, *args, cwd):
    return subprocess.run([sys.executable, str(ROOT / "examples" / script), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"})


def code_lines(text):
    return [ln.rstrip() for ln in text.splitlines()
            if ln.strip() and not ln.lstrip().startswith(("#", "from ", "import "))]


ARTICLE_IMPORT = re.compile(r"from artificial\.(\w+) import (\w+) +"
                            r"# was: from tensorflow\.keras\.\1 import \2")


def test_article_example_is_the_readme_block_with_only_imports_changed():
    """The example and the README's quick start are the same code, the article's: every
    import from ``artificial`` names the Keras import it replaces, module and class alike."""
    ours = (ROOT / "examples" / "artificial_01_article_xor.py").read_text(encoding="utf-8")
    body = ours.split('"""', 2)[2]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S)
              if "from artificial.models import Sequential" in b]
    assert len(blocks) == 1
    block = blocks[0]
    assert code_lines(body) == code_lines(block)
    for text in (body, block):
        imports = [ln for ln in text.splitlines() if ln.startswith("from artificial")]
        assert len(imports) == 2 and all(ARTICLE_IMPORT.fullmatch(ln) for ln in imports), imports


def parse_matrix(text):
    """The numbers of a printed NumPy column vector, checking that is all that was printed."""
    rows = text.strip().splitlines()
    assert all(re.fullmatch(r" ?\[{1,2} *\S+? *\]{1,2}", r) for r in rows), text
    return np.array([float(r.strip(" []")) for r in rows])


def test_article_example_runs_and_prints_four_predictions(tmp_path):
    """As a user runs it, unseeded: four sigmoid outputs, and a warning when units died."""
    r = run("artificial_01_article_xor.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    p = parse_matrix(r.stdout)
    assert p.shape == (4,) and np.all((p > 0.0) & (p < 1.0)), r.stdout
    if "DeadUnitsWarning" in r.stderr:
        assert re.search(r"dense_0: units \[[01](, 1)?\] of 2", r.stderr), r.stderr


def test_article_example_learns_xor_on_a_seed_that_allows_it(monkeypatch, capsys):
    """The example file, run unchanged with its model seeded from outside, solves XOR within
    0.5 of each target on some seed (the README measures 13 % of seeds), and prints exactly the
    predictions of the model it trained.

    The recipe fails on most seeds, so which seed solves it is not fixed here: seeds are tried
    in order until one does (60 failures in a row would happen with probability 2e-4 at 13 %).
    A broken forward pass, gradient or optimiser solves none.
    """
    import artificial.models

    class Seeded(artificial.models.Sequential):
        seed_to_use = 0

        def __init__(self, layers=None, **kwargs):
            kwargs.setdefault("seed", Seeded.seed_to_use)
            super().__init__(layers, **kwargs)

    monkeypatch.setattr(artificial.models, "Sequential", Seeded)
    truth = np.array([0.0, 1.0, 1.0, 0.0])                  # XOR of the rows of X
    tried = []
    for seed in range(60):
        Seeded.seed_to_use = seed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")                 # dead units: the usual failure
            g = runpy.run_path(str(ROOT / "examples" / "artificial_01_article_xor.py"))
        printed = parse_matrix(capsys.readouterr().out)
        model, X = g["model"], g["X"]
        assert isinstance(model, Seeded) and model.seed == seed
        np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
        p = model.predict(X)[:, 0]
        np.testing.assert_allclose(printed, p, rtol=1e-7, atol=1e-8)  # NumPy prints 8 digits
        tried.append(seed)
        if np.all(np.abs(p - truth) < 0.5):
            break
    else:
        pytest.fail(f"the article's example solved XOR on none of seeds {tried}")
    assert model.evaluate(X, g["y"])[1] == 1.0              # its own accuracy metric agrees


def test_digits_example_writes_its_learning_curves(tmp_path):
    out = tmp_path / "curves.png"
    r = run("artificial_03_digits.py", "--epochs", "3", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    acc = float(re.search(r"test accuracy (\d\.\d+)", r.stdout).group(1))
    assert acc > 0.85, r.stdout          # 10 classes: chance is 0.1; 3 epochs reach about 0.9
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_digits_example_writes_into_out_not_the_working_folder(tmp_path):
    r = run("artificial_03_digits.py", "--epochs", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "artificial_03_digits.png").read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert "wrote out/artificial_03_digits.png" in r.stdout


def test_snn_digits_example_trains_and_reports(tmp_path):
    r = run("artificial_30_snn_digits.py", "--epochs", "2", "--steps", "8", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    acc = float(re.search(r"test accuracy (\d\.\d+)", r.stdout).group(1))
    assert acc > 0.3  # two short epochs: far above chance (0.1), far from done
    assert "time per epoch" in r.stdout


def test_snn_to_neurosim_example_reproduces_the_sequential_then_varies_it(tmp_path):
    """Small settings: neurosim, fed the same trains, gives the Sequential's hidden spikes and
    predictions exactly, and the table has every variant with an accuracy in [0, 1]."""
    pytest.importorskip("nir", reason="the example exchanges the model through NIR (nir extra)")
    r = run("artificial_31_snn_to_neurosim.py", "--epochs", "1", "--steps", "8", "--n-test",
            "30", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    m = re.search(r"hidden spikes differing from the Sequential's: (\d+) of (\d+); "
                  r"predictions differing: (\d+)", r.stdout)
    assert m and m.group(1) == "0" and int(m.group(2)) > 100 and m.group(3) == "0", r.stdout
    rows = dict(re.findall(r"^(\S.*?)\s{2,}(\d\.\d{4})\s+\d\.\d{4}$", r.stdout, re.M))
    assert rows["neurosim, the same graph"] == rows["Sequential (artificial, NumPy)"], r.stdout
    assert len(rows) == 14, r.stdout


@pytest.mark.parametrize("script", ["neurosim_01_lif_analytic.py", "neurosim_02_delay_chain.py",
                                    "neurosim_03_cuba.py", "neurosim_04_izhikevich_classes.py",
                                    "neurosim_13_masquelier_pattern.py"])
def test_neurosim_examples_run_and_write_their_figure(script, tmp_path):
    r = run(script, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    png = tmp_path / "out" / script.replace(".py", ".png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    if script == "neurosim_01_lif_analytic.py":   # "equals the closed form to rounding error"
        error = float(re.search(r"max \|simulated - analytic\| on the grid: (\S+) mV",
                                r.stdout).group(1))
        assert error < 1e-9, r.stdout
    if script == "neurosim_04_izhikevich_classes.py":
        # The resonator fires for the pair one oscillation period apart and not for the pair
        # half a period apart (the eigenvalue analysis in the script's docstring); every other
        # class, driven above threshold, fires; the script says what it wrote.
        assert "pulses 20.5 ms apart from 20 ms: no spike" in r.stdout, r.stdout
        assert "pulses 41 ms apart from 100 ms: fires" in r.stdout, r.stdout
        counts = dict(re.findall(r"^(\S[^\n]*?) +(\d+) spikes?", r.stdout, re.M))
        assert len(counts) == 7 and all(int(c) > 0 for c in counts.values()), r.stdout
        assert "wrote out/neurosim_04_izhikevich_classes.png" in r.stdout


def test_brunel_phase_diagram_example_sweeps_and_resumes(tmp_path):
    pytest.importorskip("dask.distributed", reason="the ensemble extra: pip install -e '.[ensemble]'")
    pytest.importorskip("pandas", reason="the ensemble extra: pip install -e '.[ensemble]'")
    script = "neurosim_14_brunel_phase_diagram.py"
    r = run(script, "--quick", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "18 runs (0 resumed" in r.stdout, r.stdout
    png = tmp_path / "out" / script.replace(".py", ".png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert len(list((tmp_path / "out" / "brunel_runs_quick").glob("run-*.npz"))) == 18
    # g = 3 fires near the refractory limit, regularly; g = 7 slowly and irregularly (its CV
    # is 1.25 in 900 ms; the 200 ms of --quick bias it down, to 0.72 with these seeds).
    rows = {tuple(map(float, m[:2])): (float(m[2]), float(m[3])) for m in re.findall(
        r"^\s*(\d\.\d)\s+(\d\.\d)\s+(\S+)\s+(\S+)\s*$", r.stdout, re.M)}
    assert rows[(3.0, 2.0)][0] > 200 and rows[(3.0, 2.0)][1] < 0.2, r.stdout
    assert rows[(7.0, 2.0)][0] < 40 and rows[(7.0, 2.0)][1] > 0.6, r.stdout
    again = run(script, "--quick", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "18 runs (18 resumed" in again.stdout, again.stdout
