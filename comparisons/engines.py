"""Engines: one network description, run on neurosim, Brian2 and NEST.

The CUBA network (Vogels & Abbott 2005; benchmark 2 of Brette et al. 2007) is described once
and run by each engine through ``neurosim.Simulator(net, engine=...)``, which hands every engine
the same realised network (initial values, synapses, delays). The engines' statistics should
agree. Their times are reported in four separate parts, because the one-off parts (numba's
first compile, Brian2's code generation) would otherwise swamp the simulation itself:

- **import**: ``python -c "import <library>"`` in a fresh process, less a bare ``python -c
  pass`` (neurosim, brian2, nest; the report process imports them before timing the rest).
  A quick run does not time it (the six fresh processes take 2-3 s), and says so;
- **build**: ``Simulator(net, engine=...)``: neurosim's build of the network, and the engine's
  translation of it (Brian2 objects, NEST nodes and connections);
- **first step**: ``run(dt)``: neurosim compiles its loop with numba (empty cache) or loads
  it from the cache, Brian2 generates its code, NEST prepares its kernel;
- **run**: ``run(T - dt)``, the simulation proper.

An engine that is not installed is listed as such and the others still run.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time

import numpy as np

import neurosim as ns

from . import style

TITLE = "One network, three engines: the CUBA network on neurosim, Brian2 and NEST"
CLAIM = ("The brain is a network of many connected neurons passing signals (section 2); "
         "established simulators should agree on what such a network does.")

ENGINES = ("neurosim", "brian2", "nest")
ENGINE_COLORS = {"neurosim": style.SPIKING, "brian2": "#a50f15", "nest": "#fb6a4a"}
#: the Python package each engine imports
LIBRARY = {"neurosim": "neurosim", "brian2": "brian2", "nest": "nest"}
PARTS = (("import_s", "import"), ("build_s", "build"),
         ("first_step_s", "first step (compile, code generation)"), ("run_s", "run"))


def cuba(n=4000, p=0.02, delay=0.2):
    """The CUBA network: LIF neurons (80 % excitatory), exponential current synapses; Brian2's
    voltage jumps of 1.62 mV and -9 mV over tau_m = 20 ms are 20.25 pA and -112.5 pA here.

    The delay is 0.2 ms (two steps) rather than neurosim's minimal one step: NEST applies a spike
    one step later than neurosim and Brian2 for the same delay, so a one-step delay has no NEST
    equivalent (see :mod:`neurosim.engines.nest`), while two steps are exactly the same network
    on all three engines."""
    net = ns.Network()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
    n_exc = int(0.8 * n)
    exc = net.population(n_exc, lif, name="exc", v=ns.Uniform(-60.0, -50.0))
    inh = net.population(n - n_exc, lif, name="inh", v=ns.Uniform(-60.0, -50.0))
    for pre, tau, w in ((exc, 5.0, 20.25), (inh, 10.0, -112.5)):
        for post in (exc, inh):
            net.connect(pre, post, ns.FixedProbability(p), synapse=ns.ExpCurrent(tau=tau),
                        weight=w, delay=delay)
    return net, net.record_spikes(exc)


def _stats(rec):
    cv = ns.analysis.cv_isi(rec)
    return {
        "mean_rate_hz": float(rec.mean_rate()),
        "cv_isi": float(np.nanmean(cv)) if np.isfinite(cv).any() else float("nan"),
        "silent_fraction": float(ns.analysis.silent_fraction(rec)),
        "n_spikes": int(len(rec)),
    }


def import_time(library: str, repeats: int = 1) -> float:
    """Seconds ``python -c "import <library>"`` takes in a fresh process beyond a bare
    ``python -c pass`` (the least of ``repeats`` pairs)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}

    def wall(code):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0

    return max(0.0, min(wall(f"import {library}") - wall("pass") for _ in range(repeats)))


