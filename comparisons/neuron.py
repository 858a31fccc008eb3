"""The neuron: the article's weighted sum and activation beside a spiking neuron's f-I curve.

The article's neuron computes ``a = f(w . x + b)``. A spiking neuron turns its input current
``I`` into a firing rate ``r(I)``: its f-I curve is the biological counterpart of ``f``. This
comparison measures the f-I curves of the four neuron models in neurosim (LIF against its
closed form, AdEx, Izhikevich and Hodgkin-Huxley), sets them beside ReLU, sigmoid, tanh and
softplus, fits a rate model to the LIF's f-I curve under noisy input, and trains the same MLP on
the digits with each activation, the fitted one included.

The fitted rate model is the "soft LIF" of Hunsberger & Eliasmith (2015): the LIF rate
``r(j) = 1 / (t_ref + tau_m ln(1 + 1/(j - 1)))`` for the normalised input
``j = R I / (v_th - e_leak)``, with ``j - 1`` replaced by ``gamma ln(1 + e^{(j - 1)/gamma})`` so
that it is smooth at the rheobase, where input noise smooths the real neuron's curve too.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import curve_fit

import neurosim as ns
from artificial import Adam, Dense, Sequential, StandardScaler, digits, train_test_split
from artificial.activations import Activation

from . import style

TITLE = "The neuron: activation functions beside spiking f-I curves"
CLAIM = ("An artificial neuron (weighted sum, bias, activation function) imitates a biological "
         "neuron, which receives signals through synapses and sends its output along the axon "
         "(section 2).")

#: The LIF used throughout (Hunsberger & Eliasmith 2015 use tau_rc = 20 ms, tau_ref = 2 ms).
LIF_PARAMS = {"tau_m": 20.0, "c_m": 250.0, "e_leak": -65.0, "v_th": -50.0, "v_reset": -65.0,
              "t_ref": 2.0}
#: Its rheobase R I = v_th - e_leak: I = c_m / tau_m * 15 mV = 187.5 pA.
LIF_RHEOBASE = LIF_PARAMS["c_m"] / LIF_PARAMS["tau_m"] * (LIF_PARAMS["v_th"] - LIF_PARAMS["e_leak"])
#: Rates are divided by this to serve as an activation (the soft LIF at j = 2 is about 63 Hz).
RATE_SCALE = 63.0

SPIKING_SHADES = {"LIF": style.SPIKING, "AdEx": "#a50f15", "Izhikevich": "#fb6a4a",
                  "Hodgkin-Huxley": "#67000d"}
ARTIFICIAL_SHADES = {"relu": style.ARTIFICIAL, "sigmoid": style.ARTIFICIAL_DARK, "tanh": "#6baed6",
                     "softplus": "#4a6fa5", "soft_lif": "#2b8cbe"}
ARTIFICIAL_STYLES = {"relu": "-", "sigmoid": "-", "tanh": "-", "softplus": "-.", "soft_lif": "--"}


# --- spiking side ---------------------------------------------------------------------------
#
# Neurons that nothing connects are independent, so several models' sweeps can run side by side
# in one network: each model is one population, and one simulation answers them all. Besides
# saving simulations, that keeps the number of network structures small, and numba compiles one
# step loop per structure (a few seconds each on an empty cache): the LIF, AdEx and Izhikevich
# sweeps at dt = 0.1 ms share one loop, Hodgkin-Huxley at 0.01 ms has its own.


def steady_rates_many(groups, *, dt, t_sim, t_skip, seed=0):
    """Steady-state firing rates of several groups of unconnected neurons, simulated side by side
    in one network for ``t_sim`` ms (one population per group, in the order given).

    ``groups`` is a sequence of ``(model, currents)`` or ``(model, currents, noise_std,
    repeats)``: ``repeats`` neurons per current (pA), each with its own white noise current of
    ``noise_std`` pA per step. Returns one array per group, the rate (Hz) for each current after
    ``t_skip`` ms: without noise the inverse mean inter-spike interval (exact for a periodic
    neuron) or 0; with noise the spike count over the window, averaged over the ``repeats``
    neurons.

    Only the groups with noise get a noise current, so the random numbers a noisy group draws do
    not depend on the groups beside it. A network without noise gets a zero noise current (it
    adds exactly 0 pA) on its first group, so that it has the structure of the noisy one and
    numba compiles one loop for both.
    """
    groups = [(g[0], g[1], g[2] if len(g) > 2 else 0.0, g[3] if len(g) > 3 else 1)
              for g in groups]
    net = ns.Network()
    pops, mons = [], []
    for k, (model, currents, noise_std, repeats) in enumerate(groups):
        currents = np.repeat(np.asarray(currents, dtype=float), repeats)
        pop = net.population(currents.size, model, name=f"group {k}")
        net.inject(pop, ns.DCCurrent(currents))
        if noise_std != 0:
            net.inject(pop, ns.NoisyCurrent(std=noise_std))
        pops.append(pop)
        mons.append(net.record_spikes(pop))
    if all(g[2] == 0 for g in groups):
        net.inject(pops[0], ns.NoisyCurrent(std=0.0))
    sim = ns.Simulator(net, dt=dt, seed=seed)
    sim.run(t_sim)
    out = []
    for (_, currents, noise_std, repeats), mon in zip(groups, mons):
        trains = sim.data[mon].trains()
        rates = np.zeros(len(trains))
        for i, train in enumerate(trains):
            late = train[train >= t_skip]
            if noise_std == 0 and late.size >= 2:
                rates[i] = 1000.0 / np.mean(np.diff(late))
            else:
                rates[i] = 1000.0 * late.size / (t_sim - t_skip)
        out.append(rates.reshape(np.size(currents), repeats).mean(axis=1))
    return out


def steady_rates(model, currents, *, dt, t_sim, t_skip, noise_std=0.0, repeats=1, seed=0):
    """Steady-state firing rate (Hz) of ``model`` for each current (pA), after ``t_skip`` ms:
    :func:`steady_rates_many` with one group."""
    return steady_rates_many([(model, currents, noise_std, repeats)], dt=dt, t_sim=t_sim,
                             t_skip=t_skip, seed=seed)[0]


def refine_rheobases(sweeps, *, dt, t_sim, rounds=2, n=16):
    """The rheobase (pA) of each model between the last silent and the first firing current
    of its sweep, narrowed ``rounds`` times by ``n`` currents across the bracket, and the
    width of the final bracket (pA): ``{name: (rheobase, width)}`` for
    ``sweeps = {name: (model, currents, rates)}``. ``(nan, nan)`` if nothing fired,
    ``(currents[0], 0)`` if the first current fired. Each round simulates every model that is
    still narrowing in one network (:func:`steady_rates_many`)."""
    out, brackets = {}, {}
    for name, (_, currents, rates) in sweeps.items():
        firing = np.flatnonzero(np.asarray(rates) > 0)
        if not firing.size:
            out[name] = (float("nan"), float("nan"))
        elif firing[0] == 0:
            out[name] = (float(currents[0]), 0.0)
        else:
            brackets[name] = (float(currents[firing[0] - 1]), float(currents[firing[0]]))
    for _ in range(rounds if brackets else 0):
        grids = {name: np.linspace(lo, hi, n + 2)[1:-1] for name, (lo, hi) in brackets.items()}
        rates = steady_rates_many([(sweeps[name][0], grid) for name, grid in grids.items()],
                                  dt=dt, t_sim=t_sim, t_skip=100.0)
        for (name, grid), r in zip(grids.items(), rates):
            lo, hi = brackets[name]
            fires = r > 0
            if fires.any():
                k = int(np.argmax(fires))
                hi, lo = float(grid[k]), float(grid[k - 1]) if k > 0 else lo
            else:
                lo = float(grid[-1])
            brackets[name] = (lo, hi)
    out.update({name: (0.5 * (lo + hi), hi - lo) for name, (lo, hi) in brackets.items()})
    return {name: out[name] for name in sweeps}


def _soft_lif_rate(i_pa, gamma, i_rh=LIF_RHEOBASE, tau_m=LIF_PARAMS["tau_m"],
                   t_ref=LIF_PARAMS["t_ref"]):
    """Soft-LIF rate (Hz) of input current ``i_pa`` (Hunsberger & Eliasmith 2015) for a
    neuron whose (effective) rheobase is ``i_rh`` pA."""
    x = np.asarray(i_pa, dtype=float) / i_rh - 1.0                   # j - 1
    p = gamma * np.logaddexp(0.0, x / gamma)                         # smoothed j - 1
    p = np.maximum(p, 1e-300)
    return 1000.0 / (t_ref + tau_m * np.log1p(1.0 / p))


def _relu_rate(i_pa, gain, i0):
    return gain * np.maximum(np.asarray(i_pa, dtype=float) - i0, 0.0)


def soft_lif_activation(gamma: float) -> Activation:
    """The soft-LIF rate as an MLP activation of ``z = j - 1`` (``z = 0`` at the rheobase),
    divided by ``RATE_SCALE`` Hz, with its analytic derivative."""
    tau, t_ref = LIF_PARAMS["tau_m"], LIF_PARAMS["t_ref"]

    def parts(z):
        p = np.maximum(gamma * np.logaddexp(0.0, z / gamma), 1e-300)
        log_term = np.log1p(1.0 / p)
        return p, log_term

    def f(z):
        _, log_term = parts(z)
        return 1000.0 / (t_ref + tau * log_term) / RATE_SCALE

    def df(z):
        # r = 1/(t_ref + tau L(p)), L = ln(1 + 1/p), dL/dp = -1/(p (p + 1)), dp/dz = sigmoid(z/gamma)
        p, log_term = parts(z)
        sig = np.exp(-np.logaddexp(0.0, -z / gamma))   # sigmoid(z / gamma), no cancellation
        return 1000.0 * tau * sig / ((t_ref + tau * log_term) ** 2 * p * (p + 1.0)) / RATE_SCALE

    return Activation("soft_lif", f, df)


# --- artificial side ------------------------------------------------------------------------


def _digits_accuracy(activation, *, epochs, seed=0, data=None):
    X, y = digits() if data is None else data
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=seed, stratify=True)
    scaler = StandardScaler().fit(X_tr)
    model = Sequential(seed=seed)
    model.add(Dense(64, input_dim=64, activation=activation))
    model.add(Dense(10, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(3e-3),
                  metrics=["accuracy"])
    model.fit(scaler.transform(X_tr), y_tr, epochs=epochs, batch_size=32, verbose=0,
              warn_dead_units=False)
    return float(model.evaluate_dict(scaler.transform(X_te), y_te)["accuracy"])


def compute(quick: bool = False) -> dict:
    """Measure every curve; see the module docstring. Quick: shorter runs, fewer points."""
    n = 25 if quick else 60
    t_sim, t_skip = (600.0, 100.0) if quick else (2100.0, 100.0)
    dt = 0.1
    out = {"quick": quick, "dt": dt, "lif_params": dict(LIF_PARAMS), "lif_rheobase": LIF_RHEOBASE}

    # The LIF without noise (against its closed form) and with noisy input, AdEx and
    # Izhikevich, each over its own current range, side by side in one simulation at dt; the
    # Hodgkin-Huxley neuron needs a finer step. The rheobase of each model is then narrowed
    # down by two rounds of 16 currents across its last silent and first firing current.
    i_lif = np.linspace(0.0, 4.0 * LIF_RHEOBASE, n) + 0.37   # off the exact rheobase
    noise_std = 1000.0  # per step of 0.1 ms: membrane fluctuations of about 4 mV (std)
    models = {
        "LIF": (ns.LIF(**LIF_PARAMS), i_lif, dt),
        "AdEx": (ns.AdEx(), np.linspace(0.0, 1500.0, n), dt),
        "Izhikevich": (ns.Izhikevich(), np.linspace(0.0, 30.0, n), dt),
        "Hodgkin-Huxley": (ns.HodgkinHuxley(), np.linspace(0.0, 2500.0, n), 0.01),
    }
    t_m = 600.0 if quick else 1100.0                  # the HH sweep and the refinements
    coarse = [name for name, m in models.items() if m[2] == dt]
    r_sim, r_noisy, *r_coarse = steady_rates_many(
        [models["LIF"][:2], (ns.LIF(**LIF_PARAMS), i_lif, noise_std, 10)]
        + [models[name][:2] for name in coarse[1:]], dt=dt, t_sim=t_sim, t_skip=t_skip, seed=1)
    rates = dict(zip(coarse, [r_sim, *r_coarse]))
    rates["Hodgkin-Huxley"] = steady_rates(models["Hodgkin-Huxley"][0],
                                           models["Hodgkin-Huxley"][1], dt=0.01, t_sim=t_m,
                                           t_skip=100.0)
    rheobases = {}
    for model_dt in (dt, 0.01):
        rheobases.update(refine_rheobases({name: (m[0], m[1], rates[name])
                                           for name, m in models.items() if m[2] == model_dt},
                                          dt=model_dt, t_sim=t_m))
    out["models"] = {}
    for name, (_, currents, _) in models.items():
        firing = np.flatnonzero(rates[name] > 0)
        out["models"][name] = {
            "currents": currents,
            "rates": rates[name],
            "rheobase": rheobases[name][0],
            "rheobase_resolution": rheobases[name][1],
            "onset_rate": float(rates[name][firing[0]]) if firing.size else 0.0,
        }
    out["lif"] = {
        "currents": i_lif,
        "rates": r_sim,
        "analytic": ns.analysis.lif_rate_analytic(i_lif, **LIF_PARAMS),
        "analytic_on_grid": ns.analysis.lif_rate_on_grid(i_lif, **LIF_PARAMS, dt=dt),
    }

    # Noise lets the LIF fire below the rheobase: the rate models' fit moves the effective
    # rheobase (i_rh) and smooths the corner (gamma); tau_m and t_ref stay the neuron's own.
    (gamma, i_rh), _ = curve_fit(_soft_lif_rate, i_lif, r_noisy, p0=[0.1, LIF_RHEOBASE],
                                 bounds=([1e-3, 1.0], [5.0, 10.0 * LIF_RHEOBASE]))
    (gain, i0), _ = curve_fit(_relu_rate, i_lif, r_noisy, p0=[0.1, LIF_RHEOBASE])
    out["lif_noisy"] = {
        "noise_std": noise_std,
        "rates": r_noisy,
        "soft_lif_gamma": float(gamma),
        "soft_lif_rheobase": float(i_rh),
        "soft_lif_fit": _soft_lif_rate(i_lif, gamma, i_rh),
        "relu_gain": float(gain),
        "relu_i0": float(i0),
        "relu_fit": _relu_rate(i_lif, gain, i0),
    }
    out["lif_noisy"]["soft_lif_rms"] = float(np.sqrt(np.mean((out["lif_noisy"]["soft_lif_fit"]
                                                               - r_noisy) ** 2)))
    out["lif_noisy"]["relu_rms"] = float(np.sqrt(np.mean((out["lif_noisy"]["relu_fit"]
                                                          - r_noisy) ** 2)))

    # The same MLP with each activation, the fitted soft LIF among them
    epochs = 5 if quick else 20
    acts = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softplus": "softplus",
            "soft_lif": soft_lif_activation(gamma)}
    data = digits()                                 # read once for the five models
    out["digits_accuracy"] = {k: _digits_accuracy(a, epochs=epochs, data=data)
                              for k, a in acts.items()}
    out["digits_epochs"] = epochs
    return out


def plot(data: dict):
    import matplotlib.pyplot as plt

    from artificial import activations

    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(2, 2, figsize=(12, 9), constrained_layout=True)

        ax = axes[0, 0]
        z = np.linspace(-4, 4, 401)
        for name in ("relu", "sigmoid", "tanh", "softplus"):
            ax.plot(z, activations.get(name).forward(z), color=ARTIFICIAL_SHADES[name], lw=2,
                    ls=ARTIFICIAL_STYLES[name], label=name)
        soft = soft_lif_activation(data["lif_noisy"]["soft_lif_gamma"])
        ax.plot(z, soft.forward(z), color=ARTIFICIAL_SHADES["soft_lif"], lw=2,
                ls=ARTIFICIAL_STYLES["soft_lif"],
                label=f"soft LIF fitted to the spiking LIF (rate / {RATE_SCALE:.0f} Hz)")
        ax.set(xlabel="net input z = w . x + b", ylabel="activation a = f(z)", ylim=(-1.2, 3.2),
               title="Artificial neuron: a = f(w . x + b)")
        ax.legend(loc="upper left")

        ax = axes[0, 1]
        lif, noisy = data["lif"], data["lif_noisy"]
        i = lif["currents"]
        ax.plot(i, lif["analytic"], color=style.REFERENCE, lw=1.5, label="closed form")
        ax.plot(i, lif["rates"], "o", ms=4, color=style.SPIKING,
                label=f"simulated (dt = {data['dt']} ms)")
        ax.plot(i, noisy["rates"], "s", ms=3.5, mfc="none", color=style.SPIKING_LIGHT,
                label=f"simulated with noise (std {noisy['noise_std']:.0f} pA per step; "
                      "mean of 10 neurons)")
        ax.plot(i, noisy["soft_lif_fit"], color=ARTIFICIAL_SHADES["soft_lif"], lw=2,
                ls=ARTIFICIAL_STYLES["soft_lif"],
                label=f"soft-LIF fit to the noisy rates, gamma = {noisy['soft_lif_gamma']:.3f} "
                      f"(rms {noisy['soft_lif_rms']:.1f} Hz)")
        ax.plot(i, noisy["relu_fit"], color=ARTIFICIAL_SHADES["relu"], ls=":", lw=2,
                label=f"ReLU fit to the noisy rates (rms {noisy['relu_rms']:.1f} Hz)")
        ax.axvline(data["lif_rheobase"], color=style.GREY, lw=0.8, ls=":",
                   label=f"rheobase {data['lif_rheobase']:.1f} pA (closed form)")
        ax.set(xlabel="input current I (pA)", ylabel="firing rate (Hz)",
               title="Spiking LIF neuron: f-I curve")
        ax.legend(loc="upper left", fontsize=8)

        ax = axes[1, 0]
        markers = {"LIF": "o", "AdEx": "s", "Izhikevich": "^", "Hodgkin-Huxley": "D"}
        for name in ("LIF", "AdEx", "Izhikevich", "Hodgkin-Huxley"):
            m = data["models"][name]
            ax.plot(m["currents"] / m["rheobase"], m["rates"], marker=markers[name], ms=3.5,
                    lw=1, color=SPIKING_SHADES[name],
                    label=f"{name} (rheobase {m['rheobase']:.4g} pA"
                          + (f" ± {m['rheobase_resolution'] / 2:.1g})"
                             if m.get("rheobase_resolution") else ")"))
        ax.axvline(1.0, color=style.GREY, lw=0.8, ls=":")
        ax.set(xlabel="input current / measured rheobase", ylabel="steady firing rate (Hz)",
               title="Four spiking models (HH jumps to a high rate: class II)")
        ax.legend(loc="lower right", fontsize=8)

        ax = axes[1, 1]
        acc = data["digits_accuracy"]
        names = list(acc)
        bars = ax.bar(names, [acc[k] * 100 for k in names],
                      color=[ARTIFICIAL_SHADES[k] for k in names], edgecolor="white",
                      hatch=["" if k != "soft_lif" else "//" for k in names])
        ax.bar_label(bars, fmt="%.1f", fontsize=8)
        ax.set(ylabel="test accuracy (%)", ylim=(0, 105),
               title=f"Digits MLP 64-64-10 with each activation ({data['digits_epochs']} epochs)")
        ax.set_xticks(range(len(names)), [n.replace("soft_lif", "soft LIF\n(fitted)") for n in names])
        fig.suptitle(TITLE + (" (quick)" if data["quick"] else ""))
    return fig


def describe(data: dict) -> dict:
    lif, noisy = data["lif"], data["lif_noisy"]
    grid_err = float(np.max(np.abs(lif["rates"] - lif["analytic_on_grid"])))
    cont_err = float(np.max(np.abs(lif["rates"] - lif["analytic"])))
    hh, lif_rh = data["models"]["Hodgkin-Huxley"], data["models"]["LIF"]
    acc = data["digits_accuracy"]
    return {
        "shows": ("Top: the article's activation functions, and the LIF's f-I curve simulated "
                  "against its closed form, with noisy input and two rate models fitted to it. "
                  "Bottom: the f-I curves of the four spiking models against current relative "
                  "to each one's rheobase, and the digits accuracy of one MLP trained with each "
                  "activation, including the rate model fitted to the spiking LIF."),
        "measured": (f"LIF simulated rates match the closed form on the time grid to "
                     f"{grid_err:.1e} Hz (and the continuous-time form to {cont_err:.1f} Hz, the "
                     f"cost of stamping spikes on a {data['dt']} ms grid); its rheobase, narrowed "
                     f"down by simulation, is {lif_rh['rheobase']:.2f} ± "
                     f"{lif_rh['rheobase_resolution'] / 2:.2f} pA (closed form "
                     f"{data['lif_rheobase']:.2f} pA). Under noise the soft LIF "
                     f"fits with gamma = {noisy['soft_lif_gamma']:.3f} and rms error "
                     f"{noisy['soft_lif_rms']:.1f} Hz against {noisy['relu_rms']:.1f} Hz for a "
                     f"ReLU. Hodgkin-Huxley starts firing at {hh['onset_rate']:.0f} Hz "
                     f"(rheobase about {hh['rheobase']:.0f} pA), not from zero. The MLP reaches "
                     + ", ".join(f"{k} {v:.1%}" for k, v in acc.items()) + "."),
        "verdict": ("Supported, with a difference: a spiking neuron's rate is a thresholded, "
                    "saturating function of its input, close to ReLU or softplus above the "
                    "rheobase and usable as an activation once smoothed; but the neuron "
                    "computes it over time from spikes, and some neurons (HH) cannot fire "
                    "slowly at all."),
    }


def numbers(data: dict) -> dict:
    lif, noisy = data["lif"], data["lif_noisy"]
    return {
        "lif_max_error_vs_grid_form_hz": float(np.max(np.abs(lif["rates"] - lif["analytic_on_grid"]))),
        "lif_max_error_vs_continuous_form_hz": float(np.max(np.abs(lif["rates"] - lif["analytic"]))),
        "soft_lif_gamma": noisy["soft_lif_gamma"],
        "soft_lif_rms_hz": noisy["soft_lif_rms"],
        "relu_rms_hz": noisy["relu_rms"],
        "rheobase_pa": {k: v["rheobase"] for k, v in data["models"].items()},
        "onset_rate_hz": {k: v["onset_rate"] for k, v in data["models"].items()},
        "digits_accuracy": data["digits_accuracy"],
    }
