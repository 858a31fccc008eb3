"""Preprocessing: standardisation, normalisation and one-hot encoding.

The article standardises the input before forward propagation; the FAQ lists standardisation
and normalisation. Scalers learn their statistics on the training data only (``fit``) and apply
them to any data (``transform``), so that no information leaks from the test set.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_matrix

__all__ = ["StandardScaler", "MinMaxScaler", "one_hot"]


class StandardScaler:
    """``x' = (x - mean) / std`` per feature. Constant features get ``std = 1`` (left centred)."""

    def fit(self, X):
        X = as_float_matrix(X, "X", np.float64)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X):
        self._check_fitted()
        X = as_float_matrix(X, "X", np.float64)
        if X.shape[1] != self.mean_.size:
            raise ValueError(f"StandardScaler was fitted on {self.mean_.size} features, X has {X.shape[1]}")
        return (X - self.mean_) / self.scale_

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        self._check_fitted()
        return np.asarray(X, dtype=float) * self.scale_ + self.mean_

    def _check_fitted(self):
        if not hasattr(self, "mean_"):
            raise RuntimeError("StandardScaler: call fit(X_train) before transform")


class MinMaxScaler:
    """``x' = lo + (x - min) / (max - min) * (hi - lo)`` per feature; constant features map to ``lo``."""

    def __init__(self, feature_range=(0.0, 1.0)):
        lo, hi = map(float, feature_range)
        if not hi > lo:
            raise ValueError(f"MinMaxScaler.feature_range must have lo < hi, got {feature_range}")
        self.feature_range = (lo, hi)

    def fit(self, X):
        X = as_float_matrix(X, "X", np.float64)
        self.min_ = X.min(axis=0)
        span = X.max(axis=0) - self.min_
        self.span_ = np.where(span > 0, span, 1.0)
        return self

    def transform(self, X):
        if not hasattr(self, "min_"):
            raise RuntimeError("MinMaxScaler: call fit(X_train) before transform")
        X = as_float_matrix(X, "X", np.float64)
        if X.shape[1] != self.min_.size:
            raise ValueError(f"MinMaxScaler was fitted on {self.min_.size} features, X has {X.shape[1]}")
        lo, hi = self.feature_range
        return lo + (X - self.min_) / self.span_ * (hi - lo)

    def fit_transform(self, X):
        return self.fit(X).transform(X)


def one_hot(labels, n_classes=None, dtype="float64"):
    """Integer labels ``(n,)`` to one-hot rows ``(n, n_classes)``."""
    y = np.asarray(labels)
    if y.ndim != 1 or (y.size and np.any(y != np.round(y))):
        raise ValueError(f"one_hot expects 1-D integer labels, got shape {y.shape}")
    y = y.astype(np.intp)
    k = int(y.max()) + 1 if n_classes is None else int(n_classes)
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"labels must be in [0, {k - 1}], got {y.min()}..{y.max()}")
    out = np.zeros((y.size, k), dtype=dtype)
    out[np.arange(y.size), y] = 1
    return out
