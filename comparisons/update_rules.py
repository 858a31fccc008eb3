"""Update rules: the STDP window beside the back-propagation gradient of one synapse, and what
each rule does with correlated inputs.

The article's learning rule is gradient descent on a loss: for the weight ``w`` from a
presynaptic unit (activation ``a_pre``) to a postsynaptic unit (error signal ``delta_post``),
back propagation gives ``dL/dw = delta_post a_pre`` with
``delta_l = f'(z_l) * (W_{l+1}^T delta_{l+1})``, so the descent step ``-dL/dw`` is the product
of a *local* activity and an error *sent back from the output* through the weights above. The
brain's best known rule, spike-timing-dependent plasticity (STDP), is local in both factors: the
change depends only on the *order and timing* of the two spikes at the synapse.

Part 1, one synapse:

* **STDP window.** 161 synapses, each with one scripted presynaptic spike, onto a neuron forced
  to fire once (a 100 mV delta input from a "teacher" source makes it fire in the step the input
  arrives); each final weight minus the initial one is one point of the window
  ``Δw(Δt)``, ``Δt = t_post - (t_pre + delay)``. It is compared with
  :meth:`neurosim.STDP.window` and exponentials are fitted to each side (log-linear least
  squares) to recover the configured amplitudes and time constants.
* **Backprop gradient.** A 2-3-1 MLP (tanh hidden, sigmoid output, the article's half mean
  squared error, one sample): the synapse from input unit 0 (``a_pre = x_0``) to hidden unit 0.
  For a grid of presynaptic activations and output errors ``e = y - yhat`` the gradient comes
  from ``model.gradients`` and is checked against the article's formula
  ``-dL/dw = -delta_post a_pre``, ``delta_post = f'(z_post) W_post,out delta_out``,
  ``delta_out = (yhat - y) f'(z_out)``, computed by hand from ``model.forward_trace``, and
  against a central finite difference of the loss.

Part 2, correlated inputs (the same spike trains for both rules):

* 200 inputs at 10 Hz each: group A (100 inputs) shares spike times through a multiple
  interaction process (Kuhn, Aertsen & Rotter 2003: a 100 Hz "mother" train, each input keeps
  each mother spike with probability c = 0.1, so every pair in A has spike-count correlation
  0.1 and each input's rate is still 10 Hz); group B (100 inputs) is independent Poisson at the
  same rate.
* **STDP** (additive, all-to-all, A_-/A_+ = 1.1, the setting of Song, Miller & Abbott 2000 and
  Kempter, Gerstner & van Hemmen 1999) on conductance synapses onto one LIF neuron, all weights
  starting at w_max / 2: synchronous inputs of group A cause output spikes shortly after they
  arrive, so their pairs fall mostly on the potentiating side of the window; group B's pairs
  are near-symmetric around Δt = 0 and the depression-dominated window depresses them. Result:
  A's mean weight climbs to w_max, B's falls (as in Song et al. 2000).
* **Gradient descent.** The same trains binned in 20 ms windows and standardised (the article's
  first step) feed a linear unit (``Dense(1)``, no hidden layer, zero initial weights) trained
  by full-batch gradient descent (``SGD``, half MSE) to reproduce a teacher
  ``y = sum_i w*_i x_i`` that depends on 5 inputs of A and 5 of B (``w*_i = 1``). The update
  ``-dL/dw_i = (1/n) sum_t x_i(t) e(t)`` is the correlation of input ``i`` with the *error*: on
  the first step (``e = y``) every input of A correlates with the target through the 5 teacher
  inputs it shares spikes with, so all of A's weights grow; as the error shrinks that
  correlation vanishes and the weights of A that the target does not depend on return to 0.
  The unit ends with the teacher's weights, correlated or not. (The per-step update is checked
  against ``lr X^T e / n``.)

What each panel shows is in :func:`describe`; numbers in :func:`numbers`.
"""

from __future__ import annotations

import numpy as np

import neurosim as ns
from artificial import SGD, Dense, Sequential, StandardScaler

from . import style

TITLE = "Update rules: the STDP window beside the back-propagation gradient"
CLAIM = ("Learning adjusts the weights between neurons: an artificial network by back "
         "propagation and gradient descent (delta_l = f'(z_l) * (W_{l+1}^T delta_{l+1}), "
         "dW_l = delta_l a_{l-1}^T, W <- W - alpha dW), the brain, which it imitates, through "
         "its synapses (sections 2-3).")

