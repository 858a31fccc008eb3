"""Networks in and out of NIR, the Neuromorphic Intermediate Representation.

:func:`from_nir` builds a :class:`~neurosim.Network` from a NIR graph (an ``nir.NIRGraph`` or a
file written by ``nir.write``); :func:`to_nir` writes such a network back as a graph. ``nir`` is
an optional dependency (``pip install "neurosim[nir]"``), imported only here.

How a graph is read
-------------------
NIR nodes are continuous-time equations without units. The tools that write graphs of
discrete-time models (snnTorch, Norse, Spyx, and :func:`artificial.to_nir`) all mean them to be
stepped at the time step ``dt`` they were trained with, by forward Euler, the synaptic current
first and the membrane with the new current::

    I[t] = I[t-1] + dt/tau_syn (w_in S[t] - I[t-1])          (CubaLIF, CubaLI only)
    v[t] = v[t-1] + dt/tau (v_leak - v[t-1] + r I[t])        (dt/tau_mem for CubaLIF)
    spike when v[t] > v_threshold; then v[t] = v_reset

where ``S[t]`` is what reaches the node in step ``t`` (``W x[t] + b`` through an ``Affine``,
each input spike counting 1), and for ``LIF``/``LI`` ``I[t] = S[t]``. ``IF``/``I`` have
``v[t] = v[t-1] + dt r I[t]``. snnTorch's ``beta`` is ``1 - dt/tau`` and its ``alpha``
``1 - dt/tau_syn``. This reading (``discretization="euler"``, the only one so far) is what
:func:`from_nir` reproduces, step for step: neurosim integrates the membrane by forward Euler
(``scheme="euler"``) and carries ``I`` in an exponential current synapse whose decay over one
step is ``1 - dt/tau_syn`` and whose step mean (what a non-exact scheme sees) is ``I[t]``; a
``LIF`` receives its input through a synapse that decays to exactly 0 within one step
(``tau = dt/1000``). The two agree to rounding (a few units in the last place), so spikes agree
except where a membrane ends a step within rounding of its threshold.

Units: NIR has none. Times in a graph are in seconds (what snnTorch and Norse write;
``ms_per_unit`` changes it), and become ms; a NIR potential of 1 is 1 mV and a current of 1 is
1 pA, so ``r`` is in mV/pA (GOhm). Neurons start at rest (``v = v_leak``, ``I = 0``).

Timing: neurosim delivers a spike one step after it is emitted at the earliest (a delay of 0,
:mod:`neurosim.delays`), where a discrete-time model passes it through a whole feed-forward
stack within one step. Each node therefore runs ``lag`` steps behind the graph (``lag`` = its
depth: 0 for inputs, 1 for the first layer, ...), a feed-forward synapse acts
``lag[post] - lag[pre]`` steps after its spike (a delay one step shorter), plus any ``Delay``
node, and a recurrent connection (an edge back to an earlier node, such as a self-loop) the
one step it has in the discrete model (delay 0). ``NIRImport.spikes`` returns spikes
re-aligned to the graph's steps.

Nodes simulated: ``Input``, ``Output``, ``LIF``, ``CubaLIF``, ``IF``, ``LI``, ``CubaLI``, ``I``
(the last three never spike), ``Affine``, ``Linear``, ``Scale``, ``Delay`` (whole steps),
``Identity`` and nested ``NIRGraph`` nodes (flattened, the inner names joined with ``.``).
Anything else is refused by name.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _checks
from .connectivity import FromList
from .inputs import SpikeTimes
from .network import Network
from .neurons import NeuronModel, channel_coefficients
from .synapses import KIND_EXP, ExpCurrent

__all__ = ["from_nir", "to_nir", "NIRImport", "NEURON_NODES", "DISCRETIZATIONS"]

#: NIR node types simulated as neuron populations (the last three never spike).
NEURON_NODES = ("LIF", "CubaLIF", "IF", "LI", "CubaLI", "I")
_LINEAR_NODES = ("Affine", "Linear", "Scale", "Delay", "Identity")
DISCRETIZATIONS = ("euler",)
_SPIKING = ("LIF", "CubaLIF", "IF")
_CUBA = ("CubaLIF", "CubaLI")
#: A synapse this much shorter than dt decays to exactly 0.0 within one step (exp(-1000)
#: underflows), so it holds an input for exactly one step.
_ONE_STEP = 1e-3

_EQUATIONS = {
    "leaky": "dv/dt = (v_leak - v + r*i_syn)/tau : mV",
    "integrator": "dv/dt = r*i_syn/t_unit : mV\nr : mV/pA\nt_unit : ms",
}
_NEVER = "0*mV > 1*mV"  # the threshold of the nodes that never spike


def _nir():
    try:
        import nir
    except ImportError:
        raise ImportError("neurosim.from_nir and neurosim.to_nir need the package 'nir': "
                          "pip install 'neurosim[nir]'") from None
    return nir


# --- the record of an import ----------------------------------------------------------------


@dataclass
class NIRImport:
    """What :func:`from_nir` made of a graph; the network keeps it as ``net.nir``.

    Attributes
    ----------
    dt : float
        The time step (ms) the network must be simulated with.
    ms_per_unit : float
        ms per time unit of the graph.
    discretization : str
    batch : int
        Copies of the graph side by side (one per input sample); neuron ``j`` of copy ``b`` of a
        node of ``n`` neurons is neuron ``b n + j`` of its population.
    populations : dict
        Node name -> :class:`~neurosim.network.Population` (inputs and neuron nodes).
    inputs, outputs : dict
        Input node name -> population; Output node name -> the name of the node feeding it.
    sizes : dict
        Node name -> neurons per copy.
    lag : dict
        Node name -> steps the node runs behind the graph (module docstring).
    kinds : dict
        Node name -> NIR type name (``"Input"``, ``"LIF"``, ...).
    params : dict
        Neuron node name -> its NIR parameters (1-D arrays, graph units), as read.
    models, synapses, gains : dict
        Neuron node name -> its neurosim model, its synapse kinetics, and the factor per
        neuron from a NIR input to a synaptic weight (pA).
    spike_monitors, state_monitors : dict
        Node name -> its spike monitor / membrane-potential monitor (:meth:`record_v`).
    hops : list
        The connections between nodes, each the sum over the linear nodes on the way.
    bias : Population or None
        The one neuron that fires every step and carries the Affine biases.
    net : Network
        The network this describes.
    """

    dt: float
    ms_per_unit: float
    discretization: str
    batch: int
    populations: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    outputs: dict = field(default_factory=dict)
    sizes: dict = field(default_factory=dict)
    lag: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    synapses: dict = field(default_factory=dict)
    gains: dict = field(default_factory=dict)
    spike_monitors: dict = field(default_factory=dict)
    state_monitors: dict = field(default_factory=dict)
    hops: list = field(default_factory=list)
    bias: object = None
    net: object = None

    def steps_needed(self, steps):
        """Simulated time (ms) for every node to complete ``steps`` steps of the graph."""
        return (steps + max(self.lag.values(), default=0)) * self.dt

    def _node(self, node):
        if node in self.outputs:
            node = self.outputs[node]
        if node not in self.populations:
            raise ValueError(f"NIRImport: no node {node!r}; nodes: {sorted(self.populations)}")
        return node

    def spikes(self, sim, node, steps):
        """The spikes of ``node`` (or of the node feeding an Output of that name) in the graph's
        steps ``0 .. steps-1``: an array ``(batch, steps, n)`` of 0 and 1."""
        node = self._node(node)
        if node not in self.spike_monitors:
            raise ValueError(f"NIRImport.spikes: node {node!r} ({self.kinds[node]}) does not "
                             f"spike")
        rec = sim.data[self.spike_monitors[node]]
        n, lag = self.sizes[node], self.lag[node]
        out = np.zeros((self.batch, steps, n))
        k = rec.steps - lag
        ok = (k >= 0) & (k < steps)
        b, j = np.divmod(rec.neurons[ok], n)
        out[b, k[ok], j] = 1.0
        return out

    def record_v(self, node):
        """Record the membrane potential of every neuron of ``node`` (call before building the
        simulator); read it with :meth:`potentials`."""
        node = self._node(node)
        if node in self.inputs:
            raise ValueError(f"NIRImport.record_v: {node!r} is an input")
        if node not in self.state_monitors:
            self.state_monitors[node] = self.net.record(self.populations[node], "v")
        return self.state_monitors[node]

    def potentials(self, sim, node, steps):
        """The membrane potential (mV = NIR units) of ``node`` at the end of the graph's steps
        ``0 .. steps-1``, after any reset: ``(batch, steps, n)``."""
        node = self._node(node)
        if node not in self.state_monitors:
            raise ValueError(f"NIRImport.potentials: call record_v({node!r}) before building the "
                             f"simulator")
        rec = sim.data[self.state_monitors[node]]
        lag, n = self.lag[node], self.sizes[node]
        values = rec.values[lag:lag + steps]
        if values.shape[0] < steps:
            raise ValueError(f"NIRImport.potentials: {node!r} has {values.shape[0]} of the "
                             f"{steps} steps asked for; run for steps_needed({steps}) ms")
        return values.reshape(steps, self.batch, n).transpose(1, 0, 2)


# --- reading a graph ------------------------------------------------------------------------


def _flatten(graph, nir, prefix=""):
    """``(nodes, edges)`` with nested graphs replaced by their contents (names joined with
    ``.``); a nested graph's Input and Output nodes become pass-through nodes."""
    nodes, edges = {}, []
    ends = {}
    for name, node in graph.nodes.items():
        full = prefix + name
        if isinstance(node, nir.NIRGraph):
            inner_nodes, inner_edges = _flatten(node, nir, full + ".")
            for iname, inode in inner_nodes.items():  # deeper ones are already ("pass", ..)
                if isinstance(inode, (nir.Input, nir.Output)):
                    inner_nodes[iname] = ("pass", inode)
            nodes.update(inner_nodes)
            edges += inner_edges
            ins = [full + "." + k for k, v in node.nodes.items() if isinstance(v, nir.Input)]
            outs = [full + "." + k for k, v in node.nodes.items() if isinstance(v, nir.Output)]
            if len(ins) != 1 or len(outs) != 1:
                raise ValueError(f"from_nir: nested graph {full!r} must have one Input and one "
                                 f"Output node, got {len(ins)} and {len(outs)}")
            ends[full] = (ins[0], outs[0])
        else:
            nodes[full] = node
    for src, dst in graph.edges:
        src, dst = prefix + src, prefix + dst
        src = ends[src][1] if src in ends else src
        dst = ends[dst][0] if dst in ends else dst
        edges.append((src, dst))
    return nodes, edges


