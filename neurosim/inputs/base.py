"""What every input shares: the plug-in contract, the registry and the build context.

An input is one file that registers itself. It holds the public description (a spike-source
model such as :class:`~neurosim.PoissonSource`, a current such as
:class:`~neurosim.NoisyCurrent`, or a drive such as :class:`~neurosim.network.PoissonInput`)
and an :class:`InputBlock` that says how the engine runs it:

- ``name``: the block's tables appear as ``build.inputs[name]`` and in checkpoints as
  ``inputs.<name>.<field>``;
- ``Tables``: a ``NamedTuple`` of arrays; ``build(items, ctx)`` fills it from the
  descriptions of a network that use this block (``items``: the populations, injections or
  drives, see :func:`input_items`) and ``empty()`` is the form of a network without one;
- ``phase`` and ``step``: where its compiled code runs in the step and with what arguments,
  one of

  ======================= ===================================================================
  ``"deliver"``           step 1, before integration:
                          ``step(k, tab, i_inj, i_det, ring_row, rng)``; adds to the injected
                          current (``i_det`` holds the deterministic part, ``i_inj`` what the
                          neurons see this step) or to the arriving input ``ring_row`` (one
                          value per receptor slot). With ``per_thread = True``:
                          ``step(k, tab, lo, hi, i_inj, i_det, ring_row, rng)`` delivers to
                          the neurons in ``[lo, hi)`` only, with draws that do not depend on
                          the range (counter-based, :mod:`neurosim.random123`): the threaded
                          loop runs it on every thread for the thread's neurons, after the
                          other deliver blocks (:mod:`neurosim.threads`)
  ``"population"``        step 3, as the kernel of a spike-source population, in population
                          order: ``step(k, tab, start, end, fired, n_fired, rng) -> n_fired``
  ``"emit"``              step 3, after every population:
                          ``step(k, tab, fired, n_fired, rng) -> n_fired``
  ======================= ===================================================================

  ``step`` is a plain Python function of the block's module that uses only ``math``,
  ``numpy`` (``np``) and :mod:`neurosim.random123` (``random123``); :mod:`neurosim.loop`
  copies its source into the generated loop, compiled with numba, so the compiled loop of a
  network contains only the blocks it uses and the cache key covers their text;
- ``order``: the position among the blocks of one phase (deliver: the current events set
  ``i_det`` before the noise adds to ``i_inj``);
- ``mutable``: the fields that change while a simulation runs (checkpoints copy them back);
- ``room(tables)``: how many spikes the block may add to one step beyond one per neuron
  (spike-time sources can emit several spikes of one neuron in a step);
- ``channels``: whether each item delivers through a receptor channel
  (``item.population``, ``item.synapse``), which the build then makes.

Brian2 and NEST translate the public descriptions, not the tables; an input they do not know
is refused there by name.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from .. import _checks

__all__ = ["InputBlock", "INPUTS", "register_input", "BuildContext", "input_items",
           "CurrentInjection", "PHASES", "BUILT_IN", "check_engine_inputs"]

#: Where an input's code runs in the step (see the module docstring).
PHASES = ("deliver", "population", "emit")

#: The registered input blocks, by name (filled by :func:`register_input`).
INPUTS = {}


class InputBlock:
    """Base class of the engine side of an input (see the module docstring)."""

    name = ""
    phase = ""
    order = 0
    Tables: type = NamedTuple
    mutable: tuple = ()
    channels = False
    #: A ``"deliver"`` block whose step takes the range of neurons to deliver to (see above).
    per_thread = False
    #: The plain Python function copied into the compiled loop.
    step = None

    def build(self, items, ctx):
        """The tables for ``items`` (the descriptions using this block; an empty list for a
        network without it) at step ``ctx.dt``."""
        raise NotImplementedError(f"{type(self).__name__}.build")

    def room(self, tables):
        """Spikes this block may add to one step beyond one per neuron."""
        return 0


def register_input(block_cls):
    """Class decorator: register an :class:`InputBlock` (one instance) in :data:`INPUTS`.

    Checks the contract: a name, a phase of :data:`PHASES`, ``Tables`` a ``NamedTuple`` whose
    ``mutable`` fields exist, and ``step`` a plain function."""
    block = block_cls()
    name = block.name
    if not name or not name.isidentifier():
        raise ValueError(f"register_input: {block_cls.__name__}.name must be an identifier, "
                         f"got {name!r}")
    if block.phase not in PHASES:
        raise ValueError(f"register_input: {block_cls.__name__}.phase must be one of "
                         f"{PHASES}, got {block.phase!r}")
    fields = getattr(block.Tables, "_fields", None)
    if not fields:
        raise TypeError(f"register_input: {block_cls.__name__}.Tables must be a NamedTuple "
                        f"of arrays")
    unknown = set(block.mutable) - set(fields)
    if unknown:
        raise ValueError(f"register_input: {block_cls.__name__}.mutable names "
                         f"{sorted(unknown)}, which are not fields of its Tables {fields}")
    step = block_cls.__dict__.get("step")
    step = getattr(step, "__func__", step)
    if not callable(step) or not hasattr(step, "__code__"):
        raise TypeError(f"register_input: {block_cls.__name__}.step must be a plain function "
                        f"(its source is compiled into the loop)")
    if name in INPUTS and type(INPUTS[name]).__qualname__ != block_cls.__qualname__:
        raise ValueError(f"register_input: an input named {name!r} is registered already "
                         f"({type(INPUTS[name]).__name__})")
    INPUTS[name] = block
    return block_cls


class BuildContext(NamedTuple):
    """What a block's ``build`` may read: the step ``dt`` (ms), the number of neurons, the
    first neuron of each population (``pop_start``, indexed by ``pop_index[id(pop)]``),
    each channel's first slot (``ch_start``), the channel of each item that delivers
    through one (``item_channel[id(item)]``) and ``seed``, a number drawn from the
    simulator's generator for the build, from which a block that draws with a counter-based
    generator derives its key (``np.random.default_rng([seed, <a number of its own>])``)."""
    dt: float
    n_total: int
    pop_start: np.ndarray
    pop_index: dict
    ch_start: np.ndarray
    item_channel: dict
    seed: int = 0

    def first(self, population):
        """The global index of ``population``'s neuron 0."""
        return int(self.pop_start[self.pop_index[id(population)]])


