"""The CUBA network: Vogels & Abbott (2005), benchmark 2 of Brette et al. (2007).

4000 LIF neurons (80 % excitatory), connection probability 2 %, exponential current synapses;
the leak reversal lies above threshold so the network is active without external input.
Brian2's voltage-unit synaptic jumps (1.62 mV and -9 mV over tau_m = 20 ms) are currents of
1.62 * c_m / tau_m = 20.25 pA and -112.5 pA here.
Run: python examples/neurosim_03_cuba.py  (writes out/neurosim_03_cuba.png)
"""

import os
import time

import numpy as np

import neurosim as ns

t_start = time.perf_counter()
net = ns.Network()
lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
exc = net.population(3200, lif, name="exc", v=ns.Uniform(-60.0, -50.0))
inh = net.population(800, lif, name="inh", v=ns.Uniform(-60.0, -50.0))
for pre, tau, w in ((exc, 5.0, 20.25), (inh, 10.0, -112.5)):
    for post in (exc, inh):
        net.connect(pre, post, ns.FixedProbability(0.02), synapse=ns.ExpCurrent(tau=tau),
                    weight=w, delay=0.1)
spikes_exc = net.record_spikes(exc)
spikes_inh = net.record_spikes(inh)

t_build = time.perf_counter()
sim = ns.Simulator(net, dt=0.1, seed=1)
sim.run(0.1)                       # compiles (or loads the cached) kernel
t_run = time.perf_counter()
sim.run(999.9)
t_end = time.perf_counter()

rec = sim.data[spikes_exc]
print(f"{sim.n_synapses} synapses; build {t_run - t_build:.3f} s (incl. JIT/cache load), "
      f"simulation loop {t_end - t_run:.3f} s for 1 s of biological time")
print(f"excitatory rate {rec.mean_rate():.2f} Hz, "
      f"inhibitory rate {sim.data[spikes_inh].mean_rate():.2f} Hz, "
      f"mean ISI CV {np.nanmean(ns.analysis.cv_isi(rec)):.2f}, "
      f"silent {100 * ns.analysis.silent_fraction(rec):.1f} %")

if __name__ == "__main__":
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(7, 5),
                                   gridspec_kw=dict(height_ratios=[3, 1]))
    ns.plotting.raster(ax1, rec, markersize=1.0)
    ax1.set_xlabel("")
    ax1.set_title("CUBA network (Vogels & Abbott 2005), excitatory population")
    ns.plotting.rates(ax2, rec, bin_width=5.0)
    ax2.set_ylabel("rate (Hz)\n5 ms bins")
    os.makedirs("out", exist_ok=True)
    fig.savefig("out/neurosim_03_cuba.png", dpi=120, bbox_inches="tight")
    print(f"whole script {time.perf_counter() - t_start:.2f} s after imports")
