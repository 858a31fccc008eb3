"""One LIF neuron, a current step and one synaptic input, with the analytic trace overlaid.

The simulated voltage equals the closed-form solution to rounding error, at any dt.
Run: python examples/neurosim_01_lif_analytic.py  (writes out/neurosim_01_lif_analytic.png)
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import neurosim as ns  # noqa: E402

TAU_M, C_M, E_L, TAU_S = 20.0, 250.0, -70.0, 5.0
I_STEP, T_ON, W, T_SPIKE, DELAY, DT = 200.0, 20.0, 400.0, 60.0, 1.0, 0.5

net = ns.Network()
cell = net.population(1, ns.LIF(tau_m=TAU_M, c_m=C_M, e_leak=E_L, v_th=-50.0, v_reset=-70.0),
                      name="cell")
net.inject(cell, ns.DCCurrent(I_STEP, start=T_ON))
src = net.population(1, ns.SpikeTimes([[T_SPIKE]]), name="input")
net.connect(src, cell, ns.OneToOne(), synapse=ns.ExpCurrent(tau=TAU_S), weight=W, delay=DELAY)
trace = net.record(cell, "v")

sim = ns.Simulator(net, dt=DT, seed=0)
sim.run(150.0)
rec = sim.data[trace]



def analytic(t):
    """Closed form: the step response plus the exponential-current PSP (the spike arrives at
    T_SPIKE + DELAY and acts from the next step on, as in NEST and Brian2)."""
    step = np.where(t >= T_ON, TAU_M / C_M * I_STEP * -np.expm1(-(t - T_ON) / TAU_M), 0.0)
    s = np.maximum(t - (T_SPIKE + DELAY + DT), 0.0)
    psp = W / C_M * (np.exp(-s / TAU_S) - np.exp(-s / TAU_M)) / (1 / TAU_M - 1 / TAU_S)
    return E_L + step + psp


t = np.linspace(0.0, 150.0, 3001)
error = np.abs(rec.values[:, 0] - analytic(rec.times)).max()
print(f"max |simulated - analytic| on the grid: {error:.2e} mV")

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(t, analytic(t), color="0.6", lw=3, label="analytic")
ns.plotting.traces(ax, rec, marker=".", linestyle="none", color=ns.plotting.COLOR)
ax.legend(["analytic (closed form)", "neurosim, dt = 0.5 ms"], loc="lower right")
ax.set_title(f"LIF: {I_STEP:.0f} pA step at {T_ON:.0f} ms, one synaptic input at "
             f"{T_SPIKE:.0f} ms (+{DELAY:.0f} ms delay)\nmax |simulated - analytic| = {error:.1e} mV",
             fontsize=10)
os.makedirs("out", exist_ok=True)
fig.savefig("out/neurosim_01_lif_analytic.png", dpi=120, bbox_inches="tight")
