r"""Plasticity rules written as event statements (:class:`PlasticityRule`).

A rule is written as Brian2 writes ``Synapses(model, on_pre=..., on_post=...)``: variables that
decay exponentially between events (*traces*), plain per-synapse variables, and the statements
run when a presynaptic spike arrives at a synapse and when the postsynaptic neuron fires::

    stdp = ns.Plasticity.from_equations(
        '''
        dapre/dt = -apre / tau_pre : 1
        dapost/dt = -apost / tau_post : 1
        ''',
        on_pre="w = clip(w - a_minus * apost, w_min, w_max); apre += 1",
        on_post="w = clip(w + a_plus * apre, w_min, w_max); apost += 1",
        parameters=dict(tau_pre=20.0, tau_post=20.0, a_plus=0.01, a_minus=0.0105,
                        w_min=0.0, w_max=1.0))
    net.connect(src, dst, weight=0.5, synapse=ns.Exponential(5.0), plasticity=stdp)

Semantics (the same as the built-in rules, :mod:`neurosim.plasticity`):

- ``on_pre`` runs when the spike **arrives**: in step ``k_pre + d`` for a synapse of delay
  ``d`` steps (Brian2's ``on_pre`` pathway with that delay); ``on_post`` in the step of the
  postsynaptic spike. Within a step all arrivals come before the postsynaptic spikes.
- The weight a spike transmits is the weight when it leaves; ``w`` in the statements is the
  synapse's weight in the projection's unit.
- Every variable of the equations belongs to the synapse, as in Brian2: a trace ``x`` with
  ``dx/dt = -x / tau`` holds its value at its last event and is decayed exactly,
  ``x exp(-(t - t_last) / tau)``, when it is next read; a trace written
  ``dx/dt = (x_rest - x) / tau`` relaxes to ``x_rest`` the same way (a resource that
  recovers). Variables start at ``initial`` or 0; plain ones (``name : unit``, no equation)
  keep their value between events.
- Statements run in the order written: ``=``, ``+=``, ``-=``, ``*=``, ``/=`` on ``w`` and the
  variables, with numbers, parameters and the functions ``exp``, ``log``, ``sqrt``, ``abs``,
  ``clip``, ``min``... of :mod:`neurosim.equations`. Time constants are in ms.

Storage. A variable changed only by ``on_pre`` from itself, other such variables and parameters
has the same value on every synapse that sees the same arrivals (one presynaptic neuron, one
delay): it is kept once per such group, as the built-in rules keep their presynaptic traces.
Likewise a variable changed only by ``on_post`` from itself and parameters is kept once per
postsynaptic neuron. Every other variable is kept per synapse (8 bytes each, plus the step of
the synapse's last event). This is a storage choice: the results are those of per-synapse
variables.

Shared variables and a continuously changing weight. A variable flagged ``(shared)``
(``ddopamine/dt = -dopamine / tau_d : 1 (shared)``) has one value per projection: statements
read it (decayed to the step), only the script changes it, between runs
(:meth:`neurosim.Simulator.set_rule_variable`). The line ``dw/dt = x * y``, with ``x`` a
decaying trace of the synapse and ``y`` a shared decaying trace, makes the weight change
between events (Izhikevich's ``dw/dt = c d``). It is integrated exactly and lazily: from the
step of the synapse's last update ``t0``, over ``T``,
``w += x(t0) y(t0) tau (1 - exp(-T / tau))`` with ``1/tau = 1/tau_x + 1/tau_y``, then clipped
to ``w_bounds`` (``x y`` keeps its sign, so clipping at the end is the clipped trajectory).
A synapse is brought up to date before its statements run, when its presynaptic neuron fires
(before the spike is pushed: it transmits its current weight), before the script changes a
shared variable; weight monitors and :meth:`neurosim.Simulator.weights` read the weight at
the current step without changing the state.

The statements are compiled (numba) into the simulator's loop: one function per rule text,
cached like the neuron kernels (:mod:`neurosim.loop`).
"""

from __future__ import annotations

import ast
import hashlib
import math

import numpy as np

from ..equations import _ALLOWED_NODES, FUNCTIONS, _parse_expr, _split_statements, parse_equations
from .base import Plasticity
from .index import synapse_index

__all__ = ["PlasticityRule", "LUT_LENGTH"]

#: Length of each decay look-up table (entries ``exp(-n dt / tau)`` for ``n`` steps); longer
#: intervals are computed with ``exp`` directly.
LUT_LENGTH = 1 << 13

#: Names a rule may not give its variables or parameters.
_RESERVED = {"w", "t", "dt", "k", "i", "j", "p", "q", "s", "g", "m", "d"} | set(FUNCTIONS)
#: How the statements' functions are written in the generated (numba) source.
_FUNCTION_CODE = {"exp": "math.exp", "log": "math.log", "log10": "math.log10",
                  "sin": "math.sin", "cos": "math.cos", "tan": "math.tan", "sinh": "math.sinh",
                  "cosh": "math.cosh", "tanh": "math.tanh", "exprel": "_exprel",
                  "sqrt": "math.sqrt", "abs": "abs", "clip": "_clip"}


class _Statement:
    """One parsed statement: target name, the ast node (Assign or AugAssign), its text."""

    def __init__(self, target, node, text):
        self.target, self.node, self.text = target, node, text

    def reads(self):
        names = {n.id for n in ast.walk(self.node.value) if isinstance(n, ast.Name)}
        if isinstance(self.node, ast.AugAssign):
            names.add(self.target)
        return names


