"""Loss functions and their gradients.

A :class:`Loss` gives the batch loss ``value(y, y_hat)`` (a mean over the ``n`` samples of the
batch) and ``gradient(y, y_hat)``, the derivative of that mean with respect to every entry of
``y_hat``: the starting point ``dL/da_L`` of back propagation.

The cross-entropies also work from *logits* ``z`` (the output layer's input): for a sigmoid output
with binary cross-entropy and a softmax output with categorical cross-entropy, the model hands
them ``z`` instead of ``a = f(z)``, as Keras does when it sees those pairs. The fused forms are
exact and stable (no overflow and no ``log(0)`` for logits of +-1000), and their gradient is the
famous ``(a - y) / n``.

Names::

    mse                            mean over samples and outputs of (y - y_hat)^2 (Keras' "mse")
    half_mse (alias article_mse)   the article's 1/(2n) sum_i sum_k (y_ik - y_hat_ik)^2
    binary_crossentropy            mean of -[y log p + (1 - y) log(1 - p)]
    categorical_crossentropy       mean over samples of -sum_k y_k log p_k (one-hot y)
    sparse_categorical_crossentropy  the same with integer class labels y
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._validation import lookup
from .activations import _sigmoid, _softmax, log_softmax

__all__ = [
    "Loss",
    "MeanSquaredError",
    "HalfMeanSquaredError",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "get",
    "names",
]

#: Probability clip for cross-entropies computed from probabilities, as Keras' epsilon.
EPSILON = 1e-7


class Loss:
    """Base class. ``fused_activation`` names the output activation whose logits this loss can
    take directly (``None`` if none)."""

    name = "loss"
    fused_activation: str | None = None

    def value(self, y: np.ndarray, y_hat: np.ndarray) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def gradient(self, y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def value_from_logits(self, y, z) -> float:
        raise TypeError(f"{self.name} is not defined from logits")

    def gradient_from_logits(self, y, z) -> np.ndarray:
        raise TypeError(f"{self.name} is not defined from logits")

    def __call__(self, y: npt.ArrayLike, y_hat: npt.ArrayLike) -> float:
        return self.value(np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float))

    def __repr__(self):
        return f"{type(self).__name__}()"


class MeanSquaredError(Loss):
    """``L = 1/(n k) sum_i sum_k (y_ik - y_hat_ik)^2`` for ``n`` samples of ``k`` outputs
    (Keras' ``mean_squared_error``). ``dL/dy_hat = 2 (y_hat - y) / (n k)``."""

    name = "mse"

    def value(self, y, y_hat):
        return float(np.mean((y - y_hat) ** 2))

    def gradient(self, y, y_hat):
        return (2.0 / y_hat.size) * (y_hat - y)


class HalfMeanSquaredError(Loss):
    """The article's loss ``L = 1/(2n) sum_i sum_k (y_ik - y_hat_ik)^2`` (``n`` samples).

    The factor 1/2 cancels the 2 of the derivative: ``dL/dy_hat = (y_hat - y) / n``.
    """

    name = "half_mse"

    def value(self, y, y_hat):
        return float(0.5 * np.sum((y - y_hat) ** 2) / y_hat.shape[0])

    def gradient(self, y, y_hat):
        return (y_hat - y) / y_hat.shape[0]


class BinaryCrossentropy(Loss):
    """``L = -1/(n k) sum [y log p + (1 - y) log(1 - p)]``, ``p`` the predicted probability.

    From probabilities, ``p`` is clipped to ``[1e-7, 1 - 1e-7]`` (Keras' epsilon). From logits
    ``z`` (``p = sigmoid(z)``), each term is ``max(z, 0) - z y + log(1 + e^{-|z|})``, exact and
    finite for any ``z``, with gradient ``(sigmoid(z) - y) / (n k)``.
    """

    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def value(self, y, p):
        p = np.clip(p, EPSILON, 1.0 - EPSILON)
        return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))

    def gradient(self, y, p):
        clipped = np.clip(p, EPSILON, 1.0 - EPSILON)
        g = (clipped - y) / (clipped * (1.0 - clipped))
        # Where the clip is active the loss is flat in p.
        g = np.where((p < EPSILON) | (p > 1.0 - EPSILON), 0.0, g)
        return g / p.size

    def value_from_logits(self, y, z):
        return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))

    def gradient_from_logits(self, y, z):
        return (_sigmoid(z) - y) / z.size


class CategoricalCrossentropy(Loss):
    """``L = -1/n sum_i sum_k y_ik log p_ik`` with one-hot (or probability) targets ``y``.

    From probabilities, ``p`` is clipped to ``[1e-7, 1]``. From logits,
    ``log p = log_softmax(z)`` is computed with the max subtracted, and
    ``dL/dz = (softmax(z) sum_k y_k - y) / n`` (``(a - y) / n`` for one-hot ``y``).
    """

    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def value(self, y, p):
        p = np.clip(p, EPSILON, 1.0)
        return float(-np.sum(y * np.log(p)) / p.shape[0])

    def gradient(self, y, p):
        clipped = np.clip(p, EPSILON, 1.0)
        g = np.where(p < EPSILON, 0.0, -y / clipped)
        return g / p.shape[0]

    def value_from_logits(self, y, z):
        return float(-np.sum(y * log_softmax(z)) / z.shape[0])

    def gradient_from_logits(self, y, z):
        return (_softmax(z) * np.sum(y, axis=-1, keepdims=True) - y) / z.shape[0]


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical cross-entropy with integer labels ``y`` (shape ``(n,)`` or ``(n, 1)``)."""

    name = "sparse_categorical_crossentropy"

    @staticmethod
    def _one_hot(y, k, dtype):
        y = np.asarray(y).reshape(-1).astype(np.intp)
        out = np.zeros((y.shape[0], k), dtype=dtype)
        out[np.arange(y.shape[0]), y] = 1.0
        return out

    def value(self, y, p):
        return super().value(self._one_hot(y, p.shape[-1], p.dtype), p)

    def gradient(self, y, p):
        return super().gradient(self._one_hot(y, p.shape[-1], p.dtype), p)

    def value_from_logits(self, y, z):
        return super().value_from_logits(self._one_hot(y, z.shape[-1], z.dtype), z)

    def gradient_from_logits(self, y, z):
        return super().gradient_from_logits(self._one_hot(y, z.shape[-1], z.dtype), z)


_REGISTRY = {
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "half_mse": HalfMeanSquaredError,
    "article_mse": HalfMeanSquaredError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}


def names() -> list[str]:
    """The loss names :func:`get` accepts."""
    return sorted(_REGISTRY)


def get(spec: str | Loss | type[Loss]) -> Loss:
    """Resolve a name or a :class:`Loss` instance."""
    if isinstance(spec, Loss):
        return spec
    if isinstance(spec, str):
        return lookup("loss", _REGISTRY, spec)()
    if isinstance(spec, type) and issubclass(spec, Loss):
        return spec()
    raise TypeError(f"loss must be a name or a Loss, got {type(spec).__name__}")
