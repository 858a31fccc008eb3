"""Spiking layers trained by back-propagation through time (BPTT) with a surrogate spike derivative.

The layers plug into :class:`~artificial.models.Sequential` beside :class:`~artificial.layers.Dense`
and train with the same ``compile``/``fit``/``evaluate``, optimisers, losses, metrics, callbacks
and ``save``/``load_model`` (Neftci, Mostafa & Zenke 2019, "Surrogate gradient learning in spiking
neural networks"; Zenke & Vogels 2021, "The remarkable robustness of surrogate gradient learning").

Shapes
------
A spike train (or any time series) is an array of shape ``(batch, steps, features)``.
:class:`SpikeEncoder` turns ``(batch, features)`` intensities into such trains; a
:class:`LIFDense` (or :class:`LIFRecurrent`) layer maps trains to trains, or, with a ``readout``,
trains to ``(batch, units)`` values that the loss sees as logits.

The discrete leaky integrate-and-fire neuron
--------------------------------------------
Each layer advances in steps of ``dt`` ms (default 1 ms), with ``alpha = exp(-dt/tau_syn)``
(``alpha = 0`` when ``tau_syn`` is ``None``: instantaneous synapses) and
``beta = exp(-dt/tau_m)``. For ``t = 0 .. T-1``, from ``i[-1] = v[-1] = s[-1] = 0``::

    i[t] = alpha i[t-1] + x[t] @ W + b  (+ s[t-1] @ V  in LIFRecurrent)   synaptic current
    u[t] = beta v[t-1] + (1 - beta) i[t]                                   membrane before reset
    s[t] = H(u[t] - v_th)                                                  spike, 0 or 1
    v[t] = u[t] - v_th s[t]          (reset="subtract")
    v[t] = u[t] (1 - s[t])           (reset="zero")

The membrane update is the exact solution of ``tau_m dv/dt = -v + i`` over one step for a current
held constant during the step (so ``i`` is in units of the potential, and a constant current
``i > v_th`` makes the neuron fire); the current is a current-based exponential synapse
(``tau_syn di/dt = -i``, each input spike adds its weight). ``H(0) = 1``: a neuron fires when it
reaches the threshold.

Back-propagation through time
-----------------------------
``H`` has no useful derivative; backward, ``dH(x)/dx`` is replaced by a surrogate ``sigma'(x)``
(:class:`Surrogate`). Going back in time from ``t = T-1`` with ``gu[T] = gi[T] = 0`` and the
gradients ``ext_s[t] = dL/ds[t]``, ``ext_v[t] = dL/dv[t]`` that reach the layer from its
output (the next layer, the readout, the spike-count penalty)::

    gv[t] = ext_v[t] + beta gu[t+1]                                  dL/dv[t]
    gs[t] = ext_s[t] + gi[t+1] @ V^T + r[t] gv[t]                    dL/ds[t]
    gu[t] = gv[t] dv[t]/du[t] + gs[t] sigma'(u[t] - v_th)            dL/du[t]
    gi[t] = (1 - beta) gu[t] + alpha gi[t+1]                          dL/di[t]

with ``dv/du = 1`` (subtract) or ``1 - s[t]`` (zero), and the reset term ``r[t] = dv[t]/ds[t]``,
``-v_th`` (subtract) or ``-u[t]`` (zero). With ``detach_reset=True`` (the default, as Zenke &
Vogels recommend) ``r[t] = 0``: the reset is treated as a constant backward. Then::

    dW = sum_t x[t]^T gi[t]      db = sum_t,batch gi[t]      dV = sum_t s[t-1]^T gi[t]
    dL/dx[t] = gi[t] @ W^T
    dL/dbeta  = sum_t,batch gu[t] (v[t-1] - i[t]),   dbeta/dtau_m   = beta dt / tau_m^2
    dL/dalpha = sum_t,batch gi[t] i[t-1],            dalpha/dtau_syn = alpha dt / tau_syn^2

With ``surrogate="smooth_sigmoid"`` the forward spike itself is the smooth ``sigmoid(2 k x)``
and its exact derivative is used backward: the whole network is then a smooth function and
the gradient above is exact (the finite-difference tests use it).

Readouts
--------
``readout`` turns the output layer's activity into one value per neuron, the logit ``z``
(``activation``, softmax by default on a readout layer, then gives ``a``; the cross-entropies
take ``z`` directly, as for a softmax ``Dense``)::

    "membrane"       z = max_t v[t] of a non-spiking (no threshold, no reset) leaky integrator
    "membrane_mean"  z = mean_t v[t] of the same
    "count"          z = sum_t s[t], the number of spikes
    "first_spike"    z = -t_first = -dt sum_t n[t],  n[t] = prod_{t' <= t} (1 - s[t'])

``n[t]`` is 1 until the neuron's first spike, so ``t_first`` is the first spike's time in ms
(``k dt`` for a first spike at step ``k``, ``T dt`` when there is none); ``z`` grows as the spike
comes earlier. Backward, ``dz/ds[t] = dt n[t-1] Q[t]`` with
``Q[t] = 1 + (1 - s[t+1]) Q[t+1]``, ``Q[T-1] = 1``.

Spike-count penalty
-------------------
``spike_reg = lambda > 0`` adds ``lambda mean_{batch, units} (c / T - target_rate)^2`` to the
loss, ``c`` a neuron's spike count in the sample (so ``target_rate`` is in spikes per step).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import activations as _act
from . import initializers as _init
from . import regularizers as _reg
from ._validation import as_real, lookup
from .layers import FlatParameters, NoParameters

__all__ = ["Surrogate", "FastSigmoid", "ArcTan", "Triangle", "SmoothSigmoid", "SpikeEncoder",
           "LIFDense", "LIFRecurrent", "surrogates", "get_surrogate", "ENCODINGS", "READOUTS"]

ENCODINGS = ("rate", "latency")
READOUTS = ("membrane", "membrane_mean", "count", "first_spike")
RESETS = ("subtract", "zero")


def _positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}.{name} must be a positive integer, got {value!r}")
    return int(value)


def _positive(owner, name, value, unit=""):
    v = as_real(owner, name, value)
    if not v > 0:
        raise ValueError(f"{owner}.{name} must be > 0{unit}, got {v}")
    return v


def _choice(owner, name, value, valid):
    if not isinstance(value, str) or value.lower() not in valid:
        raise ValueError(f"{owner}.{name} must be one of {', '.join(map(repr, valid))}; got "
                         f"{value!r}")
    return value.lower()


# --- surrogate derivatives -----------------------------------------------------------------------


class Surrogate:
    """The spike non-linearity: ``forward`` (Heaviside ``H(x)``) and the surrogate ``derivative``.

    Every surrogate is the derivative of a smooth step rising from 0 to 1 around ``x = 0``
    (``x = u - v_th``): its area is 1, its peak ``k/2`` and its width about ``1/k``, with
    ``k = scale`` (in 1 / units of the potential).
    """

    name = "surrogate"
    smooth = False  # True when forward itself is the smooth step (exact gradient)

    def __init__(self, scale: float = 10.0) -> None:
        self.scale = _positive(type(self).__name__, "scale", scale)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``H(x)``: 1 where ``x >= 0``, else 0 (in ``x``'s dtype)."""
        return (x >= 0).astype(x.dtype)

    def derivative(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name, "scale": self.scale}

    def __repr__(self):
        return f"{type(self).__name__}(scale={self.scale})"