def _statements(owner, text, which, assignable, readable):
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise TypeError(f"{owner}: {which} must be a string of statements such as "
                        f"'w += a * x; x += 1', got {text!r}")
    out = []
    for stmt in _split_statements(text):
        where = f"the {which} statement {stmt!r}"
        tree = _parse_expr(owner, stmt, where, mode="exec").body
        if len(tree) != 1 or not isinstance(tree[0], (ast.Assign, ast.AugAssign)):
            raise ValueError(f"{owner}: {where} must be 'x = ...' or 'x += ...'")
        node = tree[0]
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        if isinstance(node, ast.Assign) and len(node.targets) != 1 or \
                not isinstance(target, ast.Name):
            raise ValueError(f"{owner}: {where} must assign one variable")
        if target.id not in assignable:
            raise ValueError(f"{owner}: {where} assigns {target.id!r}, which is neither w nor a "
                             f"variable of the equations; variables: {sorted(assignable)}")
        if isinstance(node, ast.AugAssign) and \
                not isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            raise ValueError(f"{owner}: {where}: only =, +=, -=, *=, /=")
        # the right-hand side is checked as an expression (functions, constants, operators)
        _parse_expr(owner, ast.unparse(node.value), where)
        for n in ast.walk(node.value):
            if isinstance(n, ast.Name) and n.id not in readable and n.id not in FUNCTIONS:
                raise ValueError(f"{owner}: unknown name {n.id!r} in {where}; variables: "
                                 f"{sorted(assignable)}, parameters: "
                                 f"{sorted(readable - assignable)}")
            if not isinstance(n, _ALLOWED_NODES):  # pragma: no cover (checked by _parse_expr)
                raise ValueError(f"{owner}: {where}: {ast.unparse(n)!r} is not allowed")
        out.append(_Statement(target.id, node, stmt))
    return out


def _scalar(owner, line, node, parameters, what):
    """A parameter name or a number (the time constant or the resting value of a trace)."""
    if isinstance(node, ast.Name):
        if node.id not in parameters:
            raise ValueError(f"{owner}: line {line.lineno}: unknown {what} {node.id!r}; give its "
                             f"value in parameters=")
        return node.id
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and \
            isinstance(node.operand, ast.Constant):
        node = ast.Constant(value=-node.operand.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and \
            not isinstance(node.value, bool):
        return float(node.value)
    return None


def _trace_form(owner, line, parameters):
    """``(tau, rest)`` of ``dx/dt = -x / tau`` (rest 0) or ``dx/dt = (rest - x) / tau``: each a
    parameter name or a number (tau in ms)."""
    e = line.expr
    x = line.name
    form = (f"{owner}: line {line.lineno} {line.text!r}: a plasticity variable may only relax "
            f"exponentially, 'd{x}/dt = -{x} / tau' or 'd{x}/dt = (x_rest - {x}) / tau' with "
            f"tau and x_rest parameters or numbers (tau in ms), or be declared without an "
            f"equation, '{x} : 1'")
    rest = 0.0
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub) and \
            isinstance(e.operand, ast.BinOp) and isinstance(e.operand.op, ast.Div):
        num, den = e.operand.left, e.operand.right
    elif isinstance(e, ast.BinOp) and isinstance(e.op, ast.Div) and \
            isinstance(e.left, ast.UnaryOp) and isinstance(e.left.op, ast.USub):
        num, den = e.left.operand, e.right
    elif isinstance(e, ast.BinOp) and isinstance(e.op, ast.Div) and \
            isinstance(e.left, ast.BinOp) and isinstance(e.left.op, ast.Sub) and \
            isinstance(e.left.right, ast.Name) and e.left.right.id == x:
        num, den = e.left.right, e.right
        rest = _scalar(owner, line, e.left.left, parameters, "resting value")
        if rest is None:
            raise ValueError(form)
    else:
        raise ValueError(form)
    if not (isinstance(num, ast.Name) and num.id == x):
        raise ValueError(form)
    tau = _scalar(owner, line, den, parameters, "time constant")
    if tau is None:
        raise ValueError(form)
    return tau, rest


def _weight_rate(owner, line, variables, taus, rests, shared):
    """``(x, y)`` of the weight's equation ``dw/dt = x * y``: ``x`` a decaying trace of the
    synapse and ``y`` a shared decaying trace (in either order), both relaxing to 0, so that
    ``w`` is integrated exactly between events (see the module docstring)."""
    form = (f"{owner}: line {line.lineno} {line.text!r}: the weight may only change "
            f"continuously as 'dw/dt = x * y', the product of a trace of the synapse and a "
            f"shared trace (one per projection), both decaying to 0 ('dx/dt = -x / tau_x', "
            f"'dy/dt = -y / tau_y : 1 (shared)')")
    e = line.expr
    if not (isinstance(e, ast.BinOp) and isinstance(e.op, ast.Mult)
            and isinstance(e.left, ast.Name) and isinstance(e.right, ast.Name)):
        raise ValueError(form)
    a, b = e.left.id, e.right.id
    for v in (a, b):
        if v not in variables:
            raise ValueError(f"{form}; {v!r} is not a variable of the equations")
        if v not in taus or rests[v] != 0.0:
            raise ValueError(f"{form}; {v!r} is not a trace decaying to 0")
    if (a in shared) == (b in shared):
        raise ValueError(f"{form}; here {'both are' if a in shared else 'neither is'} shared")
    return (b, a) if a in shared else (a, b)


