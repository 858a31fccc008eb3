"""Checkpoint a running simulation to one file and resume it, bitwise, in another process.

A checkpoint (:func:`save_checkpoint`, ``sim.checkpoint(path)``) is a neurosim archive
(:mod:`neurosim.io`: ``.npz`` with a JSON manifest, written atomically) holding

- the manifest: format and version, the network description and its hash, ``dt``, the seed,
  the step counter, the random generator's state now *and* at construction, versions;
- every array of the built engine (``engine.*``): neuron state, refractory counters, injected
  currents and the pointers into the injection and spike-time tables, the synaptic channels,
  the delay ring buffer (spikes still in transit), weights, plasticity traces and the
  spike history the plasticity kernel keeps, short-term plasticity state, Poisson rates;
- the records so far (``rec.*``).

:func:`resume` (``Simulator.resume(path, network)``) rebuilds the simulator from the network
description and the generator state it had at construction -- so the connectivity, the
initial values and the table layout are those of the original -- then checks that every static
table equals the stored one, copies the changing arrays in, and sets the generator and the
step counter. Running on from there is bitwise equal to a run that was never interrupted.

A checkpoint is refused, with the reason, when its format version is not this module's
:data:`CHECKPOINT_VERSION`, when the network description differs (its hash; the message names
the first differing parameter), or when the rebuilt tables differ from the stored ones (another
numpy or neurosim version drawing differently).
"""

from __future__ import annotations

import os

import numpy as np

from .archive import read_archive, versions, write_archive
from .io import describe_network, network_hash, simulation_manifest

__all__ = ["save_checkpoint", "resume", "CHECKPOINT_VERSION"]

#: Version of the checkpoint layout; a checkpoint of another version is refused.
# 5: inputs as registered blocks (inputs.<block>.<field>), and synapses drawn from
# per-projection generators block by block (build.py): a seed gives other connectivity,
# weights and delays, so a version-4 checkpoint would rebuild other tables; 4: RewardSTDP as
# statements (ul.*.syn_tr), shared variables (ul.*.sh_tr); 3: delays act one step after
# arrival (NEST/Brian2); no stp group
CHECKPOINT_VERSION = 5
_FORMAT = "neurosim.checkpoint"

#: Engine arrays that change while the simulation runs (copied in on resume); every other
#: engine array is static and must equal the rebuilt one.
MUTABLE = frozenset({
    "neurons.state", "neurons.refrac", "neurons.i_inj", "neurons.i_det",
    "channels.x1", "channels.x2", "channels.ring", "synapses.weight",
    "fired",
})


def _mutable(name):
    """Whether the engine array ``name`` changes while the simulation runs."""
    from .inputs import INPUTS
    from .plasticity.rule import RULE_MUTABLE
    if name.startswith("inputs."):  # inputs.<block>.<field>
        _, block, field = name.split(".", 2)
        return block in INPUTS and field in INPUTS[block].mutable
    if name.startswith("ul."):  # ul.<projection>.<field>: tables of a rule as statements
        return name.rsplit(".", 1)[1] in RULE_MUTABLE
    return name in MUTABLE


def engine_arrays(sim):
    """Every array of a built simulator by a stable name (the arrays themselves, not copies).

    Parameters
    ----------
    sim : Simulator

    Returns
    -------
    dict of str -> numpy.ndarray
    """
    from .plasticity.rule import RULE_FIELDS
    b = sim._b
    out = {"fired": b.fired, "rec_mask": b.rec_mask}
    groups = {name: (getattr(b, name)._fields, getattr(b, name))
              for name in ("neurons", "channels", "synapses")}
    for block, _ in b.input_blocks:  # the inputs the network uses (the others are empty)
        groups[f"inputs.{block.name}"] = (block.Tables._fields, b.inputs[block.name])
    for i, tables in enumerate(b.ul):
        groups[f"ul.{i}"] = (RULE_FIELDS, tables)
    for group, (names, arrays) in groups.items():
        if len(names) != len(arrays):  # a new engine array must be named here
            raise RuntimeError(f"checkpoint: {group} has {len(arrays)} arrays, "
                               f"{len(names)} names")
        for name, arr in zip(names, arrays):
            out[f"{group}.{name}"] = arr
    return out


def _record_arrays(sim):
    arrays = {}
    chunks = sim._spk_chunks
    arrays["rec.spikes.steps"] = np.concatenate([c[0] for c in chunks]) if chunks else \
        np.zeros(0, dtype=np.int64)
    arrays["rec.spikes.idx"] = np.concatenate([c[1] for c in chunks]) if chunks else \
        np.zeros(0, dtype=np.int64)
    for kind, monitors in (("state", sim._b.state_monitors), ("weights", sim._b.weight_monitors)):
        for i, mon in enumerate(monitors):
            rec = sim.data[mon]
            arrays[f"rec.{kind}.{i}.times"] = rec.times
            arrays[f"rec.{kind}.{i}.values"] = rec.values
    return arrays


def save_checkpoint(sim, path) -> None:
    """Write everything needed to continue ``sim`` exactly to ``path``, atomically.

    Parameters
    ----------
    sim : Simulator
        A simulator of the built-in engine, between runs.
    path : str or os.PathLike

    Raises
    ------
    ValueError
        For a simulator of another engine (Brian2 and NEST keep their state to themselves).
    """
    if not all(hasattr(sim, a) for a in ("network", "rng", "step", "_b", "_backend")):
        raise TypeError(f"save_checkpoint: sim must be a neurosim.Simulator, got {sim!r}")
    if sim._backend is not None:
        raise ValueError(f"checkpoint: only engine 'neurosim' can be checkpointed, this "
                         f"simulator runs on {type(sim._backend).__name__}")
    manifest = simulation_manifest(sim)
    manifest.update({"format": _FORMAT, "format_version": CHECKPOINT_VERSION,
                     "rng_initial": sim._rng_initial, "rng_state": sim.rng.bit_generator.state,
                     "n_state_monitors": len(sim._b.state_monitors),
                     "n_weight_monitors": len(sim._b.weight_monitors)})
    arrays = {f"engine.{k}": v for k, v in engine_arrays(sim).items()}
    arrays.update(_record_arrays(sim))
    write_archive(path, manifest, arrays)


