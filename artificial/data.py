"""Small data sets: the article's XOR, two moons, and the 8x8 handwritten digits.

All are generated or read locally; nothing is downloaded.
"""

from __future__ import annotations

import gzip
from importlib import resources

import numpy as np

__all__ = ["xor", "two_moons", "digits"]


def xor(dtype="float64"):
    """The article's XOR table: ``X = [[0,0],[0,1],[1,0],[1,1]]``, ``y = [[0],[1],[1],[0]]``."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    y = np.array([[0], [1], [1], [0]], dtype=dtype)
    return X, y


def two_moons(n_samples=200, *, noise=0.1, seed=None):
    """Two interleaving half circles (labels 0 and 1), with Gaussian noise of std ``noise``.

    The upper moon is ``(cos t, sin t)`` and the lower ``(1 - cos t, 0.5 - sin t)`` for
    ``t`` evenly spaced in ``[0, pi]`` (the construction scikit-learn's ``make_moons`` uses).
    Returns ``X`` of shape ``(n_samples, 2)`` and integer labels ``y`` of shape ``(n_samples,)``,
    shuffled with ``seed``.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"two_moons.n_samples must be an integer >= 2, got {n_samples!r}")
    if not noise >= 0:
        raise ValueError(f"two_moons.noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    n_up = n_samples // 2
    n_down = n_samples - n_up
    t_up = np.linspace(0.0, np.pi, n_up)
    t_down = np.linspace(0.0, np.pi, n_down)
    X = np.concatenate([
        np.column_stack([np.cos(t_up), np.sin(t_up)]),
        np.column_stack([1.0 - np.cos(t_down), 0.5 - np.sin(t_down)]),
    ])
    y = np.concatenate([np.zeros(n_up, dtype=np.intp), np.ones(n_down, dtype=np.intp)])
    X += noise * rng.standard_normal(X.shape)
    order = rng.permutation(n_samples)
    return X[order], y[order]


def digits():
    """The 1797 8x8 handwritten digits (UCI optical recognition data) as scikit-learn ships it.

    Returns ``X`` of shape ``(1797, 64)`` with pixel values 0..16 (float64) and labels
    ``y`` of shape ``(1797,)`` in 0..9. Read from scikit-learn's bundled file, offline.
    """
    try:
        source = resources.files("sklearn.datasets").joinpath("data", "digits.csv.gz")
        with source.open("rb") as raw, gzip.open(raw, "rt") as f:
            table = np.loadtxt(f, delimiter=",")
    except ModuleNotFoundError:
        raise ModuleNotFoundError("artificial.data.digits reads the digits file that scikit-learn "
                                  "ships; install scikit-learn (a dependency of this project)") from None
    return table[:, :-1], table[:, -1].astype(np.intp)
