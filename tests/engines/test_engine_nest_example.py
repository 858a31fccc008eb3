"""examples/neurosim_20_three_engines.py runs and writes its figure (a small network)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_three_engines_example_writes_its_figure(tmp_path):
    pytest.importorskip("nest", reason="NEST is an optional extra: pip install -e '.[nest]'")
    out = tmp_path / "three.png"
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "neurosim_20_three_engines.py"),
                        "--n", "400", "--duration", "200", "--out", str(out)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg",
                            "PYNEST_QUIET": "1"})
    assert r.returncode == 0, r.stderr
    assert "nest identical to neurosim spike for spike: True" in r.stdout
    assert out.read_bytes()[:4] == b"\x89PNG"
