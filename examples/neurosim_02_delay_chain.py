"""A chain of relay neurons: each spike travels on with a 2 ms axonal delay.

A spike stamped at step k with a delay of d steps arrives in step k + d and acts in step
k + d + 1 (as in NEST and Brian2); the relay fires in that very step, so the spike times advance
by exactly 2 ms + dt per link.
Run: python examples/neurosim_02_delay_chain.py  (writes out/neurosim_02_delay_chain.png)
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import neurosim as ns  # noqa: E402

N_LINKS, DELAY = 20, 2.0

net = ns.Network()
src = net.population(1, ns.SpikeTimes([[5.0, 30.0]]), name="source")
relay = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-70.0, v_th=-69.5, v_reset=-70.0, t_ref=0.0)
chain = net.population(N_LINKS, relay, name="chain")
net.connect(src, chain, ns.FromList([[0, 0]]), synapse=ns.Delta(), weight=1.0, delay=DELAY)
links = np.c_[np.arange(N_LINKS - 1), np.arange(1, N_LINKS)]
net.connect(chain, chain, ns.FromList(links), synapse=ns.Delta(), weight=1.0, delay=DELAY)
spikes = net.record_spikes(chain)

sim = ns.Simulator(net, dt=0.1, seed=0)
sim.run(80.0)
rec = sim.data[spikes]
for i, times in enumerate(rec.trains()[:4]):
    print(f"link {i}: {times} ms")

fig, ax = plt.subplots(figsize=(6, 3.5))
ns.plotting.raster(ax, rec, marker="o", markersize=4)
ax.set_title("A chain of neurons: each link adds its 2 ms axonal delay and the 0.1 ms step\n"
             "in which the arrival acts", fontsize=10)
os.makedirs("out", exist_ok=True)
fig.savefig("out/neurosim_02_delay_chain.png", dpi=120, bbox_inches="tight")
