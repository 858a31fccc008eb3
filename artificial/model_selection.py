"""Held-out evaluation: train/test split and k-fold cross-validation (the FAQ's evaluation)."""

from __future__ import annotations

import numpy as np

__all__ = ["train_test_split", "KFold", "cross_validate"]


def train_test_split(X, y, *, test_size=0.25, seed=None, stratify=False):
    """Split rows into a training and a test part.

    Parameters
    ----------
    test_size : float in (0, 1) or int
        Fraction (or number) of rows for the test part.
    seed : int, optional
        Seeds the shuffle.
    stratify : bool
        Keep each class's proportion in both parts (``y`` must be class labels).

    Returns
    -------
    X_train, X_test, y_train, y_test
    """
    X = np.asarray(X)
    y = np.asarray(y)
    n = X.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"train_test_split: X has {n} rows, y has {y.shape[0]}")
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    else:
        if not 0.0 < float(test_size) < 1.0:
            raise ValueError(f"train_test_split.test_size must be in (0, 1) or a count, got {test_size}")
        n_test = int(np.ceil(n * float(test_size)))
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size} of {n} rows leaves an empty part")
    rng = np.random.default_rng(seed)
    if stratify:
        labels = y.reshape(n, -1)
        labels = labels[:, 0] if labels.shape[1] == 1 else np.argmax(labels, axis=1)
        test_idx = []
        for c in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == c))
            test_idx.append(members[:int(round(members.size * n_test / n))])
        test_idx = np.concatenate(test_idx)
    else:
        test_idx = rng.permutation(n)[:n_test]
    mask = np.zeros(n, dtype=bool)
    mask[test_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~mask))
    test_idx = rng.permutation(np.flatnonzero(mask))
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


class KFold:
    """``k`` disjoint test folds covering every row once; the rest of the rows train.

    Fold sizes differ by at most one. ``shuffle`` permutes the rows first with ``seed``.
    """

    def __init__(self, n_splits=5, *, shuffle=True, seed=None):
        if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
            raise ValueError(f"KFold.n_splits must be an integer >= 2, got {n_splits!r}")
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.seed = seed

    def split(self, n_samples):
        """Yield ``(train_idx, test_idx)`` for each fold."""
        if n_samples < self.n_splits:
            raise ValueError(f"KFold: {self.n_splits} folds need at least {self.n_splits} samples, "
                             f"got {n_samples}")
        idx = np.arange(n_samples)
        if self.shuffle:
            idx = np.random.default_rng(self.seed).permutation(n_samples)
        for test in np.array_split(idx, self.n_splits):
            mask = np.ones(n_samples, dtype=bool)
            mask[test] = False
            yield idx[mask[idx]], test


def cross_validate(build_model, X, y, *, n_splits=5, seed=None, **fit_kwargs):
    """k-fold cross-validation: for each fold, ``build_model()`` makes a fresh compiled model,
    which is fitted on the other folds and evaluated on this one.

    Returns a dict ``{name: array of one value per fold}`` of the ``evaluate_dict`` results.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    scores: dict[str, list[float]] = {}
    for train, test in KFold(n_splits, seed=seed).split(X.shape[0]):
        model = build_model()
        model.fit(X[train], y[train], **{"verbose": 0, **fit_kwargs})
        for k, v in model.evaluate_dict(X[test], y[test]).items():
            scores.setdefault(k, []).append(v)
    return {k: np.array(v) for k, v in scores.items()}
