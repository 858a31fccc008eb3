"""Run a neurosim network on Brian2 (``Simulator(net, engine="brian2")``).

The network is first realised by neurosim's own builder (initial values, synapses, weights
and delays drawn with the simulator's seed), then handed to Brian2 unchanged, so both engines
simulate the very same network. Brian2 runs its ``numpy`` code-generation target (no compile
wait). Its own random streams (Poisson sources, noise) are seeded with the same seed but differ
from neurosim's.

Conventions bridged (see :mod:`neurosim.simulator`):

- a delay means the same on both (:mod:`neurosim.delays`): a neurosim delay of ``d`` steps
  is a Brian2 delay of ``d dt``;
- neurosim holds a neuron for ``t_ref`` after the reset, Brian2 for ``refractory`` after the
  spike's step start, so Brian2 gets ``refractory = t_ref + dt``;
- state samples are taken at the start of the next step (``when="start"``), which is the
  state at the end of the step neurosim samples.

Schemes: LIF with current synapses ``exact``; LIF with conductances, and Hodgkin-Huxley with
``scheme="exponential_euler"``, Brian2's ``exponential_euler``; AdEx, Izhikevich and
Hodgkin-Huxley with ``scheme="rk4"`` Brian2's ``rk4``; Euler schemes Brian2's ``euler``.
Plasticity: :class:`~neurosim.STDP` (any pairing), :class:`~neurosim.TripletSTDP` and rules
written with ``Plasticity.from_equations`` (their own statements, :func:`_rule_synapses`) run
as Brian2 synaptic equations with event-driven traces (:func:`_plastic_synapses`), with neurosim's timing
convention (a presynaptic spike counts when it arrives, in step ``k + d``; arrivals before
postsynaptic spikes within a step) and the weight a spike transmits taken when it leaves.
``TsodyksMarkram`` runs as its definition (a rule whose ``transmit`` expression is added to
the target when the spike arrives, Brian2's own way to write it); ``RewardSTDP`` is refused at
construction. Weight monitors
(``net.record_weights``) are Brian2 ``StateMonitor`` s of ``w``, sampled as neurosim samples.

Synaptic inputs enter Brian2's integrators continuously rather than as step means, so
non-LIF models agree to the scheme's accuracy, not bitwise. ``NoisyCurrent`` draws its
per-step values from Brian2's ``randn()`` (the same process, another random stream).

Options (``Simulator(..., engine="brian2", engine_options={...})``)
------------------------------------------------------------------
``device`` : {"runtime", "cpp_standalone"}, default "runtime"
    ``"runtime"`` runs the network from Python, one ``run()`` at a time (Brian2's runtime
    mode). ``"cpp_standalone"`` generates a C++ project, compiles it (tens of seconds, each
    fresh directory) and runs it: the simulation loop itself is much faster.
``target`` : {"numpy", "cython"}, default "numpy"
    Brian2's code-generation target in runtime mode (``prefs.codegen.target``). ``"cython"``
    compiles each code object once (cached by Brian2 across processes). Not accepted with
    ``device="cpp_standalone"``.
``directory`` : str, os.PathLike or None, default None
    ``cpp_standalone`` only: where the C++ project is written, compiled and run. ``None`` uses a
    fresh temporary folder under the system's temp folder (:func:`tempfile.mkdtemp`) that is
    deleted once the results are read back; a folder given here is kept (and reused: Brian2's
    makefile recompiles only what changed).

C++ standalone
--------------
Brian2's device is global state and its standalone mode builds one program per simulation. The
engine therefore isolates it: ``Simulator.run`` only *schedules* the steps (any number of
``run()`` calls, with :meth:`~neurosim.Simulator.set_rate` between them), and the first read --
``sim.data[...]``, ``sim.weights``, ``sim.get`` -- builds the whole network in a fresh
``brian2.Network`` under ``set_device("cpp_standalone", build_on_run=False)``, replays the
schedule, compiles and runs the program, copies every record, weight and state variable out,
then calls ``device.reinit()`` and restores the previous device (normally runtime), so runtime
Brian2 simulators made later in the same process work as before. After that read the simulation
is finished: a further ``run()`` or ``set_rate()`` raises ``NotImplementedError`` (use
``device="runtime"`` to alternate runs and reads). Step currents (``StepCurrent``), which the
runtime mode applies with a Python ``network_operation``, are refused with this device.
Reading before any ``run()`` builds and runs a program of zero steps.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import tempfile

import numpy as np

from ..equation_model import EquationModel
from ..inputs import NoisyCurrent, PoissonSource, SpikeTimes
from ..inputs.base import check_engine_inputs
from ..network import SpikeMonitor
from ..neurons import LIF, AdEx, HodgkinHuxley, Izhikevich
from ..plasticity import STDP, TripletSTDP, TsodyksMarkram, as_statements
from ..plasticity.rule import PlasticityRule
from ..records import SpikeRecord, StateRecord
from ..synapses import KIND_DELTA

__all__ = ["Brian2Engine", "OPTIONS"]

#: The options ``engine_options`` accepts, with their defaults.
OPTIONS = {"device": "runtime", "target": None, "directory": None}

ENGINE = "engine 'brian2'"
_DEVICES = ("runtime", "cpp_standalone")
_TARGETS = ("numpy", "cython")


def check_options(options):
    """Validate ``engine_options`` and return them completed with the defaults."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise TypeError(f"Simulator: engine_options must be a dict, got {options!r}")
    unknown = sorted(set(options) - set(OPTIONS), key=repr)
    if unknown:
        raise ValueError(f"Simulator: unknown engine_options {unknown} for {ENGINE}; valid: "
                         f"{sorted(OPTIONS)}")
    out = {**OPTIONS, **options}
    if out["device"] not in _DEVICES:
        raise ValueError(f"Simulator: engine_options['device'] for {ENGINE} must be one of "
                         f"{list(_DEVICES)}, got {out['device']!r}")
    standalone = out["device"] == "cpp_standalone"
    if out["target"] is not None:
        if standalone:
            raise ValueError(f"Simulator: engine_options['target'] applies to device "
                             f"'runtime' only ({ENGINE}), got target={out['target']!r} with "
                             f"device 'cpp_standalone'")
        if out["target"] not in _TARGETS:
            raise ValueError(f"Simulator: engine_options['target'] for {ENGINE} must be one of "
                             f"{list(_TARGETS)}, got {out['target']!r}")
    elif not standalone:
        out["target"] = "numpy"
    if out["directory"] is not None:
        if not standalone:
            raise ValueError(f"Simulator: engine_options['directory'] applies to device "
                             f"'cpp_standalone' only ({ENGINE}), got "
                             f"directory={out['directory']!r} with device 'runtime'")
        if not isinstance(out["directory"], (str, os.PathLike)):
            raise TypeError(f"Simulator: engine_options['directory'] must be a path or None, "
                            f"got {out['directory']!r}")
    return out


