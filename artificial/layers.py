"""The layers of the rate family: the fully connected layer, the simple recurrent layer and dropout.

Notation: the article writes one sample as a column, ``z_l = W_l a_{l-1} + b_l`` with ``W_l`` of
shape ``(units, inputs)``. Here, as in Keras and NumPy practice, a batch of ``n`` samples is a
matrix with one sample per *row*, so the same equation reads ``Z_l = A_{l-1} @ K_l + b_l`` with the
kernel ``K_l = W_l^T`` of shape ``(inputs, units)``. Every formula of the article carries over by
transposing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import activations as _act
from . import initializers as _init
from . import regularizers as _reg
from ._validation import as_real

__all__ = ["Dense", "SimpleRNN", "Dropout"]


def _positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}.{name} must be a positive integer, got {value!r}")
    return int(value)


class Dense:
    """A fully connected layer: ``z = a_prev @ kernel + bias``, ``a = f(z)``.

    Parameters
    ----------
    units : int
        Number of neurons in the layer.
    activation : str, Activation, callable or None
        ``f``; see :mod:`artificial.activations` for the names. ``None`` is the identity.
    input_dim : int, optional
        Number of inputs; needed on the first layer only (``input_shape=(d,)`` works too).
    use_bias : bool
        Whether the layer has a bias ``b``.
    kernel_initializer, bias_initializer : str or callable
        Keras' defaults: ``glorot_uniform`` and ``zeros``.
    kernel_regularizer, bias_regularizer : Regularizer or None
        Penalties added to the loss (:mod:`artificial.regularizers`).
    name : str, optional
    """

    def __init__(self, units: int,
                 activation: str | _act.Activation | Callable[..., Any] | None = None, *,
                 input_dim: int | None = None, input_shape: Sequence[int] | None = None,
                 use_bias: bool = True,
                 kernel_initializer: str | _init.Initializer | Callable[..., np.ndarray]
                 = "glorot_uniform",
                 bias_initializer: str | _init.Initializer | Callable[..., np.ndarray] = "zeros",
                 kernel_regularizer: str | _reg.Regularizer | None = None,
                 bias_regularizer: str | _reg.Regularizer | None = None,
                 name: str | None = None) -> None:
        self.units = _positive_int("Dense", "units", units)
        self.activation = _act.get(activation)
        if input_shape is not None:
            if input_dim is not None:
                raise ValueError("Dense: give input_dim or input_shape, not both")
            shape = tuple(input_shape)
            if len(shape) != 1:
                raise ValueError(f"Dense.input_shape must have one dimension, got {shape}")
            input_dim = shape[0]
        self.input_dim = None if input_dim is None else _positive_int("Dense", "input_dim", input_dim)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _init.get(kernel_initializer)
        self.bias_initializer = _init.get(bias_initializer)
        self.kernel_regularizer = _reg.get(kernel_regularizer)
        self.bias_regularizer = _reg.get(bias_regularizer)
        self.name: Any = name  # a str once Sequential.add has named the layer
        # Views into the model's flat parameter and gradient vectors, bound at build.
        self.kernel: Any = None
        self.bias: Any = None
        self.grad_kernel: Any = None
        self.grad_bias: Any = None

    # --- building -------------------------------------------------------------------------------

    def n_params(self, n_in: int) -> int:
        return n_in * self.units + (self.units if self.use_bias else 0)

    def bind(self, n_in: int, params: np.ndarray, grads: np.ndarray) -> None:
        """Make ``kernel``/``bias`` (and their gradients) views into the model's flat vectors."""
        self.input_dim = n_in
        k = n_in * self.units
        self.kernel = params[:k].reshape(n_in, self.units)
        self.grad_kernel = grads[:k].reshape(n_in, self.units)
        if self.use_bias:
            self.bias = params[k:k + self.units]
            self.grad_bias = grads[k:k + self.units]
        else:
            self.bias = None
            self.grad_bias = None

    def initialize(self, rng: np.random.Generator) -> None:
        dtype = self.kernel.dtype
        self.kernel[...] = self.kernel_initializer((self.input_dim, self.units), rng, dtype)
        if self.use_bias:
            self.bias[...] = self.bias_initializer((self.units,), rng, dtype)

    # --- computing ------------------------------------------------------------------------------

    def pre_activation(self, a_prev: np.ndarray) -> np.ndarray:
        """``z = a_prev @ kernel + bias``."""
        z = a_prev @ self.kernel
        if self.use_bias:
            z += self.bias
        return z

    def penalty(self) -> float:
        return _reg.layer_penalty(self)

    def add_penalty_gradients(self) -> float:
        """Add the weight penalties' gradients; return the penalties."""
        return _reg.layer_penalty(self, add_gradients=True)

    def get_config(self) -> dict:
        return {
            "units": self.units,
            "activation": self.activation.name,
            "input_dim": self.input_dim,
            "use_bias": self.use_bias,
            "name": self.name,
            "kernel_regularizer": None if self.kernel_regularizer is None
            else self.kernel_regularizer.get_config(),
            "bias_regularizer": None if self.bias_regularizer is None
            else self.bias_regularizer.get_config(),
        }

    def __repr__(self):
        return (f"Dense({self.units}, activation={self.activation.name!r}"
                + (f", input_dim={self.input_dim}" if self.input_dim else "") + ")")


