"""Izhikevich's (2003) firing classes in one figure.

Each class gets a current step of 10 pA (= mV/ms with c_m = 1 pF) at 20 ms, except the
thalamo-cortical cell, shown in its defining regime: held hyperpolarised (-10 pA from 20 ms) and
released at 100 ms, it answers with a rebound burst. (The resonator's own protocol, pulse pairs
at its resonant interval, is not shown: under a step it fires tonically.)

Run: python examples/neurosim_04_izhikevich_classes.py
(writes out/neurosim_04_izhikevich_classes.png)
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import neurosim as ns  # noqa: E402

STEP = ([20.0], [10.0])          # switch times (ms), amplitudes (pA)
CLASSES = {   # (a, b, c, d), input protocol
    "regular spiking": ((0.02, 0.2, -65.0, 8.0), STEP),
    "intrinsically bursting": ((0.02, 0.2, -55.0, 4.0), STEP),
    "chattering": ((0.02, 0.2, -50.0, 2.0), STEP),
    "fast spiking": ((0.1, 0.2, -65.0, 2.0), STEP),
    "low-threshold spiking": ((0.02, 0.25, -65.0, 2.0), STEP),
    "thalamo-cortical: rebound burst after release from -10 pA": ((0.02, 0.25, -65.0, 0.05),
                                                                  ([20.0, 100.0], [-10.0, 0.0])),
    "resonator": ((0.1, 0.26, -65.0, 2.0), STEP),
}

net = ns.Network()
traces = {}
for k, (name, ((a, b, c, d), (times, amplitudes))) in enumerate(CLASSES.items()):
    pop = net.population(1, ns.Izhikevich(a=a, b=b, c=c, d=d), name=f"c{k}")
    net.inject(pop, ns.StepCurrent(times=times, amplitudes=amplitudes))
    traces[name] = net.record(pop, "v")

sim = ns.Simulator(net, dt=0.05, seed=0)
sim.run(200.0)

fig, axes = plt.subplots(len(CLASSES), 1, sharex=True, figsize=(7, 10))
for ax, (name, mon) in zip(axes, traces.items()):
    ns.plotting.traces(ax, sim.data[mon], color=ns.plotting.COLOR, lw=0.8)
    ax.set_title(name, fontsize=9, loc="left")
    ax.set_ylabel("v (mV)")
    if ax is not axes[-1]:
        ax.set_xlabel("")
fig.suptitle("Izhikevich (2003) firing classes (10 pA step from 20 ms unless stated)")
fig.tight_layout()
os.makedirs("out", exist_ok=True)
fig.savefig("out/neurosim_04_izhikevich_classes.png", dpi=120)
