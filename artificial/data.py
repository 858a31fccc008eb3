"""Small data sets: the article's XOR, two moons, the 8x8 handwritten digits, the Yin-Yang
data set, and a task whose classes differ only in spike timing.

All are generated or read locally; nothing is downloaded.
"""

from __future__ import annotations

import gzip
import importlib.util
import pathlib
from importlib import resources

import numpy as np

__all__ = ["xor", "two_moons", "digits", "yin_yang", "yin_yang_class", "spike_timing_task",
           "YIN_YANG_CLASSES"]


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
        source = _sklearn_file("datasets", "data", "digits.csv.gz")
        with source.open("rb") as raw, gzip.open(raw, "rt") as f:
            table = np.loadtxt(f, delimiter=",")
    except ModuleNotFoundError:
        raise ModuleNotFoundError("artificial.data.digits reads the digits file that scikit-learn "
                                  "ships; install scikit-learn (a dependency of this project)") from None
    return table[:, :-1], table[:, -1].astype(np.intp)


def _sklearn_file(*parts):
    """A data file scikit-learn ships, found without importing scikit-learn (its import takes
    about 1 s, ten times the reading); through its package resources where it is not a plain
    folder (a zip file)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise ModuleNotFoundError("No module named 'sklearn'")
    for folder in spec.submodule_search_locations or ():
        path = pathlib.Path(folder, *parts)
        if path.is_file():
            return path
    return resources.files("sklearn." + ".".join(parts[:-2])).joinpath(*parts[-2:])


def _count(owner, name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{owner}.{name} must be an integer >= {low}, got {value!r}")
    return int(value)


#: The labels of :func:`yin_yang`, in the order the reference code numbers them.
YIN_YANG_CLASSES = ("yin", "yang", "dot")


def yin_yang_class(x, y, r_big=0.5, r_small=0.1):
    """The Yin-Yang label of points ``(x, y)`` of the disc of radius ``r_big`` centred at
    ``(r_big, r_big)`` (Kriener, Göltz & Petrovici 2022, and their reference code,
    ``lkriener/yin_yang_data_set``, ``dataset.py``, ``which_class``).

    With ``d_l``, ``d_r`` the distances to the left and right centres ``(r_big/2, r_big)`` and
    ``(3 r_big/2, r_big)``: label 2 ("dot") within ``r_small`` of either centre; otherwise
    label 1 for the upper half outside the right lobe (``y > r_big`` and ``d_r > r_big/2``)
    together with the left lobe (``d_l <= r_big/2``), and label 0 for the rest (the lower half
    outside the left lobe, and the right lobe). The reference code's ``class_names`` list calls
    0 "yin" and 1 "yang" although its criterion for 1 is named ``is_yin``; the numbers, not the
    names, are what the published results use.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    d_right = np.hypot(x - 1.5 * r_big, y - r_big)
    d_left = np.hypot(x - 0.5 * r_big, y - r_big)
    upper = (d_right <= r_small) | ((d_left > r_small) & (d_left <= 0.5 * r_big)) \
        | ((y > r_big) & (d_right > 0.5 * r_big))
    return np.where((d_right < r_small) | (d_left < r_small), 2, upper.astype(np.intp))


