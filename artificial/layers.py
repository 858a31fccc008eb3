"""The fully connected layer.

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

__all__ = ["Dense"]


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