class FastSigmoid(Surrogate):
    """SuperSpike's fast sigmoid (Zenke & Ganguli 2018): ``sigma'(x) = k / (2 (1 + k|x|)^2)``,
    the derivative of ``(1 + k x / (1 + k|x|)) / 2``."""

    name = "fast_sigmoid"

    def derivative(self, x):
        k = self.scale
        d = np.abs(x)
        d *= k
        d += 1.0
        np.square(d, out=d)
        return np.divide(0.5 * k, d, out=d)


class ArcTan(Surrogate):
    """``sigma'(x) = (k/2) / (1 + (pi k x / 2)^2)``, the derivative of
    ``1/2 + arctan(pi k x / 2) / pi``."""

    name = "arctan"

    def derivative(self, x):
        k = self.scale
        y = (0.5 * math.pi * k) * x
        return (0.5 * k) / (1.0 + y * y)


class Triangle(Surrogate):
    """``sigma'(x) = (k/2) max(0, 1 - k|x|/2)``: a triangle of half-width ``2/k``."""

    name = "triangle"

    def derivative(self, x):
        k = self.scale
        return (0.5 * k) * np.maximum(0.0, 1.0 - (0.5 * k) * np.abs(x))


class SmoothSigmoid(Surrogate):
    """Not a surrogate but a smooth relaxation of the spike: forward ``s = sigmoid(2 k x)``
    (values strictly between 0 and 1), backward its exact derivative ``2 k s (1 - s)``.

    The forward pass is then smooth, the BPTT gradient is the exact gradient, and finite
    differences must match it: this is what the gradient tests use.
    """

    name = "smooth_sigmoid"
    smooth = True

    def forward(self, x):
        return 0.5 * (1.0 + np.tanh(self.scale * x))  # = sigmoid(2 k x), without overflow

    def derivative(self, x):
        s = self.forward(x)
        return (2.0 * self.scale) * s * (1.0 - s)