class PlasticityRule(Plasticity):
    """A weight-changing plasticity rule written as equations and event statements.

    Made by :meth:`neurosim.Plasticity.from_equations` (the arguments are documented there).

    Attributes
    ----------
    equations, on_pre, on_post : str
        The texts as given.
    parameters : dict of str -> float
    initial : dict of str -> float
        Initial values of the plain variables.
    variables : tuple of str
        Every variable, in the order of the equations.
    taus : dict of str -> float
        The time constant (ms) of each decaying variable.
    storage : dict of str -> {"pre", "post", "synapse"}
        Where each variable is kept (see the module docstring).
    name : str
    """

    changes_weights = True

    def __init__(self, equations, *, on_pre="", on_post="", parameters=None, initial=None,
                 transmit=None, w_bounds=None, name="PlasticityRule"):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"Plasticity.from_equations: name must be an identifier, got "
                             f"{name!r}")
        owner = f"Plasticity.from_equations ({name})"
        parameters = {} if parameters is None else dict(parameters)
        for key, value in parameters.items():
            if not isinstance(key, str) or not key.isidentifier():
                raise ValueError(f"{owner}: parameter names must be identifiers, got {key!r}")
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer,
                                                                 np.floating)):
                raise TypeError(f"{owner}: parameter {key!r} must be a number (one value for "
                                f"every synapse), got {value!r}")
            if not math.isfinite(float(value)):
                raise ValueError(f"{owner}: parameter {key!r} must be finite, got {value!r}")
            parameters[key] = float(value)
        lines = parse_equations(owner, equations if equations is not None else "",
                                flags=("shared",))
        variables, taus, rests, seen = [], {}, {}, {}
        shared, w_line = set(), None
        for ln in lines:
            if ln.name == "w" and ln.kind == "diff":
                if w_line is not None:
                    raise ValueError(f"{owner}: 'w' is defined twice (lines {w_line.lineno} "
                                     f"and {ln.lineno})")
                if ln.flags:
                    raise ValueError(f"{owner}: line {ln.lineno}: the weight is per synapse; "
                                     f"it takes no flag, got {list(ln.flags)}")
                w_line = ln
                continue
            if ln.kind == "sub":
                raise ValueError(f"{owner}: line {ln.lineno} {ln.text!r}: subexpressions are "
                                 f"not supported in plasticity rules; write the expression in "
                                 f"the statements")
            if ln.name in seen:
                raise ValueError(f"{owner}: {ln.name!r} is defined twice (lines "
                                 f"{seen[ln.name]} and {ln.lineno})")
            seen[ln.name] = ln.lineno
            if ln.name in _RESERVED:
                raise ValueError(f"{owner}: line {ln.lineno}: {ln.name!r} is a reserved name "
                                 f"(w is the synapse's weight)")
            if ln.name in parameters:
                raise ValueError(f"{owner}: {ln.name!r} is given in parameters but is a "
                                 f"variable of the equations")
            variables.append(ln.name)
            if "shared" in ln.flags:
                shared.add(ln.name)
            if ln.kind == "diff":
                taus[ln.name], rests[ln.name] = _trace_form(owner, ln, parameters)
        for key in parameters:
            if key in _RESERVED:
                raise ValueError(f"{owner}: parameter {key!r} is a reserved name")
        for var, tau in taus.items():
            value = parameters[tau] if isinstance(tau, str) else tau
            if not value > 0:
                raise ValueError(f"{owner}: the time constant of {var!r} must be > 0 ms, got "
                                 f"{value!r}")
        initial = {} if initial is None else dict(initial)
        for key, value in initial.items():
            if key not in variables:
                raise ValueError(f"{owner}: initial value for {key!r}, which is not a variable "
                                 f"of the equations; variables: {variables}")
            initial[key] = float(value)
            if not math.isfinite(initial[key]):
                raise ValueError(f"{owner}: initial value of {key!r} must be finite, got "
                                 f"{value!r}")
        w_rate = None if w_line is None else _weight_rate(owner, w_line, variables, taus,
                                                         rests, shared)
        assignable = set(variables) | {"w"}
        readable = assignable | set(parameters)
        pre = _statements(owner, on_pre, "on_pre", assignable, readable)
        post = _statements(owner, on_post, "on_post", assignable, readable)
        for st in pre + post:
            if st.target in shared:
                raise ValueError(f"{owner}: the statement {st.text!r} assigns {st.target!r}, "
                                 f"a shared variable (one value per projection): only the "
                                 f"script changes it, between runs "
                                 f"(Simulator.set_rule_variable)")
        bounds = None
        if w_bounds is not None:
            if not isinstance(w_bounds, (tuple, list)) or len(w_bounds) != 2:
                raise ValueError(f"{owner}: w_bounds must be a pair (lower, upper) of parameter "
                                 f"names or numbers, got {w_bounds!r}")
            bounds = []
            for which, b in zip(("lower", "upper"), w_bounds):
                if isinstance(b, str):
                    if b not in parameters:
                        raise ValueError(f"{owner}: w_bounds: the {which} bound {b!r} is not a "
                                         f"parameter; parameters: {sorted(parameters)}")
                elif isinstance(b, bool) or not isinstance(b, (int, float, np.integer,
                                                               np.floating)) \
                        or not math.isfinite(float(b)):
                    raise ValueError(f"{owner}: w_bounds: the {which} bound must be a parameter "
                                     f"name or a finite number, got {b!r}")
                else:
                    b = float(b)
                bounds.append(b)
            lo, hi = (parameters[b] if isinstance(b, str) else b for b in bounds)
            if not lo < hi:
                raise ValueError(f"{owner}: w_bounds must have lower < upper, got "
                                 f"{tuple(w_bounds)!r} = ({lo!r}, {hi!r})")
            if w_rate is None:
                raise ValueError(f"{owner}: w_bounds clip the weight of 'dw/dt = ...', which the "
                                 f"equations do not have (statements clip with clip(w, lo, hi))")
            bounds = tuple(bounds)
        transmit_reads = set()
        if transmit is not None:
            if not isinstance(transmit, str) or not transmit.strip():
                raise TypeError(f"{owner}: transmit must be an expression such as 'w * r' (what "
                                f"an arriving spike adds to the target), got {transmit!r}")
            node = _parse_expr(owner, transmit, f"the transmit expression {transmit!r}")
            for n in ast.walk(node):
                if isinstance(n, ast.Name) and n.id not in readable and n.id not in FUNCTIONS:
                    raise ValueError(f"{owner}: unknown name {n.id!r} in the transmit expression "
                                     f"{transmit!r}; variables: {sorted(assignable)}, "
                                     f"parameters: {sorted(readable - assignable)}")
            transmit_reads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            transmit = transmit.strip()
        if not pre and not post and transmit is None and w_rate is None:
            raise ValueError(f"{owner}: the rule does nothing: on_pre and on_post are empty")
        used = set().union(*(s.reads() for s in pre + post)) | transmit_reads | \
            {t for t in list(taus.values()) + list(rests.values()) if isinstance(t, str)} | \
            {b for b in bounds or () if isinstance(b, str)}
        unused = [p for p in parameters if p not in used]
        if unused:
            raise ValueError(f"{owner}: parameter(s) {unused} are not used by the equations or "
                             f"the statements")
        changed = {s.target for s in pre + post}
        never = [v for v in variables if v not in changed and v in taus and v not in shared]
        if never:
            raise ValueError(f"{owner}: the trace(s) {never} are never changed by on_pre or "
                             f"on_post (they would stay 0)")
        self.storage = self._storage(variables, pre, post, set(parameters) | shared)
        for v in shared:
            self.storage[v] = "shared"
        if w_rate is not None:
            self.storage[w_rate[0]] = "synapse"
        self.shared = tuple(v for v in variables if v in shared)
        self.w_rate = w_rate
        self.w_bounds = bounds
        self.equations = equations
        self.on_pre, self.on_post = on_pre or "", on_post or ""
        self.parameters = parameters
        self.initial = initial
        self.variables = tuple(variables)
        self.taus = taus
        self.rests = rests
        self.name = name
        self.transmit = transmit
        self.changes_weights = any(st.target == "w" for st in pre + post) or w_rate is not None
        self._pre, self._post = pre, post

    @staticmethod
    def _storage(variables, pre, post, params):
        """Which variables can be kept per presynaptic group / postsynaptic neuron."""
        in_pre = {s.target for s in pre}
        in_post = {s.target for s in post}
        out = {}
        for side, stmts, mine, other in (("pre", pre, in_pre, in_post),
                                         ("post", post, in_post, in_pre)):
            cand = {v for v in variables if v in mine and v not in other and v not in params}
            while True:  # drop those computed from anything but candidates and parameters
                drop = {s.target for s in stmts if s.target in cand
                        and not s.reads() <= cand | params}
                if not drop:
                    break
                cand -= drop
            for v in cand:
                out[v] = side
        for v in variables:
            out.setdefault(v, "synapse")
        return out

    # -- what the engine and the network description read ------------------------------------
    def _check_bounds(self, owner, w):
        return

    def __repr__(self):
        return f"PlasticityRule(name={self.name!r}, variables={list(self.variables)})"

    def __eq__(self, other):
        return isinstance(other, PlasticityRule) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        return (self.equations, self.on_pre, self.on_post, tuple(sorted(self.parameters.items())),
                tuple(sorted(self.initial.items())), self.transmit, self.w_bounds, self.name)

    def _describe(self):
        """The rule as plain data (the network description, :func:`neurosim.io.describe_network`)."""
        return {"type": "PlasticityRule", "name": self.name, "equations": self.equations,
                "on_pre": self.on_pre, "on_post": self.on_post, "transmit": self.transmit,
                "parameters": dict(sorted(self.parameters.items())),
                "initial": dict(sorted(self.initial.items())),
                **({"w_bounds": list(self.w_bounds)} if self.w_bounds is not None else {})}

    def bytes_per_synapse(self):
        """Memory the engine keeps per synapse of this rule, on top of the synapse's own 16 B:
        the look-up tables (table position twice, postsynaptic neuron, delay, postsynaptic
        order: 5 x 8 B; group twice: 2 x 4 B) and, when the rule has variables kept per
        synapse, one float64 each plus the step of the last event. Presynaptic variables are
        kept per (presynaptic neuron, delay) group and postsynaptic ones per neuron."""
        n_syn = len(self.layout()[2])
        return RULE_INDEX_BYTES + (8 * (n_syn + 1) if n_syn else 0)

    def rest_value(self, var):
        """The value trace ``var`` relaxes to (0 for a decaying trace)."""
        rest = self.rests[var]
        return self.parameters[rest] if isinstance(rest, str) else rest

    def tau_value(self, var):
        tau = self.taus[var]
        return self.parameters[tau] if isinstance(tau, str) else tau

    def layout(self):
        """The variables kept per presynaptic group, per postsynaptic neuron and per synapse,
        each in the order of the equations."""
        return tuple(tuple(v for v in self.variables if self.storage[v] == side)
                     for side in ("pre", "post", "synapse"))

    # -- code generation ----------------------------------------------------------------------
    def kernel(self):
        """``(function name, numba source)`` of the rule's step function (see
        :func:`rule_source`); the name is the hash of the source."""
        src = rule_source(self, "RULE_FN")
        name = "rule_" + hashlib.sha256(src.encode()).hexdigest()[:16]
        return name, src.replace("RULE_FN", name)


