"""Neuron models written as equations: parse, check units, choose and write the integrator.

A model is written in the project's units (ms, mV, pA, pF, nS; :mod:`neurosim.units`), one
line per equation, as in Brian2::

    dv/dt = (g_l*(e_l - v) - w + i_syn + i_e) / c_m : mV (unless refractory)
    dw/dt = (a*(v - e_l) - w) / tau_w : pA
    m_inf = 1/(1 + exp(-(v - v_half)/k)) : 1          # a subexpression, substituted
    g_max : nS                                         # a parameter's unit, declared

What is checked, at construction (:class:`ParsedModel`):

- the syntax (a ``SyntaxError`` names the line and column of the equations text);
- every name: state variables (the left-hand sides), subexpressions, parameters (given values
  by ``parameters=``), the input current ``i_syn`` (pA: every synapse and injected current of
  the neuron, see below) and the unit names ``ms, mV, pA, pF, nS`` (value 1 in these units);
- dimensions. A parameter's unit may be declared (``name : unit``); otherwise it is
  *inferred* from how the equations use it (``e_l - v`` makes ``e_l`` mV; ``exp(x/delta_t)``
  needs ``x/delta_t`` dimensionless ...). Every term of a sum must have the unit of the
  others, ``dx/dt`` must have the unit of ``x`` per ms, functions other than ``abs``,
  ``sqrt`` and ``clip`` take dimensionless arguments. Bare numbers are dimensionless (0 fits
  any unit), as in Brian2. A parameter whose unit nothing determines must be declared.
- threshold (a comparison) and reset (``;``- or newline-separated assignments ``x = ...`` or
  ``x += ...`` to state variables) are checked the same way.

Integration (:func:`generate_kernel` writes it as numba source):

- ``"exact"``: when the right-hand sides are linear in the state variables and ``i_syn``
  with coefficients made of shared parameters only, ``x' = P x + Phi b`` with the propagator
  ``P = exp(A h)`` and ``Phi = int_0^h exp(A s) ds`` computed at build time
  (:func:`scipy.linalg.expm` of the augmented matrix), where ``b`` holds the constant terms
  and the injected current (constant over a step). Exponential and alpha current synapses
  enter exactly too: their contribution to ``x(h)`` is a further block of the same matrix
  exponential (:func:`exact_channel_coefficients`). Conductance synapses make the system
  nonlinear in ``v`` and are refused for this scheme.
- ``"rk4"`` (classical Runge-Kutta), ``"euler"`` (forward Euler) and
  ``"exponential_euler"`` (each variable relaxes exactly towards its instantaneous fixed point
  with the others held at their step-start values, as Brian2's ``exponential_euler``). The
  synaptic currents and conductances are held at their exact mean over the step, as for the
  built-in AdEx (:mod:`neurosim.neurons`).

``scheme=None`` (the default) picks ``"exact"`` when it applies and ``"rk4"`` otherwise.

Refractoriness follows Brian2: for ``refractory`` ms after a spike no threshold is tested, and
the variables flagged ``(unless refractory)`` are clamped (their derivative is zero in every
stage). ``refractory`` may also be a condition such as ``"v >= v_th"``: the neuron is then
refractory in a step while it holds for the state at the step's start (with the same
threshold, a spike is an upward crossing). ``exprel(x) = (exp(x) - 1)/x`` writes the usual
rate functions without a 0/0 point.

``i_syn`` is the summed synaptic current -- current channels, and conductance channels
as ``g (e_rev - v)`` (which needs a state variable ``v`` in mV) -- plus the currents injected
by :meth:`~neurosim.Network.inject`. Delta synapses add their weight (mV) to ``v``.
"""

from __future__ import annotations

import ast
import hashlib
import math
import re
from fractions import Fraction

import numpy as np

__all__ = ["ParsedModel", "Dimension", "parse_unit", "generate_kernel", "SCHEMES",
           "exact_channel_coefficients"]

SCHEMES = ("exact", "rk4", "euler", "exponential_euler")

# --------------------------------------------------------------------------------------------
# Dimensions: exponents of (time, voltage, current). The project's units are coherent in
# them: pF = pA ms / mV and nS = pA / mV with factor 1, so a value needs no conversion.
# --------------------------------------------------------------------------------------------

UNITS = {"ms": (1, 0, 0), "mV": (0, 1, 0), "pA": (0, 0, 1), "pF": (1, -1, 1), "nS": (0, -1, 1)}
_NAMED = {**{k: v for k, v in UNITS.items()}, "1": (0, 0, 0), "mV/ms": (-1, 1, 0),
          "1/ms": (-1, 0, 0), "pA/ms": (-1, 0, 1), "nS/ms": (-1, -1, 1), "nS/mV": (0, -2, 1),
          "pA/mV": (0, -1, 1)}
#: Functions an expression may call, with how they treat dimensions.
FUNCTIONS = {"exp": "dimless", "log": "dimless", "log10": "dimless", "sin": "dimless",
             "cos": "dimless", "tan": "dimless", "sinh": "dimless", "cosh": "dimless",
             "tanh": "dimless", "exprel": "dimless", "sqrt": "sqrt", "abs": "same",
             "clip": "same"}
#: Names the equations may use without declaring them.
RESERVED = {"i_syn": (0, 0, 1)}


class Dimension(tuple):
    """Exponents of (ms, mV, pA) as fractions; printed in the project's unit names."""

    def __new__(cls, exps=(0, 0, 0)):
        return super().__new__(cls, tuple(Fraction(e) for e in exps))

    def __mul__(self, other):
        return Dimension(a + b for a, b in zip(self, other))

    def __truediv__(self, other):
        return Dimension(a - b for a, b in zip(self, other))

    def __pow__(self, k):
        return Dimension(a * Fraction(k) for a in self)

    @property
    def dimensionless(self):
        return all(e == 0 for e in self)

    def __str__(self):
        for name, exps in _NAMED.items():
            if tuple(self) == tuple(Fraction(e) for e in exps):
                return name
        num, den = [], []
        for name, e in zip(("ms", "mV", "pA"), self):
            if e == 0:
                continue
            part = name if abs(e) == 1 else f"{name}**{abs(e)}"
            (num if e > 0 else den).append(part)
        text = "*".join(num) if num else "1"
        return text + ("/" + "/".join(den) if den else "")

    __repr__ = __str__


