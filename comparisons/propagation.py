"""Signal propagation: one layered feed-forward network run as an MLP and as spiking LIF layers.

The article's forward propagation, ``z_l = W_l a_{l-1} + b_l``, ``a_l = f(z_l)``, says that each
layer's output is the next layer's input; its biological neuron receives through synapses and
sends along the axon. Here the same weights are run both ways:

* **artificial**: a ReLU MLP (``artificial.Sequential``) gives every layer's activation ``a_l``;
* **spiking**: one LIF population per layer, connected by the same matrices ``W_l`` scaled to
  synaptic currents (one factor for the whole network), with an axonal delay per projection.
  The input layer gets a constant current encoding ``x``; every hidden neuron gets a constant
  current encoding its bias ``b_l`` on top of the rheobase, so that ``z = 0`` sits at the
  firing threshold, as ReLU's kink does.

With rate ``r = c a`` (``c`` in Hz per unit of activation), a current synapse of decay ``tau_s``
carries a mean current ``w r tau_s``; the weight ``w = g W / (c tau_s)`` therefore turns
``W a`` into ``g z`` pA, the current that drives the next layer to the rate ``c a`` again
(``g`` is the current per unit of ``z``; ``c`` is fitted once to the analytic LIF f-I curve over
the MLP's range of ``z``).

Several stimuli run at once as independent copies of the network (block-diagonal weights), so
every copy starts from rest at stimulus onset.

What is measured:

* **latency per layer**: the first spike of each layer after onset. Before their first input
  the hidden neurons sit exactly at their steady state, so the potential of neuron ``j`` is the
  closed form ``v_inf_j + sum_spikes w PSP(t - t_spike - d)``; its first crossing on the step
  grid predicts every neuron's first spike from its input (the *integration time* after the
  first input arrives). And since the network is deterministic and time-invariant, every delay
  ``d`` shifts layer ``l`` by exactly ``l (d - d_min)`` steps against the minimal delay
  ``d_min = dt``: tested on every neuron's first spike.
* **rate code**: Pearson correlation of each layer's spike rate with its MLP activation
  (over units and stimuli); **first-spike code**: Spearman correlation of activation with
  ``-first-spike latency`` (silent units rank last).
* **noise**: the MLP gets input noise (``x + sigma xi``); the spiking network gets the same
  noisy input, alone and together with an independent Gaussian noise current in every layer
  (intrinsic noise, which the MLP has no counterpart for). All are compared layer by layer
  with the *noiseless* MLP activation.
"""

from __future__ import annotations

import math

import numpy as np

import neurosim as ns
from artificial import Dense, Sequential
from neurosim.analysis import lif_rate_analytic
from neurosim.units import HZ_PER_INV_MS

from . import style

TITLE = "Signal propagation: MLP layers vs spiking LIF layers with axonal delays"
CLAIM = ("Forward propagation: each layer's output a_l = f(W_l a_(l-1) + b_l) is the next "
         "layer's input (section 3); the biological neuron receives signals through synapses "
         "and sends its output along the axon (section 2), where signals travel with delays.")

#: LIF parameters shared by every layer (ms, pF, mV).
LIF_PARAMS = dict(tau_m=20.0, c_m=250.0, e_leak=-65.0, v_th=-50.0, v_reset=-55.0, t_ref=1.0)
TAU_SYN = 5.0           # ms, exponential current synapses
DT = 0.1                # ms
ONSET = 10.0            # ms, stimulus onset
GAIN = 125.0            # pA per unit of z (R * GAIN = 10 mV)
SETTLE = 30.0           # ms after onset excluded from the rate window
SWEEP_HORIZON = 60.0    # ms after onset within which first spikes are compared across delays


def _rheobase():
    p = LIF_PARAMS
    return (p["v_th"] - p["e_leak"]) * p["c_m"] / p["tau_m"]


