"""Magnitude pruning of the digits MLP: how much accuracy is left as the smallest weights go.

Run: python examples/artificial_04_pruning.py [--epochs 60] [--finetune 5] [--seed 0]

Trains the 64-128-10 ReLU MLP of the conversion comparison (standardised 8x8 digits, 75 % /
25 % stratified split, Adam 0.001, batch 32), then for each fraction removes that fraction of
each kernel's smallest-magnitude weights (``artificial.prune``, per layer; biases kept) and
prints the held-out test accuracy: directly after pruning, after ``--finetune`` more epochs of
training with the pruned weights held at zero, and with one global threshold over both kernels
instead of one per layer (no fine-tuning). Han et al. (2015) report that networks keep their
accuracy with most weights removed when they are retrained after pruning; this measures it for
the article's kind of network.
"""

import argparse
import time

import numpy as np

from artificial import Adam, Dense, Sequential, StandardScaler, digits, prune, train_test_split
from artificial.pruning import sparsity

FRACTIONS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98)


def train_mlp(X_tr, y_tr, epochs, seed):
    model = Sequential(seed=seed)
    model.add(Dense(128, input_dim=64, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(0.001),
                  metrics=["accuracy"])
    model.fit(X_tr, y_tr, epochs=epochs, batch_size=32, verbose=0, warn_dead_units=False)
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--finetune", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    X, y = digits()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=args.seed,
                                              stratify=True)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    model = train_mlp(X_tr, y_tr, args.epochs, args.seed)
    n_weights = sum(k.size for k in model.get_weights()[0::2])

    print(f"64-128-10 MLP, {args.epochs} epochs; {len(y_te)} test images; "
          f"{n_weights} kernel weights")
    print(f"{'pruned':>7} {'weights left':>13} {'accuracy':>9} "
          f"{'+' + str(args.finetune) + ' epochs':>10} {'global':>8}")
    rows = []
    for f in FRACTIONS:
        pruned = prune(model, f)
        acc = pruned.evaluate(X_te, y_te)[1]
        left = int(round((1 - sparsity(pruned)["total"]) * n_weights))
        if args.finetune:
            pruned.fit(X_tr, y_tr, epochs=args.finetune, batch_size=32, verbose=0,
                       warn_dead_units=False)
            assert np.all(pruned.params[pruned.weight_mask == 0] == 0)
        tuned = pruned.evaluate(X_te, y_te)[1]
        glob = prune(model, f, scope="global").evaluate(X_te, y_te)[1]
        rows.append((f, left, acc, tuned, glob))
        print(f"{100 * f:>6.0f}% {left:>13d} {100 * acc:>8.1f}% {100 * tuned:>9.1f}% "
              f"{100 * glob:>7.1f}%")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return rows


if __name__ == "__main__":
    main()
