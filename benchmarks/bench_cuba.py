"""neurosim's spiking engine against Brian2 (cython runtime and C++ standalone) and NEST.

Workloads (issue 3, "Speed and memory"):

  cuba     CUBA (Vogels & Abbott 2005; Brette et al. 2007 benchmark 2): N = 4000 (80 %
           excitatory), p = 0.02, 1 s, delay = the minimal one, 0.1 ms (the same delay on
           every library: a delay means the same in neurosim, Brian2 and NEST).
  delays   the same with per-synapse delays uniform in [1, 5] ms.
  scaling  CUBA with N = 1000 .. 256000 and fixed in-degree 80 (64 exc + 16 inh), 100 ms.
  coba     COBA (Brette et al. 2007 benchmark 1): exponential conductances, E 0 / -80 mV,
           tau 5 / 10 ms, weights 6 / 67 nS (0.6 / 6.7 in units of g_L = 10 nS), N = 4000, p = 0.02.
  threads  the scaling network at N = 4000, 64000, 256000 (--sizes) on 1 and 2 threads
           (--threads): neurosim's threads (Simulator(threads=n)), Brian2 C++ standalone
           with OpenMP (openmp_threads = n; 1 thread: without OpenMP) and NEST
           (local_num_threads = n). Not part of a default run (--only threads).

Every library runs in its own subprocess (one per measurement), so the whole-process time
(start Python, import, build, run, collect the spikes) counts imports honestly. Inside it:

  import   import of the library (numpy included)
  build    network description and construction (connectivity drawn by each library's own rule)
  first    the first step, run(dt): numba compile/cache load, Brian2 code generation and cython
           compile/cache load, NEST's prepare; (standalone: code generation + C++ compile)
  loop     run(T) after that warm-up step: the simulation loop itself, spikes recorded
           (standalone: the time the compiled binary reports for its run)
  whole    wall time from starting the subprocess until the spikes are in Python arrays
  peak     peak RSS of the subprocess at that point (resource.getrusage)

One thread everywhere (NUMBA_NUM_THREADS, OMP_NUM_THREADS, NEST local_num_threads = 1, Brian2
standalone without OpenMP) but in the threads workload. Times are the minimum over repeats.
Nothing is asserted; exits 0.

    python benchmarks/bench_cuba.py                 # full run (about 15-20 minutes on 2 cores)
    python benchmarks/bench_cuba.py --quick         # about 2 minutes
    python benchmarks/bench_cuba.py --only cuba --only coba
    python benchmarks/bench_cuba.py --only threads  # threads, about 15 minutes
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

T_START = time.time()

DT = 0.1  # ms
LIBS = ("ours", "brian2_cython", "brian2_standalone", "nest")
LIB_NAMES = {"ours": "neurosim (numba)", "brian2_cython": "Brian2 cython",
             "brian2_standalone": "Brian2 C++ standalone", "nest": "NEST"}
WORKLOADS = ("cuba", "delays", "scaling", "coba", "threads")
IMPORT_NAME = {"ours": "neurosim", "brian2_cython": "brian2", "brian2_standalone": "brian2",
               "nest": "nest"}

# CUBA (units: ms, mV, pA, pF). Brian2's voltage jumps 1.62 mV / -9 mV over tau_m = 20 ms
# with c_m = 250 pF are 20.25 pA / -112.5 pA (see tests/neurosim/test_cuba_vs_brian2.py).
CUBA = dict(tau_m=20.0, c_m=250.0, e_l=-49.0, v_th=-50.0, v_r=-60.0, t_ref=5.0,
            tau_e=5.0, tau_i=10.0, w_e=20.25, w_i=-112.5)
# COBA, Brette et al. 2007 benchmark 1 as in R. Brette's Brian script (brian/docs_sphinx/
# examples-misc_COBA.txt): g in units of g_L: we = 6/10, wi = 67/10 -> 6 nS, 67 nS with
# g_L = 10 nS (C = 200 pF, tau_m = 20 ms); E_L = V_r = -60, V_th = -50, E_e = 0, E_i = -80 mV;
# initial v ~ N(-65, 5) mV, ge ~ N(4, 1.5) g_L, gi ~ N(20, 12) g_L (clipped at 0 here).
COBA = dict(tau_m=20.0, c_m=200.0, g_l=10.0, e_l=-60.0, v_th=-50.0, v_r=-60.0, t_ref=5.0,
            tau_e=5.0, tau_i=10.0, e_e=0.0, e_i=-80.0, w_e=6.0, w_i=67.0)


# ================================================================================================
# Worker side: one library, one network, in this process.
# ================================================================================================

def _rss_now_mb():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def _peak_mb(children=False):
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024.0


def _sizes(cfg):
    n = cfg["n"]
    n_e = int(round(0.8 * n))
    return n, n_e, n - n_e


# ---------------------------------------------------------------------------------------- ours
def network_description(ns, workload, n, min_delay=DT, seed=0):
    """The neurosim description of a workload with ``n`` neurons: ``(net, (exc, inh)
    spike monitors)``. ``min_delay`` is the delay of the workloads without delays
    (bench_engines.py runs this same description on every engine with 0.2 ms); ``seed``
    draws COBA's initial conductances."""
    import numpy as np
    n_e = int(round(0.8 * n))
    net = ns.Network()
    c = COBA if workload == "coba" else CUBA
    lif = ns.LIF(tau_m=c["tau_m"], c_m=c["c_m"], e_leak=c["e_l"], v_th=c["v_th"],
                 v_reset=c["v_r"], t_ref=c["t_ref"])
    if workload == "coba":
        v0 = ns.Normal(-65.0, 5.0)
        syn_e = ns.ExpConductance(tau=c["tau_e"], e_rev=c["e_e"])
        syn_i = ns.ExpConductance(tau=c["tau_i"], e_rev=c["e_i"])
    else:
        v0 = ns.Uniform(c["v_r"], c["v_th"])
        syn_e = ns.ExpCurrent(tau=c["tau_e"])
        syn_i = ns.ExpCurrent(tau=c["tau_i"])
    w_e, w_i = c["w_e"], c["w_i"]
    exc = net.population(n_e, lif, name="exc", v=v0)
    inh = net.population(n - n_e, lif, name="inh", v=v0)
    delay = ns.Uniform(1.0, 5.0) if workload == "delays" else min_delay
    for pre, syn, w, k in ((exc, syn_e, w_e, 64), (inh, syn_i, w_i, 16)):
        for post in (exc, inh):
            rule = ns.FixedInDegree(k) if workload == "scaling" else ns.FixedProbability(0.02)
            net.connect(pre, post, rule, synapse=syn, weight=w, delay=delay)
    if workload == "coba":
        # Brette's initial conductances: one spike per neuron at t = 0 through one-to-one
        # synapses whose weights are the initial ge, gi (neurosim has no public way to set a
        # synaptic state; they arrive at 0.1 ms instead of 0).
        rng = np.random.default_rng(seed + 7)
        for pop in (exc, inh):
            kick = net.population(pop.n, ns.SpikeTimes([[0.0]] * pop.n), name=f"kick_{pop.name}")
            ge0 = np.clip(10.0 * (4.0 + 1.5 * rng.standard_normal(pop.n)), 0.0, None)
            gi0 = np.clip(10.0 * (20.0 + 12.0 * rng.standard_normal(pop.n)), 0.0, None)
            net.connect(kick, pop, ns.OneToOne(), synapse=syn_e, weight=ge0, delay=DT)
            net.connect(kick, pop, ns.OneToOne(), synapse=syn_i, weight=gi0, delay=DT)
    return net, (net.record_spikes(exc), net.record_spikes(inh))


