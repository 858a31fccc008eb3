"""Gradient-descent optimisers.

Each optimiser updates one flat parameter vector ``w`` in place from its gradient ``g``
(the model keeps every layer's weights and biases as views into that one vector, so an update is
a handful of vector operations whatever the number of layers). The article's rule is plain
gradient descent, ``W <- W - alpha dW``; the others change the step using a running memory of
past gradients. Defaults are Keras' defaults.

Names: ``sgd`` (alias ``gd``), ``momentum``, ``nesterov``, ``rmsprop``, ``adam``.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_real, lookup

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "get", "names"]


def _check_lr(owner, learning_rate):
    lr = as_real(owner, "learning_rate", learning_rate)
    if lr <= 0:
        raise ValueError(f"{owner}.learning_rate must be a finite number > 0, got {learning_rate}")
    return lr


def _check_unit(owner, name, value, *, closed_low=True):
    v = as_real(owner, name, value)
    ok = (0.0 <= v < 1.0) if closed_low else (0.0 < v < 1.0)
    if not ok:
        bound = "[0, 1)" if closed_low else "(0, 1)"
        raise ValueError(f"{owner}.{name} must be in {bound}, got {value}")
    return v


def _check_eps(owner, epsilon):
    e = as_real(owner, "epsilon", epsilon)
    if not e > 0:
        raise ValueError(f"{owner}.epsilon must be > 0, got {epsilon}")
    return e


class Optimizer:
    """Base class: ``step(w, g)`` updates ``w`` in place; ``iterations`` counts the steps."""

    name = "optimizer"

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = _check_lr(type(self).__name__, learning_rate)
        self.iterations = 0

    def build(self, n_params: int, dtype) -> None:
        """Allocate the state for ``n_params`` parameters."""
        self.iterations = 0

    def step(self, w: np.ndarray, g: np.ndarray) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # state for saving and loading
    def get_state(self) -> dict:
        return {"iterations": self.iterations}

    def set_state(self, state: dict) -> None:
        self.iterations = int(state["iterations"])

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    Plain (``momentum = 0``), the article's rule::

        w <- w - lr * g

    With momentum ``mu`` (Polyak 1964; Keras' form)::

        v <- mu * v - lr * g
        w <- w + v

    Nesterov (Sutskever et al. 2013, as Keras writes it)::

        v <- mu * v - lr * g
        w <- w + mu * v - lr * g

    Keras defaults: ``learning_rate=0.01, momentum=0.0, nesterov=False``.
    """

    name = "sgd"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0,
                 nesterov: bool = False) -> None:
        super().__init__(learning_rate)
        self.momentum = _check_unit("SGD", "momentum", momentum)
        if nesterov and self.momentum == 0.0:
            raise ValueError("SGD.nesterov=True needs momentum > 0, got momentum=0.0")
        self.nesterov = bool(nesterov)
        self._v = None

    def build(self, n_params, dtype):
        super().build(n_params, dtype)
        self._v = np.zeros(n_params, dtype=dtype) if self.momentum > 0 else None
        self._tmp = np.empty(n_params, dtype=dtype)

    def step(self, w, g):
        self.iterations += 1
        lr = self.learning_rate
        if self._v is None:
            np.multiply(g, lr, out=self._tmp)
            w -= self._tmp
            return
        v = self._v
        v *= self.momentum
        np.multiply(g, lr, out=self._tmp)
        v -= self._tmp
        if self.nesterov:
            np.multiply(v, self.momentum, out=self._tmp)
            w += self._tmp
            np.multiply(g, lr, out=self._tmp)
            w -= self._tmp
        else:
            w += v

    def get_state(self):
        s = super().get_state()
        if self._v is not None:
            s["v"] = self._v.copy()
        return s

    def set_state(self, state):
        super().set_state(state)
        if self._v is not None:
            self._v[...] = state["v"]

    def get_config(self):
        return {"learning_rate": self.learning_rate, "momentum": self.momentum,
                "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """RMSprop (Hinton, Srivastava & Swersky 2012, Coursera lecture 6e), in Keras' form::

        s <- rho * s + (1 - rho) * g^2
        w <- w - lr * g / (sqrt(s) + eps)

    Keras defaults: ``learning_rate=0.001, rho=0.9, epsilon=1e-7``.
    """

    name = "rmsprop"

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9,
                 epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate)
        self.rho = _check_unit("RMSprop", "rho", rho)
        self.epsilon = _check_eps("RMSprop", epsilon)

    def build(self, n_params, dtype):
        super().build(n_params, dtype)
        self._s = np.zeros(n_params, dtype=dtype)
        self._tmp = np.empty(n_params, dtype=dtype)

    def step(self, w, g):
        self.iterations += 1
        s, tmp = self._s, self._tmp
        s *= self.rho
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - self.rho
        s += tmp
        np.sqrt(s, out=tmp)
        tmp += self.epsilon
        np.divide(g, tmp, out=tmp)
        tmp *= self.learning_rate
        w -= tmp

    def get_state(self):
        return {**super().get_state(), "s": self._s.copy()}

    def set_state(self, state):
        super().set_state(state)
        self._s[...] = state["s"]

    def get_config(self):
        return {"learning_rate": self.learning_rate, "rho": self.rho, "epsilon": self.epsilon}


# Adam's step has two implementations giving bitwise the same result (the same IEEE operations
# in the same order; tests/artificial/test_optimizers.py checks it): NumPy in-place ufuncs, and a
# numba kernel making one pass instead of eleven. The kernel is faster per step (0.5 vs 4 us at
# 9 parameters, 0.37 vs 1.5 ms at 270000 on the 2-core dev machine) but loading it costs about
# 0.35 s per process (importing numba, then loading the cached machine code), more than the whole
# article XOR fit. So every process starts on NumPy, adds up the time the kernel would have saved
# (the estimate below, from those measurements), and loads the kernel once that sum exceeds the
# loading cost: a small model never pays for it, a large one pays it within its first steps, and
# no run pays more than twice the better choice (the ski-rental bound).
_KERNEL_LOAD_S = 0.35
_SAVING_PER_STEP_S = 3e-6
_SAVING_PER_PARAM_S = 3e-9
_adam = {"kernel": None, "saved_s": 0.0}


def _adam_numpy(w, g, m, v, tmp, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, lr_t, epsilon):
    m *= beta_1
    np.multiply(g, one_minus_beta_1, out=tmp)
    m += tmp
    v *= beta_2
    np.multiply(g, g, out=tmp)
    tmp *= one_minus_beta_2
    v += tmp
    np.sqrt(v, out=tmp)
    tmp += epsilon
    np.divide(m, tmp, out=tmp)
    tmp *= lr_t
    w -= tmp


def _adam_kernel():
    """The compiled Adam step (numba imported and the kernel loaded on the first call)."""
    if _adam["kernel"] is None:
        from ._adam_kernel import adam_kernel

        _adam["kernel"] = adam_kernel
    return _adam["kernel"]


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015, Algorithm 1 with the efficiency note of section 2), as Keras
    computes it. At step ``t = 1, 2, ...``::

        m <- beta_1 * m + (1 - beta_1) * g
        v <- beta_2 * v + (1 - beta_2) * g^2
        lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        w <- w - lr_t * m / (sqrt(v) + eps)

    Keras defaults: ``learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7``.
    """

    name = "adam"

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate)
        self.beta_1 = _check_unit("Adam", "beta_1", beta_1)
        self.beta_2 = _check_unit("Adam", "beta_2", beta_2)
        self.epsilon = _check_eps("Adam", epsilon)

    def build(self, n_params, dtype):
        super().build(n_params, dtype)
        self._m = np.zeros(n_params, dtype=dtype)
        self._v = np.zeros(n_params, dtype=dtype)
        self._tmp = None

    def step(self, w, g):
        self.iterations += 1
        t = self.iterations
        b1, b2 = self.beta_1, self.beta_2
        lr_t = self.learning_rate * np.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        # Scalars in the parameters' dtype keep float32 arithmetic in float32.
        f = w.dtype.type
        args = (f(b1), f(1.0 - b1), f(b2), f(1.0 - b2), f(lr_t), f(self.epsilon))
        if _adam["kernel"] is None and _adam["saved_s"] < _KERNEL_LOAD_S:
            _adam["saved_s"] += _SAVING_PER_STEP_S + _SAVING_PER_PARAM_S * w.size
            if self._tmp is None or self._tmp.shape != w.shape or self._tmp.dtype != w.dtype:
                self._tmp = np.empty_like(w)
            _adam_numpy(w, g, self._m, self._v, self._tmp, *args)
        else:
            _adam_kernel()(w, g, self._m, self._v, *args)

    def get_state(self):
        return {**super().get_state(), "m": self._m.copy(), "v": self._v.copy()}

    def set_state(self, state):
        super().set_state(state)
        self._m[...] = state["m"]
        self._v[...] = state["v"]

    def get_config(self):
        return {"learning_rate": self.learning_rate, "beta_1": self.beta_1,
                "beta_2": self.beta_2, "epsilon": self.epsilon}


_REGISTRY = {
    "sgd": lambda: SGD(),
    "gd": lambda: SGD(),
    "momentum": lambda: SGD(momentum=0.9),
    "nesterov": lambda: SGD(momentum=0.9, nesterov=True),
    "rmsprop": lambda: RMSprop(),
    "adam": lambda: Adam(),
}

_CLASSES = {"SGD": SGD, "RMSprop": RMSprop, "Adam": Adam}


def names() -> list[str]:
    """The optimiser names :func:`get` accepts."""
    return sorted(_REGISTRY)


def get(spec: str | Optimizer) -> Optimizer:
    """Resolve a name or an :class:`Optimizer` instance."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, str):
        return lookup("optimizer", _REGISTRY, spec)()
    raise TypeError(f"optimizer must be a name or an Optimizer, got {type(spec).__name__}")


def from_config(class_name: str, config: dict) -> Optimizer:
    """Rebuild an optimiser from ``type(opt).__name__`` and ``opt.get_config()``."""
    if class_name not in _CLASSES:
        raise ValueError(f"unknown optimizer class {class_name!r}; valid: {', '.join(_CLASSES)}")
    return _CLASSES[class_name](**config)