DT = 0.1                      # ms
#: The postsynaptic neuron of part 2 (as neurosim's Song-Abbott example: g_L = 10 nS).
CELL = dict(tau_m=10.0, c_m=100.0, e_leak=-74.0, v_th=-54.0, v_reset=-60.0, t_ref=0.0)
#: A relay that a 100 mV delta input makes fire in the step it arrives (part 1).
RELAY = dict(tau_m=10.0, c_m=250.0, e_leak=-70.0, v_th=-20.0, v_reset=-70.0, t_ref=0.0)
G_MAX = 0.4                   # nS, excitatory conductance bound
TAU_SYN = 5.0                 # ms
RULE = ns.STDP(a_plus=0.01 * G_MAX, a_minus=0.011 * G_MAX, tau_plus=20.0, tau_minus=20.0,
               w_min=0.0, w_max=G_MAX, pairing="all", dependence="additive")
N_CORR = 100                  # group A
N_IND = 100                   # group B
RATE = 10.0                   # Hz, every input
CORR = 0.1                    # spike-count correlation within group A
DELAY = 1.0                   # ms, the window's synapses
BIN = 20.0                    # ms, bins that turn spike trains into MLP inputs
TEACHER_CORR = np.arange(5)                   # inputs of A the teacher depends on
TEACHER_IND = N_CORR + np.arange(5)           # inputs of B the teacher depends on
LR = 0.05


# --- part 1: the STDP window ----------------------------------------------------------------


def _default_delta_t():
    return np.round(np.arange(-80.0, 80.01, 1.0), 10)


def _add_window(net, rule, delta_t, *, delay, w0, t_post):
    """Add part 1's synapses to ``net``: one scripted presynaptic spike each, onto a relay that
    a teacher makes fire at ``t_post``. Returns what :func:`_window_result` reads."""
    pre = [[round(t_post - d - delay, 10)] for d in delta_t]
    src = net.population(len(pre), ns.SpikeTimes(pre), name="window pre")
    teacher = net.population(1, ns.SpikeTimes([[round(t_post - DT, 10)]]),
                             name="window teacher")
    cell = net.population(1, ns.LIF(**RELAY), name="window cell")
    net.connect(teacher, cell, ns.OneToOne(), synapse=ns.Delta(), weight=100.0, delay=0.0)
    proj = net.connect(src, cell, ns.AllToAll(), synapse=ns.Delta(), weight=w0, delay=delay,
                       plasticity=rule)
    return proj, net.record_spikes(cell), np.asarray(delta_t, float), w0, t_post


def _window_result(sim, part):
    proj, spikes, delta_t, w0, t_post = part
    post = sim.data[spikes].times
    if post.size != 1 or abs(post[0] - t_post) > 1e-9:
        raise RuntimeError(f"the relay should fire once at {t_post} ms, fired at {post}")
    return delta_t, sim.weights(proj).weight - w0


def stdp_window_simulated(rule=RULE, delta_t=None, *, delay=DELAY, w0=G_MAX / 2, t_post=200.0):
    """Simulate one isolated pair per synapse; returns ``(delta_t, delta_w)`` (ms, nS)."""
    delta_t = _default_delta_t() if delta_t is None else delta_t
    net = ns.Network()
    part = _add_window(net, rule, delta_t, delay=delay, w0=w0, t_post=t_post)
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(t_post + 100.0)
    return _window_result(sim, part)


def fit_exponentials(delta_t, delta_w):
    """Fit ``A_+ exp(-Δt/tau_+)`` (Δt >= 0) and ``-A_- exp(Δt/tau_-)`` (Δt < 0) by linear
    least squares on ``ln|Δw|``; returns a dict of the four values."""
    pos, neg = delta_t >= 0, delta_t < 0
    sp, ip = np.polyfit(delta_t[pos], np.log(delta_w[pos]), 1)
    sn, i_n = np.polyfit(delta_t[neg], np.log(-delta_w[neg]), 1)
    return {"a_plus": float(np.exp(ip)), "tau_plus": float(-1.0 / sp),
            "a_minus": float(np.exp(i_n)), "tau_minus": float(1.0 / sn)}


# --- part 1: the backprop gradient of one synapse --------------------------------------------


def _mlp(seed=4):
    m = Sequential(seed=seed)
    m.add(Dense(3, input_dim=2, activation="tanh"))
    m.add(Dense(1, activation="sigmoid"))
    m.compile(loss="half_mse", optimizer="sgd")
    return m