def _array(owner, name, value, n=None):
    arr = np.asarray(value, dtype=np.float64).reshape(-1) if np.ndim(value) else \
        np.full(1 if n is None else n, float(value))
    if n is not None and arr.size == 1 and n != 1:
        arr = np.full(n, arr[0])
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{owner}.{name} must be finite, got {float(arr[~np.isfinite(arr)][0])!r}")
    return arr


def _neuron_params(name, node, kind):
    """The node's parameters as 1-D float arrays of its size (times still in graph units)."""
    owner = f"NIR node {name!r} ({kind})"
    fields = {"LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
              "LI": ("tau", "r", "v_leak"),
              "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"),
              "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
              "IF": ("r", "v_threshold", "v_reset"),
              "I": ("r",)}[kind]
    shapes = [np.shape(getattr(node, f)) for f in fields]
    if any(len(s) > 1 for s in shapes):
        raise ValueError(f"from_nir: {owner} has parameters of shape {max(shapes, key=len)}; "
                         f"only one-dimensional layers (a vector of neurons) are simulated")
    n = max((s[0] for s in shapes if s), default=1)
    p = {f: _array(owner, f, getattr(node, f), n) for f in fields}
    for f in ("tau", "tau_syn", "tau_mem"):
        if f in p and not np.all(p[f] > 0):
            raise ValueError(f"from_nir: {owner}.{f} must be > 0, got {float(p[f][p[f] <= 0][0])!r}")
    return n, p