DIMLESS = Dimension()


def parse_unit(text, *, where="unit"):
    """A :class:`Dimension` from a unit string such as ``"mV"``, ``"pA/ms"``, ``"1"``,
    ``"nS*mV"`` or ``"mV**2"``, in the project's units."""
    text = text.strip()
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise ValueError(f"{where}: cannot read the unit {text!r}") from None

    def visit(node):
        if isinstance(node, ast.Name):
            if node.id in UNITS:
                return Dimension(UNITS[node.id])
            hint = " (write a rate as 1/ms)" if node.id in ("Hz", "kHz") else ""
            raise ValueError(f"{where}: unknown unit {node.id!r} in {text!r}; the project's "
                             f"units are ms, mV, pA, pF, nS and 1{hint}")
        if isinstance(node, ast.Constant) and node.value == 1:
            return DIMLESS
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
            a, b = visit(node.left), visit(node.right)
            return a * b if isinstance(node.op, ast.Mult) else a / b
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and \
                isinstance(node.right, ast.Constant) and \
                isinstance(node.right.value, (int, float)):
            return visit(node.left) ** Fraction(node.right.value).limit_denominator(100)
        raise ValueError(f"{where}: cannot read the unit {text!r}")

    return visit(tree)


# --------------------------------------------------------------------------------------------
# Parsing.
# --------------------------------------------------------------------------------------------

_DIFF = re.compile(r"^\s*d\s*([A-Za-z_]\w*)\s*/\s*dt\s*=(.*)$")
_ASSIGN = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)(.*)$")
_DECL = re.compile(r"^\s*([A-Za-z_]\w*)\s*$")
_FLAGS = re.compile(r"\(\s*([\w\s,]*)\)\s*$")

_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Load,
                  ast.Constant, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub,
                  ast.UAdd)


class _Line:
    """One equation line: kind ``"diff"``, ``"sub"`` or ``"decl"``."""

    def __init__(self, kind, name, expr, unit, flags, text, lineno):
        self.kind, self.name, self.expr, self.unit = kind, name, expr, unit
        self.flags, self.text, self.lineno = flags, text, lineno


def _error(owner, msg):
    return ValueError(f"{owner}: {msg}")


def _parse_expr(owner, text, where, lineno=None, col0=0, *, mode="eval", extra=()):
    """Parse an expression with Python's parser and refuse what the equations do not allow."""
    try:
        tree = ast.parse(text.strip(), mode=mode)
    except SyntaxError as err:
        lead = len(text) - len(text.lstrip())
        col = col0 + lead + (err.offset or 1)
        at = f"line {lineno}, column {col}" if lineno is not None else f"column {col}"
        raise SyntaxError(f"{owner}: syntax error in {where} at {at}: {text.strip()!r} "
                          f"({err.msg})") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = ast.unparse(node.func)
                raise ValueError(f"{owner}: unknown function {name!r} in {where}; valid: "
                                 f"{sorted(FUNCTIONS)}")
            if node.keywords:
                raise ValueError(f"{owner}: {where}: functions take no keyword arguments")
            n_args = 3 if node.func.id == "clip" else 1
            if len(node.args) != n_args:
                raise ValueError(f"{owner}: {node.func.id}() takes {n_args} argument(s) in "
                                 f"{where}, got {len(node.args)}")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ValueError(f"{owner}: {where}: only numbers may appear as constants, "
                                 f"got {node.value!r}")
        elif mode == "eval" and not isinstance(node, _ALLOWED_NODES + tuple(extra)):
            raise ValueError(f"{owner}: {where}: {ast.unparse(node)!r} is not allowed in an "
                             f"equation (use + - * / **, numbers, names and {sorted(FUNCTIONS)})")
    return tree


def parse_equations(owner, text, flags=("unless refractory",)):
    """The lines of an equations text (comments and blank lines dropped).

    ``flags`` are the flags the caller accepts: ``"unless refractory"`` (neuron models; only
    on differential equations) and ``"shared"`` (plasticity rules: one value per projection,
    on any line)."""
    valid_flags = tuple(flags)
    if not isinstance(text, str):
        raise TypeError(f"{owner}: the equations must be a string, got {type(text).__name__}")
    lines = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        if not line.strip():
            continue
        if ":" not in line:
            raise _error(owner, f"line {lineno} {line.strip()!r} has no unit; write "
                                f"'... : unit' (e.g. ': mV', ': 1')")
        body, unit_part = line.rsplit(":", 1)
        flags = ()
        m = _FLAGS.search(unit_part)
        if m:
            flags = tuple(f.strip() for f in m.group(1).split(",") if f.strip())
            unit_part = unit_part[:m.start()]
            for f in flags:
                if f not in valid_flags:
                    raise _error(owner, f"line {lineno}: unknown flag {f!r}; valid: "
                                        f"{list(valid_flags)}")
        unit = parse_unit(unit_part, where=f"{owner}: line {lineno}")
        m = _DIFF.match(body)
        if m:
            name, rhs = m.group(1), m.group(2)
            col0 = body.index("=") + 1
            expr = _parse_expr(owner, rhs, f"the equation of d{name}/dt", lineno, col0).body
            lines.append(_Line("diff", name, expr, unit, flags, line.strip(), lineno))
            continue
        if "unless refractory" in flags:
            raise _error(owner, f"line {lineno}: only differential equations take "
                                f"'(unless refractory)'")
        m = _ASSIGN.match(body)
        if m:
            name, rhs = m.group(1), m.group(2)
            col0 = body.index("=") + 1
            expr = _parse_expr(owner, rhs, f"the subexpression {name}", lineno, col0).body
            lines.append(_Line("sub", name, expr, unit, (), line.strip(), lineno))
            continue
        m = _DECL.match(body)
        if m:
            lines.append(_Line("decl", m.group(1), None, unit, flags, line.strip(), lineno))
            continue
        _parse_expr(owner, body, f"line {lineno}", lineno)  # raises a SyntaxError if it is one
        raise _error(owner, f"line {lineno} {line.strip()!r} is not 'dx/dt = ... : unit', "
                            f"'name = ... : unit' or 'name : unit'")
    return lines


