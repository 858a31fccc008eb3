"""Spiking models in and out of NIR, the Neuromorphic Intermediate Representation.

:func:`to_nir` writes a trained :class:`~artificial.Sequential` of spiking layers as a NIR graph
that snnTorch, Norse, neurosim (:func:`neurosim.from_nir`) and others read; :func:`from_nir`
loads such a graph back into a ``Sequential``. ``nir`` is optional
(``pip install "neurosim[nir]"``) and imported only here.

The mapping
-----------
A layer (:mod:`artificial.spiking`) steps, with ``alpha = exp(-dt/tau_syn)`` and
``beta = exp(-dt/tau_m)``::

    i[t] = alpha i[t-1] + x[t] @ W + b
    u[t] = beta v[t-1] + (1 - beta) i[t]

NIR's nodes are continuous-time (``tau_syn dI/dt = -I + w_in S``,
``tau_mem dv/dt = v_leak - v + r I``); the tools that exchange discrete-time models through NIR
read them by one forward-Euler step of ``dt`` (snnTorch sets ``beta = 1 - dt/tau``; see
:mod:`neurosim.nir_exchange`). So that every reader steps exactly our layer, the graph gives

====================  ==================================================================
``Affine``            ``weight = (1 - beta) W.T`` (out, in), ``bias = (1 - beta) b`` (a
                      ``Linear`` without bias); ``(1 - beta)`` per output neuron
``CubaLIF``           ``tau_syn = dt/(1 - alpha)``, ``w_in = 1/(1 - alpha)``: one Euler step
                      is ``I[t] = alpha I[t-1] + S[t]``, so ``I = (1 - beta) i``
(or ``LIF``)          when ``tau_syn`` is None (``alpha = 0``: ``I = S``)
membrane              ``tau_mem = dt/(1 - beta)``, ``r = tau_mem/dt = 1/(1 - beta)``,
                      ``v_leak = 0``: one Euler step is ``beta v + I = beta v + (1 - beta) i``
spike, reset          ``v_threshold = v_th``, ``v_reset = 0``: reset to zero only
readout layers        ``membrane`` readouts (no spikes) are ``CubaLI``/``LI``; spiking
                      readouts ``CubaLIF``/``LIF``. The reduction over time (max, mean,
                      count, first spike) is not part of the graph.
recurrent kernel      a ``Linear`` (``(1 - beta) V.T``) from the layer back to itself (one
                      step later)
====================  ==================================================================

``r = tau_mem/dt`` and ``w_in = tau_syn/dt`` are snnTorch's own convention (its ``import_nir``
accepts no other), so snnTorch reads these graphs as ``Leaky``/``Synaptic`` layers with our
``alpha`` and ``beta``. Times are written in seconds, ``graph_dt`` per step (default ``dt``
ms / 1000); snnTorch's reader assumes a step of 1e-4 s, so give ``graph_dt=1e-4`` for it (only
the ratios ``dt/tau`` matter to the discrete model). Note ``tau_mem`` is not ``tau_m``:
``dt/(1 - exp(-dt/tau_m)) = tau_m + dt/2 + O(dt^2/tau_m)``.

Refused, by layer: ``reset="subtract"`` (NIR neurons reset to a value; subtracting the threshold
has no NIR equivalent, so a model trained with it must be retrained with ``reset="zero"``) and
non-spiking layers other than the readout. NIR's threshold is ``v > v_threshold`` where our
layers fire at ``u >= v_th``: the two differ only when a potential equals the threshold exactly.
"""

from __future__ import annotations

import math

import numpy as np

from .models import Sequential
from .spiking import LIFDense, LIFRecurrent, SpikeEncoder

__all__ = ["to_nir", "from_nir"]


def _nir():
    try:
        import nir
    except ImportError:
        raise ImportError("artificial.to_nir and artificial.from_nir need the package 'nir': "
                          "pip install 'neurosim[nir]'") from None
    return nir


def _per_neuron(value, n):
    return np.full(n, float(value)) if np.ndim(value) == 0 else np.asarray(value, float).copy()