def _shared_or_array(values, batch):
    """One number when every neuron has the same value, else the values of ``batch`` copies."""
    return float(values[0]) if np.all(values == values[0]) else np.tile(values, batch)


def _model(name, kind, p, dt, ms, batch):
    """The neurosim model of a neuron node, its synapse kinetics and the factor (per neuron)
    by which a NIR input ``S`` becomes a synaptic weight (pA)."""
    owner = f"NIR node {name!r} ({kind})"
    if kind in ("IF", "I"):
        params = {"r": _shared_or_array(p["r"], batch), "t_unit": ms}
        eq = _EQUATIONS["integrator"]
    else:
        tau = (p["tau_mem"] if kind in _CUBA else p["tau"]) * ms
        if np.any(tau < dt):
            bad = float(tau[tau < dt][0])
            raise ValueError(f"from_nir: {owner}: the membrane time constant must be >= dt for "
                             f"forward Euler (a decay factor 1 - dt/tau >= 0), got {bad!r} ms "
                             f"with dt = {dt!r} ms")
        params = {"v_leak": _shared_or_array(p["v_leak"], batch), "r": _shared_or_array(p["r"], batch),
                  "tau": _shared_or_array(tau, batch)}
        eq = _EQUATIONS["leaky"]
    if kind in _SPIKING:
        params["v_threshold"] = _shared_or_array(p["v_threshold"], batch)
        params["v_reset"] = _shared_or_array(p["v_reset"], batch)
        threshold, reset = "v > v_threshold", "v = v_reset"
    else:
        threshold, reset = _NEVER, ""
    model = NeuronModel.from_equations(eq, threshold=threshold, reset=reset, parameters=params,
                                       scheme="euler", name=f"NIR_{kind}")
    if kind in _CUBA:
        tau_syn = p["tau_syn"] * ms
        if not np.all(tau_syn == tau_syn[0]):
            raise ValueError(f"from_nir: {owner}.tau_syn must be the same for all neurons (one "
                             f"synapse kinetics per population), got values from "
                             f"{float(tau_syn.min())!r} to {float(tau_syn.max())!r} ms")
        decay = 1.0 - dt / tau_syn[0]
        if decay < 0:
            raise ValueError(f"from_nir: {owner}.tau_syn must be >= dt for forward Euler (a "
                             f"decay factor 1 - dt/tau_syn >= 0), got {float(tau_syn[0])!r} ms with "
                             f"dt = {dt!r} ms")
        tau_c = dt * _ONE_STEP if decay == 0 else -dt / math.log(decay)
        gain = p["w_in"] * (dt / tau_syn)
    else:
        tau_c = dt * _ONE_STEP
        gain = np.ones_like(p["r"])
    synapse = ExpCurrent(tau=tau_c)
    mean = channel_coefficients(KIND_EXP, tau_c, dt)[5]  # what the Euler step sees of x
    return model, synapse, gain / mean


