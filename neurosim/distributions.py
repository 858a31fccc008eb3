"""Random distributions for initial values, weights and delays.

A distribution is a frozen description; the simulator draws from it with its own seeded
``numpy.random.Generator`` at build time, so the same seed gives the same network.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        bad = (out < self.low) | (out > self.high)
        while bad.any():
            out[bad] = rng.normal(self.mean, self.std, int(bad.sum()))
            bad = (out < self.low) | (out > self.high)
        return out


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


def draw(value, size, rng, *, owner, name, unit=""):
    """Turn a scalar, an array of length ``size`` or a distribution into ``size`` float64 values.

    Parameters
    ----------
    value : float, array_like or Distribution
    size : int
    rng : numpy.random.Generator
    owner, name, unit : str
        Used in error messages.

    Returns
    -------
    numpy.ndarray
        Shape ``(size,)``, float64, finite.
    """
    if isinstance(value, Distribution):
        return np.asarray(value.sample(rng, size), dtype=np.float64)
    if np.ndim(value) == 0:
        scalar = _checks.finite(owner, name, value, unit)
        return np.full(size, scalar)
    return _checks.finite_array(owner, name, value, unit, shape=(size,)).copy()
