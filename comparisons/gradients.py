"""Gradients: one task learned four ways, with what each way costs.

Issue 12 asks how learning by gradient carries over to spiking networks. The 8x8 digits
(75 % / 25 % stratified split, seed 0: 1347 training and 450 test images) are learned

1. **MLP by back propagation**: the 64-128-10 ReLU MLP of :mod:`comparisons.conversion`
   (standardised pixels, Adam 0.001, batch 32, 60 epochs);
2. **spiking network by surrogate gradients**: the network of
   ``examples/artificial_30_snn_digits.py`` (pixels / 16 as spike probabilities per 1 ms step,
   25 steps; 128 LIF neurons, ``tau_m`` = 10 ms, ``tau_syn`` = 5 ms, threshold 1, reset by
   subtraction; 10 leaky readout neurons whose maximal membrane potential is the logit;
   back propagation through time with the fast-sigmoid surrogate of slope 10; Adam 0.01,
   batch 64; 30 epochs, 10 in quick mode);
3. **converted MLP**: MLP 1's weights run as integrate-and-fire neurons, exactly as
   :mod:`comparisons.conversion` does it (r_max = 400 Hz, dt = 0.1 ms, 200 ms; 100 ms quick);
4. **reward-modulated STDP**, where it applies. It does not apply to the digits here: the
   R-STDP learner of :mod:`comparisons.xor` learns a readout from a scalar reward on top of
   fixed, hand-wired conjunction detectors, one 250 ms trial per presentation; nobody has
   designed such a hidden layer for 64 grey-level pixels and ten classes, and the reward is one
   number per trial, not a per-synapse error. So the fourth way is measured on XOR, the task it
   was built for (critic variant, seeds 0..2, 240 rewarded trials; 1 seed and 120 trials in
   quick mode), beside the XOR MLP of the same module (8 tanh units, Adam 0.05, 300 epochs).

Measured per way: test accuracy; training wall time; inference latency, both as simulated time
(the model time a decision takes: 0 for the MLP, which has no time; for the spiking networks
the first time from which the accuracy stays within 1 point of its final value) and as wall
time per test image on this CPU; and the cost per test image:

* MLP: multiply-accumulates (MACs), ``64 * 128 + 128 * 10``.
* Spiking networks: **synaptic events**, one spike arriving at one synapse: each presynaptic
  neuron's spike count times its fan-out (the non-zero entries of its row of the weight
  matrix). For the surrogate-gradient network the input spikes count too (the inputs are spike
  trains); the NumPy code that trains it on a CPU does dense products every step, ``T`` times
  the MLP's MACs, which is reported beside. For the converted network the first layer is an
  analog current (its ``64 * 128`` MACs are spent once per image, outside the spikes), as in
  :mod:`comparisons.conversion`.

Two more tasks, which the digits cannot show (issue 12, "Tasks and numbers to reach"):

5. **Yin-Yang** (Kriener, Göltz & Petrovici 2022; :func:`artificial.yin_yang`, 5000 training
   points drawn with seed 42, 1000 test points with seed 40): the four inputs
   ``(x, y, 1 - x, 1 - y)`` are latency-coded (one spike per input at step
   ``round((1 - value) 29)`` of 30 1-ms steps), 120 LIF neurons (``tau_m`` = 10 ms,
   ``tau_syn`` = 5 ms; input weights drawn from N(0, 3^2), large enough that single input spikes
   make the hidden layer fire from the start), 3 leaky readout neurons whose maximal membrane
   potential is the logit; Adam 0.01 decayed by 0.9 per epoch, batch 32, 30 epochs (6 in
   quick mode). Beside it, an MLP (4-120-3 ReLU, same schedule) and logistic regression (the
   "shallow" network of the paper), on the standardised inputs. Published: ANN 98.7 %, shallow
   64.3 %.
6. **Timing** (:func:`artificial.spike_timing_task`, 1200 samples, 4 classes, 16 channels,
   50 steps, jitter 1 step, Poisson(1) extra spikes per channel; half for training): every
   channel fires ``1 + Poisson(1)`` spikes whatever the class, so a readout of spike counts
   (logistic regression on the counts, 60 epochs) is at chance; a LIF network (64 hidden
   neurons, input weights N(0, 1), readout as above; Adam 0.01) and a ``SimpleRNN``
   (64 tanh units, then a softmax ``Dense``; Adam 0.003) both trained by back propagation
   through time on the same spike trains (batch 32, 20 epochs; 8 in quick mode) learn it from
   the timing alone. The figure shows two classes' input rasters and the trained SNN's readout
   membranes over time.

The figure also shows, for one test image, the trained spiking network's raster beside the
MLP's activations, and the surrogate derivative the spiking layers use backward beside the
derivatives of the activations the article uses (ReLU in the hidden layer, the sigmoid of its
XOR output).
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from artificial import (
    Adam,
    Dense,
    LearningRateScheduler,
    LIFDense,
    Sequential,
    SimpleRNN,
    SpikeEncoder,
    StandardScaler,
    digits,
    spike_timing_task,
    train_test_split,
    yin_yang,
)
from artificial import activations as _act
from artificial.initializers import RandomNormal

from . import conversion, style, xor

TITLE = "Gradients: digits learned by back propagation, surrogate gradients and conversion"
CLAIM = ("Learning by gradient (back propagation, sections 4-5) is what trains an artificial "
         "network; a spiking network can learn the same task by a gradient too, if the spike's "
         "missing derivative is replaced by a surrogate.")

#: The surrogate-gradient network (the digits example's).
SNN = {"steps": 25, "hidden": 128, "tau_m": 10.0, "tau_syn": 5.0, "v_th": 1.0,
       "surrogate": "fast_sigmoid", "scale": 10.0, "lr": 1e-2, "batch": 64}
#: The Yin-Yang task (module docstring, item 5).
YINYANG = {"steps": 30, "hidden": 120, "tau_m": 10.0, "tau_syn": 5.0, "init_std": 3.0,
           "lr": 1e-2, "decay": 0.9, "batch": 32, "n_train": 5000, "n_test": 1000,
           "train_seed": 42, "test_seed": 40, "published_ann": 0.987, "published_shallow": 0.643}
#: The timing task (module docstring, item 6).
TIMING = {"n_samples": 1200, "n_classes": 4, "channels": 16, "steps": 50, "jitter": 1.0,
          "noise_spikes": 1.0, "hidden": 64, "init_std": 1.0, "lr": 1e-2, "rnn_units": 64,
          "rnn_lr": 3e-3, "batch": 32, "logreg_epochs": 60}
R_MAX = 400.0      # Hz, the converted network's rate for a normalised activation of 1
DT_CONV = 0.1      # ms


def make_snn(seed: int = 0, dtype: str = "float64") -> Sequential:
    """The spiking 64-128-10 network of the module docstring, compiled."""
    p = SNN
    model = Sequential(seed=seed, dtype=dtype)
    model.add(SpikeEncoder(steps=p["steps"], code="rate", input_dim=64))
    model.add(LIFDense(p["hidden"], tau_m=p["tau_m"], tau_syn=p["tau_syn"], v_th=p["v_th"],
                       reset="subtract", surrogate=p["surrogate"], scale=p["scale"]))
    model.add(LIFDense(10, tau_m=p["tau_m"], tau_syn=p["tau_syn"], readout="membrane"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(p["lr"]),
                  metrics=["accuracy"])
    return model


def smooth_step(x, k):
    """The fast sigmoid's step ``(1 + k x / (1 + k|x|)) / 2``, whose derivative is the
    surrogate :class:`artificial.spiking.FastSigmoid` uses backward."""
    return 0.5 * (1.0 + k * x / (1.0 + k * np.abs(x)))


def synaptic_events(spike_counts, kernel):
    """Synaptic events per sample: ``spike_counts`` (samples, presynaptic neurons) times each
    presynaptic neuron's fan-out (its non-zero weights, a row of ``kernel``)."""
    fan_out = np.count_nonzero(kernel, axis=1)
    return spike_counts @ fan_out