def to_nir(model, *, graph_dt=None, input_name="input", output_name="output"):
    """The NIR graph of a built :class:`~artificial.Sequential` of spiking layers.

    Parameters
    ----------
    model : Sequential
        An optional :class:`~artificial.SpikeEncoder` (the graph's input is its spike trains),
        then :class:`~artificial.LIFDense` / :class:`~artificial.LIFRecurrent` layers with
        ``reset="zero"``.
    graph_dt : float, optional
        The time step written into the graph, s (default: the layers' ``dt`` / 1000; 1e-4 for
        snnTorch's reader).
    input_name, output_name : str
        Names of the graph's Input and Output nodes.

    Returns
    -------
    nir.NIRGraph
        Nodes ``input``, then per layer ``<name>.affine`` (or ``.linear``), ``<name>`` (the
        neurons) and ``<name>.recurrent``, then ``output``.
    """
    nir = _nir()
    if not isinstance(model, Sequential):
        raise TypeError(f"artificial.to_nir: model must be a Sequential, got "
                        f"{type(model).__name__}")
    if model.params is None:
        raise ValueError("artificial.to_nir: the model is not built yet (fit it, or call build)")
    layers = list(model.layers)
    if layers and isinstance(layers[0], SpikeEncoder):
        layers = layers[1:]
    if not layers:
        raise ValueError("artificial.to_nir: the model has no spiking layer")
    if graph_dt is not None and not (isinstance(graph_dt, (int, float)) and graph_dt > 0):
        raise ValueError(f"artificial.to_nir: graph_dt must be a time step > 0 s, got "
                         f"{graph_dt!r}")
    for k, layer in enumerate(layers):
        name = getattr(layer, "name", None) or type(layer).__name__
        if isinstance(layer, SpikeEncoder):
            raise ValueError(f"artificial.to_nir: layer {name!r} (SpikeEncoder) must be the "
                             f"first layer")
        if not isinstance(layer, LIFDense):
            raise ValueError(f"artificial.to_nir: layer {name!r} is a {type(layer).__name__}; "
                             f"only SpikeEncoder, LIFDense and LIFRecurrent map onto NIR")
        if layer.spiking and layer.reset != "zero":
            raise ValueError(f"artificial.to_nir: layer {name!r} has reset={layer.reset!r}; "
                             f"NIR neurons reset to a value, so only reset='zero' maps exactly "
                             f"(retrain with reset='zero')")
        if layer.readout is not None and k != len(layers) - 1:
            raise ValueError(f"artificial.to_nir: layer {name!r} has a readout but is not the "
                             f"last layer")
    names = [layer.name for layer in layers]
    nodes = {input_name: nir.Input(input_type=np.array([layers[0].input_dim]))}
    edges = []
    prev = input_name
    for layer, name in zip(layers, names):
        U = layer.units
        dt_s = layer.dt / 1000.0 if graph_dt is None else float(graph_dt)
        alpha, beta = layer.decay_factors()
        alpha = _per_neuron(alpha, U)
        beta = _per_neuron(beta, U)
        gain = (1.0 - beta)[:, None]
        weight = gain * np.array(layer.kernel, dtype=np.float64).T
        if layer.use_bias:
            lin = f"{name}.affine"
            nodes[lin] = nir.Affine(weight=weight,
                                    bias=gain[:, 0] * np.array(layer.bias, dtype=np.float64))
        else:
            lin = f"{name}.linear"
            nodes[lin] = nir.Linear(weight=weight)
        tau_mem = dt_s / (1.0 - beta)
        common = dict(r=1.0 / (1.0 - beta), v_leak=np.zeros(U))
        spiking = layer.spiking
        if spiking:
            common.update(v_threshold=np.full(U, layer.v_th), v_reset=np.zeros(U))
        if layer.tau_syn is None:
            node = (nir.LIF if spiking else nir.LI)(tau=tau_mem, **common)
        else:
            tau_syn = dt_s / (1.0 - alpha)
            node = (nir.CubaLIF if spiking else nir.CubaLI)(
                tau_syn=tau_syn, tau_mem=tau_mem, w_in=1.0 / (1.0 - alpha), **common)
        nodes[name] = node
        edges += [(prev, lin), (lin, name)]
        if layer.recurrent:
            rec = f"{name}.recurrent"
            nodes[rec] = nir.Linear(
                weight=gain * np.array(layer.recurrent_kernel, dtype=np.float64).T)
            edges += [(name, rec), (rec, name)]
        prev = name
    nodes[output_name] = nir.Output(output_type=np.array([layers[-1].units]))
    edges.append((prev, output_name))
    # the step the layers were trained for, in the graph's unit (s): readers refuse another
    return nir.NIRGraph(nodes=nodes, edges=edges,  # with NIR's own type checks
                        metadata={"dt": dt_s})