def _formula_grad(model, x, y, pre=0, post=0):
    """``-dL/dw`` of the synapse input ``pre`` -> hidden ``post`` by the article's formulas,
    from the forward trace; returns ``(-dL/dw, a_pre, delta_post, error)``."""
    tr = model.forward_trace(x[None, :])
    z1, z2 = tr.zs
    a2 = tr.activations[2]
    w_out = model.layers[1].kernel
    e = float(y - a2[0, 0])
    delta_out = (a2[0, 0] - y) * a2[0, 0] * (1.0 - a2[0, 0])             # (yhat - y) f'(z_out)
    delta_post = (1.0 - np.tanh(z1[0, post]) ** 2) * w_out[post, 0] * delta_out
    return -delta_post * x[pre], float(x[pre]), float(delta_post), e


def backprop_synapse(n_pre=11, errors=(-0.4, -0.2, 0.0, 0.2, 0.4), *, x1=0.5, n_line=101,
                     fd_step=1e-6):
    """The gradient of the synapse input 0 -> hidden 0 of a 2-3-1 MLP for a grid of presynaptic
    activations ``a_pre = x_0`` in [0, 1] and output errors ``e = y - yhat`` (the target is set
    to ``yhat + e`` for each input).

    Returns the grid, ``model.gradients``' values, the formula's, a finite difference, and a
    finer formula curve for drawing.
    """
    model = _mlp()
    a_pre = np.linspace(0.0, 1.0, n_pre)
    errors = np.asarray(errors, float)
    g_model = np.empty((errors.size, n_pre))
    g_formula = np.empty_like(g_model)
    g_fd = np.empty_like(g_model)
    delta_post = np.empty_like(g_model)
    kernel = model.layers[0].kernel
    for i, e in enumerate(errors):
        for j, a in enumerate(a_pre):
            x = np.array([a, x1])
            y = float(model.predict(x[None, :])[0, 0]) + e
            _, grads = model.gradients(x[None, :], [[y]])
            g_model[i, j] = -grads[0][0][0, 0]
            g_formula[i, j], _, delta_post[i, j], _ = _formula_grad(model, x, y)
            w = kernel[0, 0]
            kernel[0, 0] = w + fd_step
            lp = model.gradients(x[None, :], [[y]])[0]
            kernel[0, 0] = w - fd_step
            lm = model.gradients(x[None, :], [[y]])[0]
            kernel[0, 0] = w
            g_fd[i, j] = -(lp - lm) / (2 * fd_step)
    fine = np.linspace(0.0, 1.0, n_line)
    curves = np.empty((errors.size, n_line))
    for i, e in enumerate(errors):
        for j, a in enumerate(fine):
            x = np.array([a, x1])
            y = float(model.predict(x[None, :])[0, 0]) + e
            curves[i, j] = _formula_grad(model, x, y)[0]
    scale = np.abs(g_model).max()
    return {
        "a_pre": a_pre, "errors": errors, "grad_model": g_model, "grad_formula": g_formula,
        "grad_fd": g_fd, "delta_post": delta_post, "a_pre_fine": fine, "curves": curves,
        "w_post_out": float(model.layers[1].kernel[0, 0]),
        "formula_max_rel_err": float(np.abs(g_model - g_formula).max() / scale),
        "fd_max_rel_err": float(np.abs(g_model - g_fd).max() / scale),
    }


# --- part 2: correlated inputs -------------------------------------------------------------


def input_trains(duration, *, seed=1, n_corr=N_CORR, n_ind=N_IND, rate=RATE, c=CORR):
    """Spike steps of the inputs: ``n_corr`` sharing a mother train (multiple interaction
    process, pairwise count correlation ``c``), then ``n_ind`` independent; all Bernoulli on
    the step grid at ``rate`` Hz. Returns a list of int arrays (steps)."""
    rng = np.random.default_rng(seed)
    n_steps = int(round(duration / DT))
    p = rate * DT / 1000.0
    mother = np.flatnonzero(rng.random(n_steps) < p / c)
    trains = [mother[rng.random(mother.size) < c] for _ in range(n_corr)]
    trains += [np.flatnonzero(rng.random(n_steps) < p) for _ in range(n_ind)]
    return trains