class _Hop:
    """Everything from one spiking node (or an Affine's bias) to one neuron node."""

    def __init__(self, src, dst, back=False):
        self.src, self.dst, self.back = src, dst, back
        self.parts = {}      # extra delay (steps) -> matrix (n_dst, n_src)
        self.names = []      # the linear nodes on the way (for to_nir)

    def add(self, delay, matrix):
        if delay in self.parts:
            self.parts[delay] = self.parts[delay] + matrix
        else:
            self.parts[delay] = matrix


def _apply(name, node, kind, parts, dt, ms):
    """``parts`` (extra delay -> matrix, rows = the signal's dimension) through one node."""
    if kind in ("Identity", "pass"):
        return parts
    if kind in ("Affine", "Linear"):
        w = np.asarray(node.weight, dtype=np.float64)
        if w.ndim != 2:
            raise ValueError(f"from_nir: {kind} node {name!r} has a weight of shape {w.shape}; "
                             f"only matrices (out, in) are simulated")
        cols = next(iter(parts.values())).shape[0]
        if w.shape[1] != cols:
            raise ValueError(f"from_nir: {kind} node {name!r} has a weight of shape {w.shape} "
                             f"(out, in) but receives {cols} values")
        return {d: w @ m for d, m in parts.items()}
    if kind == "Scale":
        s = np.asarray(node.scale, dtype=np.float64).reshape(-1)
        return {d: s[:, None] * m for d, m in parts.items()}
    # Delay: rows with different delays go to different parts
    delay = np.asarray(node.delay, dtype=np.float64).reshape(-1) * ms / dt
    steps = np.rint(delay)
    bad = (np.abs(delay - steps) > 1e-9 * np.maximum(1.0, np.abs(delay))) | (steps < 0)
    if np.any(bad):
        raise ValueError(f"from_nir: Delay node {name!r}: delays must be whole multiples of dt "
                         f"= {dt!r} ms and >= 0, got {float(delay[bad][0]) * dt!r} ms")
    out = {}
    for d, m in parts.items():
        for s in np.unique(steps):
            rows = (steps == s)[:, None]
            key = d + int(s)
            out[key] = out.get(key, 0.0) + np.where(rows, m, 0.0)
    return out


