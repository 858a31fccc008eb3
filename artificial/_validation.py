"""Input checks shared by the model, the metrics and the training loop.

Every check runs before any weight changes and says what was expected and what was received.
"""

from __future__ import annotations

import numpy as np


def as_float_matrix(X, name: str, dtype) -> np.ndarray:
    """``X`` as a C-contiguous 2-D float array of ``dtype``, with no NaN or inf."""
    try:
        arr = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array, got {type(X).__name__}: {exc}") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D with one sample per row, shape (n_samples, "
                         f"n_features); got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has no samples (shape {arr.shape})")
    # min and max propagate NaN and show inf without an array-sized temporary.
    if not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name} contains NaN or inf (first at row {bad[0]}, column {bad[1]})")
    return np.ascontiguousarray(arr)


def as_float_array(X, name: str, dtype, ndim: int, shape_hint: str) -> np.ndarray:
    """``X`` as a C-contiguous float array of ``ndim`` dimensions and ``dtype``, with no NaN or
    inf; ``shape_hint`` says what was expected when the dimensions are wrong."""
    try:
        arr = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array, got {type(X).__name__}: {exc}") from None
    if arr.ndim != ndim:
        raise ValueError(f"{shape_hint}; got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} contains NaN or inf (first at index {bad})")
    return np.ascontiguousarray(arr)


def prepare_targets(y, loss, n_outputs: int, n_samples: int, dtype) -> np.ndarray:
    """Check ``y`` against the loss and the output layer, and shape it for the loss.

    * sparse categorical cross-entropy: integer labels in ``[0, n_outputs)``, shape ``(n,)``;
    * binary cross-entropy: values in ``[0, 1]``, shape ``(n, n_outputs)``;
    * categorical cross-entropy: shape ``(n, n_outputs)``, non-negative rows summing to 1;
    * mean squared errors: shape ``(n, n_outputs)``.
    A 1-D ``y`` is accepted for a single output.
    """
    name = loss.name
    try:
        arr = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"y must be a numeric array, got {type(y).__name__}: {exc}") from None
    if arr.shape[:1] != (n_samples,):
        raise ValueError(f"y has {arr.shape[0] if arr.ndim else 0} samples but X has {n_samples} "
                         f"(y shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"y contains NaN or inf (first at sample {np.argwhere(~np.isfinite(arr))[0][0]})")
    if name == "sparse_categorical_crossentropy":
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise ValueError(f"{name} expects integer labels of shape (n,), got shape {arr.shape}; "
                             "use categorical_crossentropy for one-hot targets")
        if np.any(arr != np.round(arr)):
            raise ValueError(f"{name} expects integer class labels, got non-integer values")
        lo, hi = arr.min(), arr.max()
        if lo < 0 or hi >= n_outputs:
            raise ValueError(f"labels must be in [0, {n_outputs - 1}] for an output layer of "
                             f"{n_outputs} units, got labels from {int(lo)} to {int(hi)}")
        return arr.astype(np.intp)
    if arr.ndim == 1:
        if n_outputs != 1:
            hint = (" (integer labels? use sparse_categorical_crossentropy or "
                    "artificial.one_hot)" if name == "categorical_crossentropy" else "")
            raise ValueError(f"y must have shape ({n_samples}, {n_outputs}) for an output layer of "
                             f"{n_outputs} units, got shape {arr.shape}{hint}")
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != n_outputs:
        raise ValueError(f"y must have shape ({n_samples}, {n_outputs}) for an output layer of "
                         f"{n_outputs} units, got shape {arr.shape}")
    if name == "binary_crossentropy" and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(f"{name} expects targets in [0, 1], got values from {arr.min()} to {arr.max()}")
    if name == "categorical_crossentropy":
        if arr.min() < 0 or not np.allclose(arr.sum(axis=1), 1.0):
            raise ValueError(f"{name} expects one-hot (or probability) rows that sum to 1; "
                             "for integer labels use sparse_categorical_crossentropy")
    return np.ascontiguousarray(arr, dtype=dtype)


def as_real(owner: str, name: str, value) -> float:
    """``value`` as a finite float, or a TypeError/ValueError that names ``owner.name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{owner}.{name} must be a real number, got {type(value).__name__} "
                        f"{value!r}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{owner}.{name} must be finite, got {v}")
    return v


def lookup(kind: str, table: dict, name: str):
    """``table[name]`` (case-insensitive), or a ValueError that lists the valid names.

    Every registry of names (activations, losses, initialisers, optimisers, metrics,
    regularisers) resolves through here, so they all refuse a wrong name the same way.
    """
    key = name.lower()
    if key not in table:
        raise ValueError(f"unknown {kind} {name!r}; valid names: {', '.join(sorted(table))}")
    return table[key]
