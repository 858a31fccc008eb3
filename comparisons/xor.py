"""Learning XOR: back propagation in an MLP beside reward-modulated STDP in a spiking network.

**The artificial half.** The article (section 4) trains a 2-2-1 MLP with ReLU and Adam for 1000
epochs and presents it as learning XOR. Run over many seeds, it mostly does not: hidden ReLU
units die (output 0 on all four inputs, so no gradient reaches them) or the network settles in a
local minimum. This comparison measures how often, and shows a recipe that always works.

**The spiking half.** A network of LIF neurons learns the same task from a reward alone, with
reward-modulated STDP (R-STDP; Izhikevich 2007, Cereb. Cortex 17:2443, whose rule and eligibility
trace :class:`neurosim.RewardSTDP` implements; Florian 2007, Neural Comput. 19:1468, trains XOR
with reward-modulated plasticity the same way: reward +1 for a right answer, -1 for a wrong one).

- *Input code*: each bit has two groups of 20 Poisson sources, one for the value 0 and one for 1
  (x1=0, x1=1, x2=0, x2=1); a pattern switches on one group per bit at 40 Hz for 100 ms, so
  every pattern, (0, 0) included, drives exactly two groups.
- *Hidden layer*: 60 LIF units with *fixed* random wiring: each draws 2 of the 4 groups (in-degree
  2, a sparse random expansion in the spirit of Marr 1969 and Albus 1971; Litwin-Kumar et al. 2017,
  Neuron 93:1153, show why small in-degrees suit a later linear readout). One group alone
  depolarises a unit by about 10 mV, two by about 21 mV against a 16 mV threshold, so a unit
  fires only when both of its groups are on. Two thirds of the units thus become detectors of
  one conjunction "x1 = a and x2 = b", i.e. of one pattern; the rest (wired to both values of
  one bit) stay silent. XOR is not linearly separable in the inputs -- nor in the 4 groups, which
  are affine functions of (x1, x2) -- so no single layer of plastic synapses onto the outputs could
  learn it from them; on the conjunction units it is separable, and a reward-gated readout
  can learn it.
- *Readout*: two populations of 10 LIF neurons, "answer 0" and "answer 1", each with private
  Poisson noise (exploration) and mutual inhibition. The population with more spikes during the
  stimulus is the answer (a tie is no answer, counted wrong). Only the hidden -> output synapses
  (2 x 60 x 10 = 1200) are plastic, with :class:`neurosim.RewardSTDP`.
- *Reward*: after each trial's stimulus the script computes the reward, +1 for a right answer and
  -1 otherwise (:func:`judge`), and turns it into a dopamine jump with ``sim.reward``. Trials
  present the four patterns in random order. Two variants:
  ``plain`` -- dopamine jump = 50 Hz x reward, the rule as Izhikevich and Florian use it;
  ``critic`` -- dopamine jump = 50 Hz x (reward - expected reward of that pattern), the expectation a
  running mean of past rewards (Fremaux, Sprekeler & Gerstner 2010, J. Neurosci. 30:13326, show
  that R-STDP needs such a reward-prediction error once there is more than one stimulus: with a
  biased reward the rule's unsupervised STDP part drifts the weights). Since the expectation lies
  in [-1, 1], the dopamine jump always has the sign of the reward.
- *Measured*: the fraction correct per block of 20 trials over several seeds, the test accuracy
  on each pattern after training (10 presentations each, no reward), and the weights before and
  after, split by whether a synapse leads from a pattern's detector to the right or the wrong
  answer.

What each update uses: back propagation changes every weight by its own error derivative, the
output error sent back through the downstream weights; R-STDP changes a synapse by its own
pre/post spike timing (the eligibility trace) times one scalar that is broadcast to all synapses.
"""

from __future__ import annotations

import time

import numpy as np

import neurosim as ns
from artificial import Adam, Dense, Sequential, xor

from . import style

TITLE = "Learning XOR: back propagation in an MLP beside reward-modulated STDP in spiking neurons"
CLAIM = ("The article's Keras MLP (2 ReLU hidden units, Adam, 1000 epochs) learns XOR "
         "(section 4).")