def _first_difference(a, b, where="network"):
    """Where two JSON-like values first differ, as ``(path, value in a, value in b)``."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in b or k not in a:
                return f"{where}.{k}", a.get(k, "<absent>"), b.get(k, "<absent>")
            d = _first_difference(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where} (length)", len(a), len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            d = _first_difference(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return None if a == b else (where, a, b)


def _generator(state):
    bit_generator = getattr(np.random, state["bit_generator"], None)
    if bit_generator is None:
        raise ValueError(f"resume: unknown bit generator {state['bit_generator']!r}")
    bg = bit_generator()
    bg.state = state
    return np.random.Generator(bg)


def read_checkpoint(path, network):
    """Read and check a checkpoint against ``network``; returns ``(manifest, arrays)``.

    Raises
    ------
    ValueError
        If the file is not a checkpoint, has another format version, or was made for a
        different network (naming the first differing parameter).
    """
    path_s = os.fspath(path)
    try:
        manifest, arrays = read_archive(path_s, _FORMAT, CHECKPOINT_VERSION)
    except ValueError as err:
        raise ValueError(f"resume: refused: {err}") from None
    version = manifest["format_version"]
    if version != CHECKPOINT_VERSION:
        raise ValueError(f"resume: refused: {path_s!r} has checkpoint format version {version}, "
                         f"this neurosim ({versions()['neurosim']}) reads version "
                         f"{CHECKPOINT_VERSION}")
    if network_hash(network) != manifest["network_hash"]:
        diff = _first_difference(manifest["network"], describe_network(network))
        detail = (f"first difference at {diff[0]}: {diff[1]!r} in the checkpoint, "
                  f"{diff[2]!r} now" if diff else "the descriptions differ")
        raise ValueError(f"resume: refused: {path_s!r} was made for a different network "
                         f"(description hash {manifest['network_hash'][:12]}..., this network "
                         f"{network_hash(network)[:12]}...); {detail}")
    return manifest, arrays


def resume(path, network, simulator_class, *, progress=False, threads=1):
    """Rebuild the simulator saved in ``path`` for ``network`` and restore its state.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save_checkpoint` (``sim.checkpoint(path)``).
    network : Network
        The same description the checkpointed simulator was built from (in a fresh process:
        rebuilt by the same script).
    simulator_class : type
        :class:`neurosim.Simulator` (passed in by ``Simulator.resume``, so that this module
        does not import the simulator: it is built with the checkpoint's ``dt`` and the
        generator state it had at construction).
    progress : bool
    threads : int
        Threads of the resumed simulator (any number: the results do not depend on it).
        Progress bar of later runs.

    Returns
    -------
    Simulator
        At the checkpoint's step, with its records so far; ``run`` continues bitwise as the
        original would have.

    Raises
    ------
    ValueError
        If the checkpoint is refused (another format version, another network, tables that
        rebuild differently); the message gives the reason.
    """
    manifest, arrays = read_checkpoint(path, network)
    sim = simulator_class(network, dt=manifest["dt"], seed=_generator(manifest["rng_initial"]),
                          progress=progress, threads=threads)
    sim.seed = manifest["seed"]
    sim._rng_initial = manifest["rng_initial"]
    path_s = os.fspath(path)
    live = engine_arrays(sim)
    stored = {k[len("engine."):]: v for k, v in arrays.items() if k.startswith("engine.")}
    if set(stored) != set(live):
        raise ValueError(f"resume: refused: {path_s!r} stores engine arrays "
                         f"{sorted(set(stored) ^ set(live))} that this neurosim does not have "
                         f"(or lacks ones it needs)")
    for name, arr in live.items():
        saved = stored[name]
        if saved.shape != arr.shape or saved.dtype != arr.dtype:
            raise ValueError(f"resume: refused: engine array {name!r} rebuilt with shape "
                             f"{arr.shape} {arr.dtype}, the checkpoint has {saved.shape} "
                             f"{saved.dtype} (another numpy or neurosim version?)")
        if not _mutable(name) and not np.array_equal(
                arr, saved, equal_nan=arr.dtype.kind in "fc"):
            raise ValueError(f"resume: refused: the static table {name!r} rebuilt differently "
                             f"from the checkpoint's (another numpy or neurosim version draws "
                             f"the network differently)")
    for name in live:
        if _mutable(name):
            np.copyto(live[name], stored[name])
    if manifest["n_state_monitors"] != len(sim._b.state_monitors) or \
            manifest["n_weight_monitors"] != len(sim._b.weight_monitors):
        raise ValueError("resume: refused: the number of monitors differs")  # pragma: no cover
    steps, idx = arrays["rec.spikes.steps"], arrays["rec.spikes.idx"]
    sim._spk_chunks = [(steps.copy(), idx.copy())] if steps.size else []
    for kind, monitors, store in (("state", sim._b.state_monitors, sim._state_chunks),
                                  ("weights", sim._b.weight_monitors, sim._weight_chunks)):
        for i, mon in enumerate(monitors):
            times = arrays[f"rec.{kind}.{i}.times"].copy()
            values = arrays[f"rec.{kind}.{i}.values"].copy()
            store[mon] = [(times, values)] if times.size else []
    sim.rng.bit_generator.state = manifest["rng_state"]
    sim.step = int(manifest["step"])
    return sim
