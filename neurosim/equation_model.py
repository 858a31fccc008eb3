"""Neuron models written as equations: the model object (:class:`EquationModel`).

Made by :meth:`neurosim.NeuronModel.from_equations`; parsing, unit checks and the generated
integrator are in :mod:`neurosim.equations`.

The symbolic analysis (sympy) of a model's text does not depend on its parameter values. Its
result -- state variables, units, the scheme, the matrices of a linear model as Python
expressions of the parameters, and each generated kernel -- is kept as plain text in the cache
folder (:func:`neurosim.loop.cache_dir`), keyed by the text, the parameter names, which of them
are per neuron, the scheme asked for and the source of the analysing modules. A model whose
analysis is cached is built without importing sympy (about 0.3 s and 40 MB less per process);
the analysis runs again only on a miss, or when another engine (Brian2) needs the parsed text.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field

import numpy as np

from nsdurable import atomic_write

from . import _checks
from .distributions import Distribution
from .equations import SCHEMES, exact_channel_coefficients, propagators, source_hash
from .neurons import NeuronModel

__all__ = ["EquationModel", "KIND_EQUATIONS"]

#: Kind code of models written as equations (the loop numbers each distinct kernel from here).
KIND_EQUATIONS = 20

_PARSED = {}
_SPECS = {}
_KERNELS = {}
_DIGEST = []


def _digest():
    """Hash of the modules whose output is cached (analysis and kernel generation)."""
    if not _DIGEST:
        here = os.path.dirname(os.path.abspath(__file__))
        h = hashlib.sha256()
        for name in ("equations.py", "equation_model.py"):
            with open(os.path.join(here, name), "rb") as f:
                h.update(f.read())
        _DIGEST.append(h.hexdigest())
    return _DIGEST[0]


def _parse(owner, equations, threshold, reset, names):
    """The checked analysis of a model's text (:class:`~neurosim.equations.ParsedModel`),
    shared by every model with the same text and parameter names."""
    from .equations import ParsedModel
    key = (equations, threshold, reset, names)
    if key not in _PARSED:
        _PARSED[key] = ParsedModel(owner, equations, threshold, reset, list(names))
    return _PARSED[key]


def _linear_of(parsed, per_neuron):
    from .equations import linear_form
    cache = parsed.__dict__.setdefault("_linear_cache", {})
    if per_neuron not in cache:
        cache[per_neuron] = linear_form(parsed, per_neuron)
    return cache[per_neuron]


def _expeuler_of(parsed):
    """Exponential-Euler terms of the model, made on first use (``ValueError`` if an equation
    is not linear in its own variable)."""
    from .equations import exponential_euler_terms
    if getattr(parsed, "_expeuler", None) is None:
        parsed._expeuler = exponential_euler_terms(parsed)
    return parsed._expeuler


def _cache_file(kind, key):
    from .loop import cache_dir
    return os.path.join(cache_dir(), f"{kind}_{key}.json")


def _read_cached(kind, key):
    try:
        with open(_cache_file(kind, key), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _write_cached(kind, key, value):
    """Atomically (a reader sees all or nothing); a cache that cannot be written is skipped."""
    try:
        atomic_write(_cache_file(kind, key), lambda f: f.write(json.dumps(value).encode()))
    except OSError:
        pass


def _exprel(x):
    return 1.0 + 0.5 * x if abs(x) < 1e-8 else math.expm1(x) / x


def _evaluate(code, values):
    """A Python expression of the parameters (from the cached analysis), evaluated."""
    return float(eval(code, {"math": math, "_exprel": _exprel, "__builtins__": {}},  # noqa: S307
                      dict(values)))


def _analyse(owner, model, per_neuron):
    """The specification of a model (see the module docstring): from this process, the cache
    folder, or the symbolic analysis (which raises the errors of an invalid model)."""
    ref_text = model.refractory if isinstance(model.refractory, str) else None
    key = hashlib.sha256(json.dumps([model.equations, model.threshold, model.reset, ref_text,
                                     list(model.parameters), list(per_neuron), model.scheme,
                                     _digest()]).encode()).hexdigest()[:24]
    if key in _SPECS:
        return key, _SPECS[key]
    spec = _read_cached("model", key)
    if spec is None:
        spec = _symbolic_spec(owner, model, tuple(per_neuron))
        _write_cached("model", key, spec)
    _SPECS[key] = spec
    return key, spec


def _symbolic_spec(owner, model, per_neuron):
    from .equations import to_code
    parsed = _parse(owner, model.equations, model.threshold, model.reset,
                    tuple(model.parameters))
    linear = _linear_of(parsed, per_neuron)
    scheme = model.scheme
    if scheme is None:
        scheme = "exact" if linear is not None else "rk4"
    if scheme == "exact" and linear is None:
        raise ValueError(f"{owner}: scheme 'exact' needs equations linear in the state "
                         f"variables and i_syn, with coefficients made of shared "
                         f"parameters; use 'rk4', 'euler' or 'exponential_euler'")
    # Exponential-Euler terms: needed for that scheme, and for the fallback of an exactly
    # integrated model that receives conductance synapses (only then: simplifying the terms
    # of a large nonlinear model is slow).
    expeuler_ok = None
    if scheme == "exponential_euler" or (model.scheme is None and scheme == "exact"):
        try:
            _expeuler_of(parsed)
            expeuler_ok = True
        except ValueError as err:
            if scheme == "exponential_euler":
                raise ValueError(f"{owner}: {err}") from None
            expeuler_ok = False
    if isinstance(model.refractory, str):
        parsed.condition(model.refractory, "refractory")  # checked here
    names = {p: p for p in parsed.parameters}
    used = set().union(*(e.free_symbols for e in parsed.rhs.values()))
    n = len(parsed.state_vars)
    spec = {"state_vars": list(parsed.state_vars), "scheme": scheme,
            "units": {k: str(parsed.units[k]) for k in list(parsed.state_vars) +
                      list(parsed.parameters)},
            "expeuler_ok": expeuler_ok, "uses_i_syn": parsed.symbols["i_syn"] in used,
            "linear": linear is not None}
    if linear is not None:
        A, B, _ = linear
        spec["A"] = [[to_code(A[i, j], names) for j in range(n)] for i in range(n)]
        spec["B"] = [to_code(B[i, 0], names) for i in range(n)]
    return spec


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
    refractory : float or str
        ms, >= 0: no threshold test, and the ``(unless refractory)`` variables clamped,
        for this long after a spike (a whole multiple of dt). Or a condition such as
        ``"v >= v_th"``: the neuron is refractory in a step while it holds for the state at
        the step's start (Brian2's condition refractoriness), so with the threshold
        ``"v >= v_th"`` a spike is an upward crossing, as Hodgkin-Huxley models need.
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
        for text, what in ((self.equations, "the equations"), (self.threshold, "threshold"),
                           (self.reset, "reset")):
            if not isinstance(text, str):
                raise TypeError(f"{owner}: {what} must be a string, got {type(text).__name__}")
        if self.scheme is not None and self.scheme not in SCHEMES:
            raise ValueError(f"{owner}.scheme must be one of {[None, *SCHEMES]}, got "
                             f"{self.scheme!r}")
        if not isinstance(self.refractory, str):
            refractory = _checks.non_negative(owner, "refractory", self.refractory, "ms")
            object.__setattr__(self, "refractory", refractory)
        per_neuron = [p for p, value in self.parameters.items()
                      if isinstance(value, Distribution) or np.ndim(value) != 0]
        key, spec = _analyse(owner, self, per_neuron)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_spec", spec)
        object.__setattr__(self, "_per_neuron", tuple(per_neuron))
        object.__setattr__(self, "state_vars", tuple(spec["state_vars"]))
        units = spec["units"]
        values = {}
        for p, value in self.parameters.items():
            if isinstance(value, Distribution):
                values[p] = value
            elif np.ndim(value) == 0:
                values[p] = _checks.finite(owner, p, value, units[p])
            else:
                values[p] = _checks.finite_array(owner, p, value, units[p],
                                                 shape=(np.size(value),))
        object.__setattr__(self, "parameters", values)
        initial = dict(self.initial)
        for var, value in initial.items():
            if var not in self.state_vars:
                raise ValueError(f"{owner}: initial value for {var!r}, which is not a state "
                                 f"variable; valid: {list(self.state_vars)}")
            if not isinstance(value, Distribution) and np.ndim(value) == 0:
                initial[var] = _checks.finite(owner, f"initial[{var!r}]", value, units[var])
        object.__setattr__(self, "initial", initial)

    # ------------------------------------------------------------------------------------
    @property
    def integration(self):
        """The scheme in use (``"exact"``, ``"rk4"``, ...), after ``scheme=None`` chose."""
        return self._spec["scheme"]

    @property
    def units(self):
        """The unit of every state variable and parameter (declared or inferred)."""
        return dict(self._spec["units"])

    @property
    def _parsed(self):
        """The parsed text (:class:`~neurosim.equations.ParsedModel`; sympy), made on demand:
        for a kernel not cached yet and for the Brian2 engine."""
        return _parse(self.name, self.equations, self.threshold, self.reset,
                      tuple(self.parameters))

    @property
    def _linear(self):
        return _linear_of(self._parsed, self._per_neuron) if self._spec["linear"] else None

    @property
    def _refractory_condition(self):
        """``(lhs, op, rhs, ast)`` of a refractory condition, or ``None`` for a duration."""
        if not isinstance(self.refractory, str):
            return None
        return self._parsed.condition(self.refractory, "refractory")

    def initial_values(self):
        return {v: self.initial.get(v, 0.0) for v in self.state_vars}

    def _shared(self):
        return [p for p in self.parameters if p not in self._per_neuron]

    def _scheme_for(self, channels):
        """The scheme of a population with these receptor channels: ``scheme=None`` chose
        exact integration for linear equations, which conductance synapses (``g (e_rev - v)``)
        make nonlinear; such a population then takes exponential Euler (as the built-in LIF
        always did), or RK4 when an equation is not linear in its own variable."""
        scheme = self._spec["scheme"]
        if self.scheme is None and scheme == "exact" and \
                any(syn.conductance for syn in channels):
            return "exponential_euler" if self._spec["expeuler_ok"] else "rk4"
        return scheme

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

    def _AB(self):
        """The numeric matrices A and B of a linear model (shared parameters substituted)."""
        shared = {p: self.parameters[p] for p in self._shared()}
        A = np.array([[_evaluate(c, shared) for c in row] for row in self._spec["A"]],
                     dtype=float)
        B = np.array([[_evaluate(c, shared)] for c in self._spec["B"]], dtype=float)
        return A, B

    def _pack_row(self, dt, channels):
        """The parameter row for one population; ``channels`` are its synapse kinetics in
        the order of the simulator's channel list."""
        from .synapses import KIND_DELTA
        from .units import to_steps
        scheme = self._scheme_for(channels)
        lay = self._layout(len(channels), scheme)
        row = np.zeros(max(lay["size"], 3))
        row[lay["h"]] = dt
        label = getattr(self, "_ref_label", f"{self.name}.refractory")
        ref = 0 if isinstance(self.refractory, str) else to_steps(self.refractory, dt, name=label)
        if ref >= np.iinfo(np.int32).max:  # refractory counts are int32 (memory per step)
            raise ValueError(f"{label} {self.refractory!r} ms is too long for dt = {dt!r} ms "
                             f"({ref} steps; at most {np.iinfo(np.int32).max - 1})")
        row[lay["ref"]] = ref
        for p in self._shared():
            row[lay[p]] = self.parameters[p]
        if scheme == "exact":
            n = len(self.state_vars)
            A_num, B_num = self._AB()
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
                tau_x, tau_y, _ = syn._kinetics()
                kx, ky = exact_channel_coefficients(A_num, B_num, tau_x, tau_y, dt)
                base = lay["channels"] + ci * 2 * n
                row[base:base + n] = kx
                row[base + n:base + 2 * n] = ky
        return row

    def _fixed_point(self):
        """Whether the exact update is written around the fixed point ``-A^-1 b`` (A well
        conditioned) rather than with ``Phi`` (A singular: an integrator)."""
        if not self._spec["linear"]:
            return False
        if "_fixed" not in self.__dict__:
            object.__setattr__(self, "_fixed", bool(np.linalg.cond(self._AB()[0]) < 1e10))
        return self._fixed

    def _kernel(self, code, channels, injected):
        """``(kind code, function name, source)`` of this model's kernel for a population
        with these receptor channels (synapse kinetics, in the simulator's order) and with
        or without injected current. The source depends on the equations, the scheme, which
        parameters are per neuron, the channels' kinds and the injection, never on parameter
        values: it is generated once per machine (cached as text) and compiled once."""
        from .equations import generate_kernel
        scheme = self._scheme_for(channels)
        sig = [[int(syn.kind), bool(syn.conductance)] for syn in channels]
        fixed = self._fixed_point()
        key = hashlib.sha256(json.dumps([self._key, scheme, sig, bool(injected), self.name,
                                         fixed]).encode()).hexdigest()[:24]
        if key not in _KERNELS:
            cached = _read_cached("kernel", key)
            if cached is None:
                if scheme == "exponential_euler":
                    _expeuler_of(self._parsed)  # the analysis may come from the disk cache
                lay = self._layout(0, scheme)
                rows = {p: len(self.state_vars) + i for i, p in enumerate(self._per_neuron)}
                cond = self._refractory_condition
                args = dict(linear=self._linear, fixed_point=fixed,
                            refractory_condition=None if cond is None else cond[:3])
                # Named after a hash of its own source (written once with a placeholder
                # name), so equal kernels of different models share one compiled function.
                src = generate_kernel(self._parsed, scheme, self._shared(), rows, lay,
                                      "KERNEL", [tuple(x) for x in sig], injected, **args)
                name = f"eq_{self.name}_{source_hash(src)}"
                cached = [name, src.replace("def KERNEL(", f"def {name}(", 1)]
                _write_cached("kernel", key, cached)
            _KERNELS[key] = tuple(cached)
        name, src = _KERNELS[key]
        return code, name, src

    def _definition(self):
        return self

    def _check_synapse(self, syn, where):
        """Refuse synapse kinetics this model cannot receive."""
        from .synapses import KIND_DELTA
        has_v = "v" in self.state_vars and self._spec["units"]["v"] == "mV"
        if syn.kind == KIND_DELTA and not has_v:
            raise ValueError(f"{where}: {type(syn).__name__} synapses add mV to 'v', and "
                             f"model {self.name} has no state variable v in mV")
        if syn.conductance and not has_v:
            raise ValueError(f"{where}: {type(syn).__name__} synapses inject "
                             f"g (e_rev - v), and model {self.name} has no state variable "
                             f"v in mV")
        if syn.kind != KIND_DELTA and not self._spec["uses_i_syn"]:
            raise ValueError(f"{where}: model {self.name} does not use i_syn in its "
                             f"equations, so {type(syn).__name__} synapses cannot reach it")
