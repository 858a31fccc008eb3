"""The multilayer perceptron: a stack of :class:`~artificial.layers.Dense` layers.

Forward propagation (the article, section 3, one sample per row)::

    a_0 = x
    z_l = a_{l-1} @ K_l + b_l          (the article's z_l = W_l a_{l-1} + b_l, K_l = W_l^T)
    a_l = f_l(z_l)

Back propagation, written out in :meth:`Sequential.backward`::

    delta_L = dL/dz_L = f_L'(z_L) * dL/da_L      ((a_L - y)/n for sigmoid + binary CE or
                                                 softmax + categorical CE, from the logits)
    dK_l    = a_{l-1}^T @ delta_l                (the article's dW_l = delta_l a_{l-1}^T)
    db_l    = sum over the batch of delta_l      (the article's db_l = delta_l)
    delta_{l-1} = f_{l-1}'(z_{l-1}) * (delta_l @ K_l^T)
                                                 (the article's delta_l = f'(z_l) * W_{l+1}^T delta_{l+1})

Gradient descent then moves every parameter against its gradient (:mod:`artificial.optimizers`).

All weights and biases of the model live in one flat vector (``model.params``) of which each
layer's ``kernel`` and ``bias`` are views; the gradients likewise (``model.grads``). An
optimiser step is therefore a few vector operations for the whole network.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from . import losses as _losses
from . import metrics as _metrics
from . import optimizers as _optim
from ._validation import as_float_array, as_float_matrix, prepare_targets
from .layers import Dense, Dropout, SimpleRNN
from .spiking import LIFDense, SpikeEncoder

_LAYER_TYPES = (Dense, Dropout, SimpleRNN, SpikeEncoder, LIFDense)
_PREFIX = {"Dense": "dense", "Dropout": "dropout", "SimpleRNN": "simple_rnn",
           "SpikeEncoder": "spike_encoder", "LIFDense": "lif_dense",
           "LIFRecurrent": "lif_recurrent"}


def _out_act(layer):
    """The map from a layer's ``z`` to its output ``a`` as the model applies it (a
    SimpleRNN applies its activation inside the recurrence: identity here)."""
    return getattr(layer, "output_activation", layer.activation)

if TYPE_CHECKING:
    from .training import Callback, History

    #: What ``Sequential.add`` takes (LIFRecurrent is a LIFDense).
    Layer: TypeAlias = Dense | Dropout | SimpleRNN | SpikeEncoder | LIFDense

__all__ = ["Sequential", "ForwardTrace", "DeadUnitsWarning"]


class DeadUnitsWarning(UserWarning):
    """ReLU units that output 0 for every training sample: they no longer learn."""


@dataclass(frozen=True)
class ForwardTrace:
    """Every layer's pre-activation ``z`` and activation ``a`` for a batch.

    ``activations[0]`` is the input; ``zs[l]`` and ``activations[l + 1]`` belong to layer ``l``.

    In a model with spiking layers, ``spikes[l]`` and ``membranes[l]`` are layer ``l``'s spike
    trains ``s`` and membrane potentials ``v`` (after reset) over time, arrays of shape
    ``(batch, steps, units)`` (``None`` for other layers; ``spikes[l]`` is ``None`` for a
    non-spiking membrane readout; the encoder's ``spikes`` are its trains). For a spiking
    layer, ``zs[l]`` is its readout, or, without one, the membrane ``u`` before threshold and
    reset. ``caches`` holds what back propagation needs.
    """

    zs: tuple
    activations: tuple
    spikes: tuple = ()
    membranes: tuple = ()
    caches: tuple = field(default=(), repr=False)

    @property
    def activity_penalty(self) -> float:
        """The spike-count penalties of the batch (0 without ``spike_reg``)."""
        return float(sum(getattr(c, "penalty", 0.0) for c in self.caches if c is not None))

    @property
    def output(self) -> np.ndarray:
        return self.activations[-1]


class Sequential:
    """A feed-forward network of :class:`Dense` layers with a Keras-style API.

    :class:`~artificial.layers.Dropout` may sit between any two layers, and a
    :class:`~artificial.layers.SimpleRNN` takes sequences ``(batch, steps, features)`` (the
    model then trains by back propagation through time).

    It also stacks spiking layers (:mod:`artificial.spiking`): a :class:`SpikeEncoder` first,
    then :class:`LIFDense`/:class:`LIFRecurrent` layers that pass spike trains of shape
    ``(batch, steps, units)``, the last with a ``readout``; a :class:`Dense` may follow a
    readout. Such a model is trained by back-propagation through time with the same ``fit``,
    optimisers, losses and metrics.

    Parameters
    ----------
    layers : list of layers, optional
        Layers to add at once (``model.add`` adds one at a time).
    seed : int, optional
        Seeds the one random generator used for weight initialisation, shuffling and the
        validation split: the same seed gives bitwise the same training run.
    dtype : str or numpy dtype
        ``float64`` (default; gradient checks need it) or ``float32``.
    name : str, optional
    """

    def __init__(self, layers: Iterable[Layer] | None = None, *, seed: int | None = None,
                 dtype: npt.DTypeLike = "float64", name: str | None = None) -> None:
        self.layers: list[Any] = []
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"Sequential.dtype must be float32 or float64, got {self.dtype}")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.name = name or "sequential"
        self.params: Any = None  # the flat parameter and gradient vectors, made at build
        self.grads: Any = None
        self.loss: Any = None  # a Loss and an Optimizer once compiled
        self.optimizer: Any = None
        self.metrics: list[_metrics.Metric] = []
        self.stop_training = False
        #: A flat 0/1 vector over ``params`` or None: the weights it zeros stay zero after every
        #: optimiser step (set by :func:`artificial.pruning.prune_low_magnitude`).
        self.weight_mask: Any = None
        for layer in layers or []:
            self.add(layer)

    # --- building -------------------------------------------------------------------------------

    def add(self, layer: Layer) -> None:
        """Append a layer. The first layer must know its ``input_dim`` (or learn it at ``fit``)."""
        if not isinstance(layer, _LAYER_TYPES):
            raise TypeError(f"Sequential.add expects a layer (Dense, Dropout, SimpleRNN, "
                            f"SpikeEncoder, LIFDense, LIFRecurrent), got {type(layer).__name__}")
        if self.params is not None:
            raise RuntimeError("Sequential.add: the model is already built; add layers before "
                               "compile/fit")
        kind = type(layer).__name__
        if self.layers:
            prev = self.layers[-1]
            if isinstance(layer, SpikeEncoder):
                raise ValueError("SpikeEncoder must be the first layer of the model (it turns "
                                 "the input features into spike trains)")
            prev_time = getattr(prev, "outputs_time", False)
            if getattr(layer, "consumes_time", False) and not prev_time:
                what = "spike trains" if isinstance(layer, LIFDense) else "sequences"
                raise ValueError(f"{kind} needs {what} of shape (batch, steps, features) "
                                 f"from the layer before, but {prev.name} outputs (batch, units)")
            if isinstance(layer, Dense) and prev_time:
                fix = ("return_sequences=False" if isinstance(prev, SimpleRNN)
                       else "a readout" if isinstance(prev, LIFDense)
                       else "a readout (spiking) or return_sequences=False (SimpleRNN)")
                seq = ("spike trains" if isinstance(prev, (SpikeEncoder, LIFDense))
                       else "sequences")
                raise ValueError(f"Dense expects (batch, features) but {prev.name} outputs "
                                 f"{seq} (batch, steps, units): give that layer {fix}")
            if isinstance(layer, Dropout):
                if layer.input_dim is not None and prev.units is not None \
                        and layer.input_dim != prev.units:
                    raise ValueError(f"Dropout.input_dim={layer.input_dim} does not match the "
                                     f"previous layer's {prev.units} units")
                layer.outputs_time = prev_time
                layer.input_dim = prev.units
            if layer.input_dim is not None and prev.units is not None \
                    and layer.input_dim != prev.units:
                raise ValueError(f"{kind}.input_dim={layer.input_dim} does not match the "
                                 f"previous layer's {prev.units} units")
        if layer.name is None:
            layer.name = f"{_PREFIX[kind]}_{len(self.layers)}"
        self.layers.append(layer)

    @property
    def built(self) -> bool:
        return self.params is not None

    @property
    def input_dim(self):
        return self.layers[0].input_dim if self.layers else None

    @property
    def output_dim(self):
        return self.layers[-1].units if self.layers else None

    @property
    def spiking(self) -> bool:
        """Whether the model holds spiking layers (and so works over time)."""
        return any(isinstance(layer, (SpikeEncoder, LIFDense)) for layer in self.layers)

    @property
    def _layered(self) -> bool:
        """Whether forward and backward go layer by layer through ``forward_train`` and
        ``backward`` (any layer other than Dense), rather than the Dense-only fast path."""
        return any(not isinstance(layer, Dense) for layer in self.layers)

    @property
    def input_ndim(self) -> int:
        """2 for inputs ``(batch, features)``, 3 for sequences or spike trains ``(batch, steps,
        features)`` (a model whose first layer is a LIF layer or a SimpleRNN)."""
        return 3 if self.layers and getattr(self.layers[0], "consumes_time", False) else 2

    def build(self, input_dim: int | None = None) -> None:
        """Allocate the flat parameter vector and initialise every layer from the model's seed."""
        if not self.layers:
            raise ValueError("Sequential has no layers; add at least one Dense layer")
        n_in = input_dim if input_dim is not None else self.layers[0].input_dim
        if n_in is None:
            raise ValueError("the first Dense layer needs input_dim (or call fit, which infers it)")
        if getattr(self.layers[-1], "outputs_time", False):
            last = self.layers[-1]
            fix = ("give it return_sequences=False" if isinstance(last, SimpleRNN) else
                   "give it a readout ('membrane', 'membrane_mean', 'count' or 'first_spike')")
            seq = "sequences" if isinstance(last, SimpleRNN) else "spike trains"
            raise ValueError(f"the last layer {last.name} outputs {seq} (batch, steps, units); "
                             f"{fix} so the model outputs (batch, units)")
        sizes, d = [], int(n_in)
        for layer in self.layers:
            sizes.append(layer.n_params(d))
            d = d if isinstance(layer, (SpikeEncoder, Dropout)) else layer.units
        self.params = np.zeros(sum(sizes), dtype=self.dtype)
        self.grads = np.zeros_like(self.params)
        start, d = 0, int(n_in)
        for layer, size in zip(self.layers, sizes):
            layer.bind(d, self.params[start:start + size], self.grads[start:start + size])
            layer.initialize(self.rng)
            start += size
            d = layer.units
        if self.optimizer is not None:
            self.optimizer.build(self.params.size, self.dtype)

    def compile(self, loss: str | _losses.Loss | type[_losses.Loss] = "mse",
                optimizer: str | _optim.Optimizer = "sgd",
                metrics: Sequence[str | _metrics.Metric] | None = None) -> None:
        """Choose the loss, the optimiser and the metrics reported during training."""
        self.loss = _losses.get(loss)
        self.optimizer = _optim.get(optimizer)
        self.metrics = [_metrics.get(m, self.loss) for m in (metrics or [])]
        if self.built:
            self.optimizer.build(self.params.size, self.dtype)
        elif self.input_dim is not None:
            self.build()

    def _fused(self) -> bool:
        """Whether the loss takes the output layer's logits directly."""
        return (self.loss is not None and self.loss.fused_activation is not None
                and _out_act(self.layers[-1]).name == self.loss.fused_activation)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError("the model is not built yet: give the first layer input_dim")
        return int(self.params.size)

    def summary(self, print_fn=print) -> str:
        """A table of layers, output sizes and parameter counts (printed and returned)."""
        lines = [f'Model "{self.name}"', f"{'layer':<16}{'units':>8}{'activation':>14}{'params':>10}"]
        d = self.input_dim
        total = 0
        for layer in self.layers:
            n = layer.n_params(d) if d is not None else 0
            total += n
            units = d if isinstance(layer, (SpikeEncoder, Dropout)) else layer.units
            if isinstance(layer, SpikeEncoder):
                what = f"{layer.code} x{layer.steps}"
            elif isinstance(layer, Dropout):
                what = f"rate {layer.rate:g}"
            elif isinstance(layer, SimpleRNN):
                what = layer.activation.name + (" seq" if layer.return_sequences else "")
            elif isinstance(layer, LIFDense):
                what = "spikes" if layer.readout is None else layer.readout
            else:
                what = layer.activation.name
            lines.append(f"{layer.name:<16}{units if units is not None else '?':>8}{what:>14}"
                         f"{n:>10}")
            d = units
        lines.append(f"total parameters: {total}")
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    # --- forward and backward -------------------------------------------------------------------

    def _as_input(self, X, name="X") -> np.ndarray:
        """``X`` checked and converted: a float matrix, or for a model whose first layer is a
        LIF layer, spike trains of shape ``(batch, steps, features)``."""
        if not self.layers:
            raise ValueError("Sequential has no layers; add at least one Dense layer")
        first = self.layers[0]
        if self.input_ndim == 3:
            d = first.input_dim if first.input_dim is not None else "features"
            what = ("sequences, one row of features per step" if isinstance(first, SimpleRNN)
                    else "spike trains or input currents over time; add a SpikeEncoder first to "
                         "encode (batch, features) data")
            X = as_float_array(
                X, name, self.dtype, 3,
                f"{type(first).__name__} {first.name!r} (the first layer) expects {name} of shape "
                f"(batch, steps, {d}): {what}")
        elif isinstance(first, SpikeEncoder):
            d = first.input_dim if first.input_dim is not None else "features"
            X = as_float_array(
                X, name, self.dtype, 2,
                f"SpikeEncoder {first.name!r} (the first layer) expects {name} of shape (batch, "
                f"{d}) with intensities in [0, 1]; it adds the time axis ({first.steps} steps) "
                "itself")
        else:
            return as_float_matrix(X, name, self.dtype)
        first.check_input(X, name)
        return X

    def _check_ready(self, X):
        if not self.layers:
            raise ValueError("Sequential has no layers; add at least one Dense layer")
        if not self.built:
            self.build(X.shape[-1])
        if X.shape[-1] != self.input_dim:
            if X.ndim == 3:
                raise ValueError(f"Sequential: X has {X.shape[-1]} features per time step, "
                                 f"expected {self.input_dim} (shape (n, steps, {self.input_dim}), "
                                 f"got {X.shape})")
            raise ValueError(f"Sequential: X has {X.shape[1]} features per sample, expected "
                             f"{self.input_dim} (shape (n, {self.input_dim}), got {X.shape})")

    def forward(self, X: npt.ArrayLike) -> np.ndarray:
        """The network's output ``a_L`` for the samples in the rows of ``X``."""
        X = self._as_input(X)
        self._check_ready(X)
        if self._layered:
            return self._forward_trace(X).output
        a = X
        for layer in self.layers:
            a = layer.activation.forward(layer.pre_activation(a))
        return a

    def forward_trace(self, X) -> ForwardTrace:
        """Forward propagation keeping every layer's ``z`` and ``a`` (for plots and backprop),
        and every spiking layer's spikes and membrane potentials over time."""
        X = self._as_input(X)
        self._check_ready(X)
        return self._forward_trace(X)

    def _forward_trace(self, X, training=False) -> ForwardTrace:
        """``training=True`` (in ``fit``) lets a rate encoder draw new spike trains and
        dropout layers drop."""
        if self._layered:
            return self._forward_trace_spiking(X, training)
        zs, acts = [], [X]
        a = X
        for layer in self.layers:
            z = layer.pre_activation(a)
            a = layer.activation.forward(z)
            zs.append(z)
            acts.append(a)
        return ForwardTrace(tuple(zs), tuple(acts))

    def _forward_trace_spiking(self, X, training) -> ForwardTrace:
        zs, acts, spikes, mems, caches = [], [X], [], [], []
        a = X
        for layer in self.layers:
            if isinstance(layer, Dense):
                z = layer.pre_activation(a)
                a = layer.activation.forward(z)
                cache = spk = mem = None
            else:
                z, a, cache = layer.forward_train(a, training)
                if isinstance(layer, SpikeEncoder):
                    spk, mem = a, None
                elif isinstance(layer, LIFDense):
                    spk, mem = cache.s, cache.v
                else:
                    spk = mem = None
            zs.append(z)
            acts.append(a)
            spikes.append(spk)
            mems.append(mem)
            caches.append(cache)
        return ForwardTrace(tuple(zs), tuple(acts), tuple(spikes), tuple(mems), tuple(caches))

    def backward(self, trace: ForwardTrace, y: np.ndarray) -> float:
        """Back propagation: fill ``model.grads`` (every ``grad_kernel``/``grad_bias``) with the
        gradient of the batch loss, and return that loss (including any weight penalty).

        ``y`` must already be in the loss's shape (see :func:`artificial._validation.prepare_targets`).
        """
        if self._layered:
            return self._backward_spiking(trace, y)
        layers, zs, acts = self.layers, trace.zs, trace.activations
        loss, delta = self._loss_and_delta(trace, y)  # delta_L = dL/dz_L
        for l in range(len(layers) - 1, -1, -1):
            layer = layers[l]
            a_prev = acts[l]
            # dW_l = a_{l-1}^T delta_l ; db_l = sum over the batch of delta_l
            np.matmul(a_prev.T, delta, out=layer.grad_kernel)
            if layer.use_bias:
                np.sum(delta, axis=0, out=layer.grad_bias)
            if l > 0:
                # delta_{l-1} = f'(z_{l-1}) * (delta_l W_l^T)
                below = layers[l - 1]
                delta = below.activation.backward(zs[l - 1], acts[l], delta @ layer.kernel.T)
        for layer in layers:
            loss += layer.add_penalty_gradients()
        return loss

    def _loss_and_delta(self, trace: ForwardTrace, y: np.ndarray):
        """The batch loss and ``dL/dz`` of the last layer (through the fused softmax/sigmoid
        gradient where the loss and activation allow it)."""
        zs, acts = trace.zs, trace.activations
        if self._fused():
            return (self.loss.value_from_logits(y, zs[-1]),
                    self.loss.gradient_from_logits(y, zs[-1]))
        out = _out_act(self.layers[-1])
        return (self.loss.value(y, acts[-1]),
                out.backward(zs[-1], acts[-1], self.loss.gradient(y, acts[-1])))

    def _backward_spiking(self, trace: ForwardTrace, y: np.ndarray) -> float:
        """Back propagation through layers and time: each layer other than Dense runs its own
        ``backward`` (BPTT in :meth:`artificial.spiking.LIFDense.backward` and
        :meth:`artificial.layers.SimpleRNN.backward`) on ``dL/d(its output)``."""
        layers, zs, acts, caches = self.layers, trace.zs, trace.activations, trace.caches
        loss, delta = self._loss_and_delta(trace, y)
        # delta is dL/dz of layer l (dL/ds for a layer that outputs spikes)
        for l in range(len(layers) - 1, -1, -1):
            layer = layers[l]
            if isinstance(layer, SpikeEncoder):
                break  # always layer 0; nothing to learn below it
            need_input = l > 0 and not isinstance(layers[l - 1], SpikeEncoder)
            if isinstance(layer, Dense):
                np.matmul(acts[l].T, delta, out=layer.grad_kernel)
                if layer.use_bias:
                    np.sum(delta, axis=0, out=layer.grad_bias)
                d_prev = delta @ layer.kernel.T if need_input else None
            else:
                d_prev = layer.backward(caches[l], delta, need_input)
            if need_input:
                below = layers[l - 1]
                if getattr(below, "outputs_time", False):
                    delta = d_prev  # dL/ds of a layer that outputs spikes or a sequence
                else:
                    delta = _out_act(below).backward(zs[l - 1], acts[l], d_prev)
        for layer in layers:
            if not isinstance(layer, SpikeEncoder):  # the encoder has no weights
                loss += layer.add_penalty_gradients()
        return loss + trace.activity_penalty

    def _update(self) -> None:
        """One optimiser step from ``grads``; then re-apply ``weight_mask`` (pruned weights
        stay zero whatever the optimiser's momentum would make of them)."""
        self.optimizer.step(self.params, self.grads)
        if self.weight_mask is not None:
            self.params *= self.weight_mask

    def gradients(self, X, y):
        """Loss and a list of ``(dK, db)`` per layer for one batch, without changing weights.

        For a spiking layer the entry is the tuple of its gradients in the order of its
        parameters (``kernel``, ``bias``, ``recurrent_kernel``, ``tau_m``, ``tau_syn``, as
        present); an encoder's is ``()``. ``model.grads`` holds them all, flat.
        """
        self._require_compiled("gradients")
        X = self._as_input(X)
        self._check_ready(X)
        y = prepare_targets(y, self.loss, self.output_dim, X.shape[0], self.dtype)
        loss = self.backward(self._forward_trace(X), y)
        out = []
        for l in self.layers:
            if isinstance(l, Dense):
                out.append((l.grad_kernel.copy(),
                            None if l.grad_bias is None else l.grad_bias.copy()))
            else:
                out.append(tuple(g.copy() for g in l.grad_arrays()))
        return loss, out

    def train_on_batch(self, X: npt.ArrayLike, y: npt.ArrayLike) -> float:
        """One gradient step on one batch; returns the batch loss before the step."""
        self._require_compiled("train_on_batch")
        X = self._as_input(X)
        self._check_ready(X)
        y = prepare_targets(y, self.loss, self.output_dim, X.shape[0], self.dtype)
        loss = self.backward(self._forward_trace(X, training=True), y)
        self._update()
        return loss

    def _require_compiled(self, what):
        if self.loss is None:
            raise RuntimeError(f"Sequential.{what}: call compile(loss=..., optimizer=...) first")

    # --- Keras surface --------------------------------------------------------------------------

    def fit(self, X: npt.ArrayLike, y: npt.ArrayLike, epochs: int = 1, batch_size: int | None = None,
            verbose: int = 1, *, validation_split: float = 0.0,
            validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
            shuffle: bool = True, callbacks: Sequence[Callback] | None = None,
            warn_dead_units: bool = True) -> History:
        """Train by mini-batch gradient descent; see :func:`artificial.training.fit`."""
        from .training import fit

        return fit(self, X, y, epochs=epochs, batch_size=batch_size, verbose=verbose,
                   validation_split=validation_split, validation_data=validation_data,
                   shuffle=shuffle, callbacks=callbacks, warn_dead_units=warn_dead_units)

    def predict(self, X: npt.ArrayLike, batch_size: int | None = None,
                verbose: int = 0) -> np.ndarray:
        """The network's output for ``X`` (probabilities for sigmoid/softmax outputs)."""
        X = self._as_input(X)
        self._check_ready(X)
        if batch_size is None or X.shape[0] <= batch_size:
            return self.forward(X)
        return np.concatenate([self.forward(X[i:i + batch_size])
                               for i in range(0, X.shape[0], batch_size)])

    def evaluate(self, X: npt.ArrayLike, y: npt.ArrayLike, batch_size: int | None = None,
                 verbose: int = 0) -> Any:  # float, or list[float] with metrics (as Keras)
        """Loss, followed by the compiled metrics, on ``(X, y)``.

        As in Keras, the result is the scalar loss when no metric was compiled and the list
        ``[loss, metric_1, ...]`` otherwise; :meth:`evaluate_dict` always gives a dict.
        """
        logs = self.evaluate_dict(X, y)
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def evaluate_dict(self, X: npt.ArrayLike, y: npt.ArrayLike) -> dict[str, float]:
        """``{"loss": ..., metric name: ...}`` on ``(X, y)``."""
        self._require_compiled("evaluate")
        X = self._as_input(X)
        self._check_ready(X)
        y = prepare_targets(y, self.loss, self.output_dim, X.shape[0], self.dtype)
        trace = self._forward_trace(X)
        if self._fused():
            loss = self.loss.value_from_logits(y, trace.zs[-1])
        else:
            loss = self.loss.value(y, trace.output)
        loss += sum(layer.penalty() for layer in self.layers)
        loss += trace.activity_penalty
        logs = {"loss": float(loss)}
        for m in self.metrics:
            logs[m.name] = float(m(y, trace.output))
        return logs

    # --- diagnostics ----------------------------------------------------------------------------

    def dead_units(self, X: npt.ArrayLike) -> dict[str, np.ndarray]:
        """ReLU units whose output is 0 for every sample of ``X``: ``{layer name: indices}``.

        Such a unit passes no gradient (``f'(z) = 0`` wherever it is evaluated) and so can never
        recover: the usual reason why a tiny ReLU network such as the article's XOR model fails.
        Only layers whose activation is ``relu`` are inspected.
        """
        X = self._as_input(X)
        self._check_ready(X)
        return self._dead_units(X)

    def _dead_units(self, X, chunk=1024) -> dict:
        if any(not isinstance(layer, (Dense, Dropout)) for layer in self.layers):
            return {}  # ReLU diagnostics only for Dense models (dropout is the identity here)
        relu_layers = [i for i, layer in enumerate(self.layers) if layer.activation.name == "relu"]
        if not relu_layers:
            return {}
        last = relu_layers[-1]
        alive = {i: np.zeros(self.layers[i].units, dtype=bool) for i in relu_layers}
        # Chunks keep the temporaries small; a trained network usually has every unit fire within
        # the first chunk, and then the answer (no dead unit) is known without the rest.
        for start in range(0, X.shape[0], chunk):
            a = X[start:start + chunk]
            for i, layer in enumerate(self.layers[:last + 1]):
                if isinstance(layer, Dropout):
                    continue
                a = layer.activation.forward(layer.pre_activation(a))
                if i in alive:
                    alive[i] |= np.any(a > 0, axis=0)
            if all(v.all() for v in alive.values()):
                return {}
        return {self.layers[i].name: np.flatnonzero(~v) for i, v in alive.items() if not v.all()}

    def _weight_targets(self) -> list:
        targets = []
        for layer in self.layers:
            if not isinstance(layer, Dense):
                targets.extend(layer.weight_arrays())
                continue
            targets.append((layer.name + ".kernel", layer.kernel))
            if layer.use_bias:
                targets.append((layer.name + ".bias", layer.bias))
        return targets

    def get_weights(self) -> list[np.ndarray]:
        """``[kernel_0, bias_0, kernel_1, ...]`` as copies (Keras' order); a spiking layer adds
        its ``recurrent_kernel``, ``tau_m`` and ``tau_syn`` where it has them."""
        return [a.copy() for _, a in self._weight_targets()]

    def set_weights(self, weights: Sequence[npt.ArrayLike]) -> None:
        """Set every kernel and bias from a list in :meth:`get_weights`' order."""
        targets = self._weight_targets()
        if len(weights) != len(targets):
            raise ValueError(f"Sequential.set_weights expects {len(targets)} arrays, got {len(weights)}")
        for (name, dst), src in zip(targets, weights):
            src = np.asarray(src)
            if src.shape != dst.shape:
                raise ValueError(f"{name} must have shape {dst.shape}, got {src.shape}")
            if not np.all(np.isfinite(src)):
                raise ValueError(f"{name} contains NaN or inf")
            dst[...] = src

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model (architecture, weights, compile settings, optimiser state) to one
        ``.npz`` file, atomically; see :func:`artificial.io.save_model`."""
        from .io import save_model

        save_model(self, path)

    def __repr__(self):
        return f"Sequential({self.layers!r})"