def _article(seed):
    m = Sequential(seed=seed)
    m.add(Dense(2, input_dim=2, activation="relu"))
    m.add(Dense(1, activation="sigmoid"))
    m.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return m, 1000


def _reliable(seed):
    m = Sequential(seed=seed)
    m.add(Dense(8, input_dim=2, activation="tanh"))
    m.add(Dense(1, activation="sigmoid"))
    m.compile(loss="binary_crossentropy", optimizer=Adam(0.05), metrics=["accuracy"])
    return m, 300


RECIPES = {
    "article": ("article: 2 ReLU, Adam 0.001, 1000 epochs", _article),
    "reliable": ("reliable: 8 tanh, Adam 0.05, 300 epochs", _reliable),
}


# --- the spiking side: reward-modulated STDP ---------------------------------------------------

#: The four XOR patterns (x1, x2) and their targets.
PATTERNS = ((0, 0), (0, 1), (1, 0), (1, 1))
TARGETS = (0, 1, 1, 0)

#: Network and task parameters of the spiking learner (units: ms, mV, pA, Hz).
SPIKING = {
    "n_group": 20,          # Poisson sources per input group (groups: x1=0, x1=1, x2=0, x2=1)
    "input_rate": 40.0,     # Hz, rate of an active group during the stimulus
    "n_hidden": 60,         # LIF hidden units, each wired to 2 of the 4 groups at random
    "w_in": 0.65,           # mV per input spike: one group alone ~10 mV (sub-threshold), two ~21
    "n_out": 10,            # LIF neurons per output population ("answer 0", "answer 1")
    "noise_rate": 1000.0,   # Hz, private Poisson drive of each output neuron (exploration)
    "w_noise": 0.5,         # mV per noise spike (mean depolarisation 10 mV, threshold 16 mV)
    "w_inh": -300.0,        # pA, ExpCurrent(10 ms) from every neuron of one output to the other
    "w_init": (0.5, 1.5),   # mV, initial hidden -> output weights, uniform
    "stim_ms": 100.0,       # stimulus, then the answer is read and the reward delivered
    "gap_ms": 150.0,        # silence after the reward: dopamine (tau_d 50 ms) turns eligibility
                            # into weight and has decayed to 5 % when the next trial starts
    "reward_scale": 50.0,   # dopamine jump (Hz, i.e. 0.05 per ms) for a reward of +-1
    "critic_rate": 0.2,     # learning rate of the per-pattern reward expectation (critic variant)
    "block": 20,            # trials per point of the learning curve
    "n_test": 10,           # test presentations of each pattern after training, without reward
}
RULE = dict(a_plus=0.1, a_minus=0.05, tau_plus=20.0, tau_minus=20.0, tau_c=100.0, tau_d=50.0,
            w_min=0.0, w_max=4.0)

VARIANTS = {
    "plain": "R-STDP, dopamine = reward (+1/-1)",
    "critic": "R-STDP, dopamine = reward - expected reward",
}


def judge(counts, target):
    """The answer of one trial from the spike counts ``(n0, n1)`` of the two output populations,
    and its reward: the population that fired more answers (a tie is no answer); +1 for the
    right answer, -1 otherwise."""
    n0, n1 = int(counts[0]), int(counts[1])
    answer = 0 if n0 > n1 else 1 if n1 > n0 else None
    correct = answer == target
    return answer, correct, (1.0 if correct else -1.0)


def _hidden_wiring(rng, n_hidden):
    """Each hidden unit draws 2 of the 4 input groups (a random sparse expansion, in-degree 2).
    Returns the (4, n_hidden) boolean wiring and each unit's pattern (-1 for a unit that
    listens to both values of one bit and so never sees both of its groups active)."""
    wiring = np.zeros((4, n_hidden), dtype=bool)
    for h in range(n_hidden):
        wiring[rng.choice(4, 2, replace=False), h] = True
    pattern = np.full(n_hidden, -1)
    for p, (a, b) in enumerate(PATTERNS):
        pattern[wiring[a] & wiring[2 + b]] = p
    return wiring, pattern