def make_mlp(n_units=40, n_layers=4, seed=3):
    """The MLP: ``n_layers`` ReLU layers of ``n_units`` on ``n_units`` inputs, fixed weights.

    Weights are mixed in sign (normal with a positive mean), biases small and negative (a
    threshold); each layer is scaled so that its largest pre-activation over the reference
    stimuli is 1.2, which keeps activity alive through the depth.
    """
    rng = np.random.default_rng(seed)
    model = Sequential(seed=seed)
    for l in range(n_layers):
        model.add(Dense(n_units, activation="relu", input_dim=n_units if l == 0 else None))
    model.build(n_units)
    X = stimuli(8, n_units)
    weights = []
    a = X
    for _ in range(n_layers):
        W = rng.normal(0.15, 1.0, size=(n_units, n_units)) / math.sqrt(n_units)
        b = -rng.uniform(0.02, 0.12, size=n_units)
        z = a @ W
        W *= 1.2 / np.max(z)
        z = a @ W + b
        a = np.maximum(z, 0.0)
        weights += [W, b]
    model.set_weights(weights)
    return model


def stimuli(n_stimuli, n_units):
    """Smooth bumps at different positions, in [0.1, 1]: the stimuli ``x`` (rows)."""
    i = np.arange(n_units)
    centres = (np.arange(n_stimuli) + 0.5) * n_units / n_stimuli
    width = n_units / 6.0
    return 0.1 + 0.9 * np.exp(-0.5 * ((i[None, :] - centres[:, None]) / width) ** 2)


def _fit_rate_per_activation(z):
    """``c`` (Hz per unit): least squares ``f(I_rh + GAIN z) ~ c z`` over the given ``z > 0``."""
    z = z[z > 0]
    f = lif_rate_analytic(_rheobase() + GAIN * z, **LIF_PARAMS)
    return float(np.sum(f * z) / np.sum(z * z))


def _psp(s, w):
    """Exact membrane response (mV) at lag ``s`` ms to an exponential current of peak ``w`` pA."""
    p = LIF_PARAMS
    tm, ts = p["tau_m"], TAU_SYN
    s = np.asarray(s, dtype=np.float64)
    with np.errstate(over="ignore"):
        out = w / p["c_m"] * tm * ts / (ts - tm) * (np.exp(-s / ts) - np.exp(-s / tm))
    return np.where(s >= 0, out, 0.0)


def run_spiking(model, X, *, delay, duration, noise_std=0.0, seed=0, record_v=None):
    """Run the spiking version of ``model`` on the stimuli ``X`` (one network copy per row).

    Parameters
    ----------
    delay : float
        Axonal delay of every projection, ms.
    duration : float
        ms from t = 0 (stimulus onset at ``ONSET``).
    noise_std : float
        Std of an independent Gaussian noise current (pA, drawn each step) in every layer.
    record_v : list of int, optional
        Per layer, the neuron (of copy 0) whose membrane potential is recorded.

    Returns
    -------
    dict with ``steps`` and ``neurons`` of each layer's spikes (lists), the traces, and the
    network's scale factors.
    """
    weights = model.get_weights()
    Ws, bs = weights[0::2], weights[1::2]
    n_stim, n_in = X.shape
    z_all = np.concatenate([X.ravel()] + [t.ravel() for t in model.forward_trace(X).zs])
    c_hz = _fit_rate_per_activation(z_all)
    w_scale = GAIN * HZ_PER_INV_MS / (c_hz * TAU_SYN)      # pA per unit of W
    lif = ns.LIF(**LIF_PARAMS)
    p = LIF_PARAMS
    r_m = p["tau_m"] / p["c_m"]
    net = ns.Network()
    eye = np.eye(n_stim)
    pops, mons, v_mons = [], [], []
    i_rh = _rheobase()
    # Input layer: at rest, then a step current encoding x at onset.
    inp = net.population(n_stim * n_in, lif, name="layer0")
    net.inject(inp, ns.DCCurrent(i_rh + GAIN * X.ravel(), start=ONSET))
    pops.append(inp)
    for l, (W, b) in enumerate(zip(Ws, bs), start=1):
        bias = np.tile(i_rh + GAIN * b, n_stim)
        # Start exactly at the steady state of the bias current (a fixed point of the exact
        # update, computed the same way as the kernel does), so nothing moves before input.
        v0 = p["e_leak"] + bias * r_m
        pop = net.population(n_stim * W.shape[1], lif, name=f"layer{l}", v=v0)
        net.inject(pop, ns.DCCurrent(bias))
        net.connect(pops[-1], pop, ns.FromMatrix(np.kron(eye, W) * w_scale),
                    synapse=ns.ExpCurrent(tau=TAU_SYN), delay=delay)
        pops.append(pop)
    for l, pop in enumerate(pops):
        # Also at noise_std = 0 (it adds exactly 0 pA then): the noiseless and the noisy
        # network have one structure, so numba compiles one loop for both.
        net.inject(pop, ns.NoisyCurrent(std=noise_std))
        mons.append(net.record_spikes(pop))
        if record_v is not None:
            v_mons.append(net.record(pop, "v", neurons=[record_v[l]]))
    sim = ns.Simulator(net, dt=DT, seed=seed)
    sim.run(duration)
    recs = [sim.data[m] for m in mons]
    out = {
        "steps": [np.asarray(r.steps) for r in recs],
        "neurons": [np.asarray(r.neurons) for r in recs],
        "c_hz": c_hz, "w_scale": w_scale, "bias_pa": [np.tile(i_rh + GAIN * b, n_stim)
                                                       for b in bs],
    }
    if record_v is not None:
        vs = [sim.data[m] for m in v_mons]
        out["v_times"] = np.asarray(vs[0].times)
        out["v"] = np.stack([np.asarray(v.values[:, 0]) for v in vs])
    return out