def _ours_build(ns, cfg):
    net, mons = network_description(ns, cfg["workload"], cfg["n"], seed=cfg["seed"])
    return ns.Simulator(net, dt=DT, seed=cfg["seed"], threads=cfg.get("threads", 1)), mons


def _ours_once(cfg, t_import0):
    import numpy as np  # noqa: F401

    import neurosim as ns
    r = {"t_import": time.perf_counter() - t_import0}
    rss0 = _rss_now_mb()
    t0 = time.perf_counter()
    sim, mons = _ours_build(ns, cfg)
    r["t_build"] = time.perf_counter() - t0
    r["rss_build_mb"] = _rss_now_mb() - rss0
    r["n_syn"] = sim.n_synapses
    t0 = time.perf_counter()
    sim.run(DT)
    r["t_first"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.run(cfg["T"])
    r["t_loop"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    re, ri = sim.data[mons[0]], sim.data[mons[1]]
    r["n_spk"] = [int(re.times.size), int(ri.times.size)]
    r["t_collect"] = time.perf_counter() - t0
    r["t_sim"] = sim.t
    return r, lambda: _ours_loop_only(ns, cfg)


def _ours_loop_only(ns, cfg):
    sim, _ = _ours_build(ns, cfg)
    sim.run(DT)
    t0 = time.perf_counter()
    sim.run(cfg["T"])
    return time.perf_counter() - t0


# -------------------------------------------------------------------------------------- Brian2
def _b2_build(b2, cfg, standalone):
    import numpy as np
    n, n_e, n_i = _sizes(cfg)
    ms, mV, nS, pF = b2.ms, b2.mV, b2.nS, b2.pF
    b2.start_scope()
    b2.defaultclock.dt = DT * ms
    if cfg["workload"] == "coba":
        c = COBA
        eqs = """
        dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v)) / Cm : volt (unless refractory)
        dge/dt = -ge / taue : siemens
        dgi/dt = -gi / taui : siemens
        """
        nsp = dict(gl=c["g_l"] * nS, El=c["e_l"] * mV, Ee=c["e_e"] * mV, Ei=c["e_i"] * mV,
                   Cm=c["c_m"] * pF, taue=c["tau_e"] * ms, taui=c["tau_i"] * ms)
        method = "exponential_euler"
        on_e, on_i = f"ge += {c['w_e']}*nS", f"gi += {c['w_i']}*nS"
    else:
        c = CUBA
        eqs = """
        dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
        dge/dt = -ge / taue : volt
        dgi/dt = -gi / taui : volt
        """
        nsp = dict(taum=c["tau_m"] * ms, taue=c["tau_e"] * ms, taui=c["tau_i"] * ms,
                   El=c["e_l"] * mV)
        method = "exact"
        scale = c["tau_m"] / c["c_m"]  # pA -> mV of jump
        on_e, on_i = f"ge += {c['w_e'] * scale!r}*mV", f"gi += {c['w_i'] * scale!r}*mV"
    # neurosim's t_ref counts after the reset step; Brian2's from the spike step: + dt.
    group = b2.NeuronGroup(n, eqs, threshold=f"v >= {c['v_th']}*mV", reset=f"v = {c['v_r']}*mV",
                           refractory=(c["t_ref"] + DT) * ms, method=method, namespace=nsp)
    if cfg["workload"] == "coba":
        group.v = "(-65 + 5*randn())*mV"
        group.ge = "clip(10*(4 + 1.5*randn()), 0, inf)*nS"
        group.gi = "clip(10*(20 + 12*randn()), 0, inf)*nS"
    else:
        group.v = f"({c['v_r']} + rand()*{c['v_th'] - c['v_r']})*mV"
    pe, pi = group[:n_e], group[n_e:]
    # the same nominal delay as neurosim's and NEST's (neurosim.delays): one for all (a scalar
    # in Brian2), or per synapse below
    one = {} if cfg["workload"] == "delays" else {"delay": DT * ms}
    se = b2.Synapses(pe, group, on_pre=on_e, **one)
    si = b2.Synapses(pi, group, on_pre=on_i, **one)
    if cfg["workload"] == "scaling":
        rng = np.random.default_rng(cfg["seed"])
        for s, n_pre, k in ((se, n_e, 64), (si, n_i, 16)):
            pre = rng.integers(0, n_pre, size=(n, k)).ravel()
            post = np.repeat(np.arange(n), k)
            s.connect(i=pre, j=post)
    else:
        se.connect(p=0.02)
        si.connect(p=0.02)
    if cfg["workload"] == "delays":
        # the same delays (Brian2 rounds them to the step as neurosim does)
        se.delay = "(1 + 4*rand())*ms"
        si.delay = "(1 + 4*rand())*ms"
    me, mi = b2.SpikeMonitor(pe), b2.SpikeMonitor(pi)
    net = b2.Network(group, se, si, me, mi)
    return net, (me, mi), len(se) + len(si) if not standalone else None


def _b2_prefs(b2, cfg):
    import logging
    b2.prefs.logging.console_log_level = "ERROR"
    logging.getLogger("brian2").setLevel(logging.ERROR)
    b2.prefs.codegen.target = "cython"
    b2.prefs.codegen.runtime.cython.cache_dir = cfg["cache_dir"]
    b2.seed(cfg["seed"])


def _b2_cython_once(cfg, t_import0):
    import warnings
    warnings.filterwarnings("ignore")
    import brian2 as b2
    import numpy as np
    r = {"t_import": time.perf_counter() - t_import0}
    _b2_prefs(b2, cfg)
    rss0 = _rss_now_mb()
    t0 = time.perf_counter()
    net, (me, mi), n_syn = _b2_build(b2, cfg, False)
    r["t_build"] = time.perf_counter() - t0
    r["rss_build_mb"] = _rss_now_mb() - rss0
    r["n_syn"] = int(n_syn)
    t0 = time.perf_counter()
    net.run(DT * b2.ms)
    r["t_first"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(cfg["T"] * b2.ms)
    r["t_loop"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    r["n_spk"] = [int(np.asarray(me.i).size), int(np.asarray(mi.i).size)]
    _ = np.asarray(me.t / b2.ms), np.asarray(mi.t / b2.ms)
    r["t_collect"] = time.perf_counter() - t0
    r["t_sim"] = float(net.t / b2.ms)

    def loop_only():
        net2, _, _ = _b2_build(b2, cfg, False)
        net2.run(DT * b2.ms)
        t1 = time.perf_counter()
        net2.run(cfg["T"] * b2.ms)
        return time.perf_counter() - t1
    return r, loop_only


def _b2_standalone_once(cfg, t_import0):
    import warnings
    warnings.filterwarnings("ignore")
    import brian2 as b2
    import numpy as np
    r = {"t_import": time.perf_counter() - t_import0}
    _b2_prefs(b2, cfg)
    directory = cfg["standalone_dir"]
    b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
    threads = cfg.get("threads", 1)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0 if threads == 1 else threads
    b2.seed(cfg["seed"])  # after set_device, or the binary draws from an unseeded generator
    rss0 = _rss_now_mb()
    t0 = time.perf_counter()
    net, (me, mi), _ = _b2_build(b2, cfg, True)
    net.run(cfg["T"] * b2.ms)
    r["t_build"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    b2.device.build(directory=directory, compile=True, run=False, with_output=False)
    r["t_first"] = time.perf_counter() - t0       # code generation + C++ compile
    t0 = time.perf_counter()
    b2.device.run(directory=directory, with_output=False)
    r["t_binary"] = time.perf_counter() - t0      # the whole binary: load arrays, run, write
    r["t_loop"] = float(b2.device._last_run_time)
    r["rss_build_mb"] = _rss_now_mb() - rss0
    t0 = time.perf_counter()
    r["n_spk"] = [int(np.asarray(me.i).size), int(np.asarray(mi.i).size)]
    _ = np.asarray(me.t / b2.ms), np.asarray(mi.t / b2.ms)
    r["n_syn"] = int(sum(len(o) for o in net.objects if isinstance(o, b2.Synapses)))
    r["t_collect"] = time.perf_counter() - t0
    r["t_sim"] = cfg["T"]
    return r, None


# ---------------------------------------------------------------------------------------- NEST
def _nest_build(nest, cfg):
    import numpy as np
    n, n_e, n_i = _sizes(cfg)
    nest.ResetKernel()
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:
        nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": DT, "local_num_threads": cfg.get("threads", 1),
                          "rng_seed": cfg["seed"] + 1, "print_time": False})
    if cfg["workload"] == "coba":
        c = COBA
        params = dict(C_m=c["c_m"], g_L=c["g_l"], E_L=c["e_l"], V_th=c["v_th"],
                      V_reset=c["v_r"], t_ref=c["t_ref"], E_ex=c["e_e"], E_in=c["e_i"],
                      tau_syn_ex=c["tau_e"], tau_syn_in=c["tau_i"], I_e=0.0)
        pop = nest.Create("iaf_cond_exp", n, params=params)
        rng = np.random.default_rng(cfg["seed"] + 7)
        pop.set(V_m=list(-65.0 + 5.0 * rng.standard_normal(n)),
                g_ex=list(np.clip(10.0 * (4.0 + 1.5 * rng.standard_normal(n)), 0, None)),
                g_in=list(np.clip(10.0 * (20.0 + 12.0 * rng.standard_normal(n)), 0, None)))
        w_e, w_i = c["w_e"], -c["w_i"]  # NEST: a negative weight targets the inhibitory g
    else:
        c = CUBA
        params = dict(C_m=c["c_m"], tau_m=c["tau_m"], E_L=c["e_l"], V_th=c["v_th"],
                      V_reset=c["v_r"], t_ref=c["t_ref"], tau_syn_ex=c["tau_e"],
                      tau_syn_in=c["tau_i"], I_e=0.0)
        pop = nest.Create("iaf_psc_exp", n, params=params)
        pop.V_m = nest.random.uniform(c["v_r"], c["v_th"])
        w_e, w_i = c["w_e"], c["w_i"]
    exc, inh = pop[:n_e], pop[n_e:]
    delay = nest.random.uniform(1.0, 5.0) if cfg["workload"] == "delays" else DT
    for pre, w, k in ((exc, w_e, 64), (inh, w_i, 16)):
        rule = ({"rule": "fixed_indegree", "indegree": k} if cfg["workload"] == "scaling"
                else {"rule": "pairwise_bernoulli", "p": 0.02})
        nest.Connect(pre, pop, rule, {"synapse_model": "static_synapse", "weight": w,
                                      "delay": delay})
    rec_e = nest.Create("spike_recorder")
    rec_i = nest.Create("spike_recorder")
    nest.Connect(exc, rec_e)
    nest.Connect(inh, rec_i)
    return rec_e, rec_i


def _nest_once(cfg, t_import0):
    import nest
    import numpy as np
    r = {"t_import": time.perf_counter() - t_import0}
    rss0 = _rss_now_mb()
    t0 = time.perf_counter()
    rec_e, rec_i = _nest_build(nest, cfg)
    r["t_build"] = time.perf_counter() - t0
    r["rss_build_mb"] = _rss_now_mb() - rss0
    r["n_syn"] = int(nest.GetKernelStatus("num_connections")) - cfg["n"]  # minus recorder links
    t0 = time.perf_counter()
    nest.Simulate(DT)
    r["t_first"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(cfg["T"])
    r["t_loop"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ev_e, ev_i = rec_e.get("events"), rec_i.get("events")
    _ = np.asarray(ev_e["times"]), np.asarray(ev_i["times"])
    r["n_spk"] = [int(len(ev_e["senders"])), int(len(ev_i["senders"]))]
    r["t_collect"] = time.perf_counter() - t0
    r["t_sim"] = float(nest.biological_time)

    def loop_only():
        _nest_build(nest, cfg)
        nest.Simulate(DT)
        t1 = time.perf_counter()
        nest.Simulate(cfg["T"])
        return time.perf_counter() - t1
    return r, loop_only


def worker(cfg):
    t_import0 = time.perf_counter()
    fn = {"ours": _ours_once, "brian2_cython": _b2_cython_once,
          "brian2_standalone": _b2_standalone_once, "nest": _nest_once}[cfg["lib"]]
    r, loop_only = fn(cfg, t_import0)
    r["t_done_epoch"] = time.time()
    r["t_start_epoch"] = T_START
    r["peak_mb"] = _peak_mb()
    r["peak_children_mb"] = _peak_mb(children=True)
    loops = [r["t_loop"]]
    if loop_only is not None:
        for _ in range(cfg.get("loop_reps", 0)):
            loops.append(loop_only())
    r["loops"] = loops
    print("@@RESULT " + json.dumps(r), flush=True)


# ================================================================================================
# Parent side.
# ================================================================================================

def _have(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


NEUROSIM_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(threads=1):
    env = dict(os.environ)
    env["PYTHONPATH"] = NEUROSIM_ROOT + os.pathsep + env.get("PYTHONPATH", "")
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    for var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS"):
        env[var] = str(threads)
    env["PYTHONWARNINGS"] = "ignore"
    return env


def run_worker(cfg, timeout):
    """Run one measurement in a fresh Python; returns (result dict or None, error text)."""
    env = _env(cfg.get("threads", 1))
    if cfg["lib"] == "ours":
        env["NUMBA_CACHE_DIR"] = cfg["numba_dir"]
    return run_script_worker(os.path.abspath(__file__), cfg, timeout, env)


def run_script_worker(script, cfg, timeout, env):
    """Run ``script --worker cfg`` in a fresh Python with ``env``; its line ``@@RESULT {...}``
    is the result. Returns (result dict or None, error text); ``whole`` is measured here,
    from before the process starts."""
    t0 = time.time()
    try:
        p = subprocess.run([sys.executable, script, "--worker",
                            json.dumps(cfg)], capture_output=True, text=True, timeout=timeout,
                           env=env, cwd=tempfile.gettempdir())
    except subprocess.TimeoutExpired:
        return None, f"timeout (> {timeout:.0f} s)"
    for line in p.stdout.splitlines():
        if line.startswith("@@RESULT "):
            r = json.loads(line[len("@@RESULT "):])
            r["whole"] = r["t_done_epoch"] - t0
            r["py_start"] = r["t_start_epoch"] - t0
            r["loop"] = min(r["loops"])
            return r, ""
    tail = (p.stderr or p.stdout).strip().splitlines()[-3:]
    return None, "failed: " + " | ".join(tail)[-300:]


def _fmt_t(x):
    if x is None:
        return "-"
    return f"{x * 1e3:.0f} ms" if x < 1 else f"{x:.2f} s"


def _fmt_mb(x):
    return "-" if x is None else (f"{x:.0f} MB" if x < 1024 else f"{x / 1024:.2f} GB")


def _rates(r, cfg):
    n, n_e, n_i = _sizes(cfg)
    t_s = r["t_sim"] / 1000.0
    return r["n_spk"][0] / (n_e * t_s), r["n_spk"][1] / (n_i * t_s)


class Bench:
    def __init__(self, args):
        self.args = args
        self.root = tempfile.mkdtemp(prefix="bench_cuba_", dir="/tmp")
        self.numba_dir = os.path.join(self.root, "numba_cache")      # fresh: first run is cold
        self.cython_dir = args.cython_cache
        os.makedirs(self.cython_dir, exist_ok=True)
        self.available = {lib: _have(IMPORT_NAME[lib]) for lib in LIBS if lib != "ours"}
        self.available["ours"] = (_have("numba")
                                  and os.path.isdir(os.path.join(NEUROSIM_ROOT, "neurosim")))
        self.ours_cold = None
        self.b2_warm = set()

    def cfg(self, lib, workload, n, T, loop_reps, cache_dir=None, threads=1):
        sd = tempfile.mkdtemp(prefix="b2sa_", dir=self.root)
        return dict(lib=lib, workload=workload, n=n, T=T, seed=self.args.seed,
                    loop_reps=loop_reps, numba_dir=self.numba_dir,
                    cache_dir=cache_dir or self.cython_dir, standalone_dir=sd, threads=threads)

    def measure(self, lib, workload, n, T, repeats, loop_reps, timeout, threads=1):
        """Whole-process repeats of one library; returns dict with min times and notes."""
        if not self.available[lib]:
            return {"error": "not installed"}
        out = {"runs": [], "cold": None}
        if lib == "ours" and self.ours_cold is None:
            r, err = run_worker(self.cfg(lib, workload, n, T, 0), timeout)
            if r is None:
                return {"error": err}
            self.ours_cold = r
            out["cold"] = r
        if lib == "brian2_cython" and workload not in self.b2_warm:
            self.b2_warm.add(workload)
            if self.args.cold_brian2 and workload != "scaling":
                cold_dir = tempfile.mkdtemp(prefix="cython_cold_", dir=self.root)
                r, err = run_worker(self.cfg(lib, workload, n, T, 0, cache_dir=cold_dir),
                                    timeout)
                shutil.rmtree(cold_dir, ignore_errors=True)
                if r is not None:
                    out["cold"] = r
            # make sure the shared cache is warm for this network; this run is not counted
            run_worker(self.cfg(lib, workload, min(n, 1000), min(T, 10.0), 0), timeout)
        if lib == "brian2_standalone":
            repeats = min(repeats, 2)
        for _ in range(repeats):
            r, err = run_worker(self.cfg(lib, workload, n, T, loop_reps, threads=threads),
                                timeout)
            if r is None:
                if not out["runs"]:
                    return {"error": err}
                break
            out["runs"].append(r)
        best = {}
        for key in ("whole", "t_import", "t_build", "t_first", "loop", "t_collect", "peak_mb",
                    "peak_children_mb", "rss_build_mb", "t_binary", "py_start"):
            vals = [r[key] for r in out["runs"] if key in r]
            best[key] = min(vals) if vals else None
        best["n_syn"] = out["runs"][0]["n_syn"]
        best["rates"] = _rates(out["runs"][0], {"n": n})
        best["t_sim"] = out["runs"][0]["t_sim"]
        best["n_loops"] = sum(len(r["loops"]) for r in out["runs"])
        out["best"] = best
        return out


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    print(line)
    print(sep)
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
    print(flush=True)


def network_table(bench, workload, n, T, libs, repeats, loop_reps, timeout, title):
    print(f"\n## {title}\n", flush=True)
    res = {}
    for lib in libs:
        t0 = time.time()
        res[lib] = bench.measure(lib, workload, n, T, repeats, loop_reps, timeout)
        print(f"  ({LIB_NAMES[lib]}: measured in {time.time() - t0:.0f} s)", flush=True)
    print()
    ours = res.get("ours", {}).get("best")
    headers = ["library", "loop", "first step", "import", "build", "whole process", "peak RSS",
               "synapses", "rate exc / inh (Hz)", "ours faster: loop", "ours faster: whole"]
    rows = []
    for lib in libs:
        o = res[lib]
        if "error" in o:
            rows.append([LIB_NAMES[lib], o["error"]] + [""] * (len(headers) - 2))
            continue
        b = o["best"]
        name = LIB_NAMES[lib]
        peak = _fmt_mb(b["peak_mb"])
        if lib == "brian2_standalone":
            peak += f" (+binary/compiler {_fmt_mb(b['peak_children_mb'])})"
        first = _fmt_t(b["t_first"]) + (" (codegen+compile)" if lib == "brian2_standalone"
                                        else "")
        loop = _fmt_t(b["loop"]) + (" (reported by binary)" if lib == "brian2_standalone"
                                    else "")
        r_loop = r_whole = "-"
        if ours and lib != "ours":
            r_loop = f"{b['loop'] / ours['loop']:.2f}x"
            r_whole = f"{b['whole'] / ours['whole']:.2f}x"
        rows.append([name, loop, first, _fmt_t(b["t_import"]), _fmt_t(b["t_build"]),
                     _fmt_t(b["whole"]), peak, f"{b['n_syn']:,}",
                     f"{b['rates'][0]:.2f} / {b['rates'][1]:.2f}", r_loop, r_whole])
    table(headers, rows)
    notes = []
    for lib in libs:
        o = res[lib]
        if "error" in o:
            continue
        b = o["best"]
        notes.append(f"  {LIB_NAMES[lib]}: {len(o['runs'])} process(es), {b['n_loops']} loop "
                     f"timing(s); Python start to first line {b['py_start'] * 1e3:.0f} ms; "
                     f"collect spikes {_fmt_t(b['t_collect'])}"
                     + (f"; binary incl. file I/O {_fmt_t(b['t_binary'])}"
                        if b.get("t_binary") else ""))
        c = o.get("cold")
        if c is not None:
            what = ("numba compile, empty NUMBA_CACHE_DIR" if lib == "ours"
                    else "empty cython cache")
            notes.append(f"  {LIB_NAMES[lib]} COLD ({what}): first step {_fmt_t(c['t_first'])},"
                         f" whole process {_fmt_t(c['whole'])}, loop {_fmt_t(c['loop'])}")
    print("\n".join(notes), flush=True)
    return res


def scaling_table(bench, sizes, T, libs, timeout, loop_reps):
    print(f"\n## [3] scaling: CUBA, fixed in-degree 80 (64 exc + 16 inh), {T:g} ms, dt = {DT} ms;"
          " NEST: iaf_psc_exp\n", flush=True)
    mem_limit_mb = bench.args.mem_limit_gb * 1024
    res = {lib: {} for lib in libs}
    stop = {lib: None for lib in libs}
    for n in sizes:
        for lib in libs:
            prev = [(m, r) for m, r in res[lib].items() if "best" in r]
            if stop[lib]:
                res[lib][n] = {"error": stop[lib]}
                continue
            if prev:
                m, r = prev[-1]
                est_mem = r["best"]["peak_mb"] * n / m
                est_time = r["best"]["whole"] * n / m
                if est_mem > mem_limit_mb:
                    res[lib][n] = {"error": f"skipped: ~{est_mem / 1024:.1f} GB expected"}
                    continue
                if est_time > timeout:
                    res[lib][n] = {"error": f"skipped: ~{est_time:.0f} s expected"}
                    continue
            t0 = time.time()
            reps = loop_reps if n <= 64000 else 0
            res[lib][n] = bench.measure(lib, "scaling", n, T, 1, reps, timeout)
            if "error" in res[lib][n] and "not installed" in res[lib][n]["error"]:
                stop[lib] = "not installed"
            print(f"  ({LIB_NAMES[lib]}, N = {n}: {time.time() - t0:.0f} s)", flush=True)
    print()
    headers = ["N", "library", "synapses", "loop", "ns / neuron-step", "whole process",
               "build", "peak RSS", "peak B / synapse", "build RSS B / synapse",
               "rate exc / inh (Hz)", "ours faster: loop"]
    rows = []
    for n in sizes:
        for lib in libs:
            o = res[lib][n]
            if "error" in o:
                rows.append([n, LIB_NAMES[lib], o["error"]] + [""] * (len(headers) - 3))
                continue
            b = o["best"]
            steps = round(b["t_sim"] / DT)
            nsps = b["loop"] / (n * steps) * 1e9
            ours = res.get("ours", {}).get(n, {}).get("best")
            r_loop = f"{b['loop'] / ours['loop']:.2f}x" if ours and lib != "ours" else "-"
            peak = b["peak_mb"] if lib != "brian2_standalone" else max(b["peak_mb"],
                                                                        b["peak_children_mb"])
            rows.append([n, LIB_NAMES[lib], f"{b['n_syn']:,}", _fmt_t(b["loop"]),
                         f"{nsps:.1f}", _fmt_t(b["whole"]), _fmt_t(b["t_build"]),
                         _fmt_mb(peak), f"{peak * 2**20 / max(b['n_syn'], 1):.0f}",
                         f"{b['rss_build_mb'] * 2**20 / max(b['n_syn'], 1):.0f}",
                         f"{b['rates'][0]:.2f} / {b['rates'][1]:.2f}", r_loop])
    table(headers, rows)
    # marginal memory per synapse between the two largest sizes each library ran
    for lib in libs:
        ok = [(n, res[lib][n]["best"]) for n in sizes if "best" in res[lib].get(n, {})]
        if len(ok) >= 2:
            (n1, b1), (n2, b2) = ok[-2], ok[-1]
            p1 = b1["peak_mb"] if lib != "brian2_standalone" else max(b1["peak_mb"],
                                                                      b1["peak_children_mb"])
            p2 = b2["peak_mb"] if lib != "brian2_standalone" else max(b2["peak_mb"],
                                                                      b2["peak_children_mb"])
            dsyn = b2["n_syn"] - b1["n_syn"]
            print(f"  {LIB_NAMES[lib]}: N {n1} -> {n2}: peak RSS grows "
                  f"{(p2 - p1) * 2**20 / dsyn:.1f} B per added synapse; resident after build "
                  f"{(b2['rss_build_mb'] - b1['rss_build_mb']) * 2**20 / dsyn:.1f} B per "
                  f"added synapse")
    print(flush=True)
    if "brian2_standalone" in libs:
        print("  Brian2 standalone's peak includes the compiler (RUSAGE_CHILDREN is the max "
              "over g++ and the binary).")
    return res


def threads_table(bench, sizes, thread_counts, T, libs, timeout, loop_reps):
    """The scaling network on 1, 2, ... threads for every library, in one run."""
    libs = [lib for lib in libs if lib != "brian2_cython"]  # runtime Brian2 has no threads
    print(f"\n## [5] threads: CUBA, fixed in-degree 80, {T:g} ms, dt = {DT} ms; threads "
          f"{', '.join(map(str, thread_counts))}; neurosim Simulator(threads=n), Brian2 C++ "
          f"standalone openmp_threads = n, NEST local_num_threads = n\n", flush=True)
    res = {}
    for n in sizes:
        for th in thread_counts:
            for lib in libs:
                t0 = time.time()
                reps = loop_reps if n <= 64000 else 0
                res[n, th, lib] = bench.measure(lib, "scaling", n, T, 1, reps, timeout,
                                                threads=th)
                print(f"  ({LIB_NAMES[lib]}, N = {n}, {th} thread(s): {time.time() - t0:.0f} s)",
                      flush=True)
    print()
    headers = ["N", "threads", "library", "loop", "ns / neuron-step", "speed-up vs 1 thread",
               "build", "rate exc / inh (Hz)", "ours faster: loop"]
    rows = []
    for n in sizes:
        for th in thread_counts:
            for lib in libs:
                o = res[n, th, lib]
                if "error" in o:
                    rows.append([n, th, LIB_NAMES[lib], o["error"]] + [""] * 5)
                    continue
                b = o["best"]
                steps = round(b["t_sim"] / DT)
                one = res.get((n, thread_counts[0], lib), {}).get("best")
                ours = res.get((n, th, "ours"), {}).get("best")
                rows.append([n, th, LIB_NAMES[lib], _fmt_t(b["loop"]),
                             f"{b['loop'] / (n * steps) * 1e9:.2f}",
                             f"{one['loop'] / b['loop']:.2f}x" if one else "-",
                             _fmt_t(b["t_build"]), f"{b['rates'][0]:.2f} / {b['rates'][1]:.2f}",
                             f"{b['loop'] / ours['loop']:.2f}x" if ours and lib != "ours"
                             else "-"])
    table(headers, rows)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller run, about 2 minutes")
    ap.add_argument("--only", action="append", choices=WORKLOADS,
                    help="run only this workload (repeatable)")
    ap.add_argument("--libs", default=",".join(LIBS),
                    help=f"comma-separated subset of {','.join(LIBS)}")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=None,
                    help="whole-process repeats per library (default 3, quick 1)")
    ap.add_argument("--sizes", default=None, help="scaling sizes, comma-separated")
    ap.add_argument("--scaling-ms", type=float, default=100.0)
    ap.add_argument("--threads", default="1,2", help="thread counts of the threads workload")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds per process")
    ap.add_argument("--mem-limit-gb", type=float, default=8.0)
    ap.add_argument("--cold-brian2", action=argparse.BooleanOptionalAction, default=None,
                    help="measure Brian2 cython on an empty cache once per network "
                         "(~30 s each; default on in a full run)")
    ap.add_argument("--cython-cache", default="/tmp/neurosim_bench_brian2_cython",
                    help="Brian2 cython cache dir used for the warm runs")
    ap.add_argument("--neurosim", default=None, metavar="DIR",
                    help="directory holding the neurosim package to measure (default: this "
                         "repository)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return 0
    global NEUROSIM_ROOT
    if args.neurosim:
        NEUROSIM_ROOT = os.path.abspath(args.neurosim)
    if args.cold_brian2 is None:
        args.cold_brian2 = not args.quick
    repeats = args.repeats or (1 if args.quick else 3)
    loop_reps = 0 if args.quick else 2
    libs = [lib for lib in args.libs.split(",") if lib]
    workloads = args.only or [w for w in WORKLOADS if w != "threads"]
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    else:
        sizes = [1000, 4000, 16000] if args.quick else [1000, 4000, 16000, 64000, 256000]

    bench = Bench(args)
    import platform
    print("# neurosim CUBA/COBA benchmark\n")
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; dt = {DT} ms; "
          f"one thread everywhere but in the threads workload; times are minima over repeats; "
          f"'ours faster' = their time / our time")
    vers = []
    for mod in ("numba", "brian2", "nest", "numpy"):
        if _have(mod):
            try:
                from importlib.metadata import version
                dist = {"nest": "nest-simulator", "brian2": "Brian2"}.get(mod, mod)
                vers.append(f"{mod} {version(dist)}")
            except Exception:
                vers.append(f"{mod} (version unknown)")
        else:
            vers.append(f"{mod} not installed")
    print(", ".join(vers))
    print(f"neurosim from {NEUROSIM_ROOT}; work dir {bench.root}; Brian2 cython cache "
          f"{bench.cython_dir}", flush=True)

    try:
        if "cuba" in workloads:
            network_table(bench, "cuba", 4000, 1000.0, libs, repeats, loop_reps, args.timeout,
                          "[1] CUBA, N = 4000, p = 0.02, 1 s, minimal delay (0.1 ms); NEST: "
                          "iaf_psc_exp")
        if "delays" in workloads:
            dl = [lib for lib in libs if not (args.quick and lib == "brian2_standalone")]
            network_table(bench, "delays", 4000, 1000.0, dl, repeats, loop_reps, args.timeout,
                          "[2] CUBA, N = 4000, p = 0.02, 1 s, delays uniform in [1, 5] ms; "
                          "NEST: iaf_psc_exp")
        if "scaling" in workloads:
            sl = [lib for lib in libs if not (args.quick and lib == "brian2_standalone")]
            scaling_table(bench, sizes, args.scaling_ms, sl, args.timeout, loop_reps)
        if "coba" in workloads:
            cl = [lib for lib in libs if not (args.quick and lib == "brian2_standalone")]
            network_table(bench, "coba", 4000, 1000.0, cl, repeats, loop_reps, args.timeout,
                          "[4] COBA, N = 4000, p = 0.02, 1 s, minimal delay; NEST: "
                          "iaf_cond_exp (RKF45)")
        if "threads" in workloads:
            threads_table(bench, [int(s) for s in args.sizes.split(",")] if args.sizes
                          else [4000, 64000, 256000], [int(t) for t in args.threads.split(",")],
                          args.scaling_ms, libs, args.timeout, loop_reps)
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
