"""What every synaptic kinetics shares: the base class, the registry of named kinetics and
the receptor channel's exact one-step propagator.

A receptor channel holds a current (pA) or a conductance (nS) ``x`` and, for kinetics with a
rise, an auxiliary ``y``::

    dy/dt = -y / tau_y
    dx/dt = -x / tau_x + y / tau_y        (one-state kinetics: no y, an arrival adds w to x)

An arriving weight ``w`` is added to ``y`` times ``y_jump`` (chosen so that the peak of
``x`` equals ``w``), or to ``x``. Everything the engine needs from a kinetics follows from
``(tau_x, tau_y, y_jump)`` (:meth:`Synapse._kinetics`): the step propagator and step means
(:func:`kinetics_coefficients`), what the channel contributes to an exactly integrated model
(:func:`neurosim.equations.exact_channel_coefficients`) and the Brian2 equations. So a new
kinetics is one file: a frozen dataclass that validates its parameters, says its
``_kinetics()`` and its analytic ``response(t)``, and registers itself with
:func:`register_synapse` (the contract suite, ``tests/neurosim/test_synapse_kinetics.py``,
then checks it against that response without a list to edit).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["Synapse", "SYNAPSES", "register_synapse", "kinetics_coefficients", "KIND_DELTA",
           "KIND_EXP", "KIND_ALPHA", "N_CHANNEL_COEFS"]

# Channel structure codes used by the generated kernels: a jump of v, one state x, or y -> x.
KIND_DELTA = 0
KIND_EXP = 1
KIND_ALPHA = 2
#: Length of a receptor channel's coefficient row (see :func:`kinetics_coefficients`).
N_CHANNEL_COEFS = 8

#: The named synaptic kinetics, by class name (filled by :func:`register_synapse`).
SYNAPSES = {}


def register_synapse(cls):
    """Class decorator: register a synaptic kinetics in :data:`SYNAPSES`. The class must give
    ``_examples()`` (instances the contract suite runs) and, unless it is a voltage jump,
    ``response(t)`` (the analytic ``x(t)`` after one arrival of unit weight at ``t = 0``)."""
    if not callable(getattr(cls, "_examples", None)):
        raise TypeError(f"register_synapse: {cls.__name__} must define _examples() (the "
                        f"instances the kinetics contract suite runs)")
    SYNAPSES[cls.__name__] = cls
    return cls


class Synapse:
    """Base class of the synaptic kinetics (see the module docstring for the contract)."""

    #: Channel structure: KIND_DELTA (jumps ``v``), KIND_EXP (one state) or KIND_ALPHA (two).
    kind = -1
    conductance = False
    weight_unit = ""

    def _kinetics(self):
        """``(tau_x, tau_y, y_jump)`` in ms (``tau_y`` None for one-state kinetics)."""
        raise NotImplementedError(f"{type(self).__name__} is a voltage jump: no kinetics")

    def _tau(self):
        """The decay time constant of ``x``, ms (infinite for a voltage jump)."""
        return math.inf if self.kind == KIND_DELTA else self._kinetics()[0]

    def _e_rev(self):
        return 0.0

    def _coefficients(self, dt, tau_m=math.inf, c_m=1.0):
        """The channel's coefficient row for a step ``dt`` (:func:`kinetics_coefficients`)."""
        if self.kind == KIND_DELTA:
            return np.zeros(N_CHANNEL_COEFS)
        return kinetics_coefficients(*self._kinetics(), dt, tau_m=tau_m, c_m=c_m)

    def _brian2(self, c):
        """``(equation lines, variable an arrival adds to, factor)`` of this channel in
        Brian2, its variables suffixed with ``c``."""
        tau_x, tau_y, y_jump = self._kinetics()
        tx = repr(float(tau_x))
        if tau_y is None:
            return [f"dx{c}/dt = -x{c} / ({tx}*ms) : 1"], f"x{c}", 1.0
        if tau_y == tau_x:  # the alpha function, written as before
            return [f"dx{c}/dt = (y{c} - x{c}) / ({tx}*ms) : 1",
                    f"dy{c}/dt = -y{c} / ({tx}*ms) : 1"], f"y{c}", y_jump
        ty = repr(float(tau_y))
        return [f"dx{c}/dt = -x{c} / ({tx}*ms) + y{c} / ({ty}*ms) : 1",
                f"dy{c}/dt = -y{c} / ({ty}*ms) : 1"], f"y{c}", y_jump