def _input_spikes(inputs, input_names, sizes):
    """``{name: array (batch, steps, n)}`` and the batch size from the ``inputs`` argument."""
    if inputs is None:
        return {}, 1
    if not isinstance(inputs, dict):
        if len(input_names) != 1:
            raise ValueError(f"from_nir: the graph has inputs {input_names}; give inputs as a "
                             f"dict name -> spike array")
        inputs = {input_names[0]: inputs}
    out = {}
    batch = None
    for name, value in inputs.items():
        if name not in input_names:
            raise ValueError(f"from_nir: inputs names {name!r}, which is not an Input node of "
                             f"the graph; inputs: {input_names}")
        arr = np.asarray(value, dtype=np.float64)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3 or arr.shape[2] != sizes[name]:
            raise ValueError(f"from_nir: inputs[{name!r}] must have shape (steps, {sizes[name]}) "
                             f"or (batch, steps, {sizes[name]}), got {np.shape(value)}")
        if not np.all((arr == 0) | (arr == 1)):
            bad = float(arr[(arr != 0) & (arr != 1)][0])
            raise ValueError(f"from_nir: inputs[{name!r}] must be spikes, 0 or 1 per step, got "
                             f"{bad!r}")
        if batch is not None and arr.shape[0] != batch:
            raise ValueError(f"from_nir: every input needs the same batch size, got "
                             f"{batch} and {arr.shape[0]}")
        batch = arr.shape[0]
        out[name] = arr
    return out, batch or 1


