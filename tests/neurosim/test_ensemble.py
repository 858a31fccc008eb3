"""``ns.sweep`` on a dask LocalCluster of 2 worker processes.

Truth: the same functions called serially in this process with the same seeds (the table and
the saved records must be bitwise equal); a log of which runs the workers really executed
(resuming must run exactly the missing ones); a run that fails once.
"""

import functools
import os
import sys
import threading
import types
import warnings

import numpy as np
import pytest

import neurosim as ns

pytest.importorskip("dask.distributed", reason="the ensemble extra: pip install -e '.[ensemble]'")
pytest.importorskip("pandas", reason="the ensemble extra: pip install -e '.[ensemble]'")
import cloudpickle  # noqa: E402  (comes with dask)

# The workers are fresh processes that may not find this test module on their path: its
# functions travel by value, as those of a script's __main__ do.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


def small_network(seed, w, drive):
    """An excitatory LIF population driven by Poisson sources: rate, CV and the records."""
    net = ns.Network()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0)
    cells = net.population(40, lif, name="cells", v=ns.Uniform(-65.0, -50.0))
    noise = net.population(50, ns.PoissonSource(rate=drive), name="noise")
    net.connect(noise, cells, ns.FixedInDegree(20), synapse=ns.ExpCurrent(tau=5.0), weight=w,
                delay=0.5)
    net.connect(cells, cells, ns.FixedTotalNumber(200), synapse=ns.ExpCurrent(tau=5.0),
                weight=-20.0, delay=1.0)
    spikes = net.record_spikes(cells)
    trace = net.record(cells, "v", neurons=[0, 1], every=1.0)
    sim = ns.Simulator(net, dt=0.1, seed=seed)
    sim.run(100.0)
    rec = sim.data[spikes]
    cv = ns.analysis.cv_isi(rec)
    return {"rate": rec.mean_rate(), "n_spikes": len(rec), "label": f"w{w}",
            "cv": float(np.nanmean(cv)) if np.isfinite(cv).any() else float("nan"),
            "spikes": rec, "v": sim.data[trace].values}


def _scalars(result):
    return {k: v for k, v in result.items() if k not in ("spikes", "v")}


def _same(a, b):
    return a == b or (isinstance(a, float) and isinstance(b, float) and np.isnan(a)
                      and np.isnan(b))


def test_sweep_equals_serial_runs_bitwise(client, tmp_path):
    grid = {"w": [60.0, 120.0], "drive": [20.0, 40.0]}
    seeds = [3, 4]
    table = ns.sweep(small_network, grid=grid, seeds=seeds, out=tmp_path, client=client,
                     progress=False)
    assert len(table) == 8
    assert list(table.columns[:3]) == ["w", "drive", "seed"]
    assert (table.status == "ok").all() and not table.resumed.any()
    assert table.n_spikes.max() > 50              # the runs spike: something is compared
    i = 0
    for w in grid["w"]:
        for drive in grid["drive"]:
            for seed in seeds:
                row = table.iloc[i]
                assert (row.w, row.drive, row.seed) == (w, drive, seed)   # grid order
                want = small_network(seed, w, drive)
                for key, value in _scalars(want).items():
                    assert _same(row[key], value), (key, row[key], value)
                saved = ns.ensemble.load_run(row.file)
                assert saved["params"] == {"w": w, "drive": drive} and saved["seed"] == seed
                got = saved["results"]
                np.testing.assert_array_equal(got["v"], want["v"])
                np.testing.assert_array_equal(got["spikes"].steps, want["spikes"].steps)
                np.testing.assert_array_equal(got["spikes"].neurons, want["spikes"].neurons)
                for key, value in _scalars(want).items():
                    assert _same(got[key], value), key
                i += 1
    # Different seeds give different networks, so the comparison is not trivially equal.
    assert table.n_spikes.iloc[0] != table.n_spikes.iloc[1]
    assert (tmp_path / "table.csv").read_text().startswith("w,drive,seed,")


def flaky(seed, x, *, log):
    """Logs every call; the run (x=2, seed=1) fails the first time (a marker file remembers)."""
    with open(os.path.join(log, "calls.txt"), "a") as f:
        f.write(f"{x},{seed}\n")
    marker = os.path.join(log, "failed-once")
    if x == 2 and seed == 1 and not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("transient failure")
    rng = np.random.default_rng(seed)
    return {"value": x * 10 + float(rng.random()), "trace": rng.normal(size=5)}


def _calls(log):
    path = os.path.join(log, "calls.txt")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return sorted(tuple(int(v) for v in line.split(",")) for line in f)