def _chain(graph, nir):
    """The graph as ``[(affine node, neuron name, neuron node, recurrent node or None)]``."""
    succ = {}
    for a, b in graph.edges:
        succ.setdefault(a, []).append(b)
    inputs = [n for n, v in graph.nodes.items() if isinstance(v, nir.Input)]
    if len(inputs) != 1:
        raise ValueError(f"artificial.from_nir: the graph must have one Input node, got "
                         f"{len(inputs)}")
    chain = []
    cur = inputs[0]
    while True:
        nxt = [n for n in succ.get(cur, []) if n != cur]
        if chain:
            nxt = [n for n in nxt if not (isinstance(graph.nodes[n], nir.Linear)
                                          and cur in succ.get(n, []))]
        if len(nxt) != 1:
            raise ValueError(f"artificial.from_nir: node {cur!r} must lead to exactly one next "
                             f"node (a chain of layers), got {nxt}")
        node = graph.nodes[nxt[0]]
        if isinstance(node, nir.Output):
            return chain
        if not isinstance(node, (nir.Affine, nir.Linear)):
            raise ValueError(f"artificial.from_nir: node {nxt[0]!r} is a {type(node).__name__} "
                             f"where an Affine or Linear is expected")
        lin = node
        after = succ.get(nxt[0], [])
        if len(after) != 1:
            raise ValueError(f"artificial.from_nir: node {nxt[0]!r} must feed one node")
        name = after[0]
        neuron = graph.nodes[name]
        if type(neuron).__name__ not in ("LIF", "CubaLIF", "LI", "CubaLI"):
            raise ValueError(f"artificial.from_nir: node {name!r} is a {type(neuron).__name__}; "
                             f"only LIF, CubaLIF, LI and CubaLI map onto LIFDense")
        rec = [n for n in succ.get(name, []) if isinstance(graph.nodes[n], nir.Linear)
               and name in succ.get(n, [])]
        chain.append((lin, name, neuron, graph.nodes[rec[0]] if rec else None))
        cur = name


def _uniform(name, field, values):
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.allclose(values, values[0], rtol=1e-12, atol=0.0):
        raise ValueError(f"artificial.from_nir: node {name!r}.{field} differs between neurons "
                         f"({values.min()!r} to {values.max()!r}); a LIFDense has one value")
    return float(values[0])