def _phi(u):
    """``(1 - exp(-u)) / u``, 1 at 0 (the mean of ``exp(-s)`` over ``[0, u]``)."""
    return -math.expm1(-u) / u if u != 0.0 else 1.0


def _g(z):
    """``(exp(z) - 1) / z``, 1 at 0."""
    return math.expm1(z) / z if z != 0.0 else 1.0


def kinetics_coefficients(tau_x, tau_y, y_jump, dt, *, tau_m=math.inf, c_m=1.0):
    """Exact one-step propagator of a receptor channel, its step means, and its effect on a
    passive membrane.

    Over one step ``h`` the exact solution is ``x' = d_x x + d_xy y``, ``y' = d_y y`` with
    ``d_x = exp(-h/tau_x)``, ``d_y = exp(-h/tau_y)`` and
    ``d_xy = (h/tau_y) d_x g(h (1/tau_x - 1/tau_y))``, ``g(z) = (exp(z) - 1)/z`` (for the
    alpha function, ``tau_x = tau_y = tau``: ``(h/tau) d``). The mean of ``x`` over the step,
    ``m_x x + m_y y``, is what models that are not integrated exactly see as their synaptic
    input (held over the step): ``m_x = (tau_x/h)(1 - d_x)`` and, with ``a = 1/tau_x``,
    ``b = 1/tau_y``, ``m_y = b (phi(b h) - phi(a h)) / (a - b)``, ``phi(u) = (1 - e^-u)/u``
    (``m_x - d`` for the alpha function). For a current feeding a membrane
    ``dv/dt = -(v - e_leak)/tau_m + x/c_m`` with ``tau_y = tau_x = tau`` (or no ``y``) the
    contribution to ``v(t + h)`` is ``k_x x + k_y y``, writing ``a = 1/tau_m - 1/tau``::

        k_x = exp(-h/tau_m) h / c_m * g(a h),        g(z) = (exp(z) - 1)/z
        k_y = exp(-h/tau_m) h^2 / (c_m tau) * f(a h), f(z) = (exp(z)(z - 1) + 1)/z^2

    evaluated by their Taylor series for small ``|a h|`` (``tau == tau_m`` loses no digits).
    (Exactly integrated models get their own, general, coefficients:
    :func:`neurosim.equations.exact_channel_coefficients`.)

    Returns
    -------
    numpy.ndarray
        ``[d_x, d_xy, k_x, k_y, y_jump, m_x, m_y, d_y]``; ``y_jump`` multiplies a weight
        arriving at a two-state channel (so that the peak of ``x`` equals the weight).
    """
    out = np.zeros(N_CHANNEL_COEFS)
    h = dt
    d = math.exp(-h / tau_x)
    out[0] = d
    # tau/h (1 - d) = -expm1(-h/tau) tau/h, accurate also for h << tau.
    out[5] = -math.expm1(-h / tau_x) * tau_x / h
    two = tau_y is not None
    if two:
        out[4] = y_jump
        if tau_y == tau_x:
            out[1] = (h / tau_x) * d
            out[6] = out[5] - d
            out[7] = d
        else:
            a, b = 1.0 / tau_x, 1.0 / tau_y
            out[1] = (h / tau_y) * d * _g(h * (a - b))
            z = (a - b) * h
            if abs(z) < 1e-6:  # the divided difference of phi by its derivative
                u = 0.5 * (a + b) * h
                dphi = (math.exp(-u) * (1.0 + u) - 1.0) / (u * u)
                out[6] = -b * h * dphi
            else:
                out[6] = b * (_phi(b * h) - _phi(a * h)) / (a - b)
            out[7] = math.exp(-h / tau_y)
    if math.isfinite(tau_m) and (not two or tau_y == tau_x):
        tau = tau_x
        z = h * (1.0 / tau_m - 1.0 / tau)
        if abs(z) < 0.1:
            # Taylor series: g = sum z^n/(n+1)!, f = sum (n+1) z^n/(n+2)!; 20 terms reach
            # far below 1e-16 relative for |z| < 0.1.
            g = 0.0
            f = 0.0
            for n in range(20, -1, -1):
                g = g * z + 1.0 / math.factorial(n + 1)
                f = f * z + (n + 1) / math.factorial(n + 2)
        else:
            g = math.expm1(z) / z
            f = (math.exp(z) * (z - 1.0) + 1.0) / (z * z)
        em = math.exp(-h / tau_m)
        out[2] = em * h / c_m * g
        if two:
            out[3] = em * h * h / (c_m * tau) * f
    return out