def _readout_accuracy_over_time(v, y):
    """Accuracy when the readout ``max_t v`` is taken over the first ``t + 1`` steps."""
    running = np.maximum.accumulate(v, axis=1)                 # (B, T, classes)
    return np.mean(np.argmax(running, axis=2) == y[:, None], axis=0)


def _within(acc, times, points=1.0):
    """First time from which ``acc`` stays within ``points`` of its last value."""
    ok = acc >= acc[-1] - points / 100.0
    bad = np.nonzero(~ok)[0]
    return float(times[bad[-1] + 1] if bad.size else times[0])


def _surrogate_train(X_tr, y_tr, X_te, y_te, epochs, seed):
    model = make_snn(seed)
    t0 = time.perf_counter()
    model.fit(X_tr, y_tr, epochs=epochs, batch_size=SNN["batch"], verbose=0)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    trace = model.forward_trace(X_te)
    infer_s = time.perf_counter() - t0
    s_in, s_hid, v_out = trace.spikes[0], trace.spikes[1], trace.membranes[2]
    w1, _, w2, _ = model.get_weights()
    acc_t = _readout_accuracy_over_time(v_out, y_te)
    times = np.arange(1, SNN["steps"] + 1) * model.layers[1].dt     # ms, window ends
    count_in, count_hid = s_in.sum(axis=1), s_hid.sum(axis=1)         # (B, 64), (B, 128)
    ev_in = synaptic_events(count_in, w1)
    ev_hid = synaptic_events(count_hid, w2)
    layer = model.layers[1]
    return {
        "accuracy": float(np.mean(np.argmax(trace.zs[-1], axis=1) == y_te)),
        "epochs": int(epochs),
        "train_s": train_s,
        "infer_ms_per_image": 1000.0 * infer_s / y_te.size,
        "times": times, "accuracy_over_time": acc_t,
        "latency_ms": _within(acc_t, times),
        "decision_ms": float(times[-1]),
        "events_input": ev_in, "events_hidden": ev_hid,
        "events_per_image": float(np.mean(ev_in + ev_hid)),
        "dense_macs_per_image": int(SNN["steps"] * (w1.size + w2.size)),
        "hidden_rate_per_step": float(s_hid.mean()),
        "input_trains": s_in.astype(np.uint8),       # what the test set saw (for re-checks)
        "weights": [w.copy() for w in model.get_weights()],
        "hidden_spikes": s_hid.astype(np.uint8),
        "readout_v": v_out,
        "surrogate": {"name": layer.surrogate.name, "scale": layer.surrogate.scale},
        "dt": layer.dt,
    }


def _decay(p):
    return LearningRateScheduler(lambda epoch, lr: p["lr"] * p["decay"] ** epoch)


def make_yin_yang_snn(seed: int = 0) -> Sequential:
    """The latency-coded spiking 4-120-3 network of the module docstring (item 5), compiled."""
    p = YINYANG
    model = Sequential(seed=seed)
    model.add(SpikeEncoder(steps=p["steps"], code="latency", input_dim=4))
    model.add(LIFDense(p["hidden"], tau_m=p["tau_m"], tau_syn=p["tau_syn"],
                       kernel_initializer=RandomNormal(0.0, p["init_std"])))
    model.add(LIFDense(3, tau_m=p["tau_m"], tau_syn=p["tau_syn"], readout="membrane"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(p["lr"]),
                  metrics=["accuracy"])
    return model


def _yin_yang_part(epochs, seed):
    p = YINYANG
    X_tr, y_tr = yin_yang(p["n_train"], seed=p["train_seed"])
    X_te, y_te = yin_yang(p["n_test"], seed=p["test_seed"])
    snn = make_yin_yang_snn(seed)
    t0 = time.perf_counter()
    snn.fit(X_tr, y_tr, epochs=epochs, batch_size=p["batch"], verbose=0, callbacks=[_decay(p)])
    snn_s = time.perf_counter() - t0
    trace = snn.forward_trace(X_te)
    pred = np.argmax(trace.zs[-1], axis=1)
    out = {"epochs": int(epochs), "snn_accuracy": float(np.mean(pred == y_te)),
           "snn_train_s": snn_s, "X_test": X_te, "y_test": y_te, "snn_pred": pred,
           "input_trains": trace.spikes[0].astype(np.uint8),
           "weights": [w.copy() for w in snn.get_weights()],
           "hidden_rate_per_step": float(trace.spikes[1].mean())}
    scaler = StandardScaler().fit(X_tr)
    S_tr, S_te = scaler.transform(X_tr), scaler.transform(X_te)
    for name, hidden in (("mlp", [Dense(120, activation="relu", input_dim=4)]), ("shallow", [])):
        model = Sequential(seed=seed)
        for layer in hidden:
            model.add(layer)
        model.add(Dense(3, activation="softmax", input_dim=None if hidden else 4))
        model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(p["lr"]),
                      metrics=["accuracy"])
        t0 = time.perf_counter()
        model.fit(S_tr, y_tr, epochs=epochs, batch_size=p["batch"], verbose=0,
                  callbacks=[_decay(p)], warn_dead_units=False)
        out[name + "_train_s"] = time.perf_counter() - t0
        out[name + "_accuracy"] = float(model.evaluate(S_te, y_te)[1])
    return out


