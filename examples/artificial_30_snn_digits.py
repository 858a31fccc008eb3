"""Classify the 8x8 handwritten digits with a spiking network trained by surrogate gradients.

Run: python examples/artificial_30_snn_digits.py [--epochs 30] [--steps 25] [--code rate]

The pixels (0..16) are scaled to [0, 1] and turned into spike trains (rate code: each step a
pixel spikes with probability equal to its intensity). A layer of 128 leaky integrate-and-fire
neurons feeds 10 non-spiking readout neurons whose maximum membrane potential over time is the
logit of each digit. The network is trained by back-propagation through time with the fast
sigmoid surrogate, through the same ``compile``/``fit``/``evaluate`` as the MLP of
``artificial_03_digits.py``. Prints the held-out test accuracy and the time per epoch (median
and fastest: on a shared machine the fastest is the least disturbed by other work).
"""

import argparse
import time

from artificial import (
    Adam,
    Callback,
    LIFDense,
    Sequential,
    SpikeEncoder,
    confusion_matrix,
    digits,
    train_test_split,
)


class EpochTimer(Callback):
    """Wall-clock time of each epoch (training plus nothing else: no validation here)."""

    def on_train_begin(self, model):
        self.times = []
        self._t = time.perf_counter()

    def on_epoch_end(self, model, epoch, logs):
        now = time.perf_counter()
        self.times.append(now - self._t)
        self._t = now


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--code", default="rate", choices=["rate", "latency"])
    parser.add_argument("--readout", default="membrane",
                        choices=["membrane", "membrane_mean", "count", "first_spike"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    X, y = digits()
    X = X / 16.0  # intensities in [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=args.seed,
                                                        stratify=True)

    model = Sequential(seed=args.seed)
    model.add(SpikeEncoder(steps=args.steps, code=args.code, input_dim=64))
    model.add(LIFDense(128, tau_m=10.0, tau_syn=5.0, v_th=1.0, reset="subtract",
                       surrogate="fast_sigmoid"))
    model.add(LIFDense(10, tau_m=10.0, tau_syn=5.0, readout=args.readout))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(1e-2),
                  metrics=["accuracy"])
    model.summary()
    timer = EpochTimer()
    model.fit(X_train, y_train, epochs=args.epochs, batch_size=64, verbose=2, callbacks=[timer])
    loss, acc = model.evaluate(X_test, y_test)
    trace = model.forward_trace(X_test)
    rate = trace.spikes[1].mean()
    print(f"hidden layer: {rate:.3f} spikes per neuron per step on the test set")
    times = sorted(timer.times)
    print(f"time per epoch: median {times[len(times) // 2]:.3f} s, fastest {times[0]:.3f} s "
          f"({len(X_train)} training samples, {args.steps} steps, batch 64)")
    print(f"test loss {loss:.4f}, test accuracy {acc:.4f}")
    pred = model.predict(X_test).argmax(axis=1)
    print("confusion matrix (rows: true digit, columns: predicted):")
    print(confusion_matrix(y_test, pred, n_classes=10))


if __name__ == "__main__":
    main()
