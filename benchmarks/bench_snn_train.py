"""Training speed of a spiking network by surrogate gradients: ``artificial`` against snnTorch.

Run from the repository root::

    python benchmarks/bench_snn_train.py               # 10 epochs per library
    python benchmarks/bench_snn_train.py --epochs 3    # shorter

The same network, steps, batch and surrogate, trained on the 8x8 digits (pixels / 16 as spike
probabilities per step, 75 % / 25 % stratified split, seed 0) by

* **ours**: ``artificial`` (``SpikeEncoder``, two ``LIFDense``, ``fit``), float32 (the headline,
  like for like with PyTorch's float32) and float64 (our default);
* **snnTorch** 1.0: ``nn.Linear`` + ``snn.Synaptic`` layers, a hand-written training loop;
* **PyTorch only**: the same equations written as tensor operations, no snnTorch.

Network: 64 inputs, 25 steps of 1 ms, rate code (a new Bernoulli draw every epoch); 128 LIF
neurons with ``tau_m`` = 10 ms, ``tau_syn`` = 5 ms, threshold 1, reset by subtraction; 10
leaky readout neurons (no threshold) whose maximal membrane potential over the steps is the
logit; softmax cross-entropy; Adam (lr 0.01); batch 64; reshuffled each epoch. Surrogate: the
fast sigmoid ``k / (2 (1 + k|x|)^2)`` with ``k = 10`` everywhere (snnTorch's own fast sigmoid
is ``1 / (1 + k|x|)^2``, a different height, so it is given ours as ``spike_grad``).

Same function, not only the same shape: snnTorch's ``Synaptic`` neuron computes
``syn = alpha syn + W x``, ``mem = beta mem + syn``, and with ``reset_delay=False`` subtracts the
threshold in the step of the spike, as ours does. Ours integrates ``(1 - beta) i`` instead of
``syn``; giving snnTorch the weights ``(1 - beta) W`` and Adam the learning rate
``(1 - beta) lr`` for them makes the two the same network on the same training path (Adam's
step does not depend on the scale of the gradient). snnTorch's reset is not detached from the
graph there, so ours runs with ``detach_reset=False`` too. Before timing, the script sets the
same weights in all three, feeds the same spike trains and prints the largest differences of
the logits and of the gradients: they agree to float32 rounding.

Each library trains in its own fresh process (``--worker``), one thread everywhere
(``OMP/OPENBLAS/MKL/NUMBA_NUM_THREADS=1``, ``torch.set_num_threads(1)``, threadpoolctl).
Epoch time: median over the epochs after the first (the first, with warm-up, is printed
apart); peak memory: the process's peak RSS (``VmHWM``) after training, and the RSS after
imports and data before training. The last line is one JSON object. Nothing is asserted: the
script exits 0 whatever the numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

STEPS, HIDDEN, TAU_M, TAU_SYN, V_TH, K, LR, BATCH = 25, 128, 10.0, 5.0, 1.0, 10.0, 1e-2, 64
ALPHA, BETA = math.exp(-1.0 / TAU_SYN), math.exp(-1.0 / TAU_M)
LIBS = ("ours", "ours64", "snntorch", "torch")
LABELS = {"ours": "ours (artificial), float32", "ours64": "ours (artificial), float64",
          "snntorch": "snnTorch 1.0, float32", "torch": "PyTorch only, float32"}


def data(seed=0):
    from artificial import digits, train_test_split

    X, y = digits()
    return train_test_split(X / 16.0, y, test_size=0.25, seed=seed, stratify=True)


def _status_mb(field):
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def rss_mb():
    return _status_mb("VmRSS")


def peak_rss_mb():
    """The process's own high-water mark (``VmHWM``; ``getrusage``'s ``ru_maxrss`` keeps the
    parent's peak across fork and exec on Linux, so it would report the driver's memory)."""
    peak = _status_mb("VmHWM")
    return peak if math.isfinite(peak) else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# --- ours -------------------------------------------------------------------------------------------


def ours_model(dtype, seed=0):
    from artificial import Adam, LIFDense, Sequential, SpikeEncoder

    model = Sequential(seed=seed, dtype=dtype)
    model.add(SpikeEncoder(steps=STEPS, code="rate", input_dim=64))
    model.add(LIFDense(HIDDEN, tau_m=TAU_M, tau_syn=TAU_SYN, v_th=V_TH, reset="subtract",
                       detach_reset=False, surrogate="fast_sigmoid", scale=K))
    model.add(LIFDense(10, tau_m=TAU_M, tau_syn=TAU_SYN, readout="membrane"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(LR), metrics=["accuracy"])
    return model


def run_ours(epochs, dtype):
    from artificial import Callback

    X_tr, X_te, y_tr, y_te = data()
    model = ours_model(dtype)

    class Timer(Callback):
        def on_train_begin(self, model):
            self.times, self.t = [], time.perf_counter()

        def on_epoch_end(self, model, epoch, logs):
            now = time.perf_counter()
            self.times.append(now - self.t)
            self.t = now

    timer = Timer()
    before = rss_mb()
    model.fit(X_tr, y_tr, epochs=epochs, batch_size=BATCH, verbose=0, callbacks=[timer])
    acc = float(np.mean(np.argmax(model.predict(X_te), axis=1) == y_te))
    return timer.times, acc, before


# --- PyTorch and snnTorch ---------------------------------------------------------------------------


def torch_parts():
    import torch

    class Spike(torch.autograd.Function):
        """H(x) forward (1 at x >= 0, as ours), the fast sigmoid k / (2 (1 + k|x|)^2) backward."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return (x >= 0).to(x.dtype)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (0.5 * K) / (1.0 + K * x.abs()) ** 2

    return torch, Spike