def make_timing_snn(seed: int = 0) -> Sequential:
    """The spiking 16-64-4 network of the timing task (module docstring, item 6), compiled."""
    p = TIMING
    model = Sequential(seed=seed)
    model.add(LIFDense(p["hidden"], tau_m=10.0, tau_syn=5.0, input_dim=p["channels"],
                       kernel_initializer=RandomNormal(0.0, p["init_std"])))
    model.add(LIFDense(p["n_classes"], tau_m=10.0, tau_syn=5.0, readout="membrane"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(p["lr"]),
                  metrics=["accuracy"])
    return model


def make_timing_rnn(seed: int = 0) -> Sequential:
    """The SimpleRNN of the timing task, compiled."""
    p = TIMING
    model = Sequential(seed=seed)
    model.add(SimpleRNN(p["rnn_units"], input_dim=p["channels"]))
    model.add(Dense(p["n_classes"], activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(p["rnn_lr"]),
                  metrics=["accuracy"])
    return model


def _timing_part(epochs, seed):
    p = TIMING
    X, y = spike_timing_task(p["n_samples"], n_classes=p["n_classes"], channels=p["channels"],
                             steps=p["steps"], jitter=p["jitter"],
                             noise_spikes=p["noise_spikes"], seed=seed)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, seed=seed, stratify=True)
    out = {"epochs": int(epochs), "n_test": int(y_te.size), "chance": 1.0 / p["n_classes"]}
    # a rate readout: logistic regression on the spike counts
    logreg = Sequential([Dense(p["n_classes"], activation="softmax", input_dim=p["channels"])],
                        seed=seed)
    logreg.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(1e-2),
                   metrics=["accuracy"])
    logreg.fit(X_tr.sum(axis=1), y_tr, epochs=p["logreg_epochs"], verbose=0)
    out["counts_accuracy"] = float(logreg.evaluate(X_te.sum(axis=1), y_te)[1])
    out["counts_train_accuracy"] = float(logreg.evaluate(X_tr.sum(axis=1), y_tr)[1])
    for name, model in (("snn", make_timing_snn(seed)), ("rnn", make_timing_rnn(seed))):
        t0 = time.perf_counter()
        model.fit(X_tr, y_tr, epochs=epochs, batch_size=p["batch"], verbose=0)
        out[name + "_train_s"] = time.perf_counter() - t0
        out[name + "_accuracy"] = float(model.evaluate(X_te, y_te)[1])
        if name == "snn":
            trace = model.forward_trace(X_te)
            out["snn_weights"] = [w.copy() for w in model.get_weights()]
            out["readout_v"] = trace.membranes[1]
            out["hidden_spikes"] = trace.spikes[0].astype(np.uint8)
            out["snn_pred"] = np.argmax(trace.zs[-1], axis=1)
            out["accuracy_over_time"] = _readout_accuracy_over_time(trace.membranes[1], y_te)
    # one test sample of each of two classes, for the figure
    out["examples"] = [int(np.flatnonzero(y_te == k)[0]) for k in (0, 1)]
    out["X_test"], out["y_test"] = X_te.astype(np.uint8), y_te
    return out


def _xor_part(n_seeds, n_trials):
    # (a run the xor comparison made in this process is reused, with the time it took)
    runs = [xor.spiking_xor(seed, n_trials, critic=True) for seed in range(n_seeds)]
    rstdp_s = float(np.mean([r["wall_s"] for r in runs]))
    X, y = xor.xor()
    t0 = time.perf_counter()
    solved = []
    for seed in range(n_seeds):
        m, epochs = xor._reliable(seed)
        m.fit(X, y, epochs=epochs, verbose=0, warn_dead_units=False)
        solved.append(np.mean((m.predict(X)[:, 0] > 0.5) == (y[:, 0] > 0.5)))
    mlp_s = (time.perf_counter() - t0) / n_seeds
    acc = np.array([r["test_accuracy"] for r in runs])
    P = xor.SPIKING
    return {
        "n_seeds": n_seeds, "n_trials": n_trials,
        "rstdp_accuracy": float(acc.mean()), "rstdp_accuracy_per_seed": acc.mean(axis=1),
        "rstdp_train_s": rstdp_s,
        "rstdp_simulated_s": n_trials * (P["stim_ms"] + P["gap_ms"]) / 1000.0,
        "rstdp_decision_ms": P["stim_ms"],
        "mlp_accuracy": float(np.mean(solved)), "mlp_train_s": mlp_s,
    }


