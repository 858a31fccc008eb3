"""Saving and loading records and a whole simulation's results, atomically.

Every file is one ``.npz`` archive holding ``manifest.json`` (a UTF-8 JSON document stored as a
byte array) and the record arrays. The manifest says what the file is (``format``,
``format_version``), which versions of neurosim, numpy and Python wrote it, and for results the
network description, seed, ``dt`` and ``t``. Arrays are stored with their dtype and read back
bitwise identically; scalar fields (``t_stop``, names) go into the manifest, where JSON keeps a
float exactly (Python writes the shortest repr that reads back to the same double).

Files are written atomically (:func:`atomic_write`): to a temporary file in the same folder,
flushed and fsynced, then renamed over the target, so a crash, a full disk, a Ctrl-C or a
``SIGKILL`` while saving leaves the previous file as it was. (The one implementation that
``artificial.io`` uses too lives in :mod:`nsdurable`: neurosim and artificial never import each
other.)

Long runs can stream their spikes to a folder chunk by chunk
(``Simulator(..., stream_spikes_to=folder)``, read back with :func:`load_spike_stream`). Spike
records export to Neo (:func:`to_neo`) for Elephant.

Examples
--------
>>> import neurosim as ns
>>> from neurosim import io
>>> io.save_results("run.npz", sim)                       # doctest: +SKIP
>>> res = io.load_results("run.npz")                      # doctest: +SKIP
>>> res["spikes:exc"].times, res.manifest["seed"]         # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os

import numpy as np

from nsdurable import atomic_write

from .archive import (
    FORMAT_VERSION,
    _json_scalar,
    read_archive,
    versions,
    write_archive,
)
from .network import Network, Population, Projection, SpikeMonitor
from .records import (
    SpikeRecord,
    _record_from_parts,
    _record_parts,
    load_record,
    save_record,
    to_neo,
)

# save_record, load_record and to_neo live in neurosim.records, write_archive, read_archive,
# versions and FORMAT_VERSION in neurosim.archive (so that records never import this module);
# they are re-exported here, where users look for them.
__all__ = ["atomic_write", "save_record", "load_record", "save_results", "load_results",
           "Results", "describe_network", "network_hash", "versions", "FORMAT_VERSION",
           "to_neo", "load_spike_stream", "write_archive", "read_archive"]


# ----------------------------------------------------------------------------------------------
# The network description, as JSON
def _describe(value, arrays_inline=32):
    if value is None or isinstance(value, (bool, np.bool_, str)):
        return value if not isinstance(value, np.bool_) else bool(value)
    if isinstance(value, (int, np.integer, float, np.floating)):
        return _json_scalar(value)
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        out = {"array": hashlib.sha256(arr.tobytes()).hexdigest(), "shape": list(arr.shape),
               "dtype": arr.dtype.str}
        if arr.size <= arrays_inline and arr.dtype.kind in "biuf":
            out["values"] = [_json_scalar(x) for x in arr.ravel().tolist()]
        return out
    if isinstance(value, (list, tuple)):
        return [_describe(v, arrays_inline) for v in value]
    if isinstance(value, dict):
        return {str(k): _describe(v, arrays_inline) for k, v in value.items()}
    # Populations and projections inside other objects are referred to by name.
    if isinstance(value, (Population, Projection)):
        return {"ref": value.name}
    if hasattr(value, "_describe") and callable(value._describe):
        return _describe(value._describe(), arrays_inline)  # an object that says what it is
    if dataclasses.is_dataclass(value):
        items = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    elif hasattr(value, "__dict__"):
        items = dict(vars(value))
    else:
        raise TypeError(f"cannot describe {value!r} ({type(value).__name__})")
    out = {"type": type(value).__name__}
    for k, v in items.items():
        out[k] = _describe(v, arrays_inline)
    return out


def describe_network(network):
    """A JSON-able description of a :class:`~neurosim.Network`: every parameter of every
    population, projection, injection and monitor (arrays as shape, dtype and SHA-256, small
    ones also by value).

    Parameters
    ----------
    network : Network

    Returns
    -------
    dict
    """
    if not isinstance(network, Network):
        raise TypeError(f"describe_network: network must be a neurosim.Network, got "
                        f"{network!r}")
    return {
        "populations": [{"name": p.name, "n": p.n, "model": _describe(p.model),
                         "initial": _describe(p.initial)} for p in network.populations],
        "projections": [{"name": p.name, "pre": p.pre.name, "post": p.post.name,
                         "connector": _describe(p.connector), "synapse": _describe(p.synapse),
                         "weight": _describe(p.weight), "delay": _describe(p.delay),
                         "plasticity": _describe(p.plasticity)} for p in network.projections],
        "injections": [{"population": i.population.name, "current": _describe(i.current),
                        "neurons": _describe(i.neurons)} for i in network.injections],
        "poisson_inputs": [{"name": i.name, "population": i.population.name, "rate": i.rate,
                            "n": i.n, "weight": i.weight, "synapse": _describe(i.synapse),
                            "neurons": _describe(i.neurons)}
                           for i in getattr(network, "poisson_inputs", [])],
        "monitors": [_describe(m) for m in network.monitors],
        "weight_monitors": [_describe(m) for m in network.weight_monitors],
    }


def network_hash(network):
    """SHA-256 (hex) of :func:`describe_network` with every array hashed in full: two
    networks with the same hash build the same simulator from the same seed."""
    text = json.dumps(describe_network(network), sort_keys=True, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _monitor_labels(network):
    """A unique label per monitor, in the order of ``network.monitors`` then
    ``network.weight_monitors``: ``spikes:<pop>``, ``<var>:<pop>``, ``weights:<projection>``
    (``#2``, ``#3``... appended to repeats)."""
    labels, seen = [], {}
    for m in list(network.monitors) + list(network.weight_monitors):
        if isinstance(m, SpikeMonitor):
            base = f"spikes:{m.population.name}"
        elif hasattr(m, "variable"):
            base = f"{m.variable}:{m.population.name}"
        else:
            base = f"weights:{m.projection.name}"
        seen[base] = seen.get(base, 0) + 1
        labels.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return labels


def simulation_manifest(sim):
    """The manifest fields describing a simulator: network description and hash, ``dt``,
    ``seed``, ``step``, ``t`` and versions."""
    seed = sim.seed if isinstance(sim.seed, (int, np.integer)) and \
        not isinstance(sim.seed, bool) else None
    return {"network": describe_network(sim.network), "network_hash": network_hash(sim.network),
            "dt": float(sim.dt), "seed": None if seed is None else int(seed),
            "step": int(sim.step), "t": float(sim.t), "versions": versions()}


# ----------------------------------------------------------------------------------------------
# A whole simulation's results
class Results:
    """The records of a saved simulation (:func:`load_results`).

    Attributes
    ----------
    manifest : dict
        ``network`` (the description), ``network_hash``, ``dt``, ``seed``, ``step``, ``t``,
        ``versions``.
    records : dict of str -> record
        By monitor label, in the network's monitor order: ``"spikes:<population>"``,
        ``"<variable>:<population>"``, ``"weights:<projection>"`` (``#2``... for repeats);
        the final weight tables as ``"table:<projection>"``.
    """

    def __init__(self, manifest, records):
        self.manifest = manifest
        self.records = records

    def __getitem__(self, label):
        try:
            return self.records[label]
        except KeyError:
            raise KeyError(f"no record {label!r}; valid: {list(self.records)}") from None

    def __iter__(self):
        return iter(self.records)

    def keys(self):
        """The labels, in the network's monitor order (then the weight tables)."""
        return self.records.keys()

    def values(self):
        return self.records.values()

    def items(self):
        return self.records.items()

    def __len__(self):
        return len(self.records)

    def __repr__(self):
        return f"Results(t={self.manifest.get('t')} ms, records={list(self.records)})"


def save_results(path, sim, *, weight_tables=True) -> None:
    """Write every record of a simulator (and its final weight tables) to one ``.npz``,
    atomically.

    Parameters
    ----------
    path : str or os.PathLike
    sim : Simulator
    weight_tables : bool
        Also store ``sim.weights(projection)`` of every projection (labels ``table:<name>``),
        where the engine reports weights.
    """
    if not all(hasattr(sim, a) for a in ("network", "data", "weights", "_backend")):
        raise TypeError(f"save_results: sim must be a neurosim.Simulator, got {sim!r}")
    net = sim.network
    entries, arrays = [], {}
    monitors = list(net.monitors) + list(net.weight_monitors)
    labels = _monitor_labels(net)
    items = [(label, sim.data[m]) for label, m in zip(labels, monitors)]
    backend = sim._backend
    if weight_tables and (backend is None or hasattr(backend, "weights")):
        items += [(f"table:{p.name}", sim.weights(p)) for p in net.projections]
    for i, (label, record) in enumerate(items):
        entry, arr = _record_parts(record, prefix=f"r{i}.")
        entry["label"] = label
        entries.append(entry)
        arrays.update(arr)
    manifest = simulation_manifest(sim)
    manifest.update({"format": "neurosim.results", "format_version": FORMAT_VERSION,
                     "records": entries})
    write_archive(path, manifest, arrays)


def load_results(path):
    """Read a file written by :func:`save_results`.

    Returns
    -------
    Results
        Records bitwise equal to the saved ones, and the manifest.
    """
    path_s = os.fspath(path)
    manifest, arrays = read_archive(path_s, "neurosim.results")
    records = {}
    for i, entry in enumerate(manifest["records"]):
        records[entry["label"]] = _record_from_parts(entry, arrays, f"r{i}.", path_s)
    return Results(manifest, records)


# ----------------------------------------------------------------------------------------------
# Neo export


# ----------------------------------------------------------------------------------------------
# Spike records streamed to disk in chunks (Simulator(..., stream_spikes_to=folder))
_CHUNK_FORMAT = "neurosim.spike_chunk"
_CHUNK_PREFIX, _CHUNK_SUFFIX = "spikes.", ".npz"


def _chunk_files(folder):
    """``[(step_start, path)]`` of the chunk files in ``folder``, by ``step_start``. Temporary
    files of an unfinished write (``.spikes.*.tmp``) are not chunk files."""
    out = []
    for name in os.listdir(folder):
        middle = name[len(_CHUNK_PREFIX):-len(_CHUNK_SUFFIX)]
        if name.startswith(_CHUNK_PREFIX) and name.endswith(_CHUNK_SUFFIX) and middle.isdigit():
            out.append((int(middle), os.path.join(folder, name)))
    return sorted(out)


def open_spike_stream(folder, sim):
    """Prepare ``folder`` to receive the spike chunks of ``sim`` (made if missing; it must not
    hold chunks already) and return the stream's header: the folder and the manifest fields
    every chunk carries."""
    folder = os.path.abspath(os.fspath(folder))
    parent = os.path.dirname(folder)
    if not os.path.isdir(parent):
        raise FileNotFoundError(f"Simulator: stream_spikes_to {folder!r}: folder {parent!r} "
                                f"does not exist")
    os.makedirs(folder, exist_ok=True)
    if _chunk_files(folder):
        raise FileExistsError(f"Simulator: stream_spikes_to {folder!r} already holds spike "
                              f"chunks (of another run); choose an empty folder or delete them")
    pops, seen = [], set()
    for m in sim.network.monitors:
        if isinstance(m, SpikeMonitor) and m.population.name not in seen:
            seen.add(m.population.name)
            i = sim._index(m.population)
            pops.append({"name": m.population.name, "n": int(m.population.n),
                         "start": int(sim._b.pop_start[i])})
    manifest = simulation_manifest(sim)
    fields = {"format": _CHUNK_FORMAT, "format_version": FORMAT_VERSION,
              "dt": manifest["dt"], "seed": manifest["seed"],
              "network_hash": manifest["network_hash"], "populations": pops}
    return {"folder": folder, "fields": fields}


def write_spike_chunk(stream, step_start, step_stop, steps, idx) -> None:
    """Write the spikes of steps ``[step_start, step_stop)`` (``steps``, and ``idx``: indices
    in the simulator's global neuron numbering) as one chunk file, atomically."""
    manifest = dict(stream["fields"], step_start=int(step_start), step_stop=int(step_stop))
    path = os.path.join(stream["folder"], f"{_CHUNK_PREFIX}{int(step_start):012d}{_CHUNK_SUFFIX}")
    write_archive(path, manifest, {"steps": np.asarray(steps, dtype=np.int64),
                                   "idx": np.asarray(idx, dtype=np.int64)})


def read_spike_stream(folder):
    """Read every chunk of a spike stream.

    Returns
    -------
    fields : dict or None
        The stream's manifest fields (``dt``, ``seed``, ``network_hash``, ``populations``,
        ...); None when the folder holds no chunk yet.
    steps, idx : numpy.ndarray
        All spikes in recording order (int64; ``idx`` in the global numbering).
    step_stop : int
        The step up to which the chunks cover the run (0 when there is none).

    Raises
    ------
    ValueError
        If the chunks do not follow each other from step 0 (one is missing) or come from
        different simulations.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"spike stream folder {folder!r} does not exist")
    fields, stop, steps, idx = None, 0, [], []
    for _, path in _chunk_files(folder):
        manifest, arrays = read_archive(path, _CHUNK_FORMAT)
        these = {k: v for k, v in manifest.items()
                 if k not in ("step_start", "step_stop", "versions")}
        if fields is None:
            fields = these
        elif these != fields:
            raise ValueError(f"{path!r} belongs to another simulation than the chunks before "
                             f"it in {folder!r}")
        if manifest["step_start"] != stop:
            raise ValueError(f"spike stream {folder!r}: the chunk of steps "
                             f"[{stop}, {manifest['step_start']}) is missing")
        stop = manifest["step_stop"]
        steps.append(arrays["steps"])
        idx.append(arrays["idx"])
    empty = np.zeros(0, dtype=np.int64)
    return (fields, np.concatenate(steps) if steps else empty,
            np.concatenate(idx) if idx else empty, stop)


def load_spike_stream(folder):
    """Reassemble the spike records streamed to ``folder`` by
    ``Simulator(..., stream_spikes_to=folder)``, in this process or another (after a crash:
    every chunk written before it).

    Returns
    -------
    dict of str -> SpikeRecord
        By population name, for each population with a spike monitor; bitwise equal to
        ``sim.data[monitor]`` of the same run not streamed, up to the last chunk written
        (``t_stop``).

    Raises
    ------
    FileNotFoundError
        If ``folder`` does not exist or holds no chunk.
    ValueError
        If a chunk is missing or the chunks come from different simulations.
    """
    fields, steps, idx, stop = read_spike_stream(folder)
    if fields is None:
        raise FileNotFoundError(f"spike stream folder {os.fspath(folder)!r} holds no chunk "
                                f"({_CHUNK_PREFIX}*{_CHUNK_SUFFIX})")
    dt = fields["dt"]
    return {p["name"]: spike_record_of(steps, idx, p["start"], p["n"], dt, stop, p["name"])
            for p in fields["populations"]}


def spike_record_of(steps, idx, start, n, dt, step_stop, name):
    """The :class:`SpikeRecord` of the population of global neurons ``[start, start + n)``
    from all recorded spikes (``steps``, global ``idx``), recorded from step 0 to
    ``step_stop``. The simulator builds its records with this function too, so a streamed
    record and an in-memory one are computed identically."""
    keep = (idx >= start) & (idx < start + n)
    steps = steps[keep]
    return SpikeRecord(times=steps * dt, neurons=idx[keep] - start, steps=steps, n_neurons=n,
                       t_start=0.0, t_stop=step_stop * dt, population=name)
