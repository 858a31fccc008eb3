"""Models written as equations against the hand-written built-ins, and against Brian2.

Measured in one run, each number in a fresh subprocess (one thread everywhere):

  cuba    CUBA, N = 4000, p = 0.02, 1 s, dt = 0.1 ms (bench_cuba.py's description): the
          built-in LIF, the same LIF written as equations (exact propagator), and Brian2 C++
          standalone on the same workload (bench_cuba.py's worker).
  adex    4000 AdEx neurons, each driven by 100 Poisson afferents at 50 Hz through
          exponential current synapses (tau 5 ms, 40 pA) and 500 pA DC, 1 s, dt = 0.1 ms,
          RK4: the built-in AdEx and the same model written as equations.
  compile the first run of a model written as equations on an empty cache (fresh
          NEUROSIM_CACHE_DIR and NUMBA_CACHE_DIR): build plus the first step, which compiles
          the generated loop and the built-in kernels it imports; then the same in a second
          process on that cache.

Loop = min over repeats of ``sim.run(1000 ms)`` after a warm-up step. Nothing is asserted.

    python benchmarks/bench_equations.py            # about 4 minutes on 2 cores
    python benchmarks/bench_equations.py --no-brian2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_cuba  # noqa: E402  (the CUBA description, the subprocess runner, Brian2's worker)

DT = 0.1
LIF_TEXT = "dv/dt = -(v - e_leak)/tau_m + i_syn/c_m : mV (unless refractory)"
ADEX_TEXT = """
dv/dt = (g_l*(e_l - vc) + g_l*delta_t*exp((vc - v_t)/delta_t) - w + i_syn + i_e)/c_m : mV (unless refractory)
dw/dt = (a*(vc - e_l) - w)/tau_w : pA
vc = clip(v, -1000*mV, v_peak) : mV
"""
ADEX = dict(c_m=281.0, g_l=30.0, e_l=-70.6, v_t=-50.4, delta_t=2.0, a=4.0, tau_w=144.0, b=80.5,
            v_peak=0.0, v_reset=-70.6, i_e=500.0)


def _model(ns, workload, kind):
    c = bench_cuba.CUBA
    if workload == "cuba":
        if kind == "builtin":
            return ns.LIF(tau_m=c["tau_m"], c_m=c["c_m"], e_leak=c["e_l"], v_th=c["v_th"],
                          v_reset=c["v_r"], t_ref=c["t_ref"])
        return ns.NeuronModel.from_equations(
            LIF_TEXT, threshold="v >= v_th", reset="v = v_reset", refractory=c["t_ref"],
            parameters=dict(tau_m=c["tau_m"], c_m=c["c_m"], e_leak=c["e_l"], v_th=c["v_th"],
                            v_reset=c["v_r"]), name="LIFeq")
    if kind == "builtin":
        return ns.AdEx(**{"c_m": ADEX["c_m"], "g_leak": ADEX["g_l"], "e_leak": ADEX["e_l"],
                          "v_t": ADEX["v_t"], "delta_t": ADEX["delta_t"], "a": ADEX["a"],
                          "tau_w": ADEX["tau_w"], "b": ADEX["b"], "v_peak": ADEX["v_peak"],
                          "v_reset": ADEX["v_reset"], "i_e": ADEX["i_e"], "t_ref": 0.0},
                       scheme="rk4")
    return ns.NeuronModel.from_equations(ADEX_TEXT, threshold="v >= v_peak",
                                         reset="v = v_reset; w += b", parameters=ADEX,
                                         scheme="rk4", initial=dict(v=-70.6), name="AdExEq")


def _network(ns, workload, kind, seed):
    model = _model(ns, workload, kind)
    net = ns.Network()
    if workload == "cuba":
        c = bench_cuba.CUBA
        exc = net.population(3200, model, name="exc", v=ns.Uniform(c["v_r"], c["v_th"]))
        inh = net.population(800, model, name="inh", v=ns.Uniform(c["v_r"], c["v_th"]))
        for pre, tau, w in ((exc, c["tau_e"], c["w_e"]), (inh, c["tau_i"], c["w_i"])):
            for post in (exc, inh):
                net.connect(pre, post, ns.FixedProbability(0.02), synapse=ns.ExpCurrent(tau=tau),
                            weight=w, delay=DT)
        return net, [net.record_spikes(exc), net.record_spikes(inh)]
    pop = net.population(4000, model, name="adex", v=-70.6)
    src = net.population(1000, ns.PoissonSource(rate=50.0), name="src")
    net.connect(src, pop, ns.FixedInDegree(100), synapse=ns.ExpCurrent(tau=5.0), weight=40.0,
                delay=1.0)
    return net, [net.record_spikes(pop)]


def worker(cfg):
    t0 = time.perf_counter()
    import neurosim as ns
    r = {"t_import": time.perf_counter() - t0}
    t0 = time.perf_counter()
    net, mons = _network(ns, cfg["workload"], cfg["kind"], cfg["seed"])
    sim = ns.Simulator(net, dt=DT, seed=cfg["seed"])
    r["t_build"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.run(DT)
    r["t_first"] = time.perf_counter() - t0
    loops = []
    for _ in range(cfg["repeats"]):
        t0 = time.perf_counter()
        sim.run(1000.0)
        loops.append(time.perf_counter() - t0)
    r["loops"] = loops
    r["n_spk"] = sum(len(sim.data[m]) for m in mons)
    r["t_done_epoch"] = time.time()
    r["t_start_epoch"] = bench_cuba.T_START
    print("@@RESULT " + json.dumps(r), flush=True)


def run(cfg, env_extra=None, timeout=900):
    env = bench_cuba._env()
    env.update(env_extra or {})
    return bench_cuba.run_script_worker(os.path.abspath(__file__), cfg, timeout, env)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker")
    ap.add_argument("--repeats", type=int, default=3, help="1-s loops per process")
    ap.add_argument("--no-brian2", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return
    root = tempfile.mkdtemp(prefix="bench_equations_")
    warm = {"NEUROSIM_CACHE_DIR": os.path.join(root, "warm_ns"),
            "NUMBA_CACHE_DIR": os.path.join(root, "warm_numba")}
    print(f"# models written as equations vs built-ins ({time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})\n")
    try:
        # compile: empty caches, then a second process on the cache the first one left
        cold = {"NEUROSIM_CACHE_DIR": os.path.join(root, "cold_ns"),
                "NUMBA_CACHE_DIR": os.path.join(root, "cold_numba")}
        print("## first run of a model written as equations\n")
        for workload, label in (("adex", "AdEx as equations"), ("cuba", "LIF as equations")):
            cfg = dict(workload=workload, kind="equations", seed=args.seed, repeats=1)
            r1, e1 = run(cfg, cold)
            r2, e2 = run(cfg, cold)
            if r1 is None or r2 is None:
                print(f"  {label}: {e1 or e2}")
                continue
            print(f"  {label}: empty cache: build {r1['t_build']:.2f} s + first step "
                  f"{r1['t_first']:.2f} s (whole process {r1['whole']:.1f} s); cached: "
                  f"build {r2['t_build']:.2f} s + first step {r2['t_first']:.3f} s (whole "
                  f"process {r2['whole']:.1f} s)")
        print("\n## loops (min over repeats of 1 s simulated)\n")
        results = {}
        for workload in ("cuba", "adex"):
            for kind in ("builtin", "equations"):
                cfg = dict(workload=workload, kind=kind, seed=args.seed, repeats=args.repeats)
                run(cfg, warm)  # fill the cache; not counted
                r, err = run(cfg, warm)
                results[(workload, kind)] = r
                if r is None:
                    print(f"  {workload} {kind}: {err}")
                    continue
                print(f"  {workload:5s} {kind:9s}: loop {min(r['loops']) * 1e3:7.1f} ms, "
                      f"{r['n_spk']} spikes", flush=True)
        b2 = None
        if not args.no_brian2 and bench_cuba._have("brian2"):
            bcfg = dict(lib="brian2_standalone", workload="cuba", n=4000, T=1000.0,
                        seed=args.seed, loop_reps=0, numba_dir=warm["NUMBA_CACHE_DIR"],
                        cache_dir=os.path.join(root, "cython"),
                        standalone_dir=os.path.join(root, "standalone"))
            b2, err = bench_cuba.run_worker(bcfg, 900)
            if b2 is None:
                print(f"  Brian2 C++ standalone: {err}")
            else:
                print(f"  cuba  Brian2 C++ standalone: loop {b2['loop'] * 1e3:7.1f} ms "
                      f"(reported by the binary), {sum(b2['n_spk'])} spikes")
        print("\n## ratios (this run)\n")
        for workload in ("cuba", "adex"):
            a, b = results.get((workload, "builtin")), results.get((workload, "equations"))
            if a and b:
                print(f"  {workload}: equations / built-in loop time = "
                      f"{min(b['loops']) / min(a['loops']):.3f}")
        eq = results.get(("cuba", "equations"))
        bi = results.get(("cuba", "builtin"))
        if b2 and eq and bi:
            print(f"  cuba: Brian2 standalone / ours: built-in {b2['loop'] / min(bi['loops']):.2f}x"
                  f", LIF as equations {b2['loop'] / min(eq['loops']):.2f}x")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
