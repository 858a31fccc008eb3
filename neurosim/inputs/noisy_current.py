"""Gaussian noise currents (:class:`NoisyCurrent`), run by the ``"noise"`` input block."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import _checks
from ..units import to_steps
from .base import CurrentInjection, InputBlock, cat, register_input, short

__all__ = ["NoisyCurrent"]


@dataclass(frozen=True, eq=False, kw_only=True)
class NoisyCurrent(CurrentInjection):
    """Gaussian noise current, independent for every target neuron.

    In every step from ``start`` to ``stop`` a neuron receives ``mean + std * xi`` pA with
    ``xi`` a fresh standard normal draw from the simulator's generator, held over the step
    (NEST's ``noise_generator`` with ``dt_noise = dt``). The resulting membrane fluctuations
    therefore depend on ``dt``: for a white-noise limit scale ``std`` with ``1/sqrt(dt)``.

    All parameters are keyword-only (they are all optional; see :class:`CurrentInjection`).

    Parameters
    ----------
    start, stop : float
        ms, whole multiples of dt; ``stop`` may be ``inf``. Default: from 0 on.
    mean : float
        pA. Default 0.
    std : float
        pA, >= 0. Default 0.
    """

    start: float = 0.0
    stop: float = float("inf")
    mean: float = 0.0
    std: float = 0.0

    _input = "noise"

    def __new__(cls, *args, **kwargs):
        if args:  # before the dataclass's own TypeError, to say which names to use
            raise TypeError(f"NoisyCurrent takes keyword arguments only (start=, stop=, mean=, "
                            f"std=), got {len(args)} positional: {short(args)}")
        return super().__new__(cls)

    def __post_init__(self):
        object.__setattr__(self, "start", _checks.non_negative("NoisyCurrent", "start",
                                                               self.start, "ms"))
        stop = self.stop
        if isinstance(stop, bool) or not isinstance(stop, (numbers.Real, np.floating,
                                                           np.integer)):
            raise TypeError(f"NoisyCurrent.stop must be a number (ms), got {stop!r}")
        stop = float(stop)
        if not stop > self.start:
            raise ValueError(f"NoisyCurrent.stop must be > NoisyCurrent.start "
                             f"({self.start!r} ms), got {stop!r}")
        object.__setattr__(self, "stop", stop)
        object.__setattr__(self, "mean", _checks.finite("NoisyCurrent", "mean", self.mean, "pA"))
        object.__setattr__(self, "std", _checks.non_negative("NoisyCurrent", "std", self.std,
                                                             "pA"))

    def _amplitudes(self):
        return ()


class NoiseTable(NamedTuple):
    """One row per (noise current, target neuron)."""
    idx: np.ndarray    #: the neuron (global index)
    mean: np.ndarray   #: pA
    std: np.ndarray    #: pA
    start: np.ndarray  #: first step
    stop: np.ndarray   #: stop step (excluded)


def add_noise(k, tab, i_inj, i_det, ring_row, rng):
    """Step 1: a noisy neuron's current is its deterministic part plus this step's draws (in
    row order, one draw per active row)."""
    idx, mean, std, start, stop = tab.idx, tab.mean, tab.std, tab.start, tab.stop
    for q in range(idx.shape[0]):
        i_inj[idx[q]] = i_det[idx[q]]
    for q in range(idx.shape[0]):
        if start[q] <= k < stop[q]:
            i_inj[idx[q]] += mean[q] + std[q] * rng.standard_normal()


@register_input
class Noise(InputBlock):
    """The rows of every :class:`NoisyCurrent` of a network; after the current events, so
    the noise adds to this step's deterministic current."""

    name = "noise"
    phase = "deliver"
    order = 1
    Tables = NoiseTable
    step = staticmethod(add_noise)

    def build(self, items, ctx):
        rows = ([], [], [], [], [])
        for inj in items:
            cur = inj.current
            first = to_steps(cur.start, ctx.dt, name="NoisyCurrent.start")
            stop = (np.iinfo(np.int64).max if math.isinf(cur.stop)
                    else to_steps(cur.stop, ctx.dt, name="NoisyCurrent.stop"))
            n = inj.neurons.size
            for lst, val in zip(rows, (inj.neurons + ctx.first(inj.population),
                                       np.full(n, cur.mean), np.full(n, cur.std),
                                       np.full(n, first), np.full(n, stop))):
                lst.append(val)
        return NoiseTable(cat(rows[0], np.int64), cat(rows[1], np.float64),
                          cat(rows[2], np.float64), cat(rows[3], np.int64),
                          cat(rows[4], np.int64))