def _add_correlated(net, trains, duration, n_samples):
    """Add part 2's network to ``net``: all inputs onto one conductance-based LIF neuron, their
    weights recorded ``n_samples`` times. Returns what :func:`_correlated_result` reads."""
    inputs = net.population(len(trains), ns.SpikeTimes([np.round(s * DT, 10) for s in trains]),
                            name="inputs")
    cell = net.population(1, ns.LIF(**CELL), name="cell")
    proj = net.connect(inputs, cell, ns.AllToAll(),
                       synapse=ns.ExpConductance(tau=TAU_SYN, e_rev=0.0),
                       weight=G_MAX / 2, delay=DT, plasticity=RULE)
    return (proj, net.record_spikes(cell), net.record_weights(proj, every=duration / n_samples),
            len(trains))


def _correlated_result(sim, part):
    proj, out, wmon, n_inputs = part
    table = sim.weights(proj)
    if not np.array_equal(table.pre, np.arange(n_inputs)):
        raise RuntimeError("unexpected synapse order")
    rec = sim.data[wmon]
    return {"times": np.concatenate([[0.0], rec.times]),
            "weights": np.vstack([np.full(n_inputs, G_MAX / 2), rec.values]),
            "final": table.weight.copy(), "out_spikes": sim.data[out].times.copy()}


def stdp_correlated(trains, duration, *, n_samples=50, seed=1):
    """Additive STDP from all inputs onto one conductance-based LIF neuron; weights sampled
    ``n_samples`` times. Returns the weight record, final weights and output spike times."""
    net = ns.Network()
    part = _add_correlated(net, trains, duration, n_samples)
    sim = ns.Simulator(net, dt=DT, seed=seed)
    sim.run(duration)
    return _correlated_result(sim, part)


def both_parts(trains, duration, *, n_samples=50, seed=1):
    """:func:`stdp_window_simulated` (with its defaults) and :func:`stdp_correlated` in one
    simulation of ``duration`` (at least the window's 300 ms): the two networks share nothing,
    so each gives what it gives alone, and numba compiles one step loop for both instead of
    two. Returns ``((delta_t, delta_w), correlated)``."""
    net = ns.Network()
    window = _add_window(net, RULE, _default_delta_t(), delay=DELAY, w0=G_MAX / 2, t_post=200.0)
    correlated = _add_correlated(net, trains, duration, n_samples)
    sim = ns.Simulator(net, dt=DT, seed=seed)
    sim.run(max(duration, 300.0))
    return _window_result(sim, window), _correlated_result(sim, correlated)


