"""The CUBA network on neurosim's engine, Brian2 and NEST: rasters and rates side by side.

All three engines receive the very same realised network: neurosim's builder draws the initial
voltages, synapses and weights once, from the seed, and each engine runs that table. The delay
is 0.2 ms (two steps of 0.1 ms) because neurosim's one-step delay has no NEST counterpart (NEST
applies a spike one step later for the same delay; see neurosim.engines.nest). The LIF with
current synapses is integrated exactly everywhere, so the three rasters coincide.
An engine whose simulator is not installed is left out (NEST: pip install -e ".[nest]").

Run: python examples/neurosim_20_three_engines.py [--n 4000] [--duration 1000]
(writes out/neurosim_20_three_engines.png)
"""

import argparse
import importlib.util
import os
import time
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import neurosim as ns  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)   # Brian2's pyparsing calls
os.environ.setdefault("PYNEST_QUIET", "1")                        # no NEST banner


def cuba(n, p):
    """Vogels & Abbott's CUBA network with n neurons, connection probability p."""
    net = ns.Network()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
    exc = net.population(int(0.8 * n), lif, name="exc", v=ns.Uniform(-60.0, -50.0))
    inh = net.population(n - int(0.8 * n), lif, name="inh", v=ns.Uniform(-60.0, -50.0))
    for pre, tau, w in ((exc, 5.0, 20.25), (inh, 10.0, -112.5)):
        for post in (exc, inh):
            net.connect(pre, post, ns.FixedProbability(p), synapse=ns.ExpCurrent(tau=tau),
                        weight=w, delay=0.2)
    return net, net.record_spikes(exc)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4000, help="number of neurons")
    parser.add_argument("--duration", type=float, default=1000.0, help="ms")
    parser.add_argument("--out", default="out/neurosim_20_three_engines.png")
    args = parser.parse_args()
    p = min(1.0, 0.02 * 4000 / args.n)     # keep the original in-degree of 80

    engines = [e for e, module in (("neurosim", None), ("brian2", "brian2"), ("nest", "nest"))
               if module is None or importlib.util.find_spec(module) is not None]
    fig, axes = plt.subplots(2, len(engines), sharex=True, sharey="row", squeeze=False,
                             figsize=(4.5 * len(engines), 5),
                             gridspec_kw=dict(height_ratios=[3, 1]))
    records = {}
    for col, engine in enumerate(engines):
        net, spikes = cuba(args.n, p)
        t0 = time.perf_counter()
        sim = ns.Simulator(net, dt=0.1, seed=7, engine=engine)
        sim.run(args.duration)
        rec = records[engine] = sim.data[spikes]
        cv = np.nanmean(ns.analysis.cv_isi(rec))
        print(f"{engine:9s}: {time.perf_counter() - t0:6.2f} s (build + run), rate "
              f"{rec.mean_rate():5.2f} Hz, ISI CV {cv:.2f}, silent "
              f"{100 * ns.analysis.silent_fraction(rec):.1f} %, {len(rec)} spikes")
        ns.plotting.raster(axes[0, col], rec)
        axes[0, col].set_title(f"{engine}: {rec.mean_rate():.2f} Hz, ISI CV {cv:.2f}")
        axes[0, col].set_xlabel("")
        ns.plotting.rates(axes[1, col], rec, bin_width=5.0)
    ref = records["neurosim"]
    for engine, rec in records.items():
        if engine != "neurosim":
            same = (np.array_equal(rec.steps, ref.steps)
                    and np.array_equal(rec.neurons, ref.neurons))
            print(f"{engine} identical to neurosim spike for spike: {same}")
    fig.suptitle(f"The CUBA network (N = {args.n}) from one description on "
                 f"{', '.join(engines)}")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    fig.savefig(args.out, dpi=120, bbox_inches="tight")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
