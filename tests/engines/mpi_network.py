"""A small Brunel-style network on engine="nest", run by tests/engines/test_nest_mpi.py under
``mpirun -np 2`` and in one process. Not a test file: a script.

    python mpi_network.py OUT_FOLDER VIRTUAL_PROCESSES

Every process writes what it holds after the runs to ``OUT_FOLDER/rank{R}.npz``: the spike
records, the state record, ``Simulator.get`` and ``Simulator.weights`` of the plastic
projection, the number of MPI processes and how many of the network's neurons NEST created
on this process.
"""

import os
import sys

import numpy as np

os.environ.setdefault("PYNEST_QUIET", "1")
import neurosim as ns  # noqa: E402


def main(folder, vps):
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-65.0, t_ref=2.0)
    net = ns.Network()
    exc = net.population(80, lif, name="exc", v=ns.Uniform(-65.0, -50.0))
    inh = net.population(20, lif, name="inh", v=ns.Uniform(-65.0, -50.0))
    src = net.population(30, ns.PoissonSource(rate=40.0), name="src")
    syn = ns.ExpCurrent(tau=2.0)
    for pre, w in ((exc, 150.0), (inh, -600.0)):
        for post in (exc, inh):
            net.connect(pre, post, ns.FixedProbability(0.1), synapse=syn, weight=w,
                        delay=ns.Uniform(0.5, 2.0))
    stdp = ns.STDP(tau_plus=20.0, tau_minus=20.0, a_plus=20.0, a_minus=21.0, w_max=400.0)
    plastic = net.connect(src, exc, ns.FixedProbability(0.2), synapse=syn, weight=200.0,
                          delay=1.0, plasticity=stdp)
    # NEST's own poisson_generator: random numbers drawn per virtual process
    net.poisson_input(exc, rate=8.0, n=100, weight=120.0, synapse=syn)
    net.poisson_input(inh, rate=8.0, n=100, weight=120.0, synapse=syn)
    mons = {"exc": net.record_spikes(exc), "inh": net.record_spikes(inh),
            "src": net.record_spikes(src)}
    vmon = net.record(exc, "v", neurons=[0, 1, 41, 79])
    sim = ns.Simulator(net, dt=0.1, seed=3, engine="nest",
                       engine_options={"virtual_processes": vps,
                                       "stdp_edge_pairs_differ": True})
    sim.run(60.0)
    sim.run(40.0)  # records gathered after each run

    import nest
    rank = nest.Rank()
    out = {"processes": nest.NumProcesses(),
           "local_neurons": len(nest.GetNodes({"model": "iaf_psc_exp"}, local_only=True)),
           "v_times": sim.data[vmon].times, "v_values": sim.data[vmon].values,
           "get_v": sim.get(exc, "v"), "weights": sim.weights(plastic).weight}
    for name, mon in mons.items():
        out[f"{name}_steps"] = sim.data[mon].steps
        out[f"{name}_neurons"] = sim.data[mon].neurons
    np.savez(os.path.join(folder, f"rank{rank}.npz"), **out)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