def compute(quick: bool = False, *, seed: int = 0, snn_epochs: int | None = None,
            t_max: float | None = None, xor_seeds: int | None = None,
            xor_trials: int | None = None, yin_yang_epochs: int | None = None,
            timing_epochs: int | None = None) -> dict:
    """Learn the digits three ways and XOR by R-STDP, then Yin-Yang and the timing task;
    measure (module docstring).

    Parameters
    ----------
    quick : bool
        10 SNN epochs, 100 ms of converted network, 1 XOR seed of 120 trials, 6 Yin-Yang
        epochs, 8 timing epochs (full: 30 epochs, 200 ms, 3 seeds of 240 trials, 30, 20).
    seed : int
        Seeds the split, the MLP, the spiking network and the encoder.
    snn_epochs, t_max, xor_seeds, xor_trials, yin_yang_epochs, timing_epochs : optional
        Override the defaults above (``t_max`` in ms).
    """
    t_start = time.perf_counter()
    snn_epochs = snn_epochs if snn_epochs is not None else (10 if quick else 30)
    t_max = float(t_max if t_max is not None else (100.0 if quick else 200.0))
    xor_seeds = xor_seeds if xor_seeds is not None else (1 if quick else 3)
    xor_trials = xor_trials if xor_trials is not None else (120 if quick else 240)
    yin_yang_epochs = yin_yang_epochs if yin_yang_epochs is not None else (6 if quick else 30)
    timing_epochs = timing_epochs if timing_epochs is not None else (8 if quick else 20)
    for name, v in (("snn_epochs", snn_epochs), ("xor_seeds", xor_seeds),
                    ("xor_trials", xor_trials), ("yin_yang_epochs", yin_yang_epochs),
                    ("timing_epochs", timing_epochs)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"gradients.compute: {name} must be a positive integer, got {v!r}")
    if not t_max >= 1.0:
        raise ValueError(f"gradients.compute: t_max must be >= 1 ms, got {t_max}")

    # One BLAS thread: these small products run faster on one thread, and on a shared machine a
    # two-thread product waits for its second core (benchmarks/README.md, "Threads and BLAS").
    with threadpool_limits(limits=1):
        return _compute(quick, seed, snn_epochs, t_max, xor_seeds, xor_trials, yin_yang_epochs,
                        timing_epochs, t_start)


def _compute(quick, seed, snn_epochs, t_max, xor_seeds, xor_trials, yin_yang_epochs,
             timing_epochs, t_start):
    # 1. MLP by back propagation (standardised pixels)
    # (the MLP the conversion comparison trained in this process is reused, with its time)
    mlp, X_tr_std, X_te_std, y_tr, y_te, mlp_train_s = conversion.trained_mlp(seed)
    t0 = time.perf_counter()
    trace = mlp.forward_trace(X_te_std)
    mlp_infer_s = time.perf_counter() - t0
    mlp_acc = float(np.mean(np.argmax(trace.output, axis=1) == y_te))
    w1, b1, w2, b2 = mlp.get_weights()
    macs = int(w1.size + w2.size)

    # 2. surrogate gradients on the same split (pixels / 16 as spike probabilities)
    X, y = digits()
    X_tr, X_te, y_tr2, y_te2 = train_test_split(X / 16.0, y, test_size=0.25, seed=seed,
                                                stratify=True)
    if not (np.array_equal(y_tr, y_tr2) and np.array_equal(y_te, y_te2)):
        raise RuntimeError("gradients: the MLP's and the SNN's splits differ")
    snn = _surrogate_train(X_tr, y_tr, X_te, y_te, snn_epochs, seed)

    # 3. the MLP converted to integrate-and-fire neurons
    lam = conversion.normalise(mlp, X_tr_std)
    a1n, z2n = trace.activations[1] / lam[0], trace.zs[-1] / lam[1]
    out = conversion.simulate(mlp.get_weights(), lam, X_te_std, r_max=R_MAX, t_max=t_max,
                              dt=DT_CONV, seed=seed)
    conv = conversion._analyse(out, y_te, a1n, z2n, r_max=R_MAX, t_max=t_max, dt=DT_CONV,
                               t_step=1.0)
    conv_within = conversion._time_to_within(conv, mlp_acc, 1.0)

    # 4. R-STDP where it applies: XOR
    xr = _xor_part(xor_seeds, xor_trials)

    # 5. and 6. the tasks the digits cannot show
    yy = _yin_yang_part(yin_yang_epochs, seed)
    tm = _timing_part(timing_epochs, seed)

    example = int(np.nonzero(y_te == 3)[0][0])      # one test image (the first "3")
    k = snn["surrogate"]["scale"]
    x = np.linspace(-1.0, 1.0, 801)
    return {
        "settings": {"seed": seed, "quick": bool(quick), "t_max": t_max, "dt_conv": DT_CONV,
                     "r_max": R_MAX, "snn": dict(SNN), "yinyang": dict(YINYANG),
                     "timing": dict(TIMING), "n_train": int(y_tr.size),
                     "n_test": int(y_te.size)},
        "mlp": {"accuracy": mlp_acc, "train_s": mlp_train_s, "epochs": 60,
                "infer_ms_per_image": 1000.0 * mlp_infer_s / y_te.size,
                "macs_per_image": macs, "macs_layer1": int(w1.size), "macs_layer2": int(w2.size),
                "hidden": trace.activations[1][example], "output": trace.output[example]},
        "snn": snn,
        "converted": {"accuracy": float(conv["accuracy"][-1]), "times": conv["times"],
                      "accuracy_over_time": conv["accuracy"],
                      "latency_ms": conv_within,
                      "median_first_output_spike_ms": conv["median_output_latency"],
                      "events_per_image": float(conv["events_per_image"][-1]),
                      "events_total": conv["events_total"],
                      "hidden_counts": conv["hidden_counts"], "fan_out": conv["fan_out"],
                      "analog_macs_per_image": int(w1.size),
                      "simulate_s": conv["build_s"] + conv["run_s"],
                      "infer_ms_per_image": 1000.0 * (conv["build_s"] + conv["run_s"]) / y_te.size,
                      "train_s": mlp_train_s},
        "xor": xr,
        "yin_yang": yy,
        "timing": tm,
        "example": {"index": example, "label": int(y_te[example]), "pixels": X_te[example]},
        "derivatives": {"x": x, "surrogate": get_layer_surrogate(snn)(x),
                        "heaviside": (x >= 0).astype(float), "scale": k,
                        "relu": _act.relu.derivative(x), "sigmoid": _act.sigmoid.derivative(x)},
        "wall_s": time.perf_counter() - t_start,
    }


def get_layer_surrogate(snn):
    """The derivative the trained hidden layer used backward, rebuilt from its name and slope."""
    from artificial.spiking import get_surrogate

    return get_surrogate(snn["surrogate"]["name"], snn["surrogate"]["scale"]).derivative


# --- figure ---------------------------------------------------------------------------------------