def _first_steps(steps, neurons, n):
    """First spike step of each of ``n`` neurons (-1 where silent)."""
    first = np.full(n, -1, dtype=np.int64)
    order = np.argsort(steps, kind="stable")[::-1]   # later first, so earlier ones overwrite
    first[neurons[order]] = steps[order]
    return first


def _rates(steps, neurons, n, t_from, t_to):
    """Rate (Hz) of each of ``n`` neurons over ``[t_from, t_to)`` ms."""
    keep = (steps * DT >= t_from) & (steps * DT < t_to)
    return np.bincount(neurons[keep], minlength=n) * HZ_PER_INV_MS / (t_to - t_from)


def _predict_first_steps(pre_steps, pre_neurons, w_matrix, v0, delay, n_steps):
    """First-crossing step of each target neuron, from its presynaptic spikes in closed form.

    ``v_j((k+1) dt) = v0_j + sum_spikes w[i, j] PSP((k+1) dt - (t_i + delay + dt))`` (a
    spike arrives at ``t_i + delay`` and acts from the next step on); the first ``k`` with
    ``v >= v_th`` is the predicted spike step (-1 if none within ``n_steps``).
    """
    t_end = (np.arange(n_steps) + 1) * DT
    keep = pre_steps < n_steps
    t_arr = pre_steps[keep] * DT + delay + DT
    lag = t_end[None, :] - t_arr[:, None]                  # spikes x steps
    kernel = _psp(lag, 1.0)
    v = v0[:, None] + w_matrix[pre_neurons[keep], :].T @ kernel
    above = v >= LIF_PARAMS["v_th"]
    first = np.where(above.any(axis=1), above.argmax(axis=1), -1)
    return first


def _spearman(a, b):
    from scipy.stats import spearmanr

    if np.all(a == a[0]) or np.all(b == b[0]):
        return float("nan")
    return float(spearmanr(a, b).statistic)


