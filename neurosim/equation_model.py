"""Neuron models written as equations: the model object (:class:`EquationModel`).

Made by :meth:`neurosim.NeuronModel.from_equations`; parsing, unit checks and the generated
integrator are in :mod:`neurosim.equations`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _checks
from .distributions import Distribution
from .equations import (
    SCHEMES,
    ParsedModel,
    _numeric,
    exact_channel_coefficients,
    exponential_euler_terms,
    generate_kernel,
    linear_form,
    propagators,
    source_hash,
)
from .neurons import NeuronModel

_PARSED = {}


def _parse(owner, equations, threshold, reset, names):
    """The checked analysis of a model's text (:class:`~neurosim.equations.ParsedModel`),
    shared by every model with the same text and parameter names: the symbolic work does not
    depend on parameter values, so a sweep over them pays it once."""
    key = (equations, threshold, reset, names)
    if not (isinstance(equations, str) and isinstance(threshold, str) and
            isinstance(reset, str)):
        return ParsedModel(owner, equations, threshold, reset, list(names))
    if key not in _PARSED:
        _PARSED[key] = ParsedModel(owner, equations, threshold, reset, list(names))
    return _PARSED[key]


def _linear_of(parsed, per_neuron):
    cache = parsed.__dict__.setdefault("_linear_cache", {})
    if per_neuron not in cache:
        cache[per_neuron] = linear_form(parsed, per_neuron)
    return cache[per_neuron]


def _expeuler_of(parsed):
    """Exponential-Euler terms of the model, made on first use (``ValueError`` if an equation
    is not linear in its own variable)."""
    if getattr(parsed, "_expeuler", None) is None:
        parsed._expeuler = exponential_euler_terms(parsed)
    return parsed._expeuler

__all__ = ["EquationModel", "KIND_EQUATIONS"]

#: Kind code of models written as equations (the loop numbers each distinct kernel from here).
KIND_EQUATIONS = 20


@dataclass(frozen=True, eq=False)
class EquationModel(NeuronModel):
    """A neuron model written as equations (:meth:`NeuronModel.from_equations`).

    Parameters
    ----------
    equations : str
        One equation per line in the project's units (:mod:`neurosim.equations`).
    threshold : str
        A condition on the state after each step, e.g. ``"v > v_th"``.
    reset : str
        Statements run on a spike, e.g. ``"v = v_reset; w += b"``.
    refractory : float
        ms, >= 0: no threshold test, and the ``(unless refractory)`` variables clamped,
        for this long after a spike (a whole multiple of dt).
    parameters : dict
        Every parameter's value in its unit: a number (shared by the population), or an
        array (one value per neuron) or a distribution (``ns.Uniform(...)``: drawn per
        neuron when the simulator is built).
    scheme : {None, "exact", "rk4", "euler", "exponential_euler"}
        ``None``: exact when the equations are linear, else RK4.
    initial : dict
        Default initial values of state variables (else 0); ``net.population(..., v=...)``
        overrides them.
    name : str
        Used in messages and plots; default ``"EquationModel"``.
    """

    equations: str
    threshold: str
    reset: str = ""
    refractory: float = 0.0
    parameters: dict = field(default_factory=dict)
    scheme: str | None = None
    initial: dict = field(default_factory=dict)
    name: str = "EquationModel"

    kind = KIND_EQUATIONS

    def __post_init__(self):
        owner = self.name if isinstance(self.name, str) else "EquationModel"
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"NeuronModel.from_equations: name must be an identifier, got "
                             f"{self.name!r}")
        if not isinstance(self.parameters, dict):
            raise TypeError(f"{owner}: parameters must be a dict of name -> value, got "
                            f"{type(self.parameters).__name__}")
        if self.scheme is not None and self.scheme not in SCHEMES:
            raise ValueError(f"{owner}.scheme must be one of {[None, *SCHEMES]}, got "
                             f"{self.scheme!r}")
        if not isinstance(self.refractory, str):
            refractory = _checks.non_negative(owner, "refractory", self.refractory, "ms")
            object.__setattr__(self, "refractory", refractory)
        parsed = _parse(owner, self.equations, self.threshold, self.reset,
                        tuple(self.parameters))
        values, per_neuron = {}, []
        for p, value in self.parameters.items():
            unit = str(parsed.units[p])
            if isinstance(value, Distribution):
                per_neuron.append(p)
                values[p] = value
            elif np.ndim(value) == 0:
                values[p] = _checks.finite(owner, p, value, unit)
            else:
                arr = _checks.finite_array(owner, p, value, unit, shape=(np.size(value),))
                per_neuron.append(p)
                values[p] = arr
        object.__setattr__(self, "parameters", values)
        initial = dict(self.initial)
        for var, value in initial.items():
            if var not in parsed.state_vars:
                raise ValueError(f"{owner}: initial value for {var!r}, which is not a state "
                                 f"variable; valid: {list(parsed.state_vars)}")
            if not isinstance(value, Distribution) and np.ndim(value) == 0:
                initial[var] = _checks.finite(owner, f"initial[{var!r}]", value,
                                              str(parsed.units[var]))
        object.__setattr__(self, "initial", initial)
        linear = _linear_of(parsed, tuple(per_neuron))
        scheme = self.scheme
        if scheme is None:
            scheme = "exact" if linear is not None else "rk4"
        if scheme == "exact" and linear is None:
            raise ValueError(f"{owner}: scheme 'exact' needs equations linear in the state "
                             f"variables and i_syn, with coefficients made of shared "
                             f"parameters; use 'rk4', 'euler' or 'exponential_euler'")
        object.__setattr__(self, "_linear", linear)
        if scheme == "exponential_euler":
            try:
                _expeuler_of(parsed)
            except ValueError as err:
                raise ValueError(f"{owner}: {err}") from None
        object.__setattr__(self, "_parsed", parsed)
        object.__setattr__(self, "_scheme", scheme)
        object.__setattr__(self, "_per_neuron", tuple(per_neuron))
        object.__setattr__(self, "state_vars", parsed.state_vars)
        object.__setattr__(self, "_refractory_condition",
                           parsed.condition(self.refractory, "refractory")
                           if isinstance(self.refractory, str) else None)

    # ------------------------------------------------------------------------------------
    @property
    def integration(self):
        """The scheme in use (``"exact"``, ``"rk4"``, ...), after ``scheme=None`` chose."""
        return self._scheme

    @property
    def units(self):
        """The unit of every state variable and parameter (declared or inferred)."""
        return {k: str(v) for k, v in self._parsed.units.items()
                if k in self.state_vars or k in self.parameters}

    def initial_values(self):
        return {v: self.initial.get(v, 0.0) for v in self.state_vars}

    def _shared(self):
        return [p for p in self.parameters if p not in self._per_neuron]

    def _scheme_for(self, channels):
        """The scheme of a population with these receptor channels: ``scheme=None`` chose
        exact integration for linear equations, which conductance synapses (``g (e_rev - v)``)
        make nonlinear; such a population then takes exponential Euler (as the built-in LIF
        always did), or RK4 when an equation is not linear in its own variable."""
        if self.scheme is None and self._scheme == "exact" and \
                any(syn.conductance for syn in channels):
            try:
                _expeuler_of(self._parsed)
                return "exponential_euler"
            except ValueError:
                return "rk4"
        return self._scheme

    def _layout(self, n_channels, scheme):
        """Offsets in the parameter row: h, ref, a zero, shared parameters, then (exact
        scheme) P, Phi and 2 n coefficients per channel."""
        n = len(self.state_vars)
        lay = {"h": 0, "ref": 1, "zero": 2}
        off = 3
        for p in self._shared():
            lay[p] = off
            off += 1
        lay["P"] = off
        lay["Phi"] = off + n * n
        lay["channels"] = off + 2 * n * n
        lay["size"] = lay["channels"] + (2 * n * n_channels if scheme == "exact" else 0)
        return lay

    def _pack_row(self, dt, channels):
        """The parameter row for one population; ``channels`` are its synapse kinetics in
        the order of the simulator's channel list."""
        from .synapses import KIND_ALPHA, KIND_DELTA
        from .units import to_steps
        scheme = self._scheme_for(channels)
        lay = self._layout(len(channels), scheme)
        row = np.zeros(max(lay["size"], 3))
        row[lay["h"]] = dt
        row[lay["ref"]] = 0 if self._refractory_condition is not None else to_steps(
            self.refractory, dt, name=getattr(self, "_ref_label", f"{self.name}.refractory"))
        shared = {p: self.parameters[p] for p in self._shared()}
        for p, value in shared.items():
            row[lay[p]] = value
        if scheme == "exact":
            A, B, _ = self._linear
            n = len(self.state_vars)
            A_num = np.array([[_numeric(A[i, j], shared) for j in range(n)]
                              for i in range(n)], dtype=float)
            B_num = np.array([[_numeric(B[i, 0], shared)] for i in range(n)], dtype=float)
            P, Phi = propagators(A_num, dt)
            row[lay["P"]:lay["P"] + n * n] = P.ravel()
            if self._fixed_point():
                row[lay["Phi"]:lay["Phi"] + n * n] = (-np.linalg.inv(A_num)).ravel()
            else:
                row[lay["Phi"]:lay["Phi"] + n * n] = Phi.ravel()
            for ci, syn in enumerate(channels):
                if syn.kind == KIND_DELTA:
                    continue
                if syn.conductance:
                    raise ValueError(
                        f"{self.name} is integrated exactly (scheme 'exact'), which "
                        f"conductance synapses ({type(syn).__name__}) make impossible (the "
                        f"current g (e_rev - v) makes the equations nonlinear); give "
                        f"scheme='rk4' or 'exponential_euler', or scheme=None to choose")
                kx, ky = exact_channel_coefficients(A_num, B_num, syn._tau(),
                                                    syn.kind == KIND_ALPHA, dt)
                base = lay["channels"] + ci * 2 * n
                row[base:base + n] = kx
                row[base + n:base + 2 * n] = ky
        return row

    def _A(self):
        """The numeric matrix A of a linear model (shared parameters substituted)."""
        A, _, _ = self._linear
        shared = {p: self.parameters[p] for p in self._shared()}
        n = len(self.state_vars)
        return np.array([[_numeric(A[i, j], shared) for j in range(n)] for i in range(n)],
                        dtype=float)

    def _fixed_point(self):
        """Whether the exact update is written around the fixed point ``-A^-1 b`` (A well
        conditioned) rather than with ``Phi`` (A singular: an integrator)."""
        if self._linear is None:
            return False
        if "_fixed" not in self.__dict__:
            object.__setattr__(self, "_fixed", bool(np.linalg.cond(self._A()) < 1e10))
        return self._fixed

    def _kernel(self, code, channels, injected):
        """``(kind code, function name, source)`` of this model's kernel for a population
        with these receptor channels (synapse kinetics, in the simulator's order) and with
        or without injected current. The source depends on the equations, the scheme, which
        parameters are per neuron, the channels' kinds and the injection, never on parameter
        values, so it is made once per process for all of them (and compiled once per
        machine)."""
        scheme = self._scheme_for(channels)
        sig = tuple((syn.kind, bool(syn.conductance)) for syn in channels)
        fixed = self._fixed_point()
        cond = self._refractory_condition
        key = (scheme, tuple(self._shared()), self._per_neuron, sig, bool(injected), self.name,
               fixed, None if cond is None else self.refractory)
        cache = self._parsed.__dict__.setdefault("_kernels", {})
        if key not in cache:
            lay = self._layout(0, scheme)
            rows = {p: len(self.state_vars) + i for i, p in enumerate(self._per_neuron)}
            probe = generate_kernel(self._parsed, scheme, self._shared(), rows, lay, "K",
                                    list(sig), injected, linear=self._linear,
                                    fixed_point=fixed,
                                    refractory_condition=None if cond is None else cond[:3])
            name = f"eq_{self.name}_{source_hash(probe)}"
            cache[key] = (name, generate_kernel(self._parsed, scheme, self._shared(), rows,
                                                lay, name, list(sig), injected,
                                                linear=self._linear, fixed_point=fixed,
                                                refractory_condition=None if cond is None
                                                else cond[:3]))
        name, src = cache[key]
        return code, name, src

    def _definition(self):
        return self

    def _check_synapse(self, syn, where):
        """Refuse synapse kinetics this model cannot receive."""
        from .synapses import KIND_DELTA
        has_v = "v" in self.state_vars and str(self._parsed.units["v"]) == "mV"
        if syn.kind == KIND_DELTA and not has_v:
            raise ValueError(f"{where}: {type(syn).__name__} synapses add mV to 'v', and "
                             f"model {self.name} has no state variable v in mV")
        if syn.conductance and not has_v:
            raise ValueError(f"{where}: {type(syn).__name__} synapses inject "
                             f"g (e_rev - v), and model {self.name} has no state variable "
                             f"v in mV")
        used = set().union(*(e.free_symbols for e in self._parsed.rhs.values()))
        if syn.kind != KIND_DELTA and self._parsed.symbols["i_syn"] not in used:
            raise ValueError(f"{where}: model {self.name} does not use i_syn in its "
                             f"equations, so {type(syn).__name__} synapses cannot reach it")

