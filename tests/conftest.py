"""Shared test set-up.

- Figures are drawn with matplotlib's Agg backend (no screen; CI sets ``MPLBACKEND=Agg`` too).
- ``brian2_numpy``: Brian2 with its numpy code-generation target and a fresh scope, or the
  test is skipped with the reason (Brian2 is a core dependency, so CI runs these tests).
"""

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def brian2_numpy():
    b2 = pytest.importorskip("brian2", reason="Brian2 is needed to compare with it")
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    return b2