def _f(x):
    """A float literal for Brian2's equation strings."""
    return repr(float(x))


def _synaptic_terms(channels):
    """Equation lines and the summed synaptic current for a population's channels (each
    kinetics writes its own lines, ``Synapse._brian2``)."""
    lines, current = [], []
    for c, syn in channels:
        if syn.kind == KIND_DELTA:
            continue
        lines += syn._brian2(c)[0]
        current.append(f"x{c} * ({_f(syn._e_rev())} - v)" if syn.conductance else f"x{c}")
    return lines, " + ".join(current) if current else "0"


def _b2_name(var):
    """Brian2 reserves unit names (``m`` is the metre): the gates get other names there, and
    any other name Brian2 knows as a unit, function or constant gets the suffix ``_ns``."""
    fixed = {"m": "m_na", "h": "h_na", "n": "n_k"}
    if var in fixed:
        return fixed[var]
    from brian2.core.namespace import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS, DEFAULT_UNITS
    if var in DEFAULT_UNITS or var in DEFAULT_FUNCTIONS or var in DEFAULT_CONSTANTS or \
            var in ("t", "dt", "i", "j", "N", "xi", "lastspike", "not_refractory"):
        return var + "_ns"
    return var


def _equation_group(b2, model, i_in, dt):
    """Brian2 equations, threshold, reset and refractoriness of a model written as equations:
    the user's text, read by Brian2's own parser, with ``i_syn`` replaced by the synaptic and
    injected currents, names Brian2 reserves renamed (:func:`_b2_name`), the unit names
    (value 1 in the project's units) replaced by 1, shared parameters by their values and
    per-neuron parameters as constant variables of the group."""
    import ast

    from ..equations import UNITS
    parsed = model._parsed
    shared = {p: model.parameters[p] for p in model._shared()}

    class Rename(ast.NodeTransformer):
        def visit_Call(self, node):  # function names (exp, clip, ...) are Brian2's too
            node.args = [self.visit(a) for a in node.args]
            return node

        def visit_Name(self, node):
            if node.id == "i_syn":
                return ast.Name(id="I_SYN_PLACEHOLDER", ctx=ast.Load())
            if node.id in UNITS:
                return ast.Constant(1)
            if node.id in shared:
                return ast.Constant(float(shared[node.id]))
            return ast.Name(id=_b2_name(node.id), ctx=node.ctx)

    def text(node):
        import copy
        return ast.unparse(Rename().visit(copy.deepcopy(node))).replace("I_SYN_PLACEHOLDER",
                                                                      i_in)

    eqs = []
    for ln in parsed.lines:
        if ln.kind == "diff":
            flag = " (unless refractory)" if ln.name in parsed.clamped else ""
            eqs.append(f"d{_b2_name(ln.name)}/dt = ({text(ln.expr)}) / ms : 1{flag}")
        elif ln.kind == "sub":
            eqs.append(f"{_b2_name(ln.name)} = {text(ln.expr)} : 1")
    eqs += [f"{_b2_name(p)} : 1 (constant)" for p in model._per_neuron]
    thr = parsed.threshold_ast
    op = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<="}[type(thr.ops[0])]
    reset = []
    for target, node in parsed.reset_statements:
        op_text = "=" if isinstance(node, ast.Assign) else {
            ast.Add: "+=", ast.Sub: "-=", ast.Mult: "*=", ast.Div: "/="}[type(node.op)]
        reset.append(f"{_b2_name(target)} {op_text} {text(node.value)}")
    kwargs = dict(threshold=f"{text(thr.left)} {op} {text(thr.comparators[0])}",
                  reset="\n".join(reset),
                  refractory=(model.refractory + dt) * b2.ms
                  if model._refractory_condition is None
                  else text(model._refractory_condition[3].left) + " " + {
                      ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<="}[
                      type(model._refractory_condition[3].ops[0])] + " " +
                  text(model._refractory_condition[3].comparators[0]),
                  method=model.integration)
    return eqs, kwargs