def _pearson(a, b):
    if np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def compute(quick: bool = False, *, delay: float = 2.0, n_units: int = 40, n_layers: int = 4,
            noise_sigma: float = 0.15, noise_std: float = 300.0, seed: int = 0) -> dict:
    """Run the propagation comparison.

    Parameters
    ----------
    quick : bool
        4 stimuli and a 200 ms rate window instead of 12 and 1000 ms.
    delay : float
        The axonal delay per layer, ms (other delays run too, for the shift test).
    noise_sigma : float
        Std of the input noise added to ``x`` (units of ``x``, which lies in [0.1, 1]).
    noise_std : float
        Std (pA, drawn each step) of the noise current in every spiking layer.
    """
    n_stim = 4 if quick else 12
    window = 200.0 if quick else 1000.0
    duration = ONSET + SETTLE + window
    model = make_mlp(n_units, n_layers)
    X = stimuli(n_stim, n_units)
    trace = model.forward_trace(X)
    acts = [np.asarray(a) for a in trace.activations]          # layer 0 is the input x
    n_lay = len(acts)
    rng = np.random.default_rng(seed + 1)
    X_noisy = X + noise_sigma * rng.standard_normal(X.shape)
    acts_noisy = [np.asarray(a) for a in model.forward_trace(X_noisy).activations]

    # The clean run, with one membrane trace per layer (the most active unit of stimulus 0).
    rec_units = [int(np.argmax(a[0])) for a in acts]
    clean = run_spiking(model, X, delay=delay, duration=duration, record_v=rec_units, seed=seed)
    noisy = run_spiking(model, X_noisy, delay=delay, duration=duration, noise_std=noise_std,
                        seed=seed + 2)
    noisy_input = run_spiking(model, X_noisy, delay=delay, duration=duration, seed=seed + 3)
    n_per = [n_stim * a.shape[1] for a in acts]
    t_from, t_to = ONSET + SETTLE, duration
    rates = [_rates(clean["steps"][l], clean["neurons"][l], n_per[l], t_from, t_to)
             for l in range(n_lay)]
    rates_noisy = [_rates(noisy["steps"][l], noisy["neurons"][l], n_per[l], t_from, t_to)
                   for l in range(n_lay)]
    rates_noisy_input = [_rates(noisy_input["steps"][l], noisy_input["neurons"][l], n_per[l],
                                t_from, t_to) for l in range(n_lay)]
    c_hz = clean["c_hz"]

    # First spikes, latencies and the closed-form prediction.
    onset_step = round(ONSET / DT)
    first = [_first_steps(clean["steps"][l], clean["neurons"][l], n_per[l]) for l in range(n_lay)]
    lat_window = round((ONSET + 80.0) / DT)
    p = LIF_PARAMS
    r_m = p["tau_m"] / p["c_m"]
    predicted = []
    # Input layer: from rest under a constant current, T = tau_m ln((v_inf - e_l)/(v_inf - v_th));
    # the spike is stamped in the step whose end first reaches threshold.
    v_inf = p["e_leak"] + (_rheobase() + GAIN * X.ravel()) * r_m
    T = p["tau_m"] * np.log((v_inf - p["e_leak"]) / (v_inf - p["v_th"]))
    predicted.append(onset_step + np.ceil(T / DT - 1e-9).astype(np.int64) - 1)
    Ws = model.get_weights()[0::2]
    for l in range(1, n_lay):
        w_mat = np.kron(np.eye(n_stim), Ws[l - 1]) * clean["w_scale"]
        v0 = p["e_leak"] + clean["bias_pa"][l - 1] * r_m
        predicted.append(_predict_first_steps(clean["steps"][l - 1], clean["neurons"][l - 1],
                                              w_mat, v0, delay, lat_window))
    pred_match = []
    for l in range(n_lay):
        m, q = first[l].copy(), predicted[l]
        m[m >= lat_window] = -1                    # only spikes inside the prediction window
        pred_match.append(float(np.mean(m == q)))

    def layer_latency(first_steps):
        """Per layer and stimulus: first spike of the layer after onset, ms (nan if silent)."""
        out = np.full((n_lay, n_stim), np.nan)
        for l in range(n_lay):
            f = first_steps[l].reshape(n_stim, -1)
            for s in range(n_stim):
                fired = f[s][f[s] >= 0]
                if fired.size:
                    out[l, s] = (fired.min() - onset_step) * DT
        return out

    latency = layer_latency(first)
    latency_pred = layer_latency(predicted)
    # Integration time: from the arrival of the previous layer's first spike to this layer's.
    integration = np.full_like(latency, np.nan)
    integration[0] = latency[0]
    integration[1:] = latency[1:] - latency[:-1] - delay

    # The delay sweep: every first spike in layer l moves by exactly l (d - dt) steps. First
    # spikes are compared inside a horizon of SWEEP_HORIZON ms after onset (shifted with them).
    delays = sorted({DT, 1.0, delay, 2.0 * delay})
    sweep_first = {}
    for d in delays:
        if d == delay:
            sweep_first[d] = first
            continue
        r = run_spiking(model, X, delay=d, duration=ONSET + SWEEP_HORIZON + n_lay * d, seed=seed)
        sweep_first[d] = [_first_steps(r["steps"][l], r["neurons"][l], n_per[l])
                          for l in range(n_lay)]
    horizon = onset_step + round(SWEEP_HORIZON / DT)

    def clipped(f, shift):
        return np.where((f >= 0) & (f < horizon + shift), f - shift, -1)

    sweep_latency = {d: layer_latency(f) for d, f in sweep_first.items()}
    shift_exact = {}
    for d in delays:
        shifts = [round(l * (d - DT) / DT) for l in range(n_lay)]
        shift_exact[d] = all(np.array_equal(clipped(sweep_first[d][l], shifts[l]),
                                            clipped(sweep_first[DT][l], 0))
                             for l in range(n_lay))

    # Codes: rate (Pearson) and first-spike order (Spearman with -latency; silent = last).
    def first_key(f):
        key = np.where(f >= 0, f, np.iinfo(np.int64).max).astype(np.float64)
        return -key

    # In the noisy run neurons may fire before onset: take each one's first spike after it.
    first_noisy = []
    for l in range(n_lay):
        keep = noisy["steps"][l] >= onset_step
        first_noisy.append(_first_steps(noisy["steps"][l][keep], noisy["neurons"][l][keep],
                                        n_per[l]))
    corr = {"mlp_noisy": [], "spiking": [], "spiking_input_noise": [], "spiking_noisy": [],
            "rank_spiking": [], "rank_spiking_noisy": []}
    for l in range(n_lay):
        a = acts[l].ravel()
        corr["mlp_noisy"].append(_pearson(acts_noisy[l].ravel(), a))
        corr["spiking"].append(_pearson(rates[l], a))
        corr["spiking_input_noise"].append(_pearson(rates_noisy_input[l], a))
        corr["spiking_noisy"].append(_pearson(rates_noisy[l], a))
        corr["rank_spiking"].append(_spearman(a, first_key(first[l])))
        corr["rank_spiking_noisy"].append(_spearman(a, first_key(first_noisy[l])))
    corr = {k: np.array(v) for k, v in corr.items()}

    return {
        "quick": quick, "n_stimuli": n_stim, "n_units": n_units, "n_layers": n_lay,
        "dt": DT, "onset": ONSET, "delay": delay, "duration": duration,
        "rate_window": [t_from, t_to], "tau_syn": TAU_SYN, "lif": dict(LIF_PARAMS),
        "gain_pa": GAIN, "rate_per_activation_hz": c_hz, "weight_scale_pa": clean["w_scale"],
        "noise_sigma": noise_sigma, "noise_std_pa": noise_std,
        "x": X, "activations": acts, "activations_noisy": acts_noisy,
        "rates": rates, "rates_noisy": rates_noisy, "rates_input_noise": rates_noisy_input,
        "spike_steps": clean["steps"], "spike_neurons": clean["neurons"],
        "v_times": clean["v_times"], "v": clean["v"], "v_units": rec_units,
        "first_steps": first, "predicted_first_steps": predicted,
        "prediction_match": np.array(pred_match),
        "latency": latency, "latency_predicted": latency_pred, "integration_time": integration,
        "delays": delays, "sweep_latency": sweep_latency, "shift_exact": shift_exact,
        "corr": corr,
    }