def plot(data: dict):
    import matplotlib.pyplot as plt

    m, snn, conv, xr = data["mlp"], data["snn"], data["converted"], data["xor"]
    s = data["settings"]
    ex = data["example"]["index"]
    with plt.rc_context(style.RC):
        fig = plt.figure(figsize=(17, 14.4), constrained_layout=True)
        grid = fig.add_gridspec(3, 4, width_ratios=[1.15, 1.15, 1.0, 1.0])

        # (a) accuracy against simulated time
        ax = fig.add_subplot(grid[0, 0])
        ax.axhline(100 * m["accuracy"], color=style.ARTIFICIAL, lw=1.5, ls="--",
                   label=f"MLP, backprop ({100 * m['accuracy']:.1f} %, no time)")
        ax.plot(snn["times"], 100 * snn["accuracy_over_time"], color=style.SPIKING, lw=2,
                label=f"SNN, surrogate ({100 * snn['accuracy']:.1f} %, "
                      f"{snn['decision_ms']:g} ms)")
        ax.plot(conv["times"], 100 * conv["accuracy_over_time"], color=style.SPIKING_LIGHT,
                lw=2, label=f"converted MLP ({100 * conv['accuracy']:.1f} %, {s['t_max']:g} ms)")
        ax.axhline(10, color=style.GREY, lw=1, ls=":", label="chance (10 %)")
        ax.set(xscale="log", xlim=(0.8, s["t_max"]), ylim=(0, 102),
               xlabel="simulated time the readout may use (ms)",
               ylabel=f"test accuracy (%, {s['n_test']} test images)",
               title="Digits: accuracy vs simulated time")
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.15), fontsize=7, ncol=2, handlelength=1.2,
                  columnspacing=0.8)

        # (b) cost per image
        ax = fig.add_subplot(grid[0, 1])
        bars = [
            ("MLP: MACs", m["macs_per_image"], style.ARTIFICIAL, ""),
            ("SNN (surrogate):\nsynaptic events", snn["events_per_image"], style.SPIKING, ""),
            ("SNN (surrogate): dense\nMACs of the CPU code", snn["dense_macs_per_image"],
             style.SPIKING, "//"),
            (f"converted: synaptic\nevents by {s['t_max']:g} ms", conv["events_per_image"],
             style.SPIKING_LIGHT, ""),
            ("converted: analog MACs\nof the first layer", conv["analog_macs_per_image"],
             style.SPIKING_LIGHT, "//"),
        ]
        ypos = np.arange(len(bars))[::-1]
        for yv, (_label, val, col, hatch) in zip(ypos, bars):
            ax.barh(yv, val, color=col, hatch=hatch, edgecolor="white" if not hatch else "k",
                    lw=0.5)
            ax.text(val * 1.1, yv, f"{val:,.0f}", va="center", fontsize=8)
        ax.set_yticks(ypos, [b[0] for b in bars], fontsize=8)
        ax.set(xscale="log", xlim=(1e3, 3e6), xlabel="operations per test image",
               title="Cost per image: MACs against synaptic events")
        ax.grid(axis="y", visible=False)

        # (c) accuracy and training time, digits and XOR
        ax = fig.add_subplot(grid[0, 2:])
        rows = [
            ("digits: MLP, back propagation", m["accuracy"], m["train_s"], style.ARTIFICIAL),
            ("digits: SNN, surrogate gradients", snn["accuracy"], snn["train_s"], style.SPIKING),
            ("digits: MLP converted", conv["accuracy"], conv["train_s"], style.SPIKING_LIGHT),
            ("digits: R-STDP", np.nan, np.nan, style.GREY),
            ("XOR: MLP 8 tanh, back propagation", xr["mlp_accuracy"], xr["mlp_train_s"],
             style.ARTIFICIAL),
            ("XOR: spiking, R-STDP (critic)", xr["rstdp_accuracy"], xr["rstdp_train_s"],
             style.SPIKING),
        ]
        ypos = np.arange(len(rows))[::-1]
        for yv, (_label, acc, ts, col) in zip(ypos, rows):
            if np.isfinite(acc):
                ax.barh(yv, 100 * acc, color=col)
                ax.text(2, yv, f"{100 * acc:.1f} %, trained in {ts:.2f} s", va="center",
                        fontsize=8, color="white" if col != style.SPIKING_LIGHT else "k")
            else:
                ax.text(2, yv, "does not apply: R-STDP learns a readout of hand-wired detectors\n"
                        "from one reward per 250 ms trial; none exist for the digits",
                        va="center", fontsize=8, color=style.REFERENCE)
        for xv, what, col in ((10, "digits", style.GREY), (50, "XOR", style.REFERENCE)):
            ax.axvline(xv, color=col, lw=1, ls=":")
            ax.text(xv + 0.8, -0.75, f"chance, {what}", fontsize=8, color=col, va="center")
        ax.set_ylim(-1.0, len(rows) - 0.5)
        ax.set_yticks(ypos, [r[0] for r in rows], fontsize=8)
        ax.set(xlim=(0, 100), xlabel="test accuracy (%)",
               title="Test accuracy and training wall time (XOR: "
                     f"{xr['n_seeds']} seed{'s' if xr['n_seeds'] > 1 else ''}, "
                     f"{xr['n_trials']} trials)")
        ax.grid(axis="y", visible=False)

        # (d) the trained SNN's raster for one test image
        sub = grid[1, 0:2].subgridspec(1, 2, width_ratios=[1.0, 0.2])
        ax = fig.add_subplot(sub[0, 0])
        dt = snn["dt"]
        t_in, n_in = np.nonzero(snn["input_trains"][ex])
        t_h, n_h = np.nonzero(snn["hidden_spikes"][ex])
        n_px = snn["input_trains"].shape[2]
        ax.scatter(t_in * dt, n_in, s=6, marker="|", color=style.GREY,
                   label=f"input pixels (0-{n_px - 1}): {t_in.size} spikes")
        ax.scatter(t_h * dt, n_h + n_px + 4, s=6, marker="|", color=style.SPIKING,
                   label=f"hidden LIF (64-191): {t_h.size} spikes")
        v = snn["readout_v"][ex]                                   # (T, 10)
        top = n_px + 4 + snn["hidden_spikes"].shape[2] + 6
        scale = 40.0 / max(np.abs(v).max(), 1e-9)
        times = np.arange(v.shape[0]) * dt
        for c in range(v.shape[1]):
            right = c == data["example"]["label"]
            ax.plot(times, top + 20 + scale * v[:, c], lw=2.0 if right else 0.8,
                    color=style.SPIKING if right else style.SPIKING_LIGHT)
        ax.plot([], [], color=style.SPIKING, lw=2,
                label=f"readout membrane of digit {data['example']['label']} (others light)")
        ax.set(xlabel="time (ms)", ylabel="neuron (readout traces above: scaled potential)",
               title=f"Trained SNN on test image {ex} (a {data['example']['label']}): raster "
                     "and readout", xlim=(-0.5, v.shape[0] * dt), ylim=(-2, top + 95))
        ax.legend(loc="upper left", fontsize=8, ncol=2)
        ax2 = fig.add_subplot(sub[0, 1])
        ax2.imshow(data["example"]["pixels"].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax2.set_title("the image\n(8 x 8 pixels)", fontsize=9)
        ax2.set_anchor("N")
        ax2.set_xticks([])
        ax2.set_yticks([])
        ax2.grid(False)

        # (e) the MLP's activations for the same image
        sub = grid[1, 2].subgridspec(2, 1, height_ratios=[2.2, 1.0])
        ax = fig.add_subplot(sub[0])
        h = m["hidden"]
        ax.bar(np.arange(h.size), h, width=1.0, color=style.ARTIFICIAL)
        ax.set(xlim=(-1, h.size), xlabel="hidden unit", ylabel="ReLU activation a1",
               title=f"MLP, same image: {int(np.sum(h > 0))} of {h.size} units active")
        ax = fig.add_subplot(sub[1])
        ax.bar(np.arange(10), m["output"], color=style.ARTIFICIAL_DARK)
        ax.set(xticks=range(10), xlabel="digit", ylabel="softmax output", ylim=(0, 1.05))

        # (f) surrogate derivative beside the activation derivatives
        ax = fig.add_subplot(grid[1, 3])
        d = data["derivatives"]
        ax.plot(d["x"], d["heaviside"], color=style.SPIKING_LIGHT, lw=1.5, ls="--",
                label="spike H(x) forward (= ReLU'(z))", zorder=1)
        ax.plot(d["x"], d["surrogate"], color=style.SPIKING, lw=2,
                label=f"surrogate dH/dx backward (k = {d['scale']:g})")
        ax.plot(d["x"], d["relu"], color=style.ARTIFICIAL, lw=2, ls="-.",
                label="ReLU'(z) (MLP hidden layer)")
        ax.plot(d["x"], d["sigmoid"], color=style.ARTIFICIAL_MID, lw=1.5,
                label="sigmoid'(z) (article's XOR output)")
        ax.set(xlabel="x = u - v_th (units of v_th = 1), or z", ylabel="derivative used backward",
               title="Derivatives used backward", ylim=(-0.1, d["scale"] / 2 * 1.65))
        ax.legend(loc="upper left", fontsize=8)
        _plot_tasks(fig, grid, data)
        fig.suptitle(TITLE + (" (quick)" if s["quick"] else ""))
    return fig


#: Greys for the classes of the new tasks (classes are not families: no family colour).
_CLASS_GREYS = ("#bdbdbd", "#636363", "#000000", "#969696")


def _plot_tasks(fig, grid, data):
    """Row 3: Yin-Yang (test set as the SNN classifies it), the timing task (two classes'
    inputs and the trained SNN's readout), and the accuracies on both."""
    yy, tm = data["yin_yang"], data["timing"]
    # (g) Yin-Yang test points, coloured by the SNN's class; its errors marked
    ax = fig.add_subplot(grid[2, 0])
    X, pred, truth = yy["X_test"], yy["snn_pred"], yy["y_test"]
    names = ("class 0", "class 1", "class 2 (dots)")
    for c in range(3):
        sel = pred == c
        ax.scatter(X[sel, 0], X[sel, 1], s=7, color=_CLASS_GREYS[c],
                   label=f"SNN says {names[c]}")
    wrong = pred != truth
    ax.scatter(X[wrong, 0], X[wrong, 1], s=30, marker="x", color=style.SPIKING, lw=1.2,
               label=f"SNN wrong ({int(wrong.sum())} of {truth.size})")
    ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), aspect="equal", xlabel="input x",
           ylabel="input y",
           title=f"Yin-Yang test set as the latency-coded\nSNN classifies it "
                 f"({100 * yy['snn_accuracy']:.1f} % right)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, handletextpad=0.2)

    # (h) the timing task's inputs: one sample of each of two classes
    ax = fig.add_subplot(grid[2, 1])
    p = data["settings"]["timing"]
    d, dt = p["channels"], 1.0
    for row, idx in enumerate(tm["examples"]):
        t, ch = np.nonzero(tm["X_test"][idx])
        off = row * (d + 3)
        ax.scatter(t * dt, ch + off, marker="|", s=60, color=_CLASS_GREYS[1 + row])
        ax.text(p["steps"] * dt + 0.5, off + d / 2, f"class {tm['y_test'][idx]}", va="center",
                fontsize=8, rotation=90)
    counts = [int(tm["X_test"][i].sum()) for i in tm["examples"]]
    ax.set(xlim=(-1, p["steps"] * dt + 3), ylim=(-1, 2 * d + 3), xlabel="time (ms)",
           ylabel=f"input channel (class {tm['y_test'][tm['examples'][0]]}: 0-{d - 1}, above: "
                  "the other)",
           title=f"Timing task: inputs of two classes ({counts[0]} and {counts[1]}\n"
                 f"spikes; each channel fires 1 + Poisson({p['noise_spikes']:g}) in any class)")
    ax.grid(axis="y", visible=False)

    # (i) the trained SNN's readout membranes for the same two samples
    ax = fig.add_subplot(grid[2, 2])
    v = tm["readout_v"]
    times = np.arange(v.shape[1]) * dt
    styles = ("-", "--")
    for row, idx in enumerate(tm["examples"]):
        label = int(tm["y_test"][idx])
        for c in range(v.shape[2]):
            right = c == label
            ax.plot(times, v[idx, :, c], ls=styles[row], lw=2.2 if right else 0.8,
                    color=style.SPIKING if right else style.SPIKING_LIGHT)
        ax.plot([], [], ls=styles[row], color=style.SPIKING, lw=2.2,
                label=f"class-{label} sample: readout {label} (others light)")
    ax2 = ax.twinx()
    ax2.plot(times, 100 * tm["accuracy_over_time"], color=style.REFERENCE, lw=1.2, ls=":")
    ax2.set_ylabel("test accuracy if read at t (%), dotted", fontsize=8)
    ax2.set_ylim(0, 105)
    ax2.grid(False)
    ax.set(xlabel="time (ms)", ylabel="readout membrane potential (units of v_th)",
           title="Trained SNN on those two samples: the\nright readout wins as its "
                 "class's spikes come")
    ax.legend(loc="lower left", fontsize=7)

    # (j) accuracies on the two tasks
    ax = fig.add_subplot(grid[2, 3])
    rows = [
        ("Yin-Yang: logistic regression", yy["shallow_accuracy"], style.ARTIFICIAL_LIGHT, 1 / 3),
        ("Yin-Yang: MLP 4-120-3", yy["mlp_accuracy"], style.ARTIFICIAL, 1 / 3),
        ("Yin-Yang: SNN, latency code", yy["snn_accuracy"], style.SPIKING, 1 / 3),
        ("timing: logistic reg. on counts", tm["counts_accuracy"], style.ARTIFICIAL_LIGHT,
         tm["chance"]),
        ("timing: SimpleRNN, BPTT", tm["rnn_accuracy"], style.ARTIFICIAL, tm["chance"]),
        ("timing: SNN, surrogate BPTT", tm["snn_accuracy"], style.SPIKING, tm["chance"]),
    ]
    ypos = np.arange(len(rows))[::-1]
    for yv, (_label, acc, col, chance) in zip(ypos, rows):
        ax.barh(yv, 100 * acc, color=col)
        ax.text(2, yv, f"{100 * acc:.1f} %", va="center", fontsize=8,
                color="k" if col == style.ARTIFICIAL_LIGHT else "white")
        ax.plot([100 * chance] * 2, [yv - 0.4, yv + 0.4], color=style.GREY, lw=1.5, ls=":")
    for yv, val in ((ypos[0], YINYANG["published_shallow"]), (ypos[1], YINYANG["published_ann"])):
        ax.plot([100 * val] * 2, [yv - 0.45, yv + 0.45], color=style.REFERENCE, lw=2)
    ax.plot([], [], color=style.GREY, ls=":", label="chance")
    ax.plot([], [], color=style.REFERENCE, lw=2, label="published (Kriener et al. 2022)")
    ax.set_yticks(ypos, [r[0] for r in rows], fontsize=8)
    ax.set(xlim=(0, 100), ylim=(-0.7, len(rows) + 0.5), xlabel="test accuracy (%)",
           title=f"Test accuracy: Yin-Yang ({yy['epochs']} epochs),\ntiming task "
                 f"({tm['epochs']} epochs)")
    ax.legend(loc="upper center", fontsize=7, ncol=2)
    ax.grid(axis="y", visible=False)