class TorchNet:
    """The network as tensor operations (``kind="torch"``) or with snnTorch layers."""

    def __init__(self, kind, seed=0):
        torch, Spike = torch_parts()
        self.torch, self.kind = torch, kind
        torch.manual_seed(seed)
        nn = torch.nn
        self.fc1, self.fc2 = nn.Linear(64, HIDDEN), nn.Linear(HIDDEN, 10)
        for fc in (self.fc1, self.fc2):          # glorot-uniform weights, zero biases, as ours
            nn.init.xavier_uniform_(fc.weight)
            nn.init.zeros_(fc.bias)
        self.scale = 1.0
        if kind == "snntorch":
            import snntorch as snn

            # snnTorch integrates syn, ours (1 - beta) i: the same network with weights
            # scaled by (1 - beta) (module docstring).
            self.scale = 1.0 - BETA
            with torch.no_grad():
                for fc in (self.fc1, self.fc2):
                    fc.weight.mul_(self.scale)
            self.lif1 = snn.Synaptic(alpha=ALPHA, beta=BETA, threshold=V_TH,
                                     spike_grad=Spike.apply, reset_mechanism="subtract",
                                     reset_delay=False)
            self.lif2 = snn.Synaptic(alpha=ALPHA, beta=BETA, threshold=V_TH,
                                     spike_grad=Spike.apply, reset_mechanism="none")
        self.params = list(self.fc1.parameters()) + list(self.fc2.parameters())
        self.opt = torch.optim.Adam(self.params, lr=LR * self.scale, eps=1e-7)
        self.spike = Spike.apply

    def set_weights(self, w1, b1, w2, b2):
        torch = self.torch
        with torch.no_grad():
            for fc, w, b in ((self.fc1, w1, b1), (self.fc2, w2, b2)):
                fc.weight.copy_(torch.as_tensor(w.T * self.scale))
                fc.bias.copy_(torch.as_tensor(b * self.scale))

    def logits(self, trains):
        """``trains``: (steps, batch, 64) -> (batch, 10), the max over steps of the readout."""
        torch = self.torch
        B = trains.shape[1]
        drive = self.fc1(trains)                               # all steps at once
        if self.kind == "snntorch":
            syn1, mem1 = self.lif1.init_synaptic()
            syn2, mem2 = self.lif2.init_synaptic()
            outs = []
            for t in range(STEPS):
                spk, syn1, mem1 = self.lif1(drive[t], syn1, mem1)
                _, syn2, mem2 = self.lif2(self.fc2(spk), syn2, mem2)
                outs.append(mem2)
            return torch.stack(outs).amax(dim=0)
        i = v = torch.zeros(B, HIDDEN)
        i2 = v2 = torch.zeros(B, 10)
        outs = []
        for t in range(STEPS):
            i = ALPHA * i + drive[t]
            u = BETA * v + (1.0 - BETA) * i
            s = self.spike(u - V_TH)
            v = u - V_TH * s
            i2 = ALPHA * i2 + self.fc2(s)
            v2 = BETA * v2 + (1.0 - BETA) * i2
            outs.append(v2)
        return torch.stack(outs).amax(dim=0)

    def encode(self, x):
        if self.kind == "snntorch":
            from snntorch import spikegen

            return spikegen.rate(x, num_steps=STEPS)
        return (self.torch.rand(STEPS, *x.shape) < x).to(x.dtype)


