"""Train the digits SNN, carry it to neurosim through NIR, then add what training ignored.

Run: python examples/artificial_31_snn_to_neurosim.py [--epochs 30] [--steps 25]

The network of ``artificial_30_snn_digits.py`` (64 rate-coded pixels, 128 LIF neurons with
exponential synaptic currents, 10 non-spiking readout neurons whose maximum membrane potential
is the logit), trained the same way but with ``reset="zero"``: NIR neurons reset to a value,
so reset by subtraction has no NIR equivalent. ``artificial.to_nir`` writes the trained model
as a NIR graph and ``neurosim.from_nir`` builds it as a spiking network, one copy per test
sample, fed the very spike trains the Sequential saw. neurosim must reproduce the Sequential
(same predictions, same hidden spikes). Then, in neurosim only, the model meets what its
training did not know:

- axonal delays: every synapse gets an extra delay drawn uniformly from 0..D ms (whole steps);
- membrane noise: every neuron receives a Gaussian current each step, std sigma (which moves
  the membrane by sigma mV in that step; the threshold is 1 mV);
- conductance synapses: each current synapse of weight w becomes a conductance |w|/E with
  reversal potential +E (w > 0) or -E (w < 0), equal to the current at v = 0 and weaker or
  stronger as v moves (the threshold is 1 mV, so E = 5 mV changes the drive by up to 20 %).

Prints the test accuracy of each; neurosim's noise is seeded, so runs repeat exactly.
"""

import argparse
import time

import numpy as np

import neurosim as ns
from artificial import Adam, LIFDense, Sequential, SpikeEncoder, digits, to_nir, train_test_split


def train(epochs, steps, seed):
    X, y = digits()
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=seed,
                                                        stratify=True)
    model = Sequential(seed=seed)
    model.add(SpikeEncoder(steps=steps, code="rate", input_dim=64))
    model.add(LIFDense(128, tau_m=10.0, tau_syn=5.0, v_th=1.0, reset="zero",
                       surrogate="fast_sigmoid", name="hidden"))
    model.add(LIFDense(10, tau_m=10.0, tau_syn=5.0, readout="membrane", name="readout"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(1e-2),
                  metrics=["accuracy"])
    model.fit(X_train, y_train, epochs=epochs, batch_size=64, verbose=0)
    return model, X_test, y_test


def neurosim_predict(graph, trains, steps, *, delay=0, noise=0.0, e_rev=None, seed=0):
    """Predictions of the graph simulated by neurosim on the test trains, with the changes."""
    net = ns.from_nir(graph, dt=1.0, inputs=trains)
    info = net.nir
    rng = np.random.default_rng(seed)
    for proj in list(net.projections):
        if proj.pre is info.bias:
            continue                       # the biases are constant currents, not synapses
        n = len(proj.connector.pairs_)
        if delay:
            proj.delay = proj.delay + rng.integers(0, delay + 1, n).astype(float)
        if e_rev is not None:
            net.projections.remove(proj)
            w = proj.connector.weights
            d = proj.delay if np.ndim(proj.delay) == 0 else np.asarray(proj.delay)
            for sign in (1.0, -1.0):
                keep = np.sign(w) == sign
                if not keep.any():
                    continue
                net.connect(proj.pre, proj.post,
                            ns.FromList(proj.connector.pairs_[keep], weights=np.abs(w[keep]) / e_rev,
                                        delays=np.broadcast_to(d, w.shape)[keep]),
                            synapse=ns.ExpConductance(tau=proj.synapse.tau, e_rev=sign * e_rev))
    if noise:
        for name in ("hidden", "readout"):
            net.inject(info.populations[name], ns.NoisyCurrent(mean=0.0, std=noise))
    info.record_v("readout")
    sim = ns.Simulator(net, dt=1.0, seed=seed)
    run_steps = steps + delay * 2
    sim.run(info.steps_needed(run_steps))
    v = info.potentials(sim, "readout", run_steps)
    hidden = info.spikes(sim, "hidden", steps)
    return v.max(axis=1).argmax(axis=1), hidden


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-test", type=int, default=None,
                        help="evaluate on the first N test samples only (default: all 450)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    model, X_test, y_test = train(args.epochs, args.steps, args.seed)
    if args.n_test:
        X_test, y_test = X_test[:args.n_test], y_test[:args.n_test]
    print(f"trained in {time.perf_counter() - t0:.1f} s")
    trace = model.forward_trace(X_test)
    ours = model.predict(X_test).argmax(axis=1)
    graph = to_nir(model)
    trains = trace.spikes[0]                 # the rate code's trains, as predict drew them

    t0 = time.perf_counter()
    pred, hidden = neurosim_predict(graph, trains, args.steps)
    same_spikes = int(np.sum(hidden != trace.spikes[1]))
    print(f"neurosim built and ran {len(y_test)} copies in {time.perf_counter() - t0:.1f} s; "
          f"hidden spikes differing from the Sequential's: {same_spikes} of "
          f"{int(trace.spikes[1].sum())}; predictions differing: {int(np.sum(pred != ours))}")

    rows = [("Sequential (artificial, NumPy)", ours), ("neurosim, the same graph", pred)]
    for d in (1, 2, 4, 8):
        rows.append((f"+ axonal delays 0..{d} ms", neurosim_predict(graph, trains, args.steps,
                                                                    delay=d)[0]))
    for sigma in (0.05, 0.1, 0.2, 0.5):
        rows.append((f"+ membrane noise {sigma} mV/step", neurosim_predict(
            graph, trains, args.steps, noise=sigma)[0]))
    for e in (20.0, 5.0, 2.0):
        rows.append((f"+ conductance synapses E = +-{e:g} mV", neurosim_predict(
            graph, trains, args.steps, e_rev=e)[0]))
    rows.append(("+ all: delays 0..2 ms, noise 0.1, E = +-5 mV", neurosim_predict(
        graph, trains, args.steps, delay=2, noise=0.1, e_rev=5.0)[0]))
    print(f"\n{'model':<48} {'test accuracy':>13} {'agrees with Sequential':>23}")
    for label, p in rows:
        print(f"{label:<48} {np.mean(p == y_test):>13.4f} {np.mean(p == ours):>23.4f}")


if __name__ == "__main__":
    main()
