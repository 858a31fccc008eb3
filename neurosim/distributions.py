"""Random distributions for initial values, weights and delays.

A distribution is a frozen description; the simulator draws from it with its own seeded
``numpy.random.Generator`` at build time, so the same seed gives the same network. Synapse
weights and delays are drawn into buffers (``draw(..., out=...)``): :class:`Uniform` and
:class:`Normal` then draw with a compiled kernel, the same law as :meth:`Distribution.sample`
but another sequence of values for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from . import _checks

__all__ = ["Distribution", "Uniform", "Normal", "LogNormal", "draw"]


class Distribution:
    """Base class of the distributions; subclasses implement ``sample(rng, size)``."""

    def support(self):
        """``(low, high)``: the interval the values are drawn from (may be infinite)."""
        return (-np.inf, np.inf)

    def sample(self, rng, size):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fill(self, rng, out):
        """Write ``out.size`` draws into ``out`` (float64); subclasses may draw otherwise
        than :meth:`sample` (another sequence of the same law)."""
        out[:] = self.sample(rng, out.size)


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on ``[low, high)``.

    Parameters
    ----------
    low, high : float
        Bounds, in the unit of the quantity drawn; ``low < high``.
    """

    low: float
    high: float

    def support(self):
        return (float(self.low), float(self.high))

    def __post_init__(self):
        low = _checks.finite("Uniform", "low", self.low)
        high = _checks.finite("Uniform", "high", self.high)
        _checks.less("Uniform", "low", low, "high", high)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def sample(self, rng, size):
        return rng.uniform(self.low, self.high, size)

    def _fill(self, rng, out):
        _fill_uniform(rng, self.low, self.high, out)


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal with mean ``mean`` and standard deviation ``std``, optionally clipped.

    Values outside ``[low, high]`` are redrawn until they fall inside (PyNN's
    ``normal_clipped``), so the result is a truncated normal, never a pile-up at a bound.

    Parameters
    ----------
    mean : float
    std : float
        >= 0.
    low, high : float, optional
        Bounds; default unbounded.
    """

    mean: float
    std: float
    low: float = -np.inf
    high: float = np.inf

    def support(self):
        return (float(self.low), float(self.high))

    def __post_init__(self):
        object.__setattr__(self, "mean", _checks.finite("Normal", "mean", self.mean))
        object.__setattr__(self, "std", _checks.non_negative("Normal", "std", self.std))
        low, high = float(self.low), float(self.high)
        if np.isnan(low) or np.isnan(high):
            raise ValueError(f"Normal.low and Normal.high must not be NaN, got {low!r}, {high!r}")
        _checks.less("Normal", "low", low, "high", high)
        if self.std == 0 and not low <= self.mean <= high:
            raise ValueError(f"Normal.mean {self.mean!r} lies outside [low, high] with std = 0")
        # A window more than 8 std from the mean would make redrawing take forever.
        if self.std > 0 and (low > self.mean + 8 * self.std or high < self.mean - 8 * self.std):
            raise ValueError(f"Normal window [{low!r}, {high!r}] is more than 8 std from the mean "
                             f"{self.mean!r}; redrawing would practically never end")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def sample(self, rng, size):
        out = rng.normal(self.mean, self.std, size)
        bad = np.flatnonzero((out < self.low) | (out > self.high))
        while bad.size:  # the same redraws, in the same order, as masking the whole array
            redo = rng.normal(self.mean, self.std, bad.size)
            out[bad] = redo
            bad = bad[(redo < self.low) | (redo > self.high)]
        return out

    def _fill(self, rng, out):
        _fill_normal(rng, self.mean, self.std, self.low, self.high, out)


@dataclass(frozen=True)
class LogNormal(Distribution):
    """``exp(N(mu, sigma))``: positive values, as for weights.

    Parameters
    ----------
    mu, sigma : float
        Mean and standard deviation of the underlying normal; ``sigma >= 0``.
    """

    mu: float
    sigma: float

    def __post_init__(self):
        object.__setattr__(self, "mu", _checks.finite("LogNormal", "mu", self.mu))
        object.__setattr__(self, "sigma", _checks.non_negative("LogNormal", "sigma", self.sigma))

    def support(self):
        return (0.0, np.inf)

    def sample(self, rng, size):
        return rng.lognormal(self.mu, self.sigma, size)


def draw(value, size, rng, *, owner, name, unit="", out=None):
    """Turn a scalar, an array of length ``size`` or a distribution into ``size`` float64 values.

    Parameters
    ----------
    value : float, array_like or Distribution
    size : int
    rng : numpy.random.Generator
    owner, name, unit : str
        Used in error messages.
    out : numpy.ndarray, optional
        float64, shape ``(size,)``: write the values there (no new array). A distribution
        then draws with :meth:`Distribution._fill`: for :class:`Uniform` and :class:`Normal`
        a compiled kernel, the same law as without ``out`` but other values for a seed.

    Returns
    -------
    numpy.ndarray
        Shape ``(size,)``, float64, finite (``out`` if given).
    """
    if out is not None and (out.shape != (size,) or out.dtype != np.float64):
        raise ValueError(f"draw: out must be float64 of shape ({size},), got {out.dtype} "
                         f"{out.shape}")
    if isinstance(value, Distribution):
        if out is None:
            return np.asarray(value.sample(rng, size), dtype=np.float64)
        value._fill(rng, out)
        return out
    if np.ndim(value) == 0:
        scalar = _checks.finite(owner, name, value, unit)
        if out is None:
            return np.full(size, scalar)
        out.fill(scalar)
        return out
    arr = _checks.finite_array(owner, name, value, unit, shape=(size,))
    if out is None:
        return arr.copy()
    out[:] = arr
    return out


@numba.njit(cache=True, nogil=True)
def _fill_uniform(rng, low, high, out):
    span = high - low
    for i in range(out.shape[0]):
        out[i] = low + span * rng.random()   # [low, high), as Generator.uniform


@numba.njit(cache=True, nogil=True)
def _fill_normal(rng, mean, std, low, high, out):
    # Each value redrawn until it lies in [low, high]: the truncated normal, as sample().
    for i in range(out.shape[0]):
        x = mean + std * rng.standard_normal()
        while x < low or x > high:
            x = mean + std * rng.standard_normal()
        out[i] = x
