"""Learning XOR: the article's MLP recipe against a reliable one.

The article (section 4) trains a 2-2-1 MLP with ReLU and Adam for 1000 epochs and presents it
as learning XOR. Run over many seeds, it mostly does not: hidden ReLU units die (output 0 on all
four inputs, so no gradient reaches them) or the network settles in a local minimum. This
comparison measures how often, and shows a recipe that always works. The spiking side of this
question (reward-modulated STDP learning the same task) joins when neurosim's plasticity lands.
"""

from __future__ import annotations

import numpy as np

from artificial import Adam, Dense, Sequential, xor

from . import style

TITLE = "Learning XOR by back propagation: the article's recipe vs a reliable one"
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


def compute(quick: bool = False, n_seeds: int | None = None) -> dict:
    """Train both recipes from seeds ``0..n_seeds-1`` (20 quick, 100 full).

    Returns per recipe: the loss curve of every seed, whether it solved XOR (all four outputs on
    the right side of 0.5), whether ReLU units died, and the final outputs.
    """
    n = n_seeds if n_seeds is not None else (20 if quick else 100)
    X, y = xor()
    out = {"n_seeds": n, "recipes": {}}
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
            "loss_curves": np.array(curves),
            "solved": np.array(solved),
            "dead_units": np.array(dead),
            "outputs": np.array(outputs),
            "success_rate": float(np.mean(solved)),
            "dead_rate": float(np.mean(dead)),
        }
    return out


def plot(data: dict):
    import matplotlib.pyplot as plt

    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(1, 3, figsize=(14, 5.2), constrained_layout=True)
        colors = {"article": (style.ARTIFICIAL, style.ARTIFICIAL_LIGHT),
                  "reliable": (style.ARTIFICIAL_DARK, style.ARTIFICIAL_MID)}
        below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "fontsize": 8}
        ax = axes[0]
        for key, rec in data["recipes"].items():
            dark, light = colors[key]
            for curve, ok in zip(rec["loss_curves"], rec["solved"]):
                ax.plot(np.arange(1, curve.size + 1), curve, color=dark if ok else light,
                        lw=0.8, alpha=0.6)
            ax.plot([], [], color=dark, label=f"{rec['label']}: solved")
            ax.plot([], [], color=light, label=f"{rec['label']}: failed")
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
            ax.scatter(xs.ravel(), rec["outputs"].ravel(), s=8, color=colors[key][0], alpha=0.5,
                       label=rec["label"].split(":")[0])
        ax.scatter(np.arange(4), [0, 1, 1, 0], marker="_", s=900, color=style.REFERENCE,
                   label="target", zorder=3, linewidths=1.5)
        ax.axhline(0.5, color=style.GREY, ls=":", lw=1)
        ax.set_xticks(np.arange(4), inputs)
        ax.set(xlabel="input (x1, x2)", ylabel="network output after training",
               ylim=(-0.05, 1.05), title="Final outputs, every seed")
        ax.legend(ncol=3, markerscale=0.6, handlelength=2.5, **below)
        fig.suptitle(TITLE)
    return fig


def describe(data: dict) -> dict:
    a, r = data["recipes"]["article"], data["recipes"]["reliable"]
    return {
        "shows": ("Loss curves of both recipes from the same seeds, how often each solves XOR, "
                  "and every seed's final outputs against the targets."),
        "measured": (f"Over {data['n_seeds']} seeds the article's recipe solved XOR in "
                     f"{a['success_rate']:.0%} of runs and ended with dead ReLU units in "
                     f"{a['dead_rate']:.0%}; the reliable recipe (8 tanh units, Adam 0.05, "
                     f"300 epochs) solved {r['success_rate']:.0%}."),
        "verdict": ("Only in part: the architecture can represent XOR, but with 2 ReLU units "
                    "and Adam at 0.001 most initialisations fail, so the example usually "
                    "does not learn it."),
    }


def numbers(data: dict) -> dict:
    return {
        "n_seeds": data["n_seeds"],
        **{f"{k}_success_rate": v["success_rate"] for k, v in data["recipes"].items()},
        **{f"{k}_dead_unit_rate": v["dead_rate"] for k, v in data["recipes"].items()},
    }
