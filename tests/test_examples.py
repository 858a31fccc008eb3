"""The examples run, and the article's example is the article's code with only imports changed."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT.parent / "shared" / "seed" / "article.md"


def run(script, *args, cwd):
    return subprocess.run([sys.executable, str(ROOT / "examples" / script), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"})


def code_lines(text):
    return [ln.rstrip() for ln in text.splitlines()
            if ln.strip() and not ln.lstrip().startswith(("#", "from ", "import "))]


@pytest.mark.skipif(not ARTICLE.exists(), reason="the source article lives in the project's "
                    "shared/ folder, which only a development checkout has beside it")
def test_article_example_is_the_article_code_with_imports_changed():
    article = ARTICLE.read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?from tensorflow\.keras.*?)```", article, re.S).group(1)
    ours = (ROOT / "examples" / "01_article_xor.py").read_text(encoding="utf-8")
    body = ours.split('"""', 2)[2]
    assert code_lines(body) == code_lines(block)


def test_article_example_runs_and_prints_four_predictions(tmp_path):
    r = run("01_article_xor.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    values = [float(v) for v in re.findall(r"[-+]?\d*\.\d+(?:e[-+]?\d+)?", r.stdout)]
    assert len(values) == 4 and all(0.0 <= v <= 1.0 for v in values)


def test_digits_example_writes_its_learning_curves(tmp_path):
    out = tmp_path / "curves.png"
    r = run("03_digits.py", "--epochs", "3", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "test accuracy" in r.stdout
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_snn_digits_example_trains_and_reports(tmp_path):
    r = run("artificial_30_snn_digits.py", "--epochs", "2", "--steps", "8", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    acc = float(re.search(r"test accuracy (\d\.\d+)", r.stdout).group(1))
    assert acc > 0.3  # two short epochs: far above chance (0.1), far from done
    assert "time per epoch" in r.stdout


@pytest.mark.parametrize("script", ["neurosim_01_lif_analytic.py", "neurosim_02_delay_chain.py",
                                    "neurosim_03_cuba.py", "neurosim_04_izhikevich_classes.py",
                                    "neurosim_13_masquelier_pattern.py"])
def test_neurosim_examples_run_and_write_their_figure(script, tmp_path):
    r = run(script, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    png = tmp_path / "out" / script.replace(".py", ".png")
    assert png.read_bytes()[:4] == b"\x89PNG"