#: The runs of :func:`spiking_xor` made in this process, by their arguments and settings.
_RUNS = {}


def spiking_xor(seed: int, n_trials: int, critic: bool = False) -> dict:
    """Train the spiking XOR network of the module docstring for ``n_trials`` rewarded trials
    (patterns in random order), then test each pattern ``n_test`` times without reward.

    Returns per trial the pattern, spike counts, answer, correctness, reward and dopamine jump (Hz);
    the per-pattern test accuracy; the hidden -> output weights before and after (with each
    synapse's hidden unit pattern and output), the hidden units' wiring, and ``wall_s``, the
    seconds the run took.

    A run is a function of its arguments and of :data:`SPIKING` and :data:`RULE` (every random
    draw is seeded), so a process that asks for the same run again gets a copy of the first
    one's results, ``wall_s`` included, without simulating again: the quick report's gradients
    comparison reuses a run of its xor comparison this way.
    """
    key = (int(seed), int(n_trials), bool(critic), repr(sorted(SPIKING.items())),
           repr(sorted(RULE.items())))
    if key not in _RUNS:
        t0 = time.perf_counter()
        run = _spiking_xor(seed, n_trials, critic)
        run["wall_s"] = time.perf_counter() - t0
        _RUNS[key] = run
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in _RUNS[key].items()}


def _spiking_xor(seed, n_trials, critic):
    P = SPIKING
    rng = np.random.default_rng(seed)
    wiring, unit_pattern = _hidden_wiring(rng, P["n_hidden"])
    ng = P["n_group"]
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-70.0, v_th=-54.0, v_reset=-70.0, t_ref=2.0)
    net = ns.Network()
    inputs = net.population(4 * ng, ns.PoissonSource(rate=0.0), name="inputs")
    hidden = net.population(P["n_hidden"], lif, name="hidden")
    w_in = np.repeat(wiring * P["w_in"], ng, axis=0)           # (4 ng, n_hidden)
    net.connect(inputs, hidden, ns.FromMatrix(w_in), synapse=ns.Delta(), delay=1.0)
    outs = [net.population(P["n_out"], lif, name=f"answer {k}") for k in range(2)]
    rule = ns.RewardSTDP(**RULE)
    projs = [net.connect(hidden, o, ns.AllToAll(), synapse=ns.Delta(),
                         weight=ns.Uniform(*P["w_init"]), delay=1.0, plasticity=rule)
             for o in outs]
    for k in range(2):
        noise = net.population(P["n_out"], ns.PoissonSource(rate=P["noise_rate"]),
                               name=f"noise {k}")
        net.connect(noise, outs[k], ns.OneToOne(), synapse=ns.Delta(), weight=P["w_noise"],
                    delay=1.0)
        net.connect(outs[k], outs[1 - k], ns.AllToAll(), synapse=ns.ExpCurrent(tau=10.0),
                    weight=P["w_inh"], delay=0.5)
    mons = [net.record_spikes(o) for o in outs]
    sim = ns.Simulator(net, dt=0.1, seed=seed)
    tables = [sim.weights(p) for p in projs]
    syn_pattern = np.concatenate([unit_pattern[t.pre] for t in tables])
    syn_output = np.concatenate([np.full(t.pre.size, k) for k, t in enumerate(tables)])
    w_before = np.concatenate([t.weight for t in tables])

    n_test = P["n_test"]
    order = np.concatenate([rng.integers(0, 4, n_trials),
                            rng.permutation(np.repeat(np.arange(4), n_test))])
    counts = np.zeros((order.size, 2), dtype=np.int64)
    correct = np.zeros(order.size, dtype=bool)
    reward = np.zeros(order.size)
    dopamine = np.zeros(order.size)
    expected = np.zeros(4)
    seen = np.zeros(2, dtype=np.int64)
    for t, p in enumerate(order):
        rates = np.zeros(4 * ng)
        a, b = PATTERNS[p]
        rates[a * ng:(a + 1) * ng] = rates[(2 + b) * ng:(3 + b) * ng] = P["input_rate"]
        sim.set_rate(inputs, rates)
        sim.run(P["stim_ms"])
        sim.set_rate(inputs, 0.0)
        total = np.array([len(sim.data[m]) for m in mons])
        counts[t] = total - seen
        _, correct[t], reward[t] = judge(counts[t], TARGETS[p])
        if t < n_trials:                                    # training: reward after each trial
            signal = reward[t] - expected[p] if critic else reward[t]
            dopamine[t] = P["reward_scale"] * signal
            sim.reward(dopamine[t])
            if critic:
                expected[p] += P["critic_rate"] * (reward[t] - expected[p])
        sim.run(P["gap_ms"])
        seen = np.array([len(sim.data[m]) for m in mons])
    w_after = np.concatenate([sim.weights(p).weight for p in projs])
    test = slice(n_trials, None)
    return {
        "order": order[:n_trials], "counts": counts[:n_trials], "correct": correct[:n_trials],
        "reward": reward[:n_trials], "dopamine": dopamine[:n_trials],
        "test_order": order[test], "test_correct": correct[test],
        "test_accuracy": np.array([correct[test][order[test] == p].mean() for p in range(4)]),
        "w_before": w_before, "w_after": w_after, "syn_pattern": syn_pattern,
        "syn_output": syn_output, "wiring": wiring,
    }


