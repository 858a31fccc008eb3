"""Brunel's (2000) phase diagram on a dask cluster: firing rate and irregularity over (g, eta).

A sparsely connected network of excitatory and inhibitory LIF neurons (Brunel 2000, model A,
scaled down to N_E = 2000, N_I = 500): each neuron receives C_E = 0.1 N_E = 200 excitatory and
C_I = 50 inhibitory synapses (fixed in-degree), delta synapses of J = 0.5 mV (inhibitory:
-g J), delay 1.5 ms, tau_m = 20 ms, threshold 20 mV, reset 10 mV, refractory 2 ms. J C_E =
100 mV is Brunel's (1000 x 0.1 mV), so nu_thr = 10 Hz and the mean input is his; the
fluctuations are larger (a smaller network with stronger synapses). The external drive is
C_E excitatory Poisson inputs per neuron at rate eta * nu_thr, where nu_thr = theta / (J C_E
tau_m) is the rate that brings the mean input to threshold. neurosim has no per-neuron Poisson
drive (yet), so the inputs come from a pool of 10 C_E Poisson sources with fixed in-degree
C_E: two neurons share about 10 % of their external inputs, a small correlation Brunel's
model does not have. Below eta = 1 the network here stays silent (no spikes: blank cells).

``ns.sweep`` runs one simulation per (g, eta, seed) on a LocalCluster (or the scheduler given
by --scheduler), saves every run to --runs as it finishes, and resumes from there when the
script is run again. The figure shows the mean rate and the mean CV of the interspike
intervals, averaged over two seeds: inhibition-dominated networks (g > 4) fire slowly and
irregularly (CV near 1 and above), excitation-dominated ones (g < 4) fire near the maximum
rate the refractory period allows, regularly (Brunel's synchronous regular state).

Run: python examples/neurosim_14_brunel_phase_diagram.py [--quick] [--n-workers 2]
     [--scheduler tcp://host:8786] [--runs out/brunel_runs]
(writes out/neurosim_14_brunel_phase_diagram.png)
"""

import argparse
import functools
import itertools
import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import neurosim as ns  # noqa: E402

THETA, V_RESET, TAU_M, J, DELAY = 20.0, 10.0, 20.0, 0.5, 1.5     # mV, mV, ms, mV, ms


def brunel(seed, g, eta, n_exc=2000, duration=1000.0, transient=100.0):
    """One Brunel network; returns its mean rate (Hz), mean CV ISI and the spikes."""
    n_inh = n_exc // 4
    c_e, c_i = n_exc // 10, n_inh // 10
    nu_thr = THETA / (J * c_e * TAU_M) * 1000.0                 # Hz
    lif = ns.LIF(tau_m=TAU_M, c_m=250.0, e_leak=0.0, v_th=THETA, v_reset=V_RESET, t_ref=2.0)
    net = ns.Network()
    exc = net.population(n_exc, lif, name="exc", v=ns.Uniform(0.0, THETA))
    inh = net.population(n_inh, lif, name="inh", v=ns.Uniform(0.0, THETA))
    pool = net.population(10 * c_e, ns.PoissonSource(rate=eta * nu_thr), name="external")
    for post in (exc, inh):
        net.connect(exc, post, ns.FixedInDegree(c_e), synapse=ns.Delta(), weight=J, delay=DELAY)
        net.connect(inh, post, ns.FixedInDegree(c_i), synapse=ns.Delta(), weight=-g * J,
                    delay=DELAY)
        net.connect(pool, post, ns.FixedInDegree(c_e), synapse=ns.Delta(), weight=J,
                    delay=DELAY)
    spikes = net.record_spikes(exc)
    sim = ns.Simulator(net, dt=0.1, seed=seed)
    sim.run(duration)
    rec = sim.data[spikes]
    keep = rec.times >= transient
    late = ns.SpikeRecord(times=rec.times[keep], neurons=rec.neurons[keep],
                          steps=rec.steps[keep], n_neurons=rec.n_neurons, t_start=transient,
                          t_stop=rec.t_stop, population=rec.population)
    cv = ns.analysis.cv_isi(late)
    return {"rate": late.mean_rate(),
            "cv_isi": float(np.nanmean(cv)) if np.isfinite(cv).any() else float("nan"),
            "spikes": late}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 3 x 3 grid, shorter runs")
    parser.add_argument("--n-workers", type=int, default=2)
    parser.add_argument("--scheduler", default=None, help="address of a dask scheduler")
    parser.add_argument("--runs", default="out/brunel_runs", help="folder of the run files")
    parser.add_argument("--out", default="out/neurosim_14_brunel_phase_diagram.png")
    args = parser.parse_args()
    if args.quick:
        grid = {"g": [3.0, 5.0, 7.0], "eta": [1.0, 2.0, 4.0]}
        fn, runs = functools.partial(brunel, duration=300.0), args.runs + "_quick"
    else:
        grid = {"g": [2.0, 3.0, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0],
                "eta": [0.5, 1.0, 1.5, 2.0, 3.0, 4.0]}
        fn, runs = brunel, args.runs

    t0 = time.perf_counter()
    table = ns.sweep(fn, grid=grid, seeds=[1, 2], out=runs, client=args.scheduler,
                     n_workers=args.n_workers)
    print(f"{len(table)} runs ({int(table.resumed.sum())} resumed from {runs}) in "
          f"{time.perf_counter() - t0:.1f} s")
    failed = table[table.status != "ok"]
    if len(failed):
        print(f"{len(failed)} runs failed; their cells are blank:")
        print(failed[["g", "eta", "seed", "error"]].to_string(index=False))
    mean = table[table.status == "ok"].groupby(["g", "eta"])[["rate", "cv_isi"]].mean()
    print(mean.reset_index().round(2).to_string(index=False))

    gs, etas = grid["g"], grid["eta"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax, column, label, cmap, fmt in (
            (axes[0], "rate", "mean rate (Hz)", "viridis", "{:.0f}"),
            (axes[1], "cv_isi", "mean CV of ISI (1)", "magma", "{:.2f}")):
        values = mean[column].unstack("g").reindex(index=etas, columns=gs).to_numpy()
        im = ax.pcolormesh(_edges(gs), _edges(etas), np.ma.masked_invalid(values), cmap=cmap)
        for (i, eta), (j, g) in itertools.product(enumerate(etas), enumerate(gs)):
            if np.isfinite(values[i, j]):
                dark = im.norm(values[i, j]) < 0.6
                ax.text(g, eta, fmt.format(values[i, j]), ha="center", va="center", fontsize=6,
                        color="white" if dark else "black")
        ax.set_xticks(gs, [f"{g:g}" for g in gs])
        ax.set_yticks(etas, [f"{e:g}" for e in etas])
        ax.set_xlabel("g, relative strength of inhibition (1)")
        ax.set_ylabel(r"$\eta = \nu_{ext} / \nu_{thr}$ (1)")
        ax.set_title(f"Excitatory neurons: {label.split(' (')[0]}")
        fig.colorbar(im, ax=ax, label=label)
    fig.suptitle(f"Brunel (2000) network, N = 2500 neurons: {len(table)} runs on dask, mean of "
                 f"2 seeds (blank: no neuron fired 3 spikes)")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


def _edges(values):
    """Cell edges around sorted grid values: midpoints, and half a gap beyond the ends."""
    v = np.asarray(values, dtype=float)
    mid = (v[1:] + v[:-1]) / 2
    return np.r_[v[0] - (mid[0] - v[0]), mid, v[-1] + (v[-1] - mid[-1])]


if __name__ == "__main__":
    main()