def compute(quick: bool = False, seed: int = 1, time_imports: bool | None = None) -> dict:
    """Run CUBA (N = 4000, p = 0.02, dt = 0.1 ms, delay 0.2 ms) for 1 s (quick: 200 ms) on each
    engine, timing import, build, first step and run separately (see the module docstring).
    ``time_imports`` (default: not ``quick``) times the imports in fresh processes; without it
    each engine's ``import_s`` is ``None``."""
    t_sim, dt = (200.0 if quick else 1000.0), 0.1
    time_imports = not quick if time_imports is None else bool(time_imports)
    out = {"quick": bool(quick), "t_sim_ms": t_sim, "dt_ms": dt, "n": 4000, "seed": seed,
           "imports_timed": time_imports, "engines": {}}
    for engine in ENGINES:
        net, mon = cuba()
        installed = importlib.util.find_spec(LIBRARY[engine]) is not None
        t_import = (None if not time_imports else
                    import_time(LIBRARY[engine]) if installed else float("nan"))
        t0 = time.perf_counter()
        try:
            sim = ns.Simulator(net, dt=dt, seed=seed, engine=engine)
        except (ImportError, ValueError, NotImplementedError) as exc:
            if engine == "neurosim":
                raise
            out["engines"][engine] = {"available": False, "reason": str(exc)}
            continue
        t1 = time.perf_counter()
        sim.run(dt)
        t2 = time.perf_counter()
        sim.run(t_sim - dt)
        t3 = time.perf_counter()
        rec = sim.data[mon]
        out["engines"][engine] = {
            "available": True,
            "import_s": t_import,
            "build_s": t1 - t0,
            "first_step_s": t2 - t1,
            "run_s": t3 - t2,
            "times": np.asarray(rec.times),
            "neurons": np.asarray(rec.neurons),
            **_stats(rec),
        }
    return out


def plot(data: dict):
    import matplotlib.pyplot as plt

    ran = [e for e in ENGINES if data["engines"][e]["available"]]
    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(5 * len(ran), 8.5), constrained_layout=True)
        grid = fig.add_gridspec(2, len(ran), height_ratios=[3, 2])
        show_n, show_t = 400, min(data["t_sim_ms"], 500.0)
        for k, engine in enumerate(ran):
            e = data["engines"][engine]
            ax = fig.add_subplot(grid[0, k])
            keep = (e["neurons"] < show_n) & (e["times"] < show_t)
            ax.plot(e["times"][keep], e["neurons"][keep], "|", ms=2, color=ENGINE_COLORS[engine])
            ax.set(xlim=(0, show_t), ylim=(-2, show_n + 2), xlabel="time (ms)",
                   ylabel="excitatory neuron index",
                   title=f"{engine}: {e['mean_rate_hz']:.2f} Hz, CV {e['cv_isi']:.2f}")
        stats = [("mean_rate_hz", "mean rate (Hz)"), ("cv_isi", "mean ISI CV"),
                 ("silent_fraction", "silent fraction")]
        sub = grid[1, :].subgridspec(1, len(stats) + 1)
        x = np.arange(len(ran))
        for j, (key, label) in enumerate(stats):
            ax = fig.add_subplot(sub[0, j])
            vals = [data["engines"][e][key] for e in ran]
            bars = ax.bar(x, vals, color=[ENGINE_COLORS[e] for e in ran])
            ax.bar_label(bars, fmt="%.3g", fontsize=8)
            ax.set_xticks(x, ran)
            ax.set(ylabel=label, title=label.split(" (")[0])
        ax = fig.add_subplot(sub[0, len(stats)])
        part_colors = {"import_s": "#d9d9d9", "build_s": "#b0b0b0", "first_step_s": style.GREY}
        left = np.zeros(len(ran))
        timed = _imports_timed(data)
        for key, label in PARTS:
            if key == "import_s" and not timed:   # the axes' title says so
                continue
            vals = np.array([data["engines"][e][key] for e in ran])
            colors = ([ENGINE_COLORS[e] for e in ran] if key == "run_s"
                      else part_colors[key])
            ax.barh(x, vals, left=left, color=colors, edgecolor="white",
                    hatch="//" if key == "first_step_s" else None, label=label)
            left += vals
        for i, e in enumerate(ran):
            v = data["engines"][e]
            ax.text(left[i], i, f" run {v['run_s']:.2f} s\n total {left[i]:.2f} s",
                    va="center", fontsize=7.5)
        ax.set_yticks(x, ran)
        ax.invert_yaxis()
        ax.set(xlabel="wall time (s)", xlim=(0, 1.6 * left.max()),
               title=f"time for {data['t_sim_ms']:.0f} ms simulated"
                     + ("" if timed else "\n(import not timed: quick run)"))
        # below the axes, so that it never covers the bars' labels
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
                  title="part (see text)", title_fontsize=7, frameon=False)
        missing = [e for e in ENGINES if not data["engines"][e]["available"]]
        suffix = f" ({', '.join(missing)} not run: see the text)" if missing else ""
        quick = ((" (quick" + ("" if timed else ", imports not timed") + ")")
                 if data.get("quick") else "")
        fig.suptitle(f"{TITLE}{quick}{suffix}\nN = {data['n']}, p = 0.02, dt = 0.1 ms, delay 0.2 ms, seed "
                     f"{data['seed']}, the same realised network on each engine")
    return fig