# --- text and numbers -----------------------------------------------------------------------------


def describe(data: dict) -> dict:
    m, snn, conv, xr, s = data["mlp"], data["snn"], data["converted"], data["xor"], data["settings"]
    yy, tm = data["yin_yang"], data["timing"]
    gap = 100 * (m["accuracy"] - snn["accuracy"])
    target = "meets" if yy["snn_accuracy"] >= 0.95 else "misses"
    tasks = (f" On Yin-Yang the latency-coded SNN reaches {100 * yy['snn_accuracy']:.1f} % "
             f"({target} the issue's 95 %; the paper's ANN 98.7 %). Where only timing carries "
             f"the class, a readout of spike counts stays at chance "
             f"({100 * tm['counts_accuracy']:.1f} %) while the SNN "
             f"({100 * tm['snn_accuracy']:.1f} %) and the SimpleRNN "
             f"({100 * tm['rnn_accuracy']:.1f} %), trained by back propagation through time, "
             "read the timing.")
    conv_lat = ("it does not stay within 1 point of the MLP" if not np.isfinite(conv["latency_ms"])
                else f"it stays within 1 point of the MLP from {conv['latency_ms']:g} ms on")
    return {
        "shows": ("The 8x8 digits (same split for every way) learned by a 64-128-10 ReLU MLP with "
                  "back propagation, by a 64-128-10 spiking network (rate-coded input, LIF "
                  "hidden layer, leaky readout) with back propagation through time and a "
                  "fast-sigmoid surrogate derivative, and by converting the MLP to "
                  "integrate-and-fire neurons; their test accuracy against the simulated time "
                  "the readout may use, their cost per image in multiply-accumulates (MACs) and "
                  "synaptic events, their training time; reward-modulated STDP on XOR, the task "
                  "its network was built for (it does not apply to the digits: it learns a "
                  "readout of hand-wired conjunction detectors from one scalar reward per "
                  "250 ms trial); one test image as a spike raster of the trained SNN beside "
                  "the MLP's activations; the surrogate derivative beside ReLU' and "
                  "sigmoid'. Then two tasks the digits cannot show: the Yin-Yang data set "
                  "(Kriener, Göltz & Petrovici 2022) learned by a latency-coded SNN beside an MLP "
                  "and logistic regression, and a task where only spike timing carries the class "
                  "(every channel fires as often in every class), learned by an SNN and a "
                  "SimpleRNN while logistic regression on the spike counts stays at chance."),
        "measured": (f"Test accuracy on {s['n_test']} images: MLP {100 * m['accuracy']:.1f} % "
                     f"(trained in {m['train_s']:.2f} s, {m['epochs']} epochs), SNN by surrogate "
                     f"gradients {100 * snn['accuracy']:.1f} % (trained in {snn['train_s']:.2f} s, "
                     f"{snn['epochs']} epochs), converted MLP {100 * conv['accuracy']:.1f} % at "
                     f"{s['t_max']:g} ms. Simulated time to decide: the SNN reads its readout "
                     f"after {snn['decision_ms']:g} ms and is within 1 point of that accuracy "
                     f"from {snn['latency_ms']:g} ms; the converted network's first output spike "
                     f"comes after {conv['median_first_output_spike_ms']:.1f} ms (median) and "
                     f"{conv_lat}. Wall time per test image on this CPU: MLP "
                     f"{m['infer_ms_per_image']:.4f} ms, SNN {snn['infer_ms_per_image']:.3f} ms, "
                     f"converted {conv['infer_ms_per_image']:.2f} ms. Cost per image: MLP "
                     f"{m['macs_per_image']:,} MACs; SNN {snn['events_per_image']:,.0f} synaptic "
                     f"events (input and hidden spikes times fan-out; its NumPy code does "
                     f"{snn['dense_macs_per_image']:,} dense MACs); converted "
                     f"{conv['events_per_image']:,.0f} synaptic events plus "
                     f"{conv['analog_macs_per_image']:,} analog MACs. XOR: R-STDP "
                     f"{100 * xr['rstdp_accuracy']:.1f} % correct on test presentations after "
                     f"{xr['n_trials']} rewarded trials ({xr['rstdp_simulated_s']:g} s simulated, "
                     f"{xr['rstdp_train_s']:.2f} s wall per seed), the 8-tanh MLP "
                     f"{100 * xr['mlp_accuracy']:.1f} % (trained in {xr['mlp_train_s']:.2f} s). "
                     f"Yin-Yang ({yy['epochs']} epochs, 1000 test points): latency-coded SNN "
                     f"{100 * yy['snn_accuracy']:.1f} % (trained in {yy['snn_train_s']:.1f} s), "
                     f"MLP {100 * yy['mlp_accuracy']:.1f} %, logistic regression "
                     f"{100 * yy['shallow_accuracy']:.1f} % (published: ANN 98.7 %, shallow "
                     f"64.3 %). Timing task ({tm['epochs']} epochs, {tm['n_test']} test samples, "
                     f"chance {100 * tm['chance']:.0f} %): logistic regression on spike counts "
                     f"{100 * tm['counts_accuracy']:.1f} %, SNN {100 * tm['snn_accuracy']:.1f} % "
                     f"(trained in {tm['snn_train_s']:.1f} s), SimpleRNN "
                     f"{100 * tm['rnn_accuracy']:.1f} % (trained in {tm['rnn_train_s']:.1f} s). "
                     f"Computed in {data['wall_s']:.1f} s."),
        "verdict": ((f"Supported: with a surrogate derivative, back propagation (through time) "
                     f"trains the spiking network to {100 * snn['accuracy']:.1f} %, "
                     f"{abs(gap):.1f} points {'below' if gap > 0 else 'above'} the MLP, in "
                     f"{snn['decision_ms']:g} ms of simulated time; the surrogate takes the place "
                     f"of ReLU' (both are the factor the error is multiplied by on its way back). "
                     f"It pays in time and, on a CPU, in arithmetic "
                     f"({snn['dense_macs_per_image'] / m['macs_per_image']:.0f}x the MLP's MACs); "
                     f"its {snn['events_per_image']:,.0f} synaptic events per image are what "
                     f"event-driven hardware would spend.")
                    if gap <= 3.0 else
                    (f"Only in part: the surrogate-gradient network stays {gap:.1f} points below "
                     f"the MLP.")) + tasks
    }


