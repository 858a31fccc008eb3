"""One neurosim network description, run on every engine through ``neurosim.Simulator``.

Issue 5 ("Speed"): the CUBA workloads of ``bench_cuba.py``, but built once as a neurosim
``Network`` and run with ``Simulator(net, dt, seed, engine=e, engine_options=...)`` for

  neurosim            engine="neurosim" (the numba engine)
  brian2_cython       engine="brian2", engine_options={"target": "cython"} (runtime mode)
  brian2_standalone   engine="brian2", engine_options={"device": "cpp_standalone"}
  nest                engine="nest", engine_options={"threads": 1}

so every engine simulates the very same realised network (neurosim's builder draws the
synapses, weights, delays and initial voltages once from the seed) and the comparison is like
for like. Workloads:

  cuba     CUBA, N = 4000 (80 % excitatory), p = 0.02, 1 s, delay 0.2 ms (two steps): the
           smallest delay every engine can express (neurosim's one-step delay has no NEST
           counterpart; the NEST engine refuses it).
  delays   the same with per-synapse delays uniform in [1, 5] ms.
  scaling  CUBA with fixed in-degree 80 (64 exc + 16 inh), delay 0.2 ms, 100 ms, a few sizes.

Per engine, each measurement a fresh subprocess (imports count), one thread everywhere:

  import   import numpy, neurosim and the engine's library (brian2 / nest)
  build    the Network description and Simulator(...): neurosim's build plus the engine's
           translation (Brian2 objects and synapses, NEST nodes and connections); standalone:
           also the Brian2 objects it makes at the first read
  first    run(dt): numba cache load, Brian2 code generation (+ cython compile or cache load),
           NEST's prepare; standalone: code generation + C++ compile of the project
  loop     run(T) after the first step; standalone: the run time the binary reports
  collect  sim.data[monitor] for both spike monitors (records in hand)
  whole    wall time from starting the subprocess until the records are in hand
  peak     peak RSS of the subprocess (standalone: and of its compiler / binary children)

Times are minima over processes (and, in a full run, over a second loop in the same process
on a freshly built identical network). "ours faster" = their time / neurosim's time. The
native drives of bench_cuba.py are measured in the same session for the overlapping
workloads, to show what the layer costs per engine. Nothing is asserted; exits 0.

    python benchmarks/bench_engines.py               # full run (about 10-15 minutes on 2 cores)
    python benchmarks/bench_engines.py --quick       # about 2-3 minutes
    python benchmarks/bench_engines.py --only cuba --engines neurosim,nest --no-native
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

T_START = time.time()

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_cuba as bc  # noqa: E402  (helpers: formatting, RSS, environment, native drives)

DT = bc.DT
ENGINES = ("neurosim", "brian2_cython", "brian2_standalone", "nest")
ENGINE_NAMES = {"neurosim": "neurosim (numba)", "brian2_cython": "Brian2 cython (runtime)",
                "brian2_standalone": "Brian2 C++ standalone", "nest": "NEST"}
#: (engine, engine_options) passed to Simulator
ENGINE_ARGS = {"neurosim": ("neurosim", None),
               "brian2_cython": ("brian2", {"target": "cython"}),
               "brian2_standalone": ("brian2", {"device": "cpp_standalone"}),
               "nest": ("nest", {"threads": 1})}
#: the same library's native drive in bench_cuba.py
NATIVE = {"neurosim": "ours", "brian2_cython": "brian2_cython",
          "brian2_standalone": "brian2_standalone", "nest": "nest"}
LIBRARY = {"neurosim": "numba", "brian2_cython": "brian2", "brian2_standalone": "brian2",
           "nest": "nest"}
WORKLOADS = ("cuba", "delays", "scaling")
MIN_DELAY = 2 * DT  # ms: the smallest delay all engines express (see the module docstring)


# ================================================================================================
# Worker side: one engine, one network, in this process.
# ================================================================================================

def describe(ns, workload, n):
    """The one network description every engine runs: bench_cuba.py's CUBA (units ms, mV,
    pA, pF), with the smallest delay every engine expresses."""
    return bc.network_description(ns, workload, n, min_delay=MIN_DELAY)


def _import_engine(cfg):
    """Import the engine's library up front (so 'build' does not count it) and set it up."""
    if cfg["engine"] in ("brian2_cython", "brian2_standalone"):
        import logging
        import warnings
        warnings.filterwarnings("ignore")
        import brian2 as b2
        b2.prefs.logging.console_log_level = "ERROR"
        logging.getLogger("brian2").setLevel(logging.ERROR)
        b2.prefs.codegen.runtime.cython.cache_dir = cfg["cache_dir"]
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
        return b2
    if cfg["engine"] == "nest":
        os.environ.setdefault("PYNEST_QUIET", "1")
        import nest
        return nest
    return None


