"""Immutable records of a run: spikes and state traces.

Records are plain objects of read-only arrays; analysis and plotting are functions of records
and never see the simulator.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .archive import _MANIFEST, FORMAT_VERSION, _from_json_scalar, _json_scalar, read_archive, write_archive

__all__ = ["SpikeRecord", "StateRecord", "WeightRecord", "WeightTable", "load_record"]


def _frozen(arr, dtype):
    arr = np.array(arr, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


class _Record:
    """What every record shares: saving to one file, a short repr."""

    def __repr__(self) -> str:
        """The scalar fields and the arrays' shapes, not their values (a record of a long run
        holds millions of entries)."""
        parts = []
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                parts.append(f"{f.name}=<{' x '.join(map(str, value.shape)) or 'scalar'} "
                             f"{value.dtype}>")
            else:
                parts.append(f"{f.name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the record to a ``.npz`` file atomically (read it back with
        :func:`load_record`; see :func:`neurosim.io.save_record`)."""
        save_record(self, path)


@dataclass(frozen=True, eq=False, repr=False)
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
        return to_neo(self)


@dataclass(frozen=True, eq=False, repr=False)
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


@dataclass(frozen=True, eq=False, repr=False)
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


@dataclass(frozen=True, eq=False, repr=False)
class WeightTable(_Record):
    """The synapses of a projection at one moment (``sim.weights(projection)``).

    One entry per synapse, in the order the connector made them. For the dense form,
    ``table.matrix()`` or ``np.asarray(table)`` give the ``(n_pre, n_post)`` weight matrix.

    Attributes
    ----------
    pre, post : numpy.ndarray
        Pre- and postsynaptic neuron of each synapse, indices within their populations.
    weight : numpy.ndarray
        Weight of each synapse, in the projection's weight unit.
    delay : numpy.ndarray
        Delay of each synapse, ms.
    projection : str
    n_pre, n_post : int or None
        Sizes of the pre- and postsynaptic populations (set by ``sim.weights``; ``None`` in a
        table built by hand without them, or read from a file written before they existed).
    """

    pre: np.ndarray
    post: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    projection: str = ""
    n_pre: int | None = None
    n_post: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "pre", _frozen(self.pre, np.int64))
        object.__setattr__(self, "post", _frozen(self.post, np.int64))
        object.__setattr__(self, "weight", _frozen(self.weight, np.float64))
        object.__setattr__(self, "delay", _frozen(self.delay, np.float64))
        for name, idx in (("n_pre", self.pre), ("n_post", self.post)):
            n = getattr(self, name)
            if n is None:
                continue
            n = _size("WeightTable", name, n)
            if idx.size and idx.max() >= n:
                raise ValueError(f"WeightTable.{name} must exceed every index in "
                                 f"WeightTable.{name[2:]} (max {int(idx.max())}), got {n}")
            object.__setattr__(self, name, n)

    def __len__(self) -> int:
        return self.weight.size

    def matrix(self, n_pre: int | None = None, n_post: int | None = None, *,
               fill: float = 0.0) -> npt.NDArray[np.float64]:
        """The weights as a dense ``(n_pre, n_post)`` array: row ``i``, column ``j`` is the
        weight from presynaptic neuron ``i`` onto postsynaptic neuron ``j``.

        Several synapses between one pair (multapses) are summed, as their inputs add up on
        the target (a delay is not part of the matrix: ``table.delay`` keeps them apart).
        Pairs without a synapse hold ``fill``: 0 by default, so that ``x @ table.matrix()`` is
        the summed input the postsynaptic neurons receive from presynaptic activity ``x``;
        ``fill=np.nan`` tells an absent synapse from one of weight 0 (PyNN's
        ``Projection.get(..., format="array")`` convention).

        Parameters
        ----------
        n_pre, n_post : int, optional
            Matrix shape; default the table's ``n_pre`` and ``n_post`` (known for a table from
            ``sim.weights``).
        fill : float
            Value where there is no synapse.

        Returns
        -------
        numpy.ndarray
            float64, shape ``(n_pre, n_post)``; ``np.asarray(table)`` is ``table.matrix()``.
        """
        shape = []
        for name, given, known, idx in (("n_pre", n_pre, self.n_pre, self.pre),
                                        ("n_post", n_post, self.n_post, self.post)):
            n = known if given is None else _size("WeightTable.matrix", name, given)
            if n is None:
                raise ValueError(f"WeightTable.matrix: {name} is needed, the table does not "
                                 f"know its population sizes (a table from sim.weights does); "
                                 f"give matrix(n_pre, n_post)")
            if idx.size and idx.max() >= n:
                raise ValueError(f"WeightTable.matrix: {name} must exceed every index in "
                                 f"{name[2:]} (max {int(idx.max())}), got {n}")
            shape.append(n)
        if isinstance(fill, (bool, np.bool_)) or not isinstance(fill, (int, float, np.number)):
            raise TypeError(f"WeightTable.matrix: fill must be a number, got {fill!r}")
        out = np.full(shape, float(fill))
        if self.weight.size:
            out[self.pre, self.post] = 0.0
            np.add.at(out, (self.pre, self.post), self.weight)
        return out

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(table)``: the dense weight matrix, :meth:`matrix` with its defaults."""
        out = self.matrix()
        return out if dtype is None else out.astype(dtype, copy=False)


def _size(owner, name, value):
    """A population size: a non-negative whole number (not a bool)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}.{name} must be a whole number of neurons, got {value!r}")
    if value < 0:
        raise ValueError(f"{owner}.{name} must be >= 0, got {int(value)}")
    return int(value)