def _neuron_group(b2, pop, channels, dt, name):
    model = pop.model
    syn_lines, i_syn = _synaptic_terms(channels)
    i_in = f"(i_inj + i_noise + {i_syn})"
    extra = ["i_inj : 1", "i_noise : 1", "noise_mean : 1", "noise_std : 1",
             "noise_start : 1", "noise_stop : 1"] + syn_lines
    if isinstance(model, LIF):
        conductance = any(syn.conductance for _, syn in channels)
        eqs = [f"dv/dt = (-(v - {_f(model.e_leak)}) / {_f(model.tau_m)} + "
               f"({_f(model.i_e)} + {i_in}) / {_f(model.c_m)}) / ms : 1 (unless refractory)"]
        kwargs = dict(threshold=f"v >= {_f(model.v_th)}", reset=f"v = {_f(model.v_reset)}",
                      refractory=(model.t_ref + dt) * b2.ms,
                      method="exponential_euler" if conductance else "exact")
    elif isinstance(model, AdEx):
        cut = _f(model.v_peak)
        eqs = [f"dv/dt = (-{_f(model.g_leak)} * (vc - {_f(model.e_leak)}) + {_f(model.g_leak)} * "
               f"{_f(model.delta_t)} * exp((vc - {_f(model.v_t)}) / {_f(model.delta_t)}) - w + "
               f"{_f(model.i_e)} + {i_in}) / ({_f(model.c_m)} * ms) : 1 (unless refractory)",
               f"dw/dt = ({_f(model.a)} * (vc - {_f(model.e_leak)}) - w) / ({_f(model.tau_w)} "
               f"* ms) : 1",
               f"vc = clip(v, -1e9, {cut}) : 1"]
        kwargs = dict(threshold=f"v >= {cut}",
                      reset=f"v = {_f(model.v_reset)}; w += {_f(model.b)}",
                      refractory=(model.t_ref + dt) * b2.ms,
                      method="rk4" if model.scheme == "rk4" else "euler")
    elif isinstance(model, Izhikevich):
        cut = _f(model.v_peak)
        eqs = [f"dv/dt = (0.04 * vc**2 + 5 * vc + 140 - u + ({_f(model.i_e)} + {i_in}) / "
               f"{_f(model.c_m)}) / ms : 1",
               f"du/dt = {_f(model.a)} * ({_f(model.b)} * vc - u) / ms : 1",
               f"vc = clip(v, -1e9, {cut}) : 1"]
        kwargs = dict(threshold=f"v >= {cut}",
                      reset=f"v = {_f(model.c)}; u += {_f(model.d)}",
                      method="rk4" if model.scheme == "rk4" else "euler")
    elif isinstance(model, HodgkinHuxley):
        m = model
        eqs = [f"dv/dt = (-{_f(m.g_na)} * m_na**3 * h_na * (v - {_f(m.e_na)}) - {_f(m.g_k)} * "
               f"n_k**4 * (v - {_f(m.e_k)}) - {_f(m.g_leak)} * (v - {_f(m.e_leak)}) + "
               f"{_f(m.i_e)} + {i_in}) / ({_f(m.c_m)} * ms) : 1",
               "dm_na/dt = (0.1 * (v + 40) / (1 - exp(-(v + 40) / 10)) * (1 - m_na) "
               "- 4 * exp(-(v + 65) / 18) * m_na) / ms : 1",
               "dh_na/dt = (0.07 * exp(-(v + 65) / 20) * (1 - h_na) "
               "- h_na / (1 + exp(-(v + 35) / 10))) / ms : 1",
               "dn_k/dt = (0.01 * (v + 55) / (1 - exp(-(v + 55) / 10)) * (1 - n_k) "
               "- 0.125 * exp(-(v + 65) / 80) * n_k) / ms : 1"]
        kwargs = dict(threshold=f"v >= {_f(m.v_th)}", refractory=f"v >= {_f(m.v_th)}",
                      method="rk4" if m.scheme == "rk4" else "exponential_euler")
    elif isinstance(model, EquationModel):
        eqs, kwargs = _equation_group(b2, model, i_in, dt)
    else:  # pragma: no cover - every neuron model is listed above
        raise NotImplementedError(f"engine 'brian2' does not support {type(model).__name__}")
    return b2.NeuronGroup(pop.n, "\n".join(eqs + extra), name=name, dt=dt * b2.ms, **kwargs)