# ----------------------------------------------------------------------------------------------
# Figure
# ----------------------------------------------------------------------------------------------

def plot(data: dict):
    import matplotlib.pyplot as plt
    from matplotlib.colors import LinearSegmentedColormap

    n_lay, n_u, n_stim = data["n_layers"], data["n_units"], data["n_stimuli"]
    layers = np.arange(n_lay)
    d, onset, dt = data["delay"], data["onset"], data["dt"]
    lay_names = ["input"] + [f"layer {l}" for l in range(1, n_lay)]
    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(19, 10.5), constrained_layout=True)
        gs = fig.add_gridspec(2, 4)

        # (a) MLP heatmap, stimulus 0.
        ax = fig.add_subplot(gs[0, 0])
        heat = np.stack([a[0] for a in data["activations"]], axis=1)
        cmap = LinearSegmentedColormap.from_list("art", ["white", style.ARTIFICIAL,
                                                         style.ARTIFICIAL_DARK])
        im = ax.imshow(heat, aspect="auto", origin="lower", cmap=cmap, interpolation="nearest")
        ax.set_xticks(layers, lay_names)
        ax.set(ylabel="unit", title="MLP activations a_l, stimulus 1")
        ax.grid(False)
        fig.colorbar(im, ax=ax, label="activation a (a.u.)", shrink=0.85)

        # (b) traces per layer: MLP activation (line) and spiking rate / c (dots).
        ax = fig.add_subplot(gs[0, 1])
        c = data["rate_per_activation_hz"]
        top = max(float(np.max(heat)), 1e-9)
        offset = 1.15 * top
        for l in range(n_lay):
            a = data["activations"][l][0]
            r = data["rates"][l][:n_u] / c
            base = l * offset
            ax.axhline(base, color=style.GREY, lw=0.6)
            ax.plot(np.arange(n_u), base + a, color=style.ARTIFICIAL, lw=1.6,
                    label="MLP activation a" if l == 0 else None)
            ax.plot(np.arange(n_u), base + r, "o", ms=3, color=style.SPIKING,
                    label=f"spike rate / {c:.0f} Hz" if l == 0 else None)
        ax.set_yticks(layers * offset, lay_names)
        ax.set(xlabel="unit", ylabel="layer (each trace: activation, a.u.)",
               title="Layer by layer, stimulus 1: MLP vs rate code")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)

        # (c) spiking raster of copy 0, layers stacked; grey bands: the axonal delay from the
        # previous layer's first spike to its arrival here.
        ax = fig.add_subplot(gs[0, 2])
        lat = data["latency"][:, 0]
        t_lo = onset - 5.0
        t_show = onset + (np.nanmax(lat) if np.isfinite(lat).any() else 40.0) + 15.0
        for l in range(1, n_lay):
            if np.isfinite(lat[l - 1]):
                t_spk = onset + lat[l - 1]
                ax.axvspan(t_spk, t_spk + d, ymin=l / n_lay, ymax=(l + 1) / n_lay,
                           color=style.GREY, alpha=0.35, lw=0)
        for l in range(n_lay):
            st, nn = data["spike_steps"][l], data["spike_neurons"][l]
            keep = (nn < n_u) & (st * dt <= t_show)
            ax.plot(st[keep] * dt, nn[keep] + l * n_u, "|", ms=3, color=style.SPIKING)
            if l:
                ax.axhline(l * n_u - 0.5, color=style.REFERENCE, lw=0.8)
        ax.axvline(onset, color=style.REFERENCE, ls="--", lw=1, label="stimulus onset")
        ax.fill_between([], [], color=style.GREY, alpha=0.35,
                        label=f"axonal delay d = {d:g} ms after the\nprevious layer's first spike")
        ax.set_yticks((layers + 0.5) * n_u, lay_names)
        ax.set(xlim=(t_lo, t_show), ylim=(-0.5, n_lay * n_u - 0.5), xlabel="time (ms)",
               ylabel=f"layer ({n_u} neurons each)", title="Spiking network: raster, stimulus 1")
        ax.grid(False)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)

        # (d) membrane traces, one neuron per layer, stacked.
        ax = fig.add_subplot(gs[0, 3])
        t, v = data["v_times"], data["v"]
        keep = (t >= t_lo) & (t <= t_show)
        v_th, e_l = data["lif"]["v_th"], data["lif"]["e_leak"]
        span = v_th - e_l + 3.0
        for l in range(n_lay):
            ax.plot(t[keep], v[l, keep] + l * span, color=style.SPIKING, lw=0.9)
            ax.axhline(v_th + l * span, color=style.GREY, ls=":", lw=0.8)
            if np.isfinite(lat[l]):
                ax.plot(onset + lat[l], v_th + l * span + 1.5, "v", color=style.REFERENCE, ms=5)
        ax.axvline(onset, color=style.REFERENCE, ls="--", lw=1)
        ax.set_yticks([v_th + l * span for l in range(n_lay)], lay_names)
        ax.plot([], [], color=style.GREY, ls=":", label=f"threshold {v_th:g} mV")
        ax.plot([], [], "v", color=style.REFERENCE, label="layer's first spike")
        ax.set(xlim=(t_lo, t_show), xlabel="time (ms)",
               ylabel=f"v (mV), stacked {span:g} mV apart; ticks at threshold",
               title="Membrane potential, most active unit per layer")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)

        # (e) rate vs activation scatter, all layers.
        ax = fig.add_subplot(gs[1, 0])
        cols = plt.get_cmap("Reds")(np.linspace(0.4, 1.0, n_lay))
        for l in range(n_lay):
            ax.scatter(data["activations"][l].ravel(), data["rates"][l], s=6, color=cols[l],
                       label=f"{lay_names[l]}: r = {data['corr']['spiking'][l]:.2f}")
        amax = max(float(np.max(a)) for a in data["activations"])
        ax.plot([0, amax], [0, c * amax], color=style.REFERENCE, ls="--", lw=1,
                label=f"rate = {c:.0f} Hz x a")
        ax.set(xlabel="MLP activation a (a.u.)", ylabel="spike rate (Hz)",
               title=f"Rate code: all units, {n_stim} stimuli")
        ax.legend(fontsize=8, loc="upper left")

        # (f) latency per layer, with the prediction, for several delays.
        ax = fig.add_subplot(gs[1, 1])
        greys = plt.get_cmap("Greys")(np.linspace(0.45, 0.95, len(data["delays"])))
        reds = plt.get_cmap("Reds")(np.linspace(0.45, 1.0, len(data["delays"])))
        base = np.nanmean(data["sweep_latency"][dt], axis=1)
        for i, dd in enumerate(data["delays"]):
            measured = np.nanmean(data["sweep_latency"][dd], axis=1)
            ax.plot(layers, measured, "o", color=reds[i], ms=6, label=f"measured, d = {dd:g} ms")
        for i, dd in enumerate(data["delays"]):
            ax.plot(layers, base + layers * (dd - dt), color=greys[i], lw=1.2, ls="--",
                    label="latency(d = dt) + l (d - dt)" if i == len(data["delays"]) - 1
                    else None, zorder=1)
        lp = np.nanmean(data["latency_predicted"], axis=1)
        ax.plot(layers, lp, "x", color=style.REFERENCE, ms=9, mew=1.5,
                label=f"closed-form PSP prediction, d = {d:g} ms")
        ax.set_xticks(layers, lay_names)
        ax.set(ylabel="first spike after onset (ms)",
               title=f"Latency per layer (mean over {n_stim} stimuli)")
        ax.legend(fontsize=8, loc="upper left")

        # (g) rate-code correlation with the noiseless activation, both families.
        ax = fig.add_subplot(gs[1, 2])
        cr = data["corr"]
        ax.plot(layers, np.ones(n_lay), color=style.ARTIFICIAL, marker="o",
                label="MLP, noiseless (1 by definition)")
        ax.plot(layers, cr["mlp_noisy"], color=style.ARTIFICIAL, marker="o", ls="--",
                label=f"MLP, input noise sigma = {data['noise_sigma']:g}")
        ax.plot(layers, cr["spiking"], color=style.SPIKING, marker="s",
                label="spiking rate, noiseless")
        ax.plot(layers, cr["spiking_input_noise"], color=style.SPIKING_LIGHT, marker="s",
                ls="--", label="spiking rate, the same input noise")
        ax.plot(layers, cr["spiking_noisy"], color=style.SPIKING, marker="s", ls="--",
                label=f"spiking rate, input noise + {data['noise_std_pa']:g} pA current noise"
                      " per layer")
        ax.set_xticks(layers, lay_names)
        ax.set(ylabel="Pearson r with noiseless MLP activation",
               title="Rate code: correlation vs depth")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=1)

        # (h) first-spike rank code.
        ax = fig.add_subplot(gs[1, 3])
        ax.plot(layers, cr["rank_spiking"], color=style.SPIKING, marker="^",
                label="noiseless")
        ax.plot(layers, cr["rank_spiking_noisy"], color=style.SPIKING, marker="^", ls="--",
                label="input + current noise")
        ax.axhline(0, color=style.GREY, lw=0.8)
        ax.set_xticks(layers, lay_names)
        ax.set(ylabel="Spearman rho (activation, -first-spike time)",
               title="First-spike order: larger a fires earlier")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
        fig.suptitle(TITLE + (" (quick)" if data["quick"] else ""))
    return fig