_SURROGATES = {c.name: c for c in (FastSigmoid, ArcTan, Triangle, SmoothSigmoid)}


def surrogates() -> list[str]:
    """The surrogate names :func:`get_surrogate` accepts."""
    return sorted(_SURROGATES)


def get_surrogate(spec, scale=None) -> Surrogate:
    """A :class:`Surrogate` from a name (with ``scale``, default 10) or an instance."""
    if isinstance(spec, Surrogate):
        if scale is not None:
            raise ValueError("give scale to the Surrogate object, not beside it")
        return spec
    if isinstance(spec, str):
        cls = lookup("surrogate", _SURROGATES, spec)
        return cls() if scale is None else cls(scale)
    raise TypeError(f"surrogate must be a name or a Surrogate, got {type(spec).__name__}")


# --- the encoder ---------------------------------------------------------------------------------


class SpikeEncoder(NoParameters):
    """Turn intensities ``x`` in ``[0, 1]`` (shape ``(batch, features)``) into spike trains of
    shape ``(batch, steps, features)``. Must be a model's first layer; it has no parameters.

    Codes
    -----
    ``"rate"``
        Each step, each feature spikes with probability ``x`` (independent Bernoulli draws).
        While training (``fit``) the draws come from the encoder's own generator, which moves
        on, so every epoch sees new trains; ``predict``/``evaluate`` draw from a generator
        restarted from the encoder's seed each call, so they are deterministic.
    ``"latency"``
        One spike per feature, at step ``round((1 - x) (steps - 1))``: the brightest input
        (``x = 1``) fires at step 0, dimmer ones later; ``x = 0`` does not fire. Deterministic.

    Parameters
    ----------
    steps : int
        Number of time steps ``T``.
    code : {"rate", "latency"}
    seed : int, optional
        Seed of the rate code's draws; by default drawn from the model's seed when it is built.
    input_dim : int, optional
    name : str, optional
    """

    outputs_time = True
    consumes_time = False

    def __init__(self, steps: int, code: str = "rate", *, seed: int | None = None,
                 input_dim: int | None = None, input_shape: Sequence[int] | None = None,
                 name: str | None = None) -> None:
        self.steps = _positive_int("SpikeEncoder", "steps", steps)
        self.code = _choice("SpikeEncoder", "code", code, ENCODINGS)
        self._setup("SpikeEncoder", seed, input_dim, input_shape, name)

    def check_input(self, X, name="X") -> None:
        """Refuse intensities outside ``[0, 1]`` before anything runs."""
        lo, hi = float(X.min()), float(X.max())
        if lo < 0.0 or hi > 1.0:
            what = ("the probability of a spike per step" if self.code == "rate"
                    else "1 fires at step 0, 0 never")
            raise ValueError(f"SpikeEncoder(code={self.code!r}) expects {name} in [0, 1] ({what});"
                             f" got values from {lo:g} to {hi:g}: scale the data first, e.g. with "
                             "MinMaxScaler")

    def encode(self, X, training=False) -> np.ndarray:
        """The spike trains of ``X`` (``(batch, features)`` -> ``(batch, steps, features)``)."""
        n, d = X.shape
        T = self.steps
        if self.code == "rate":
            rng = self._rng if training else np.random.default_rng([self._seed, 1])
            return (rng.random((n, T, d)) < X[:, None, :]).astype(X.dtype)
        out = np.zeros((n, T, d), dtype=X.dtype)
        rows, cols = np.nonzero(X > 0)
        steps = np.rint((1.0 - X[rows, cols]) * (T - 1)).astype(np.intp)
        out[rows, steps, cols] = 1.0
        return out

    def forward_train(self, X, training=False):
        s = self.encode(X, training)
        return s, s, None

    def get_config(self) -> dict:
        return {"steps": self.steps, "code": self.code, "seed": self.seed,
                "input_dim": self.input_dim, "name": self.name}

    def __repr__(self):
        return f"SpikeEncoder(steps={self.steps}, code={self.code!r})"


