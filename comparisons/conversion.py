"""Conversion: a trained MLP's computation carried by spikes, and what that costs.

The article likens an artificial neuron's activation ``a = f(W a_prev + b)`` to a biological
neuron's output. The most direct test of that analogy is to take an MLP trained by back
propagation and run the same weights in a network of spiking neurons, reading each neuron's
firing *rate* as the MLP unit's activation (rate coding). This module trains a 64-128-10 ReLU
MLP on the 8x8 digits and converts it to LIF neurons following

- P. U. Diehl, D. Neil, J. Binas, M. Cook, S.-C. Liu, M. Pfeiffer (2015), "Fast-classifying,
  high-accuracy spiking deep networks through weight and threshold balancing", IJCNN 2015
  (data-based normalisation: scale each layer by its maximal activation on the training data);
- B. Rueckauer, I.-A. Lungu, Y. Hu, M. Pfeiffer, S.-C. Liu (2017), "Conversion of
  continuous-valued deep networks to efficient event-driven networks for image classification",
  Front. Neurosci. 11:682 (robust normalisation by the 99.9th percentile instead of the
  maximum, biases as constant currents, analog input to the first layer, and the first-spike
  and operation-count measures used here).

Conversion, step by step (choices and why)
------------------------------------------
*Data and MLP.* Pixels are standardised with statistics of the training part (the article's
"standardise the input"); 75 % / 25 % stratified split with a fixed seed; 64-128-10, ReLU
hidden layer, softmax output, sparse categorical cross-entropy, Adam (lr 0.001), 60 epochs,
batch 32. The MLP's class is the argmax of its output logits ``z2``.

*Normalisation.* ``lambda_1`` is the 99.9th percentile of the positive hidden activations
``a1 = relu(z1)`` on the training set and ``lambda_2`` that of the positive logits ``z2``
(Rueckauer et al. 2017, section 2.2.1). The normalised network computes
``a1' = a1 / lambda_1`` and ``z2' = z2 / lambda_2`` with ``W2' = W2 lambda_1 / lambda_2`` and
``b2' = b2 / lambda_2``; this rescales every layer by a positive factor and so changes no
argmax. A normalised activation of 1 is mapped to the firing rate ``r_max`` (Hz).

*Neurons.* LIF neurons (``c_m`` = 250 pF, threshold 15 mV above ``v_reset = e_leak`` = -65 mV,
no refractory period) with ``tau_m`` = 100 s, so that the leak loses 0.2 % of the charge over
200 ms: they are integrate-and-fire neurons, the model the conversion theory assumes. A neuron
with constant input current ``I`` then fires at ``I / (c_m theta)``, rounded down to the step
grid (``dt`` = 0.1 ms); negative input never fires it: the ReLU.

*Reset.* neurosim's LIF resets to ``v_reset`` ("reset to zero"); Rueckauer et al. recommend
"reset by subtraction", which keeps the charge above threshold. It is not available in neurosim,
so the surplus charge of each spike is lost: hidden rates are rounded down to ``1 / (n dt)``
and output neurons lose up to one synaptic jump per spike. Keeping ``r_max`` well below
``1 / dt`` keeps this loss small; its effect is visible as the scatter below the identity line.

*Input coding.* As in Rueckauer et al., the first (hidden) layer receives the analog input as
a constant current ``I_j = (W1 x + b1)_j / lambda_1 * r_max c_m theta`` (per-neuron amplitudes
of a :class:`neurosim.DCCurrent`). The 64 x 128 multiply-accumulates of that layer are therefore
done once per image, outside the spiking network; standardised pixels, which can be negative,
need no spike encoding. Every later computation is carried by spikes.

*Hidden to output.* :class:`neurosim.Delta` synapses (a spike makes a jump of
``W2'_jk theta`` mV, i.e. delivers the charge of ``W2'_jk`` output spikes) with the minimal
delay ``dt``; output biases are constant currents ``b2'_k r_max c_m theta``.

*Whole test set at once.* One population per layer holds every test image's copy of that layer
(image ``i``'s hidden neuron ``j`` is neuron ``i * 128 + j``); the hidden-to-output synapses are
block diagonal (one 128 x 10 block per image, given to :class:`neurosim.FromList`). One
simulation of ``t_max`` ms answers every shorter time too: the network's output at time ``T``
is read from the spikes before ``T``.

*Readout.* At time ``T`` an image is classified as the output neuron with the most spikes
before ``T``; a tie is broken by the earliest first spike among the tied neurons; an image with
no output spike yet, or still tied, is *undecided* and counted as an error (its fraction is
reported).

*Cost.* A synaptic event is one spike arriving at one synapse: the spikes of each neuron up to
``T`` times its fan-out (its number of outgoing synapses, counted from the connection table
this module builds; output neurons have none). The MLP's cost is its multiply-accumulates per
image, ``64 * 128 + 128 * 10``; the converted network spends the first term in analog (above)
and replaces the second, ``128 * 10``, by its synaptic events.

Measured: the MLP's test accuracy; the spiking network's accuracy and undecided fraction against
simulated time, for several ``r_max``; first-spike latency of the output layer; synaptic events
per image against the MLP's MACs; Pearson correlation of each layer's spiking rates with the
MLP's (normalised) activations.
"""

