"""Weight penalties added to the loss (the FAQ's L1 and L2 regularisation).

``penalty(w)`` is added to the batch loss and ``gradient(w)`` to the weight gradient, as Keras
does: ``L1(l1)`` adds ``l1 * sum |w|`` and ``L2(l2)`` adds ``l2 * sum w^2`` (no factor 1/2, so its
gradient is ``2 * l2 * w``).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_real, lookup

__all__ = ["Regularizer", "L1", "L2", "L1L2", "get", "layer_penalty"]


def _check(owner, name, value):
    v = as_real(owner, name, value)
    if v < 0:
        raise ValueError(f"{owner}.{name} must be a finite number >= 0, got {value}")
    return v


class Regularizer:
    """``l1 * sum |w| + l2 * sum w^2``."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _check(type(self).__name__, "l1", l1)
        self.l2 = _check(type(self).__name__, "l2", l2)

    def penalty(self, w: np.ndarray) -> float:
        p = 0.0
        if self.l1:
            p += self.l1 * float(np.sum(np.abs(w)))
        if self.l2:
            p += self.l2 * float(np.sum(w * w))
        return p

    def add_gradient(self, w: np.ndarray, grad: np.ndarray) -> None:
        """Add ``d penalty / dw`` to ``grad`` in place (the subgradient 0 at ``w = 0`` for L1)."""
        if self.l1:
            grad += self.l1 * np.sign(w)
        if self.l2:
            grad += (2.0 * self.l2) * w

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}

    def __repr__(self):
        return f"{type(self).__name__}(l1={self.l1}, l2={self.l2})"


class L1(Regularizer):
    """``l1 * sum |w|`` (Keras' default factor 0.01)."""

    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)


class L2(Regularizer):
    """``l2 * sum w^2`` (Keras' default factor 0.01)."""

    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)


class L1L2(Regularizer):
    """Both penalties."""


def get(spec) -> Regularizer | None:
    """``None``, a :class:`Regularizer`, or the names ``"l1"``, ``"l2"``, ``"l1_l2"``."""
    if spec is None or isinstance(spec, Regularizer):
        return spec
    if isinstance(spec, str):
        return lookup("regularizer", {"l1": L1, "l2": L2, "l1_l2": lambda: L1L2(0.01, 0.01)},
                      spec)()
    raise TypeError(f"regularizer must be a name or a Regularizer, got {type(spec).__name__}")


def layer_penalty(layer, *, add_gradients=False) -> float:
    """The penalties of a layer's ``kernel`` and ``bias`` (its ``kernel_regularizer`` and
    ``bias_regularizer``, either may be ``None``); with ``add_gradients`` their gradients are
    also added to the layer's ``grad_kernel`` and ``grad_bias``. Shared by every layer with
    weights (Dense and the spiking layers)."""
    p = 0.0
    if layer.kernel_regularizer is not None:
        p += layer.kernel_regularizer.penalty(layer.kernel)
        if add_gradients:
            layer.kernel_regularizer.add_gradient(layer.kernel, layer.grad_kernel)
    if layer.bias_regularizer is not None and layer.use_bias:
        p += layer.bias_regularizer.penalty(layer.bias)
        if add_gradients:
            layer.bias_regularizer.add_gradient(layer.bias, layer.grad_bias)
    return p