def run_torch(kind, epochs):
    X_tr, X_te, y_tr, y_te = data()
    net = TorchNet(kind)
    torch = net.torch
    Xt, yt = torch.as_tensor(X_tr, dtype=torch.float32), torch.as_tensor(y_tr)
    loss_fn = torch.nn.CrossEntropyLoss()
    before = rss_mb()
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(len(Xt))
        total = 0.0
        for start in range(0, len(Xt), BATCH):
            idx = perm[start:start + BATCH]
            loss = loss_fn(net.logits(net.encode(Xt[idx])), yt[idx])
            net.opt.zero_grad()
            loss.backward()
            net.opt.step()
            total += loss.item()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        Xe = torch.as_tensor(X_te, dtype=torch.float32)
        pred = net.logits(net.encode(Xe)).argmax(dim=1).numpy()
    return times, float(np.mean(pred == y_te)), before


# --- the same function: one batch through all three --------------------------------------------


def same_function_check():
    """Largest |difference| of logits and weight gradients, ours (float64) vs snnTorch and
    vs PyTorch only, for the same weights and the same spike trains (one batch of 64)."""
    X_tr, _, y_tr, _ = data()
    model = ours_model("float64")
    model.fit(X_tr[:2], y_tr[:2], epochs=1, batch_size=2, verbose=0)   # builds it
    w = [a.copy() for a in model.get_weights()]
    x, y = X_tr[:BATCH], y_tr[:BATCH]
    trains = model.layers[0].encode(x)                      # (batch, steps, 64)
    layers = model.layers[1:]
    z, a = trains, trains
    caches = []
    for layer in layers:
        z, a, c = layer.forward_train(a)
        caches.append(c)
    # softmax cross-entropy, mean over the batch: dL/dz = (softmax - onehot) / B
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    g = p.copy()
    g[np.arange(len(y)), y] -= 1.0
    g /= len(y)
    g_in = layers[1].backward(caches[1], g)
    layers[0].backward(caches[0], g_in, need_input_grad=False)
    ours_grads = [layers[0].grad_kernel, layers[0].grad_bias, layers[1].grad_kernel,
                  layers[1].grad_bias]
    out = {}
    for kind in ("snntorch", "torch"):
        net = TorchNet(kind)
        torch = net.torch
        net.set_weights(*w)
        t = torch.as_tensor(np.transpose(trains, (1, 0, 2)), dtype=torch.float32)
        logits = net.logits(t)
        loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y))
        loss.backward()
        grads = [net.fc1.weight.grad.numpy().T, net.fc1.bias.grad.numpy(),
                 net.fc2.weight.grad.numpy().T, net.fc2.bias.grad.numpy()]
        # the snnTorch parameters are (1 - beta) times ours, so their gradients are 1 / (1 - beta)
        rel = max(float(np.max(np.abs(gt * net.scale - go))) / float(np.max(np.abs(go)))
                  for gt, go in zip(grads, ours_grads))
        out[kind] = {"logits_max_abs_diff": float(np.max(np.abs(logits.detach().numpy() - z))),
                     "logits_max_abs": float(np.max(np.abs(z))),
                     "grad_max_rel_diff": rel}
    return out