def _time_input(owner, input_dim, input_shape):
    """``input_dim`` from ``input_shape=(steps, features)`` (steps may be None), as Keras takes it."""
    if input_shape is not None:
        if input_dim is not None:
            raise ValueError(f"{owner}: give input_dim or input_shape, not both")
        shape = tuple(input_shape)
        if len(shape) != 2:
            raise ValueError(f"{owner}.input_shape must be (steps, features), got {shape}")
        input_dim = shape[1]
    return None if input_dim is None else _positive_int(owner, "input_dim", input_dim)


class _RNNCache:
    __slots__ = ("x", "z", "h")

    def __init__(self, x, z, h):
        self.x, self.z, self.h = x, z, h


class FlatParameters:
    """What layers whose weights live in the model's flat parameter vector share: ``_layout``
    lists ``(name, shape)`` in order, and ``bind`` makes each (and its gradient ``grad_name``)
    a view into the model's vectors; ``_ATTR`` renames a part's attribute where it differs."""

    _ATTR: dict = {}
    input_dim: Any

    def _layout(self, n_in):
        raise NotImplementedError  # pragma: no cover - each layer lists its parts

    def n_params(self, n_in: int) -> int:
        return sum(int(np.prod(shape)) for _, shape in self._layout(n_in))

    def bind(self, n_in: int, params: np.ndarray, grads: np.ndarray) -> None:
        """Make every parameter (and its gradient) a view into the model's flat vectors."""
        self.input_dim = n_in
        start = 0
        for name, shape in self._layout(n_in):
            size = int(np.prod(shape))
            setattr(self, self._ATTR.get(name, name), params[start:start + size].reshape(shape))
            setattr(self, "grad_" + name, grads[start:start + size].reshape(shape))
            start += size