# ----------------------------------------------------------------------------------------------
# Saving and loading records (neurosim.archive); neurosim.io re-exports these.
RECORD_TYPES = {"spikes": SpikeRecord, "state": StateRecord, "weights": WeightRecord,
                "weight_table": WeightTable}
_KIND_OF = {cls: kind for kind, cls in RECORD_TYPES.items()}


def _record_parts(record, prefix=""):
    """Split a record into manifest fields and arrays (``prefix + field``)."""
    kind = _KIND_OF.get(type(record))
    if kind is None:
        raise TypeError(f"save_record: record must be one of "
                        f"{[c.__name__ for c in RECORD_TYPES.values()]}, got "
                        f"{type(record).__name__}")
    fields, arrays = {}, {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if isinstance(value, np.ndarray):
            arrays[prefix + f.name] = value
        elif value is not None:  # None: the field's default, restored when read back
            fields[f.name] = _json_scalar(value)
    return {"kind": kind, "fields": fields, "arrays": sorted(arrays)}, arrays


def _record_from_parts(entry, arrays, prefix, path):
    cls = RECORD_TYPES.get(entry.get("kind"))
    if cls is None:
        raise ValueError(f"{path!r}: unknown record kind {entry.get('kind')!r}; valid: "
                         f"{sorted(RECORD_TYPES)}")
    kwargs = {k: _from_json_scalar(v) for k, v in entry["fields"].items()}
    for name in entry["arrays"]:
        kwargs[name[len(prefix):]] = arrays[name]
    return cls(**kwargs)


def save_record(record, path) -> None:
    """Write one record to ``path`` (``.npz``), atomically.

    Parameters
    ----------
    record : SpikeRecord, StateRecord, WeightRecord or WeightTable
    path : str or os.PathLike

    Raises
    ------
    TypeError
        If ``record`` is not a neurosim record.
    """
    entry, arrays = _record_parts(record)
    write_archive(path, {"format": "neurosim.record", "format_version": FORMAT_VERSION,
                         "record": entry}, arrays)


def load_record(
        path: str | os.PathLike[str]) -> SpikeRecord | StateRecord | WeightRecord | WeightTable:
    """Read a record written by :func:`save_record` (or by the ``save`` method of a record).

    Files from before the manifest existed (with a ``kind`` array) are read too.

    Returns
    -------
    SpikeRecord, StateRecord, WeightRecord or WeightTable
        Arrays bitwise equal to the saved ones.
    """
    path_s = os.fspath(path)
    with np.load(path_s, allow_pickle=False) as data:
        legacy = _MANIFEST not in data.files and "kind" in data.files
        if legacy:
            return _load_legacy(data, path_s)
    manifest, arrays = read_archive(path_s, "neurosim.record")
    return _record_from_parts(manifest["record"], arrays, "", path_s)


def _load_legacy(f, path):
    kind = str(f["kind"])
    if kind == "spikes":
        return SpikeRecord(times=f["times"], neurons=f["neurons"], steps=f["steps"],
                           n_neurons=int(f["n_neurons"]), t_start=float(f["t_start"]),
                           t_stop=float(f["t_stop"]), population=str(f["population"]))
    if kind == "state":
        return StateRecord(times=f["times"], values=f["values"], neurons=f["neurons"],
                           variable=str(f["variable"]), population=str(f["population"]))
    if kind == "weights":
        return WeightRecord(times=f["times"], values=f["values"], synapses=f["synapses"],
                            pre=f["pre"], post=f["post"], projection=str(f["projection"]))
    raise ValueError(f"{path!r} does not hold a neurosim record (kind {kind!r})")


def to_neo(record):
    """Export a spike record to Neo, for analysis with Elephant.

    Neo is imported here, only when called (``pip install neo``, or the ``neo`` extra of
    neurosim).

    Parameters
    ----------
    record : SpikeRecord

    Returns
    -------
    neo.Segment
        ``segment.spiketrains`` holds one ``neo.SpikeTrain`` per neuron of the population, in
        neuron order (a silent neuron has an empty train): times in ms, equal to the record's,
        ``t_start`` and ``t_stop`` those of the record, annotated with ``population`` and
        ``neuron`` (the index within the population; also the train's ``name``,
        ``"<population>[<neuron>]"``). The segment is named after the population and annotated
        with ``population`` and ``n_neurons``. Elephant functions take
        ``segment.spiketrains``.

    Raises
    ------
    ImportError
        If Neo is not installed (the message says how to install it).
    TypeError
        If ``record`` is not a :class:`~neurosim.records.SpikeRecord`.
    """
    if not isinstance(record, SpikeRecord):
        raise TypeError(f"to_neo: record must be a neurosim.SpikeRecord, got "
                        f"{type(record).__name__}")
    try:
        import neo
    except ImportError as err:
        raise ImportError("to_neo: exporting to Neo needs the neo package; install it with "
                          "`pip install neo` (or `pip install neurosim[neo]`)") from err
    segment = neo.Segment(name=record.population, population=record.population,
                          n_neurons=int(record.n_neurons))
    counts = record.counts()
    order = np.argsort(record.neurons, kind="stable")  # stable: each train stays sorted in time
    bounds = np.concatenate([[0], np.cumsum(counts)])
    times = record.times[order]
    for j in range(record.n_neurons):
        train = neo.SpikeTrain(times[bounds[j]:bounds[j + 1]].copy(), units="ms",
                               t_start=record.t_start, t_stop=record.t_stop,
                               dtype=np.float64, name=f"{record.population}[{j}]",
                               population=record.population, neuron=j)
        segment.spiketrains.append(train)  # sets train.segment
    return segment