class _Rename(ast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id=self.names.get(node.id, node.id), ctx=node.ctx),
                                 node)

    def visit_Constant(self, node):
        if isinstance(node.value, int) and not isinstance(node.value, bool):
            return ast.copy_location(ast.Constant(value=float(node.value)), node)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        node.func = ast.Name(id=_FUNCTION_CODE[node.func.id] if node.func.id in _FUNCTION_CODE
                             else node.func.id, ctx=ast.Load())
        return node


def _code(stmts, names, indent):
    out = []
    for s in stmts:
        value = ast.unparse(_Rename(names).visit(ast.parse(ast.unparse(s.node.value),
                                                           mode="eval")).body)
        target = names[s.target]
        if isinstance(s.node, ast.AugAssign):
            op = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(s.node.op)]
            value = f"{target} {op} ({value})"
        out.append(f"{indent}{target} = {value}\n")
    return "".join(out)


def rule_source(rule, fn):
    """Numba source of the functions that apply ``rule`` in step ``k`` (step 5 of the loop).

    ``fn(k, fired, n_fired, weight, target, ring, tables)`` does the whole step on one thread,
    ``tables`` being the tuple of :data:`RULE_FIELDS` built by the simulator for one
    projection: the history of which neurons fired gets this step's (first: a spike on a
    synapse of delay 0 arrives in the step it leaves); (a) presynaptic arrivals of step ``k``
    (found through that history) run ``on_pre`` per synapse, groups of synapses with the same
    presynaptic neuron and delay sharing their presynaptic variables, which the group's own
    statements then update once; (b) postsynaptic spikes of step ``k`` run ``on_post`` on the
    synapses of each neuron that fired.

    The same step in parts, for the threaded loop (:mod:`neurosim.threads`), where each
    synapse belongs to the thread of its postsynaptic neuron: ``fn_hist`` (thread 0: the
    history), ``fn_arrive`` (each thread: (a) on its synapses, listed by ``a_ptr``/``a_p``),
    ``fn_group`` (each thread: the group updates of its share of the arrivals; after a
    barrier, since every thread's (a) reads the groups' values before the update),
    ``fn_post`` (each thread: (b) for the neurons of its range). Every variable is then
    written by one thread, with the values one thread computes.
    """
    pre_v, post_v, syn_v = rule.layout()
    decaying = [v for v in rule.variables if v in rule.taus]
    par_names = sorted(rule.parameters)
    names = {"w": "w"}
    names.update({p: f"par_{p}" for p in par_names})
    names.update({v: f"v_{v}" for v in rule.variables})
    lut_row = {v: i for i, v in enumerate(decaying)}
    tau_row = lut_row

    def read(var, arr, row, col, n):
        """Code reading variable ``var`` relaxed over ``n`` steps into its local:
        ``rest + (x - rest) exp(-n dt / tau)`` (``x exp(...)`` for a decaying trace)."""
        src = f"{arr}[{row}, {col}]"
        if var in rule.taus:
            i = lut_row[var]
            decay = (f"(lut[{i}, {n}] if {n} < n_lut else "
                     f"math.exp(-{n} * dt / taus[{tau_row[var]}]))")
            rest = rule.rests[var]
            if rest == 0.0:
                src += f" * {decay}"
            else:
                r = f"par_{rest}" if isinstance(rest, str) else repr(float(rest))
                src = f"{r} + ({src} - {r}) * {decay}"
        return f"v_{var} = {src}"

    pre_stmts = [s for s in rule._pre if rule.storage.get(s.target) == "pre"]
    post_stmts = [s for s in rule._post if rule.storage.get(s.target) == "post"]
    n_pre, n_post, n_syn = len(pre_v), len(post_v), len(syn_v)
    syn_decay = any(v in rule.taus for v in syn_v)
    arrivals = bool(rule._pre) or rule.transmit is not None
    catch_up = (f"{{indent}}{fn}_catch_up(k, p, weight, tables)\n"
                if rule.w_rate is not None else "")
    # shared variables: one value per projection, changed only by the script (between runs),
    # read decayed to step k
    read_names = set().union(*(st.reads() for st in rule._pre + rule._post))
    if rule.transmit is not None:
        read_names |= {n.id for n in ast.walk(ast.parse(rule.transmit, mode="eval"))
                       if isinstance(n, ast.Name)}

    def head(sig, doc, shared=True):
        out = ["\n", '@numba.njit(cache=True, nogil=True, error_model="numpy")\n',
               f"def {sig}:\n", f'    """{doc} (generated by neurosim.plasticity.rule)."""\n',
               _UNPACK, "    if p_pos.shape[0] == 0:\n        return\n",
               "    dt = dtv[0]\n    n_lut = lut.shape[1]\n    n_hist = hist.shape[0]\n",
               "    row_next = (k + 1) % ring.shape[0]\n" if "ring" in sig else ""]
        out += [f"    par_{p} = par[{i}]\n" for i, p in enumerate(par_names)]
        if shared:
            for j, v in enumerate(rule.shared):
                if v in read_names:
                    out.append(f"    n_h{j} = k - np.int64(sh_tr[{j}, 1])\n")
                    out.append(f"    {read(v, 'sh_tr', j, 0, f'n_h{j}')}\n")
        return "".join(out)

    def syn_read(indent):
        out = ""
        if syn_decay:
            out += f"{indent}n_s = k - np.int64(syn_tr[p, {n_syn}])\n"
        for j, v in enumerate(syn_v):
            out += f"{indent}{read(v, 'syn_tr', 'p', j, 'n_s')}\n"
        return out

    def syn_write(indent):
        out = "".join(f"{indent}syn_tr[p, {j}] = v_{v}\n" for j, v in enumerate(syn_v))
        if n_syn:
            out += f"{indent}syn_tr[p, {n_syn}] = k\n"
        return out

    def read_group(indent):
        """The group ``gi``'s presynaptic variables, read (decayed to k) into ``g_<v>``."""
        out = f"{indent}n_x = k - np.int64(pre_tr[gi, {n_pre}])\n" if n_pre else ""
        for j, v in enumerate(pre_v):
            out += f"{indent}{read(v, 'pre_tr', 'gi', j, 'n_x')}\n{indent}g_{v} = v_{v}\n"
        return out

    def arrival(indent):
        """``on_pre`` on synapse ``p`` of group ``gi`` (its presynaptic values in ``g_<v>``)."""
        out = "".join(f"{indent}v_{v} = g_{v}\n" for v in pre_v)
        if n_post:
            out += (f"{indent}q = p_q[p]\n"
                    f"{indent}n_o = k - np.int64(post_tr[q, {n_post}])\n")
            out += "".join(f"{indent}{read(v, 'post_tr', 'q', j, 'n_o')}\n"
                           for j, v in enumerate(post_v))
        out += catch_up.format(indent=indent) + syn_read(indent)
        out += f"{indent}s = p_pos[p]\n{indent}w = weight[s]\n"
        out += _code(rule._pre, names, indent) + f"{indent}weight[s] = w\n"
        if rule.transmit is not None:  # the arrival acts from the next step on
            expr = ast.unparse(_Rename(names).visit(ast.parse(rule.transmit, mode="eval")).body)
            out += f"{indent}ring[row_next, target[s]] += {expr}\n"
        return out + syn_write(indent)

    def update_group(indent):
        """The group's own statements, once per arrival, from the values it was read with."""
        out = "".join(f"{indent}v_{v} = g_{v}\n" for v in pre_v)
        out += _code(pre_stmts, names, indent)
        out += "".join(f"{indent}pre_tr[gi, {j}] = v_{v}\n" for j, v in enumerate(pre_v))
        return out + (f"{indent}pre_tr[gi, {n_pre}] = k\n" if n_pre else "")

    arrivals_of_step = ("    for i in range(d_values.shape[0]):\n"
                        "        d = d_values[i]\n"
                        "        if k - d < 0:\n            continue\n"
                        "        row = (k - d) % n_hist\n")

    def bisect(ptr, key, indent):
        """``p``: the first synapse of ``g`` with delay ``d`` (or ``end``) among
        ``ptr[g]:ptr[g + 1]`` of the list ``key`` (``p_delay[key(mid)]`` is the delay)."""
        return (f"{indent}lo = {ptr}[g]\n{indent}end = {ptr}[g + 1]\n{indent}hi = end\n"
                f"{indent}while lo < hi:\n"
                f"{indent}    mid = (lo + hi) // 2\n"
                f"{indent}    if p_delay[{key.format('mid')}] < d:\n"
                f"{indent}        lo = mid + 1\n"
                f"{indent}    else:\n{indent}        hi = mid\n")

    # the group of g's synapses of delay d (if any: then p is its first synapse), read
    group_of_arrival = (bisect("ppre_ptr", "{}", "            ")
                        + "            p = lo\n"
                          "            if p < end and p_delay[p] == d:\n"
                          "                gi = p_grp[p]\n"
                        + read_group("                "))

    history = ("    row = k % n_hist\n    n_h = 0\n"
               "    for f in range(n_fired):\n"
               "        g = fired[f]\n"
               "        if has_out[g]:\n"
               "            hist[row, n_h] = g\n            n_h += 1\n"
               "    hist_n[row] = n_h\n")

    def post_pass(lo, hi):
        out = [f"    lo_g = {lo}\n    hi_g = {hi}\n"
               "    for f in range(n_fired):\n"
               "        g = fired[f]\n"
               "        if g < lo_g or g >= hi_g:\n            continue\n"
               "        q = g - post_range[0]\n"]
        w = out.append
        if n_post:
            w(f"        n_o = k - np.int64(post_tr[q, {n_post}])\n")
        for j, v in enumerate(post_v):
            w(f"        {read(v, 'post_tr', 'q', j, 'n_o')}\n")
            w(f"        o_{v} = v_{v}\n")
        w("        for m in range(q_ptr[q], q_ptr[q + 1]):\n"
          "            p = q_syn[m]\n")
        if n_pre:
            w("            gi = q_grp[m]\n"
              f"            n_x = k - np.int64(pre_tr[gi, {n_pre}])\n")
            for j, v in enumerate(pre_v):
                w(f"            {read(v, 'pre_tr', 'gi', j, 'n_x')}\n")
        for v in post_v:
            w(f"            v_{v} = o_{v}\n")
        w(catch_up.format(indent="            "))
        w(syn_read("            "))
        w("            s = q_pos[m]\n            w = weight[s]\n")
        w(_code(rule._post, names, "            "))
        w("            weight[s] = w\n")
        w(syn_write("            "))
        for v in post_v:
            w(f"        v_{v} = o_{v}\n")
        w(_code(post_stmts, names, "        "))
        for j, v in enumerate(post_v):
            w(f"        post_tr[q, {j}] = v_{v}\n")
        if n_post:
            w(f"        post_tr[q, {n_post}] = k\n")
        return "".join(out)

    # -- the whole step, one thread
    lines = [head(f"{fn}(k, fired, n_fired, weight, target, ring, tables)",
                  f"Plasticity rule {rule.name!r}")]
    w = lines.append
    if arrivals:
        w(history)
        w(arrivals_of_step)
        w("        for h in range(hist_n[row]):\n"
          "            g = hist[row, h]\n")
        w(group_of_arrival)
        w("                while p < end and p_delay[p] == d:\n")
        w(arrival("                    "))
        w("                    p += 1\n")
        w(update_group("                "))
    if rule._post:
        w(post_pass("post_range[0]", "post_range[1]"))
    # -- the same in parts, for the threaded loop
    if arrivals:
        w(head(f"{fn}_hist(k, fired, n_fired, tables)", "Step k's history", shared=False))
        w(history)
        w(head(f"{fn}_arrive(k, weight, target, ring, tables, a_ptr, a_p)",
               "Arrivals at this thread's synapses a_p[a_ptr[g]:a_ptr[g + 1]] of each g"))
        w(arrivals_of_step)
        w("        for h in range(hist_n[row]):\n"
          "            g = hist[row, h]\n")
        w(bisect("a_ptr", "a_p[{}]", "            "))
        w("            i_p = lo\n"
          "            if i_p < end and p_delay[a_p[i_p]] == d:\n"
          "                gi = p_grp[a_p[i_p]]\n")
        w(read_group("                "))
        w("                while i_p < end and p_delay[a_p[i_p]] == d:\n"
          "                    p = a_p[i_p]\n")
        w(arrival("                    "))
        w("                    i_p += 1\n")
    if n_pre:
        w(head(f"{fn}_group(k, t, n_thr, tables)",
               "Group updates of thread t's share of step k's arrivals", shared=False))
        w(arrivals_of_step)
        w("        n_h = hist_n[row]\n"
          "        for h in range(n_h * t // n_thr, n_h * (t + 1) // n_thr):\n"
          "            g = hist[row, h]\n")
        w(group_of_arrival)
        w(update_group("                "))
    if rule._post:
        w(head(f"{fn}_post(k, lo_t, hi_t, fired, n_fired, weight, tables)",
               "Postsynaptic spikes of the neurons in [lo_t, hi_t)"))
        w(post_pass("max(post_range[0], lo_t)", "min(post_range[1], hi_t)"))
    if rule.w_rate is not None:
        lines.append(_lazy_weight_source(rule, fn, read))
    return "".join(lines)