def from_nir(graph, dt=1.0, *, readout="membrane", ms_per_unit=1000.0):
    """Load a chain-shaped NIR graph (Input, then Affine/Linear + LIF/CubaLIF/LI/CubaLI per
    layer, optionally a recurrent Linear, then Output) into a :class:`~artificial.Sequential`
    whose input is spike trains ``(batch, steps, features)``.

    The inverse of :func:`to_nir` (module docstring): ``beta = 1 - dt/tau_mem``,
    ``alpha = 1 - dt/tau_syn``, and ``r`` and ``w_in`` folded into the kernel. Needs
    ``v_leak = 0`` and ``v_reset = 0``, and the same time constants and threshold for every
    neuron of a layer.

    Parameters
    ----------
    graph : nir.NIRGraph or str or path
    dt : float
        The step, ms, the graph was written for.
    readout : str
        Readout of a last layer that does not spike (LI/CubaLI): ``"membrane"`` or
        ``"membrane_mean"``.
    ms_per_unit : float
        ms per time unit of the graph (1000: seconds).

    Returns
    -------
    Sequential
        Built, not compiled.
    """
    nir = _nir()
    if not isinstance(graph, nir.NIRGraph):
        graph = nir.read(graph)
    written = (getattr(graph, "metadata", None) or {}).get("dt")
    if written is not None and not math.isclose(float(written) * ms_per_unit, dt, rel_tol=1e-9):
        raise ValueError(f"artificial.from_nir: the graph was written (trained) for a step of "
                         f"{float(written) * ms_per_unit!r} ms (its metadata 'dt' = "
                         f"{float(written)!r}); read with dt = {dt!r} ms every decay factor "
                         f"would change; give dt={float(written) * ms_per_unit!r}")
    chain = _chain(graph, nir)
    model = Sequential(seed=0)
    weights = []
    for k, (lin, name, neuron, rec) in enumerate(chain):
        kind = type(neuron).__name__
        spiking = kind in ("LIF", "CubaLIF")
        for field in ("v_leak",) + (("v_reset",) if spiking else ()):
            if np.any(np.asarray(getattr(neuron, field)) != 0):
                raise ValueError(f"artificial.from_nir: node {name!r}.{field} must be 0 for a "
                                 f"LIFDense")
        tau = neuron.tau_mem if kind.startswith("Cuba") else neuron.tau
        tau = _uniform(name, "tau", tau) * ms_per_unit
        if tau <= dt:
            raise ValueError(f"artificial.from_nir: node {name!r}: tau = {tau!r} ms must exceed "
                             f"dt = {dt!r} ms (beta = 1 - dt/tau > 0)")
        beta = 1.0 - dt / tau
        tau_m = -dt / math.log(beta)
        r = np.asarray(neuron.r, dtype=np.float64).reshape(-1)
        gain = r.copy()  # our i is r I
        tau_syn = None
        if kind.startswith("Cuba"):
            ts = _uniform(name, "tau_syn", neuron.tau_syn) * ms_per_unit
            if ts <= dt:
                raise ValueError(f"artificial.from_nir: node {name!r}: tau_syn = {ts!r} ms must "
                                 f"exceed dt = {dt!r} ms")
            alpha = 1.0 - dt / ts
            tau_syn = -dt / math.log(alpha)
            gain = gain * np.asarray(neuron.w_in, dtype=np.float64).reshape(-1) * (dt / ts)
        w = np.asarray(lin.weight, dtype=np.float64)
        kwargs = dict(tau_m=tau_m, tau_syn=tau_syn, dt=dt, name=name,
                      use_bias=isinstance(lin, nir.Affine))
        if spiking:
            kwargs.update(v_th=_uniform(name, "v_threshold", neuron.v_threshold), reset="zero")
        else:
            if k != len(chain) - 1:
                raise ValueError(f"artificial.from_nir: node {name!r} ({kind}) does not spike, "
                                 f"so it must be the last layer")
            kwargs.update(readout=readout)
        if k == 0:
            kwargs["input_dim"] = w.shape[1]
        layer = (LIFRecurrent if rec is not None else LIFDense)(w.shape[0], **kwargs)
        if rec is not None and not spiking:
            raise ValueError(f"artificial.from_nir: node {name!r} is recurrent but does not spike")
        model.add(layer)
        b = np.asarray(lin.bias, dtype=np.float64) * gain if isinstance(lin, nir.Affine) else None
        v = None if rec is None else (np.asarray(rec.weight, dtype=np.float64) * gain[:, None]).T
        weights.append(((w * gain[:, None]).T, b, v))
    model.build()
    for layer, (kernel, bias, rec) in zip(model.layers, weights):
        layer.kernel[...] = kernel
        if bias is not None:
            layer.bias[...] = bias
        if rec is not None:
            layer.recurrent_kernel[...] = rec
    return model
