"""The plasticity examples reach their stated outcome with their fixed seed."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurosim as ns

ROOT = Path(__file__).resolve().parents[2]


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_song_abbott_weights_become_bimodal():
    ex = load("neurosim_10_song_abbott_stdp")
    sim, proj, initial, out, _ = ex.run(duration=60000.0, seed=1)
    final = sim.weights(proj)
    low0, high0 = ns.analysis.bound_fractions(initial, 0.0, ex.G_MAX, edge=0.1)
    low, high = ns.analysis.bound_fractions(final, 0.0, ex.G_MAX, edge=0.1)
    # uniform start: about 10 % in each outer band; after learning a third at each bound
    assert low0 < 0.15 and high0 < 0.15
    assert low > 0.25 and high > 0.2
    middle = np.mean((final.weight > 0.3 * ex.G_MAX) & (final.weight < 0.7 * ex.G_MAX))
    assert middle < 0.25
    assert ns.analysis.bimodality_coefficient(initial) < 5 / 9 + 0.03
    assert ns.analysis.bimodality_coefficient(final) > 0.7
    rec = sim.data[out]
    first, last = np.sum(rec.times < 5000.0), np.sum(rec.times >= sim.t - 5000.0)
    assert last < 0.8 * first        # the output rate falls as the weights compete


@pytest.mark.slow
def test_song_abbott_script_writes_its_figure(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "neurosim_10_song_abbott_stdp.py")],
                       cwd=tmp_path, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr
    assert "bimodality coefficient" in r.stdout
    assert (tmp_path / "out" / "neurosim_10_song_abbott_stdp.png").read_bytes()[:4] == b"\x89PNG"


def test_bimodality_coefficient_of_known_shapes():
    rng = np.random.default_rng(0)
    assert ns.analysis.bimodality_coefficient(rng.uniform(size=200000)) == \
        pytest.approx(5 / 9, abs=0.01)
    assert ns.analysis.bimodality_coefficient(rng.normal(size=200000)) == \
        pytest.approx(1 / 3, abs=0.01)
    two = np.concatenate([rng.normal(0, 0.05, 1000), rng.normal(1, 0.05, 1000)])
    assert ns.analysis.bimodality_coefficient(two) > 0.9
    assert ns.analysis.bound_fractions([0.0, 0.05, 0.5, 0.95, 1.0], 0.0, 1.0) == (0.4, 0.4)


@pytest.mark.slow
def test_plasticity_rules_example_matches_its_formulas():
    ex = load("neurosim_11_plasticity_rules")
    rule = ns.STDP(a_plus=0.01, a_minus=0.012, tau_plus=16.8, tau_minus=33.7)
    dts, dw = ex.stdp_window(rule)
    np.testing.assert_allclose(dw, rule.window(dts), rtol=0, atol=1e-12)
    dep, dep_ss = ex.stp_amplitudes(ns.TsodyksMarkram(U=0.5, tau_rec=800.0, tau_fac=0.0))
    assert dep[0] == pytest.approx(0.5, abs=1e-9)
    assert dep[-1] == pytest.approx(dep_ss, rel=1e-4)
    rates, trip = ex.triplet_frequency(rates=(1.0, 50.0))
    assert trip[0] < 0 < trip[1]


@pytest.mark.slow
def test_reward_task_learning_curve_rises():
    ex = load("neurosim_12_reward_stdp_task")
    order, answered, weights = ex.run(n_trials=300, seed=3)
    curve = ex.learning_curve(order, answered)
    assert curve.size == 15
    assert curve[:2].mean() <= 0.75                  # starts near chance
    assert curve[-5:].mean() >= 0.85                 # ends mostly correct
    assert weights[-1, 0] > 2 * weights[0, 0]        # A potentiated
    assert weights[-1, 1] < 0.6 * weights[0, 1]      # B depressed
    late = slice(200, 300)
    assert answered[late][order[late] == 0].mean() > 0.9
    assert answered[late][order[late] == 1].mean() < 0.3
