"""Activation functions ``a = f(z)`` and their derivatives.

Every activation is an :class:`Activation`: ``forward(z)`` gives ``f(z)`` and
``backward(z, a, grad_a)`` turns the gradient of the loss with respect to the layer's output
``a`` into the gradient with respect to its input ``z``. For the element-wise functions that is
the article's ``delta = f'(z) * (...)``; for softmax, whose outputs depend on every input of the
row, it is the Jacobian-vector product.

Names accepted wherever an activation is expected (``Dense(..., activation="relu")``)::

    identity (alias linear, None), relu, leaky_relu, elu, sigmoid, tanh, softplus, softmax

A plain callable is accepted too. If it has a ``derivative`` attribute, that is used; otherwise
the derivative is taken by central differences (relative accuracy about 1e-10 in float64), which
is correct but slower: wrap it in :class:`Activation` with an analytic derivative for speed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validation import lookup

__all__ = [
    "Activation",
    "identity",
    "relu",
    "leaky_relu",
    "elu",
    "sigmoid",
    "tanh",
    "softplus",
    "softmax",
    "get",
    "names",
]


class Activation:
    """An activation function with its derivative.

    Parameters
    ----------
    name : str
        Name shown in summaries and written into saved models.
    function : callable
        ``f(z)``, element-wise on an array.
    derivative : callable
        ``f'(z)``, element-wise on an array.
    """

    elementwise = True

    def __init__(self, name: str, function: Callable, derivative: Callable):
        self.name = name
        self._f = function
        self._df = derivative

    def forward(self, z: np.ndarray) -> np.ndarray:
        """Return ``f(z)``."""
        return self._f(z)

    def __call__(self, z):
        return self.forward(np.asarray(z, dtype=float))

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """Return ``f'(z)`` element-wise."""
        return self._df(z)

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """Gradient with respect to ``z`` given the gradient with respect to ``a = f(z)``."""
        return grad_a * self._df(z)

    def __repr__(self):
        return f"Activation({self.name!r})"


# --- element-wise functions ------------------------------------------------------------------


def _identity(z):
    return z


def _identity_d(z):
    return np.ones_like(z)


def _relu(z):
    return np.maximum(z, 0.0)


def _relu_d(z):
    # f'(0) is taken as 0, as TensorFlow and PyTorch do.
    return (z > 0).astype(z.dtype)


def _sigmoid(z):
    # exp of a non-positive number only: no overflow for any z.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def _sigmoid_d(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


def _tanh_d(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _softplus(z):
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|), finite for |z| up to the float range.
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


class LeakyReLU(Activation):
    """``f(z) = z`` for ``z > 0``, ``alpha * z`` otherwise (Maas et al. 2013). Keras' default
    ``alpha`` (its ``negative_slope``) is 0.3; ours is 0.01 as in PyTorch and the paper."""

    def __init__(self, alpha: float = 0.01):
        alpha = float(alpha)
        if not np.isfinite(alpha) or alpha < 0:
            raise ValueError(f"LeakyReLU.alpha must be a finite number >= 0, got {alpha}")
        self.alpha = alpha
        super().__init__(
            "leaky_relu",
            lambda z: np.where(z > 0, z, alpha * z),
            lambda z: np.where(z > 0, 1.0, alpha).astype(z.dtype),
        )


class ELU(Activation):
    """``f(z) = z`` for ``z > 0``, ``alpha * (e^z - 1)`` otherwise (Clevert et al. 2016)."""

    def __init__(self, alpha: float = 1.0):
        alpha = float(alpha)
        if not np.isfinite(alpha) or alpha <= 0:
            raise ValueError(f"ELU.alpha must be a finite number > 0, got {alpha}")
        self.alpha = alpha
        super().__init__(
            "elu",
            lambda z: np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0))),
            lambda z: np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))).astype(z.dtype),
        )


class Softmax(Activation):
    """``f(z)_i = e^{z_i} / sum_j e^{z_j}`` along the last axis.

    Not element-wise: ``backward`` applies the Jacobian ``diag(a) - a a^T`` to ``grad_a``,
    i.e. ``grad_z = a * (grad_a - sum(grad_a * a))`` row by row.
    """

    elementwise = False

    def __init__(self):
        super().__init__("softmax", _softmax, None)

    def derivative(self, z):
        raise TypeError(
            "softmax has no element-wise derivative (each output depends on every input); "
            "use Softmax.backward(z, a, grad_a) for the Jacobian-vector product"
        )

    def backward(self, z, a, grad_a):
        return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


def _softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """``log(softmax(z))`` along the last axis, computed without overflow or ``log(0)``."""
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


class _NumericActivation(Activation):
    """A user's callable whose derivative is taken by central differences."""

    def __init__(self, function: Callable):
        name = getattr(function, "__name__", "custom")

        def deriv(z):
            h = 1e-5 * np.maximum(1.0, np.abs(z))
            return (function(z + h) - function(z - h)) / (2.0 * h)

        super().__init__(name, function, deriv)


identity = Activation("identity", _identity, _identity_d)
relu = Activation("relu", _relu, _relu_d)
sigmoid = Activation("sigmoid", _sigmoid, _sigmoid_d)
tanh = Activation("tanh", np.tanh, _tanh_d)
softplus = Activation("softplus", _softplus, _sigmoid)
leaky_relu = LeakyReLU()
elu = ELU()
softmax = Softmax()

_REGISTRY = {
    "identity": identity,
    "linear": identity,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "softplus": softplus,
    "softmax": softmax,
}


def names() -> list[str]:
    """The activation names :func:`get` accepts."""
    return sorted(_REGISTRY)


def get(spec) -> Activation:
    """Resolve a name, an :class:`Activation`, a callable or ``None`` (identity)."""
    if spec is None:
        return identity
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str):
        return lookup("activation", _REGISTRY, spec)
    if callable(spec):
        d = getattr(spec, "derivative", None)
        if callable(d):
            return Activation(getattr(spec, "__name__", "custom"), spec, d)
        return _NumericActivation(spec)
    raise TypeError(
        f"activation must be a name, an Activation or a callable, got {type(spec).__name__}"
    )