def learning_curve(correct, block):
    """Fraction correct in consecutive blocks of ``block`` trials."""
    n = correct.size // block
    return correct[:n * block].reshape(n, block).mean(axis=1)


def compute_spiking(n_seeds: int, n_trials: int) -> dict:
    """Both R-STDP variants from seeds ``0..n_seeds-1``, ``n_trials`` rewarded trials each
    (at least one block of ``SPIKING["block"]``)."""
    if n_trials < SPIKING["block"]:
        raise ValueError(f"compute_spiking: n_trials must be at least one block "
                         f"({SPIKING['block']}), got {n_trials}")
    out = {"n_seeds": n_seeds, "n_trials": n_trials, "block": SPIKING["block"],
           "variants": {}}
    for key, label in VARIANTS.items():
        runs = [spiking_xor(seed, n_trials, critic=(key == "critic")) for seed in range(n_seeds)]
        curves = np.array([learning_curve(r["correct"], SPIKING["block"]) for r in runs])
        acc = np.array([r["test_accuracy"] for r in runs])          # (seeds, 4 patterns)
        out["variants"][key] = {
            "label": label,
            "curves": curves,
            "test_accuracy": acc,
            "final_accuracy": float(acc.mean()),
            "final_accuracy_per_seed": acc.mean(axis=1),
            "first_block": float(curves[:, 0].mean()),
            "last_block": float(curves[:, -1].mean()),
            "runs": runs,
        }
    return out


def compute(quick: bool = False, n_seeds: int | None = None, spiking_seeds: int | None = None,
            spiking_trials: int | None = None) -> dict:
    """Train both MLP recipes from seeds ``0..n_seeds-1`` (10 quick, 100 full) and both R-STDP
    variants of the spiking network from seeds ``0..spiking_seeds-1`` (2 quick, 5 full) for
    ``spiking_trials`` rewarded trials each (120 quick, 240 full).

    Returns per recipe: the loss curve of every seed, whether it solved XOR (all four outputs on
    the right side of 0.5), whether ReLU units died, and the final outputs; under ``"spiking"``
    per variant: learning curves, test accuracies, weights before and after (see
    :func:`compute_spiking`).
    """
    n = n_seeds if n_seeds is not None else (10 if quick else 100)
    X, y = xor()
    out = {"quick": bool(quick), "n_seeds": n, "recipes": {}}
    for key, (label, make) in RECIPES.items():
        curves, solved, dead, outputs = [], [], [], []
        for seed in range(n):
            model, epochs = make(seed)
            h = model.fit(X, y, epochs=epochs, verbose=0, warn_dead_units=False)
            p = model.predict(X)[:, 0]
            curves.append(h["loss"])
            solved.append(bool(np.all((p > 0.5) == (y[:, 0] > 0.5))))
            dead.append(bool(h.dead_units))
            outputs.append(p.tolist())
        out["recipes"][key] = {
            "label": label,
            "epochs": len(curves[0]),
            "n_weights": int(model.count_params()),
            "loss_curves": np.array(curves),
            "solved": np.array(solved),
            "dead_units": np.array(dead),
            "outputs": np.array(outputs),
            "success_rate": float(np.mean(solved)),
            "dead_rate": float(np.mean(dead)),
        }
    out["spiking"] = compute_spiking(
        spiking_seeds if spiking_seeds is not None else (2 if quick else 5),
        spiking_trials if spiking_trials is not None else (120 if quick else 240))
    return out