class SimpleRNN(FlatParameters):
    """A fully recurrent layer of rate units, in the semantics of Keras' ``SimpleRNN``.

    For an input sequence ``x`` of shape ``(batch, steps, features)``, from ``h[-1] = 0``::

        z[t] = x[t] @ kernel + h[t-1] @ recurrent_kernel + bias
        h[t] = activation(z[t])

    The layer outputs ``h[T-1]`` (shape ``(batch, units)``), or with ``return_sequences=True``
    every ``h[t]`` (shape ``(batch, steps, units)``), as ``keras.layers.SimpleRNN`` does (Keras
    API documentation, "SimpleRNN layer"; Elman 1990, "Finding structure in time").

    Training is back propagation through time (Werbos 1990): from ``gh[T] = 0`` backwards, with
    ``e[t]`` the gradient reaching ``h[t]`` from the layer's output::

        gh[t] = e[t] + gz[t+1] @ recurrent_kernel^T          dL/dh[t]
        gz[t] = activation'(z[t]) * gh[t]                    dL/dz[t]
        d kernel = sum_t x[t]^T gz[t]    d recurrent_kernel = sum_t h[t-1]^T gz[t]
        d bias = sum_t,batch gz[t]       dL/dx[t] = gz[t] @ kernel^T

    Parameters
    ----------
    units : int
        Number of recurrent units.
    activation : str, Activation or None
        Keras' default ``tanh``; ``None`` is the identity.
    use_bias : bool
    kernel_initializer, recurrent_initializer, bias_initializer : str or callable
        Keras' defaults: ``glorot_uniform``, ``orthogonal`` and ``zeros``.
    kernel_regularizer, recurrent_regularizer, bias_regularizer : Regularizer or None
    return_sequences : bool
        Output the whole sequence of states instead of the last one.
    input_dim : int, optional
        Features per step; ``input_shape=(steps, features)`` (steps may be ``None``) works too.
    name : str, optional

    Keras' ``dropout``, ``recurrent_dropout``, ``go_backwards``, ``stateful``, ``unroll`` and
    masking are not implemented. The weights are stored, and ``get_weights`` returns them, in
    Keras' order: ``kernel``, ``recurrent_kernel``, ``bias``.
    """

    consumes_time = True

    def __init__(self, units: int,
                 activation: str | _act.Activation | Callable[..., Any] | None = "tanh", *,
                 use_bias: bool = True,
                 kernel_initializer: str | _init.Initializer | Callable[..., np.ndarray]
                 = "glorot_uniform",
                 recurrent_initializer: str | _init.Initializer | Callable[..., np.ndarray]
                 = "orthogonal",
                 bias_initializer: str | _init.Initializer | Callable[..., np.ndarray] = "zeros",
                 kernel_regularizer: str | _reg.Regularizer | None = None,
                 recurrent_regularizer: str | _reg.Regularizer | None = None,
                 bias_regularizer: str | _reg.Regularizer | None = None,
                 return_sequences: bool = False, input_dim: int | None = None,
                 input_shape: Sequence[int | None] | None = None,
                 name: str | None = None) -> None:
        self.units = _positive_int("SimpleRNN", "units", units)
        self.activation = _act.get(activation)
        if getattr(self.activation, "name", None) == "softmax":
            raise ValueError("SimpleRNN.activation='softmax' couples the units of a step; use "
                             "an element-wise activation (tanh, relu, sigmoid, ...) and a Dense "
                             "softmax layer after the SimpleRNN")
        if not isinstance(return_sequences, (bool, np.bool_)):
            raise TypeError(f"SimpleRNN.return_sequences must be True or False, got "
                            f"{return_sequences!r}")
        self.return_sequences = bool(return_sequences)
        self.outputs_time = self.return_sequences
        self.use_bias = bool(use_bias)
        self._init_specs = (kernel_initializer, recurrent_initializer, bias_initializer)
        self.kernel_initializer = _init.get(kernel_initializer)
        self.recurrent_initializer = _init.get(recurrent_initializer)
        self.bias_initializer = _init.get(bias_initializer)
        self.kernel_regularizer = _reg.get(kernel_regularizer)
        self.recurrent_regularizer = _reg.get(recurrent_regularizer)
        self.bias_regularizer = _reg.get(bias_regularizer)
        self.input_dim = _time_input("SimpleRNN", input_dim, input_shape)
        self.name: Any = name
        # what Sequential applies to the layer's output: nothing, the activation is inside
        self.output_activation = _act.identity
        self.kernel: Any = None
        self.recurrent_kernel: Any = None
        self.bias: Any = None
        self.grad_kernel: Any = None
        self.grad_recurrent_kernel: Any = None
        self.grad_bias: Any = None

    # --- building -------------------------------------------------------------------------------

    def _layout(self, n_in):
        parts = [("kernel", (n_in, self.units)), ("recurrent_kernel", (self.units, self.units))]
        if self.use_bias:
            parts.append(("bias", (self.units,)))
        return parts


    def initialize(self, rng: np.random.Generator) -> None:
        dtype = self.kernel.dtype
        self.kernel[...] = self.kernel_initializer((self.input_dim, self.units), rng, dtype)
        self.recurrent_kernel[...] = self.recurrent_initializer((self.units, self.units), rng,
                                                                dtype)
        if self.use_bias:
            self.bias[...] = self.bias_initializer((self.units,), rng, dtype)

    def weight_arrays(self):
        """``[(qualified name, array view), ...]`` in Keras' order."""
        return [(f"{self.name}.{n}", getattr(self, n)) for n, _ in self._layout(self.input_dim)]

    def grad_arrays(self):
        return [getattr(self, "grad_" + n) for n, _ in self._layout(self.input_dim)]

    def penalty(self) -> float:
        p = _reg.layer_penalty(self)
        if self.recurrent_regularizer is not None:
            p += self.recurrent_regularizer.penalty(self.recurrent_kernel)
        return p

    def add_penalty_gradients(self) -> float:
        p = _reg.layer_penalty(self, add_gradients=True)
        if self.recurrent_regularizer is not None:
            p += self.recurrent_regularizer.penalty(self.recurrent_kernel)
            self.recurrent_regularizer.add_gradient(self.recurrent_kernel,
                                                    self.grad_recurrent_kernel)
        return p

    # --- computing ------------------------------------------------------------------------------

    def check_input(self, X, name="X") -> None:
        """Nothing beyond the shape: any real-valued sequence."""

    def forward_train(self, x, training=False):
        """Run the recurrence over ``x`` (``(batch, steps, inputs)``); return ``(out, out,
        cache)`` with ``out`` the last state, or every state with ``return_sequences``."""
        B, T, n_in = x.shape
        U = self.units
        drive = (x.reshape(B * T, n_in) @ self.kernel).reshape(B, T, U)
        if self.use_bias:
            drive += self.bias
        z_all = np.empty((B, T, U), dtype=x.dtype)
        h_all = np.empty((B, T, U), dtype=x.dtype)
        f, R = self.activation.forward, self.recurrent_kernel
        h = None
        for t in range(T):
            z = drive[:, t] if h is None else drive[:, t] + h @ R
            h = f(z)
            z_all[:, t] = z
            h_all[:, t] = h
        out = h_all if self.return_sequences else h_all[:, -1]
        return out, out, _RNNCache(x, z_all, h_all)

    def backward(self, c: _RNNCache, g_out: np.ndarray, need_input_grad=True):
        """BPTT (class docstring). ``g_out`` is ``dL/d(output)``: ``(batch, units)``, or
        ``(batch, steps, units)`` with ``return_sequences``. Fills the gradients; returns
        ``dL/dx`` (or None)."""
        x, z_all, h_all = c.x, c.z, c.h
        B, T, n_in = x.shape
        U = self.units
        gz_all = np.empty((B, T, U), dtype=x.dtype)
        R = self.recurrent_kernel
        back = self.activation.backward
        gz = None
        for t in range(T - 1, -1, -1):
            if self.return_sequences:
                gh = g_out[:, t] if gz is None else g_out[:, t] + gz @ R.T
            elif gz is None:
                gh = g_out
            else:
                gh = gz @ R.T
            gz = back(z_all[:, t], h_all[:, t], gh)
            gz_all[:, t] = gz
        gf = gz_all.reshape(B * T, U)
        np.matmul(x.reshape(B * T, n_in).T, gf, out=self.grad_kernel)
        if T > 1:
            np.matmul(h_all[:, :-1].reshape(B * (T - 1), U).T,
                      gz_all[:, 1:].reshape(B * (T - 1), U), out=self.grad_recurrent_kernel)
        else:
            self.grad_recurrent_kernel[...] = 0.0
        if self.use_bias:
            np.sum(gf, axis=0, out=self.grad_bias)
        if not need_input_grad:
            return None
        return (gf @ self.kernel.T).reshape(B, T, n_in)

    # --- configuration --------------------------------------------------------------------------

    def get_config(self) -> dict:
        def reg(r):
            return None if r is None else r.get_config()

        cfg = {"units": self.units, "activation": self.activation.name,
               "use_bias": self.use_bias, "return_sequences": self.return_sequences,
               "kernel_regularizer": reg(self.kernel_regularizer),
               "recurrent_regularizer": reg(self.recurrent_regularizer),
               "bias_regularizer": reg(self.bias_regularizer),
               "input_dim": self.input_dim, "name": self.name}
        for key, spec in zip(("kernel_initializer", "recurrent_initializer", "bias_initializer"),
                             self._init_specs):
            if isinstance(spec, str):
                cfg[key] = spec
        return cfg

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg)
        for key in ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer"):
            if cfg.get(key) is not None:
                cfg[key] = _reg.Regularizer(**cfg[key])
        return cls(cfg.pop("units"), **cfg)

    def __repr__(self):
        return (f"SimpleRNN({self.units}, activation={self.activation.name!r}"
                + (", return_sequences=True" if self.return_sequences else "") + ")")