def _connect(s, pre, post):
    """Connect Brian2 synapses from index arrays; a projection that drew no synapse is connected
    with ``False`` (Brian2's ``connect(i=[], j=[])`` fails on the empty arrays, and an unconnected
    ``Synapses`` object is an error at run time)."""
    if len(pre):
        s.connect(i=pre, j=post)
    else:
        s.connect(False)


def _plastic_synapses(b2, source, target, on_transmit, rule, pre, post, w, d, dt, name):
    """Synapses with STDP written as Brian2 equations, following neurosim's conventions.

    Four pathways, ordered within a step: ``emit`` (no delay) stores the weight a spike leaves
    with, as neurosim pushes the weight at emission; ``pre`` transmits it with delay
    ``d dt``; ``plast`` applies the presynaptic arrival to the rule, with the same delay
    (after ``pre``); ``post`` applies postsynaptic spikes. A spike whose successor leaves the same
    synapse before it arrives (interval shorter than the delay) transmits the successor's
    weight here, unlike neurosim.
    """
    if isinstance(rule, PlasticityRule):
        return _rule_synapses(b2, source, target, on_transmit, rule, pre, post, w, d, dt, name)
    nearest = rule.pairing in ("nearest", "reduced")
    # Reduced pairing (STDP only): a flag per side says whether the other side spiked since
    # this side's last event; a spike pairs only if it did, and clears the flag it used.
    reduced = rule.pairing == "reduced"
    if isinstance(rule, TripletSTDP):
        a_plus, a_minus, a3_plus, a3_minus = rule.a2_plus, rule.a2_minus, rule.a3_plus, \
            rule.a3_minus
        tau_x, tau_y, mult = rule.tau_x, rule.tau_y, False
    else:
        a_plus, a_minus, a3_plus, a3_minus = rule.a_plus, rule.a_minus, 0.0, 0.0
        tau_x = tau_y = 1.0
        mult = rule.dependence == "multiplicative"
    bump = "= 1" if nearest else "+= 1"
    f_minus = f"(w - {_f(rule.w_min)})" if mult else "1"
    f_plus = f"({_f(rule.w_max)} - w)" if mult else "1"
    model = f"""w : 1
        w_sent : 1
        pre_new : 1
        post_new : 1
        dr1/dt = -r1 / ({_f(rule.tau_plus)}*ms) : 1 (event-driven)
        dr2/dt = -r2 / ({_f(tau_x)}*ms) : 1 (event-driven)
        do1/dt = -o1 / ({_f(rule.tau_minus)}*ms) : 1 (event-driven)
        do2/dt = -o2 / ({_f(tau_y)}*ms) : 1 (event-driven)"""
    gate_pre, gate_post = ("post_new", "pre_new") if reduced else ("1", "1")
    plast = (f"w = clip(w - o1 * ({_f(a_minus)} + {_f(a3_minus)} * r2) * {f_minus} * "
             f"{gate_pre}, {_f(rule.w_min)}, {_f(rule.w_max)})\nr1 {bump}\nr2 {bump}\n"
             f"post_new = 0\npre_new = 1")
    on_post = (f"w = clip(w + r1 * ({_f(a_plus)} + {_f(a3_plus)} * o2) * {f_plus} * "
               f"{gate_post}, {_f(rule.w_min)}, {_f(rule.w_max)})\no1 {bump}\no2 {bump}\n"
               f"pre_new = 0\npost_new = 1")
    s = b2.Synapses(source, target, model,
                    on_pre={"emit": "w_sent = w", "pre": re.sub(r"\bw\b", "w_sent", on_transmit),
                            "plast": plast},
                    on_post={"post": on_post}, dt=dt * b2.ms, name=name)
    _connect(s, pre, post)
    s.w = w
    s.emit.delay = 0 * b2.ms
    s.pre.delay = np.asarray(d, dtype=float) * dt * b2.ms
    s.plast.delay = np.asarray(d, dtype=float) * dt * b2.ms
    s.emit.order, s.pre.order, s.plast.order, s.post.order = -2, -1, 0, 1
    return s


