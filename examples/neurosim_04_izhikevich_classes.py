"""Izhikevich's (2003) firing classes in one figure.

Each class gets a current step of 10 pA (= mV/ms with c_m = 1 pF) at 20 ms, except the
thalamo-cortical cell, shown in its defining regime: held hyperpolarised (-10 pA from 20 ms) and
released at 100 ms, it answers with a rebound burst.

The resonator (a=0.1, b=0.26, c=-65, d=2) is shown with its own protocol, after Izhikevich
(2004, IEEE TNN 15:1063), Fig. 1(K) "resonator" (his script
izhikevich.org/publications/figure1.m): 4 ms pulses in pairs 20 and 40 ms apart, from rest, no
bias (his cell has c=-60, d=-1, which act only after a spike, so the subthreshold dynamics are
the same). Linearised at its rest (-62.5 mV, u = -16.25) the model has eigenvalues -0.050 +-
0.153i /ms: a damped oscillation of period 2 pi / 0.153 = 41.0 ms. A 4 ms pulse of 0.6 pA alone
stays subthreshold; a second one 41 ms later arrives on the next depolarising swing and the cell
fires, while 20.5 ms later (half the period) it arrives in the trough and does not. (The
published pulses are 0.65 pA; 0.6 sits in the middle of the window, 0.55-0.66 pA, where the
resonance shows. Pulses closer than about 12 ms simply sum. A bias towards the Andronov-Hopf
point, e.g. 0.2 pA, damps the oscillation less but makes this cell bistable: one spike then
turns into sustained firing.)

Run: python examples/neurosim_04_izhikevich_classes.py
(writes out/neurosim_04_izhikevich_classes.png)
"""

import os

import matplotlib
import numpy as np

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
}
RZ = (0.1, 0.26, -65.0, 2.0)
V_REST = -62.5                          # mV, root of 0.04 v^2 + (5 - b) v + 140 = 0
PULSE, WIDTH = 0.6, 4.0                 # pA, ms
PERIOD = 41.0                           # ms, 2 pi / Im(eigenvalue) at rest, to the dt grid
PAIRS = {20.0: PERIOD / 2, 100.0: PERIOD}   # first onset (ms): interval (ms)
ONSETS = [t for t0, gap in PAIRS.items() for t in (t0, t0 + gap)]
RZ_TITLE = (f"resonator: {WIDTH:g} ms pulses of {PULSE:g} pA (grey) in pairs, from rest\n"
            f"{PERIOD:g} ms apart (its oscillation period) the pair fires, "
            f"{PERIOD / 2:g} ms apart it does not")

net = ns.Network()
traces, spikes = {}, {}
for k, (name, ((a, b, c, d), (times, amplitudes))) in enumerate(CLASSES.items()):
    pop = net.population(1, ns.Izhikevich(a=a, b=b, c=c, d=d), name=f"c{k}")
    net.inject(pop, ns.StepCurrent(times=times, amplitudes=amplitudes))
    traces[name] = net.record(pop, "v")
    spikes[name] = net.record_spikes(pop)
a, b, c, d = RZ
pop = net.population(1, ns.Izhikevich(a=a, b=b, c=c, d=d), name="rz", v=V_REST, u=b * V_REST)
net.inject(pop, ns.StepCurrent(times=[t for t0 in ONSETS for t in (t0, t0 + WIDTH)],
                               amplitudes=[PULSE, 0.0] * len(ONSETS)))
traces[RZ_TITLE] = net.record(pop, "v")
spikes[RZ_TITLE] = net.record_spikes(pop)

sim = ns.Simulator(net, dt=0.05, seed=0)
sim.run(200.0)

# What the figure shows, in numbers: spike times per class (the first intervals tell the
# classes apart: regular, bursts, chattering, fast), and which resonator pair made it fire.
for name, mon in spikes.items():
    t = sim.data[mon].times
    label = "resonator" if name == RZ_TITLE else name
    isi = np.diff(t)
    print(f"{label:58s} {t.size:3d} spike{'' if t.size == 1 else 's'}"
          + (f", first at {t[0]:6.1f} ms" if t.size else "")
          + (f", first intervals {', '.join(f'{x:.1f}' for x in isi[:3])} ms" if isi.size else ""))
rz_t = sim.data[spikes[RZ_TITLE]].times
for t0, gap in PAIRS.items():
    fired = np.any((rz_t >= t0) & (rz_t < t0 + gap + 40.0))
    print(f"resonator, pulses {gap:g} ms apart from {t0:g} ms: {'fires' if fired else 'no spike'}")

# One row per class, the resonator's row twice: full scale, then zoomed on its subthreshold
# ringing (the spike runs off that axis).
fig, axes = plt.subplots(len(traces) + 1, 1, sharex=True, figsize=(7, 12),
                         height_ratios=[1.0] * len(traces) + [0.8])
for ax, (name, mon) in zip(axes, traces.items()):
    ns.plotting.traces(ax, sim.data[mon], color=ns.plotting.COLOR, lw=0.8)
    ax.set_title(name, fontsize=9, loc="left")
    ax.set_ylabel("v (mV)")
    ax.set_xlabel("")
rz, zoom = axes[-2], axes[-1]
ns.plotting.traces(zoom, sim.data[traces[RZ_TITLE]], color=ns.plotting.COLOR, lw=0.8)
zoom.set_ylim(V_REST - 3.0, V_REST + 7.0)
zoom.set_ylabel("v, zoom (mV)")
for ax in (rz, zoom):
    for t0 in ONSETS:
        ax.axvspan(t0, t0 + WIDTH, color="0.8", lw=0)
for t0, gap in PAIRS.items():
    zoom.annotate("", xy=(t0 + gap, V_REST + 5.0), xytext=(t0, V_REST + 5.0),
                  arrowprops=dict(arrowstyle="<->", lw=0.8, shrinkA=0, shrinkB=0))
    zoom.text(t0 + gap / 2, V_REST + 5.3, f"{gap:g} ms", ha="center", va="bottom", fontsize=8)
fig.suptitle("Izhikevich (2003) firing classes (10 pA step from 20 ms unless stated)")
fig.tight_layout()
os.makedirs("out", exist_ok=True)
fig.savefig("out/neurosim_04_izhikevich_classes.png", dpi=120)
print("wrote out/neurosim_04_izhikevich_classes.png")