class _DropoutCache:
    __slots__ = ("mask",)

    def __init__(self, mask):
        self.mask = mask


class NoParameters:
    """What the layers without weights share (:class:`Dropout`,
    :class:`~artificial.spiking.SpikeEncoder`): as many outputs as inputs, no parameters and
    no penalty, and a generator of their own, seeded from ``seed`` or, when that is None,
    from the model's generator when the model is built."""

    input_dim: Any
    seed: Any

    def _setup(self, owner, seed, input_dim, input_shape, name) -> None:
        """Validate and set what these layers' constructors share: the seed, the input size
        (``input_dim`` or Keras' ``input_shape=(features,)``) and the name."""
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                                 or seed < 0):
            raise ValueError(f"{owner}.seed must be an integer >= 0 or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)
        if input_shape is not None:
            if input_dim is not None:
                raise ValueError(f"{owner}: give input_dim or input_shape, not both")
            shape = tuple(input_shape)
            if len(shape) != 1:
                raise ValueError(f"{owner}.input_shape must have one dimension (features), "
                                 f"got {shape}")
            input_dim = shape[0]
        self.input_dim = None if input_dim is None else _positive_int(owner, "input_dim",
                                                                      input_dim)
        self.name: Any = name
        self.activation = _act.identity
        self.kernel_regularizer = self.bias_regularizer = None
        self.use_bias = False
        self._seed = self.seed
        self._rng: Any = None

    @property
    def units(self):
        """Output features (per step for sequences): as many as inputs."""
        return self.input_dim

    def n_params(self, n_in: int) -> int:
        return 0

    def bind(self, n_in, params, grads) -> None:
        self.input_dim = n_in

    def initialize(self, rng) -> None:
        if self.seed is None:
            self._seed = int(rng.integers(0, 2**63 - 1))
        self._rng = np.random.default_rng(self._seed)

    def weight_arrays(self):
        return []

    def grad_arrays(self):
        return []

    def penalty(self) -> float:
        return 0.0

    def add_penalty_gradients(self) -> float:
        return 0.0

    def get_state(self) -> dict:
        """The generator's seed and state (saved with the model, so a resumed run draws on)."""
        return {"seed": self._seed,
                "rng_state": None if self._rng is None else self._rng.bit_generator.state}

    def set_state(self, state) -> None:
        self._seed = state["seed"]
        self._rng = np.random.default_rng(self._seed)
        if state["rng_state"] is not None:
            self._rng.bit_generator.state = state["rng_state"]

    @classmethod
    def from_config(cls, cfg):
        return cls(**cfg)


class Dropout(NoParameters):
    """Inverted dropout, in the semantics of Keras' ``Dropout`` (Srivastava et al. 2014,
    "Dropout: a simple way to prevent neural networks from overfitting").

    While training (``fit``, ``train_on_batch``) each input element is set to 0 with
    probability ``rate`` and the kept ones are scaled by ``1 / (1 - rate)``, so the expected
    output equals the input; ``predict``, ``evaluate``, ``forward`` and ``gradients`` pass the
    input through unchanged. Backward, the gradient goes through the same mask and scale.
    Works on ``(batch, features)`` and on sequences ``(batch, steps, features)`` (every element
    dropped independently, Keras' ``noise_shape=None``).

    Parameters
    ----------
    rate : float
        Fraction of the inputs to drop, in ``[0, 1)``.
    seed : int, optional
        Seed of the layer's own generator; by default drawn from the model's seed when it is
        built, so the same model seed gives the same masks.
    input_dim : int, optional
        Only for a first layer: the number of input features (or ``input_shape=(d,)``).
    name : str, optional
    """

    consumes_time = False
    passthrough = True

    def __init__(self, rate: float, *, seed: int | None = None, input_dim: int | None = None,
                 input_shape: Sequence[int] | None = None, name: str | None = None) -> None:
        r = as_real("Dropout", "rate", rate)
        if not 0.0 <= r < 1.0:
            raise ValueError(f"Dropout.rate must be in [0, 1) (the fraction of inputs dropped), "
                             f"got {rate!r}")
        self.rate = r
        self._setup("Dropout", seed, input_dim, input_shape, name)
        self.outputs_time = False  # set by Sequential.add from the layer before


    def check_input(self, X, name="X") -> None:
        """Any real input."""

    def forward_train(self, x, training=False):
        """``(out, out, cache)``: ``x`` unchanged outside training; in training ``x * mask /
        (1 - rate)`` with a fresh Bernoulli mask (kept with probability ``1 - rate``)."""
        if not training or self.rate == 0.0:
            return x, x, None
        keep = 1.0 - self.rate
        mask = (self._rng.random(x.shape) < keep).astype(x.dtype)
        mask *= 1.0 / keep
        out = x * mask
        return out, out, _DropoutCache(mask)

    def backward(self, c, g_out, need_input_grad=True):
        """``dL/dx = dL/d(out) * mask / (1 - rate)`` (identity outside training)."""
        if not need_input_grad:
            return None
        return g_out if c is None else g_out * c.mask

    def get_config(self) -> dict:
        return {"rate": self.rate, "seed": self.seed, "input_dim": self.input_dim,
                "name": self.name}

    def __repr__(self):
        return f"Dropout({self.rate})"