_UNPACK = ("    (par, taus, lut, dtv, post_range, p_pos, p_q, p_delay, p_grp, q_grp, q_pos, q_syn,\n"
           "     ppre_ptr, q_ptr, d_values, has_out, hist, hist_n, pre_tr, post_tr, syn_tr,\n"
           "     sh_tr) = tables\n")
_NJIT = '\n\n@numba.njit(cache=True, nogil=True, error_model="numpy")\n'


def _lazy_weight_source(rule, fn, read):
    """The functions of a rule whose weight changes continuously, ``dw/dt = x y`` (``x`` a
    trace of the synapse, ``y`` a shared one): ``<fn>_catch_up`` brings synapse ``p`` to step
    ``k`` (``w += x y tau (1 - exp(-n dt / tau))`` with ``1/tau = 1/tau_x + 1/tau_y``, then
    clipped; its decaying variables decayed to ``k``), ``<fn>_weight_at`` is the weight it would
    have at step ``k`` without changing anything, ``<fn>_weights_at`` the same for many,
    ``<fn>_fired`` catches up the synapses of the neurons that fired (before their spikes are
    pushed; ``<fn>_fired_part`` those of one thread) and ``<fn>_catch_up_all`` every synapse
    (before the script changes a shared variable)."""
    x, y = rule.w_rate
    decaying = [v for v in rule.variables if v in rule.taus]
    i_y, i_eff = decaying.index(y), len(decaying)
    syn_v = rule.layout()[2]
    n_syn = len(syn_v)
    j_x, j_y = syn_v.index(x), rule.shared.index(y)
    par_names = sorted(rule.parameters)
    clip = ""
    if rule.w_bounds is not None:
        lo, hi = (f"par[{par_names.index(b)}]" if isinstance(b, str) else repr(b)
                  for b in rule.w_bounds)
        clip = f"{{ind}}w = min(max(w, {lo}), {hi})\n"
    integral = ("{ind}m = last - np.int64(sh_tr[{j_y}, 1])\n"
                "{ind}y = sh_tr[{j_y}, 0] * (lut[{i_y}, m] if m < n_lut else "
                "math.exp(-m * dt / taus[{i_y}]))\n"
                "{ind}w = weight[s] + syn_tr[p, {j_x}] * y * taus[{i_eff}] * (1.0 - ("
                "lut[{i_eff}, n] if n < n_lut else math.exp(-n * dt / taus[{i_eff}])))\n"
                + clip)
    head = (f"    last = np.int64(syn_tr[p, {n_syn}])\n    n = k - last\n"
            "    dt = dtv[0]\n    n_lut = lut.shape[1]\n    s = p_pos[p]\n")
    out = [_NJIT, f"def {fn}_catch_up(k, p, weight, tables):\n",
           '    """Synapse p brought to step k (generated by neurosim.plasticity.rule)."""\n',
           _UNPACK, head, "    if n <= 0:\n        return\n",
           integral.format(ind="    ", j_y=j_y, i_y=i_y, j_x=j_x, i_eff=i_eff),
           "    weight[s] = w\n"]
    for j, v in enumerate(syn_v):
        if v in rule.taus:
            out.append(f"    {read(v, 'syn_tr', 'p', j, 'n')}\n    syn_tr[p, {j}] = v_{v}\n")
    out.append(f"    syn_tr[p, {n_syn}] = k\n")
    out += [_NJIT, f"def {fn}_weight_at(k, p, weight, tables):\n",
            '    """Weight of synapse p at step k, nothing changed."""\n', _UNPACK, head,
            "    w = weight[s]\n", "    if n > 0:\n",
            integral.format(ind="        ", j_y=j_y, i_y=i_y, j_x=j_x, i_eff=i_eff),
            "    return w\n"]
    out += [_NJIT, f"def {fn}_weights_at(k, weight, tables, ps, out):\n",
            "    for i in range(ps.shape[0]):\n",
            f"        out[i] = {fn}_weight_at(k, ps[i], weight, tables)\n"]
    out += [_NJIT, f"def {fn}_fired(k, fired, n_fired, weight, tables):\n", _UNPACK,
            "    for f in range(n_fired):\n        g = fired[f]\n"
            "        for p in range(ppre_ptr[g], ppre_ptr[g + 1]):\n"
            f"            {fn}_catch_up(k, p, weight, tables)\n"]
    out += [_NJIT, f"def {fn}_fired_part(k, fired, n_fired, weight, tables, a_ptr, a_p):\n",
            "    for f in range(n_fired):\n        g = fired[f]\n"
            "        for i_p in range(a_ptr[g], a_ptr[g + 1]):\n"
            f"            {fn}_catch_up(k, a_p[i_p], weight, tables)\n"]
    out += [_NJIT, f"def {fn}_catch_up_all(k, weight, tables):\n",
            "    for p in range(tables[5].shape[0]):\n",
            f"        {fn}_catch_up(k, p, weight, tables)\n"]
    return "".join(out)