def binned(trains, duration, bin_ms=BIN):
    """Spike counts per ``bin_ms`` bin, shape ``(n_bins, n_inputs)``."""
    n_bins = int(duration // bin_ms)
    per_bin = int(round(bin_ms / DT))
    X = np.zeros((n_bins, len(trains)))
    for i, s in enumerate(trains):
        b = s // per_bin
        np.add.at(X[:, i], b[b < n_bins], 1.0)
    return X


def gradient_correlated(X_counts, *, epochs, lr=LR, seed=0):
    """A linear unit trained by full-batch gradient descent to reproduce the teacher on the
    standardised counts; returns weights per epoch, losses and the per-step update check."""
    X = StandardScaler().fit_transform(X_counts)
    w_star = np.zeros(X.shape[1])
    w_star[np.r_[TEACHER_CORR, TEACHER_IND]] = 1.0
    y = X @ w_star
    model = Sequential(seed=seed)
    model.add(Dense(1, input_dim=X.shape[1], kernel_initializer="zeros"))
    model.compile(loss="half_mse", optimizer=SGD(lr))
    W = [model.layers[0].kernel[:, 0].copy()]
    losses, step_err = [], 0.0
    first_step = None
    for _ in range(epochs):
        w_before = model.layers[0].kernel[:, 0].copy()
        b_before = float(model.layers[0].bias[0])
        err = y - (X @ w_before + b_before)
        losses.append(model.train_on_batch(X, y[:, None]))
        w_after = model.layers[0].kernel[:, 0].copy()
        hebb_err = lr * X.T @ err / X.shape[0]          # lr x correlation of input with error
        step_err = max(step_err, float(np.abs((w_after - w_before) - hebb_err).max()))
        if first_step is None:
            first_step = w_after - w_before
        W.append(w_after)
    return {"weights": np.array(W), "loss": np.array(losses), "w_star": w_star,
            "first_step": first_step, "step_vs_correlation_max_err": step_err,
            "input_corr": np.corrcoef(X, rowvar=False)}


def compute(quick: bool = False) -> dict:
    """Run both parts (quick: 20 s of input and 100 epochs; full: 60 s and 300 epochs)."""
    duration = 20000.0 if quick else 60000.0
    epochs = 100 if quick else 300
    trains = input_trains(duration)
    (dts, dws), st = both_parts(trains, duration)
    analytic = RULE.window(dts)
    fit = fit_exponentials(dts, dws)
    bp = backprop_synapse()

    counts = binned(trains, duration)
    gd = gradient_correlated(counts, epochs=epochs)

    A, B = slice(0, N_CORR), slice(N_CORR, N_CORR + N_IND)
    rates = np.array([s.size for s in trains]) / (duration / 1000.0)
    c_mat = gd["input_corr"]
    iu = np.triu_indices(N_CORR, 1)
    corr_A = float(c_mat[A, A][iu].mean())
    corr_B = float(c_mat[B, B][iu].mean())
    corr_AB = float(c_mat[A, B].mean())
    w_final = st["final"]
    w_gd = gd["weights"]
    teacher = np.zeros(N_CORR + N_IND, bool)
    teacher[np.r_[TEACHER_CORR, TEACHER_IND]] = True
    in_A = np.arange(teacher.size) < N_CORR
    a_other = in_A & ~teacher
    b_other = ~in_A & ~teacher
    out_t = st["out_spikes"]
    last = duration / 5
    return {
        "quick": quick, "duration": duration, "epochs": epochs, "rule": RULE,
        "window": {"delta_t": dts, "delta_w": dws, "analytic": analytic, "fit": fit,
                   "max_abs_err": float(np.abs(dws - analytic).max())},
        "backprop": bp,
        "inputs": {"rate_A": float(rates[A].mean()), "rate_B": float(rates[B].mean()),
                   "corr_A": corr_A, "corr_B": corr_B, "corr_AB": corr_AB,
                   "n_bins": counts.shape[0]},
        "stdp": {**st, "mean_A": float(w_final[A].mean() / G_MAX),
                 "mean_B": float(w_final[B].mean() / G_MAX),
                 "frac_A_top": float(np.mean(w_final[A] > 0.9 * G_MAX)),
                 "frac_B_top": float(np.mean(w_final[B] > 0.9 * G_MAX)),
                 "rate_out_first": float(np.sum(out_t < last) / (last / 1000.0)),
                 "rate_out_last": float(np.sum(out_t >= duration - last) / (last / 1000.0))},
        "gradient": {**gd, "groups": {"teacher_A": teacher & in_A, "teacher_B": teacher & ~in_A,
                                      "other_A": a_other, "other_B": b_other},
                     "final": w_gd[-1],
                     "final_teacher_mean": float(w_gd[-1][teacher].mean()),
                     "final_other_A_mean": float(w_gd[-1][a_other].mean()),
                     "final_other_B_mean": float(w_gd[-1][b_other].mean()),
                     "final_max_abs_err": float(np.abs(w_gd[-1] - gd["w_star"]).max()),
                     "peak_other_A_mean": float(w_gd[:, a_other].mean(axis=1).max()),
                     "peak_other_A_epoch": int(w_gd[:, a_other].mean(axis=1).argmax()),
                     "first_step_other_A_over_teacher_B": float(
                         gd["first_step"][a_other].mean() / gd["first_step"][TEACHER_IND].mean()),
                     "first_step_other_B_over_teacher_B": float(
                         gd["first_step"][b_other].mean() / gd["first_step"][TEACHER_IND].mean()),
                     "loss_first": float(gd["loss"][0]), "loss_last": float(gd["loss"][-1])},
    }


# --- figure ---------------------------------------------------------------------------------


def plot(data: dict):
    import matplotlib.pyplot as plt

    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(15, 10), constrained_layout=True)
        gs = fig.add_gridspec(2, 6)
        ax_w = fig.add_subplot(gs[0, 0:3])
        ax_g = fig.add_subplot(gs[0, 3:6])
        ax_s = fig.add_subplot(gs[1, 0:2])
        ax_d = fig.add_subplot(gs[1, 2:4])
        ax_f = fig.add_subplot(gs[1, 4:6])
        below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.14), "fontsize": 8}

        # (a) STDP window
        win, rule, fit = data["window"], data["rule"], data["window"]["fit"]
        t = np.linspace(-80.0, 80.0, 801)
        scale = 1000.0                                   # nS -> pS
        ax_w.plot(t[t < 0], rule.window(t[t < 0]) * scale, color=style.REFERENCE, lw=1.2,
                  label="analytic pair rule (neurosim.STDP.window)")
        ax_w.plot(t[t >= 0], rule.window(t[t >= 0]) * scale, color=style.REFERENCE, lw=1.2)
        ax_w.plot(win["delta_t"], win["delta_w"] * scale, "o", ms=3.5, color=style.SPIKING,
                  label="simulated: one scripted spike pair per synapse")
        ax_w.axhline(0, color=style.GREY, lw=0.8)
        ax_w.axvline(0, color=style.GREY, lw=0.8)
        ax_w.set(xlabel="Δt = t_post − (t_pre + delay) (ms)", ylabel="Δw (pS)",
                 title="(a) STDP: Δw set by the timing of two local spikes")
        ax_w.text(0.98, 0.04,
                  f"fitted τ+ = {fit['tau_plus']:.2f} ms, τ− = {fit['tau_minus']:.2f} ms\n"
                  f"(configured {rule.tau_plus:g} ms, {rule.tau_minus:g} ms)\n"
                  f"fitted A+ = {fit['a_plus'] * scale:.2f} pS, A− = {fit['a_minus'] * scale:.2f}"
                  f" pS\nmax |simulated − rule| = {win['max_abs_err']:.0e} nS\n"
                  "pre before post (Δt ≥ 0): potentiation\npost before pre (Δt < 0): depression",
                  transform=ax_w.transAxes, fontsize=8, va="bottom", ha="right")
        ax_w.legend(loc="upper left", fontsize=8)

        # (b) backprop gradient
        bp = data["backprop"]
        shades = plt.get_cmap("Blues")(np.linspace(0.45, 1.0, len(bp["errors"])))
        for i, e in enumerate(bp["errors"]):
            ax_g.plot(bp["a_pre_fine"], bp["curves"][i], color=style.REFERENCE, lw=0.9,
                      label="formula −δ_post · a_pre" if i == 0 else None)
            ax_g.plot(bp["a_pre"], bp["grad_model"][i], "o", ms=4, color=shades[i],
                      label=f"model.gradients, e = {e:+.1f}")
        ax_g.axhline(0, color=style.GREY, lw=0.8)
        top = np.abs(bp["curves"]).max()
        ax_g.set_ylim(-1.15 * top, 1.75 * top)
        ax_g.set(xlabel="presynaptic activation a_pre = x₀ (dimensionless)",
                 ylabel="−∂L/∂w (descent direction)",
                 title="(b) Backprop, one synapse of a 2-3-1 MLP: −∂L/∂w = a_pre × δ sent back")
        ax_g.text(0.02, 0.97,
                  "δ_post = tanh′(z_post) · W_post,out · δ_out,  δ_out = (ŷ − y) σ′(z_out),  "
                  f"W_post,out = {bp['w_post_out']:.2f}\n"
                  f"max relative deviation: formula {bp['formula_max_rel_err']:.0e}, "
                  f"finite difference {bp['fd_max_rel_err']:.0e}\n"
                  "zero when a_pre = 0 or the output error e = y − ŷ = 0; "
                  "sign set by e (and W_post,out), not by timing",
                  transform=ax_g.transAxes, fontsize=8, va="top")
        ax_g.legend(ncol=3, **below)

        # (c) STDP with correlated inputs
        st = data["stdp"]
        tt = st["times"] / 1000.0
        wA = st["weights"][:, :N_CORR] / G_MAX
        wB = st["weights"][:, N_CORR:] / G_MAX
        for w, col, lab in ((wA, style.SPIKING, f"A: correlated (c = {CORR:g})"),
                            (wB, style.SPIKING_LIGHT, "B: independent")):
            ax_s.fill_between(tt, np.percentile(w, 10, axis=1), np.percentile(w, 90, axis=1),
                              color=col, alpha=0.25, lw=0)
            ax_s.plot(tt, w.mean(axis=1), color=col, lw=2, label=f"{lab}: mean, 10-90 %")
        ax_s.text(0.98, 0.02, f"A−/A+ = {RULE.a_minus / RULE.a_plus:.2f}, τ± = {RULE.tau_plus:g} ms"
                  f"\nw_max = {G_MAX:g} nS, 10 Hz each", transform=ax_s.transAxes, fontsize=8,
                  ha="right", va="bottom")
        ax_s.set(xlabel="simulated time (s)", ylabel="weight / w_max", ylim=(-0.03, 1.05),
                 title="(c) Additive STDP: 200 inputs → one LIF")
        ax_s.legend(**below)

        # (d) gradient descent on the same inputs
        gd = data["gradient"]
        W = gd["weights"]
        ep = np.arange(W.shape[0])
        styles = {"teacher_A": (style.ARTIFICIAL_DARK, "-", "A, teacher depends on it (5)"),
                  "teacher_B": (style.ARTIFICIAL_MID, "--", "B, teacher depends on it (5)"),
                  "other_A": (style.ARTIFICIAL, "-", "A, teacher ignores it (95)"),
                  "other_B": (style.ARTIFICIAL_LIGHT, "--", "B, teacher ignores it (95)")}
        for key, (col, ls, lab) in styles.items():
            ax_d.plot(ep, W[:, gd["groups"][key]].mean(axis=1), color=col, ls=ls, lw=2,
                      label=f"mean weight: {lab}")
        ax_d.axhline(1.0, color=style.REFERENCE, ls=":", lw=1, label="teacher weight w* = 1")
        ax_d.annotate(f"correlated with the error only early:\npeak {gd['peak_other_A_mean']:.3f} "
                      f"at epoch {gd['peak_other_A_epoch']}, then → 0",
                      xy=(gd["peak_other_A_epoch"], gd["peak_other_A_mean"]),
                      xytext=(0.55, 0.12), textcoords="axes fraction", fontsize=8,
                      arrowprops={"arrowstyle": "->", "color": style.GREY})
        ax_d.axhline(0.0, color=style.GREY, lw=0.8)
        ax_d.set(xscale="symlog", xlabel="epoch (full-batch gradient step)", ylabel="weight",
                 title="(d) Gradient descent, same trains (20 ms bins) → linear unit")
        ax_d.set_xlim(0, W.shape[0] - 1)
        ax_d.legend(ncol=2, **below)

        # (e) which weights each rule grew
        idx = np.arange(N_CORR + N_IND)
        ax_f.axvspan(-0.5, N_CORR - 0.5, color=style.GREY, alpha=0.12, lw=0)
        ax_f.plot(idx, st["final"] / G_MAX, ".", ms=5, color=style.SPIKING,
                  label="STDP: final w / w_max")
        ax_f.plot(idx, gd["final"], ".", ms=5, color=style.ARTIFICIAL,
                  label="gradient: final w")
        tmask = gd["w_star"] > 0
        ax_f.plot(idx[tmask], gd["w_star"][tmask], "x", ms=7, color=style.REFERENCE,
                  label="teacher weights w*")
        ax_f.text(N_CORR / 2, 1.12, "group A (correlated)", ha="center", fontsize=8)
        ax_f.text(N_CORR * 1.5, 1.12, "group B (independent)", ha="center", fontsize=8)
        ax_f.set(xlabel="input index", ylabel="final weight (normalised)", ylim=(-0.1, 1.2),
                 title="(e) Which weights each rule grew")
        ax_f.legend(ncol=2, **below)
        fig.suptitle(TITLE + (" (quick)" if data["quick"] else ""))
    return fig


