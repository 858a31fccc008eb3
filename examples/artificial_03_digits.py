"""Classify the 8x8 handwritten digits with a 64-128-10 MLP and plot the learning curves.

Run: python examples/artificial_03_digits.py [--out out/artificial_03_digits.png] [--epochs 30]

Standardises the pixels (statistics from the training part only), trains with Adam and a
validation split, reports the held-out test accuracy and the confusion matrix, and draws the
loss and accuracy per epoch for the training and validation data.
"""

import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from artificial import (  # noqa: E402
    Adam,
    Dense,
    EarlyStopping,
    Sequential,
    StandardScaler,
    confusion_matrix,
    digits,
    train_test_split,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/artificial_03_digits.png",
                        help="where to write the figure (default: out/artificial_03_digits.png, "
                             "as the other examples write into out/)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    X, y = digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=args.seed,
                                                        stratify=True)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    model = Sequential(seed=args.seed)
    model.add(Dense(128, input_dim=64, activation="relu"))
    model.add(Dense(10, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", optimizer=Adam(1e-3),
                  metrics=["accuracy"])
    model.summary()
    history = model.fit(X_train, y_train, epochs=args.epochs, batch_size=32, verbose=1,
                        validation_split=0.2,
                        callbacks=[EarlyStopping(patience=5, restore_best_weights=True)])
    loss, acc = model.evaluate(X_test, y_test)
    print(f"test loss {loss:.4f}, test accuracy {acc:.4f}")
    pred = model.predict(X_test).argmax(axis=1)
    print("confusion matrix (rows: true digit, columns: predicted):")
    print(confusion_matrix(y_test, pred, n_classes=10))

    epochs = [e + 1 for e in history.epoch]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    ax_loss.plot(epochs, history["loss"], color="tab:blue", label="training")
    ax_loss.plot(epochs, history["val_loss"], color="tab:blue", ls="--", label="validation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", yscale="log", title="Loss")
    ax_acc.plot(epochs, history["accuracy"], color="tab:blue", label="training")
    ax_acc.plot(epochs, history["val_accuracy"], color="tab:blue", ls="--", label="validation")
    ax_acc.axhline(acc, color="black", lw=0.8, ls=":", label=f"test ({acc:.3f})")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle("Digits (8x8), MLP 64-128-10 ReLU, Adam 1e-3, batch 32")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