# --------------------------------------------------------------------------------------------
# Unit inference and checking.
# --------------------------------------------------------------------------------------------

class _Units:
    """Dimensions of names; unknown parameters get theirs from how they are used."""

    def __init__(self, owner, known, unknown):
        self.owner = owner
        self.dims = dict(known)
        self.unknown = set(unknown)
        self.changed = False

    def of(self, node, expect, where):
        """The dimension of ``node`` (``None`` if not yet known), checked against ``expect``
        (``None``: no expectation), assigning the unknown parameters it can."""
        dim = self._of(node, expect, where)
        if dim is not None and expect is not None and dim != expect:
            raise _error(self.owner, f"in {where}, {ast.unparse(node)!r} has unit {dim} but "
                                     f"{expect} is needed there")
        return dim

    def _of(self, node, expect, where):
        if isinstance(node, ast.Constant):
            if node.value == 0 and expect is not None:
                return expect
            return DIMLESS
        if isinstance(node, ast.Name):
            name = node.id
            if name in self.dims:
                return self.dims[name]
            if name in self.unknown:
                if expect is not None:
                    self.dims[name] = expect
                    self.unknown.discard(name)
                    self.changed = True
                return expect
            raise _error(self.owner, f"unknown name {name!r} in {where}")
        if isinstance(node, ast.UnaryOp):
            return self.of(node.operand, expect, where)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            terms = _terms(node)
            dims = [self._of(t, expect, where) for t in terms]
            known = [(t, d) for t, d in zip(terms, dims) if d is not None and
                     not (isinstance(t, ast.Constant) and t.value == 0)]
            if not known:
                return expect
            first_t, first_d = known[0]
            for t, d in known[1:]:
                if d != first_d:
                    raise _error(self.owner, f"in {where}, the terms {ast.unparse(first_t)!r} "
                                             f"({first_d}) and {ast.unparse(t)!r} ({d}) have "
                                             f"different units")
            for t, d in zip(terms, dims):
                if d is None:
                    self.of(t, first_d, where)
            return first_d
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
            mult = isinstance(node.op, ast.Mult)
            a = self.of(node.left, None, where)
            b = self.of(node.right, None, where)
            if a is not None and b is not None:
                return a * b if mult else a / b
            if expect is None:
                return None
            if a is not None:  # b = expect / a (product) or a / expect (quotient)
                self.of(node.right, expect / a if mult else a / expect, where)
            elif b is not None:
                self.of(node.left, expect / b if mult else expect * b, where)
            else:
                return None
            return expect
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = node.right
            e_dim = self.of(exponent, DIMLESS, where)
            if e_dim is not None and not e_dim.dimensionless:
                raise _error(self.owner, f"in {where}, the exponent {ast.unparse(exponent)!r} "
                                         f"must be dimensionless")
            k = _constant(exponent)
            if k is None:  # a variable exponent needs a dimensionless base
                self.of(node.left, DIMLESS, where)
                return DIMLESS
            base_expect = None
            if expect is not None and k != 0:
                base_expect = Dimension(e / Fraction(k).limit_denominator(1000) for e in expect)
            base = self.of(node.left, base_expect, where)
            return None if base is None else base ** Fraction(k).limit_denominator(1000)
        if isinstance(node, ast.Call):
            kind = FUNCTIONS[node.func.id]
            if kind == "dimless":
                self.of(node.args[0], DIMLESS, where)
                return DIMLESS
            if kind == "sqrt":
                inner = self.of(node.args[0], None if expect is None else expect ** 2, where)
                return None if inner is None else inner ** Fraction(1, 2)
            # abs, clip: the unit of the argument(s)
            dims = [self.of(a, expect, where) for a in node.args]
            known = [d for d in dims if d is not None]
            if known:
                for a, d in zip(node.args, dims):
                    if d is None:
                        self.of(a, known[0], where)
                    elif d != known[0]:
                        raise _error(self.owner, f"in {where}, the arguments of "
                                                 f"{node.func.id}() have different units "
                                                 f"({known[0]} and {d})")
                return known[0]
            return expect
        raise _error(self.owner, f"{where}: cannot handle {ast.unparse(node)!r}")  # pragma: no cover