# --- LIF layers ----------------------------------------------------------------------------------


class _LIFCache:
    """What the forward pass keeps for the backward pass (arrays of shape (batch, steps, units))."""

    x: Any
    i: Any
    u: Any
    v: Any
    s: Any
    alpha: Any
    beta: Any

    __slots__ = ("x", "i", "u", "v", "s", "n", "alpha", "beta", "z_index", "penalty", "rate")

    def __init__(self):
        self.n = self.z_index = self.rate = None
        self.penalty = 0.0


class LIFDense(FlatParameters):
    """A fully connected layer of leaky integrate-and-fire neurons (equations: module docstring).

    Parameters
    ----------
    units : int
        Number of neurons.
    tau_m : float
        Membrane time constant in ms (> 0).
    tau_syn : float or None
        Synaptic time constant in ms (> 0; default 5 ms as in Zenke & Vogels 2021); ``None``
        for instantaneous synapses (``alpha = 0``: ``i[t] = x[t] @ W + b``).
    v_th : float
        Firing threshold (> 0); the resting potential is 0.
    dt : float
        Time step in ms (> 0).
    reset : {"subtract", "zero"}
        After a spike, subtract ``v_th`` from the membrane, or set it to 0.
    detach_reset : bool
        Treat the reset as a constant in the backward pass (default True, Zenke & Vogels 2021).
    surrogate : str or Surrogate
        ``fast_sigmoid`` (default), ``arctan``, ``triangle``, or ``smooth_sigmoid`` (smooth
        forward, exact gradient; for gradient checks).
    scale : float, optional
        The surrogate's steepness ``k`` (default 10); only with a surrogate name.
    readout : {None, "membrane", "membrane_mean", "count", "first_spike"}
        ``None``: the layer outputs its spike trains ``(batch, steps, units)``. Otherwise it
        outputs one value per neuron ``(batch, units)``; ``membrane*`` readout neurons do not
        spike.
    activation : str or None
        Only for readout layers: applied to the readout ``z``. Default ``softmax`` (so
        ``sparse_categorical_crossentropy`` works from the logits); ``"linear"`` for none.
    learn_tau : bool
        Make ``tau_m`` (and ``tau_syn`` if given) per-neuron trainable parameters, initialised
        to the given values. A learned tau is used as ``max(tau, dt / 10)``.
    use_bias : bool
        A constant input current ``b`` per neuron (default True).
    kernel_initializer, bias_initializer : str or callable
    kernel_regularizer, bias_regularizer : Regularizer or None
    spike_reg : float
        Weight ``lambda >= 0`` of the spike-count penalty (spiking layers only).
    target_rate : float
        Target spikes per step of the penalty, in ``[0, 1]``.
    input_dim : int, optional
        Inputs per step; needed on a first layer (``input_shape=(steps, d)`` or ``(None, d)``
        works too).
    name : str, optional
    """

    # the learnable time constants' parameters are tau_m_param / tau_syn_param (tau_m and
    # tau_syn stay the given values)
    _ATTR = {"tau_m": "tau_m_param", "tau_syn": "tau_syn_param"}
    outputs_time = True
    consumes_time = True
    recurrent = False

    def __init__(self, units: int, *, tau_m: float = 10.0,
                 tau_syn: float | None = 5.0, v_th: float = 1.0, dt: float = 1.0,
                 reset: str = "subtract", detach_reset: bool = True,
                 surrogate: str | Surrogate = "fast_sigmoid", scale: float | None = None,
                 readout: str | None = None,
                 activation: str | _act.Activation | Callable[..., Any] | None = None,
                 learn_tau: bool = False, use_bias: bool = True,
                 kernel_initializer: str | _init.Initializer | Callable[..., np.ndarray] = "glorot_uniform",
                 bias_initializer: str | _init.Initializer | Callable[..., np.ndarray] = "zeros",
                 kernel_regularizer: str | _reg.Regularizer | None = None,
                 bias_regularizer: str | _reg.Regularizer | None = None, spike_reg: float = 0.0,
                 target_rate: float = 0.0, input_dim: int | None = None,
                 input_shape: Sequence[int] | None = None, name: str | None = None) -> None:
        owner = type(self).__name__
        self.units = _positive_int(owner, "units", units)
        self.tau_m = _positive(owner, "tau_m", tau_m, " ms")
        self.tau_syn = None if tau_syn is None else _positive(owner, "tau_syn", tau_syn, " ms")
        self.v_th = _positive(owner, "v_th", v_th)
        self.dt = _positive(owner, "dt", dt, " ms")
        self.reset = _choice(owner, "reset", reset, RESETS)
        self.detach_reset = bool(detach_reset)
        if not isinstance(surrogate, (str, Surrogate)):
            raise TypeError(f"{owner}.surrogate must be one of {', '.join(surrogates())} or a "
                            f"Surrogate, got {type(surrogate).__name__}")
        if isinstance(surrogate, str) and surrogate.lower() not in _SURROGATES:
            raise ValueError(f"{owner}.surrogate must be one of {', '.join(surrogates())}; got "
                             f"{surrogate!r}")
        self.surrogate = get_surrogate(surrogate, scale)
        self.readout = None if readout is None else _choice(owner, "readout", readout, READOUTS)
        if self.readout is None:
            if activation is not None:
                raise ValueError(f"{owner}.activation applies to readout layers only (the layer "
                                 f"outputs spikes); got activation={activation!r} with readout=None")
            self.activation = _act.identity
        else:
            self.activation = _act.get("softmax" if activation is None else activation)
        self.learn_tau = bool(learn_tau)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _init.get(kernel_initializer)
        self.bias_initializer = _init.get(bias_initializer)
        self.kernel_regularizer = _reg.get(kernel_regularizer)
        self.bias_regularizer = _reg.get(bias_regularizer)
        self.spike_reg = as_real(owner, "spike_reg", spike_reg)
        if self.spike_reg < 0:
            raise ValueError(f"{owner}.spike_reg must be >= 0, got {self.spike_reg}")
        self.target_rate = as_real(owner, "target_rate", target_rate)
        if not 0.0 <= self.target_rate <= 1.0:
            raise ValueError(f"{owner}.target_rate must be in [0, 1] spikes per step, got "
                             f"{self.target_rate}")
        if self.spike_reg and self.readout in ("membrane", "membrane_mean"):
            raise ValueError(f"{owner}.spike_reg: a readout={self.readout!r} layer does not spike")
        if input_shape is not None:
            if input_dim is not None:
                raise ValueError(f"{owner}: give input_dim or input_shape, not both")
            shape = tuple(input_shape)
            if len(shape) != 2:
                raise ValueError(f"{owner}.input_shape must be (steps, features), got {shape}")
            input_dim = shape[1]
        self.input_dim = None if input_dim is None else _positive_int(owner, "input_dim",
                                                                      input_dim)
        self.name = name
        self.outputs_time = self.readout is None
        self.kernel = self.bias = self.recurrent_kernel = None
        self.tau_m_param = self.tau_syn_param = None
        self.grad_kernel = self.grad_bias = self.grad_recurrent_kernel = None
        self.grad_tau_m = self.grad_tau_syn = None

    @property
    def spiking(self) -> bool:
        """False for the non-spiking membrane readouts."""
        return self.readout not in ("membrane", "membrane_mean")

    # --- building -------------------------------------------------------------------------------

    def _layout(self, n_in):
        """``[(name, shape), ...]`` of the parameters, in their order in the flat vector."""
        parts = [("kernel", (n_in, self.units))]
        if self.use_bias:
            parts.append(("bias", (self.units,)))
        if self.recurrent:
            parts.append(("recurrent_kernel", (self.units, self.units)))
        if self.learn_tau:
            parts.append(("tau_m", (self.units,)))
            if self.tau_syn is not None:
                parts.append(("tau_syn", (self.units,)))
        return parts


    def initialize(self, rng: np.random.Generator) -> None:
        dtype = self.kernel.dtype
        self.kernel[...] = self.kernel_initializer((self.input_dim, self.units), rng, dtype)
        if self.use_bias:
            self.bias[...] = self.bias_initializer((self.units,), rng, dtype)
        if self.recurrent:
            self.recurrent_kernel[...] = self.recurrent_initializer((self.units, self.units), rng,
                                                                    dtype)
        if self.learn_tau:
            self.tau_m_param[...] = self.tau_m
            if self.tau_syn is not None:
                self.tau_syn_param[...] = self.tau_syn

    def weight_arrays(self):
        """``[(qualified name, array view), ...]`` in the flat vector's order."""
        names = [n for n, _ in self._layout(self.input_dim)]
        attr = {"tau_m": "tau_m_param", "tau_syn": "tau_syn_param"}
        return [(f"{self.name}.{n}", getattr(self, attr.get(n, n))) for n in names]

    def grad_arrays(self):
        return [getattr(self, "grad_" + n) for n, _ in self._layout(self.input_dim)]

    def penalty(self) -> float:
        return _reg.layer_penalty(self)

    def add_penalty_gradients(self) -> float:
        """Add the weight penalties' gradients; return the penalties."""
        return _reg.layer_penalty(self, add_gradients=True)

    # --- decay factors --------------------------------------------------------------------------

    def _taus(self):
        """``(tau_m, tau_syn)`` as used: floats, or per-neuron arrays when learned (clamped at
        ``dt/10``), with the masks of the unclamped entries."""
        if not self.learn_tau:
            return self.tau_m, self.tau_syn, None, None
        floor = 0.1 * self.dt
        tm = np.maximum(self.tau_m_param, floor)
        mm = self.tau_m_param > floor
        if self.tau_syn is None:
            return tm, None, mm, None
        return tm, np.maximum(self.tau_syn_param, floor), mm, self.tau_syn_param > floor

    def decay_factors(self):
        """``(alpha, beta) = (exp(-dt/tau_syn), exp(-dt/tau_m))``; ``alpha = 0`` without
        ``tau_syn``. Floats, or arrays of shape ``(units,)`` with ``learn_tau``."""
        tm, ts, _, _ = self._taus()
        beta = np.exp(-self.dt / tm) if self.learn_tau else math.exp(-self.dt / tm)
        if ts is None:
            alpha = 0.0
        else:
            alpha = np.exp(-self.dt / ts) if self.learn_tau else math.exp(-self.dt / ts)
        return alpha, beta

    # --- forward --------------------------------------------------------------------------------

    def check_input(self, X, name="X") -> None:
        """Nothing beyond the shape: the first LIF layer takes any real-valued input trains."""

    def forward_train(self, x, training=False):
        """Run the layer over ``x`` (``(batch, steps, inputs)``); return ``(z, a, cache)``.

        ``z`` is the readout (``(batch, units)``), or, for a spiking output, the membrane
        potential ``u`` before threshold and reset (``(batch, steps, units)``); ``a`` is the
        layer's output: ``activation(z)``, or the spike trains.
        """
        B, T, n_in = x.shape
        U = self.units
        dtype = x.dtype
        alpha, beta = self.decay_factors()
        c = _LIFCache()
        c.x, c.alpha, c.beta = x, alpha, beta
        # x[t] @ W + b for every step at once (one matrix product).
        drive = (x.reshape(B * T, n_in) @ self.kernel).reshape(B, T, U)
        if self.use_bias:
            drive += self.bias
        has_syn = self.tau_syn is not None
        spiking = self.spiking
        one_minus_beta = 1.0 - beta
        cur = np.empty((B, T, U), dtype=dtype) if (has_syn or self.recurrent) else drive
        u_all = np.empty((B, T, U), dtype=dtype)
        v_all = np.empty((B, T, U), dtype=dtype) if spiking else u_all
        s_all = np.empty((B, T, U), dtype=dtype) if spiking else None
        i = np.zeros((B, U), dtype=dtype)
        v = np.zeros((B, U), dtype=dtype)
        s = np.zeros((B, U), dtype=dtype)
        V = self.recurrent_kernel
        fire, v_th = self.surrogate.forward, self.v_th
        for t in range(T):
            if has_syn:
                i = alpha * i + drive[:, t]
            else:
                i = drive[:, t]
            if self.recurrent:
                i = i + s @ V
            if cur is not drive:
                cur[:, t] = i
            u = beta * v + one_minus_beta * i
            u_all[:, t] = u
            if spiking:
                s = fire(u - v_th)
                v = u - v_th * s if self.reset == "subtract" else u * (1.0 - s)
                s_all[:, t] = s
                v_all[:, t] = v
            else:
                v = u
        c.i, c.u, c.v, c.s = cur, u_all, v_all, s_all
        if spiking and self.spike_reg:
            rate = s_all.mean(axis=1)
            c.rate = rate
            c.penalty = float(self.spike_reg * np.mean((rate - self.target_rate) ** 2))
        if self.readout is None:
            return u_all, s_all, c
        if self.readout == "membrane":
            c.z_index = np.argmax(v_all, axis=1)  # (B, U): the step of the maximum
            z = np.take_along_axis(v_all, c.z_index[:, None, :], axis=1)[:, 0, :]
        elif self.readout == "membrane_mean":
            z = v_all.mean(axis=1)
        elif self.readout == "count":
            z = s_all.sum(axis=1)
        else:  # first_spike: n[t] = prod_{t' <= t} (1 - s[t'])
            c.n = np.cumprod(1.0 - s_all, axis=1)
            z = -self.dt * c.n.sum(axis=1)
        return z, self.activation.forward(z), c

    # --- backward -------------------------------------------------------------------------------

    def backward(self, c: _LIFCache, g_out: np.ndarray, need_input_grad=True):
        """BPTT (module docstring). ``g_out`` is ``dL/dz`` for a readout layer, else ``dL/ds``
        of shape ``(batch, steps, units)``. Fills the gradients; returns ``dL/dx`` (or None)."""
        x = c.x
        B, T, n_in = x.shape
        U = self.units
        dtype = x.dtype
        alpha, beta = c.alpha, c.beta
        spiking = self.spiking
        ext_s = ext_v = None
        if self.readout is None:
            ext_s = g_out
        elif self.readout == "membrane":
            ext_v = np.zeros((B, T, U), dtype=dtype)
            np.put_along_axis(ext_v, c.z_index[:, None, :], g_out[:, None, :], axis=1)
        elif self.readout == "membrane_mean":
            ext_v = np.broadcast_to((g_out / T)[:, None, :], (B, T, U))
        elif self.readout == "count":
            ext_s = np.broadcast_to(g_out[:, None, :], (B, T, U))
        else:  # first_spike: dz/ds[t] = dt n[t-1] Q[t]; Q[T-1] = 1, Q[t] = 1 + (1 - s[t+1]) Q[t+1]
            Q = np.empty((B, T, U), dtype=dtype)
            q = np.ones((B, U), dtype=dtype)
            Q[:, T - 1] = q
            for t in range(T - 2, -1, -1):
                q = 1.0 + (1.0 - c.s[:, t + 1]) * q
                Q[:, t] = q
            n_prev = np.empty((B, T, U), dtype=dtype)
            n_prev[:, 0] = 1.0
            n_prev[:, 1:] = c.n[:, :-1]
            ext_s = (self.dt * g_out)[:, None, :] * n_prev * Q
        if c.rate is not None:
            # d/ds[t] of lambda mean_{b,j} (rate - target)^2, rate = mean_t s[t]
            g_rate = (2.0 * self.spike_reg / (B * U * T)) * (c.rate - self.target_rate)
            g_rate = np.broadcast_to(g_rate[:, None, :], (B, T, U))
            ext_s = g_rate if ext_s is None else ext_s + g_rate
        if spiking:
            sg = self.surrogate.derivative(c.u - self.v_th)  # sigma'(u[t] - v_th), every step
            if ext_s is not None:
                sg_ext = sg * ext_s  # the part of gs[t] sigma' that does not depend on the future
            keep = (1.0 - c.s) if self.reset == "zero" else None
        one_minus_beta = 1.0 - beta
        V = self.recurrent_kernel
        has_syn = self.tau_syn is not None
        gi_all = np.empty((B, T, U), dtype=dtype)
        gu_all = np.empty((B, T, U), dtype=dtype) if self.learn_tau else None
        gu_next = np.zeros((B, U), dtype=dtype)
        gi_next = np.zeros((B, U), dtype=dtype)
        reset_path = spiking and not self.detach_reset
        for t in range(T - 1, -1, -1):
            gv = beta * gu_next  # dL/dv[t] from u[t+1]
            if ext_v is not None:
                gv = gv + ext_v[:, t]
            if spiking:
                gs = None  # dL/ds[t], the part still to multiply by sigma'
                if self.recurrent and t < T - 1:
                    gs = gi_next @ V.T
                if reset_path:
                    r = -self.v_th * gv if self.reset == "subtract" else -c.u[:, t] * gv
                    gs = r if gs is None else gs + r
                gu = gv if keep is None else gv * keep[:, t]
                if gs is not None:
                    gu = gu + gs * sg[:, t]
                if ext_s is not None:
                    gu = gu + sg_ext[:, t]
            else:
                gu = gv
            gi = one_minus_beta * gu
            if has_syn:
                gi += alpha * gi_next
            gi_all[:, t] = gi
            if gu_all is not None:
                gu_all[:, t] = gu
            gu_next, gi_next = gu, gi
        # parameter gradients: sums over the batch and the steps
        xf = x.reshape(B * T, n_in)
        gf = gi_all.reshape(B * T, U)
        np.matmul(xf.T, gf, out=self.grad_kernel)
        if self.use_bias:
            np.sum(gf, axis=0, out=self.grad_bias)
        if self.recurrent:
            s_prev = c.s[:, :-1].reshape(B * (T - 1), U)
            np.matmul(s_prev.T, gi_all[:, 1:].reshape(B * (T - 1), U),
                      out=self.grad_recurrent_kernel)
        if self.learn_tau:
            tm, ts, mm, ms = self._taus()
            v_prev = np.zeros((B, T, U), dtype=dtype)
            v_prev[:, 1:] = c.v[:, :-1]
            g_beta = np.einsum("btu,btu->u", gu_all, v_prev - c.i)
            self.grad_tau_m[...] = g_beta * beta * self.dt / (tm * tm) * mm
            if ts is not None:
                g_alpha = np.einsum("btu,btu->u", gi_all[:, 1:], c.i[:, :-1])
                self.grad_tau_syn[...] = g_alpha * alpha * self.dt / (ts * ts) * ms
        if not need_input_grad:
            return None
        return (gf @ self.kernel.T).reshape(B, T, n_in)

    # --- configuration --------------------------------------------------------------------------

    def get_config(self) -> dict:
        return {
            "units": self.units, "tau_m": self.tau_m, "tau_syn": self.tau_syn, "v_th": self.v_th,
            "dt": self.dt, "reset": self.reset, "detach_reset": self.detach_reset,
            "surrogate": self.surrogate.name, "scale": self.surrogate.scale,
            "readout": self.readout,
            "activation": None if self.readout is None else self.activation.name,
            "learn_tau": self.learn_tau, "use_bias": self.use_bias,
            "kernel_regularizer": None if self.kernel_regularizer is None
            else self.kernel_regularizer.get_config(),
            "bias_regularizer": None if self.bias_regularizer is None
            else self.bias_regularizer.get_config(),
            "spike_reg": self.spike_reg, "target_rate": self.target_rate,
            "input_dim": self.input_dim, "name": self.name,
        }

    @classmethod
    def from_config(cls, cfg):
        cfg = dict(cfg)
        for key in ("kernel_regularizer", "bias_regularizer"):
            if cfg.get(key) is not None:
                cfg[key] = _reg.Regularizer(**cfg[key])
        return cls(cfg.pop("units"), **cfg)

    def __repr__(self):
        extra = f", readout={self.readout!r}" if self.readout else ""
        return f"{type(self).__name__}({self.units}, tau_m={self.tau_m}{extra})"