#: Colours of the two spiking variants (red family: spiking).
SPIKING_COLORS = {"critic": (style.SPIKING, style.SPIKING_LIGHT), "plain": ("#67000d", "#c9a0a0")}

#: What each update reads, for the information panel: (quantity, backprop, R-STDP).
INFORMATION = (
    ("presynaptic activity (local)", True, True),
    ("postsynaptic activity (local)", True, True),
    ("pre/post spike timing (local)", False, True),
    ("the target output", True, False),
    ("signed error of the output", True, False),
    ("downstream weights (error sent back)", True, False),
    ("own error signal for each weight", True, False),
    ("one scalar broadcast to all synapses", False, True),
)


def plot(data: dict):
    import matplotlib.pyplot as plt

    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(18, 12), layout="constrained")
        top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.1], hspace=0.04)
        axes = top.subplots(1, 3)
        top.suptitle("Artificial: a 2-layer MLP trained by back propagation (Adam, "
                     "binary cross-entropy)", color=style.ARTIFICIAL_DARK)
        # One colour and line style per recipe (the artificial family's mid and dark blue);
        # whether a seed solved XOR shows in where its curve ends, and is counted in the legend.
        colors = {"article": (style.ARTIFICIAL, style.ARTIFICIAL_LIGHT),
                  "reliable": (style.ARTIFICIAL_DARK, style.ARTIFICIAL_MID)}
        lines = {"article": "-", "reliable": "--"}
        markers = {"article": "o", "reliable": "^"}
        below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "fontsize": 8}
        ax = axes[0]
        for key, rec in data["recipes"].items():
            color = colors[key][0]
            for curve in rec["loss_curves"]:
                ax.plot(np.arange(1, curve.size + 1), curve, color=color, ls=lines[key],
                        lw=0.8, alpha=0.5)
            solved = int(np.sum(rec["solved"]))
            ax.plot([], [], color=color, ls=lines[key], lw=1.5,
                    label=f"{rec['label']}: {solved} of {len(rec['solved'])} seeds solved "
                          "(loss -> 0)")
        ax.axhline(np.log(2), color=style.REFERENCE, ls=":", lw=1,
                   label="ln 2 = loss of output 0.5 everywhere")
        ax.set(xscale="log", xlabel="epoch", ylabel="binary cross-entropy",
               title=f"Loss curves, {data['n_seeds']} seeds each")
        ax.legend(ncol=1, **below)

        ax = axes[1]
        keys = list(data["recipes"])
        x = np.arange(len(keys))
        succ = [data["recipes"][k]["success_rate"] * 100 for k in keys]
        dead = [data["recipes"][k]["dead_rate"] * 100 for k in keys]
        b1 = ax.bar(x - 0.18, succ, 0.36, color=[colors[k][0] for k in keys], label="solved XOR")
        b2 = ax.bar(x + 0.18, dead, 0.36, color=[colors[k][1] for k in keys], hatch="//",
                    edgecolor="white", label="ended with dead ReLU units")
        ax.bar_label(b1, fmt="%.0f %%", fontsize=8)
        ax.bar_label(b2, fmt="%.0f %%", fontsize=8)
        ax.set_xticks(x, ["article recipe", "reliable recipe"])
        ax.set(ylabel="% of seeds", ylim=(0, 110), title="How often each recipe works")
        ax.legend(ncol=2, **below)

        ax = axes[2]
        inputs = ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]
        for i, key in enumerate(keys):
            rec = data["recipes"][key]
            jitter = (np.random.default_rng(0).random(rec["outputs"].shape) - 0.5) * 0.25
            xs = np.arange(4)[None, :] + (i - 0.5) * 0.35 + jitter * 0.5
            ax.scatter(xs.ravel(), rec["outputs"].ravel(), s=10, color=colors[key][0], alpha=0.5,
                       marker=markers[key], lw=0, label=rec["label"].split(":")[0])
        ax.scatter(np.arange(4), [0, 1, 1, 0], marker="_", s=900, color=style.REFERENCE,
                   zorder=3, linewidths=1.5)
        ax.plot([], [], color=style.REFERENCE, lw=1.5, label="target")
        ax.axhline(0.5, color=style.GREY, ls=":", lw=1)
        ax.set_xticks(np.arange(4), inputs)
        ax.set(xlabel="input (x1, x2)", ylabel="network output after training",
               ylim=(-0.05, 1.05), title="Final outputs, every seed")
        leg = ax.legend(ncol=3, markerscale=2.0, handlelength=2.5, **below)
        for handle in leg.legend_handles:
            handle.set_alpha(1.0)



        _plot_spiking(bottom, data, below)
        fig.suptitle(TITLE + (" (quick)" if data.get("quick") else ""))
    return fig


