"""A full-scale cortical column: how fast and how lean the build is, neurosim beside NEST.

The network is the cortical microcircuit of Potjans & Diesmann (2014), "The cell-type specific
cortical microcircuit: relating structure and activity in a full-scale spiking network model",
Cerebral Cortex 24(3):785-806, doi:10.1093/cercor/bhs358: 77,169 LIF neurons in 8
populations (L2/3e, L2/3i, L4e, L4i, L5e, L5i, L6e, L6i; sizes from their Table 5), about
300 million synapses. Each projection has a fixed total number of synapses drawn with
replacement (multapses and autapses allowed, NEST's ``fixed_total_number``), the number
``K = log(1 - C) / log(1 - 1 / (N_pre N_post))`` from the connection probabilities ``C`` of
their Table 5 (as in the paper's eq. 1 and NEST's ``examples/Potjans_2014``), scaled with the
populations (in-degrees kept). Neurons: ``iaf_psc_exp`` (C_m 250 pF, tau_m 10 ms, tau_syn
0.5 ms, E_L = V_reset = -65 mV, V_th -50 mV, t_ref 2 ms), initial V ~ N(-58, 10) mV. Weights:
Gaussian, mean 87.8 pA (a 0.15 mV PSP), relative std 0.1, inhibitory ones -4 times that,
L4e -> L2/3e doubled, clipped at 0 (redrawn: excitatory >= 0, inhibitory <= 0). Delays:
Gaussian, 1.5 ms excitatory / 0.75 ms inhibitory, relative std 0.5, redrawn below 0.1 ms.
Background: Poisson input of 8 Hz from K_ext = 1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100
afferents per neuron, weight 87.8 pA (no thalamic input). dt = 0.1 ms.

Each engine runs in a fresh subprocess (one per measurement), one thread:

  build    the build alone (neurosim: ``Simulator(net, ...)``; NEST: Create + Connect), wall
           and CPU (user + sys: sys is mostly the kernel's first touch of new memory)
  peak     peak RSS during the build (VmHWM, reset by /proc/self/clear_refs just before it)
  steady   RSS right after the build
  before   RSS just before the build (imports and the description)
  B/syn    (peak - before) / synapses and (steady - before) / synapses
  run      wall and CPU seconds per simulated second, over ``--t-sim`` ms after a 1 ms
           warm-up run (numba cache load, NEST's prepare)

NEST keeps a thread's connections of one synapse model under 27-bit local ids
(``NUM_BITS_LCID = 27`` in nest/include/nest/nest_types.h): at most 134,217,727 per thread.
When the column has more (full scale on one thread) the script says so and does not try;
``--nest-scale`` runs NEST and neurosim at a reduced scale instead, for the ratio.

    python benchmarks/bench_column.py                    # full scale neurosim, NEST at 0.1
    python benchmarks/bench_column.py --scale 0.1        # both at 0.1 (about 20 s)
    python benchmarks/bench_column.py --only ours --scale 1.0 --t-sim 100

Prints numbers, asserts nothing, exits 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # this checkout's neurosim
DT = 0.1
NEST_MAX_PER_THREAD = 2**27 - 1
POPS = ("L23e", "L23i", "L4e", "L4i", "L5e", "L5i", "L6e", "L6i")
N_FULL = (20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948)
# Connection probabilities, Potjans & Diesmann (2014) Table 5: row = target, column = source.
C = ((0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0),
     (0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0),
     (0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0),
     (0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0),
     (0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0),
     (0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0),
     (0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252),
     (0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443))
K_EXT = (1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100)
BG_RATE = 8.0  # Hz
NEURON = dict(c_m=250.0, tau_m=10.0, tau_syn=0.5, e_l=-65.0, v_th=-50.0, v_reset=-65.0,
              t_ref=2.0)
PSP = 0.15            # mV, mean PSP amplitude
W_REL_STD = 0.1
G = -4.0
D_EXC, D_INH, D_REL_STD = 1.5, 0.75, 0.5


def psc_per_psp():
    """PSC amplitude (pA) giving a 1 mV PSP peak for iaf_psc_exp (NEST's Potjans_2014
    helpers.postsynaptic_potential_to_current)."""
    c_m, tau_m, tau_s = NEURON["c_m"], NEURON["tau_m"], NEURON["tau_syn"]
    sub = 1.0 / (tau_s - tau_m)
    pre = tau_m * tau_s / c_m * sub
    frac = (tau_m / tau_s) ** sub
    return 1.0 / (pre * (frac ** tau_m - frac ** tau_s))


def column(scale):
    """Population sizes and (target, source, number of synapses, mean weight, mean delay)."""
    sizes = [max(1, int(round(n * scale))) for n in N_FULL]
    w0 = PSP * psc_per_psp()
    projs = []
    for t in range(8):
        for s in range(8):
            if C[t][s] == 0.0:
                continue
            prod = N_FULL[t] * N_FULL[s]
            k_full = math.log(1.0 - C[t][s]) / math.log((prod - 1.0) / prod)
            n = int(round(k_full * scale))
            w = w0 * (G if s % 2 else 1.0) * (2.0 if (t, s) == (0, 2) else 1.0)
            projs.append((t, s, n, w, D_INH if s % 2 else D_EXC))
    return sizes, projs, w0


# ================================================================================ worker side
def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def _reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the peak read later is the build's."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _cpu_since(r0):
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime - r0.ru_utime, r.ru_stime - r0.ru_stime


def worker_ours(scale, t_sim, seed):
    t = time.perf_counter()
    import numpy as np

    import neurosim as ns
    t_import = time.perf_counter() - t
    sizes, projs, w0 = column(scale)
    net = ns.Network()
    lif = ns.LIF(tau_m=NEURON["tau_m"], c_m=NEURON["c_m"], e_leak=NEURON["e_l"],
                 v_th=NEURON["v_th"], v_reset=NEURON["v_reset"], t_ref=NEURON["t_ref"])
    syn = ns.ExpCurrent(tau=NEURON["tau_syn"])
    pops = [net.population(n, lif, name=name, v=ns.Normal(-58.0, 10.0))
            for n, name in zip(sizes, POPS)]
    for t_, s, n, w, d in projs:
        wdist = (ns.Normal(w, abs(w) * W_REL_STD, low=0.0) if w > 0
                 else ns.Normal(w, abs(w) * W_REL_STD, high=0.0))
        net.connect(pops[s], pops[t_], ns.FixedTotalNumber(n), synapse=syn, weight=wdist,
                    delay=ns.Normal(d, d * D_REL_STD, low=DT), name=f"{POPS[s]}->{POPS[t_]}")
    for p, k in zip(pops, K_EXT):
        net.poisson_input(p, rate=BG_RATE, n=k, weight=w0, synapse=syn)
    mons = [net.record_spikes(p) for p in pops]
    before = _status_kb("VmRSS")
    reset = _reset_peak()
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    sim = ns.Simulator(net, dt=DT, seed=seed, threads=ARGS.threads)
    build = time.perf_counter() - t0
    build_user, build_sys = _cpu_since(r0)
    peak = _status_kb("VmHWM") if reset else resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss
    steady = _status_kb("VmRSS")
    n_syn = int(sim._b.synapses.indptr[-1])
    sim.run(1.0)
    c0, t0 = time.process_time(), time.perf_counter()
    sim.run(t_sim)
    run = time.perf_counter() - t0
    run_cpu = time.process_time() - c0
    rates = [float(sim.data[m].neurons.size) / (p.n * (t_sim + 1.0) / 1000.0)
             for m, p in zip(mons, pops)]
    return dict(import_s=t_import, build_s=build, build_user_s=build_user,
                build_sys_s=build_sys, before_kb=before,
                peak_kb=peak, steady_kb=steady, n_syn=n_syn, run_s=run, run_cpu_s=run_cpu,
                rates=rates, peak_reset=reset, n_neurons=int(np.sum(sizes)),
                where=os.path.dirname(os.path.dirname(ns.__file__)))


def worker_nest(scale, t_sim, seed):
    t = time.perf_counter()
    import nest
    t_import = time.perf_counter() - t
    sizes, projs, w0 = column(scale)
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": DT, "local_num_threads": ARGS.threads,
                          "rng_seed": seed + 1,
                          "print_time": False})
    before = _status_kb("VmRSS")
    reset = _reset_peak()
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    params = {"C_m": NEURON["c_m"], "tau_m": NEURON["tau_m"], "tau_syn_ex": NEURON["tau_syn"],
              "tau_syn_in": NEURON["tau_syn"], "E_L": NEURON["e_l"], "V_th": NEURON["v_th"],
              "V_reset": NEURON["v_reset"], "t_ref": NEURON["t_ref"], "I_e": 0.0}
    pops = [nest.Create("iaf_psc_exp", n, params=params) for n in sizes]
    for p in pops:
        p.V_m = nest.random.normal(mean=-58.0, std=10.0)
    for t_, s, n, w, d in projs:
        if w > 0:
            wd = nest.math.redraw(nest.random.normal(mean=w, std=abs(w) * W_REL_STD),
                                  min=0.0, max=float("inf"))
        else:
            wd = nest.math.redraw(nest.random.normal(mean=w, std=abs(w) * W_REL_STD),
                                  min=float("-inf"), max=0.0)
        dd = nest.math.redraw(nest.random.normal(mean=d, std=d * D_REL_STD), min=DT,
                              max=float("inf"))
        nest.Connect(pops[s], pops[t_], {"rule": "fixed_total_number", "N": n,
                                         "allow_autapses": True, "allow_multapses": True},
                     {"synapse_model": "static_synapse", "weight": wd, "delay": dd})
    for p, k in zip(pops, K_EXT):
        pg = nest.Create("poisson_generator", params={"rate": BG_RATE * k})
        nest.Connect(pg, p, "all_to_all", {"weight": w0, "delay": DT})
    recs = []
    for p in pops:
        sr = nest.Create("spike_recorder")
        nest.Connect(p, sr)
        recs.append(sr)
    build = time.perf_counter() - t0
    build_user, build_sys = _cpu_since(r0)
    peak = _status_kb("VmHWM") if reset else resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss
    steady = _status_kb("VmRSS")
    n_syn = int(sum(n for _, _, n, _, _ in projs))
    nest.Simulate(1.0)
    c0, t0 = time.process_time(), time.perf_counter()
    nest.Simulate(t_sim)
    run = time.perf_counter() - t0
    run_cpu = time.process_time() - c0
    rates = [sr.n_events / (len(p) * (t_sim + 1.0) / 1000.0) for sr, p in zip(recs, pops)]
    return dict(import_s=t_import, build_s=build, build_user_s=build_user,
                build_sys_s=build_sys, before_kb=before,
                peak_kb=peak, steady_kb=steady, n_syn=n_syn, run_s=run, run_cpu_s=run_cpu,
                rates=rates, peak_reset=reset, n_neurons=int(sum(sizes)),
                where=f"NEST {nest.__version__}")


# ================================================================================ parent side
def measure(engine, scale, t_sim, seed):
    env = dict(os.environ, NUMBA_NUM_THREADS=str(ARGS.threads),
               OMP_NUM_THREADS=str(ARGS.threads),
               OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", engine, "--scale", str(scale),
           "--t-sim", str(t_sim), "--seed", str(seed), "--threads", str(ARGS.threads)]
    load = open("/proc/loadavg").read().split()[:3]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    whole = time.perf_counter() - t0
    if proc.returncode != 0:
        return dict(error=(proc.stderr.strip().splitlines() or ["?"])[-1], load=load)
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["whole_s"] = whole
    res["load"] = load
    return res


def report(engine, scale, res):
    name = {"ours": "neurosim", "nest": "NEST"}[engine]
    head = f"{name:14s} scale {scale:g}"
    if "error" in res:
        print(f"{head}: failed: {res['error']} (load {' '.join(res['load'])})")
        return
    gib = 2.0**20
    n = res["n_syn"]
    peak_b = (res["peak_kb"] - res["before_kb"]) * 1024 / max(n, 1)
    steady_b = (res["steady_kb"] - res["before_kb"]) * 1024 / max(n, 1)
    per_s = 1000.0 / ARGS.t_sim
    print(f"{head}: {res['n_neurons']:,} neurons, {n:,} synapses ({res['where']}; load "
          f"before {' '.join(res['load'])})")
    print(f"  build {res['build_s']:7.2f} s wall, CPU {res['build_user_s']:.2f} s user + "
          f"{res['build_sys_s']:.2f} s sys (sys: mostly first touch of new memory)")
    print(f"  RSS   before {res['before_kb'] / gib:6.2f} GiB, peak during build "
          f"{res['peak_kb'] / gib:6.2f} GiB, steady after {res['steady_kb'] / gib:6.2f} GiB; "
          f"peak/steady {res['peak_kb'] / res['steady_kb']:.2f}")
    print(f"  B/syn above 'before': peak {peak_b:5.1f}, steady {steady_b:5.1f}")
    print(f"  run   {res['run_s'] * per_s:7.2f} s wall, {res['run_cpu_s'] * per_s:7.2f} s CPU "
          f"per simulated second ({ARGS.t_sim:g} ms simulated)")
    print("  rates (Hz) " + ", ".join(f"{p} {r:.2f}" for p, r in zip(POPS, res["rates"])))
    print(f"  whole subprocess {res['whole_s']:.1f} s wall")


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="scale of neurosim's column")
    ap.add_argument("--nest-scale", type=float, default=0.1,
                    help="scale at which NEST and neurosim run side by side when NEST cannot "
                         "run --scale on one thread")
    ap.add_argument("--t-sim", type=float, default=100.0, help="simulated ms for the run time")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1,
                    help="threads of each engine (neurosim threads=, NEST local_num_threads)")
    ap.add_argument("--only", choices=("ours", "nest"), action="append")
    ap.add_argument("--worker", choices=("ours", "nest"), help=argparse.SUPPRESS)
    ARGS = ap.parse_args()
    if ARGS.worker:
        fn = worker_ours if ARGS.worker == "ours" else worker_nest
        print(json.dumps(fn(ARGS.scale, ARGS.t_sim, ARGS.seed)))
        return
    only = ARGS.only or ["ours", "nest"]
    sizes, projs, _ = column(ARGS.scale)
    n_syn = sum(n for _, _, n, _, _ in projs)
    print(f"Potjans & Diesmann (2014) column at scale {ARGS.scale:g}: {sum(sizes):,} neurons, "
          f"{len(projs)} projections, {n_syn:,} synapses; dt {DT} ms; {ARGS.threads} "
          f"thread(s) each")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load {open('/proc/loadavg').read().strip()}")
    results = {}
    if "ours" in only:
        results[ARGS.scale] = measure("ours", ARGS.scale, ARGS.t_sim, ARGS.seed)
        report("ours", ARGS.scale, results[ARGS.scale])
    if "nest" not in only:
        return
    s = ARGS.scale
    if n_syn > NEST_MAX_PER_THREAD * ARGS.threads:
        s = ARGS.nest_scale
        print(f"NEST at scale {ARGS.scale:g}: not run: {n_syn:,} connections on "
              f"{ARGS.threads} thread(s) exceed NEST's {NEST_MAX_PER_THREAD:,} per thread and "
              f"synapse model (27-bit "
              f"local connection ids); both side by side at scale {s:g}:")
        if "ours" in only:
            results[s] = measure("ours", s, ARGS.t_sim, ARGS.seed)
            report("ours", s, results[s])
    nest_res = measure("nest", s, ARGS.t_sim, ARGS.seed)
    report("nest", s, nest_res)
    ours = results.get(s)
    if ours and "error" not in ours and "error" not in nest_res:
        print(f"NEST / neurosim at scale {s:g}: build "
              f"{nest_res['build_s'] / ours['build_s']:.2f}x, peak RSS "
              f"{nest_res['peak_kb'] / ours['peak_kb']:.2f}x, run "
              f"{nest_res['run_s'] / ours['run_s']:.2f}x")


ARGS = None

if __name__ == "__main__":
    main()