class LIFRecurrent(LIFDense):
    """:class:`LIFDense` with recurrent connections: each neuron's spikes at step ``t-1`` reach
    every neuron of the layer through the recurrent kernel ``V`` (``units x units``)::

        i[t] = alpha i[t-1] + x[t] @ W + b + s[t-1] @ V

    Parameters are those of :class:`LIFDense`, plus ``recurrent_initializer`` (default: Glorot
    uniform scaled by 0.5, so the feedback starts weaker than the feed-forward drive; any
    initialiser name works).
    A recurrent layer must spike: the ``membrane`` readouts are refused.
    """

    recurrent = True

    def __init__(self, units: int, *,
                 recurrent_initializer: str | _init.Initializer | Callable[..., np.ndarray] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        if not self.spiking:
            raise ValueError(f"LIFRecurrent.readout={self.readout!r} has no spikes to feed back; "
                             "use 'count', 'first_spike' or None, or a LIFDense readout layer")
        self._recurrent_init_spec = recurrent_initializer
        if recurrent_initializer is None:
            glorot = _init.get("glorot_uniform")
            self.recurrent_initializer = lambda shape, rng, dtype: 0.5 * glorot(shape, rng, dtype)
        else:
            self.recurrent_initializer = _init.get(recurrent_initializer)

    def get_config(self) -> dict:
        cfg = super().get_config()
        if isinstance(self._recurrent_init_spec, str):
            cfg["recurrent_initializer"] = self._recurrent_init_spec
        return cfg
