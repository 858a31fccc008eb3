"""Weight initialisers: ``init(shape, rng, dtype) -> array``.

``shape`` is ``(fan_in, fan_out)`` for a kernel and ``(fan_out,)`` for a bias. The variance-scaling
rules follow Keras' definitions (Glorot & Bengio 2010; He et al. 2015): the normal variants draw
from a normal truncated at two standard deviations, with the standard deviation divided by
0.87962566103423978 so that the truncated draw keeps the intended variance.

Names::

    zeros, ones, random_normal (mean 0, std 0.05), random_uniform ([-0.05, 0.05]),
    glorot_uniform (Keras' default kernel initialiser), glorot_normal, he_normal, he_uniform,
    orthogonal (Keras' default recurrent initialiser; Saxe, McClelland & Ganguli 2014)
"""

from __future__ import annotations

import numpy as np

from ._validation import lookup

__all__ = [
    "Initializer",
    "Zeros",
    "Ones",
    "RandomNormal",
    "RandomUniform",
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
    "Orthogonal",
    "get",
    "names",
]

# Standard deviation of a unit normal truncated to [-2, 2].
_TRUNC_STD = 0.87962566103423978


def _fans(shape):
    if len(shape) == 1:
        return shape[0], shape[0]
    return shape[0], shape[1]


def _truncated_normal(rng, std, shape, dtype):
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return (out * std).astype(dtype)


class Initializer:
    name = "initializer"

    def __call__(self, shape, rng: np.random.Generator, dtype=np.float64) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - abstract

    def __repr__(self):
        return f"{type(self).__name__}()"


class Zeros(Initializer):
    """All zeros. For a kernel this keeps every unit of a layer identical forever (the symmetry
    the article's FAQ warns about); it is the right default for biases."""

    name = "zeros"

    def __call__(self, shape, rng, dtype=np.float64):
        return np.zeros(shape, dtype=dtype)


class Ones(Initializer):
    name = "ones"

    def __call__(self, shape, rng, dtype=np.float64):
        return np.ones(shape, dtype=dtype)


class RandomNormal(Initializer):
    """Normal with mean ``mean`` and standard deviation ``stddev`` (Keras: 0, 0.05)."""

    name = "random_normal"

    def __init__(self, mean: float = 0.0, stddev: float = 0.05):
        if not stddev > 0:
            raise ValueError(f"RandomNormal.stddev must be > 0, got {stddev}")
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, rng, dtype=np.float64):
        return (self.mean + self.stddev * rng.standard_normal(shape)).astype(dtype)


class RandomUniform(Initializer):
    """Uniform on ``[minval, maxval)`` (Keras: -0.05, 0.05)."""

    name = "random_uniform"

    def __init__(self, minval: float = -0.05, maxval: float = 0.05):
        if not maxval > minval:
            raise ValueError(
                f"RandomUniform needs minval < maxval, got minval={minval}, maxval={maxval}"
            )
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, rng, dtype=np.float64):
        return rng.uniform(self.minval, self.maxval, shape).astype(dtype)


class GlorotUniform(Initializer):
    """Uniform on ``[-l, l]``, ``l = sqrt(6 / (fan_in + fan_out))`` (Glorot & Bengio 2010)."""

    name = "glorot_uniform"

    def __call__(self, shape, rng, dtype=np.float64):
        fan_in, fan_out = _fans(shape)
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape).astype(dtype)


class GlorotNormal(Initializer):
    """Truncated normal with variance ``2 / (fan_in + fan_out)``."""

    name = "glorot_normal"

    def __call__(self, shape, rng, dtype=np.float64):
        fan_in, fan_out = _fans(shape)
        return _truncated_normal(rng, np.sqrt(2.0 / (fan_in + fan_out)) / _TRUNC_STD, shape, dtype)


class HeNormal(Initializer):
    """Truncated normal with variance ``2 / fan_in`` (He et al. 2015), for ReLU layers."""

    name = "he_normal"

    def __call__(self, shape, rng, dtype=np.float64):
        fan_in, _ = _fans(shape)
        return _truncated_normal(rng, np.sqrt(2.0 / fan_in) / _TRUNC_STD, shape, dtype)


class HeUniform(Initializer):
    """Uniform on ``[-l, l]``, ``l = sqrt(6 / fan_in)`` (variance ``2 / fan_in``)."""

    name = "he_uniform"

    def __call__(self, shape, rng, dtype=np.float64):
        fan_in, _ = _fans(shape)
        limit = np.sqrt(6.0 / fan_in)
        return rng.uniform(-limit, limit, shape).astype(dtype)


class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain`` (Saxe, McClelland & Ganguli 2014), drawn as
    Keras draws it: the Q factor of the QR decomposition of a standard normal matrix, its columns'
    signs fixed by the signs of R's diagonal so that Q is uniformly distributed. A non-square
    shape gives orthonormal rows or columns, whichever are fewer."""

    name = "orthogonal"

    def __init__(self, gain: float = 1.0):
        self.gain = float(gain)

    def __call__(self, shape, rng, dtype=np.float64):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs a shape of at least 2 dimensions, got {shape}")
        rows, cols = int(np.prod(shape[:-1])), int(shape[-1])
        a = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(dtype)


_REGISTRY = {
    "zeros": Zeros,
    "ones": Ones,
    "random_normal": RandomNormal,
    "random_uniform": RandomUniform,
    "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal,
    "he_normal": HeNormal,
    "he_uniform": HeUniform,
    "orthogonal": Orthogonal,
}


def names() -> list[str]:
    """The initialiser names :func:`get` accepts."""
    return sorted(_REGISTRY)


def get(spec) -> Initializer:
    """Resolve a name, an :class:`Initializer` or a callable ``(shape, rng, dtype) -> array``."""
    if isinstance(spec, Initializer):
        return spec
    if isinstance(spec, str):
        return lookup("initializer", _REGISTRY, spec)()
    if callable(spec):
        return spec
    raise TypeError(f"initializer must be a name or a callable, got {type(spec).__name__}")