def test_failing_run_is_reported_and_the_sweep_resumes(client, tmp_path):
    log, out = tmp_path / "log", tmp_path / "out"
    log.mkdir()
    fn = functools.partial(flaky, log=str(log))
    # A partly filled folder: x = 1 is done first.
    first = ns.sweep(fn, grid={"x": [1]}, seeds=[0, 1], out=out, client=client, progress=False)
    assert (first.status == "ok").all()
    assert _calls(log) == [(1, 0), (1, 1)]
    with pytest.warns(UserWarning, match=r"1 of 6 runs failed.*\n  x=2, seed=1: RuntimeError: "
                                         r"transient failure"):
        second = ns.sweep(fn, grid={"x": [1, 2, 3]}, seeds=[0, 1], out=out, client=client,
                          progress=False)
    # Only the four new runs ran; the failure is in its own row with its parameters.
    assert _calls(log) == [(1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)]
    assert list(second.resumed) == [True, True, False, False, False, False]
    bad = second[second.status == "error"]
    assert len(bad) == 1 and (bad.x.iloc[0], bad.seed.iloc[0]) == (2, 1)
    assert bad.error.iloc[0] == "RuntimeError: transient failure"
    assert "raise RuntimeError" in bad.traceback.iloc[0]
    assert np.isnan(bad.value.iloc[0]) and bad.file.iloc[0] == ""
    assert (second.status == "ok").sum() == 5
    assert len(list(out.glob("run-*.npz"))) == 5
    # The next sweep runs the failed run only, and then every row is right.
    third = ns.sweep(fn, grid={"x": [1, 2, 3]}, seeds=[0, 1], out=out, client=client,
                     progress=False)
    assert _calls(log) == sorted([(1, 0), (1, 1), (2, 0), (2, 1), (2, 1), (3, 0), (3, 1)])
    assert (third.status == "ok").all()
    assert list(third.resumed) == [True, True, True, False, True, True]
    for _, row in third.iterrows():
        rng = np.random.default_rng(row.seed)
        assert row.value == row.x * 10 + float(rng.random())
        np.testing.assert_array_equal(ns.ensemble.load_run(row.file)["results"]["trace"],
                                      rng.normal(size=5))


def test_missing_and_damaged_run_files_are_run_again(client, tmp_path):
    log, out = tmp_path / "log", tmp_path / "out"
    log.mkdir()
    fn = functools.partial(flaky, log=str(log))
    full = ns.sweep(fn, grid={"x": [5, 6]}, seeds=[0], out=out, client=client, progress=False)
    os.remove(full.file[0])                                 # lost
    with open(full.file[1], "wb") as f:                     # damaged (not by sweep: it writes
        f.write(b"not an archive")                          # atomically)
    with pytest.warns(UserWarning, match="cannot be read"):
        again = ns.sweep(fn, grid={"x": [5, 6]}, seeds=[0], out=out, client=client,
                         progress=False)
    assert _calls(log) == [(5, 0), (5, 0), (6, 0), (6, 0)]
    assert list(again.value) == list(full.value)
    # Other fixed arguments of the partial: other run files, nothing resumed.
    other = ns.sweep(functools.partial(flaky, log=str(out)), grid={"x": [5]}, seeds=[0],
                     out=out, client=client, progress=False)
    assert not other.resumed.any()


def test_results_that_cannot_be_stored_fail_their_run_only(client):
    def fn(seed, kind):
        if kind == "list":
            return {"value": [1, 2]}
        if kind == "clash":
            return {"kind": 1.0}
        if kind == "none":
            return None
        return {"value": 1.0}
    with pytest.warns(UserWarning, match="3 of 4 runs failed"):
        table = ns.sweep(fn, grid={"kind": ["list", "clash", "none", "ok"]}, client=client,
                         progress=False)
    assert list(table.status) == ["error", "error", "error", "ok"]
    assert "result 'value' must be a number, string, bool, None" in table.error[0]
    assert "result 'kind' clashes with a column" in table.error[1]
    assert "fn must return a dict of results, got NoneType" in table.error[2]


def test_unpicklable_function_is_refused_before_any_run(tmp_path):
    lock = threading.Lock()
    calls = []

    def uses_a_lock(seed, x):
        with lock:
            calls.append(x)
        return {"x": x}
    # No client given: the error must come before a cluster is even started.
    with pytest.raises(TypeError, match=r"sweep: fn .*uses_a_lock cannot be pickled, so it "
                                        r"cannot be sent to the workers \(TypeError: .*lock"):
        ns.sweep(uses_a_lock, grid={"x": [1, 2]}, out=tmp_path / "out", progress=False)
    assert calls == [] and not (tmp_path / "out").exists()