def from_nir(graph: Any, dt: float = 1.0, *,
             inputs: npt.ArrayLike | Mapping[str, npt.ArrayLike] | None = None,
             ms_per_unit: float = 1000.0, discretization: str = "euler") -> Network:
    """Build a :class:`~neurosim.Network` from a NIR graph (module docstring).

    Parameters
    ----------
    graph : nir.NIRGraph or str or path
        A graph, or a file written by ``nir.write``.
    dt : float
        The time step, ms, of the discrete-time model the graph describes (snnTorch writes
        graphs for dt = 1e-4 s: give 0.1). Simulate the network with this ``dt``.
    inputs : array or dict, optional
        Spikes (0 or 1) per step for the Input node(s): shape ``(steps, n)``, or
        ``(batch, steps, n)`` to simulate ``batch`` copies of the graph side by side (one per
        sample); a dict by Input node name when there are several. Default: silent inputs.
    ms_per_unit : float
        ms per time unit of the graph (1000: graphs give seconds).
    discretization : {"euler"}
        How the graph's equations are stepped (module docstring).

    Returns
    -------
    Network
        Populations named after the graph's nodes (the Input nodes are spike sources); spikes
        of every spiking node are recorded. ``net.nir`` (:class:`NIRImport`) maps nodes to
        populations and reads spikes and potentials in the graph's steps.
    """
    nir = _nir()
    if isinstance(graph, (str, os.PathLike)):
        graph = nir.read(graph)
    if not isinstance(graph, nir.NIRGraph):
        raise TypeError(f"from_nir: graph must be a nir.NIRGraph or the path of a NIR file, got "
                        f"{type(graph).__name__}")
    dt = _checks.positive("from_nir", "dt", dt, "ms")
    ms = _checks.positive("from_nir", "ms_per_unit", ms_per_unit)
    _check_graph_dt("from_nir", graph, dt, ms)
    if discretization not in DISCRETIZATIONS:
        raise ValueError(f"from_nir: discretization must be one of {list(DISCRETIZATIONS)}, got "
                         f"{discretization!r}")
    nodes, edges = _flatten(graph, nir)
    kinds, sizes, params = {}, {}, {}
    for name, node in nodes.items():
        if isinstance(node, tuple):
            kinds[name] = "pass"
            continue
        kind = type(node).__name__
        if kind not in NEURON_NODES + _LINEAR_NODES + ("Input", "Output"):
            raise ValueError(f"from_nir: node {name!r} is a {kind}, which neurosim does not "
                             f"simulate; supported: {', '.join(NEURON_NODES + _LINEAR_NODES)}, "
                             f"Input, Output")
        kinds[name] = kind
        if kind in NEURON_NODES:
            sizes[name], params[name] = _neuron_params(name, node, kind)
        elif kind == "Input":
            shape = np.asarray(node.input_type["input"]).reshape(-1)
            if shape.size != 1:
                raise ValueError(f"from_nir: Input node {name!r} has shape {tuple(shape)}; only "
                                 f"one-dimensional inputs are simulated")
            sizes[name] = int(shape[0])
    succ = {name: [] for name in nodes}
    for src, dst in edges:
        for end in (src, dst):
            if end not in nodes:
                raise ValueError(f"from_nir: an edge names node {end!r}, which the graph lacks")
        succ[src].append(dst)
    spiking = [n for n in nodes if kinds[n] in NEURON_NODES or kinds[n] == "Input"]

    # Trace every spiking node and every bias through the linear nodes to the neuron nodes.
    hops = {}
    outputs = {}

    def trace(start, node, parts, names, depth):
        if depth > len(nodes):
            raise ValueError(f"from_nir: a cycle through {node!r} has no neuron node in it")
        for nxt in succ[node]:
            kind = kinds[nxt]
            if kind in NEURON_NODES:
                for m in parts.values():
                    if m.shape[0] != sizes[nxt]:
                        raise ValueError(f"from_nir: node {nxt!r} has {sizes[nxt]} neurons but "
                                         f"receives {m.shape[0]} values from {start!r}")
                hop = hops.setdefault((start, nxt), _Hop(start, nxt))
                for d, m in parts.items():
                    hop.add(d, m)
                hop.names = names
            elif kind == "Output":
                if start not in spiking or names:
                    raise ValueError(f"from_nir: Output node {nxt!r} must be fed directly by a "
                                     f"neuron or Input node; it is fed through {names or start}")
                outputs[nxt] = start
            else:
                trace(start, nxt, _apply(nxt, nodes[nxt], kind, parts, dt, ms),
                      names + [nxt] if kind not in ("pass", "Identity") else names, depth + 1)

    for name in spiking:
        trace(name, name, {0: np.eye(sizes[name])}, [], 0)
    for name in nodes:
        if kinds[name] == "Affine" and np.any(np.asarray(nodes[name].bias) != 0):
            b = np.asarray(nodes[name].bias, dtype=np.float64).reshape(-1, 1)
            trace(("bias", name), name, {0: b}, [name], 0)

    # Lags: depth along feed-forward hops; hops closing a cycle are recurrent (one step).
    lag = {}
    state = {}
    back = set()
    adj = {}
    for (src, dst) in hops:
        if isinstance(src, tuple):
            continue
        adj.setdefault(src, []).append(dst)

    def visit(u):
        state[u] = 1
        for v in adj.get(u, []):
            if state.get(v) == 1:
                back.add((u, v))
            elif v not in state:
                visit(v)
        state[u] = 2

    roots = [n for n in spiking if kinds[n] == "Input"] + spiking
    for r in roots:
        if r not in state:
            visit(r)
    order = []
    seen = set()

    def topo(u):
        seen.add(u)
        for v in adj.get(u, []):
            if (u, v) not in back and v not in seen:
                topo(v)
        order.append(u)

    for r in roots:
        if r not in seen:
            topo(r)
    for u in reversed(order):
        lag.setdefault(u, 0 if kinds[u] == "Input" else 1)
        for v in adj.get(u, []):
            if (u, v) not in back:
                lag[v] = max(lag.get(v, 1), lag[u] + 1)

    # The network.
    spikes, batch = _input_spikes(inputs, [n for n in spiking if kinds[n] == "Input"], sizes)
    net = Network()
    info = NIRImport(dt=dt, ms_per_unit=ms, discretization=discretization, batch=batch,
                     sizes=sizes, lag=lag, kinds={n: kinds[n] for n in spiking},
                     params=params, outputs=outputs, net=net)
    synapses, gains = info.synapses, info.gains
    for name in spiking:
        n = sizes[name] * batch
        if kinds[name] == "Input":
            arr = spikes.get(name)
            if arr is None:
                times = [[] for _ in range(n)]
            else:
                b, t, j = np.nonzero(arr)
                idx = b * sizes[name] + j
                order_ = np.lexsort((t, idx))
                split = np.searchsorted(idx[order_], np.arange(n + 1))
                tt = t[order_] * dt
                times = [tt[split[i]:split[i + 1]] for i in range(n)]
            pop = net.population(n, SpikeTimes(times), name=name)
            info.inputs[name] = pop
        else:
            model, synapses[name], gains[name] = _model(name, kinds[name], params[name], dt, ms, batch)
            info.models[name] = model
            v0 = params[name].get("v_leak", np.zeros(sizes[name]))
            pop = net.population(n, model, name=name, v=np.tile(v0, batch))
            if kinds[name] in _SPIKING:
                info.spike_monitors[name] = net.record_spikes(pop)
        info.populations[name] = pop
    if any(isinstance(src, tuple) for src, _ in hops):
        bias_name = "bias"
        while bias_name in info.populations:
            bias_name += "_"
        always = NeuronModel.from_equations("dv/dt = 0*mV/ms : mV", threshold="v > v_th",
                                            parameters={"v_th": -1.0}, scheme="euler",
                                            name="NIR_bias")
        info.bias = net.population(1, always, name=bias_name)
    for (src, dst), hop in hops.items():
        hop.back = (src, dst) in back
        post = info.populations[dst]
        if isinstance(src, tuple):
            pre, n_pre, base = info.bias, 1, lag[dst]
        else:
            pre, n_pre = info.populations[src], sizes[src]
            base = lag[dst] - lag[src] + (1 if hop.back else 0)
        n_post = sizes[dst]
        for extra, m in sorted(hop.parts.items()):
            steps = base + extra  # steps from a spike to its effect: the delay is one less
            if steps < 1:
                raise ValueError(f"from_nir: the edge {src!r} -> {dst!r} closes a cycle of "
                                 f"several neuron nodes within one step, which needs a delay "
                                 f"of {steps - 1} steps; neurosim delays are >= 0")
            w = m * gains[dst][:, None]           # (n_post, n_pre)
            j, i = np.nonzero(w)
            if isinstance(src, tuple):
                copies = np.arange(batch)
                pairs = np.stack([np.zeros(j.size * batch, dtype=np.int64),
                                  (copies[:, None] * n_post + j[None, :]).ravel()], axis=1)
            else:
                copies = np.arange(batch)[:, None]
                pairs = np.stack([(copies * n_pre + i[None, :]).ravel(),
                                  (copies * n_post + j[None, :]).ravel()], axis=1)
            weights = np.tile(w[j, i], batch)
            label = f"{src[1] if isinstance(src, tuple) else src}->{dst}"
            proj = net.connect(pre, post, FromList(pairs, weights=weights),
                               synapse=synapses[dst], delay=(steps - 1) * dt,
                               name=f"{label}#{len(net.projections)}")
            proj.nir_hop = (src, dst, extra, list(hop.names), hop.back)
        info.hops.append(hop)
    net.nir = info
    return net