def _instrument_standalone(b2, marks):
    """Time the phases of the standalone engine's first read: the engine calls
    ``device.build(...)``, which generates code, compiles and calls ``device.run``; the
    binary's own run time is read before the engine's ``device.reinit()`` clears it."""
    from brian2.devices.device import all_devices
    dev = all_devices["cpp_standalone"]
    build, run = dev.build, dev.run

    def timed_build(*args, **kwargs):
        marks["build_start"] = time.perf_counter()
        return build(*args, **kwargs)

    def timed_run(*args, **kwargs):
        marks["run_start"] = time.perf_counter()
        out = run(*args, **kwargs)
        marks["run_end"] = time.perf_counter()
        marks["reported"] = float(dev._last_run_time)
        return out
    dev.build, dev.run = timed_build, timed_run


def _simulator(ns, cfg):
    net, mons = describe(ns, cfg["workload"], cfg["n"])
    engine, options = ENGINE_ARGS[cfg["engine"]]
    sim = ns.Simulator(net, dt=DT, seed=cfg["seed"], engine=engine,
                       engine_options=dict(options) if options else None)
    return sim, mons


def worker(cfg):
    t_import0 = time.perf_counter()
    import numpy as np  # noqa: F401

    import neurosim as ns
    lib = _import_engine(cfg)
    r = {"t_import": time.perf_counter() - t_import0}
    standalone = cfg["engine"] == "brian2_standalone"
    marks = {}
    if standalone:
        _instrument_standalone(lib, marks)
    rss0 = bc._rss_now_mb()
    t0 = time.perf_counter()
    sim, mons = _simulator(ns, cfg)
    r["t_build"] = time.perf_counter() - t0
    r["rss_build_mb"] = bc._rss_now_mb() - rss0
    r["n_syn"] = int(sim.n_synapses)
    t0 = time.perf_counter()
    sim.run(DT)
    r["t_first"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.run(cfg["T"])
    r["t_loop"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    recs = [sim.data[m] for m in mons]
    t1 = time.perf_counter()
    if standalone:
        # Everything happened in the first read: Brian2 objects (build), code generation and
        # C++ compile (first), the binary (loop: its reported run time), copy-out (collect).
        r["t_build"] += marks["build_start"] - t0
        r["t_first"] += marks["run_start"] - marks["build_start"]
        r["t_binary"] = marks["run_end"] - marks["run_start"]
        r["t_loop"] = marks["reported"]
        r["t_collect"] = t1 - marks["run_end"]
    else:
        r["t_collect"] = t1 - t0
    r["n_spk"] = [len(rec) for rec in recs]
    r["t_sim"] = float(sim.t)
    r["t_done_epoch"] = time.time()
    r["t_start_epoch"] = T_START
    r["peak_mb"] = bc._peak_mb()
    r["peak_children_mb"] = bc._peak_mb(children=True)
    loops = [r["t_loop"]]
    if not standalone:
        for _ in range(cfg.get("loop_reps", 0)):
            del sim
            sim, _ = _simulator(ns, cfg)
            sim.run(DT)
            t0 = time.perf_counter()
            sim.run(cfg["T"])
            loops.append(time.perf_counter() - t0)
    r["loops"] = loops
    print("@@RESULT " + json.dumps(r), flush=True)


# ================================================================================================
# Parent side.
# ================================================================================================

def run_engine_worker(cfg, timeout, numba_dir):
    """One measurement in a fresh Python; returns (result dict or None, error text)."""
    env = bc._env()
    env["NUMBA_CACHE_DIR"] = numba_dir
    return bc.run_script_worker(os.path.abspath(__file__), cfg, timeout, env)


KEYS = ("whole", "t_import", "t_build", "t_first", "loop", "t_collect", "peak_mb",
        "peak_children_mb", "rss_build_mb", "t_binary", "py_start")


def _best(runs, n):
    best = {}
    for key in KEYS:
        vals = [r[key] for r in runs if r.get(key) is not None]
        best[key] = min(vals) if vals else None
    r0 = runs[0]
    n_e = int(round(0.8 * n))
    t_s = r0["t_sim"] / 1000.0
    best["rates"] = (r0["n_spk"][0] / (n_e * t_s), r0["n_spk"][1] / ((n - n_e) * t_s))
    best["rate"] = sum(r0["n_spk"]) / (n * t_s)
    best["n_syn"] = r0["n_syn"]
    best["t_sim"] = r0["t_sim"]
    best["n_runs"] = len(runs)
    best["n_loops"] = sum(len(r.get("loops", [r["loop"]])) for r in runs)
    return best


class Bench:
    def __init__(self, args):
        self.args = args
        self.root = tempfile.mkdtemp(prefix="bench_engines_", dir="/tmp")
        self.numba_dir = args.numba_cache
        os.makedirs(self.numba_dir, exist_ok=True)
        self.cython_dir = args.cython_cache
        os.makedirs(self.cython_dir, exist_ok=True)
        self.available = {e: bc._have(LIBRARY[e]) for e in ENGINES}
        self.warm = set()
        self.cold = {}

    def _cfg(self, engine, workload, n, T, loop_reps, native=False):
        cfg = dict(engine=engine, workload=workload, n=n, T=T, seed=self.args.seed,
                   loop_reps=loop_reps, cache_dir=self.cython_dir)
        if native:
            cfg.update(lib=NATIVE[engine], numba_dir=self.numba_dir,
                       standalone_dir=tempfile.mkdtemp(prefix="b2sa_", dir=self.root))
        return cfg

    def _warm_up(self, engine, workload, native, timeout):
        """Fill the caches the timed processes load; these runs are not counted.

        neurosim's numba cache once (every engine builds with neurosim first; the kernels do
        not depend on N), and Brian2's cython cache once per workload and drive (the generated
        code differs between homogeneous and per-synapse delays, not with N)."""
        jobs = []
        if not native and "numba" not in self.warm:
            jobs.append(("numba", "neurosim"))
        if native and engine == "neurosim" and "numba_native" not in self.warm:
            jobs.append(("numba_native", "neurosim"))
        if engine == "brian2_cython" and ("cython", workload, native) not in self.warm:
            jobs.append((("cython", workload, native), engine))
        for key, eng in jobs:
            self.warm.add(key)
            cfg = self._cfg(eng, workload, 1000, 10.0, 0, native)
            if native:
                bc.run_worker(cfg, timeout)
            else:
                run_engine_worker(cfg, timeout, self.numba_dir)

    def measure_cold(self, workload, n, T, timeout):
        """neurosim's first run on an empty numba cache (compile of the kernels)."""
        cold_dir = tempfile.mkdtemp(prefix="numba_cold_", dir=self.root)
        r, err = run_engine_worker(self._cfg("neurosim", workload, n, T, 0), timeout, cold_dir)
        shutil.rmtree(cold_dir, ignore_errors=True)
        self.cold["neurosim"] = r if r is not None else {"error": err}

    def measure(self, engine, workload, n, T, repeats, loop_reps, timeout, native=False):
        if not self.available[engine]:
            return {"error": "not installed"}
        self._warm_up(engine, workload, native, timeout)
        if engine == "brian2_standalone":
            repeats = min(repeats, 2)
        runs = []
        err = ""
        for _ in range(repeats):
            cfg = self._cfg(engine, workload, n, T, loop_reps, native)
            r, err = (bc.run_worker(cfg, timeout) if native
                      else run_engine_worker(cfg, timeout, self.numba_dir))
            if r is None:
                break
            runs.append(r)
        if not runs:
            return {"error": err}
        return {"best": _best(runs, n), "runs": runs}


def _t(x):
    return bc._fmt_t(x)


def _ratio(theirs, ours):
    if theirs is None or ours is None or ours <= 0:
        return "-"
    return f"{theirs / ours:.2f}x"


def network_table(bench, workload, n, T, engines, repeats, loop_reps, timeout, title):
    print(f"\n## {title}\n", flush=True)
    res = {}
    for e in engines:
        t0 = time.time()
        res[e] = bench.measure(e, workload, n, T, repeats, loop_reps, timeout)
        print(f"  ({ENGINE_NAMES[e]}: measured in {time.time() - t0:.0f} s)", flush=True)
    print()
    ours = res.get("neurosim", {}).get("best")
    headers = ["engine", "import", "build", "first step / compile", "loop", "collect",
               "whole process", "peak RSS", "synapses", "rate (exc / inh) Hz",
               "ours faster: build", "ours faster: loop", "ours faster: whole"]
    rows = []
    for e in engines:
        o = res[e]
        if "error" in o:
            rows.append([ENGINE_NAMES[e], o["error"]] + [""] * (len(headers) - 2))
            continue
        b = o["best"]
        peak = bc._fmt_mb(b["peak_mb"])
        if e == "brian2_standalone":
            peak += f" (+g++/binary {bc._fmt_mb(b['peak_children_mb'])})"
        loop = _t(b["loop"]) + (" (binary)" if e == "brian2_standalone" else "")
        rb = rl = rw = "-"
        if ours and e != "neurosim":
            rb, rl, rw = (_ratio(b["t_build"], ours["t_build"]), _ratio(b["loop"], ours["loop"]),
                          _ratio(b["whole"], ours["whole"]))
        rows.append([ENGINE_NAMES[e], _t(b["t_import"]), _t(b["t_build"]), _t(b["t_first"]),
                     loop, _t(b["t_collect"]), _t(b["whole"]), peak, f"{b['n_syn']:,}",
                     f"{b['rate']:.2f} ({b['rates'][0]:.2f} / {b['rates'][1]:.2f})",
                     rb, rl, rw])
    bc.table(headers, rows)
    for e in engines:
        b = res[e].get("best")
        if b:
            extra = (f"; binary incl. file I/O {_t(b['t_binary'])}" if b.get("t_binary") else "")
            print(f"  {ENGINE_NAMES[e]}: {b['n_runs']} process(es), {b['n_loops']} loop "
                  f"timing(s); Python start {b['py_start'] * 1e3:.0f} ms; build RSS "
                  f"{bc._fmt_mb(b['rss_build_mb'])}{extra}")
    cold = bench.cold.get("neurosim")
    if cold and "neurosim" in engines and workload == "cuba":
        if "error" in cold:
            print(f"  neurosim COLD: {cold['error']}")
        else:
            print(f"  neurosim COLD (empty numba cache): first step {_t(cold['t_first'])}, build "
                  f"{_t(cold['t_build'])}, whole process {_t(cold['whole'])}")
    print(flush=True)
    return res


def native_table(bench, workload, n, T, engines, repeats, loop_reps, timeout, layer, title):
    """The same workload driven natively (bench_cuba.py's workers), against the layer."""
    print(f"\n## {title}\n", flush=True)
    headers = ["engine", "drive", "build", "first step / compile", "loop", "collect",
               "whole process", "peak RSS", "synapses", "rate Hz",
               "layer cost: build", "layer cost: first", "layer cost: loop",
               "layer cost: whole"]
    rows = []
    for e in engines:
        t0 = time.time()
        nat = bench.measure(e, workload, n, T, repeats, loop_reps, timeout, native=True)
        print(f"  ({ENGINE_NAMES[e]} native: measured in {time.time() - t0:.0f} s)", flush=True)
        lay = layer.get(e, {})
        for label, o in (("native", nat), ("neurosim layer", lay)):
            if "best" not in o:
                rows.append([ENGINE_NAMES[e], label, o.get("error", "-")]
                            + [""] * (len(headers) - 3))
                continue
            b = o["best"]
            diffs = ["", "", "", ""]
            if label != "native" and "best" in nat:
                nb = nat["best"]
                diffs = [f"{b[k] - nb[k]:+.2f} s ({_ratio(b[k], nb[k])})"
                         for k in ("t_build", "t_first", "loop", "whole")]
            rows.append([ENGINE_NAMES[e], label, _t(b["t_build"]), _t(b["t_first"]),
                         _t(b["loop"]), _t(b["t_collect"]), _t(b["whole"]),
                         bc._fmt_mb(b["peak_mb"]), f"{b['n_syn']:,}", f"{b['rate']:.2f}"]
                        + diffs)
    print()
    bc.table(headers, rows)
    print("  layer cost = layer - native (layer / native). Native drives: bench_cuba.py (each "
          "library's own connectivity rule; [1] there uses the minimal delay: neurosim 0.1 ms, "
          "Brian2 0 ms, NEST 0.1 ms; here 0.2 ms = Brian2 and NEST 0.1 ms).", flush=True)


def scaling_table(bench, sizes, T, engines, timeout, loop_reps):
    print(f"\n## [3] scaling: CUBA, fixed in-degree 80 (64 exc + 16 inh), delay {MIN_DELAY:g} ms, "
          f"{T:g} ms, one process per point\n", flush=True)
    mem_limit_mb = bench.args.mem_limit_gb * 1024
    res = {e: {} for e in engines}
    for n in sizes:
        for e in engines:
            prev = [(m, r) for m, r in res[e].items() if "best" in r]
            if prev:
                m, r = prev[-1]
                est_mem = r["best"]["peak_mb"] * n / m
                est_time = r["best"]["whole"] * n / m
                if est_mem > mem_limit_mb:
                    res[e][n] = {"error": f"skipped: ~{est_mem / 1024:.1f} GB expected"}
                    continue
                if est_time > timeout:
                    res[e][n] = {"error": f"skipped: ~{est_time:.0f} s expected"}
                    continue
            t0 = time.time()
            res[e][n] = bench.measure(e, "scaling", n, T, 1, loop_reps, timeout)
            print(f"  ({ENGINE_NAMES[e]}, N = {n}: {time.time() - t0:.0f} s)", flush=True)
    print()
    headers = ["N", "engine", "synapses", "build", "first step", "loop", "ns / neuron-step",
               "whole process", "peak RSS", "rate Hz", "ours faster: build",
               "ours faster: loop"]
    rows = []
    for n in sizes:
        ours = res.get("neurosim", {}).get(n, {}).get("best")
        for e in engines:
            o = res[e][n]
            if "error" in o:
                rows.append([n, ENGINE_NAMES[e], o["error"]] + [""] * (len(headers) - 3))
                continue
            b = o["best"]
            steps = round(b["t_sim"] / DT)
            rb = rl = "-"
            if ours and e != "neurosim":
                rb, rl = _ratio(b["t_build"], ours["t_build"]), _ratio(b["loop"], ours["loop"])
            rows.append([n, ENGINE_NAMES[e], f"{b['n_syn']:,}", _t(b["t_build"]),
                         _t(b["t_first"]), _t(b["loop"]), f"{b['loop'] / (n * steps) * 1e9:.1f}",
                         _t(b["whole"]), bc._fmt_mb(b["peak_mb"]), f"{b['rate']:.2f}", rb, rl])
    bc.table(headers, rows)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="about 2-3 minutes: one process each, [1] with its native comparison, "
                         "[2] without standalone, no scaling")
    ap.add_argument("--only", action="append", choices=WORKLOADS,
                    help="run only this workload (repeatable)")
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help=f"comma-separated subset of {','.join(ENGINES)}")
    ap.add_argument("--native", action=argparse.BooleanOptionalAction, default=True,
                    help="also run bench_cuba.py's native drives for [1] (and [2] in a full "
                         "run) to show the layer's cost")
    ap.add_argument("--cold", action=argparse.BooleanOptionalAction, default=None,
                    help="measure neurosim once on an empty numba cache (default: full run)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=None,
                    help="processes per engine (default 3, quick 1; standalone at most 2)")
    ap.add_argument("--sizes", default=None, help="scaling sizes, comma-separated")
    ap.add_argument("--scaling-ms", type=float, default=100.0)
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per process")
    ap.add_argument("--mem-limit-gb", type=float, default=8.0)
    ap.add_argument("--cython-cache", default="/tmp/neurosim_bench_brian2_cython",
                    help="Brian2 cython cache (shared with bench_cuba.py)")
    ap.add_argument("--numba-cache", default="/tmp/neurosim_bench_engines_numba",
                    help="numba cache of the measured processes (warmed first)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return 0
    if args.cold is None:
        args.cold = not args.quick
    repeats = args.repeats or (1 if args.quick else 3)
    loop_reps = 0 if args.quick else 1
    engines = [e for e in args.engines.split(",") if e]
    bad = [e for e in engines if e not in ENGINES]
    if bad:
        ap.error(f"unknown engines {bad}; valid: {','.join(ENGINES)}")
    workloads = args.only or (["cuba", "delays"] if args.quick else list(WORKLOADS))
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    else:
        sizes = [4000, 16000] if args.quick else [4000, 16000, 64000]

    bench = Bench(args)
    import platform
    print("# neurosim engines benchmark: one description, Simulator(engine=...)\n")
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; dt = {DT} ms; one "
          f"thread everywhere; times are minima over processes; 'ours faster' = their time / "
          f"neurosim's time")
    vers = []
    from importlib.metadata import PackageNotFoundError, version
    for dist in ("numba", "Brian2", "nest-simulator", "numpy"):
        try:
            vers.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            vers.append(f"{dist} not installed")
    print(", ".join(vers))
    print(f"neurosim from {bc.NEUROSIM_ROOT}; numba cache {bench.numba_dir}; Brian2 cython "
          f"cache {bench.cython_dir}; work dir {bench.root}", flush=True)
    try:
        if args.cold and "neurosim" in engines and "cuba" in workloads:
            bench.measure_cold("cuba", 4000, 1000.0, args.timeout)
        if "cuba" in workloads:
            layer = network_table(bench, "cuba", 4000, 1000.0, engines, repeats, loop_reps,
                                  args.timeout, f"[1] CUBA, N = 4000, p = 0.02, 1 s, delay "
                                  f"{MIN_DELAY:g} ms (the smallest every engine expresses)")
            if args.native:
                native_table(bench, "cuba", 4000, 1000.0,
                             [e for e in engines if e != "neurosim" or not args.quick],
                             repeats, loop_reps, args.timeout, layer,
                             "[1] native drives (bench_cuba.py) against the layer")
        if "delays" in workloads:
            dl = [e for e in engines if not (args.quick and e == "brian2_standalone")]
            layer = network_table(bench, "delays", 4000, 1000.0, dl, repeats, loop_reps,
                                  args.timeout, "[2] CUBA, N = 4000, p = 0.02, 1 s, delays "
                                  "uniform in [1, 5] ms")
            if args.native and not args.quick:
                native_table(bench, "delays", 4000, 1000.0, dl, repeats, loop_reps,
                             args.timeout, layer,
                             "[2] native drives (bench_cuba.py) against the layer")
        if "scaling" in workloads:
            sl = [e for e in engines if e != "brian2_standalone"]
            scaling_table(bench, sizes, args.scaling_ms, sl, args.timeout, 0)
    finally:
        shutil.rmtree(bench.root, ignore_errors=True)
    print(f"\ntotal {time.time() - T_START:.0f} s; load average now "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
