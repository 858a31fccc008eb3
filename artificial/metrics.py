"""Classification metrics (the FAQ's accuracy, precision, recall, F1) and the confusion matrix.

Functions take true and predicted class labels (1-D integer arrays). Inside ``compile(metrics=[
"accuracy", ...])`` they are wrapped in :class:`Metric` objects that first turn the network's
output into labels: a single output is thresholded at 0.5 (binary), several outputs are reduced
by ``argmax``. For two classes precision, recall and F1 are those of class 1; for more they are
macro averages (the unweighted mean over classes), as scikit-learn's ``average="macro"``.
"""

from __future__ import annotations

import numpy as np

from ._validation import lookup

__all__ = [
    "accuracy_score",
    "precision_score",
    "recall_score",
    "f1_score",
    "confusion_matrix",
    "Metric",
    "get",
    "names",
]


def _as_labels(y, name):
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D class labels, got shape {arr.shape}")
    if arr.size and np.any(arr != np.round(arr)):
        raise ValueError(f"{name} must hold integer class labels")
    return arr.astype(np.intp)


def _pair(y_true, y_pred):
    t = _as_labels(y_true, "y_true")
    p = _as_labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {t.size} and {p.size}")
    if t.size == 0:
        raise ValueError("y_true is empty")
    return t, p


def confusion_matrix(y_true, y_pred, n_classes=None) -> np.ndarray:
    """``C[i, j]`` = number of samples of true class ``i`` predicted as class ``j``."""
    t, p = _pair(y_true, y_pred)
    if min(t.min(), p.min()) < 0:
        raise ValueError("class labels must be >= 0")
    k = int(max(t.max(), p.max())) + 1 if n_classes is None else int(n_classes)
    if max(t.max(), p.max()) >= k:
        raise ValueError(f"labels must be < n_classes={k}, got {max(t.max(), p.max())}")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def accuracy_score(y_true, y_pred) -> float:
    """Fraction of samples whose predicted label equals the true one."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def _per_class(y_true, y_pred, n_classes):
    c = confusion_matrix(y_true, y_pred, n_classes)
    tp = np.diag(c).astype(float)
    predicted = c.sum(axis=0).astype(float)
    actual = c.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return precision, recall, f1


def _average(values, n_classes):
    # Two classes: the positive class (1). More: the macro average.
    return float(values[1]) if n_classes == 2 else float(np.mean(values))


def _n_classes(y_true, y_pred, n_classes):
    if n_classes is not None:
        return int(n_classes)
    t, p = _pair(y_true, y_pred)
    return max(2, int(max(t.max(), p.max())) + 1)


def precision_score(y_true, y_pred, n_classes=None) -> float:
    """TP / (TP + FP): of the samples predicted positive, the fraction that are. 0 when nothing
    is predicted positive."""
    k = _n_classes(y_true, y_pred, n_classes)
    return _average(_per_class(y_true, y_pred, k)[0], k)


def recall_score(y_true, y_pred, n_classes=None) -> float:
    """TP / (TP + FN): of the positive samples, the fraction found."""
    k = _n_classes(y_true, y_pred, n_classes)
    return _average(_per_class(y_true, y_pred, k)[1], k)


def f1_score(y_true, y_pred, n_classes=None) -> float:
    """Harmonic mean of precision and recall (per class, then averaged)."""
    k = _n_classes(y_true, y_pred, n_classes)
    return _average(_per_class(y_true, y_pred, k)[2], k)


def output_to_labels(output: np.ndarray) -> np.ndarray:
    """Class labels from a network's output: threshold 0.5 for one unit, argmax otherwise."""
    if output.shape[1] == 1:
        return (output[:, 0] > 0.5).astype(np.intp)
    return np.argmax(output, axis=1)


def target_to_labels(y: np.ndarray) -> np.ndarray:
    """Class labels from targets shaped for the loss (labels, one column, or one-hot rows)."""
    if y.ndim == 1:
        return y.astype(np.intp)
    if y.shape[1] == 1:
        return (y[:, 0] > 0.5).astype(np.intp)
    return np.argmax(y, axis=1)


class Metric:
    """A metric as ``compile`` uses it: ``metric(y, output)`` with targets in the loss's shape."""

    def __init__(self, name, function):
        self.name = name
        self.function = function

    def __call__(self, y, output) -> float:
        k = max(2, output.shape[1])
        labels_true = target_to_labels(y)
        labels_pred = output_to_labels(output)
        if self.function is accuracy_score:
            return float(np.mean(labels_true == labels_pred))
        return self.function(labels_true, labels_pred, n_classes=k)

    def __repr__(self):
        return f"Metric({self.name!r})"


_REGISTRY = {
    "accuracy": accuracy_score,
    "acc": accuracy_score,
    "precision": precision_score,
    "recall": recall_score,
    "f1": f1_score,
}


def names() -> list[str]:
    return sorted(_REGISTRY)


def get(spec, loss=None) -> Metric:
    """Resolve a metric name (``accuracy``, ``precision``, ``recall``, ``f1``) or a Metric."""
    if isinstance(spec, Metric):
        return spec
    if isinstance(spec, str):
        function = lookup("metric", _REGISTRY, spec)
        key = spec.lower()
        return Metric("accuracy" if key == "acc" else key, function)
    raise TypeError(f"metric must be a name or a Metric, got {type(spec).__name__}")