def _rule_synapses(b2, source, target, on_transmit, rule, pre, post, w, d, dt, name):
    """Synapses with a :class:`~neurosim.plasticity.rule.PlasticityRule`: its variables as
    synaptic variables (traces event-driven), its statements as the ``plast`` and ``post``
    pathways, ordered and delayed as in :func:`_plastic_synapses`; parameters in the
    namespace."""
    lines = ["w : 1", "w_sent : 1"]
    for var in rule.variables:
        if var in rule.taus:
            tau = rule.taus[var]
            tau = f"({tau} * ms)" if isinstance(tau, str) else f"({_f(tau)} * ms)"
            rest = rule.rests[var]
            rest = rest if isinstance(rest, str) else _f(rest)
            lines.append(f"d{var}/dt = ({rest} - {var}) / {tau} : 1 (event-driven)")
        else:
            lines.append(f"{var} : 1")

    def code(text):
        return "\n".join(st.strip() for st in re.split(r"[;\n]", text) if st.strip())

    if rule.transmit is not None:  # the arrival runs on_pre, then transmits (one pathway)
        on_pre = {"plast": "\n".join(
            filter(None, [code(rule.on_pre),
                          re.sub(r"\bw\b", f"({rule.transmit})", on_transmit)]))}
    else:
        on_pre = {"emit": "w_sent = w", "pre": re.sub(r"\bw\b", "w_sent", on_transmit)}
    on_post = {}
    if code(rule.on_pre) and rule.transmit is None:
        on_pre["plast"] = code(rule.on_pre)
    if code(rule.on_post):
        on_post["post"] = code(rule.on_post)
    s = b2.Synapses(source, target, "\n".join(lines), on_pre=on_pre, on_post=on_post or None,
                    dt=dt * b2.ms, name=name, namespace=dict(rule.parameters, ms=b2.ms))
    _connect(s, pre, post)
    s.w = w
    for var, value in rule.initial.items():
        setattr(s, var, value)
    if "emit" in on_pre:
        s.emit.delay = 0 * b2.ms
        s.pre.delay = np.asarray(d, dtype=float) * dt * b2.ms
        s.emit.order, s.pre.order = -2, -1
    if "plast" in on_pre:
        s.plast.delay = np.asarray(d, dtype=float) * dt * b2.ms
        s.plast.order = 0
    if on_post:
        s.post.order = 1
    return s