def input_items(network):
    """``{block name: [items]}`` for the inputs of ``network``, in the order they were added:
    spike-source populations (their model's ``_input``), injections (their current's) and
    drives such as :meth:`~neurosim.Network.poisson_input` (their own)."""
    out = {}
    for pop in network.populations:
        name = getattr(pop.model, "_input", None)
        if name is not None:
            out.setdefault(name, []).append(pop)
    for inj in network.injections:
        out.setdefault(inj.current._input, []).append(inj)
    for drive in network.poisson_inputs:
        out.setdefault(drive._input, []).append(drive)
    for name in out:
        if name not in INPUTS:
            raise ValueError(f"input {name!r} is not registered (neurosim.inputs.INPUTS has "
                             f"{sorted(INPUTS)}); decorate its block with @register_input")
    return out


#: The inputs the Brian2 and NEST engines translate (by block name).
BUILT_IN = frozenset({"currents", "noise", "poisson_source", "spike_times", "poisson_input"})


def check_engine_inputs(network, engine):
    """Refuse, by name, an input that another engine cannot translate (a registered block of
    neurosim's own engine only): ``NotImplementedError`` naming the input and its target."""
    for name, items in input_items(network).items():
        if name in BUILT_IN:
            continue
        item = items[0]
        if hasattr(item, "model"):
            what = f"{type(item.model).__name__} (population {item.name!r})"
        elif hasattr(item, "current"):
            what = f"{type(item.current).__name__} (injected into {item.population.name!r})"
        else:
            what = type(item).__name__
        raise NotImplementedError(f"{engine} does not run the input {what}: its block "
                                  f"{name!r} is neurosim's own; use engine 'neurosim'")


def is_number(x):
    """A real number (a NumPy scalar or 0-d array too), not a bool."""
    x = x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def short(values, n=6):
    """``values`` written as in a list, the middle left out when there are more than ``n``."""
    shown = [repr(v) for v in values]
    if len(shown) > n:
        shown = shown[:n // 2] + ["..."] + shown[-(n // 2):]
    return ", ".join(shown)


class CurrentInjection:
    """Base class of the injected currents (piecewise constant on the step grid).

    All sources follow one convention for their arguments: the required ones are positional,
    the times before the amplitudes (``StepCurrent(times, amplitudes)``,
    ``RampCurrent(start, stop, amplitude_start, amplitude_stop)``, ``DCCurrent(amplitude)``),
    as NEST's ``step_current_generator`` lists ``amplitude_times`` before
    ``amplitude_values``; the optional ones, times among them (``DCCurrent(..., start=)``,
    ``NoisyCurrent(start=, stop=, mean=, std=)``), are keyword-only, so that no call can put a
    time where an amplitude is meant.

    A subclass names the input block that runs it (``_input``, see
    :mod:`neurosim.inputs.base`); the piecewise-constant ones use ``"currents"`` and say their
    ``_segments(dt)``.
    """

    _input = "currents"

    def _segments(self, dt):
        """``(times, amplitudes)``: amplitude ``amplitudes[k]`` (pA) holds from ``times[k]``."""
        raise NotImplementedError(f"{type(self).__name__}._segments")

    def _amplitudes(self):
        """The amplitude values (scalars or per-neuron arrays), for shape checks."""
        return self._segments(None)[1]


def amplitude(owner, name, value):
    """A current in pA: a float, or a read-only 1-D array of one value per target neuron."""
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{owner}.{name} must be numbers (pA), got {value!r}")
    arr = _checks.finite_array(owner, name, value, "pA")
    if arr.ndim == 0:
        return float(arr)
    if arr.ndim != 1:
        raise ValueError(f"{owner}.{name} must be a scalar or 1-D (one value per target "
                         f"neuron), got shape {arr.shape}")
    arr.setflags(write=False)
    return arr


def cat(parts, dtype):
    """Concatenate a list of arrays (possibly empty) into one array of ``dtype``."""
    if not parts:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(parts).astype(dtype, copy=False)