#: Order of the arrays in a projection's rule tables (the ``tables`` tuple of the generated
#: function). ``post_tr`` rows are postsynaptic neurons (step of the last spike in the last
#: column, -1 before the first), ``pre_tr`` rows presynaptic groups (step of the last arrival
#: last), ``syn_tr`` rows synapses (step of the last event last).
RULE_FIELDS = ("par", "taus", "lut", "dt", "post_range", "p_pos", "p_q", "p_delay", "p_grp",
               "q_grp", "q_pos", "q_syn", "ppre_ptr", "q_ptr", "d_values", "has_out", "hist",
               "hist_n", "pre_tr", "post_tr", "syn_tr", "sh_tr")
#: Bytes of look-up tables per synapse of a rule (see :meth:`PlasticityRule.bytes_per_synapse`).
RULE_INDEX_BYTES = 48
#: The fields that change while the simulation runs.
RULE_MUTABLE = frozenset({"pre_tr", "post_tr", "syn_tr", "sh_tr", "hist", "hist_n"})


def build_rule_tables(rule, dt, n_total, pre_g, delay, pos, post_q, n_post, post_range, *,
                      burst=0):
    """The tables of one projection with a :class:`PlasticityRule`, as the tuple of
    :data:`RULE_FIELDS`.

    Parameters
    ----------
    rule : PlasticityRule
    dt : float
    n_total : int
        Neurons in the network.
    pre_g, delay, pos : arrays over the projection's synapses
        Global presynaptic neuron, delay (steps), position in the main table; sorted by
        (pre, delay).
    post_q : array
        Postsynaptic neuron of each synapse, within the postsynaptic population.
    n_post : int
        Neurons in the postsynaptic population.
    post_range : (int, int)
        Global index of its first neuron and of its last + 1.
    burst : int
        See :func:`neurosim.plasticity.synapse_index`.
    """
    pre_v, post_v, syn_v = rule.layout()
    decaying = [v for v in rule.variables if v in rule.taus]
    tau_list = [rule.tau_value(v) for v in decaying]
    if rule.w_rate is not None:  # the weight's integral: 1/tau = 1/tau_x + 1/tau_y
        tau_x, tau_y = (rule.tau_value(v) for v in rule.w_rate)
        tau_list.append(1.0 / (1.0 / tau_x + 1.0 / tau_y))
    taus = np.array(tau_list or [1.0], dtype=np.float64)
    steps = np.arange(LUT_LENGTH, dtype=np.float64)
    with np.errstate(under="ignore"):
        lut = np.exp(-steps[None, :] * dt / taus[:, None])
    if not tau_list:
        lut = lut[:0]
    ix = synapse_index(n_total, pre_g, delay, np.zeros(pre_g.size, dtype=np.int64),
                       post_q, n_post, burst=burst)

    def state(n_rows, names):
        if not names:
            return np.zeros((0, 1))
        arr = np.zeros((n_rows, len(names) + 1))
        for j, v in enumerate(names):
            arr[:, j] = rule.initial.get(v, 0.0)
        return arr

    post_tr = state(n_post, post_v)
    if post_v:
        post_tr[:, -1] = -1.0  # no postsynaptic spike yet
    tables = dict(
        par=np.array([rule.parameters[p] for p in sorted(rule.parameters)], dtype=np.float64),
        taus=taus, lut=lut, dt=np.array([dt]),
        post_range=np.array(post_range, dtype=np.int64),
        p_pos=pos.astype(np.int64), p_q=post_q.astype(np.int64),
        p_delay=delay.astype(np.int64), p_grp=ix["p_grp"], q_grp=ix["q_grp"],
        q_pos=pos.astype(np.int64)[ix["q_syn"]], q_syn=ix["q_syn"], ppre_ptr=ix["ppre_ptr"],
        q_ptr=ix["q_ptr"], d_values=ix["d_values"], has_out=ix["has_out"], hist=ix["hist"],
        hist_n=ix["hist_n"], pre_tr=state(ix["n_grp"], pre_v), post_tr=post_tr,
        syn_tr=state(pre_g.size, syn_v),
        sh_tr=np.array([[rule.initial.get(v, 0.0), 0.0] for v in rule.shared],
                       dtype=np.float64).reshape(-1, 2))
    return tuple(tables[f] for f in RULE_FIELDS)
