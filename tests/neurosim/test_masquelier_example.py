"""The Masquelier, Guyonneau & Thorpe (2008) example: with STDP the neuron ends up firing
inside the repeated pattern and nowhere else, earlier than at the start; without STDP it
does not."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def load():
    path = ROOT / "examples" / "neurosim_13_masquelier_pattern.py"
    spec = importlib.util.spec_from_file_location("neurosim_13_masquelier_pattern", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ex():
    return load()


@pytest.mark.slow
def test_stdp_neuron_becomes_selective_to_the_pattern(ex):
    r = ex.run(duration=100000.0, seed=1)
    early, late = r["early"], r["late"]
    # at the start it fires everywhere (tens of Hz outside the pattern) ...
    assert early["false_alarm_hz"] > 10.0
    # ... at the end inside (almost) every presentation and nowhere else
    assert late["hit_rate"] >= 0.9
    assert late["false_alarm_hz"] <= 1.0
    # its first spike moves towards the pattern start
    assert late["latency_ms"] < 10.0
    assert late["latency_ms"] < early["latency_ms"] - 3.0
    w = r["weights"]
    pattern, others = w[:ex.N_PATTERN], w[ex.N_PATTERN:]
    assert pattern.mean() > 2.5 * others.mean()
    assert np.mean(pattern > 0.8) > 0.1          # a group of pattern afferents at the bound
    assert np.mean(others < 0.2) > 0.75          # the rest depressed
    strongest = np.argsort(w)[-50:]
    assert np.all(strongest < ex.N_PATTERN)      # the 50 strongest synapses are all pattern


@pytest.mark.slow
def test_without_stdp_the_neuron_is_not_selective(ex):
    r = ex.run(duration=100000.0, seed=1, plastic=False)
    late = r["late"]
    # the control must fail the selectivity criterion the learned neuron passes
    assert late["false_alarm_hz"] > 1.0
    assert np.all(r["weights"] == pytest.approx(ex.W_INIT))


def test_input_has_the_papers_statistics(ex):
    rng = np.random.default_rng(0)
    trains, starts = ex.make_input(4000.0, rng)
    counts = np.array([t.size for t in trains])
    assert counts.mean() / 4.0 == pytest.approx(64.0, abs=4.0)      # Hz, with the 10 Hz noise
    assert starts.size == int(ex.PATTERN_FRACTION * 4000.0 / ex.PATTERN_MS)
    assert np.all(np.diff(starts) > ex.PATTERN_MS)                 # never back to back
    for t in trains[:50]:
        np.testing.assert_allclose(t / ex.DT, np.round(t / ex.DT), atol=1e-6)   # on the grid
        assert np.all(np.diff(t) > 0)
    # the pattern afferents repeat themselves across presentations (up to the 1 ms jitter
    # and the noise spikes); the others do not
    def window_counts(a):
        return np.array([np.sum((trains[a] >= s) & (trains[a] < s + ex.PATTERN_MS))
                         for s in starts])
    pat = np.mean([np.std(window_counts(a)) for a in range(20)])
    non = np.mean([np.std(window_counts(a)) for a in range(ex.N_PATTERN, ex.N_PATTERN + 20)])
    assert pat < 0.7 * non