from __future__ import annotations

import copy
import time

import numpy as np

import neurosim as ns
from artificial import Adam, Dense, Sequential, StandardScaler, digits, train_test_split

from . import style

TITLE = "Conversion: a trained MLP run as a spiking network (digits, 64-128-10)"
CLAIM = ("An artificial neuron's activation stands for a biological neuron's output "
         "(sections 2 and 3): a trained MLP's computation can then be carried by spikes, "
         "at a cost in time and synaptic events.")

#: Neuron parameters of the converted network (see the module docstring).
C_M = 250.0          # pF
E_LEAK = -65.0       # mV, also v_reset
V_TH = -50.0         # mV
THETA = V_TH - E_LEAK  # mV, the charge-to-spike distance
TAU_M = 1.0e5        # ms: leak negligible over the run, an integrate-and-fire neuron
PERCENTILE = 99.9    # robust normalisation (Rueckauer et al. 2017)
N_HIDDEN = 128


def train_mlp(seed: int = 0, epochs: int = 60):
    """Train the 64-128-10 MLP on standardised digits.

    Returns
    -------
    model, X_train, X_test, y_train, y_test
        The inputs are standardised with the training part's statistics.
    """
    X, y = digits()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=seed, stratify=True)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    model = Sequential(seed=seed)
    model.add(Dense(N_HIDDEN, input_dim=X.shape[1], activation="relu"))
    model.add(Dense(10, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(0.001),
                  metrics=["accuracy"])
    model.fit(X_tr, y_tr, epochs=epochs, batch_size=32, verbose=0, warn_dead_units=False)
    return model, X_tr, X_te, y_tr, y_te


#: The MLPs :func:`trained_mlp` trained in this process, by seed and epochs.
_TRAINED = {}


def trained_mlp(seed: int = 0, epochs: int = 60):
    """:func:`train_mlp`'s results and the seconds the training took, ``(model, X_train,
    X_test, y_train, y_test, train_s)``.

    Training is a function of ``seed`` and ``epochs`` (the split, the initialisation and the
    shuffles are seeded), so a process that asks again gets a copy of the first results, and
    the first training's time, without training again: the quick report's gradients
    comparison reuses the conversion comparison's MLP this way.
    """
    key = (int(seed), int(epochs))
    if key not in _TRAINED:
        t0 = time.perf_counter()
        result = train_mlp(seed, epochs)
        _TRAINED[key] = (*result, time.perf_counter() - t0)
    model, *arrays, train_s = _TRAINED[key]
    return (copy.deepcopy(model), *(a.copy() for a in arrays), train_s)


def normalise(model, X_train):
    """Data-based normalisation: ``(lambda_1, lambda_2)``, the 99.9th percentiles of the
    positive hidden activations and positive output logits on the training data."""
    trace = model.forward_trace(X_train)
    a1 = trace.activations[1]
    z2 = trace.zs[-1]
    lam1 = float(np.percentile(a1[a1 > 0], PERCENTILE))
    lam2 = float(np.percentile(z2[z2 > 0], PERCENTILE))
    return lam1, lam2


def classify(counts, first_step):
    """Spike-count readout with the tie rule of the module docstring.

    Parameters
    ----------
    counts : int array, shape (n_images, n_classes)
        Output spikes of each class neuron in the window.
    first_step : array, shape (n_images, n_classes)
        Step of each output neuron's first spike (``inf`` if it never fired); only the
        neurons with ``counts > 0`` are consulted, so this may be the whole run's value.

    Returns
    -------
    pred : int array
        Predicted class, ``-1`` for undecided.
    """
    top = counts.max(axis=1)
    tied = (counts == top[:, None]) & (top[:, None] > 0)
    key = np.where(tied, first_step, np.inf)
    best = key.min(axis=1)
    unique = (key == best[:, None]).sum(axis=1) == 1
    pred = np.argmin(key, axis=1)
    return np.where((top > 0) & unique, pred, -1)


def simulate(weights, lambdas, X_test, *, r_max, t_max, dt=0.1, seed=0):
    """Build the converted network for every test image at once and run it for ``t_max`` ms.

    Parameters
    ----------
    weights : list
        ``[W1, b1, W2, b2]`` as :meth:`artificial.Sequential.get_weights` gives them.
    lambdas : (float, float)
        Normalisation factors of the hidden and output layer.
    X_test : array, shape (n_images, 64)
    r_max : float
        Rate (Hz) that a normalised activation of 1 maps to.
    t_max, dt : float
        ms.

    Returns
    -------
    dict
        ``hidden``, ``output`` (:class:`neurosim.SpikeRecord`), ``fan_out`` (outgoing synapses
        of each hidden neuron, from the table built here), ``n_synapses`` (the simulator's
        count), ``build_s``, ``run_s``.
    """
    w1, b1, w2, b2 = weights
    lam1, lam2 = lambdas
    n_img, n_h, n_o = X_test.shape[0], w1.shape[1], w2.shape[1]
    # pA per unit of normalised activation: I = a' r_max c_m theta gives a' r_max spikes per ms.
    gain = r_max / 1000.0 * C_M * THETA
    lif = ns.LIF(tau_m=TAU_M, c_m=C_M, e_leak=E_LEAK, v_th=V_TH, v_reset=E_LEAK, t_ref=0.0)
    t0 = time.perf_counter()
    net = ns.Network()
    hidden = net.population(n_img * n_h, lif, name="hidden")
    output = net.population(n_img * n_o, lif, name="output")
    z1 = X_test @ w1 + b1
    net.inject(hidden, ns.DCCurrent((z1 / lam1 * gain).ravel()))
    net.inject(output, ns.DCCurrent(np.tile(b2 / lam2 * gain, n_img)))
    # Block-diagonal hidden -> output table: one copy of W2' per image.
    w2n = w2 * lam1 / lam2
    j_idx, k_idx = np.nonzero(w2n)
    img = np.repeat(np.arange(n_img), j_idx.size)
    pairs = np.stack([img * n_h + np.tile(j_idx, n_img), img * n_o + np.tile(k_idx, n_img)],
                     axis=1)
    syn_w = np.tile(w2n[j_idx, k_idx] * THETA, n_img)       # mV
    net.connect(hidden, output, ns.FromList(pairs, weights=syn_w), synapse=ns.Delta(), delay=dt)
    mon_h = net.record_spikes(hidden)
    mon_o = net.record_spikes(output)
    sim = ns.Simulator(net, dt=dt, seed=seed)
    t1 = time.perf_counter()
    sim.run(t_max)
    t2 = time.perf_counter()
    return {"hidden": sim.data[mon_h], "output": sim.data[mon_o],
            "fan_out": np.bincount(pairs[:, 0], minlength=n_img * n_h),
            "n_synapses": sim.n_synapses, "build_s": t1 - t0, "run_s": t2 - t1}


def _pearson(x, y):
    x, y = np.ravel(x), np.ravel(y)
    if x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def _analyse(sim_out, y_test, a1n, z2n, *, r_max, t_max, dt, t_step):
    """Accuracy, undecided fraction and synaptic events on the time grid; latencies; rates."""
    rec_h, rec_o = sim_out["hidden"], sim_out["output"]
    n_img = y_test.size
    n_h, n_o = a1n.shape[1], z2n.shape[1]
    times = np.arange(t_step, t_max + t_step / 2, t_step)           # ms, window ends
    ends = np.rint(times / dt).astype(np.int64)                       # spikes with step < end
    # Output: counts per window from the cumulative spikes, in step order.
    order = np.argsort(rec_o.steps, kind="stable")
    o_steps, o_neur = rec_o.steps[order], rec_o.neurons[order]
    first = np.full(n_img * n_o, np.inf)
    np.minimum.at(first, o_neur, o_steps.astype(float))
    first = first.reshape(n_img, n_o)
    cut = np.searchsorted(o_steps, ends, side="left")
    acc, undecided = np.empty(times.size), np.empty(times.size)
    for i, c in enumerate(cut):
        counts = np.bincount(o_neur[:c], minlength=n_img * n_o).reshape(n_img, n_o)
        pred = classify(counts, first)
        acc[i] = np.mean(pred == y_test)
        undecided[i] = np.mean(pred < 0)
    # Synaptic events: every hidden spike before T reaches each of its fan_out synapses.
    h_steps = np.sort(rec_h.steps)
    ev_per_spike = sim_out["fan_out"][rec_h.neurons]
    ev_sorted = ev_per_spike[np.argsort(rec_h.steps, kind="stable")]
    ev_cum = np.concatenate([[0], np.cumsum(ev_sorted)])
    events = ev_cum[np.searchsorted(h_steps, ends, side="left")].astype(np.float64)
    # Latencies: the first spike of any output neuron of an image, and of the hidden layer.
    lat_out = first.min(axis=1) * dt
    h_first = np.full(n_img * n_h, np.inf)
    np.minimum.at(h_first, rec_h.neurons, rec_h.steps.astype(float))
    lat_hid = h_first.reshape(n_img, n_h).min(axis=1) * dt
    rate_h = rec_h.counts().reshape(n_img, n_h) * 1000.0 / t_max    # Hz
    rate_o = rec_o.counts().reshape(n_img, n_o) * 1000.0 / t_max
    target_h = a1n * r_max                                            # Hz the conversion aims at
    target_o = np.maximum(z2n, 0.0) * r_max
    return {
        "r_max": float(r_max),
        "times": times,
        "accuracy": acc,
        "undecided": undecided,
        "events_per_image": events / n_img,
        "events_total": int(ev_cum[-1]),
        "n_hidden_spikes": int(len(rec_h)),
        "n_output_spikes": int(len(rec_o)),
        "n_synapses": int(sim_out["n_synapses"]),
        "fan_out_total": int(sim_out["fan_out"].sum()),
        "hidden_counts": rec_h.counts(),
        "fan_out": sim_out["fan_out"],
        "output_latency": lat_out,                                    # ms, inf if silent
        "hidden_latency": lat_hid,
        "median_output_latency": float(np.median(lat_out)),
        "silent_output_fraction": float(np.mean(~np.isfinite(lat_out))),
        "median_hidden_latency": float(np.median(lat_hid)),
        "hidden_rates": rate_h,
        "hidden_targets": target_h,
        "output_rates": rate_o,
        "output_targets": target_o,
        "r_hidden": _pearson(rate_h, target_h),
        "r_output": _pearson(rate_o, target_o),
        "build_s": float(sim_out["build_s"]),
        "run_s": float(sim_out["run_s"]),
    }


def compute(quick: bool = False, *, seed: int = 0, t_max: float | None = None,
            r_maxes=None, r_main: float = 400.0, dt: float = 0.1) -> dict:
    """Train the MLP, convert it, simulate the whole test set and measure.

    Parameters
    ----------
    quick : bool
        Only the main rate ``r_main`` and 100 ms (full: rates 100, 200, 400, 1000 Hz, 200 ms).
    seed : int
        Seeds the split and the MLP's initialisation and shuffles.
    t_max : float, optional
        Simulated time, ms.
    r_maxes : sequence of float, optional
        Rates (Hz) for a normalised activation of 1; ``r_main`` is added if missing.
    r_main : float
        The rate whose run the scatter plots and the headline numbers use.
    dt : float
        Time step, ms.

    Returns
    -------
    dict
        ``mlp`` (accuracy, MACs), ``settings``, ``runs`` (one dict per rate, in increasing
        rate; see :func:`_analyse`), ``main`` (index of ``r_main`` in ``runs``), ``wall_s``.
    """
    t_start = time.perf_counter()
    if t_max is None:
        t_max = 100.0 if quick else 200.0
    if r_maxes is None:
        r_maxes = (r_main,) if quick else (100.0, 200.0, 400.0, 1000.0)
    r_maxes = sorted(set(float(r) for r in r_maxes) | {float(r_main)})
    if max(r_maxes) * dt / 1000.0 > 0.5:
        raise ValueError(f"conversion: r_max {max(r_maxes)} Hz is more than half of 1/dt = "
                         f"{1000.0 / dt:g} Hz; the reset would lose most of the charge")
    model, X_tr, X_te, y_tr, y_te, t_fit = trained_mlp(seed)
    t_rest = time.perf_counter()
    weights = model.get_weights()
    lam = normalise(model, X_tr)
    trace = model.forward_trace(X_te)
    mlp_acc = float(np.mean(np.argmax(trace.output, axis=1) == y_te))
    a1n, z2n = trace.activations[1] / lam[0], trace.zs[-1] / lam[1]
    norm_acc = float(np.mean(np.argmax(z2n, axis=1) == y_te))
    t_train = t_fit + time.perf_counter() - t_rest   # training (perhaps earlier), normalisation
    n_in, n_h, n_o = weights[0].shape[0], weights[0].shape[1], weights[2].shape[1]
    runs = []
    for r in r_maxes:
        out = simulate(weights, lam, X_te, r_max=r, t_max=t_max, dt=dt, seed=seed)
        runs.append(_analyse(out, y_te, a1n, z2n, r_max=r, t_max=t_max, dt=dt,
                             t_step=1.0 if t_max >= 20 else dt))
    return {
        "mlp": {"accuracy": mlp_acc, "normalised_accuracy": norm_acc,
                "layers": [n_in, n_h, n_o], "n_train": int(y_tr.size), "n_test": int(y_te.size),
                "macs_per_image": n_in * n_h + n_h * n_o,
                "macs_layer1": n_in * n_h, "macs_layer2": n_h * n_o,
                "train_s": t_train},
        "settings": {"dt": dt, "t_max": float(t_max), "tau_m": TAU_M, "c_m": C_M,
                     "theta": THETA, "percentile": PERCENTILE, "lambda_hidden": lam[0],
                     "lambda_output": lam[1], "seed": seed, "quick": bool(quick)},
        "runs": runs,
        "main": r_maxes.index(float(r_main)),
        "wall_s": time.perf_counter() - t_start,
    }


def _time_to_within(run, target, points=1.0):
    """First window end (ms) from which the accuracy stays within ``points`` of ``target``."""
    ok = run["accuracy"] >= target - points / 100.0
    if not ok[-1]:
        return float("nan")
    bad = np.nonzero(~ok)[0]
    return float(run["times"][bad[-1] + 1] if bad.size else run["times"][0])


def _run_colours(runs, main):
    from matplotlib.colors import to_rgb

    dark, light = np.array(to_rgb(style.SPIKING)), np.array(to_rgb(style.SPIKING_LIGHT))
    out = []
    n = len(runs)
    for i in range(n):
        f = 1.0 if n == 1 else i / (n - 1)
        out.append(style.SPIKING if i == main else tuple(light + (dark * 0.7 - light) * f))
    return out


def plot(data: dict):
    import matplotlib.pyplot as plt

    runs, main = data["runs"], data["main"]
    m, s = data["mlp"], data["settings"]
    run = runs[main]
    cols = _run_colours(runs, main)
    mlp_pct = 100 * m["accuracy"]
    with plt.rc_context(style.RC):
        fig, axes = plt.subplots(2, 3, figsize=(15.5, 9.2), constrained_layout=True)

        # (a) accuracy vs simulated time
        ax = axes[0, 0]
        for r, c in zip(runs, cols):
            lw = 2.0 if r is run else 1.2
            ax.plot(r["times"], 100 * r["accuracy"], color=c, lw=lw,
                    label=f"spiking, r_max = {r['r_max']:g} Hz")
        ax.axhline(mlp_pct, color=style.ARTIFICIAL, lw=1.5, ls="--",
                   label=f"MLP ({mlp_pct:.1f} %)")
        ax.axhline(10, color=style.GREY, lw=1, ls=":", label="chance (10 %)")
        ax.set(xlabel="simulated time T (ms)", ylabel="test accuracy (%)", ylim=(0, 102),
               xlim=(0, s["t_max"]), title="Accuracy against simulated time")
        ax.legend(loc="lower right", frameon=True, facecolor="white", edgecolor="none",
                  framealpha=1.0)
        ins = ax.inset_axes([0.42, 0.45, 0.53, 0.3])
        for r, c in zip(runs, cols):
            ins.plot(r["times"], 100 * r["accuracy"], color=c, lw=1.2)
        ins.axhline(mlp_pct, color=style.ARTIFICIAL, lw=1.2, ls="--")
        ins.axhspan(mlp_pct - 1, mlp_pct, color=style.GREY, alpha=0.15, lw=0)
        ins.set_ylim(mlp_pct - 6, min(100.5, mlp_pct + 2))
        ins.set_xlim(0, s["t_max"])
        ins.set_title("zoom; grey band: within 1 point of the MLP", fontsize=7)
        ax.text(0.24, 0.82, "an image with no output spike yet (undecided) counts as\n"
                "an error, so every curve starts at 0 %, below chance",
                transform=ax.transAxes, fontsize=7, color=style.REFERENCE, va="bottom")
        ins.tick_params(labelsize=7)

        # (b) hidden rate vs activation
        ax = axes[0, 1]
        rng = np.random.default_rng(0)
        x, y = run["hidden_targets"].ravel(), run["hidden_rates"].ravel()
        # A random sample, plus the most active neurons so that the range is visible.
        pick = np.union1d(rng.choice(x.size, size=min(6000, x.size), replace=False),
                          np.argsort(x)[-60:])
        ax.scatter(x[pick], y[pick], s=4, color=style.SPIKING, alpha=0.35, lw=0,
                   label=f"hidden neurons ({pick.size} of {x.size}: random + most active)")
        hi = max(x.max(), y.max()) * 1.03
        ax.plot([0, hi], [0, hi], color=style.REFERENCE, lw=1, ls="--",
                label="rate = r_max x activation")
        ax.set(xlabel=f"MLP hidden activation a1 / lambda1 x r_max (Hz, r_max = {run['r_max']:g})",
               ylabel=f"spiking rate over {s['t_max']:g} ms (Hz)",
               title=f"Hidden layer: rate vs activation, r = {run['r_hidden']:.4f}")
        ax.legend(loc="upper left", markerscale=3)

        # (c) output rate vs logit
        ax = axes[0, 2]
        x, y = run["output_targets"].ravel(), run["output_rates"].ravel()
        ax.scatter(x, y, s=5, color=style.SPIKING, alpha=0.35, lw=0,
                   label=f"output neurons ({x.size})")
        hi = max(x.max(), y.max()) * 1.03
        ax.plot([0, hi], [0, hi], color=style.REFERENCE, lw=1, ls="--",
                label="rate = r_max x max(logit, 0)")
        ax.set(xlabel="MLP logit max(z2, 0) / lambda2 x r_max (Hz)",
               ylabel=f"spiking rate over {s['t_max']:g} ms (Hz)",
               title=f"Output layer: rate vs logit, r = {run['r_output']:.4f}")
        ax.legend(loc="upper left", markerscale=3)

        # (d) first-spike latency of the output layer
        ax = axes[1, 0]
        for r, c in zip(runs, cols):
            lat = np.sort(r["output_latency"])
            frac = np.arange(1, lat.size + 1) / lat.size
            fin = np.isfinite(lat)
            ax.step(lat[fin], 100 * frac[fin], where="post", color=c,
                    lw=2.0 if r is run else 1.2,
                    label=f"r_max = {r['r_max']:g} Hz: median {r['median_output_latency']:.1f} ms")
        ax.set(xlabel="time of the first output spike (ms)",
               ylabel="images with an output spike (%)", ylim=(0, 102), xlim=(0, None),
               title="First-spike latency of the output layer")
        ax.legend(loc="lower right")

        # (e) synaptic events vs time, MACs as references
        ax = axes[1, 1]
        for r, c in zip(runs, cols):
            ax.plot(r["times"], r["events_per_image"], color=c, lw=2.0 if r is run else 1.2,
                    label=f"synaptic events, r_max = {r['r_max']:g} Hz")
        ax.axhline(m["macs_per_image"], color=style.ARTIFICIAL, lw=1.5, ls="--",
                   label=f"MLP MACs, both layers ({m['macs_per_image']})")
        ax.axhline(m["macs_layer2"], color=style.ARTIFICIAL, lw=1.5, ls=":",
                   label=f"MLP MACs, hidden->output ({m['macs_layer2']})")
        for r, c in zip(runs, cols):
            t_in = _time_to_within(r, m["accuracy"], 1.0)
            if np.isfinite(t_in):
                i = int(np.argmin(np.abs(r["times"] - t_in)))
                ax.plot([t_in], [r["events_per_image"][i]], marker="o", color=c, ms=6, ls="")
        ax.plot([], [], marker="o", color=style.GREY, ls="",
                label="from here on within 1 point of the MLP")
        ax.set(yscale="log", xlabel="simulated time T (ms)", ylim=(10, None),
               ylabel="operations per image", xlim=(0, s["t_max"]),
               title="Cost: synaptic events vs multiply-accumulates")
        ax.legend(loc="lower right")

        # (f) accuracy vs cost
        ax = axes[1, 2]
        for r, c in zip(runs, cols):
            ev = r["events_per_image"]
            keep = ev > 0
            ax.plot(ev[keep], 100 * r["accuracy"][keep], color=c, lw=2.0 if r is run else 1.2,
                    label=f"spiking, r_max = {r['r_max']:g} Hz")
        ax.plot([m["macs_layer2"]], [mlp_pct], marker="*", ms=13, color=style.ARTIFICIAL, ls="",
                label="MLP: hidden->output MACs")
        ax.plot([m["macs_per_image"]], [mlp_pct], marker="o", ms=7, color=style.ARTIFICIAL,
                ls="", mfc="white", label="MLP: all MACs")
        ax.axhline(10, color=style.GREY, lw=1, ls=":", label="chance")
        top = max(max(r["events_per_image"][-1] for r in runs), m["macs_per_image"]) * 2
        ax.set(xscale="log", xlabel="synaptic events (or MACs) per image",
               ylabel="test accuracy (%)", ylim=(0, 102), xlim=(10, top),
               title="Accuracy against cost (T from 1 ms to the end)")
        ax.legend(loc="center left")
        fig.suptitle(f"{TITLE}{' (quick)' if s.get('quick') else ''}: {m['n_test']} test "
                     f"images, dt = {s['dt']:g} ms, "
                     f"integrate-and-fire neurons (tau_m = {s['tau_m'] / 1000:g} s)")
    return fig


def describe(data: dict) -> dict:
    m, s, runs = data["mlp"], data["settings"], data["runs"]
    run = runs[data["main"]]
    acc_end = run["accuracy"][-1]
    gap = 100 * (m["accuracy"] - acc_end)
    t_within = _time_to_within(run, m["accuracy"], 1.0)
    ev_end = run["events_per_image"][-1]
    rates = ", ".join(f"{r['r_max']:g} Hz: {100 * r['accuracy'][-1]:.1f} %" for r in runs)

    def at(t):
        i = int(np.argmin(np.abs(run["times"] - t)))
        return 100 * run["accuracy"][i], run["events_per_image"][i]

    a10, e10 = at(10.0)
    t50 = min(50.0, s["t_max"])
    a50, e50 = at(t50)
    if np.isfinite(t_within):
        _, e_within = at(t_within)
        within = (f"it stays within 1 point of the MLP from T = {t_within:g} ms on, after "
                  f"{e_within:,.0f} synaptic events per image")
        cost = (f"coming within 1 point of the MLP takes {t_within:g} ms and "
                f"{e_within:,.0f} synaptic events per image "
                f"({e_within / m['macs_layer2']:.1f} times the {m['macs_layer2']:,} "
                f"multiply-accumulates they replace, where each event is only an addition), and "
                f"running on to {s['t_max']:g} ms costs {ev_end:,.0f} "
                f"({ev_end / m['macs_layer2']:.1f} times)")
    else:
        within = "it does not stay within 1 point of the MLP"
        e_within = ev_end
        cost = f"{s['t_max']:g} ms cost {ev_end:,.0f} synaptic events per image"
    paid = ("in time more than in operations" if e_within < m["macs_layer2"]
            else "in time and in operations")
    compare = (f"{abs(gap):.1f} points {'below' if gap > 0 else 'above'} the MLP"
               if round(abs(gap), 1) else "equal to the MLP")
    return {
        "shows": ("A 64-128-10 ReLU MLP trained on the digits and the same weights run as "
                  "integrate-and-fire neurons (rate coding, 99.9th-percentile data-based "
                  "normalisation after Diehl et al. 2015 and Rueckauer et al. 2017, analog "
                  "input current to the hidden layer, biases as constant currents, reset to "
                  "v_reset): test accuracy against simulated time for several maximal rates "
                  "r_max, with the MLP's accuracy as the reference (an image with no output "
                  "spike yet is undecided and counts as an error, so the curves start at 0 %, "
                  "below the 10 % of chance); each hidden and output "
                  "neuron's firing rate against the MLP value it stands for (the dashed line); "
                  "when the output layer first fires; and the synaptic events spent per image "
                  "against the MLP's multiply-accumulates (MACs)."),
        "measured": (f"MLP test accuracy {100 * m['accuracy']:.1f} % on {m['n_test']} images. "
                     f"The spiking network (r_max = {run['r_max']:g} Hz) reaches "
                     f"{100 * acc_end:.1f} % after {s['t_max']:g} ms ({compare}); {within}; "
                     f"{a10:.1f} % at 10 ms and {a50:.1f} % at {t50:g} ms. Accuracy at "
                     f"{s['t_max']:g} ms per r_max: {rates}. Median first output spike "
                     f"{run['median_output_latency']:.1f} ms after the input is switched on "
                     f"(hidden layer {run['median_hidden_latency']:.1f} ms). Rates correlate "
                     f"with the MLP's activations at r = {run['r_hidden']:.4f} (hidden) and "
                     f"{run['r_output']:.4f} (output logits); output rates fall below the "
                     f"line because reset to v_reset discards the charge above threshold. "
                     f"Cost per image: {e10:,.0f} synaptic events by 10 ms, {e50:,.0f} by "
                     f"{t50:g} ms and {ev_end:,.0f} by {s['t_max']:g} ms, against "
                     f"{m['macs_layer2']:,} MACs for the hidden->output layer they replace "
                     f"({m['macs_per_image']:,} for the whole MLP; the first layer's "
                     f"{m['macs_layer1']:,} are spent in analog in both). "
                     f"Computed in {data['wall_s']:.1f} s."),
        "verdict": ((f"Supported: spike rates carry the trained MLP's computation "
                     f"({compare} at {s['t_max']:g} ms, rate-activation correlation "
                     f"r = {run['r_hidden']:.4f}), so an activation can stand for a neuron's "
                     f"firing rate. The price is paid {paid}: {cost}. Per r_max, the time "
                     f"and events needed to come within 1 point of the MLP: {_needs(runs, m['accuracy'])}.")
                    if abs(gap) <= 2.0 else
                    (f"Only in part: the spiking network stays {gap:.1f} points below the MLP "
                     f"after {s['t_max']:g} ms."))
    }


def _needs(runs, target):
    parts = []
    for r in runs:
        t = _time_to_within(r, target, 1.0)
        if np.isfinite(t):
            i = int(np.argmin(np.abs(r["times"] - t)))
            parts.append(f"{r['r_max']:g} Hz: {t:g} ms, {r['events_per_image'][i]:,.0f} events")
        else:
            parts.append(f"{r['r_max']:g} Hz: not within {r['times'][-1]:g} ms")
    return "; ".join(parts)


def numbers(data: dict) -> dict:
    m, s, runs = data["mlp"], data["settings"], data["runs"]
    run = runs[data["main"]]
    out = {
        "mlp_accuracy": m["accuracy"],
        "mlp_macs_per_image": m["macs_per_image"],
        "mlp_macs_hidden_to_output": m["macs_layer2"],
        "n_test": m["n_test"],
        "t_max_ms": s["t_max"],
        "dt_ms": s["dt"],
        "r_max_main_hz": run["r_max"],
        "snn_accuracy_at_t_max": float(run["accuracy"][-1]),
        "gap_points_at_t_max": 100 * (m["accuracy"] - float(run["accuracy"][-1])),
        "time_to_within_1_point_ms": _time_to_within(run, m["accuracy"], 1.0),
        "median_output_first_spike_ms": run["median_output_latency"],
        "median_hidden_first_spike_ms": run["median_hidden_latency"],
        "r_hidden": run["r_hidden"],
        "r_output": run["r_output"],
        "synaptic_events_per_image_at_t_max": float(run["events_per_image"][-1]),
        "wall_s": data["wall_s"],
        "per_r_max": {},
    }
    for r in runs:
        acc_at = {f"{t:g}ms": float(r["accuracy"][int(np.argmin(np.abs(r["times"] - t)))])
                  for t in (5.0, 10.0, 20.0, 50.0, 100.0, 200.0) if t <= s["t_max"]}
        out["per_r_max"][f"{r['r_max']:g}"] = {
            "accuracy": acc_at,
            "undecided_at_t_max": float(r["undecided"][-1]),
            "median_output_first_spike_ms": r["median_output_latency"],
            "synaptic_events_per_image_at_t_max": float(r["events_per_image"][-1]),
            "r_hidden": r["r_hidden"],
            "r_output": r["r_output"],
            "simulate_s": r["build_s"] + r["run_s"],
        }
    # JSON has no inf/nan: write them as null.
    def clean(v):
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, float) and not np.isfinite(v):
            return None
        return v
    return clean(out)
