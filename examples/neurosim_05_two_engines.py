"""The same CUBA network on neurosim's engine and on Brian2, rasters side by side.

Both engines receive the very same realised network (initial voltages, synapses, weights and
delays are drawn once, with the seed, by neurosim's builder). The LIF with current synapses is
integrated exactly on both, so the spike trains agree spike for spike.
Run: python examples/neurosim_05_two_engines.py  (writes out/neurosim_05_two_engines.png)
"""

import os
import time
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import neurosim as ns  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)   # Brian2's pyparsing calls


def cuba(n=1000, p=0.08):
    """Vogels & Abbott's CUBA network, scaled to n neurons with the original in-degrees."""
    net = ns.Network()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
    exc = net.population(int(0.8 * n), lif, name="exc", v=ns.Uniform(-60.0, -50.0))
    inh = net.population(n - int(0.8 * n), lif, name="inh", v=ns.Uniform(-60.0, -50.0))
    for pre, tau, w in ((exc, 5.0, 20.25), (inh, 10.0, -112.5)):
        for post in (exc, inh):
            net.connect(pre, post, ns.FixedProbability(p), synapse=ns.ExpCurrent(tau=tau),
                        weight=w, delay=0.1)
    return net, net.record_spikes(exc)


fig, axes = plt.subplots(1, 2, sharey=True, figsize=(10, 4))
records = {}
for ax, engine in zip(axes, ("neurosim", "brian2")):
    net, spikes = cuba()
    t0 = time.perf_counter()
    sim = ns.Simulator(net, dt=0.1, seed=7, engine=engine)
    sim.run(500.0)
    rec = records[engine] = sim.data[spikes]
    print(f"{engine:9s}: {time.perf_counter() - t0:5.2f} s, rate {rec.mean_rate():.2f} Hz, "
          f"{len(rec)} spikes")
    ns.plotting.raster(ax, rec)
    ax.set_title(f"{engine}: {rec.mean_rate():.2f} Hz mean rate")
a, b = records["neurosim"], records["brian2"]
same = sorted(zip(a.steps, a.neurons)) == sorted(zip(b.steps, b.neurons))
print(f"identical spike trains: {same}")
fig.suptitle(f"The same CUBA network on two engines (identical spike trains: {same})")
os.makedirs("out", exist_ok=True)
fig.savefig("out/neurosim_05_two_engines.png", dpi=120, bbox_inches="tight")