def describe(data: dict) -> dict:
    lat = np.nanmean(data["latency"], axis=1)
    integ = np.nanmean(data["integration_time"][1:], axis=1)
    cr = data["corr"]
    n_hidden = data["n_layers"] - 1
    exact = all(data["shift_exact"].values())
    match = float(np.mean(data["prediction_match"]))

    def fmt(x):
        return ", ".join(f"{v:.2f}" for v in x)

    def trend(x):
        return "rises" if x[-1] > x[0] else "falls"

    intrinsic = cr["spiking_input_noise"][1:] - cr["spiking_noisy"][1:]
    gap = cr["spiking"] - cr["spiking_input_noise"]
    silent_mlp = [r[a.ravel() == 0] for a, r in zip(data["activations"][1:], data["rates"][1:])]
    max_silent = max((float(x.max()) for x in silent_mlp if x.size), default=0.0)
    return {
        "shows": (f"The same {n_hidden}-layer ReLU network ({data['n_units']} units per layer) "
                  "run as an MLP (activations per layer and unit) and as LIF layers joined by "
                  "the same weights scaled to synaptic currents, with an axonal delay of "
                  f"{data['delay']:g} ms per layer: raster with the delays marked, one membrane "
                  "trace per layer, each layer's latency against its prediction for several "
                  "delays, and how well spike rates and first-spike order carry the MLP's "
                  "activations with and without noise."),
        "measured": (
            f"First spike after onset per layer (mean of {data['n_stimuli']} stimuli): "
            + ", ".join(f"{x:.1f}" for x in lat) + " ms, i.e. the input layer's integration "
            f"time then, per layer, {data['delay']:g} ms of delay plus "
            + ", ".join(f"{x:.2f}" for x in integ) + " ms of integration. The closed-form "
            f"PSP sum predicted {match:.1%} of all first spikes to the step; with delays "
            f"{', '.join(f'{x:g}' for x in data['delays'])} ms every neuron's first spike in "
            f"layer l moved by exactly l (d - dt): {'yes' if exact else 'no'}. Rate vs "
            f"activation, Pearson r per layer (input first): {fmt(cr['spiking'])} noiseless; "
            f"{fmt(cr['spiking_input_noise'])} with input noise sigma = "
            f"{data['noise_sigma']:g}; {fmt(cr['spiking_noisy'])} with input noise and "
            f"{data['noise_std_pa']:g} pA current noise; the MLP with the same input noise: "
            f"{fmt(cr['mlp_noisy'])}. First-spike order (Spearman, activation vs earliness): "
            f"{fmt(cr['rank_spiking'])} noiseless, {fmt(cr['rank_spiking_noisy'])} with noise."),
        "verdict": (
            "Supported, with time added: each layer's output is the next layer's input in both "
            f"families, and the same weights carry the same signal (spike rate vs activation "
            f"r >= {np.nanmin(cr['spiking']):.2f} in every layer). The rate code is not a copy: "
            "the LIF's transfer is not a ReLU (units with a = 0 still fire, up to "
            f"{max_silent:.0f} Hz, where ReLU is flat at 0), and the mismatch compounds with "
            "depth. In the spiking network the signal arrives "
            f"layer by layer, {data['delay']:g} ms of axon plus about {np.nanmean(integ):.1f} ms "
            "of integration later, which the article's formula has no room for. Input noise: "
            f"the MLP's correlation {trend(cr['mlp_noisy'])} with depth "
            f"({cr['mlp_noisy'][0]:.2f} to {cr['mlp_noisy'][-1]:.2f}); in the spiking network "
            f"its cost against the noiseless spiking run goes from {gap[0]:.3f} at the input "
            f"to {gap[-1]:.3f} at layer {n_hidden} (the layers pool many noisy inputs); "
            "the spiking network's own current noise, which the MLP lacks, costs a further "
            f"{np.mean(intrinsic):.3f} in r per hidden layer on average. First-spike order "
            f"carries the signal less well than rates and degrades faster with depth and noise "
            f"(layer {n_hidden}: rho = {cr['rank_spiking'][-1]:.2f} noiseless, "
            f"{cr['rank_spiking_noisy'][-1]:.2f} with noise)."),
    }


def numbers(data: dict) -> dict:
    def lst(x):
        return [None if not np.isfinite(v) else round(float(v), 4) for v in np.ravel(x)]

    return {
        "n_stimuli": data["n_stimuli"], "n_units": data["n_units"],
        "n_layers": data["n_layers"], "delay_ms": data["delay"], "dt_ms": data["dt"],
        "rate_per_activation_hz": round(data["rate_per_activation_hz"], 3),
        "latency_ms_per_layer": lst(np.nanmean(data["latency"], axis=1)),
        "latency_predicted_ms_per_layer": lst(np.nanmean(data["latency_predicted"], axis=1)),
        "integration_time_ms_per_layer": lst(np.nanmean(data["integration_time"], axis=1)),
        "first_spike_prediction_match": lst(data["prediction_match"]),
        "shift_exact": {f"{d:g}": bool(v) for d, v in data["shift_exact"].items()},
        "latency_ms_by_delay": {f"{d:g}": lst(np.nanmean(v, axis=1))
                                for d, v in data["sweep_latency"].items()},
        **{f"corr_{k}": lst(v) for k, v in data["corr"].items()},
    }