# --- driver ------------------------------------------------------------------------------------------


def worker(lib, epochs):
    from threadpoolctl import threadpool_limits

    if lib in ("snntorch", "torch"):          # ours never imports torch: its RSS is its own
        import torch

        torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        if lib in ("ours", "ours64"):
            times, acc, before = run_ours(epochs, "float32" if lib == "ours" else "float64")
        else:
            times, acc, before = run_torch(lib, epochs)
    print(json.dumps({"lib": lib, "epoch_times": times, "test_accuracy": acc,
                      "rss_before_mb": before, "peak_rss_mb": peak_rss_mb()}))


def versions():
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("numpy", "numba", "torch", "snntorch", "threadpoolctl"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--worker", choices=LIBS, help=argparse.SUPPRESS)
    parser.add_argument("--only", action="append", choices=LIBS,
                        help="run only these libraries (repeatable)")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error(f"--epochs must be >= 2 (the first epoch is timed apart), got {args.epochs}")
    if args.worker:
        worker(args.worker, args.epochs)
        return 0
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1")
    print(f"bench_snn_train: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, " + ", ".join(f"{k} {v}"
                                                             for k, v in versions().items()))
    print(f"digits, 64-{HIDDEN}-10 LIF, {STEPS} steps, batch {BATCH}, Adam {LR}, fast sigmoid "
          f"k={K:g}, {args.epochs} epochs, one thread, one fresh process per library")
    try:
        load = os.getloadavg()
        print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    except OSError:
        pass
    check = same_function_check()
    for kind, c in check.items():
        print(f"same function, ours vs {kind} (same weights and spike trains, one batch): "
              f"logits differ by <= {c['logits_max_abs_diff']:.2e} (largest |logit| "
              f"{c['logits_max_abs']:.2f}), weight gradients by <= {c['grad_max_rel_diff']:.2e} "
              "relative to the largest")
    results = {}
    for lib in args.only or LIBS:
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", lib,
                            "--epochs", str(args.epochs)], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            print(f"{LABELS[lib]}: failed\n{r.stderr[-2000:]}")
            continue
        res = json.loads(r.stdout.strip().splitlines()[-1])
        res["process_s"] = time.perf_counter() - t0
        results[lib] = res
    rows = []
    for lib, r in results.items():
        later = r["epoch_times"][1:]
        r["epoch_s"] = statistics.median(later)
        r["epoch_min_s"] = min(later)
        rows.append(lib)
    print()
    head = f"{'library':30s} {'epoch (median)':>15s} {'fastest':>9s} {'1st epoch':>10s} " \
           f"{'test acc':>9s} {'RSS before':>11s} {'peak RSS':>9s} {'ours faster':>12s}"
    print(head)
    print("-" * len(head))
    ref = results.get("ours")
    for lib in rows:
        r = results[lib]
        ratio = "-" if ref is None or lib == "ours" else f"{r['epoch_s'] / ref['epoch_s']:.2f}x"
        print(f"{LABELS[lib]:30s} {r['epoch_s']:14.3f}s {r['epoch_min_s']:8.3f}s "
              f"{r['epoch_times'][0]:9.3f}s {r['test_accuracy']:9.3f} {r['rss_before_mb']:9.0f}MB "
              f"{r['peak_rss_mb']:7.0f}MB {ratio:>12s}")
    print("ours faster = their median epoch / ours (float32); above 1 ours is faster.")
    summary = {"epochs": args.epochs, "threads": 1, "same_function": check}
    for lib, r in results.items():
        key = {"ours64": "ours_float64"}.get(lib, lib)
        summary[f"{key}_epoch_s"] = r["epoch_s"]
        summary[f"{key}_test_accuracy"] = r["test_accuracy"]
        summary[f"{key}_peak_rss_mb"] = r["peak_rss_mb"]
    if ref is not None:
        for lib in ("snntorch", "torch"):
            if lib in results:
                summary[f"speedup_vs_{lib}"] = results[lib]["epoch_s"] / ref["epoch_s"]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