def _plot_spiking(fig, data, below):
    sp = data["spiking"]
    block = sp["block"]
    axes = fig.subplots(1, 4, width_ratios=[1, 1, 1, 1.15])
    fig.suptitle("Spiking: LIF neurons trained by reward-modulated STDP (one reward per trial)",
                 color=style.SPIKING)

    ax = axes[0]
    for key in ("plain", "critic"):
        v = sp["variants"][key]
        dark, light = SPIKING_COLORS[key]
        x = (np.arange(v["curves"].shape[1]) + 1) * block
        for curve in v["curves"]:
            ax.plot(x, curve, color=light, lw=0.8, alpha=0.8)
        ax.plot(x, v["curves"].mean(axis=0), color=dark, lw=2.2, marker="o", ms=4,
                ls="-" if key == "critic" else "--", label=f"{v['label']}: mean")
        ax.plot([], [], color=light, lw=0.8, label="    the same, one seed each")
    ax.axhline(0.5, color=style.GREY, ls=":", lw=1.2, label="chance (0.5)")
    ax.set(xlabel="trial (end of block)", ylabel=f"fraction correct (blocks of {block} trials)",
           ylim=(0, 1.05), title=f"Spiking network: learning curves, {sp['n_seeds']} seeds")
    ax.legend(ncol=1, **below)

    ax = axes[1]
    labels = ["(0,0)\n→0", "(0,1)\n→1", "(1,0)\n→1", "(1,1)\n→0", "all"]
    for i, key in enumerate(("plain", "critic")):
        v = sp["variants"][key]
        dark, light = SPIKING_COLORS[key]
        acc = np.column_stack([v["test_accuracy"], v["test_accuracy"].mean(axis=1)])
        xs = np.arange(5) + (i - 0.5) * 0.38
        ax.bar(xs, acc.mean(axis=0), 0.36, color=dark if key == "critic" else light,
               edgecolor=dark, label=v["label"].split(", ")[1])
        for xb, m in zip(xs, acc.mean(axis=0)):
            ax.text(xb, 0.03, f"{m:.2f}", ha="center", va="bottom", fontsize=7, rotation=90,
                    color="white" if key == "critic" else style.REFERENCE)
        jitter = (np.random.default_rng(1).random(acc.shape) - 0.5) * 0.2
        ax.scatter((xs[None, :] + jitter).ravel(), acc.ravel(), s=9, color=style.REFERENCE,
                   alpha=0.6, zorder=3, label="one seed" if i == 1 else None)
    ax.axhline(0.5, color=style.GREY, ls=":", lw=1.2, label="chance (0.5)")
    ax.set_xticks(np.arange(5), labels)
    ax.set(xlabel="input pattern → target", ylabel="fraction correct after training",
           ylim=(0, 1.12),
           title=f"Test accuracy ({SPIKING['n_test']} trials per pattern, no reward)")
    ax.legend(ncol=2, **below)

    ax = axes[2]
    w0, w1, right, wrong = _pooled_weights(sp["variants"]["critic"])
    bins = np.linspace(RULE["w_min"], RULE["w_max"], 33)
    ax.hist(w0, bins=bins, color=style.GREY, alpha=0.45, density=True,
            label="all synapses, before")
    ax.hist(w1[right], bins=bins, histtype="step", lw=2, color=style.SPIKING, density=True,
            label="after: pattern detector → right answer")
    ax.hist(w1[wrong], bins=bins, histtype="step", lw=2, color="#67000d", ls="--", density=True,
            label="after: pattern detector → wrong answer")
    wp = weight_summary(sp["variants"]["plain"])
    ax.text(0.98, 0.97, f"raw reward (+1/-1), means after:\n{wp['right_after']:.2f} mV to the "
            f"right answer,\n{wp['wrong_after']:.2f} mV to the wrong one", transform=ax.transAxes,
            ha="right", va="top", fontsize=7.5, color="#67000d")
    ax.set(xlabel="hidden → output weight (mV per spike)", ylabel="probability density (1/mV)",
           title=f"Hidden → output weights (critic variant, {sp['n_seeds']} seeds)")
    ax.legend(ncol=1, **below)

    ax = axes[3]
    rows = len(INFORMATION)
    for r, (_, bp, rs) in enumerate(INFORMATION):
        y = rows - 1 - r
        for c, used, color in ((0, bp, style.ARTIFICIAL), (1, rs, style.SPIKING)):
            ax.scatter(c, y, s=160, marker="o", color=color if used else "white",
                       edgecolors=color, linewidths=1.6, zorder=3)
    mlp = data["recipes"]["reliable"]
    n_syn = sp["variants"]["critic"]["runs"][0]["w_before"].size
    ax.set_xticks([0, 1], ["back propagation\n(MLP)", "R-STDP\n(spiking)"])
    ax.set_yticks(np.arange(rows)[::-1], [row[0] for row in INFORMATION], fontsize=8.5)
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.6, rows - 0.4), title="What one weight update reads")
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    ax.scatter([], [], s=60, color=style.GREY, label="used")
    ax.scatter([], [], s=60, color="white", edgecolors=style.GREY, label="not used")
    ax.legend(ncol=2, title=(f"feedback per update: backprop, {mlp['n_weights']} error "
                             f"derivatives\n(one per weight of the reliable MLP); R-STDP, "
                             f"1 number per\ntrial shared by all {n_syn} "
                             f"plastic synapses"), title_fontsize=8, **below)