def _terms(node):
    """The terms of a sum (signs dropped: they do not change a unit)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        return _terms(node.left) + _terms(node.right)
    return [node]


def _constant(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _constant(node.operand)
        return None if v is None else -v
    return None


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _split_statements(text):
    return [s.strip() for s in re.split(r"[;\n]", text) if s.strip()]


class ParsedModel:
    """The checked content of a model written as equations.

    Attributes
    ----------
    state_vars : tuple of str
        ``v`` first when there is one (delta synapses and conductance synapses act on it).
    units : dict
        Dimension of every state variable, subexpression and parameter.
    clamped : frozenset
        Variables flagged ``(unless refractory)``.
    rhs : dict
        Each state variable's right-hand side as a sympy expression (subexpressions
        substituted) in the symbols of the state variables, parameters and ``i_syn``.
    threshold : sympy relational
    reset : list of (variable, sympy expression)
        In order; each expression is what the variable becomes.
    """

    def __init__(self, owner, text, threshold, reset, parameter_names):
        import sympy
        lines = parse_equations(owner, text)
        diffs = [ln for ln in lines if ln.kind == "diff"]
        subs = [ln for ln in lines if ln.kind == "sub"]
        decls = [ln for ln in lines if ln.kind == "decl"]
        if not diffs:
            raise _error(owner, "the equations have no differential equation 'dx/dt = ...'")
        seen = {}
        for ln in lines:
            if ln.name in seen:
                raise _error(owner, f"{ln.name!r} is defined twice (lines {seen[ln.name]} and "
                                    f"{ln.lineno})")
            seen[ln.name] = ln.lineno
            if ln.name in RESERVED or ln.name in UNITS or ln.name in FUNCTIONS or \
                    ln.name in ("t", "dt"):
                raise _error(owner, f"line {ln.lineno}: {ln.name!r} is a reserved name")
        state = [ln.name for ln in diffs]
        if "v" in state:
            state.remove("v")
            state.insert(0, "v")
        parameter_names = list(parameter_names)
        for p in parameter_names:
            if p in state or p in {ln.name for ln in subs}:
                raise _error(owner, f"{p!r} is given in parameters but is a "
                                    f"{'state variable' if p in state else 'subexpression'} "
                                    f"of the equations")
        for ln in decls:
            if ln.name not in parameter_names:
                raise _error(owner, f"line {ln.lineno} declares the unit of {ln.name!r}, which "
                                    f"is not in parameters; valid parameters: "
                                    f"{sorted(parameter_names)}")
        known = {**{k: Dimension(v) for k, v in RESERVED.items()},
                 **{k: Dimension(v) for k, v in UNITS.items()}}
        for ln in diffs + subs + decls:
            known[ln.name] = ln.unit
        unknown = [p for p in parameter_names if p not in known]
        # Every name used must be known.
        allowed = set(known) | set(unknown)
        exprs = [(ln.expr, f"the equation of d{ln.name}/dt" if ln.kind == "diff" else
                  f"the subexpression {ln.name}") for ln in diffs + subs]
        for expr, where in exprs:
            for name in _names(expr):
                if name not in allowed and name not in FUNCTIONS:
                    raise _error(owner, f"unknown name {name!r} in {where}; state variables: "
                                        f"{state}, parameters: {sorted(parameter_names)} (give "
                                        f"its value in parameters=)")
        # Threshold and reset.
        if not isinstance(threshold, str) or not threshold.strip():
            raise _error(owner, f"threshold must be a condition such as 'v > v_th', got "
                                f"{threshold!r}")
        thr = _parse_expr(owner, threshold, "the threshold",
                          extra=(ast.Compare, ast.Gt, ast.GtE, ast.Lt, ast.LtE)).body
        if not (isinstance(thr, ast.Compare) and len(thr.ops) == 1 and
                isinstance(thr.ops[0], (ast.Gt, ast.GtE, ast.Lt, ast.LtE))):
            raise _error(owner, f"threshold must be one comparison (>, >=, <, <=) such as "
                                f"'v > v_th', got {threshold!r}")
        for name in _names(thr):
            if name not in allowed or name == "i_syn":
                raise _error(owner, f"unknown name {name!r} in the threshold {threshold!r}; "
                                    f"state variables: {state}")
        if reset is None:
            reset = ""
        if not isinstance(reset, str):
            raise TypeError(f"{owner}: reset must be a string of statements such as "
                            f"'v = v_reset; w += b', got {reset!r}")
        statements = []
        for stmt in _split_statements(reset):
            tree = _parse_expr(owner, stmt, f"the reset statement {stmt!r}", mode="exec").body
            if len(tree) != 1 or not isinstance(tree[0], (ast.Assign, ast.AugAssign)):
                raise _error(owner, f"the reset statement {stmt!r} must be 'x = ...' or "
                                    f"'x += ...'")
            node = tree[0]
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(node, ast.Assign) and len(node.targets) != 1 or \
                    not isinstance(target, ast.Name):
                raise _error(owner, f"the reset statement {stmt!r} must assign one variable")
            if target.id not in state:
                raise _error(owner, f"the reset statement {stmt!r} assigns {target.id!r}, which "
                                    f"is not a state variable; state variables: {state}")
            if isinstance(node, ast.AugAssign) and \
                    not isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
                raise _error(owner, f"the reset statement {stmt!r}: only =, +=, -=, *=, /=")
            for n in ast.walk(node.value):
                if isinstance(n, ast.Name) and (n.id not in allowed or n.id == "i_syn"):
                    raise _error(owner, f"unknown name {n.id!r} in the reset statement "
                                        f"{stmt!r}; state variables: {state}, parameters: "
                                        f"{sorted(parameter_names)}")
                if not isinstance(n, _ALLOWED_NODES):
                    raise _error(owner, f"the reset statement {stmt!r}: {ast.unparse(n)!r} is "
                                        f"not allowed")
            statements.append((stmt, target.id, node))
        unused = [p for p in parameter_names if p not in set().union(
            *(_names(e) for e, _ in exprs), _names(thr),
            *(_names(n) for _, _, n in statements))]
        if unused:
            raise _error(owner, f"parameter(s) {unused} are not used by the equations, the "
                                f"threshold or the reset")
        # Units: iterate until no unknown parameter gets a unit.
        units = _Units(owner, known, unknown)
        while True:
            units.changed = False
            for ln in diffs:
                units.of(ln.expr, ln.unit / Dimension(UNITS["ms"]),
                         f"the equation of d{ln.name}/dt")
            for ln in subs:
                units.of(ln.expr, ln.unit, f"the subexpression {ln.name}")
            units.of(ast.BinOp(thr.left, ast.Sub(), thr.comparators[0]), None,
                     f"the threshold {threshold!r}")
            for stmt, target, node in statements:
                if isinstance(node, ast.Assign) or isinstance(node.op, (ast.Add, ast.Sub)):
                    units.of(node.value, units.dims[target], f"the reset statement {stmt!r}")
                else:
                    units.of(node.value, DIMLESS, f"the reset statement {stmt!r}")
            if not units.changed:
                break
        if units.unknown:
            raise _error(owner, f"the unit of parameter(s) {sorted(units.unknown)} follows from "
                                f"nothing in the equations; declare it in the equations text, "
                                f"e.g. '{sorted(units.unknown)[0]} : mV'")
        self.state_vars = tuple(state)
        self.parameters = tuple(parameter_names)
        self.units = units.dims
        self.clamped = frozenset(ln.name for ln in diffs if "unless refractory" in ln.flags)
        # Sympy: subexpressions substituted (in order of definition, each may use earlier ones).
        self.symbols = {name: sympy.Symbol(name, real=True)
                        for name in set(state) | set(parameter_names) | {"i_syn"}}
        # Subexpressions may use each other in any order (as in Brian2): substitute them in
        # an order where each comes after those it uses; a cycle is an error.
        sub_exprs, pending = {}, {ln.name: ln for ln in subs}
        while pending:
            ready = [name for name, ln in pending.items()
                     if not (_names(ln.expr) & (set(pending) - {name}))]
            if not ready:
                raise _error(owner, f"the subexpressions {sorted(pending)} are defined in terms "
                                    f"of each other (a cycle)")
            for name in ready:
                if name in _names(pending[name].expr):
                    raise _error(owner, f"the subexpression {name!r} is defined in terms of "
                                        f"itself (line {pending[name].lineno})")
                sub_exprs[name] = _to_sympy(pending.pop(name).expr, self.symbols, sub_exprs)
        self.rhs = {ln.name: _to_sympy(ln.expr, self.symbols, sub_exprs) for ln in diffs}
        op = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<="}[type(thr.ops[0])]
        self.threshold = (_to_sympy(thr.left, self.symbols, sub_exprs), op,
                          _to_sympy(thr.comparators[0], self.symbols, sub_exprs))
        self.reset = []
        for _, target, node in statements:
            value = _to_sympy(node.value, self.symbols, sub_exprs)
            if isinstance(node, ast.AugAssign):
                old = self.symbols[target]
                value = {ast.Add: old + value, ast.Sub: old - value, ast.Mult: old * value,
                         ast.Div: old / value}[type(node.op)]
            self.reset.append((target, value))
        self.subexpressions = {ln.name: ln for ln in subs}
        self.lines = lines
        self.threshold_ast = thr
        self.reset_statements = [(target, node) for _, target, node in statements]
        self._sub_exprs = sub_exprs
        self._owner = owner

    def condition(self, text, where):
        """Parse and check a condition such as ``"v > v_th"`` on the state variables and
        parameters (units must agree); returns ``(lhs, op, rhs, ast)`` with sympy sides."""
        owner = self._owner
        if not isinstance(text, str) or not text.strip():
            raise _error(owner, f"{where} must be a condition such as 'v > v_th', got {text!r}")
        node = _parse_expr(owner, text, where,
                           extra=(ast.Compare, ast.Gt, ast.GtE, ast.Lt, ast.LtE)).body
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and
                isinstance(node.ops[0], (ast.Gt, ast.GtE, ast.Lt, ast.LtE))):
            raise _error(owner, f"{where} must be one comparison (>, >=, <, <=), got {text!r}")
        allowed = set(self.state_vars) | set(self.parameters) | set(UNITS) | \
            set(self.subexpressions)
        for name in _names(node):
            if name not in allowed:
                raise _error(owner, f"unknown name {name!r} in {where} {text!r}; state "
                                    f"variables: {list(self.state_vars)}")
        units = _Units(owner, self.units, ())
        units.of(ast.BinOp(node.left, ast.Sub(), node.comparators[0]), None, f"{where} {text!r}")
        op = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<="}[type(node.ops[0])]
        return (_to_sympy(node.left, self.symbols, self._sub_exprs), op,
                _to_sympy(node.comparators[0], self.symbols, self._sub_exprs), node)


_EXPREL = []


def exprel_function():
    """``exprel(x) = (exp(x) - 1)/x`` (1 at 0) as a sympy function with its derivative, as
    Brian2 offers it: rates such as ``x/(1 - exp(-x/y)) = y/exprel(-x/y)`` written with it have
    no 0/0 point. Made once (sympy is imported lazily)."""
    if not _EXPREL:
        import sympy

        class exprel(sympy.Function):  # noqa: N801 - the name users write
            @classmethod
            def eval(cls, x):
                if x.is_zero:
                    return sympy.Integer(1)
                return None

            def fdiff(self, argindex=1):
                x = self.args[0]
                return (x * sympy.exp(x) - sympy.exp(x) + 1) / x ** 2

        _EXPREL.append(exprel)
    return _EXPREL[0]


def _to_sympy(node, symbols, subs):
    import sympy
    if isinstance(node, ast.Constant):
        v = node.value
        return sympy.Integer(v) if isinstance(v, int) else sympy.Rational(repr(v))
    if isinstance(node, ast.Name):
        if node.id in subs:
            return subs[node.id]
        if node.id in UNITS:
            return sympy.Integer(1)
        return symbols[node.id]
    if isinstance(node, ast.UnaryOp):
        inner = _to_sympy(node.operand, symbols, subs)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        a = _to_sympy(node.left, symbols, subs)
        b = _to_sympy(node.right, symbols, subs)
        return {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                ast.Div: lambda: a / b, ast.Pow: lambda: a ** b}[type(node.op)]()
    if isinstance(node, ast.Call):
        args = [_to_sympy(a, symbols, subs) for a in node.args]
        f = node.func.id
        if f == "clip":
            return sympy.Min(sympy.Max(args[0], args[1]), args[2])
        if f == "log10":
            return sympy.log(args[0], 10)
        if f == "exprel":
            return exprel_function()(args[0])
        return {"exp": sympy.exp, "log": sympy.log, "sin": sympy.sin, "cos": sympy.cos,
                "tan": sympy.tan, "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
                "sqrt": sympy.sqrt, "abs": sympy.Abs}[f](*args)
    raise TypeError(f"cannot convert {ast.unparse(node)!r}")  # pragma: no cover


# --------------------------------------------------------------------------------------------
# Linear analysis (for the exact scheme) and the numeric propagators.
# --------------------------------------------------------------------------------------------

def linear_form(parsed, per_neuron):
    """``(A, B, b0)`` with ``dx/dt = A x + B i_syn + b0`` if the equations are linear in the
    state and ``i_syn`` with coefficients free of per-neuron parameters, else ``None``.
    ``A`` and ``B`` are sympy matrices of shared parameters; ``b0`` may hold any parameter."""
    import sympy
    xs = [parsed.symbols[v] for v in parsed.state_vars]
    i_syn = parsed.symbols["i_syn"]
    per = {parsed.symbols[p] for p in per_neuron}
    n = len(xs)
    A = sympy.zeros(n, n)
    B = sympy.zeros(n, 1)
    b0 = sympy.zeros(n, 1)
    for i, var in enumerate(parsed.state_vars):
        f = sympy.expand(parsed.rhs[var])
        for j, x in enumerate(xs + [i_syn]):
            c = sympy.diff(f, x)
            if c.free_symbols & (set(xs) | {i_syn} | per) or c.has(sympy.Heaviside) or \
                    c.has(sympy.Derivative):
                return None
            if j < n:
                A[i, j] = c
            else:
                B[i, 0] = c
        rest = sympy.simplify(f - sum((A[i, j] * xs[j] for j in range(n)), sympy.Integer(0))
                              - B[i, 0] * i_syn)
        if rest.free_symbols & (set(xs) | {i_syn}):
            return None
        b0[i, 0] = rest
    return A, B, b0


def propagators(A_num, h):
    """``P = exp(A h)`` and ``Phi = int_0^h exp(A s) ds`` (both n x n), from one matrix
    exponential of the augmented matrix ``[[A, I], [0, 0]]``."""
    from scipy.linalg import expm
    n = A_num.shape[0]
    M = np.zeros((2 * n, 2 * n))
    M[:n, :n] = A_num
    M[:n, n:] = np.eye(n)
    E = expm(M * h)
    P = E[:n, :n]
    Phi = E[:n, n:]
    if n == 1:  # the scalar case as the built-in LIF computes it, to the last bit
        a = A_num[0, 0]
        P = np.array([[math.exp(a * h)]])
        Phi = np.array([[h if a == 0 else math.expm1(a * h) / a]])
    return P, Phi


def exact_channel_coefficients(A_num, B_num, tau_x, tau_y, h):
    """What one current channel contributes to the state at the end of a step.

    The channel's current is ``x`` with ``dx/dt = -x/tau_x + y/tau_y``, ``dy/dt = -y/tau_y``
    (``tau_y`` None: one-state kinetics, ``x(s) = a exp(-s/tau_x)``; the alpha function has
    ``tau_y = tau_x``). It enters ``dX/dt = A X + B x``, so its contribution to ``X(h)`` is
    ``K_x a + K_y b`` for ``x = a``, ``y = b`` at the step's start: blocks of ``exp(M h)``
    with ``M = [[A, B, 0], [0, -1/tau_x, 1/tau_y], [0, 0, -1/tau_y]]``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``K_x`` and ``K_y`` (``K_y`` zero for one-state kinetics), each of length n.
    """
    from scipy.linalg import expm
    n = A_num.shape[0]
    two = tau_y is not None
    M = np.zeros((n + 2, n + 2))
    M[:n, :n] = A_num
    M[:n, n] = B_num[:, 0]
    M[n, n] = -1.0 / tau_x
    M[n, n + 1] = 1.0 / tau_y if two else 0.0
    M[n + 1, n + 1] = -1.0 / (tau_y if two else tau_x)
    E = expm(M * h)
    return E[:n, n].copy(), (E[:n, n + 1].copy() if two else np.zeros(n))


# --------------------------------------------------------------------------------------------
# Code generation.
# --------------------------------------------------------------------------------------------

def _printer():
    from sympy.printing.pycode import PythonCodePrinter

    class Printer(PythonCodePrinter):
        def _print_Symbol(self, expr):
            return self._names[expr.name]

        def _print_Min(self, expr):
            return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

        def _print_Max(self, expr):
            return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

        def _print_exprel(self, expr):  # the helper of the generated module (neurosim.loop)
            return f"_exprel({self._print(expr.args[0])})"

        def _print_Rational(self, expr):
            return f"({float(expr.p)!r}/{float(expr.q)!r})" if expr.q != 1 else \
                f"{float(expr.p)!r}"

        def _print_Integer(self, expr):
            return f"{float(expr.p)!r}"

        def _print_Pow(self, expr, rational=False):
            base, e = expr.args
            if e.is_Integer and 1 <= abs(int(e)) <= 4:  # small powers as products (exact, fast)
                b = self.parenthesize(base, 100)
                prod = "*".join([b] * abs(int(e)))
                return f"({prod})" if e > 0 else f"(1.0/({prod}))"
            if e == 0.5 or e == __import__("sympy").Rational(1, 2):
                return f"math.sqrt({self._print(base)})"
            return f"({self._print(base)})**({self._print(e)})"

    return Printer


def to_code(expr, names):
    """Python (numba) source of a sympy expression; ``names`` maps symbol names to locals."""
    printer = _printer()(settings={"fully_qualified_modules": True})
    printer._names = names
    return printer.doprint(expr)


#: Neurons per block of a generated kernel's integration loop; a block in which no neuron
#: crossed threshold skips the threshold pass (as the built-in LIF kernel does).
BLOCK = 256


def generate_kernel(parsed, scheme, shared, per_neuron_rows, par_layout, name, channels,
                    injected=True, linear=None, fixed_point=True, refractory_condition=None):
    """Numba source of the kernel that advances one population of this model by one step.

    The kernel has the signature the generated loop calls (``start, end, par, state, refrac,
    i_inj, chans, ch_start, ch_coef, ch_erev, x1, x2, ring_row, fired, n_fired``) and is
    specialised to the
    population's receptor channels: ``channels`` lists each one's ``(kind, conductance)`` in
    the order of the population's channel list, and every channel
    is handled inline in the one pass over the neurons (no intermediate rows), block by block:

    1. per neuron: the channels deliver this step's input and advance exactly; delta input
       jumps ``v`` (unless refractory); the state advances by the scheme; variables flagged
       ``(unless refractory)`` keep their value while refractory; the refractory count goes
       down; the neuron is counted if it meets the threshold and was not refractory;
    2. only in a block with such a neuron: reset, refractory count, spike.

    The refractory count of these populations is one more than the steps still to hold: a
    spike sets it to ``ref + 1``, a neuron is held while it is above 1, and after the
    decrement 0 says "not held in this step", so the threshold pass needs no flag per neuron
    (a store that would keep the integration loop from compiling to SIMD code).

    ``shared`` parameters come from the parameter row (``par_layout``), per-neuron ones from
    their ``state`` rows (``per_neuron_rows``). For the exact scheme, ``linear`` is
    ``(A, B, b0)`` and ``fixed_point`` says that the row holds ``-A^-1`` (A invertible: the
    update is written around the fixed point) rather than ``Phi``. ``injected`` False: no
    current is injected into this population, so ``i_inj`` is not read.
    ``refractory_condition`` (sympy ``(lhs, op, rhs)``): a neuron is refractory in a step
    while this holds for its state at the step's start (Brian2's ``refractory="v > ..."``);
    its count then just says whether it was, for the threshold pass.
    """
    import sympy
    lines = []
    w = lines.append
    state = parsed.state_vars
    n = len(state)
    names = {v: f"s_{v}" for v in state}
    names.update({p: f"p_{p}" for p in parsed.parameters})
    names["i_syn"] = "isyn"
    has_v = "v" in state
    shared_set = set(shared)
    any_cond = any(cond for _, cond in channels)
    w("@numba.njit(cache=True, nogil=True, error_model='numpy')")
    w(f"def {name}(start, end, par, state, refrac, i_inj, chans, ch_start, ch_coef, ch_erev,")
    w("        x1, x2, ring_row, fired, n_fired):")
    w("    m = end - start")
    w(f"    h = par[{par_layout['h']}]")
    w(f"    ref = int(par[{par_layout['ref']}])")
    for p in shared:
        w(f"    p_{p} = par[{par_layout[p]}]")
    for i, v in enumerate(state):
        w(f"    sv_{v} = state[{i}, start:end]")
    for p, row in per_neuron_rows.items():
        w(f"    pv_{p} = state[{row}, start:end]")
    w("    rv = refrac[start:end]")
    if injected:
        w("    iv = i_inj[start:end]")
    # Channels: views indexed from 0 and their constants, hoisted out of the neuron loop.
    for ci, (kind, cond) in enumerate(channels):
        w(f"    c{ci} = chans[{ci}]")
        w(f"    o{ci} = ch_start[c{ci}]")
        w(f"    rf{ci} = ring_row[o{ci}:o{ci} + m]")
        if kind == 0:
            continue
        w(f"    xf{ci} = x1[o{ci}:o{ci} + m]")
        w(f"    d{ci} = ch_coef[c{ci}, 0]")
        if kind == 2:
            w(f"    yf{ci} = x2[o{ci}:o{ci} + m]")
            w(f"    dxy{ci} = ch_coef[c{ci}, 1]")
            w(f"    yj{ci} = ch_coef[c{ci}, 4]")
            w(f"    dy{ci} = ch_coef[c{ci}, 7]")
        if scheme == "exact":
            base = f"{par_layout['channels']} + {ci * 2 * n}"
            for i in range(n):
                w(f"    kx{ci}_{i} = par[{base} + {i}]")
                if kind == 2:
                    w(f"    ky{ci}_{i} = par[{base} + {n + i}]")
        else:
            w(f"    mx{ci} = ch_coef[c{ci}, 5]")
            if kind == 2:
                w(f"    my{ci} = ch_coef[c{ci}, 6]")
            if cond:
                w(f"    e{ci} = ch_erev[c{ci}]")
    if scheme == "exact":
        A, B, b0 = linear
        for i in range(n):
            for k in range(n):
                w(f"    P_{i}_{k} = par[{par_layout['P'] + i * n + k}]")
                w(f"    F_{i}_{k} = par[{par_layout['Phi'] + i * n + k}]")
        # b = b0 + B i_ext: parts made of shared parameters only are computed once per call.
        b_hoisted = {}
        for i in range(n):
            if not (b0[i, 0].free_symbols - {parsed.symbols[q] for q in shared_set}):
                w(f"    bc_{i} = {to_code(b0[i, 0], names)}")
                b_hoisted[i] = True
            w(f"    bb_{i} = {to_code(B[i, 0], names)}")
    # Views of the block indexed from 0: numba then knows every index is >= 0 and drops the
    # negative-index checks that would keep the loop from compiling to SIMD code.
    w(f"    for b0_ in range(0, m, {BLOCK}):")
    w(f"        b1_ = min(b0_ + {BLOCK}, m)")
    w("        mb = b1_ - b0_")
    for v in state:
        w(f"        vb_{v} = sv_{v}[b0_:b1_]")
    for p in per_neuron_rows:
        w(f"        qb_{p} = pv_{p}[b0_:b1_]")
    w("        rb = rv[b0_:b1_]")
    if injected:
        w("        ib = iv[b0_:b1_]")
    for ci, (kind, _) in enumerate(channels):
        w(f"        r{ci} = rf{ci}[b0_:b1_]")
        if kind != 0:
            w(f"        x{ci} = xf{ci}[b0_:b1_]")
        if kind == 2:
            w(f"        y{ci} = yf{ci}[b0_:b1_]")
    w("        crossed = 0")
    w("        for j in range(mb):")
    ind = "            "
    for v in state:
        w(f"{ind}s_{v} = vb_{v}[j]")
    for p in per_neuron_rows:
        w(f"{ind}p_{p} = qb_{p}[j]")
    if refractory_condition is None:
        w(f"{ind}held = rb[j] > 1")
    else:
        lhs_r, op_r, rhs_r = refractory_condition
        w(f"{ind}held = ({to_code(lhs_r, names)}) {op_r} ({to_code(rhs_r, names)})")
    w(f"{ind}i_ext = ib[j]" if injected else f"{ind}i_ext = 0.0")
    # channels, inline
    if scheme == "exact":
        for i in range(n):
            w(f"{ind}lin_{i} = 0.0")
    else:
        w(f"{ind}i_cur = i_ext")
        if any_cond:
            w(f"{ind}g_syn = 0.0")
    for ci, (kind, cond) in enumerate(channels):
        if kind == 0:
            w(f"{ind}a = r{ci}[j]")
            w(f"{ind}r{ci}[j] = 0.0")
            if has_v:
                w(f"{ind}s_v = s_v if held else s_v + a")
            continue
        if kind == 1:
            w(f"{ind}a = x{ci}[j] + r{ci}[j]")
            w(f"{ind}r{ci}[j] = 0.0")
            w(f"{ind}x{ci}[j] = d{ci} * a")
        else:
            w(f"{ind}a = x{ci}[j]")
            w(f"{ind}b = y{ci}[j] + yj{ci} * r{ci}[j]")
            w(f"{ind}r{ci}[j] = 0.0")
            w(f"{ind}x{ci}[j] = d{ci} * a + dxy{ci} * b")
            w(f"{ind}y{ci}[j] = dy{ci} * b")
        if scheme == "exact":
            for i in range(n):
                term = f"kx{ci}_{i} * a" + (f" + ky{ci}_{i} * b" if kind == 2 else "")
                w(f"{ind}lin_{i} += {term}")
        else:
            mean = f"mx{ci} * a" + (f" + my{ci} * b" if kind == 2 else "")
            if cond:
                w(f"{ind}gm = {mean}")
                w(f"{ind}g_syn += gm")
                w(f"{ind}i_cur += gm * e{ci}")
            else:
                w(f"{ind}i_cur += {mean}")
    if not any_cond and scheme != "exact":
        w(f"{ind}g_syn = 0.0")
    # integrate
    if scheme == "exact":
        for i in range(n):
            bc = f"bc_{i}" if i in b_hoisted else f"({to_code(b0[i, 0], names)})"
            w(f"{ind}b_{i} = {bc} + bb_{i} * i_ext")
        if fixed_point:
            # x' = x_inf + P (x - x_inf) + channels, x_inf = -A^-1 b: a steady state is a fixed
            # point of the update, so rounding errors do not pile up over many steps.
            for i in range(n):
                w(f"{ind}xi_{i} = {' + '.join(f'F_{i}_{k} * b_{k}' for k in range(n))}")
            for i, v in enumerate(state):
                terms = [f"P_{i}_{k} * (s_{state[k]} - xi_{k})" for k in range(n)]
                w(f"{ind}n_{v} = xi_{i} + {' + '.join(terms)} + lin_{i}")
        else:  # A singular (an integrator): x' = P x + Phi b
            for i, v in enumerate(state):
                terms = [f"P_{i}_{k} * s_{state[k]}" for k in range(n)]
                terms += [f"F_{i}_{k} * b_{k}" for k in range(n)]
                w(f"{ind}n_{v} = {' + '.join(terms)} + lin_{i}")
    else:
        def stage(values, tag):
            local = {**names, **{v: values[v] for v in state}}
            w(f"{ind}isyn = i_cur - g_syn * {values['v']}" if has_v else f"{ind}isyn = i_cur")
            for v in state:
                code = to_code(parsed.rhs[v], local)
                w(f"{ind}k{tag}_{v} = 0.0 if held else {code}" if v in parsed.clamped
                  else f"{ind}k{tag}_{v} = {code}")

        if scheme == "euler":
            stage({v: f"s_{v}" for v in state}, "1")
            for v in state:
                w(f"{ind}n_{v} = s_{v} + h * k1_{v}")
        elif scheme == "rk4":
            stage({v: f"s_{v}" for v in state}, "1")
            for frac, prev, tag in (("0.5 * h", "1", "2"), ("0.5 * h", "2", "3"),
                                    ("h", "3", "4")):
                for v in state:
                    w(f"{ind}t_{v} = s_{v} + {frac} * k{prev}_{v}")
                stage({v: f"t_{v}" for v in state}, tag)
            for v in state:
                w(f"{ind}n_{v} = s_{v} + h / 6.0 * (k1_{v} + 2.0 * k2_{v} + 2.0 * k3_{v} + "
                  f"k4_{v})")
        else:  # exponential Euler: x' = -B/A + (x + B/A) exp(A h), A = df/dx, B = f - A x
            local = {**names, "g_syn_": "g_syn", "i_cur_": "i_cur"}
            for v in state:
                a_expr, b_expr = parsed._expeuler[v]
                if a_expr == 0:
                    code = f"s_{v} + h * ({to_code(b_expr, local)})"
                else:
                    a_c = to_code(a_expr, local)
                    b_c = to_code(b_expr, local)
                    code = (f"-({b_c}) / ({a_c}) + (s_{v} + ({b_c}) / ({a_c})) * "
                            f"math.exp(({a_c}) * h)")
                w(f"{ind}n_{v} = {code}")
    for v in state:
        if v in parsed.clamped:
            w(f"{ind}n_{v} = s_{v} if held else n_{v}")
    for v in state:
        w(f"{ind}vb_{v}[j] = n_{v}")
    w(f"{ind}rb[j] = rb[j] - 1 if rb[j] > 0 else 0" if refractory_condition is None
      else f"{ind}rb[j] = 1 if held else 0")
    lhs, op, rhs_t = parsed.threshold
    tnames = {**names, **{v: f"n_{v}" for v in state}}
    cond = f"({to_code(lhs, tnames)}) {op} ({to_code(rhs_t, tnames)})"
    w(f"{ind}crossed += 0 if held else (1 if {cond} else 0)")
    # threshold pass
    w("        if crossed > 0:")
    w("            for j in range(mb):")
    ind = "                "
    for v in state:
        w(f"{ind}n_{v} = vb_{v}[j]")
    for p in per_neuron_rows:
        w(f"{ind}p_{p} = qb_{p}[j]")
    w(f"{ind}if rb[j] == 0 and {cond}:")
    for target, value in parsed.reset:
        w(f"{ind}    n_{target} = {to_code(value, tnames)}")
    for target in dict.fromkeys(t for t, _ in parsed.reset):
        w(f"{ind}    vb_{target}[j] = n_{target}")
    w(f"{ind}    rb[j] = ref + 1")
    w(f"{ind}    fired[n_fired] = start + b0_ + j")
    w(f"{ind}    n_fired += 1")
    w("    return n_fired")
    del sympy
    return "\n".join(lines) + "\n"


def exponential_euler_terms(parsed):
    """Per variable ``(A, B)`` with ``dx/dt = A x + B`` and neither depending on ``x``, where
    ``i_syn`` of a model with ``v`` is ``i_cur - g_syn v`` (so ``v``'s own coefficient carries
    the synaptic conductance). Raises ``ValueError`` naming a variable that is not linear in
    itself."""
    import sympy
    out = {}
    g_syn = sympy.Symbol("g_syn_", real=True)
    i_cur = sympy.Symbol("i_cur_", real=True)
    has_v = "v" in parsed.state_vars
    for v in parsed.state_vars:
        x = parsed.symbols[v]
        f = parsed.rhs[v]
        if has_v:
            f = f.subs(parsed.symbols["i_syn"], i_cur - g_syn * parsed.symbols["v"])
        else:
            f = f.subs(parsed.symbols["i_syn"], i_cur)
        a = sympy.simplify(sympy.diff(f, x))
        if x in a.free_symbols:
            raise ValueError(f"scheme 'exponential_euler' needs each equation linear in its own "
                             f"variable; d{v}/dt is not linear in {v}")
        b = sympy.simplify(f - a * x)
        # back to the kernel's names: i_cur_ -> i_cur, g_syn_ -> g_syn (locals of the kernel)
        out[v] = (a, b)
    return out


def source_hash(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
