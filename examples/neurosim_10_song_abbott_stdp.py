"""Competitive Hebbian learning through STDP (Song, Miller & Abbott 2000, Nat. Neurosci. 3:919).

Many independent Poisson inputs drive one conductance-based LIF neuron through plastic
excitatory synapses with additive, all-to-all STDP, slightly depression-dominated. Starting from
a uniform distribution, the synapses compete: those that happen to cause output spikes are
potentiated and cause more, the rest are depressed, and the weights split into two groups at
the bounds (a bimodal distribution) while the output rate settles.

Parameters as in Brian2's version of the experiment (tau_m = 10 ms, E_L = -74 mV,
V_th = -54 mV, V_reset = -60 mV, tau_e = 5 ms, E_e = 0 mV, 15 Hz inputs, tau_+ = tau_- =
20 ms, A_+ = 0.01 g_max), with two changes so that 60 s of model time (a few seconds to
simulate) suffice: 250 inputs of g_max = 0.4 nS (4 % of the 10 nS leak) instead of 1000 of
1 %, and A_-/A_+ = 1.10 instead of 1.05.
Run: python examples/neurosim_10_song_abbott_stdp.py  (writes out/neurosim_10_song_abbott_stdp.png)
"""

import os
import time

import numpy as np

import neurosim as ns

N_INPUTS = 250
G_MAX = 0.4          # nS
RATE = 15.0          # Hz


def run(duration=60000.0, seed=1):
    """Build and run the experiment; returns the simulator, the projection, the initial
    weights, the output spike monitor and the weight monitor."""
    net = ns.Network()
    inputs = net.population(N_INPUTS, ns.PoissonSource(rate=RATE), name="inputs")
    cell = net.population(1, ns.LIF(tau_m=10.0, c_m=100.0, e_leak=-74.0, v_th=-54.0,
                                    v_reset=-60.0, t_ref=0.0), name="cell")
    rule = ns.STDP(a_plus=0.01 * G_MAX, a_minus=0.011 * G_MAX, tau_plus=20.0,
                   tau_minus=20.0, w_min=0.0, w_max=G_MAX)
    proj = net.connect(inputs, cell, ns.AllToAll(),
                       synapse=ns.ExpConductance(tau=5.0, e_rev=0.0),
                       weight=ns.Uniform(0.0, G_MAX), delay=0.1, plasticity=rule)
    out = net.record_spikes(cell)
    wmon = net.record_weights(proj, every=100.0, synapses=np.arange(0, N_INPUTS, 25))
    sim = ns.Simulator(net, dt=0.1, seed=seed)
    initial = sim.weights(proj)
    sim.run(duration)
    return sim, proj, initial, out, wmon


if __name__ == "__main__":
    t0 = time.perf_counter()
    sim, proj, initial, out, wmon = run()
    final = sim.weights(proj)
    low, high = ns.analysis.bound_fractions(final, 0.0, G_MAX, edge=0.1)
    rec = sim.data[out]
    print(f"simulated {sim.t / 1000:.0f} s in {time.perf_counter() - t0:.1f} s")
    print(f"weights near 0: {100 * low:.0f} %, near g_max: {100 * high:.0f} % "
          f"(uniform start: 10 % each); bimodality coefficient "
          f"{ns.analysis.bimodality_coefficient(initial):.2f} -> "
          f"{ns.analysis.bimodality_coefficient(final):.2f} (uniform 0.56)")
    print(f"output rate: first 5 s {np.sum(rec.times < 5000.0) / 5.0:.1f} Hz, "
          f"last 5 s {np.sum(rec.times >= sim.t - 5000.0) / 5.0:.1f} Hz")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ns.plotting.weight_histogram(axes[0], final, bins=20, w_range=(0.0, G_MAX), unit="nS",
                                 label=f"after {sim.t / 1000:.0f} s", reference=initial)
    ns.plotting.weight_traces(axes[1], sim.data[wmon], unit="nS", color=ns.plotting.COLOR)
    axes[1].set_title("Ten synapses during learning")
    ns.plotting.rates(axes[2], rec, bin_width=1000.0, color=ns.plotting.COLOR)
    axes[2].set_title("Output rate (1 s bins)")
    fig.suptitle("Song, Miller & Abbott (2000): additive STDP makes the weights bimodal")
    fig.tight_layout()
    os.makedirs("out", exist_ok=True)
    fig.savefig("out/neurosim_10_song_abbott_stdp.png", dpi=110)
    print("wrote out/neurosim_10_song_abbott_stdp.png")