# --- text and numbers -----------------------------------------------------------------------


def describe(data: dict) -> dict:
    win, bp, st, gd, inp = (data["window"], data["backprop"], data["stdp"], data["gradient"],
                            data["inputs"])
    fit, rule = win["fit"], data["rule"]
    return {
        "shows": (
            "(a) The STDP window measured by simulating one scripted spike pair per synapse, "
            "over the analytic pair rule. (b) The back-propagation descent direction -dL/dw "
            "for one synapse of a 2-3-1 MLP (input 0 -> hidden 0) against the presynaptic "
            "activation, for five output errors, from model.gradients and from the article's "
            "formula. (c)-(e) The same 200 spike trains (100 sharing spike times, 100 "
            "independent, all at 10 Hz) learned by additive STDP onto one LIF neuron and, "
            "binned, by gradient descent of a linear unit toward a teacher that depends on "
            "5 inputs of each group."),
        "measured": (
            f"Simulated window vs rule: largest deviation {win['max_abs_err']:.1e} nS; fitted "
            f"tau+ = {fit['tau_plus']:.3f} ms and tau- = {fit['tau_minus']:.3f} ms (configured "
            f"{rule.tau_plus:g} and {rule.tau_minus:g}). Backprop: model.gradients equals "
            f"-delta_post a_pre to {bp['formula_max_rel_err']:.0e} and a finite difference to "
            f"{bp['fd_max_rel_err']:.0e} (relative). Inputs: {inp['rate_A']:.1f} Hz and "
            f"{inp['rate_B']:.1f} Hz, count correlation {inp['corr_A']:.3f} within the "
            f"correlated group, {inp['corr_B']:.3f} within the independent one. After "
            f"{data['duration'] / 1000:.0f} s of STDP the mean weight is "
            f"{st['mean_A']:.2f} w_max for the correlated group and {st['mean_B']:.2f} w_max "
            f"for the independent one (both started at 0.50); output rate "
            f"{st['rate_out_first']:.1f} Hz at the start, {st['rate_out_last']:.1f} Hz at the "
            f"end. Gradient descent: on the first step a correlated input the teacher ignores "
            f"grows {gd['first_step_other_A_over_teacher_B']:.2f} times as much as an "
            f"independent teacher input (5 x c = {5 * CORR:.2f} expected; an ignored "
            f"independent one "
            f"{gd['first_step_other_B_over_teacher_B']:.2f} times); the ignored correlated "
            f"weights peak at a mean of {gd['peak_other_A_mean']:.3f} (epoch "
            f"{gd['peak_other_A_epoch']}) and end at {gd['final_other_A_mean']:.4f}; teacher "
            f"weights end at {gd['final_teacher_mean']:.3f} (w* = 1; largest deviation "
            f"{gd['final_max_abs_err']:.3f}); each update equals lr X^T e / n to "
            f"{gd['step_vs_correlation_max_err']:.0e}."),
        "verdict": (
            "Supported, with a difference the article does not draw. Both rules adjust "
            "weights, and STDP does it with purely local information: the order and timing "
            "of the two spikes at the synapse, which makes it select inputs that fire "
            "together (a Hebbian, correlation-driven rule). Back propagation's update is a "
            "local activity times an error computed at the output and sent back through "
            "the weights above, information a biological synapse is not known to receive; "
            "it grows the weights the target depends on, and grows correlated inputs only "
            "while they are correlated with the remaining error. Gradient descent is "
            "therefore a model of what learning achieves, not of how synapses learn."),
    }


