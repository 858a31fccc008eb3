"""Immutable records of a run: spikes and state traces.

Records are plain objects of read-only arrays; analysis and plotting are functions of records
and never see the simulator.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["SpikeRecord", "StateRecord", "WeightRecord", "WeightTable", "load_record"]


def _frozen(arr, dtype):
    arr = np.array(arr, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


class _Record:
    """What every record shares: saving to one file."""

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the record to a ``.npz`` file atomically (read it back with
        :func:`load_record`; see :func:`neurosim.io.save_record`)."""
        from .io import save_record
        save_record(self, path)


@dataclass(frozen=True, eq=False)
class SpikeRecord(_Record):
    """The spikes of one population.

    Attributes
    ----------
    times : numpy.ndarray
        Spike times, ms (``step * dt``), sorted.
    neurons : numpy.ndarray
        Index (within the population) of the neuron of each spike.
    steps : numpy.ndarray
        Step of each spike (exact; ``times`` is derived from it).
    n_neurons : int
        Size of the population.
    t_start, t_stop : float
        The recorded interval, ms: ``[t_start, t_stop)``.
    population : str
        Population name.
    """

    times: np.ndarray
    neurons: np.ndarray
    steps: np.ndarray
    n_neurons: int
    t_start: float
    t_stop: float
    population: str = ""

    def __post_init__(self):
        object.__setattr__(self, "times", _frozen(self.times, np.float64))
        object.__setattr__(self, "neurons", _frozen(self.neurons, np.int64))
        object.__setattr__(self, "steps", _frozen(self.steps, np.int64))

    def __len__(self) -> int:
        return self.times.size

    @property
    def duration(self) -> float:
        """Recorded duration, ms."""
        return self.t_stop - self.t_start

    def counts(self) -> npt.NDArray[np.int64]:
        """Number of spikes of each neuron, shape ``(n_neurons,)``."""
        return np.bincount(self.neurons, minlength=self.n_neurons)

    def rates(self) -> npt.NDArray[np.floating[Any]]:
        """Mean firing rate of each neuron over the recorded interval, Hz."""
        if self.duration <= 0:
            return np.zeros(self.n_neurons)
        return self.counts() * 1000.0 / self.duration

    def mean_rate(self) -> float:
        """Population-averaged firing rate, Hz."""
        return float(self.rates().mean()) if self.n_neurons else 0.0

    def trains(self) -> list[npt.NDArray[np.float64]]:
        """Spike times of each neuron: a list of ``n_neurons`` arrays, ms."""
        order = np.argsort(self.neurons, kind="stable")
        split = np.cumsum(self.counts())[:-1]
        return np.split(self.times[order], split)


    def to_neo(self) -> Any:
        """The record as a ``neo.Segment`` with one ``neo.SpikeTrain`` per neuron, for
        Elephant (needs ``pip install neo``; see :func:`neurosim.io.to_neo`)."""
        from .io import to_neo
        return to_neo(self)


@dataclass(frozen=True, eq=False)
class StateRecord(_Record):
    """Samples of one state variable of some neurons.

    Attributes
    ----------
    times : numpy.ndarray
        Sample times, ms; shape ``(n_samples,)``.
    values : numpy.ndarray
        Shape ``(n_samples, n_recorded)``, in the variable's unit.
    neurons : numpy.ndarray
        Indices (within the population) of the recorded neurons.
    variable : str
    population : str
    """

    times: np.ndarray
    values: np.ndarray
    neurons: np.ndarray
    variable: str
    population: str = ""

    def __post_init__(self):
        object.__setattr__(self, "times", _frozen(self.times, np.float64))
        object.__setattr__(self, "values", _frozen(self.values, np.float64))
        object.__setattr__(self, "neurons", _frozen(self.neurons, np.int64))

    def __len__(self) -> int:
        return self.times.size


@dataclass(frozen=True, eq=False)
class WeightRecord(_Record):
    """Samples of the weights of some synapses of a projection (``net.record_weights``).

    Attributes
    ----------
    times : numpy.ndarray
        Sample times, ms; shape ``(n_samples,)``. The sample at ``t`` is the weight after the
        plasticity of the step that ends at ``t``.
    values : numpy.ndarray
        Weights, shape ``(n_samples, n_recorded)``, in the projection's weight unit.
    synapses : numpy.ndarray
        Index of each recorded synapse in the projection's synapse list.
    pre, post : numpy.ndarray
        Pre- and postsynaptic neuron (within their populations) of each recorded synapse.
    projection : str
    """

    times: np.ndarray
    values: np.ndarray
    synapses: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    projection: str = ""

    def __post_init__(self):
        object.__setattr__(self, "times", _frozen(self.times, np.float64))
        object.__setattr__(self, "values", _frozen(self.values, np.float64))
        for name in ("synapses", "pre", "post"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.int64))

    def __len__(self) -> int:
        return self.times.size


@dataclass(frozen=True, eq=False)
class WeightTable(_Record):
    """The synapses of a projection at one moment (``sim.weights(projection)``).

    Attributes
    ----------
    pre, post : numpy.ndarray
        Pre- and postsynaptic neuron of each synapse, indices within their populations.
    weight : numpy.ndarray
        Weight of each synapse, in the projection's weight unit.
    delay : numpy.ndarray
        Delay of each synapse, ms.
    projection : str
    """

    pre: np.ndarray
    post: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    projection: str = ""

    def __post_init__(self):
        object.__setattr__(self, "pre", _frozen(self.pre, np.int64))
        object.__setattr__(self, "post", _frozen(self.post, np.int64))
        object.__setattr__(self, "weight", _frozen(self.weight, np.float64))
        object.__setattr__(self, "delay", _frozen(self.delay, np.float64))

    def __len__(self) -> int:
        return self.weight.size


    def matrix(self, n_pre: int, n_post: int, *, fill: float = 0.0) -> npt.NDArray[np.float64]:
        """Weights as a dense ``(n_pre, n_post)`` array (summed over repeated pairs)."""
        out = np.full((n_pre, n_post), float(fill))
        if self.weight.size:
            out[self.pre, self.post] = 0.0
            np.add.at(out, (self.pre, self.post), self.weight)
        return out


def load_record(path: str | os.PathLike[str]) -> SpikeRecord | StateRecord | WeightRecord | WeightTable:
    """Read a :class:`SpikeRecord`, :class:`StateRecord`, :class:`WeightRecord` or
    :class:`WeightTable` written by its ``save`` method (:func:`neurosim.io.load_record`)."""
    from .io import load_record as _load
    return _load(path)