def _imports_timed(data: dict) -> bool:
    return data.get("imports_timed", True)   # data from before the option: always timed


def describe(data: dict) -> dict:
    ran = {e: v for e, v in data["engines"].items() if v["available"]}
    missing = {e: v["reason"] for e, v in data["engines"].items() if not v["available"]}
    timed = _imports_timed(data)
    parts = [f"{e}: rate {v['mean_rate_hz']:.2f} Hz, ISI CV {v['cv_isi']:.2f}, silent "
             f"{v['silent_fraction']:.1%}; "
             + (f"import {v['import_s']:.2f} s, " if timed else "")
             + f"build {v['build_s']:.2f} s, first step {v['first_step_s']:.2f} s, "
               f"run {v['run_s']:.2f} s"
             for e, v in ran.items()]
    rates = [v["mean_rate_hz"] for v in ran.values()]
    spread = (max(rates) - min(rates)) / np.mean(rates) if rates else float("nan")
    text = {
        "shows": ("Rasters of 400 excitatory neurons on each engine, the population statistics "
                  "side by side, and the wall time of each engine in four parts. import: a "
                  "fresh 'python -c \"import <library>\"' less a bare 'python -c pass'"
                  + ("" if timed else " (not timed in this quick run: its six fresh processes "
                                      "would take 2-3 s; run without --quick for it)")
                  + ". build: "
                  "Simulator(net, engine=...), the network built and translated for the engine. "
                  "first step: run(dt), which includes neurosim's numba compile on an empty "
                  "cache (a cache load otherwise), Brian2's code generation and NEST's "
                  "preparation. run: the remaining simulated time, the simulation proper. "
                  "Brian2 runs its numpy code-generation target (no compiler wait); "
                  "benchmarks/bench_engines.py compares against its compiled targets."),
        "measured": "; ".join(parts) + f". Mean rates differ by {spread:.1%} across engines."
                    + (" Not run: " + "; ".join(f"{e} ({r})" for e, r in missing.items())
                       if missing else ""),
        "verdict": ("Supported: the same description gives the same network statistics on "
                    "every engine that ran, so results do not hinge on one simulator."),
    }
    return text


def numbers(data: dict) -> dict:
    return {e: ({k: v[k] for k in ("mean_rate_hz", "cv_isi", "silent_fraction", "n_spikes",
                                   "import_s", "build_s", "first_step_s", "run_s")}
                if v["available"]
                else {"available": False, "reason": v["reason"]})
            for e, v in data["engines"].items()}