def test_function_the_workers_cannot_import_is_refused_before_any_run(client, tmp_path):
    ghost = types.ModuleType("ghost_module_only_here")
    exec("def run(seed, x):\n    return {'x': x}\n", ghost.__dict__)
    sys.modules[ghost.__name__] = ghost                 # picklable by reference, here only
    try:
        with pytest.raises(TypeError, match="the workers cannot load fn ghost_module_only_here.run"):
            ns.sweep(ghost.run, grid={"x": [1]}, out=tmp_path, client=client, progress=False)
    finally:
        del sys.modules[ghost.__name__]
    assert list(tmp_path.glob("run-*")) == []


def test_scheduler_address_and_seeds_only(client):
    def fn(seed):
        return {"draw": float(np.random.default_rng(seed).random())}
    table = ns.sweep(fn, seeds=[7, 8, 9], client=client.scheduler.address, progress=False)
    assert list(table.columns[:2]) == ["seed", "draw"]
    assert list(table.draw) == [float(np.random.default_rng(s).random()) for s in (7, 8, 9)]


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(grid=[1, 2]), TypeError, "grid must be a dict of parameter name -> list of values, "
                                   "got list"),
    (dict(grid={"x": []}), ValueError, r"grid\['x'\] must hold at least one value"),
    (dict(grid={"x": 3}), TypeError, r"grid\['x'\] must be a list of values, got 3"),
    (dict(grid={"seed": [1]}), ValueError, "grid parameter 'seed' clashes with a column"),
    (dict(grid={"x": [[1, 2]]}), TypeError, r"grid\['x'\] values must be finite numbers, "
                                            r"strings or bools .* got \[1, 2\]"),
    (dict(grid={"x": [float("nan")]}), TypeError, r"grid\['x'\] values must be finite"),
    (dict(grid={"x": [1, 1]}), ValueError, r"grid\['x'\] holds a value twice"),
    (dict(grid={"x": [1]}, seeds=[1, 1]), ValueError, r"seeds must be distinct, got \[1, 1\]"),
    (dict(grid={"x": [1]}, seeds=[-1]), ValueError, r"sweep.seeds\[0\] must be >= 0, got -1"),
    (dict(grid={"x": [1]}, seeds=[0.5]), TypeError, r"sweep.seeds\[0\] must be an integer"),
    (dict(grid={"y": [1]}), TypeError, r"must accept seed= and the grid's parameters \['y'\]"),
    (dict(grid={"x": [1]}, client=3), TypeError, "client must be None .* got 3"),
])
def test_bad_input_is_refused_before_any_run(kwargs, error, match):
    def fn(seed, x):
        raise AssertionError("no run may start")
    with pytest.raises(error, match=match):
        ns.sweep(fn, progress=False, **kwargs)


def test_warns_nothing_when_all_runs_succeed(client):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        table = ns.sweep(lambda seed, a: {"b": a * 2 + seed}, grid={"a": [1, 2]}, seeds=[0, 10],
                         client=client, progress=False)
    assert list(table.b) == [2, 12, 4, 14]


KILLED_SCRIPT = '''
import os, sys, time
import neurosim as ns

def slow(seed, x):
    with open(os.path.join(sys.argv[1], "calls.txt"), "a") as f:
        f.write(f"{x},{seed}\\n")
    time.sleep(0.2)
    return {"y": x * x + seed}

if __name__ == "__main__":
    table = ns.sweep(slow, grid={"x": list(range(12))}, seeds=[0], out=sys.argv[2],
                     progress=False)
    print("resumed", int(table.resumed.sum()), "ok", int((table.status == "ok").sum()))
'''


def test_a_killed_sweep_resumes_where_it_stopped(tmp_path):
    """The sweeping process and its cluster are killed (SIGKILL) after some runs were saved;
    the next sweep runs exactly the runs without a file."""
    import signal
    import subprocess
    import time

    script, log, out = tmp_path / "sweep_script.py", tmp_path / "log", tmp_path / "out"
    script.write_text(KILLED_SCRIPT)
    log.mkdir()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, str(script), str(log), str(out)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("run-*.npz"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)             # the sweep, its scheduler and workers
    proc.wait()
    saved = {ns.ensemble.load_run(p)["params"]["x"] for p in out.glob("run-*.npz")}
    assert 3 <= len(saved) < 12, saved
    with open(log / "calls.txt") as f:
        before = len(f.readlines())
    done = subprocess.run([sys.executable, str(script), str(log), str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"resumed {len(saved)} ok 12" in done.stdout
    with open(log / "calls.txt") as f:
        rerun = sorted(int(line.split(",")[0]) for line in f.readlines()[before:])
    assert rerun == sorted(set(range(12)) - saved)
    assert sorted(ns.ensemble.load_run(p)["results"]["y"] for p in out.glob("run-*.npz")) == \
        sorted(x * x for x in range(12))


def test_without_dask_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ImportError, match=r"sweep needs dask.distributed and pandas .*"
                                          r"pip install -e \"\.\[ensemble\]\""):
        ns.sweep(lambda seed: {}, progress=False)
