"""Reward-modulated STDP learns to answer one stimulus and ignore another (Izhikevich 2007,
Cereb. Cortex 17:2443, instrumental conditioning).

An output neuron receives background noise and two groups of 50 inputs, A and B, through
plastic synapses with reward-modulated STDP. Each one-second trial presents A or B (its inputs
fire at 40 Hz for 50 ms; otherwise the groups are silent). Right after the stimulus the script
rewards an answer (at least one output spike) to A and punishes an answer to B with a jump of
the dopamine level (``sim.reward``): the eligibility of the synapses that just took part in
pre-before-post pairs becomes potentiation (reward) or depression (punishment). Trials are
correct when the neuron answers A and stays silent for B; the learning curve is the fraction
correct in blocks of 20 trials. Unlike Izhikevich's distal-reward setting the reward here is
immediate, so the eligibility time constant is 200 ms (his: 1 s), shorter than a trial, and
credit does not leak into the next trial; tau_d = 200 ms as in the paper.
Run: python examples/neurosim_12_reward_stdp_task.py  (writes out/neurosim_12_reward_stdp_task.png)
"""

import os

import numpy as np

import neurosim as ns

N_GROUP = 50
STIM_MS = 50.0
GAP_MS = 950.0
TAU_C = 200.0       # ms: shorter than a trial, so that credit does not leak into the next
REWARD = 1.0        # dopamine jump (Hz) for an answer to A; minus that for one to B


def run(n_trials=300, seed=3):
    """Run the task; returns per-trial (stimulus, answered) arrays and the mean A and B weights
    after each trial."""
    net = ns.Network()
    cell = net.population(1, ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-70.0, v_th=-54.0,
                                    v_reset=-70.0, t_ref=2.0), name="cell")
    noise = net.population(200, ns.PoissonSource(rate=5.0), name="noise")
    groups = [net.population(N_GROUP, ns.PoissonSource(rate=0.0), name=n) for n in "AB"]
    net.connect(noise, cell, ns.AllToAll(), synapse=ns.Delta(), weight=0.5, delay=1.0)
    rule = ns.RewardSTDP(a_plus=0.05, a_minus=0.025, tau_plus=20.0, tau_minus=20.0,
                         tau_c=TAU_C, tau_d=200.0, w_min=0.0, w_max=1.0)
    projs = [net.connect(g, cell, ns.AllToAll(), synapse=ns.Delta(), weight=0.13, delay=1.0,
                         plasticity=rule) for g in groups]
    out = net.record_spikes(cell)
    sim = ns.Simulator(net, dt=0.1, seed=seed)
    order = np.random.default_rng(seed).integers(0, 2, n_trials)   # 0 = A, 1 = B
    answered = np.zeros(n_trials, dtype=bool)
    weights = np.zeros((n_trials, 2))
    seen = 0
    for trial, stim in enumerate(order):
        sim.set_rate(groups[stim], 40.0)
        sim.run(STIM_MS)
        sim.set_rate(groups[stim], 0.0)
        count = len(sim.data[out])
        answered[trial] = count > seen
        if answered[trial]:
            sim.reward(REWARD if stim == 0 else -REWARD)
        sim.run(GAP_MS)
        seen = len(sim.data[out])
        weights[trial] = [sim.weights(p).weight.mean() for p in projs]
    return order, answered, weights


def learning_curve(order, answered, block=20):
    """Fraction of correct trials (answer A, ignore B) in consecutive blocks of trials."""
    correct = np.where(order == 0, answered, ~answered)
    n = correct.size // block
    return correct[:n * block].reshape(n, block).mean(axis=1)


if __name__ == "__main__":
    order, answered, weights = run()
    curve = learning_curve(order, answered)
    print("fraction correct per block of 20 trials: " + " ".join(f"{c:.2f}" for c in curve))
    print(f"mean weight A {weights[0, 0]:.2f} -> {weights[-1, 0]:.2f} mV, "
          f"B {weights[0, 1]:.2f} -> {weights[-1, 1]:.2f} mV")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    blocks = (np.arange(curve.size) + 1) * 20
    ax1.plot(blocks, curve, marker="o", color=ns.plotting.COLOR, label="reward-modulated STDP")
    ax1.axhline(0.5, color="0.5", ls="--", lw=0.8, label="chance")
    ax1.set_ylim(0, 1.05)
    ax1.set_xlabel("trial")
    ax1.set_ylabel("fraction correct (blocks of 20 trials)")
    ax1.set_title("Learning curve")
    ax1.legend(frameon=False, loc="lower right")
    trials = np.arange(1, len(order) + 1)
    ax2.plot(trials, weights[:, 0], color=ns.plotting.COLOR, label="group A (rewarded)")
    # Both groups are spiking data, so both red (black is kept for references): B darker, dashed.
    ax2.plot(trials, weights[:, 1], color="#67000d", ls="--", label="group B (punished)")
    ax2.set_xlabel("trial")
    ax2.set_ylabel("mean weight (mV)")
    ax2.set_title("Mean plastic weight per input group")
    ax2.legend(frameon=False, loc="upper left")
    fig.suptitle("Izhikevich (2007): dopamine-gated STDP learns to answer A and ignore B")
    fig.tight_layout()
    os.makedirs("out", exist_ok=True)
    fig.savefig("out/neurosim_12_reward_stdp_task.png", dpi=110)
    print("wrote out/neurosim_12_reward_stdp_task.png")
