"""The engines comparison: the same network gives the same statistics on every engine."""

import importlib.util

import numpy as np
import pytest

from comparisons import engines


@pytest.fixture(scope="module")
def data():
    return engines.compute(quick=True, time_imports=True)


def test_neurosim_and_brian2_agree_exactly(data):
    a, b = data["engines"]["neurosim"], data["engines"]["brian2"]
    assert a["available"] and b["available"]
    # the same realised network, delays and stamping convention: the same spikes
    assert a["n_spikes"] == b["n_spikes"] > 0
    assert sorted(zip(a["times"], a["neurons"])) == sorted(zip(b["times"], b["neurons"]))


@pytest.mark.skipif(importlib.util.find_spec("nest") is None,
                    reason="NEST is an optional engine (pip install -e '.[nest]')")
def test_nest_agrees_within_the_issue_tolerances(data):
    n, ref = data["engines"]["nest"], data["engines"]["neurosim"]
    assert n["available"], n.get("reason")
    assert abs(n["mean_rate_hz"] - ref["mean_rate_hz"]) <= 0.10 * ref["mean_rate_hz"]
    assert abs(n["cv_isi"] - ref["cv_isi"]) <= 0.05
    assert abs(n["silent_fraction"] - ref["silent_fraction"]) <= 0.05
    # with a delay NEST can express exactly (two steps), it gives the very same spikes
    assert sorted(zip(n["times"], n["neurons"])) == sorted(zip(ref["times"], ref["neurons"]))


def test_numbers_and_text(data):
    nums = engines.numbers(data)
    assert set(nums) == set(engines.ENGINES)
    assert "Mean rates differ by" in engines.describe(data)["measured"]
    for engine, v in nums.items():
        if v.get("available", True):
            # every part reported on its own (issue 14 item 1), none folded into another
            for key, _ in engines.PARTS:
                assert np.isfinite(v[key]) and v[key] >= 0, (engine, key, v[key])
            assert f"{engine}: rate" in engines.describe(data)["measured"]
            assert f"first step {v['first_step_s']:.2f} s, run {v['run_s']:.2f} s" in \
                engines.describe(data)["measured"]


def test_timing_the_first_step_apart_does_not_change_the_simulation(data):
    """run(dt) then run(T - dt), as compute() times them, gives the spikes of one run(T)."""
    import neurosim as ns

    net, mon = engines.cuba()
    sim = ns.Simulator(net, dt=0.1, seed=data["seed"])
    sim.run(data["t_sim_ms"])
    rec, ours = sim.data[mon], data["engines"]["neurosim"]
    assert len(rec) == ours["n_spikes"] > 0
    np.testing.assert_array_equal(np.asarray(rec.times), ours["times"])
    np.testing.assert_array_equal(np.asarray(rec.neurons), ours["neurons"])


def test_a_missing_engine_is_listed_and_the_others_still_run(monkeypatch):
    import neurosim as ns

    real = ns.Simulator

    def simulator(net, *args, engine="neurosim", **kwargs):
        if engine == "nest":
            raise ImportError("No module named 'nest' (pip install -e '.[nest]')")
        return real(net, *args, engine=engine, **kwargs)

    monkeypatch.setattr(ns, "Simulator", simulator)
    monkeypatch.setattr(engines, "ENGINES", ("neurosim", "nest"))
    data = engines.compute(quick=True)
    assert data["engines"]["neurosim"]["available"]
    assert data["engines"]["nest"] == {"available": False,
                                       "reason": "No module named 'nest' (pip install -e '.[nest]')"}
    assert "Not run: nest (No module named 'nest'" in engines.describe(data)["measured"]
    fig = engines.plot(data)
    assert "nest not run" in fig._suptitle.get_text()


def test_a_quick_run_says_it_did_not_time_the_imports(monkeypatch):
    monkeypatch.setattr(engines, "ENGINES", ("neurosim",))
    data = engines.compute(quick=True)
    assert data["imports_timed"] is False
    v = engines.numbers(data)["neurosim"]
    assert v["import_s"] is None and v["build_s"] > 0 and v["run_s"] > 0
    text = engines.describe(data)
    assert "not timed in this quick run" in text["shows"]
    assert "neurosim: rate" in text["measured"] and "import" not in text["measured"]
    fig = engines.plot(data)
    assert "imports not timed" in fig._suptitle.get_text()
    assert any("import not timed" in ax.get_title() for ax in fig.axes)
    assert not engines.compute(quick=False, time_imports=False)["imports_timed"]
