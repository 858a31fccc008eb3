"""Spike-time sources (:class:`SpikeTimes`), run by the ``"spike_times"`` input block after
every population has integrated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .. import _checks
from ..neurons import Model
from ..units import to_steps_array
from .base import InputBlock, cat, is_number, register_input, short

__all__ = ["SpikeTimes"]


@dataclass(frozen=True, eq=False)
class SpikeTimes(Model):
    """Replays given spike times, one list per neuron.

    A spike at time ``t`` ms is emitted in step ``t / dt`` (which must be whole), exactly as if a
    neuron had crossed threshold in that step.

    Parameters
    ----------
    times : sequence of sequences of float
        ``times[i]`` are the spike times of neuron ``i``, ms, >= 0.
    """

    times: Sequence[npt.ArrayLike] = ()

    _input = "spike_times"

    def __post_init__(self):
        try:
            entries = list(self.times)
        except TypeError:
            raise TypeError(f"SpikeTimes.times must be one list of times (ms) per neuron, "
                            f"got {self.times!r}") from None
        scalars = [i for i, t in enumerate(entries) if np.ndim(t) == 0 and not isinstance(t, str)]
        if scalars:  # [1.0, 2.0] would otherwise be read as two neurons of one spike each
            if len(scalars) == len(entries) and all(map(is_number, entries)):
                flat = short([float(t) for t in entries])
                raise TypeError(f"SpikeTimes.times must be one list of times (ms) per neuron, "
                                f"got a flat list of numbers [{flat}]; for one neuron give "
                                f"[[{flat}]]")
            i = scalars[0]
            raise TypeError(f"SpikeTimes.times must be one list of times (ms) per neuron, "
                            f"got a single value at times[{i}]: {entries[i]!r}; give "
                            f"[{entries[i]!r}] for one spike")
        try:
            lists = [np.sort(_checks.finite_array("SpikeTimes", f"times[{i}]", t, "ms").ravel())
                     for i, t in enumerate(entries)]
        except TypeError:
            raise TypeError(f"SpikeTimes.times must be one list of times (ms) per neuron, "
                            f"got {self.times!r}") from None
        for i, t in enumerate(lists):
            if t.size and t[0] < 0:
                raise ValueError(f"SpikeTimes.times[{i}] must be >= 0 ms, got {float(t[0])!r}")
            t.setflags(write=False)
        object.__setattr__(self, "times", tuple(lists))

    @property
    def n_neurons(self):
        """Number of spike trains."""
        return len(self.times)


class SpikeList(NamedTuple):
    """Every spike to replay, sorted by step."""
    step: np.ndarray  #: step of each spike (int64, sorted)
    idx: np.ndarray   #: its neuron (global index)
    ptr: np.ndarray   #: the next spike to emit (one int64)


def replay_spikes(k, tab, fired, n_fired, rng):
    """Step 3, after the populations: emit the spikes of step ``k``."""
    step, idx, ptr = tab.step, tab.idx, tab.ptr
    while ptr[0] < step.shape[0] and step[ptr[0]] <= k:
        if step[ptr[0]] == k:
            fired[n_fired] = idx[ptr[0]]
            n_fired += 1
        ptr[0] += 1
    return n_fired


@register_input
class SpikeTimesBlock(InputBlock):
    """The spikes of every :class:`SpikeTimes` population; a neuron may have several in one
    step, so the spike list has room for the largest such burst."""

    name = "spike_times"
    phase = "emit"
    Tables = SpikeList
    mutable = ("ptr",)
    step = staticmethod(replay_spikes)

    def build(self, items, ctx):
        steps, idx = [], []
        for pop in items:
            first = ctx.first(pop)
            for j, times in enumerate(pop.model.times):
                steps.append(to_steps_array(times, ctx.dt, name=f"SpikeTimes of {pop.name!r}: "
                                                                f"spike time"))
                idx.append(np.full(times.size, first + j, dtype=np.int64))
        step = cat(steps, np.int64)
        order = np.argsort(step, kind="stable")
        return SpikeList(step[order], cat(idx, np.int64)[order], np.zeros(1, dtype=np.int64))

    def room(self, tables):
        if not tables.step.size:
            return 0
        pairs, counts = np.unique(np.stack([tables.step, tables.idx], axis=1), axis=0,
                                  return_counts=True)  # a neuron's spikes in one step
        return int(np.bincount(pairs[:, 0], weights=counts - 1).max())