class Brian2Engine:
    """Brian2 side of a :class:`neurosim.Simulator` (made by it; not for direct use).

    Parameters
    ----------
    sim : Simulator
        The simulator, already built (its realised network is copied to Brian2).
    options : dict or None
        ``engine_options``: ``device`` ("runtime" or "cpp_standalone"), ``target`` ("numpy"
        or "cython", runtime only), ``directory`` (cpp_standalone only); see the module
        docstring.
    """

    def __init__(self, sim, options=None):
        self._options = check_options(options)
        import brian2 as b2

        self._b2 = b2
        self._sim = sim
        self._standalone = self._options["device"] == "cpp_standalone"
        net = sim.network
        check_engine_inputs(net, ENGINE)
        if self._standalone and sim.built.inputs["currents"].step.size:
            raise NotImplementedError(
                f"{ENGINE} with engine_options device='cpp_standalone' does not support "
                f"StepCurrent, DCCurrent or RampCurrent injections (applied by a Python "
                f"network_operation); use device "
                f"'runtime' or engine 'neurosim'")
        for proj in net.projections:
            if proj.plasticity is not None and not isinstance(
                    proj.plasticity, (STDP, TripletSTDP, TsodyksMarkram, PlasticityRule)):
                raise NotImplementedError(
                    f"engine 'brian2' does not run {type(proj.plasticity).__name__} (projection "
                    f"{proj.name!r}); it runs STDP, TripletSTDP, TsodyksMarkram and rules "
                    f"written with Plasticity.from_equations; use engine 'neurosim'")
            if isinstance(proj.plasticity, PlasticityRule) and (
                    proj.plasticity.shared or proj.plasticity.w_rate is not None):
                raise NotImplementedError(
                    f"engine 'brian2' does not run the rule {proj.plasticity.name!r} "
                    f"(projection {proj.name!r}): its shared variables and a weight that "
                    f"changes continuously (dw/dt = ...) are integrated lazily by neurosim "
                    f"only; use engine 'neurosim'")
        for inj in net.injections:
            if isinstance(inj.current, NoisyCurrent):
                targets = inj.neurons
                if len(np.unique(targets)) != len(targets) or sum(
                        isinstance(other.current, NoisyCurrent)
                        and other.population is inj.population for other in net.injections) > 1:
                    raise NotImplementedError("engine 'brian2' supports one NoisyCurrent per "
                                              "population (without repeated neurons)")
        if self._standalone:
            # Everything Brian2 does happens at the first read (_standalone_build): until then
            # the engine keeps the schedule of run() and set_rate() calls.
            self._schedule = []
            self._results = None
        else:
            self._construct()

    def _construct(self):
        """Make the Brian2 objects in a fresh ``brian2.Network`` on the active device."""
        b2, sim = self._b2, self._sim
        net, dt = sim.network, sim.dt
        if not self._standalone:
            b2.prefs.codegen.target = self._options["target"]
        b2.seed(sim.seed)
        self._net = b2.Network()
        pops = sim.built.pops
        by_pop = {i: [] for i in range(len(pops))}
        for (p, syn), c in sim.built.channel_ids.items():
            by_pop[p].append((c, syn))
        self._groups = []
        for i, pop in enumerate(pops):
            model = pop.model
            lo, hi = sim.built.pop_start[i], sim.built.pop_start[i + 1]
            if isinstance(model, PoissonSource):
                rates = np.broadcast_to(np.asarray(model.rate, dtype=float), (pop.n,))
                group = b2.PoissonGroup(pop.n, rates=rates * b2.Hz, dt=dt * b2.ms,
                                        name=f"ns_pop{i}")
            elif isinstance(model, SpikeTimes):
                st = sim.built.inputs["spike_times"]
                idx = st.idx - lo
                keep = (idx >= 0) & (idx < pop.n)
                group = b2.SpikeGeneratorGroup(pop.n, idx[keep], st.step[keep] * dt * b2.ms,
                                               dt=dt * b2.ms, name=f"ns_pop{i}")
            else:
                group = _neuron_group(b2, pop, by_pop[i], dt, f"ns_pop{i}")
                for row, var in enumerate(model.state_vars):
                    setattr(group, _b2_name(var), sim.built.neurons.state[row, lo:hi])
                if isinstance(model, EquationModel):  # per-neuron parameters, as drawn
                    for k, q in enumerate(model._per_neuron):
                        setattr(group, _b2_name(q),
                                sim.built.neurons.state[len(model.state_vars) + k, lo:hi])
            if isinstance(model, (LIF, AdEx, Izhikevich, HodgkinHuxley)):
                self._add_noise(group, pop, net, dt)
            self._groups.append(group)
            self._net.add(group)
        self._group_of = {id(p): g for p, g in zip(pops, self._groups)}
        self._syn_of = {}

        for k, (proj, c, (pre, post, w, d)) in enumerate(zip(net.projections, sim.built.proj_channel,
                                                             sim.built.tables)):
            syn = proj.synapse
            if syn.kind == KIND_DELTA:
                on_pre = "v_post += w * int(not_refractory_post)" if hasattr(
                    self._group_of[id(proj.post)], "not_refractory") else "v_post += w"
            else:
                _, var, factor = syn._brian2(c)
                on_pre = f"{var}_post += w" + (f" * {_f(factor)}" if factor != 1.0 else "")
            # Names that are the same in every process: Brian2 writes them into the generated
            # code, so a name that changed between processes (an id()) defeated the cython
            # cache and recompiled every synapse code object in every process.
            name = f"ns_syn{k}"
            if proj.plasticity is None:
                delays = np.asarray(d, dtype=float) * dt
                # One delay for the whole projection: Brian2's homogeneous (scalar) delay,
                # without a per-synapse delay array (8 bytes per synapse; same speed).
                same = delays.size > 0 and bool((delays == delays[0]).all())
                s = b2.Synapses(self._group_of[id(proj.pre)], self._group_of[id(proj.post)],
                                "w : 1", on_pre=on_pre, dt=dt * b2.ms, name=name,
                                delay=delays[0] * b2.ms if same else None)
                _connect(s, pre, post)
                s.w = w
                if not same:
                    s.delay = delays * b2.ms
            else:
                s = _plastic_synapses(b2, self._group_of[id(proj.pre)],
                                      self._group_of[id(proj.post)], on_pre,
                                      as_statements(proj.plasticity) if isinstance(
                                          proj.plasticity, TsodyksMarkram) else proj.plasticity,
                                      pre, post, w, d, dt, name)
            self._syn_of[id(proj)] = s
            self._net.add(s)

        # Independent Poisson drive: Brian2's PoissonInput (a binomial count of N trials of
        # probability rate dt per step, applied at the start of the step, as neurosim applies
        # its Poisson count in the step it is drawn).
        for inp, c in zip(net.poisson_inputs, sim.built.pin_channel):
            group = self._group_of[id(inp.population)]
            idx = inp.neurons
            if idx.size == 0:
                continue
            if not np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size)):
                raise NotImplementedError(
                    f"engine 'brian2' applies a poisson_input to a contiguous range of neurons "
                    f"(Brian2's PoissonInput targets a group or a slice); {inp.name!r} targets "
                    f"{idx.size} scattered neurons; use engine 'neurosim'")
            if inp.rate * dt / 1000.0 > 1.0:
                raise NotImplementedError(
                    f"engine 'brian2': poisson_input {inp.name!r} has rate {inp.rate!r} Hz, "
                    f"above one spike per step of dt = {dt!r} ms, which Brian2's PoissonInput "
                    f"(a binomial count per step) cannot draw; use engine 'neurosim'")
            target = group[int(idx[0]):int(idx[0]) + idx.size]
            syn = inp.synapse
            if syn.kind == KIND_DELTA:
                var, weight = "v", (f"{_f(inp.weight)} * int(not_refractory)"
                                    if hasattr(group, "not_refractory") else _f(inp.weight))
            else:
                _, var, factor = syn._brian2(c)
                weight = _f(inp.weight * factor)
            pin = b2.PoissonInput(target, var, inp.n, inp.rate * b2.Hz, weight, when="start")
            self._net.add(pin)

        self._mons = {}
        for k, mon in enumerate(sim.built.monitors):
            group = self._group_of[id(mon.population)]
            if isinstance(mon, SpikeMonitor):
                m = b2.SpikeMonitor(group, name=f"ns_mon{k}")
            else:
                # At the start of step k Brian2 sees the state after step k - 1, which is
                # neurosim's sample after step k - 1 (time k dt); see record().
                every = sim.built.every_steps[mon] * dt
                m = b2.StateMonitor(group, _b2_name(mon.variable), record=mon.neurons,
                                    dt=every * b2.ms, when="start", name=f"ns_mon{k}")
            self._mons[id(mon)] = m
            self._net.add(m)
        # Weight monitors: a StateMonitor of w on the projection's Synapses, whose synapse
        # indices are the projection's table order (connect(i=pre, j=post) in that order).
        for k, mon in enumerate(sim.built.weight_monitors):
            n = sim.built.proj_tables[id(mon.projection)][1].size
            cols = np.arange(n) if mon.synapses is None else mon.synapses
            m = b2.StateMonitor(self._syn_of[id(mon.projection)], "w", record=cols,
                                dt=sim.built.every_steps[mon] * dt * b2.ms, when="start",
                                name=f"ns_wmon{k}")
            self._mons[id(mon)] = m
            self._net.add(m)

        # Step currents: a per-step Python operation that applies due switches (cheap on the
        # numpy target, and exact to the step).
        self._inj = tuple(sim.built.inputs["currents"])
        if self._inj[0].size:
            offsets = sim.built.pop_start

            @b2.network_operation(dt=dt * b2.ms, when="start")
            def apply_currents(t):
                k = int(round(float(t / b2.ms) / dt))
                steps, idx, val, ptr = self._inj
                while ptr[0] < steps.size and steps[ptr[0]] <= k:
                    g = idx[ptr[0]]
                    p = int(np.searchsorted(offsets, g, side="right") - 1)
                    group = self._groups[p]
                    group.i_inj[g - offsets[p]] = group.i_inj[g - offsets[p]] + val[ptr[0]]
                    ptr[0] += 1
            self._net.add(apply_currents)

    def _add_noise(self, group, pop, net, dt):
        """Per-step Gaussian current of a NoisyCurrent, drawn at the start of each step."""
        group.noise_stop = -1.0
        for inj in net.injections:
            if inj.population is pop and isinstance(inj.current, NoisyCurrent):
                cur = inj.current
                group.noise_mean[inj.neurons] = cur.mean
                group.noise_std[inj.neurons] = cur.std
                group.noise_start[inj.neurons] = round(cur.start / dt)
                group.noise_stop[inj.neurons] = (1e300 if math.isinf(cur.stop)
                                                 else round(cur.stop / dt))
                group.run_regularly(
                    "i_noise = int(t_in_timesteps >= noise_start and "
                    "t_in_timesteps < noise_stop) * (noise_mean + noise_std * randn())",
                    dt=dt * self._b2.ms, when="start")

    # ------------------------------------------------------------------------------------------
    def _refuse_after_build(self, what):
        if self._results is not None:
            raise NotImplementedError(
                f"{ENGINE} with engine_options device='cpp_standalone' cannot {what} after the "
                f"results were read (sim.data, sim.weights or sim.get built and ran the C++ "
                f"program, which is one simulation); schedule every run() before the first "
                f"read, or use device 'runtime'")

    def _standalone_build(self):
        """Build, compile and run the scheduled simulation once; keep every result in numpy.

        Brian2's device is global: it is switched to ``cpp_standalone`` only inside this call
        and restored (after ``device.reinit()``) before returning, also on errors.
        """
        if self._results is not None:
            return self._results
        b2, sim = self._b2, self._sim
        from brian2.devices.device import all_devices, get_device, reset_device, runtime_device

        previous = get_device()
        if previous is not runtime_device:
            raise RuntimeError(f"{ENGINE} with device 'cpp_standalone' switches Brian2's global "
                               f"device itself, but another one is active ({previous!r}); "
                               f"call brian2.set_device('runtime') first")
        device = all_devices["cpp_standalone"]
        own_dir = self._options["directory"] is None
        directory = (tempfile.mkdtemp(prefix="neurosim_brian2_standalone_") if own_dir
                     else os.fspath(self._options["directory"]))
        device.reinit()  # start from a clean device, whatever an earlier build left
        b2.set_device(device, build_on_run=False)
        try:
            self._construct()
            n_done = 0
            for entry in self._schedule:
                if entry[0] == "run":
                    self._net.run(entry[1] * sim.dt * b2.ms)
                    n_done += entry[1]
                else:
                    self._group_of[id(entry[1])].rates = entry[2] * b2.Hz
            if n_done == 0:
                self._net.run(0 * b2.ms)
            device.build(directory=directory, compile=True, run=True, with_output=False)
            results = {"record": {}, "weights": {}, "state": {}}
            for mon in sim.built.monitors:
                results["record"][id(mon)] = self._record_now(mon)
            for mon in sim.built.weight_monitors:
                results["record"][id(mon)] = self._weights_now(mon)
            for proj in sim.network.projections:
                results["weights"][id(proj)] = np.array(self._syn_of[id(proj)].w[:])
            for pop in sim.built.pops:
                if isinstance(pop.model, (PoissonSource, SpikeTimes)):
                    continue
                group = self._group_of[id(pop)]
                results["state"][id(pop)] = {
                    var: np.array(getattr(group, _b2_name(var)))
                    for var in pop.model.state_vars}
        finally:
            # The objects belong to the standalone device, which reinit() empties.
            self._net = self._groups = self._group_of = self._syn_of = self._mons = None
            try:
                device.reinit()
                reset_device()  # back to the device active before set_device (runtime)
            finally:
                if own_dir:
                    shutil.rmtree(directory, ignore_errors=True)
        self._results = results
        return results

    def run(self, n_steps):
        if self._standalone:
            self._refuse_after_build("run")
            self._schedule.append(("run", int(n_steps)))
            return
        # The target is a global preference; set it again in case another simulator changed it.
        self._b2.prefs.codegen.target = self._options["target"]
        self._net.run(n_steps * self._sim.dt * self._b2.ms)

    def record(self, monitor):
        if self._standalone:
            return self._standalone_build()["record"][id(monitor)]
        return self._record_now(monitor)

    def _record_now(self, monitor):
        b2, sim = self._b2, self._sim
        m = self._mons[id(monitor)]
        if isinstance(monitor, SpikeMonitor):
            times = np.asarray(m.t / b2.ms)
            steps = np.rint(times / sim.dt).astype(np.int64)
            order = np.argsort(steps, kind="stable")
            return SpikeRecord(times=steps[order] * sim.dt, neurons=np.asarray(m.i)[order],
                               steps=steps[order], n_neurons=monitor.population.n,
                               t_start=0.0, t_stop=sim.t, population=monitor.population.name)
        name = _b2_name(monitor.variable)
        group = self._group_of[id(monitor.population)]
        times, values = self._samples(monitor, m, name, lambda: getattr(group, name),
                                      monitor.neurons)
        return StateRecord(times=times, values=values,
                           neurons=monitor.neurons, variable=monitor.variable,
                           population=monitor.population.name)

    def record_weights(self, monitor, cols):
        """``(times, values)`` of a weight monitor, sampled as neurosim samples them."""
        if self._standalone:
            return self._standalone_build()["record"][id(monitor)]
        return self._weights_now(monitor)

    def _weights_now(self, monitor):
        m = self._mons[id(monitor)]
        syn = self._syn_of[id(monitor.projection)]
        return self._samples(monitor, m, "w", lambda: syn.w[:], np.asarray(m.record))

    def _samples(self, monitor, m, name, current, recorded):
        """``(times, values)`` of the Brian2 StateMonitor ``m`` of variable ``name``, sampled
        as neurosim samples: the sample at t = 0 dropped (neurosim records after steps) and
        the value after the last step added (Brian2 would take it only at the start of the
        next run) from ``current()``, the variable's whole array now, at ``recorded``."""
        sim = self._sim
        values = np.asarray(getattr(m, name)).T.reshape(-1, recorded.size)
        steps = np.rint(np.asarray(m.t / self._b2.ms) / sim.dt).astype(np.int64)
        values, steps = values[steps > 0], steps[steps > 0]
        if sim.step > 0 and sim.step % sim.built.every_steps[monitor] == 0:
            values = np.vstack([values, np.asarray(current())[recorded][None, :]])
            steps = np.append(steps, sim.step)
        return steps * sim.dt, values

    def weights(self, projection):
        """Current weights of a projection, in the order of its synapse table."""
        if self._standalone:
            return self._standalone_build()["weights"][id(projection)].copy()
        return np.array(self._syn_of[id(projection)].w[:])

    def set_rate(self, population, rates_hz):
        if self._standalone:
            self._refuse_after_build("set_rate")
            self._schedule.append(("rate", population, np.array(rates_hz, dtype=float)))
            return
        self._group_of[id(population)].rates = rates_hz * self._b2.Hz

    def get(self, population, variable):
        if self._standalone:
            return self._standalone_build()["state"][id(population)][variable].copy()
        return np.array(getattr(self._group_of[id(population)], _b2_name(variable)))
