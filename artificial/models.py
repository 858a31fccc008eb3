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

from dataclasses import dataclass

import numpy as np

from . import losses as _losses
from . import metrics as _metrics
from . import optimizers as _optim
from ._validation import as_float_matrix, prepare_targets
from .layers import Dense

__all__ = ["Sequential", "ForwardTrace", "DeadUnitsWarning"]


class DeadUnitsWarning(UserWarning):
    """ReLU units that output 0 for every training sample: they no longer learn."""


@dataclass(frozen=True)
class ForwardTrace:
    """Every layer's pre-activation ``z`` and activation ``a`` for a batch.

    ``activations[0]`` is the input; ``zs[l]`` and ``activations[l + 1]`` belong to layer ``l``.
    """

    zs: tuple
    activations: tuple

    @property
    def output(self) -> np.ndarray:
        return self.activations[-1]


class Sequential:
    """A feed-forward network of :class:`Dense` layers with a Keras-style API.

    Parameters
    ----------
    layers : list of Dense, optional
        Layers to add at once (``model.add`` adds one at a time).
    seed : int, optional
        Seeds the one random generator used for weight initialisation, shuffling and the
        validation split: the same seed gives bitwise the same training run.
    dtype : str or numpy dtype
        ``float64`` (default; gradient checks need it) or ``float32``.
    name : str, optional
    """

    def __init__(self, layers=None, *, seed=None, dtype="float64", name=None):
        self.layers: list[Dense] = []
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"Sequential.dtype must be float32 or float64, got {self.dtype}")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.name = name or "sequential"
        self.params = None
        self.grads = None
        self.loss = None
        self.optimizer = None
        self.metrics = []
        self.stop_training = False
        for layer in layers or []:
            self.add(layer)

    # --- building -------------------------------------------------------------------------------

    def add(self, layer: Dense) -> None:
        """Append a layer. The first layer must know its ``input_dim`` (or learn it at ``fit``)."""
        if not isinstance(layer, Dense):
            raise TypeError(f"Sequential.add expects a Dense layer, got {type(layer).__name__}")
        if self.params is not None:
            raise RuntimeError("Sequential.add: the model is already built; add layers before "
                               "compile/fit")
        if self.layers and layer.input_dim is not None and layer.input_dim != self.layers[-1].units:
            raise ValueError(f"Dense.input_dim={layer.input_dim} does not match the previous "
                             f"layer's {self.layers[-1].units} units")
        if layer.name is None:
            layer.name = f"dense_{len(self.layers)}"
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

    def build(self, input_dim=None) -> None:
        """Allocate the flat parameter vector and initialise every layer from the model's seed."""
        if not self.layers:
            raise ValueError("Sequential has no layers; add at least one Dense layer")
        n_in = input_dim if input_dim is not None else self.layers[0].input_dim
        if n_in is None:
            raise ValueError("the first Dense layer needs input_dim (or call fit, which infers it)")
        sizes, d = [], int(n_in)
        for layer in self.layers:
            sizes.append(layer.n_params(d))
            d = layer.units
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

    def compile(self, loss="mse", optimizer="sgd", metrics=None) -> None:
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
                and self.layers[-1].activation.name == self.loss.fused_activation)

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
            lines.append(f"{layer.name:<16}{layer.units:>8}{layer.activation.name:>14}{n:>10}")
            d = layer.units
        lines.append(f"total parameters: {total}")
        text = "\n".join(lines)
        if print_fn is not None:
            print_fn(text)
        return text

    # --- forward and backward -------------------------------------------------------------------

    def _check_ready(self, X):
        if not self.layers:
            raise ValueError("Sequential has no layers; add at least one Dense layer")
        if not self.built:
            self.build(X.shape[1])
        if X.shape[1] != self.input_dim:
            raise ValueError(f"Sequential: X has {X.shape[1]} features per sample, expected "
                             f"{self.input_dim} (shape (n, {self.input_dim}), got {X.shape})")

    def forward(self, X) -> np.ndarray:
        """The network's output ``a_L`` for the samples in the rows of ``X``."""
        X = as_float_matrix(X, "X", self.dtype)
        self._check_ready(X)
        a = X
        for layer in self.layers:
            a = layer.activation.forward(layer.pre_activation(a))
        return a

    def forward_trace(self, X) -> ForwardTrace:
        """Forward propagation keeping every layer's ``z`` and ``a`` (for plots and backprop)."""
        X = as_float_matrix(X, "X", self.dtype)
        self._check_ready(X)
        return self._forward_trace(X)

    def _forward_trace(self, X) -> ForwardTrace:
        zs, acts = [], [X]
        a = X
        for layer in self.layers:
            z = layer.pre_activation(a)
            a = layer.activation.forward(z)
            zs.append(z)
            acts.append(a)
        return ForwardTrace(tuple(zs), tuple(acts))

    def backward(self, trace: ForwardTrace, y: np.ndarray) -> float:
        """Back propagation: fill ``model.grads`` (every ``grad_kernel``/``grad_bias``) with the
        gradient of the batch loss, and return that loss (including any weight penalty).

        ``y`` must already be in the loss's shape (see :func:`artificial._validation.prepare_targets`).
        """
        layers, zs, acts = self.layers, trace.zs, trace.activations
        out = layers[-1]
        # delta_L = dL/dz_L
        if self._fused():
            loss = self.loss.value_from_logits(y, zs[-1])
            delta = self.loss.gradient_from_logits(y, zs[-1])
        else:
            loss = self.loss.value(y, acts[-1])
            delta = out.activation.backward(zs[-1], acts[-1], self.loss.gradient(y, acts[-1]))
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
            if layer.kernel_regularizer is not None:
                loss += layer.kernel_regularizer.penalty(layer.kernel)
                layer.kernel_regularizer.add_gradient(layer.kernel, layer.grad_kernel)
            if layer.bias_regularizer is not None and layer.use_bias:
                loss += layer.bias_regularizer.penalty(layer.bias)
                layer.bias_regularizer.add_gradient(layer.bias, layer.grad_bias)
        return loss

    def gradients(self, X, y):
        """Loss and a list of ``(dK, db)`` per layer for one batch, without changing weights."""
        self._require_compiled("gradients")
        X = as_float_matrix(X, "X", self.dtype)
        self._check_ready(X)
        y = prepare_targets(y, self.loss, self.output_dim, X.shape[0], self.dtype)
        loss = self.backward(self._forward_trace(X), y)
        return loss, [(l.grad_kernel.copy(), None if l.grad_bias is None else l.grad_bias.copy())
                      for l in self.layers]

    def train_on_batch(self, X, y) -> float:
        """One gradient step on one batch; returns the batch loss before the step."""
        self._require_compiled("train_on_batch")
        X = as_float_matrix(X, "X", self.dtype)
        self._check_ready(X)
        y = prepare_targets(y, self.loss, self.output_dim, X.shape[0], self.dtype)
        loss = self.backward(self._forward_trace(X), y)
        self.optimizer.step(self.params, self.grads)
        return loss

    def _require_compiled(self, what):
        if self.loss is None:
            raise RuntimeError(f"Sequential.{what}: call compile(loss=..., optimizer=...) first")

    # --- Keras surface --------------------------------------------------------------------------

    def fit(self, X, y, epochs=1, batch_size=None, verbose=1, *, validation_split=0.0,
            validation_data=None, shuffle=True, callbacks=None, warn_dead_units=True):
        """Train by mini-batch gradient descent; see :func:`artificial.training.fit`."""
        from .training import fit

        return fit(self, X, y, epochs=epochs, batch_size=batch_size, verbose=verbose,
                   validation_split=validation_split, validation_data=validation_data,
                   shuffle=shuffle, callbacks=callbacks, warn_dead_units=warn_dead_units)

    def predict(self, X, batch_size=None, verbose=0) -> np.ndarray:
        """The network's output for ``X`` (probabilities for sigmoid/softmax outputs)."""
        X = as_float_matrix(X, "X", self.dtype)
        self._check_ready(X)
        if batch_size is None or X.shape[0] <= batch_size:
            return self.forward(X)
        return np.concatenate([self.forward(X[i:i + batch_size])
                               for i in range(0, X.shape[0], batch_size)])

    def evaluate(self, X, y, batch_size=None, verbose=0):
        """Loss, followed by the compiled metrics, on ``(X, y)``.

        As in Keras, the result is the scalar loss when no metric was compiled and the list
        ``[loss, metric_1, ...]`` otherwise; :meth:`evaluate_dict` always gives a dict.
        """
        logs = self.evaluate_dict(X, y)
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def evaluate_dict(self, X, y) -> dict:
        """``{"loss": ..., metric name: ...}`` on ``(X, y)``."""
        self._require_compiled("evaluate")
        X = as_float_matrix(X, "X", self.dtype)
        self._check_ready(X)
        y = prepare_targets(y, self.loss, self.output_dim, X.shape[0], self.dtype)
        trace = self._forward_trace(X)
        if self._fused():
            loss = self.loss.value_from_logits(y, trace.zs[-1])
        else:
            loss = self.loss.value(y, trace.output)
        loss += sum(layer.penalty() for layer in self.layers)
        logs = {"loss": float(loss)}
        for m in self.metrics:
            logs[m.name] = float(m(y, trace.output))
        return logs

    # --- diagnostics ----------------------------------------------------------------------------

    def dead_units(self, X) -> dict:
        """ReLU units whose output is 0 for every sample of ``X``: ``{layer name: indices}``.

        Such a unit passes no gradient (``f'(z) = 0`` wherever it is evaluated) and so can never
        recover: the usual reason why a tiny ReLU network such as the article's XOR model fails.
        Only layers whose activation is ``relu`` are inspected.
        """
        X = as_float_matrix(X, "X", self.dtype)
        self._check_ready(X)
        return self._dead_units(X)

    def _dead_units(self, X, chunk=1024) -> dict:
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
                a = layer.activation.forward(layer.pre_activation(a))
                if i in alive:
                    alive[i] |= np.any(a > 0, axis=0)
            if all(v.all() for v in alive.values()):
                return {}
        return {self.layers[i].name: np.flatnonzero(~v) for i, v in alive.items() if not v.all()}

    def get_weights(self) -> list:
        """``[kernel_0, bias_0, kernel_1, ...]`` as copies (Keras' order)."""
        out = []
        for layer in self.layers:
            out.append(layer.kernel.copy())
            if layer.use_bias:
                out.append(layer.bias.copy())
        return out

    def set_weights(self, weights) -> None:
        """Set every kernel and bias from a list in :meth:`get_weights`' order."""
        targets = []
        for layer in self.layers:
            targets.append((layer.name + ".kernel", layer.kernel))
            if layer.use_bias:
                targets.append((layer.name + ".bias", layer.bias))
        if len(weights) != len(targets):
            raise ValueError(f"Sequential.set_weights expects {len(targets)} arrays, got {len(weights)}")
        for (name, dst), src in zip(targets, weights):
            src = np.asarray(src)
            if src.shape != dst.shape:
                raise ValueError(f"{name} must have shape {dst.shape}, got {src.shape}")
            if not np.all(np.isfinite(src)):
                raise ValueError(f"{name} contains NaN or inf")
            dst[...] = src

    def save(self, path) -> None:
        """Write the model (architecture, weights, compile settings, optimiser state) to one
        ``.npz`` file, atomically; see :func:`artificial.io.save_model`."""
        from .io import save_model

        save_model(self, path)

    def __repr__(self):
        return f"Sequential({self.layers!r})"
