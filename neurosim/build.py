"""Build: a :class:`~neurosim.Network` description into the named arrays the engine runs on.

:func:`build` reads the description once -- draws the initial values from the simulator's
generator, then the connectivity, the weights and the delays of each projection from
generators of its own seeded from it, in an order that does not depend on anything else --
and returns a :class:`Build`. The synapses go straight into their table positions, a block of
rows at a time (the row counts are drawn first, :meth:`Connector._stream`), so a build peaks
at little more than the tables it keeps (``BUILD_BYTES_PER_SYNAPSE``).

Its arrays are grouped in named tuples, which the generated loop (:mod:`neurosim.loop`)
receives as they are and reads by name, and which checkpoints (:mod:`neurosim.checkpoint`)
store under ``group.field`` names:

- :class:`Neurons`: populations (first neuron, kernel kind, parameter row, receptor
  channels), the state (one row per state variable or per-neuron parameter), refractory
  counts, injected currents;
- :class:`Channels`: receptor channels (first slot, propagator coefficients, reversal
  potential), their two state variables per slot and the delay ring buffer;
- :class:`Synapses`: the synapse table in CSR form (by presynaptic neuron); the synapses of
  rules that decide what an arrival transmits (``transmit=``, e.g. ``TsodyksMarkram``) come
  after ``indptr[-1]``: they are not pushed at emission, their rule delivers them;
- ``inputs``: the tables of each registered input block by name
  (:mod:`neurosim.inputs`: current events, noise currents, spike-time sources, Poisson
  sources and drives); the loop receives those the network uses, as the tuple ``inp``;
- ``ul``: one table tuple per projection with plasticity, every rule running as statements
  (the built-in ones through their definitions; :data:`neurosim.plasticity.rule.RULE_FIELDS`).

The rest of a :class:`Build` says where things are (populations, projections' table
positions, monitors, sampling periods) for the simulator and the Brian2 and NEST engines.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from . import _checks
from . import connectivity as _connectivity
from .connectivity import (
    BYTES_PER_SYNAPSE,
    _place_pairs,
    _place_rows,
    _row_blocks,
)
from .delays import delay_steps, ring_buffer
from .distributions import Distribution, draw
from .equation_model import KIND_EQUATIONS
from .inputs import INPUTS, spike_probability
from .inputs.base import BuildContext, input_items
from .loop import compiled_module
from .network import SpikeMonitor, StateMonitor
from .neurons import N_CHANNEL_COEFS, N_STATE_ROWS, NeuronModel
from .plasticity import RewardSTDP, as_statements
from .plasticity.rule import RULE_FIELDS, build_rule_tables
from .threads import thread_tables
from .units import to_steps

__all__ = ["build", "Build", "Neurons", "Channels", "Synapses", "Recording",
           "spike_probability", "KIND_SOURCES"]

#: Kind codes of the spike-source populations whose input block runs as their kernel
#: (``"population"`` blocks, numbered from here in registration order); -1 for a population
#: no kernel runs (its block emits after the populations).
KIND_SOURCES = 10

#: Transient memory per plastic synapse while its tables are built (sort keys, inverse orders).
_PLASTIC_BUILD_BYTES_PER_SYNAPSE = 48
#: Memory per synapse at the peak of the build of streamed rules, the tables' 16 B included:
#: what the pre-build check asks for. Measured 2026-12-04 with
#: ``python benchmarks/bench_column.py --scale 1.0 --only ours`` (Potjans-Diesmann column,
#: 298.9 M synapses of FixedTotalNumber, Normal weights and delays): peak RSS during the
#: build minus RSS before it = 16.6 B per synapse (16.3 B after it); rounded up.
BUILD_BYTES_PER_SYNAPSE = 17


class Neurons(NamedTuple):
    """Populations and neuron state (global neuron index ``g``; population ``p``)."""
    pop_start: np.ndarray   #: first neuron of each population, and the total (int64, P + 1)
    pop_kind: np.ndarray    #: kernel code of each population (int64)
    pop_par: np.ndarray     #: parameter row of each population (float64, P x n)
    pop_ch_ptr: np.ndarray  #: channels of population p: pop_ch[pop_ch_ptr[p]:pop_ch_ptr[p+1]]
    pop_ch: np.ndarray      #: channel indices grouped by population
    state: np.ndarray       #: state variables and per-neuron parameters (float64, rows x N)
    refrac: np.ndarray      #: refractory count (int32, N: half the memory traffic of int64)
    i_inj: np.ndarray       #: injected current of this step, pA (noise included)
    i_det: np.ndarray       #: deterministic injected current, pA


class Channels(NamedTuple):
    """Receptor channels: one per (postsynaptic population, synapse kinetics)."""
    start: np.ndarray  #: first slot of each channel (its population's neurons follow)
    coef: np.ndarray   #: propagator coefficients (neurons.channel_coefficients)
    erev: np.ndarray   #: reversal potential, mV (conductance channels)
    x1: np.ndarray     #: first state variable per slot
    x2: np.ndarray     #: second state variable per slot (alpha kinetics)
    ring: np.ndarray   #: delay ring buffer, (max delay + 2) x slots (neurosim.delays)


class Synapses(NamedTuple):
    """The synapse table, CSR by presynaptic neuron: ``[0, indptr[-1])`` pushed at emission;
    after it the synapses whose rule transmits at arrival, CSR by ``tx_indptr``."""
    indptr: np.ndarray  #: synapses of neuron g: [indptr[g], indptr[g + 1])
    target: np.ndarray  #: channel slot of each synapse (int32)
    weight: np.ndarray  #: weight in the projection's unit (float64)
    delay: np.ndarray   #: delay in steps (int32)
    tx_indptr: np.ndarray  #: transmitting synapses of g: indptr[-1] + [tx_indptr[g], ...[g + 1])


class Recording(NamedTuple):
    """What one call of the loop records into (made per call by the simulator): the spike
    list of the step, which neurons are recorded, the spike buffer and its fill count
    (``spk_room``: how much room a step may need), the state probes (state row, neuron,
    period in steps, offset, stride, first sample) and their output, the weight probes
    (table position, plastic index or -1, period, offset, stride, first sample) and theirs,
    and for each the rule whose weights are integrated lazily (index in ``ul``, -1 for none)."""
    fired: np.ndarray
    rec_mask: np.ndarray
    spk_step: np.ndarray
    spk_idx: np.ndarray
    spk_count: np.ndarray
    spk_room: int
    probe_var: np.ndarray
    probe_idx: np.ndarray
    probe_every: np.ndarray
    probe_off: np.ndarray
    probe_stride: np.ndarray
    probe_base: np.ndarray
    probe_out: np.ndarray
    wr_pos: np.ndarray
    wr_p: np.ndarray
    wr_every: np.ndarray
    wr_off: np.ndarray
    wr_stride: np.ndarray
    wr_base: np.ndarray
    wr_out: np.ndarray
    wr_rule: np.ndarray  #: per weight probe: index in ``ul`` of its lazily integrated rule, or -1


class Build:
    """What :func:`build` returns: the named array groups (:class:`Neurons`,
    :class:`Channels`, :class:`Synapses`, ``inputs`` (block name -> tables) and ``inp`` (the
    tables of the blocks the loop runs), ``ul``), the compiled ``loop``, the spike list
    ``fired`` and ``rec_mask`` (recorded neurons), and where things are: ``pops``,
    ``pop_index`` (``id(population)`` -> index), ``pop_start``, ``n_total``,
    ``channel_ids`` ((population, synapse) -> channel), ``proj_channel``, ``input_blocks``
    (the blocks the loop runs, with their population kind codes), ``proj_tables``
    (``id(projection)`` -> (table, positions, plastic indices)), ``tables`` (each
    projection's (pre, post, weight, delay) when kept for another engine), ``monitors``,
    ``state_monitors``, ``weight_monitors``, ``every_steps``, ``reward_rules``,
    ``user_rules``, ``spk_room``."""


def _available_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _check_length(proj, label, value, n_syn):
    """An array of weights or delays must have one value per synapse the connector made; say
    so in terms the user can act on (the count is drawn at build, unknown at ``connect``)."""
    if value is None or isinstance(value, Distribution) or np.ndim(value) == 0:
        return
    n = np.shape(value)[0] if np.ndim(value) == 1 else None
    if n == n_syn:
        return
    given = f"{n} values" if n is not None else f"an array of shape {np.shape(value)}"
    raise ValueError(
        f"connect {proj.name}: {label} has {given}, but {type(proj.connector).__name__} made "
        f"{n_syn} synapses (drawn when the simulator was built); an array needs one value per "
        f"synapse, in the connector's order, so it suits rules with a known count (OneToOne, "
        f"AllToAll, FixedInDegree, FixedOutDegree, FixedTotalNumber, FromList); with a random "
        f"count give a scalar or a distribution such as ns.Uniform(...)")


class _SynapseValues:
    """A projection's weights and delays (steps), drawn block by block in the connector's
    order into buffers reused from block to block: ``block(s0, s1)`` gives those of its
    synapses ``s0 .. s1 - 1`` (valid until the next call)."""

    def __init__(self, proj, n_syn, dt, gen_w, gen_d):
        self.owner = f"connect {proj.name}"
        self.proj, self.dt, self.gen_w, self.gen_d = proj, dt, gen_w, gen_d
        self.conductance = proj.synapse.conductance
        w = proj.connector.weights if proj.connector.weights is not None else proj.weight
        d = proj.connector.delays if proj.connector.delays is not None else proj.delay
        # an array is checked once, whole (one value per synapse, finite), then sliced
        if w is not None and not isinstance(w, Distribution) and np.ndim(w) != 0:
            w = _checks.finite_array(self.owner, "weight", w, proj.synapse.weight_unit,
                                     shape=(n_syn,))
        if d is not None and not isinstance(d, Distribution) and np.ndim(d) != 0:
            d = _checks.finite_array(self.owner, "delay", d, "ms", shape=(n_syn,))
        self.w, self.d = w, d
        self.w_buf = np.empty(0)
        self.d_buf = np.empty(0)
        self.steps = np.empty(0, dtype=np.int32)

    def block(self, s0, s1):
        n, proj = s1 - s0, self.proj
        if n > self.steps.size:
            self.w_buf, self.d_buf = np.empty(n), np.empty(n)
            self.steps = np.empty(n, dtype=np.int32)
        if isinstance(self.w, np.ndarray):
            w = self.w[s0:s1]
        else:
            w = draw(self.w, n, self.gen_w, owner=self.owner, name="weight",
                     unit=proj.synapse.weight_unit, out=self.w_buf[:n])
        if self.conductance and w.size and w.min() < 0:
            raise ValueError(f"{self.owner}: conductance weights must be >= 0 nS, "
                             f"got {float(w.min())!r}")
        if proj.plasticity is not None:
            proj.plasticity._check_bounds(self.owner, w)
        steps = self.steps[:n]
        if self.d is None:
            steps.fill(1)
            return w, steps
        drawn = isinstance(self.d, Distribution)
        values = (self.d[s0:s1] if isinstance(self.d, np.ndarray)
                  else draw(self.d, n, self.gen_d, owner=self.owner, name="delay", unit="ms",
                            out=self.d_buf[:n]))
        return w, delay_steps(values, self.dt, drawn=drawn,
                              bounds=self.d.support() if drawn else None,
                              name=f"{self.owner}: delay", out=steps)


def _held_blocks(post, counts):
    """The blocks of rows ``(r0, r1, post)`` of targets held sorted by presynaptic neuron."""
    ends = np.cumsum(counts)
    for r0, r1 in _row_blocks(counts):
        yield r0, r1, post[ends[r0] - counts[r0]:ends[r1 - 1]]


def build(network, dt, rng, keep_tables=False, threads=1):
    """Build ``network`` for the engine at time step ``dt`` (ms), drawing from ``rng``.

    ``keep_tables``: keep each projection's (pre, post, weight, delay) for another engine.
    ``threads``: build the tables of that many threads (:mod:`neurosim.threads`) and the
    threaded loop when more than one.
    Raises ``ValueError``/``TypeError`` for an invalid description and ``MemoryError`` when
    the synapse tables would not fit (checked before any synapse is drawn).
    """
    net = network
    b = Build()
    pops = list(net.populations)
    pop_index = {id(p): i for i, p in enumerate(pops)}
    sizes = np.array([p.n for p in pops], dtype=np.int64)
    pop_start = np.zeros(len(pops) + 1, dtype=np.int64)
    np.cumsum(sizes, out=pop_start[1:])
    n_total = int(pop_start[-1])

    # Receptor channels: one per (target population, synapse kinetics).
    channels = {}
    proj_channel = []
    for proj in net.projections:
        key = (pop_index[id(proj.post)], proj.synapse)
        if key not in channels:
            channels[key] = len(channels)
        proj_channel.append(channels[key])
    items = input_items(net)  # inputs such as Poisson drives enter through channels too
    item_channel = {}
    for name, block in INPUTS.items():
        for item in items.get(name, ()) if block.channels else ():
            key = (pop_index[id(item.population)], item.synapse)
            if key not in channels:
                channels[key] = len(channels)
            item_channel[id(item)] = channels[key]

    # Every neuron model is integrated by a kernel generated from its equations (a
    # built-in model through its definition, NeuronModel._definition): one
    # kernel per model and population structure (numbered from KIND_EQUATIONS), a
    # parameter row as long as it needs, per-neuron parameters in extra state rows.
    kernels, kernel_code = [], {}
    pop_kind = np.zeros(len(pops), dtype=np.int64)
    injected = {id(inj.population) for inj in net.injections}
    defs = {}
    for i, p in enumerate(pops):
        if isinstance(p.model, NeuronModel):
            p.model._check_dt(dt)
            defs[i] = p.model._definition()
    pop_channels = {i: [syn for (q, syn), c in sorted(channels.items(), key=lambda kv: kv[1])
                        if q == i] for i in range(len(pops))}
    for i, p in enumerate(pops):
        if i in defs:
            for syn in pop_channels[i]:
                defs[i]._check_synapse(syn, f"connect onto {p.name!r}")
            code, name, src = defs[i]._kernel(KIND_EQUATIONS + len(kernels),
                                              pop_channels[i], id(p) in injected)
            if name not in kernel_code:
                kernel_code[name] = code
                kernels.append((code, name, src))
            pop_kind[i] = kernel_code[name]
        else:  # a spike source: the kernel of its input block, if any (below)
            pop_kind[i] = -1
    eq_rows = {}
    n_state_rows = N_STATE_ROWS
    for i, defn in defs.items():
        n_var = len(defn.state_vars)
        eq_rows[i] = {q: n_var + k for k, q in enumerate(defn._per_neuron)}
        n_state_rows = max(n_state_rows, n_var + len(defn._per_neuron))
    eq_par = {i: defn._pack_row(dt, pop_channels[i]) for i, defn in defs.items()}
    pop_par = np.zeros((len(pops), max([1] + [r.size for r in eq_par.values()])))
    for i, row in eq_par.items():
        pop_par[i, :row.size] = row

    n_ch = len(channels)
    ch_start = np.zeros(n_ch, dtype=np.int64)
    ch_coef = np.zeros((n_ch, N_CHANNEL_COEFS))
    ch_erev = np.zeros(n_ch)
    ch_pop = np.zeros(n_ch, dtype=np.int64)
    n_slots = 0
    for (p, syn), c in channels.items():
        ch_erev[c] = syn._e_rev()
        ch_pop[c] = p
        # the channel's own propagator and step means; what a channel contributes to an
        # exactly integrated model is in that model's parameter row (equation_model)
        ch_coef[c] = syn._coefficients(dt)
        ch_start[c] = n_slots
        n_slots += pops[p].n
    order = np.argsort(ch_pop, kind="stable")
    pop_ch = order.astype(np.int64)
    pop_ch_ptr = np.zeros(len(pops) + 1, dtype=np.int64)
    np.cumsum(np.bincount(ch_pop, minlength=len(pops)), out=pop_ch_ptr[1:])

    # Memory estimate before any synapse is drawn (the peaks it uses are measured: see
    # BUILD_BYTES_PER_SYNAPSE). A streamed rule (Connector._stream) costs its table and
    # nothing per synapse besides; a rule drawn as pairs holds its int32 targets from
    # drawing to placing (Connector._held_bytes), and the largest such projection needs its
    # pairs while it is drawn (Connector._draw_bytes). Weight-changing plasticity and
    # short-term plasticity keep per-synapse state too.
    expected = n_plastic = plastic_bytes = held_bytes = draw_bytes = 0
    for proj in net.projections:
        n_exp = proj.connector.expected_count(proj.pre.n, proj.post.n)
        expected += n_exp
        if not proj.connector._streamed:
            held_bytes += n_exp * proj.connector._held_bytes
            draw_bytes = max(draw_bytes, n_exp * proj.connector._draw_bytes)
        if proj.plasticity is not None:
            n_plastic += n_exp
            plastic_bytes += n_exp * as_statements(proj.plasticity).bytes_per_synapse()
    need = (expected * BUILD_BYTES_PER_SYNAPSE + held_bytes + draw_bytes
            + plastic_bytes + n_plastic * _PLASTIC_BUILD_BYTES_PER_SYNAPSE)
    avail = _available_memory()
    if avail is not None and need > avail:
        extra = ""
        if held_bytes:
            extra += (f"; {(held_bytes + draw_bytes) / 2**30:.1f} GiB more to draw the rules "
                      f"that are not streamed (FixedProbability, FixedInDegree, "
                      f"FixedTotalNumber without multapses, FromList, FromMatrix)")
        if n_plastic:
            extra += (f"; {n_plastic:,} plastic, {plastic_bytes / n_plastic:.0f} B more each "
                      f"for traces and indices")
        raise MemoryError(f"Simulator: the network has about {expected:,} synapses, which "
                          f"need about {need / 2**30:.1f} GiB to build "
                          f"({BYTES_PER_SYNAPSE} B each to keep, "
                          f"{BUILD_BYTES_PER_SYNAPSE} B each at the peak of the "
                          f"build{extra}); only {avail / 2**30:.1f} GiB are available")

    # State and initial values.
    state = np.zeros((n_state_rows, n_total))
    for i, p in enumerate(pops):
        sl = slice(pop_start[i], pop_start[i + 1])
        values = p.model.initial_values()
        for row, var in enumerate(p.model.state_vars):
            value = p.initial.get(var, values[var])
            state[row, sl] = draw(value, p.n, rng, owner=p.name, name=var)
        for q, row in eq_rows.get(i, {}).items():
            defn = defs[i]
            state[row, sl] = draw(defn.parameters[q], p.n, rng,
                                  owner=f"{p.name} ({defn.name})", name=q,
                                  unit=defn.units[q])

    # Synapses. Every projection draws from generators of its own, seeded from one number
    # drawn from the simulator's generator: one for its connectivity, one for its weights,
    # one for its delays (so the number of draws of one never shifts another). Pass 1 draws
    # each projection's synapses per presynaptic neuron (a streamed rule: only these counts;
    # a rule drawn as pairs: its pairs, of which the int32 indices are held), which gives
    # the tables' row pointers; pass 2 draws the targets, weights and delays a block of rows
    # at a time (connectivity._BLOCK synapses) and writes them straight into their table
    # positions, projection by projection: within a row, projection order, then the
    # connector's order. No list of all pairs, weights or delays is ever made.
    key = int(rng.integers(2**63))
    row_fill = {"main": np.zeros(n_total, dtype=np.int64),
                "tx": np.zeros(n_total, dtype=np.int64)}  # (tx: their rule transmits)
    plans = []
    for i, proj in enumerate(net.projections):
        same = proj.pre is proj.post
        gen = np.random.default_rng([key, i, 0])
        stream = proj.connector._stream(proj.pre.n, proj.post.n, gen, same=same)
        held_pre = held_post = blocks_of = None
        if stream is None:
            pre, post = proj.connector.pairs(proj.pre.n, proj.post.n, gen, same=same)
            counts = np.bincount(pre, minlength=proj.pre.n).astype(np.int64)
            itype = np.int32 if max(proj.pre.n, proj.post.n) < 2**31 else np.int64
            if not bool(np.all(pre[1:] >= pre[:-1])):  # a shuffled FromList
                held_pre = pre.astype(itype)
            held_post = post.astype(itype)
            del pre, post
        else:
            counts, blocks_of = stream
        n_syn = int(counts.sum())
        for label, value in (("weight", proj.weight), ("delay", proj.delay)):
            _check_length(proj, label, value, n_syn)
        table = "tx" if _transmits(proj.plasticity) else "main"
        base = int(pop_start[pop_index[id(proj.pre)]])
        fill = row_fill[table][base:base + proj.pre.n]
        before = fill.astype(np.int32)
        fill += counts
        plans.append((table, base, counts, before, n_syn, blocks_of, held_pre, held_post))
    n_push = int(row_fill["main"].sum())
    indptr = np.zeros(n_total + 1, dtype=np.int64)
    np.cumsum(row_fill["main"], out=indptr[1:])
    tx_indptr = np.zeros(n_total + 1, dtype=np.int64)
    np.cumsum(row_fill["tx"], out=tx_indptr[1:])
    del row_fill
    n_all = n_push + int(tx_indptr[-1])
    target = np.empty(n_all, dtype=np.int32)
    weight = np.empty(n_all, dtype=np.float64)
    delay = np.empty(n_all, dtype=np.int32)
    first = {"main": indptr, "tx": tx_indptr + n_push}  # first table position of each row
    nxt = {t: v[:-1].copy() for t, v in first.items()}  # next free one
    tables = []
    proj_slot = []  # per projection: (table, offset in that table's positions, count)
    main_pos, tx_pos, blocks = {}, [], {}
    n_tx = 0
    for i, (proj, c, plan) in enumerate(zip(net.projections, proj_channel, plans)):
        table, base, counts, before, n_syn, blocks_of, held_pre, held_post = plan
        plans[i] = None
        values = _SynapseValues(proj, n_syn, dt, np.random.default_rng([key, i, 1]),
                                np.random.default_rng([key, i, 2]))
        coff = int(ch_start[c])
        pos = None
        if held_pre is None:  # sorted by presynaptic neuron: placed a block of rows at a time
            s0 = 0
            for r0, r1, post in (blocks_of() if blocks_of is not None
                                 else _held_blocks(held_post, counts)):
                s1 = s0 + post.size
                w, d = values.block(s0, s1)
                _place_rows(base + r0, counts[r0:r1], nxt[table], post, coff, w, d, target,
                            weight, delay)
                s0 = s1
            rows = _RowBlocks(base, counts.astype(np.int32), before)
            if table == "main" and proj.plasticity is None:
                blocks[id(proj)] = rows
            else:
                pos = rows.positions(first[table])
        else:  # in the connector's order: each synapse to the next free place of its row
            pos = np.empty(n_syn, dtype=np.int64)
            for s0 in range(0, n_syn, _connectivity._BLOCK):
                s1 = min(s0 + _connectivity._BLOCK, n_syn)
                w, d = values.block(s0, s1)
                _place_pairs(held_pre[s0:s1], base, held_post[s0:s1], coff, w, d,
                             nxt[table], target, weight, delay, pos[s0:s1])
        del held_pre, held_post, blocks_of
        if keep_tables:
            where = pos if pos is not None else blocks[id(proj)].positions(indptr)
            row = np.searchsorted(first[table], where, side="right") - 1 - base
            tables.append((row, target[where].astype(np.int64) - coff, weight[where],
                           delay[where]))
        if table == "main":
            main_pos[id(proj)] = pos
            proj_slot.append(("main", 0, n_syn))
        else:
            tx_pos.append(pos)
            proj_slot.append(("tx", n_tx, n_syn))
            n_tx += n_syn
    del plans, nxt, first
    inv_tx = np.concatenate(tx_pos) if tx_pos else np.zeros(0, dtype=np.int64)
    del tx_pos
    max_delay = int(delay.max()) if delay.size else 1

    # Inputs: each registered block builds its tables from the items that use it (an empty
    # list when the network has none); the loop runs the blocks with items.
    ctx = BuildContext(dt, n_total, pop_start, pop_index, ch_start, item_channel, key)
    b.inputs = {name: block.build(items.get(name, []), ctx) for name, block in INPUTS.items()}
    used = [name for name, block in sorted(INPUTS.items(), key=lambda nb: nb[1].order)
            if name in items]
    source_code = {}
    for name in used:
        if INPUTS[name].phase == "population":
            source_code[name] = KIND_SOURCES + len(source_code)
            for pop in items[name]:
                pop_kind[pop_index[id(pop)]] = source_code[name]
    b.input_blocks = [(INPUTS[name], source_code.get(name, -1)) for name in used]
    b.inp = tuple(b.inputs[name] for name in used)
    st_burst = sum(INPUTS[name].room(b.inputs[name]) for name in used)
    b.pops = pops
    b.pop_index = pop_index
    b.pop_start = pop_start

    # Monitors.
    rec_mask = np.zeros(n_total, dtype=np.bool_)
    for mon in net.monitors:
        if isinstance(mon, SpikeMonitor):
            i = pop_index[id(mon.population)]
            rec_mask[pop_start[i]:pop_start[i + 1]] = True
    b.monitors = list(net.monitors)
    b.state_monitors = [m for m in b.monitors if isinstance(m, StateMonitor)]
    b.every_steps = {}
    for mon in b.state_monitors:
        every = dt if mon.every is None else mon.every
        b.every_steps[mon] = to_steps(every, dt, name="record: every", minimum=1)

    # Weight-changing plasticity: one rule index per plastic projection, one postsynaptic
    # trace slot per (rule, postsynaptic neuron).
    user_rules, lazy_p = [], {}
    proj_tables = {}
    for proj, c, (table, off, n) in zip(net.projections, proj_channel, proj_slot):
        pos = main_pos[id(proj)] if table == "main" else inv_tx[off:off + n]
        if id(proj) in blocks:
            proj_tables[id(proj)] = [table, blocks[id(proj)], None]
        else:  # (a slice of inv_tx is copied, so that the whole can be freed)
            proj_tables[id(proj)] = [table, pos if table == "main" else pos.copy(), None]
        if proj.plasticity is None:
            continue
        i_post = pop_index[id(proj.post)]
        user_rules.append((proj, as_statements(proj.plasticity), pos,
                           target[pos].astype(np.int64) - ch_start[c],
                           (pop_start[i_post], pop_start[i_post + 1])))
    # Every rule runs as statements (the built-ins through their definitions): tables of
    # their own per projection, sorted by (presynaptic neuron, delay), so the generated
    # function finds the arrivals of one delay by bisection.
    b.user_rules = []
    b.ul = ()
    rule_kernels = []
    b.lazy_rules = {}  # id(projection) -> index in ul, for rules with dw/dt = x y
    for proj, statements, pos, post_q, post_range in user_rules:
        if statements.transmit is None:
            row = np.searchsorted(indptr, pos, side="right") - 1
        else:
            row = np.searchsorted(tx_indptr, pos - n_push, side="right") - 1
        order = np.lexsort((delay[pos], row))
        rule_tables = build_rule_tables(statements, dt, n_total, row[order],
                                        delay[pos[order]], pos[order], post_q[order],
                                        proj.post.n, post_range, burst=st_burst)
        if statements.w_rate is not None:  # the synapse's index in its rule's tables
            p_of_rule = np.empty(order.size, dtype=np.int64)
            p_of_rule[order] = np.arange(order.size)
            b.lazy_rules[id(proj)] = len(b.ul)
            lazy_p[id(proj)] = p_of_rule
        b.user_rules.append(proj)
        b.ul += (rule_tables,)
        rule_kernels.append(statements.kernel())
    del main_pos
    b.reward_rules = []     # (projection, index in ul) of the RewardSTDP projections
    for i, proj in enumerate(b.user_rules):
        # plain weights: no synapse to bring up to date; lazily integrated weights: the
        # synapse's index in its rule's tables
        proj_tables[id(proj)][2] = lazy_p.get(id(proj), np.full(
            proj_tables[id(proj)][1].size, -1, dtype=np.int64))
        if isinstance(proj.plasticity, RewardSTDP):
            b.reward_rules.append((proj, i))
    b.weight_monitors = list(net.weight_monitors)
    for mon in b.weight_monitors:
        n = proj_tables[id(mon.projection)][1].size
        if mon.synapses is not None and mon.synapses.size and mon.synapses.max() >= n:
            raise ValueError(f"record_weights: synapse index {int(mon.synapses.max())} is "
                             f"outside [0, {n}) for projection {mon.projection.name!r}")
        every = dt if mon.every is None else mon.every
        b.every_steps[mon] = to_steps(every, dt, name="record_weights: every", minimum=1)

    # Everything validated: the named structure the loop, checkpoints and engines read.
    b.proj_tables = proj_tables
    b.tables = tables
    b.channel_ids = channels
    b.proj_channel = proj_channel
    b.pin_channel = [item_channel[id(inp)] for inp in net.poisson_inputs]
    b.n_total = n_total
    b.neurons = Neurons(pop_start=pop_start, pop_kind=pop_kind, pop_par=pop_par,
                        pop_ch_ptr=pop_ch_ptr, pop_ch=pop_ch, state=state,
                        refrac=np.zeros(n_total, dtype=np.int32), i_inj=np.zeros(n_total),
                        i_det=np.zeros(n_total))
    b.channels = Channels(start=ch_start, coef=ch_coef, erev=ch_erev, x1=np.zeros(n_slots),
                          x2=np.zeros(n_slots), ring=ring_buffer(n_slots, max_delay))
    b.synapses = Synapses(indptr=indptr, target=target, weight=weight, delay=delay,
                          tx_indptr=tx_indptr)
    # The compiled loop for what this network uses (neurosim.loop).
    b.threads = None
    serial_rules = False
    if threads > 1:
        # A rule's presynaptic groups are updated once per arrival by one thread while every
        # thread reads them; a neuron that can fire twice in one step (a burst of SpikeTimes)
        # needs its second arrival to see the first's update: such networks run their rules
        # whole on thread 0 (neurosim.loop, serial_rules).
        bursting = {id(pop) for name in used if INPUTS[name].room(b.inputs[name]) > 0
                    for pop in items[name]}
        serial_rules = any(id(proj.pre) in bursting for proj in b.user_rules)
        f = RULE_FIELDS.index
        b.threads = thread_tables(
            threads, pop_start, ch_start, ch_pop, indptr, target,
            rules=[] if serial_rules else
            [(u[f("ppre_ptr")], u[f("p_q")], u[f("post_range")][0]) for u in b.ul])
    b.loop_module = compiled_module(kernels, rule_kernels, sorted(b.lazy_rules.values()),
                                    b.input_blocks, threaded=b.threads is not None,
                                    serial_rules=serial_rules)
    b.loop = None if b.threads is not None else b.loop_module.run_steps
    b.rule_names = [name for name, _ in rule_kernels]
    b.fired = np.zeros(n_total + st_burst, dtype=np.int64)
    b.rec_mask = rec_mask
    b.spk_room = int(rec_mask.sum()) + st_burst
    return b


class _RowBlocks:
    """Where a static projection's synapses lie in the main table, without a per-synapse index.

    The table is sorted stably by presynaptic neuron, so a projection whose synapses come sorted
    by presynaptic neuron occupies, in each row, one contiguous block in its own order, after
    the blocks of the projections built before it from the same row: row ``base + i`` holds
    its ``counts[i]`` synapses from ``indptr[base + i] + before[i]`` on. Two int32 per
    presynaptic neuron instead of one int64 per synapse.
    """

    def __init__(self, base, counts, before):
        self.base = base
        self.counts = counts
        self.before = before
        self.size = int(counts.sum(dtype=np.int64))

    def positions(self, indptr):
        """The table position of each synapse, in the connector's order (int64)."""
        n_pre = self.counts.size
        first = indptr[self.base:self.base + n_pre] + self.before
        ends = np.cumsum(self.counts, dtype=np.int64)
        shift = np.repeat(first - (ends - self.counts), self.counts)
        return np.arange(self.size, dtype=np.int64) + shift


def _transmits(rule):
    """Whether a projection's rule decides what an arrival transmits (its synapses are then
    delivered by the rule, not pushed at emission)."""
    statements = as_statements(rule)
    return statements is not None and statements.transmit is not None