def _pooled_weights(variant: dict):
    """Hidden -> output weights of one variant, pooled over its seeds: before, after, and
    the masks of the synapses from a pattern's detector to the right and to the wrong
    answer."""
    runs = variant["runs"]
    w0 = np.concatenate([r["w_before"] for r in runs])
    w1 = np.concatenate([r["w_after"] for r in runs])
    pat = np.concatenate([r["syn_pattern"] for r in runs])
    outp = np.concatenate([r["syn_output"] for r in runs])
    right = (pat >= 0) & (outp == np.asarray(TARGETS)[np.maximum(pat, 0)])
    return w0, w1, right, (pat >= 0) & ~right


def weight_summary(variant: dict) -> dict:
    """Mean hidden -> output weight (mV) before, and after for the synapses from a pattern's
    detector to the right and to the wrong answer, pooled over the seeds of one variant."""
    w0, w1, right, wrong = _pooled_weights(variant)
    return {"before": float(w0.mean()), "right_after": float(w1[right].mean()),
            "wrong_after": float(w1[wrong].mean())}


def describe(data: dict) -> dict:
    a, r = data["recipes"]["article"], data["recipes"]["reliable"]
    sp = data["spiking"]
    c, p = sp["variants"]["critic"], sp["variants"]["plain"]
    wc, wp = weight_summary(c), weight_summary(p)
    peak = float(p["curves"].mean(axis=0).max())
    return {
        "shows": ("Top, in blue: loss curves of both MLP recipes from the same seeds, how often "
                  "each solves XOR, and every seed's final outputs against the targets. Bottom, "
                  "in red: a spiking network (Poisson inputs, 60 fixed randomly wired LIF hidden "
                  "units, two competing output populations) learning XOR with reward-modulated "
                  "STDP: learning curves per seed and mean, test accuracy per pattern, the "
                  "plastic weights before and after, and what information each kind of update "
                  "reads."),
        "measured": (f"Over {data['n_seeds']} seeds the article's recipe solved XOR in "
                     f"{a['success_rate']:.0%} of runs and ended with dead ReLU units in "
                     f"{a['dead_rate']:.0%}; the reliable recipe (8 tanh units, Adam 0.05, "
                     f"300 epochs) solved {r['success_rate']:.0%}. The spiking network, over "
                     f"{sp['n_seeds']} seeds of {sp['n_trials']} rewarded trials, went from "
                     f"{c['first_block']:.2f} correct in its first block of {sp['block']} "
                     f"trials to {c['last_block']:.2f} in its last and answered "
                     f"{c['final_accuracy']:.2f} of the test trials correctly (chance 0.5) "
                     f"when the dopamine signal was the reward minus its expectation; with the "
                     f"raw reward (+1/-1) it went from {p['first_block']:.2f} to "
                     f"{p['last_block']:.2f} (test accuracy {p['final_accuracy']:.2f}). "
                     f"Weights from a pattern's detector units to the right answer went from "
                     f"{wc['before']:.2f} mV on average to {wc['right_after']:.2f} mV, those "
                     f"to the wrong answer to {wc['wrong_after']:.2f} mV (critic variant)."),
        "verdict": ("Only in part: the architecture can represent XOR, but with 2 ReLU units "
                    "and Adam at 0.001 most initialisations fail, so the example usually "
                    "does not learn it. A spiking network can learn XOR without back "
                    "propagation, from local spike timing times one global reward signal, "
                    + (f"here to {c['final_accuracy']:.0%} correct, "
                       if c["final_accuracy"] >= 0.75 else
                       f"though here it reached only {c['final_accuracy']:.0%} correct, ")
                    + "given a hidden layer of fixed random conjunction units that makes the "
                      "patterns linearly separable for the readout and a dopamine signal that "
                      "is the reward minus its expectation. "
                    + (f"With the raw reward its accuracy peaked at {peak:.2f} (block mean) and "
                       f"fell back to {p['last_block']:.2f} as the weights drifted towards "
                       f"their upper bound (means {wp['right_after']:.2f} and "
                       f"{wp['wrong_after']:.2f} mV to the right and wrong answers), the bias "
                       f"Fremaux et al. (2010) predict for R-STDP without a critic."
                       if p["last_block"] < peak - 0.05 else
                       f"With the raw reward it reached {p['final_accuracy']:.0%}.")),
    }


def numbers(data: dict) -> dict:
    sp = data["spiking"]
    out = {
        "n_seeds": data["n_seeds"],
        **{f"{k}_success_rate": v["success_rate"] for k, v in data["recipes"].items()},
        **{f"{k}_dead_unit_rate": v["dead_rate"] for k, v in data["recipes"].items()},
        "spiking_n_seeds": sp["n_seeds"],
        "spiking_n_trials": sp["n_trials"],
        "spiking_block": sp["block"],
    }
    for key, v in sp["variants"].items():
        out[f"spiking_{key}_final_accuracy"] = v["final_accuracy"]
        out[f"spiking_{key}_final_accuracy_per_pattern"] = v["test_accuracy"].mean(axis=0).tolist()
        out[f"spiking_{key}_first_block"] = v["first_block"]
        out[f"spiking_{key}_last_block"] = v["last_block"]
        out[f"spiking_{key}_mean_curve"] = v["curves"].mean(axis=0).tolist()
        out.update({f"spiking_{key}_weight_{k}": w for k, w in weight_summary(v).items()})
    return out