#: Metadata key of the step a graph was written for, in the graph's time unit (s): written by
#: :func:`to_nir` and ``artificial.to_nir``, checked by the readers. NIR defines no such field
#: (its nodes are continuous-time); other tools ignore it.
DT_KEY = "dt"


def _check_graph_dt(owner, graph, dt, ms):
    """Refuse to read a graph with a step other than the one it was written (trained) for:
    its decay factors were computed for that step."""
    written = (getattr(graph, "metadata", None) or {}).get(DT_KEY)
    if written is None:
        return
    written_ms = float(written) * ms
    if not math.isclose(written_ms, dt, rel_tol=1e-9):
        raise ValueError(f"{owner}: the graph was written for a step of {written_ms!r} ms "
                         f"(its metadata {DT_KEY!r} = {float(written)!r}); read with dt = "
                         f"{dt!r} ms every decay factor it encodes would change; give "
                         f"dt={written_ms!r}")


# --- writing a graph ------------------------------------------------------------------------


def to_nir(network: Network) -> Any:
    """The NIR graph of a network made by :func:`from_nir` (copy 0 of a batch).

    The graph has one node per population (the same names and parameters), one ``Linear`` (or
    ``Affine``, carrying the biases) per connection between two nodes, and a ``Delay`` node
    for synapses whose delay exceeds what the reading of the module docstring implies. So
    ``from_nir(to_nir(net))`` simulates what ``net`` does; weights and delays changed on the
    network's projections are exported as changed. Parts of a network that NIR cannot express
    are refused by name: injected currents, other synapse kinetics, other models.

    Parameters
    ----------
    network : Network

    Returns
    -------
    nir.NIRGraph
    """
    nir = _nir()
    if not isinstance(network, Network):
        raise TypeError(f"to_nir: network must be a neurosim Network, got "
                        f"{type(network).__name__}")
    info = getattr(network, "nir", None)
    if not isinstance(info, NIRImport):
        raise ValueError("to_nir: this network was not made by from_nir; only networks of the "
                         "NIR node models (from_nir) can be written as NIR so far")
    if network.injections:
        inj = network.injections[0]
        raise ValueError(f"to_nir: the {type(inj.current).__name__} injected into "
                         f"{inj.population.name!r} has no NIR equivalent")
    dt, ms = info.dt, info.ms_per_unit
    nodes, edges = {}, []
    for name, pop in info.populations.items():
        kind = info.kinds[name]
        n = info.sizes[name]
        if kind == "Input":
            nodes[name] = nir.Input(input_type=np.array([n]))
            continue
        if pop.model is not info.models[name]:
            raise ValueError(f"to_nir: population {name!r} no longer has the model from_nir "
                             f"made for it, got {pop.model!r}")
        p = info.params[name]
        fields = {"LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
                  "LI": ("tau", "r", "v_leak"),
                  "CubaLIF": ("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset",
                              "w_in"),
                  "CubaLI": ("tau_syn", "tau_mem", "r", "v_leak", "w_in"),
                  "IF": ("r", "v_threshold", "v_reset"),
                  "I": ("r",)}[kind]
        nodes[name] = getattr(nir, kind)(**{f: p[f].copy() for f in fields})
    by_pop = {id(p): name for name, p in info.populations.items()}
    linear, hop_names = {}, {}
    for proj in network.projections:
        hop = getattr(proj, "nir_hop", None)
        if hop is None:
            raise ValueError(f"to_nir: projection {proj.name!r} was not made by from_nir")
        src, dst, _, names, back = hop
        if by_pop.get(id(proj.post)) != dst or proj.synapse != info.synapses[dst]:
            raise ValueError(f"to_nir: projection {proj.name!r} has synapse "
                             f"{proj.synapse!r}, which its NIR node {dst!r} does not imply")
        con = proj.connector
        if not isinstance(con, FromList) or con.weights is None:
            raise ValueError(f"to_nir: projection {proj.name!r} must use FromList with weights")
        pairs = con.pairs_
        n_post = info.sizes[dst]
        n_pre = 1 if isinstance(src, tuple) else info.sizes[src]
        keep = pairs[:, 1] < n_post                      # copy 0
        pre, post = pairs[keep, 0], pairs[keep, 1]
        w = con.weights[keep] / info.gains[dst][post]
        delays = np.full(pre.size, proj.delay if proj.delay is not None else dt, dtype=float)
        if np.ndim(proj.delay) == 1:
            delays = np.asarray(proj.delay, dtype=float)[keep]
        if isinstance(src, tuple):
            base = info.lag[dst]
        else:
            base = info.lag[dst] - info.lag[src] + (1 if back else 0)
        extra = np.rint(delays / dt).astype(int) + 1 - base
        if np.any(extra < 0):
            raise ValueError(f"to_nir: projection {proj.name!r} has a delay shorter than the "
                             f"{base} steps its place in the graph implies")
        hop_names[(src, dst)] = names
        for e in np.unique(extra):
            sel = extra == e
            key = (src, dst, int(e))
            mat = linear.setdefault(key, np.zeros((n_post, n_pre)))
            np.add.at(mat, (post[sel], pre[sel]), w[sel])
    # Biases become the bias of the Affine of the first connection into their node.
    biases = {dst: m[:, 0] for (src, dst, e), m in linear.items() if isinstance(src, tuple)}
    for (src, dst, e), m in linear.items():
        if isinstance(src, tuple):
            if e != 0:
                raise ValueError(f"to_nir: the bias of {dst!r} has a delay")
            continue
        names = hop_names.get((src, dst), [])
        lname = names[0] if len(names) == 1 else f"{src}_to_{dst}"
        lname += f"_delay{e}" if e else ""
        while lname in nodes:
            lname += "_"
        if dst in biases:
            nodes[lname] = nir.Affine(weight=m, bias=biases.pop(dst))
        else:
            nodes[lname] = nir.Linear(weight=m)
        if e:
            dname = lname + "_delay"
            nodes[dname] = nir.Delay(delay=np.full(m.shape[0], e * dt / ms))
            edges += [(src, lname), (lname, dname), (dname, dst)]
        else:
            edges += [(src, lname), (lname, dst)]
    if biases:
        raise ValueError(f"to_nir: node {next(iter(biases))!r} has a bias but no input "
                         f"connection to carry it")
    for out, src in info.outputs.items():
        nodes[out] = nir.Output(output_type=np.array([info.sizes[src]]))
        edges.append((src, out))
    return nir.NIRGraph(nodes=nodes, edges=edges,  # with NIR's own type checks
                        metadata={DT_KEY: dt / ms})