def yin_yang(n_samples=1000, *, seed=None, r_big=0.5, r_small=0.1):
    """The Yin-Yang data set (Kriener, Göltz & Petrovici 2022, "The Yin-Yang dataset",
    arXiv:2102.08211), generated from its published definition.

    Each sample first draws its class uniformly from the three (so the classes are balanced in
    expectation, each 1/3, as in the reference code), then a point uniformly from that class's
    region of the disc (:func:`yin_yang_class`), by rejection from the square
    ``[0, 2 r_big]^2``. The four inputs are ``(x, y, 1 - x, 1 - y)``: the mirrored coordinates
    make every sample's summed input the same (2 for ``r_big = 0.5``), so a network cannot use
    the total input as a cue, and let a time-to-first-spike code represent small coordinates
    by early spikes too.

    The reference code uses NumPy's legacy global generator with seeds 42, 41 and 40 for
    5000 training, 1000 validation and 1000 test samples; this function uses
    ``numpy.random.default_rng(seed)``, so its samples follow the same distribution but are
    not the same points.

    Returns ``X`` of shape ``(n_samples, 4)`` and labels ``y`` in 0..2 (:data:`YIN_YANG_CLASSES`).
    """
    n = _count("yin_yang", "n_samples", n_samples, 1)
    for name, v in (("r_big", r_big), ("r_small", r_small)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not np.isfinite(v) or v <= 0:
            raise ValueError(f"yin_yang.{name} must be a finite number > 0, got {v!r}")
    if not r_small < 0.5 * r_big:
        raise ValueError(f"yin_yang.r_small must be < r_big / 2 (the dots lie inside the lobes), "
                         f"got r_small={r_small}, r_big={r_big}")
    rng = np.random.default_rng(seed)
    goal = rng.integers(0, 3, size=n)
    xy = np.empty((n, 2))
    for c in range(3):
        rows = np.flatnonzero(goal == c)
        found = np.empty((0, 2))
        while found.shape[0] < rows.size:
            p = rng.random((max(64, 4 * (rows.size - found.shape[0])), 2)) * (2.0 * r_big)
            inside = np.hypot(p[:, 0] - r_big, p[:, 1] - r_big) <= r_big
            p = p[inside]
            found = np.concatenate([found, p[yin_yang_class(p[:, 0], p[:, 1], r_big,
                                                             r_small) == c]])
        xy[rows] = found[:rows.size]
    X = np.column_stack([xy[:, 0], xy[:, 1], 1.0 - xy[:, 0], 1.0 - xy[:, 1]])
    return X, goal.astype(np.intp)


def spike_timing_task(n_samples=600, *, n_classes=4, channels=16, steps=50, jitter=1.0,
                      noise_spikes=1.0, seed=None):
    """Spike patterns whose classes differ only in *when* the inputs fire, not how often.

    A generated task in the spirit of the tempotron's random latency patterns (Gütig &
    Sompolinsky 2006, "The tempotron: a neuron that learns spike timing-based decisions") and
    of Randman (Zenke & Vogels 2021): each class ``k`` has a template, one spike time
    ``tau[k, c]`` per input channel ``c``, drawn uniformly from the ``steps`` steps. A sample
    of class ``k`` has, on every channel, its template spike moved by a rounded Gaussian jitter
    of ``jitter`` steps (clipped to the window), plus a Poisson number (mean ``noise_spikes``)
    of extra spikes at uniformly drawn free steps, whatever the class.

    So every channel fires ``1 + Poisson(noise_spikes)`` spikes in every sample of every class:
    the spike counts carry no information about the class (a classifier of counts is at chance,
    ``1 / n_classes``), and only the spikes' timing does.

    Returns ``X`` of shape ``(n_samples, steps, channels)`` (0/1 spike trains, float64) and
    labels ``y`` in ``0 .. n_classes - 1``, as many of each class as ``n_samples`` allows
    (``n_samples % n_classes`` classes get one more), shuffled with ``seed``.
    """
    owner = "spike_timing_task"
    n = _count(owner, "n_samples", n_samples, 1)
    k = _count(owner, "n_classes", n_classes, 2)
    d = _count(owner, "channels", channels, 1)
    T = _count(owner, "steps", steps, 2)
    for name, v in (("jitter", jitter), ("noise_spikes", noise_spikes)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not np.isfinite(v) or v < 0:
            raise ValueError(f"{owner}.{name} must be a finite number >= 0, got {v!r}")
    rng = np.random.default_rng(seed)
    templates = rng.integers(0, T, size=(k, d))
    y = rng.permutation(np.arange(n) % k)
    times = templates[y] + np.rint(jitter * rng.standard_normal((n, d))).astype(np.intp)
    np.clip(times, 0, T - 1, out=times)
    X = np.zeros((n, T, d))
    samples, chans = np.meshgrid(np.arange(n), np.arange(d), indexing="ij")
    X[samples, times, chans] = 1.0
    extra = np.minimum(rng.poisson(noise_spikes, size=(n, d)), T - 1)
    for i, c in zip(*np.nonzero(extra)):
        free = np.flatnonzero(X[i, :, c] == 0)
        X[i, rng.choice(free, size=extra[i, c], replace=False), c] = 1.0
    return X, y.astype(np.intp)