def numbers(data: dict) -> dict:
    m, snn, conv, xr, s = data["mlp"], data["snn"], data["converted"], data["xor"], data["settings"]
    yy, tm = data["yin_yang"], data["timing"]

    def f(v):
        v = float(v)
        return v if np.isfinite(v) else None

    return {
        "n_test": s["n_test"],
        "mlp": {"accuracy": m["accuracy"], "train_s": m["train_s"], "epochs": m["epochs"],
                "inference_latency_ms": 0.0, "infer_wall_ms_per_image": m["infer_ms_per_image"],
                "macs_per_image": m["macs_per_image"]},
        "snn_surrogate": {"accuracy": snn["accuracy"], "train_s": snn["train_s"],
                          "epochs": snn["epochs"], "decision_ms": snn["decision_ms"],
                          "inference_latency_ms": snn["latency_ms"],
                          "infer_wall_ms_per_image": snn["infer_ms_per_image"],
                          "synaptic_events_per_image": snn["events_per_image"],
                          "dense_macs_per_image": snn["dense_macs_per_image"],
                          "hidden_spikes_per_neuron_per_step": snn["hidden_rate_per_step"]},
        "converted": {"accuracy": conv["accuracy"], "train_s": conv["train_s"],
                      "t_max_ms": s["t_max"], "inference_latency_ms": f(conv["latency_ms"]),
                      "median_first_output_spike_ms": f(conv["median_first_output_spike_ms"]),
                      "infer_wall_ms_per_image": conv["infer_ms_per_image"],
                      "synaptic_events_per_image": conv["events_per_image"],
                      "analog_macs_per_image": conv["analog_macs_per_image"]},
        "rstdp": {"task": "xor", "applies_to_digits": False, "accuracy": xr["rstdp_accuracy"],
                  "n_seeds": xr["n_seeds"], "n_trials": xr["n_trials"],
                  "train_s_per_seed": xr["rstdp_train_s"],
                  "simulated_s_per_seed": xr["rstdp_simulated_s"],
                  "inference_latency_ms": xr["rstdp_decision_ms"],
                  "xor_mlp_accuracy": xr["mlp_accuracy"], "xor_mlp_train_s": xr["mlp_train_s"]},
        "yin_yang": {"epochs": yy["epochs"], "snn_accuracy": yy["snn_accuracy"],
                     "snn_train_s": yy["snn_train_s"], "mlp_accuracy": yy["mlp_accuracy"],
                     "shallow_accuracy": yy["shallow_accuracy"],
                     "published_ann": YINYANG["published_ann"],
                     "published_shallow": YINYANG["published_shallow"]},
        "timing": {"epochs": tm["epochs"], "chance": tm["chance"],
                   "counts_accuracy": tm["counts_accuracy"], "snn_accuracy": tm["snn_accuracy"],
                   "snn_train_s": tm["snn_train_s"], "rnn_accuracy": tm["rnn_accuracy"],
                   "rnn_train_s": tm["rnn_train_s"]},
        "wall_s": data["wall_s"],
    }