def numbers(data: dict) -> dict:
    win, bp, st, gd, inp = (data["window"], data["backprop"], data["stdp"], data["gradient"],
                            data["inputs"])
    return {
        "quick": data["quick"],
        "duration_ms": data["duration"],
        "epochs": data["epochs"],
        "window_max_abs_err_nS": win["max_abs_err"],
        "window_tau_plus_fit_ms": win["fit"]["tau_plus"],
        "window_tau_minus_fit_ms": win["fit"]["tau_minus"],
        "window_a_plus_fit_nS": win["fit"]["a_plus"],
        "window_a_minus_fit_nS": win["fit"]["a_minus"],
        "tau_plus_ms": data["rule"].tau_plus,
        "tau_minus_ms": data["rule"].tau_minus,
        "backprop_formula_max_rel_err": bp["formula_max_rel_err"],
        "backprop_fd_max_rel_err": bp["fd_max_rel_err"],
        "input_rate_correlated_hz": inp["rate_A"],
        "input_rate_independent_hz": inp["rate_B"],
        "input_count_corr_within_correlated": inp["corr_A"],
        "input_count_corr_within_independent": inp["corr_B"],
        "stdp_mean_w_correlated": st["mean_A"],
        "stdp_mean_w_independent": st["mean_B"],
        "stdp_mean_ratio": st["mean_A"] / st["mean_B"],
        "stdp_frac_correlated_near_wmax": st["frac_A_top"],
        "stdp_frac_independent_near_wmax": st["frac_B_top"],
        "stdp_rate_out_first_hz": st["rate_out_first"],
        "stdp_rate_out_last_hz": st["rate_out_last"],
        "gd_final_teacher_mean": gd["final_teacher_mean"],
        "gd_final_other_correlated_mean": gd["final_other_A_mean"],
        "gd_final_other_independent_mean": gd["final_other_B_mean"],
        "gd_final_max_abs_err": gd["final_max_abs_err"],
        "gd_peak_other_correlated_mean": gd["peak_other_A_mean"],
        "gd_peak_other_correlated_epoch": gd["peak_other_A_epoch"],
        "gd_first_step_other_correlated_over_teacher": gd["first_step_other_A_over_teacher_B"],
        "gd_first_step_other_independent_over_teacher": gd["first_step_other_B_over_teacher_B"],
        "gd_step_vs_correlation_max_err": gd["step_vs_correlation_max_err"],
        "gd_loss_first": gd["loss_first"],
        "gd_loss_last": gd["loss_last"],
    }
