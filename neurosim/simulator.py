"""Build a :class:`neurosim.Network` into arrays and run it with an integer clock.

The run loop (``run_steps``, written for the network's components by :mod:`neurosim.loop`,
compiled with numba and cached to disk) advances many steps per call. Step ``k`` covers the
interval ``[k dt, (k + 1) dt)`` and does, in this order:

1. **Deliver** the synaptic input due at step ``k``: row ``k % L`` of the ring buffer is
   added to the receptor channels (a jump at time ``k dt``) and cleared; injected currents
   that switch at step ``k`` take their new value and noise currents draw their value for
   the step. (Each population's kernel reads its own part of the row just before it
   integrates; populations do not interact within a step, so this is the same order.)
2. **Integrate** every neuron population from ``k dt`` to ``(k + 1) dt`` (scheme per model).
3. **Threshold, reset, refractoriness**: a neuron whose state crossed threshold at the end of
   the step spikes; the spike is *stamped with step k* (time ``k dt``), the neuron is reset
   and its refractory count set. Spike sources emit their spikes of step ``k`` here too.
4. **Push** each spike through its synapses: a synapse with delay ``d`` steps adds its weight
   to ring row ``(k + d) % L``, so it acts in step ``k + d`` -- exactly ``d`` steps later,
   at time ``spike time + delay``. Reward-modulated synapses of the neurons that fired are
   first brought up to step ``k``; Tsodyks-Markram synapses add ``w u x`` after updating
   their ``u`` and ``x`` (:mod:`neurosim.plasticity`).
5. **Plasticity** of step ``k``: the presynaptic spikes *arriving* in step ``k`` (emitted in
   step ``k - d``) depress, then the postsynaptic spikes of step ``k`` potentiate (so a
   pair with ``Δt = t_post - (t_pre + delay) = 0`` potentiates; conventions in
   :mod:`neurosim.plasticity`).
6. **Record** the spikes of step ``k``, the state samples due after step ``k`` (the state at
   time ``(k + 1) dt``) and the weight samples due after step ``k``.

Delays are at least one step, so nothing a spike causes can act within its own step.
Compared with Brian2, whose synaptic effects act after the state update of their arrival
step, a neurosim delay ``d`` equals a Brian2 delay of ``d - dt`` (Brian2's default zero delay
is neurosim's minimal delay ``dt``).

Compilation: the loop and the model kernels are compiled by numba on first use (a few
seconds, once per machine and network structure) and cached on disk: the generated loop and
its neuron kernels in :func:`neurosim.loop.cache_dir`, keyed by their source and the source of
the kernel modules they call (delays, plasticity), so an edited kernel never runs from a stale
cache; those modules' own kernels next to their sources (or in numba's user cache when that
folder is read-only).

Long runs: between chunks of the compiled loop the state is checked for NaN/inf and a Ctrl-C
is honoured (the run stops at the chunk boundary with its records, and continues exactly);
``sim.checkpoint(path)`` / ``Simulator.resume(path, net)`` save and restore the whole state
(:mod:`neurosim.checkpoint`), also every ``checkpoint_every`` ms of a run;
``Simulator(..., stream_spikes_to=folder)`` writes the spikes to disk after every chunk and
drops them from memory (:func:`neurosim.io.load_spike_stream`).

Randomness (initial values, connectivity, Poisson sources, noise currents) comes from one
``numpy.random.Generator`` seeded once, drawn in an order that does not depend on how the run
is split, so the same seed gives bitwise-identical results and ``run(a); run(b)`` equals
``run(a + b)``.
"""

from __future__ import annotations

import math
import os

import numpy as np

from nsdurable import DeferredInterrupt

from . import _checks
from . import engines as _engines
from .connectivity import (
    _BUILD_BYTES_PER_SYNAPSE,
    BYTES_PER_SYNAPSE,
    csr_positions,
    to_csr,
    to_csr_parts,
)
from .delays import delay_steps, ring_buffer
from .distributions import Distribution, draw
from .equation_model import KIND_EQUATIONS
from .inputs import NoisyCurrent, PoissonSource, SpikeTimes
from .loop import compiled_loop
from .network import Network, SpikeMonitor, StateMonitor, WeightMonitor
from .neurons import (
    KIND_POISSON,
    N_CHANNEL_COEFS,
    N_STATE_ROWS,
    NeuronModel,
    channel_coefficients,
)
from .plasticity import (
    STDP_FIELDS,
    RewardSTDP,
    TsodyksMarkram,
    build_stdp_tables,
    reward_catch_up_rule,
    weights_now,
)
from .plasticity_rule import PlasticityRule, build_rule_tables
from .records import StateRecord, WeightRecord, WeightTable
from .units import HZ_PER_INV_MS, to_steps, to_steps_array

__all__ = ["Simulator"]

#: Steps per call of the compiled loop (see :meth:`Simulator.run`).
CHUNK_STEPS = 1000
#: Memory kept per synapse with weight-changing plasticity, on top of its CSR entry: the
#: plasticity tables' indices (position twice, rule, trace slot, delay, postsynaptic order:
#: 6 x 8 B; trace group twice: 2 x 4 B), eligibility and its step (2 x 8 B) -- 72 B, measured
#: equal to the growth of ``sum(a.nbytes for a in sim._pl)`` per synapse. The presynaptic
#: traces (24 B) are kept per (presynaptic neuron, delay, rule), not per synapse.
PLASTIC_BYTES_PER_SYNAPSE = 72
#: Transient memory per plastic synapse while its tables are built (sort keys, inverse orders).
_PLASTIC_BUILD_BYTES_PER_SYNAPSE = 48
#: Extra memory per Tsodyks-Markram synapse: parameters (3 x 8 B), u, x and last spike step.
STP_BYTES_PER_SYNAPSE = 48


class _Data:
    """``sim.data[monitor]``: the record of a monitor so far."""

    def __init__(self, sim):
        self._sim = sim

    def __getitem__(self, monitor):
        return self._sim._record(monitor)


class Simulator:
    """Builds a network and runs it.

    Parameters
    ----------
    network : Network
        The description; it is read once, here. Later changes to it are not seen.
    dt : float
        Time step, ms, > 0. Every duration in the network must be a whole multiple of it.
    seed : int or None
        Seed of the simulator's one ``numpy.random.Generator``.
    engine : {"neurosim", "brian2", "nest"}
        ``"brian2"`` runs the same realised network (the same initial values, synapses,
        weights and delays, drawn here with ``seed``) on Brian2 (runtime mode, numpy target,
        unless ``engine_options`` say otherwise); see
        :mod:`neurosim.engines.brian2` for what it supports (STDP and TripletSTDP, not
        RewardSTDP, TsodyksMarkram or weight monitors). Brian2 is imported only then.
        ``"nest"`` does the same on NEST (:mod:`neurosim.engines.nest`: models, delay and
        stamping conventions, MPI); NEST is imported only then.
    engine_options : dict, optional
        Options of the engine; engine ``"neurosim"`` takes none. ``"nest"``:
        ``{"threads": n}``, ``{"lengthen_one_step_delays": True}``,
        ``{"stdp_edge_pairs_differ": True}`` (accepts STDP, which NEST computes identically
        except for pairs a few steps before the postsynaptic spike; see
        :mod:`neurosim.engines.nest`). ``"brian2"``: ``"device"`` (``"runtime"``, the
        default, or ``"cpp_standalone"``: a compiled C++ program, built and run at the first
        read of ``data``/``weights``/``get``, after which ``run`` raises
        ``NotImplementedError``), ``"target"`` (``"numpy"``, the default, or ``"cython"``;
        runtime only) and ``"directory"`` (cpp_standalone only: where the C++ project goes;
        ``None``, the default, is a temporary folder deleted afterwards); see
        :mod:`neurosim.engines.brian2`. Unknown options raise ``ValueError`` listing the
        valid ones.
    progress : bool
        Show a tqdm progress bar during :meth:`run` (off by default).
    stream_spikes_to : str or os.PathLike, optional
        A folder (made if missing; it must not hold spike chunks already) to which the spikes
        of every spike monitor are written in chunks during :meth:`run`: one file
        ``spikes.<first step>.npz`` per chunk of the compiled loop (at most
        ``CHUNK_STEPS`` steps) and at the end of each run, each written atomically, after which
        the spikes are dropped from memory. A crash loses at most the chunk being run;
        :func:`neurosim.io.load_spike_stream` reassembles the records (in any process), and
        ``sim.data[spike_monitor]`` reads them back too -- bitwise equal to a run not
        streamed. Engine ``"neurosim"`` only; such a simulator cannot be checkpointed.

    Raises
    ------
    ValueError, TypeError
        For any invalid parameter, before anything is allocated.
    MemoryError
        If the synapse tables would not fit in the available memory (with the estimate).

    Attributes
    ----------
    data : mapping
        ``sim.data[monitor]`` gives the :class:`~neurosim.records.SpikeRecord`,
        :class:`~neurosim.records.StateRecord` or :class:`~neurosim.records.WeightRecord` of
        a monitor. :meth:`weights` gives a projection's weight table now; :meth:`reward`
        and :meth:`dopamine` drive and read reward-modulated plasticity.
    """

    def __init__(self, network, dt=0.1, seed=None, *, engine="neurosim", engine_options=None,
                 progress=False, stream_spikes_to=None):
        if not isinstance(network, Network):
            raise TypeError(f"Simulator: network must be a neurosim.Network, got {network!r}")
        if engine != "neurosim" and engine not in _engines.ENGINES:
            raise ValueError(f"Simulator: unknown engine {engine!r}; valid: "
                             f"{['neurosim', *_engines.ENGINES]}")
        if engine_options and engine == "neurosim":
            raise ValueError(f"Simulator: engine {engine!r} takes no engine_options, got "
                             f"{engine_options!r}")
        if stream_spikes_to is not None and engine != "neurosim":
            raise ValueError(f"Simulator: only engine 'neurosim' streams spikes "
                             f"(stream_spikes_to), got engine {engine!r}")
        self.dt = _checks.positive("Simulator", "dt", dt, "ms")
        self.seed = seed
        self.progress = bool(progress)
        self.network = network
        self.rng = np.random.default_rng(seed)
        # The generator's state before the build: a checkpoint stores it so that resume
        # rebuilds the same connectivity and initial values (neurosim.checkpoint).
        self._rng_initial = self.rng.bit_generator.state
        self.step = 0
        self.data = _Data(self)
        self._backend = None
        self._build(keep_tables=engine != "neurosim")
        # Spike streaming: the chunks on disk cover steps [0, _stream_step); _spk_chunks holds
        # the spikes of the steps after it.
        self._stream = None
        self._stream_step = 0
        if stream_spikes_to is not None:
            from .io import open_spike_stream
            self._stream = open_spike_stream(stream_spikes_to, self)
        if engine != "neurosim":
            self._backend = _engines.engine_class(engine)(self, engine_options)

    # ------------------------------------------------------------------------------------------
    @property
    def t(self):
        """Current time, ms (``step * dt``)."""
        return self.step * self.dt

    def _build(self, keep_tables=False):
        net, dt, rng = self.network, self.dt, self.rng
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
            else:
                pop_kind[i] = p.model.kind
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
        ch_kind = np.zeros(n_ch, dtype=np.int64)
        ch_cond = np.zeros(n_ch, dtype=np.bool_)
        ch_start = np.zeros(n_ch, dtype=np.int64)
        ch_coef = np.zeros((n_ch, N_CHANNEL_COEFS))
        ch_erev = np.zeros(n_ch)
        ch_pop = np.zeros(n_ch, dtype=np.int64)
        n_slots = 0
        for (p, syn), c in channels.items():
            ch_kind[c] = syn.kind
            ch_cond[c] = syn.conductance
            ch_erev[c] = syn._e_rev()
            ch_pop[c] = p
            # the channel's own propagator and step means; what a channel contributes to an
            # exactly integrated model is in that model's parameter row (equation_model)
            ch_coef[c] = channel_coefficients(syn.kind, syn._tau(), dt)
            ch_start[c] = n_slots
            n_slots += pops[p].n
        order = np.argsort(ch_pop, kind="stable")
        pop_ch = order.astype(np.int64)
        pop_ch_ptr = np.zeros(len(pops) + 1, dtype=np.int64)
        np.cumsum(np.bincount(ch_pop, minlength=len(pops)), out=pop_ch_ptr[1:])

        # Memory estimate before any synapse is drawn.
        # Weight-changing plasticity and short-term plasticity keep per-synapse state too.
        expected = n_plastic = n_stp = 0
        for proj in net.projections:
            n_exp = proj.connector.expected_count(proj.pre.n, proj.post.n)
            expected += n_exp
            if isinstance(proj.plasticity, TsodyksMarkram):
                n_stp += n_exp
            elif proj.plasticity is not None:
                n_plastic += n_exp
        need = (expected * (BYTES_PER_SYNAPSE + _BUILD_BYTES_PER_SYNAPSE)
                + n_plastic * (PLASTIC_BYTES_PER_SYNAPSE + _PLASTIC_BUILD_BYTES_PER_SYNAPSE)
                + n_stp * STP_BYTES_PER_SYNAPSE)
        avail = _available_memory()
        if avail is not None and need > avail:
            extra = ""
            if n_plastic:
                extra += (f"; {n_plastic:,} plastic, {PLASTIC_BYTES_PER_SYNAPSE} B more each "
                          f"for traces and indices")
            if n_stp:
                extra += f"; {n_stp:,} with short-term plasticity, {STP_BYTES_PER_SYNAPSE} B more"
            raise MemoryError(f"Simulator: the network has about {expected:,} synapses, which "
                              f"need about {need / 2**30:.1f} GiB to build "
                              f"({BYTES_PER_SYNAPSE} B each to keep{extra}); only "
                              f"{avail / 2**30:.1f} GiB are available")

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

        # Synapses.
        pre_all, tgt_all, w_all, d_all = [], [], [], []
        stp_parts = ([], [], [], [], [])
        tables = []
        proj_slot = []  # per projection: (table, offset in that table's concatenation, count)
        n_main = n_stp = 0
        blocks = {}
        row_fill = np.zeros(n_total, dtype=np.int32)  # main-table synapses per row so far
        for proj, c in zip(net.projections, proj_channel):
            same = proj.pre is proj.post
            pre, post = proj.connector.pairs(proj.pre.n, proj.post.n, rng, same=same)
            n_syn = pre.size
            if proj.connector.weights is not None:
                w = np.asarray(proj.connector.weights, dtype=np.float64)
            else:
                w = draw(proj.weight, n_syn, rng, owner=f"connect {proj.name}", name="weight",
                         unit=proj.synapse.weight_unit)
            if proj.synapse.conductance and w.size and w.min() < 0:
                raise ValueError(f"connect {proj.name}: conductance weights must be >= 0 nS, "
                                 f"got {float(w.min())!r}")
            delay = proj.connector.delays if proj.connector.delays is not None else proj.delay
            if delay is None:
                d = np.ones(n_syn, dtype=np.int32)
            else:
                drawn = isinstance(delay, Distribution)
                values = draw(delay, n_syn, rng, owner=f"connect {proj.name}", name="delay",
                              unit="ms")
                d = delay_steps(values, dt, drawn=drawn,
                                bounds=delay.support() if drawn else None,
                                name=f"connect {proj.name}: delay")
            if proj.plasticity is not None:
                proj.plasticity._check_bounds(f"connect {proj.name}", w)
            if keep_tables:
                tables.append((pre, post, w, d))
            if isinstance(proj.plasticity, TsodyksMarkram):
                rule = proj.plasticity
                for lst, val in zip(stp_parts, (pre + pop_start[pop_index[id(proj.pre)]],
                                                post + ch_start[c], w, d,
                                                np.tile([rule.U, rule.tau_rec, rule.tau_fac],
                                                        (n_syn, 1)))):
                    lst.append(val)
                proj_slot.append(("stp", n_stp, n_syn))
                n_stp += n_syn
                continue
            pre_all.append(pre + pop_start[pop_index[id(proj.pre)]])
            tgt_all.append(post + ch_start[c])
            w_all.append(w)
            d_all.append(d)
            proj_slot.append(("main", n_main, n_syn))
            # A static projection whose synapses come sorted by presynaptic neuron (every
            # connector but a shuffled FromList) keeps no per-synapse index: its table
            # positions follow from how many synapses each row has (_RowBlocks).
            base = int(pop_start[pop_index[id(proj.pre)]])
            counts = np.bincount(pre, minlength=proj.pre.n).astype(np.int32)
            if proj.plasticity is None and bool(np.all(pre[1:] >= pre[:-1])):
                blocks[id(proj)] = _RowBlocks(base, counts,
                                              row_fill[base:base + proj.pre.n].copy())
            row_fill[base:base + proj.pre.n] += counts
            n_main += n_syn
        # One CSR table sorted stably by presynaptic neuron, built part by part (no
        # concatenated copy); the table positions of a projection's synapses are kept where
        # they cannot be found from row counts (plastic or unsorted projections, _RowBlocks).
        main_projs = [p for p, slot in zip(net.projections, proj_slot) if slot[0] == "main"]
        indptr, target, weight, delay, main_pos = to_csr_parts(
            list(zip(pre_all, tgt_all, w_all, d_all)), n_total,
            positions=[id(p) not in blocks for p in main_projs], row_counts=row_fill)
        main_pos = dict(zip((id(p) for p in main_projs), main_pos))
        del pre_all, tgt_all, w_all, d_all
        stp_pre = cat(stp_parts[0], np.int64)
        stp_indptr, stp_target, stp_weight, stp_delay = to_csr(
            stp_pre, cat(stp_parts[1], np.int64), cat(stp_parts[2], np.float64),
            cat(stp_parts[3], np.int32), n_total)
        inv_stp = csr_positions(stp_pre, n_total)[1]
        stp_order = np.empty_like(inv_stp)
        stp_order[inv_stp] = np.arange(inv_stp.size)
        stp_par = (np.concatenate(stp_parts[4]) if stp_parts[4] else np.zeros((0, 3)))[stp_order]
        max_delay = max(int(delay.max()) if delay.size else 1,
                        int(stp_delay.max()) if stp_delay.size else 1)

        # Current injections: one event per (step, neuron) with the change of current; noise
        # as a table of (neuron, mean, std, first step, stop step).
        ev_step, ev_idx, ev_val = [], [], []
        nz = ([], [], [], [], [])
        for inj in net.injections:
            base = pop_start[pop_index[id(inj.population)]]
            if isinstance(inj.current, NoisyCurrent):
                cur = inj.current
                first = to_steps(cur.start, dt, name="NoisyCurrent.start")
                stop = (np.iinfo(np.int64).max if math.isinf(cur.stop)
                        else to_steps(cur.stop, dt, name="NoisyCurrent.stop"))
                for lst, val in zip(nz, (inj.neurons + base,
                                         np.broadcast_to(cur.mean, inj.neurons.shape),
                                         np.broadcast_to(cur.std, inj.neurons.shape),
                                         np.full(inj.neurons.size, first),
                                         np.full(inj.neurons.size, stop))):
                    lst.append(val)
                continue
            times, amps = inj.current._segments(dt)
            steps = to_steps_array(times, dt, name=f"inject into {inj.population.name}: time")
            prev = np.zeros(inj.neurons.size)
            for s, a in zip(steps, amps):
                a = np.broadcast_to(a, inj.neurons.shape).astype(np.float64)
                ev_step.append(np.full(inj.neurons.size, s, dtype=np.int64))
                ev_idx.append(inj.neurons + base)
                ev_val.append(a - prev)
                prev = a
        self._noise = (cat(nz[0], np.int64), cat(nz[1], np.float64), cat(nz[2], np.float64),
                       cat(nz[3], np.int64), cat(nz[4], np.int64))
        inj_step = cat(ev_step, np.int64)
        order = np.argsort(inj_step, kind="stable")
        self._inj = (inj_step[order], cat(ev_idx, np.int64)[order], cat(ev_val, np.float64)[order],
                     np.zeros(1, dtype=np.int64))

        # Spike-time sources.
        st_step, st_idx = [], []
        for i, p in enumerate(pops):
            if isinstance(p.model, SpikeTimes):
                for j, times in enumerate(p.model.times):
                    st_step.append(to_steps_array(times, dt, name=f"SpikeTimes of {p.name!r}: "
                                                               f"spike time"))
                    st_idx.append(np.full(times.size, pop_start[i] + j, dtype=np.int64))
        st_step = cat(st_step, np.int64)
        order = np.argsort(st_step, kind="stable")
        self._st = (st_step[order], cat(st_idx, np.int64)[order], np.zeros(1, dtype=np.int64))
        st_burst = int(np.bincount(st_step).max()) if st_step.size else 0

        # Poisson sources.
        poisson_p = np.zeros(n_total)
        self._pops = pops
        self._pop_index = pop_index
        self._pop_start = pop_start
        for i, p in enumerate(pops):
            if isinstance(p.model, PoissonSource):
                poisson_p[pop_start[i]:pop_start[i + 1]] = self._spike_probability(p, p.model.rate)

        # Monitors.
        rec_mask = np.zeros(n_total, dtype=np.bool_)
        for mon in net.monitors:
            if isinstance(mon, SpikeMonitor):
                i = pop_index[id(mon.population)]
                rec_mask[pop_start[i]:pop_start[i + 1]] = True
        self._monitors = list(net.monitors)
        self._state_monitors = [m for m in self._monitors if isinstance(m, StateMonitor)]
        self._every_steps = {}
        for mon in self._state_monitors:
            every = dt if mon.every is None else mon.every
            self._every_steps[mon] = to_steps(every, dt, name="record: every", minimum=1)

        # Weight-changing plasticity: one rule index per plastic projection, one postsynaptic
        # trace slot per (rule, postsynaptic neuron).
        rules, pl_pos, pl_q, q_rule, n_q, user_rules = [], [], [], [], 0, []
        proj_tables = {}
        for proj, c, (table, off, n) in zip(net.projections, proj_channel, proj_slot):
            pos = main_pos[id(proj)] if table == "main" else inv_stp[off:off + n]
            if id(proj) in blocks:
                proj_tables[id(proj)] = [table, blocks[id(proj)], None]
            else:  # (a slice of inv_stp is copied, so that the whole can be freed)
                proj_tables[id(proj)] = [table, pos if table == "main" else pos.copy(), None]
            if proj.plasticity is None or table != "main":
                continue
            i_post = pop_index[id(proj.post)]
            if isinstance(proj.plasticity, PlasticityRule):
                user_rules.append((proj, pos, target[pos].astype(np.int64) - ch_start[c],
                                   (pop_start[i_post], pop_start[i_post + 1])))
                continue
            q_rule.append((pop_start[i_post], pop_start[i_post + 1], n_q))
            rules.append(proj.plasticity)
            pl_pos.append(pos)
            pl_q.append(target[pos].astype(np.int64) - ch_start[c] + n_q)
            n_q += proj.post.n
        # Plastic synapses are indexed by (presynaptic neuron, delay): the kernel finds the
        # arrivals of one delay by bisection. p_of[i] is the index of the i-th one.
        all_pos, all_q = cat(pl_pos, np.int64), cat(pl_q, np.int64)
        all_rule = cat([np.full(pos.size, r, dtype=np.int64) for r, pos in enumerate(pl_pos)],
                       np.int64)
        # Rules written as statements: tables of their own per projection, sorted by
        # (presynaptic neuron, delay) as the built-in rules' are.
        self._user_rules = []
        self._ul = ()
        rule_kernels = []
        for proj, pos, post_q, post_range in user_rules:
            row = np.searchsorted(indptr, pos, side="right") - 1
            order = np.lexsort((delay[pos], row))
            rule_tables = build_rule_tables(proj.plasticity, dt, n_total, row[order],
                                            delay[pos[order]], pos[order], post_q[order],
                                            proj.post.n, post_range, burst=st_burst)
            self._user_rules.append(proj)
            self._ul += (rule_tables,)
            rule_kernels.append(proj.plasticity.kernel())
        del main_pos, pl_pos
        pl_row = np.searchsorted(indptr, all_pos, side="right") - 1  # row of each
        order = np.lexsort((all_rule, delay[all_pos], pl_row))
        del all_rule
        p_of = np.empty(order.size, dtype=np.int64)
        p_of[order] = np.arange(order.size)
        pl = build_stdp_tables(rules, dt, n_total, pl_row[order],
                               delay[all_pos[order]], all_pos[order], all_q[order], n_q,
                               np.array(q_rule, dtype=np.int64).reshape(-1, 3), burst=st_burst)
        del pl_row, all_pos, all_q, order
        off = 0
        self._reward_rules = []
        for proj in self._user_rules:  # plain weights: no reward synapse to bring up to date
            proj_tables[id(proj)][2] = np.full(proj_tables[id(proj)][1].size, -1, dtype=np.int64)
        for r, proj in enumerate(p for p in net.projections
                                 if p.plasticity is not None and proj_tables[id(p)][0] == "main"
                                 and not isinstance(p.plasticity, PlasticityRule)):
            n = proj_tables[id(proj)][1].size
            proj_tables[id(proj)][2] = p_of[off:off + n]
            off += n
            if isinstance(proj.plasticity, RewardSTDP):
                self._reward_rules.append((proj, r))
        self._weight_monitors = list(net.weight_monitors)
        for mon in self._weight_monitors:
            n = proj_tables[id(mon.projection)][1].size
            if mon.synapses is not None and mon.synapses.size and mon.synapses.max() >= n:
                raise ValueError(f"record_weights: synapse index {int(mon.synapses.max())} is "
                                 f"outside [0, {n}) for projection {mon.projection.name!r}")
            every = dt if mon.every is None else mon.every
            self._every_steps[mon] = to_steps(every, dt, name="record_weights: every", minimum=1)

        # Everything validated: keep it.
        self._proj_tables = proj_tables
        self._pl = tuple(pl[f] for f in STDP_FIELDS)
        self._stp = (stp_indptr, stp_target, stp_weight, stp_delay, stp_par,
                     np.zeros(stp_target.size), np.ones(stp_target.size),
                     np.zeros(stp_target.size, dtype=np.int64), np.array([dt]))
        self._weight_chunks = {m: [] for m in self._weight_monitors}
        self._tables = tables
        self._channel_ids = channels
        self._proj_channel = proj_channel
        self._n_total = n_total
        self._pop_kind = pop_kind
        self._pop_par = pop_par
        self._pop_ch = (pop_ch_ptr, pop_ch)
        self._state = state
        self._refrac = np.zeros(n_total, dtype=np.int64)
        self._i_inj = np.zeros(n_total)
        self._i_det = np.zeros(n_total)
        self._channels = (ch_kind, ch_cond, ch_start, ch_coef, ch_erev)
        self._x1 = np.zeros(n_slots)
        self._x2 = np.zeros(n_slots)
        self._work = np.zeros((5, int(sizes.max()) if sizes.size else 0))
        self._ring = ring_buffer(n_slots, max_delay)
        self._csr = (indptr, target, weight, delay)
        self._poisson_p = poisson_p
        # Which parts of the compiled loop this network needs (neurosim.loop).
        present = set(int(k) for k in pop_kind)
        self._loop = compiled_loop(
            {"poisson": KIND_POISSON in present,
             "stp": stp_target.size > 0, "plasticity": len(rules) > 0,
             "noise": self._noise[0].size > 0}, kernels, rule_kernels)
        self._fired = np.zeros(n_total + st_burst, dtype=np.int64)
        self._rec_mask = rec_mask
        self._spk_room = int(rec_mask.sum()) + st_burst
        self._spk_chunks = []
        self._state_chunks = {m: [] for m in self._state_monitors}

    def _spike_probability(self, pop, rate):
        rate = np.broadcast_to(np.asarray(rate, dtype=np.float64), (pop.n,))
        prob = rate * self.dt / HZ_PER_INV_MS
        if prob.size and prob.max() > 1.0:
            raise ValueError(f"PoissonSource {pop.name!r}: rate {float(rate.max())!r} Hz "
                             f"exceeds one spike per step of dt = {self.dt!r} ms")
        return prob

    # ------------------------------------------------------------------------------------------
    @property
    def n_synapses(self):
        """Number of synapses in the engine's tables."""
        return int(self._csr[1].size + self._stp[1].size)

    def set_rate(self, population, rate):
        """Change the rate (Hz) of a :class:`PoissonSource` population for later runs.

        Parameters
        ----------
        population : Population
        rate : float or array_like
            Hz, >= 0; scalar or one value per neuron.
        """
        i = self._index(population)
        if not isinstance(population.model, PoissonSource):
            raise ValueError(f"set_rate: {population.name!r} is not a PoissonSource")
        checked = PoissonSource(rate=rate).rate
        if np.ndim(checked) == 1 and checked.shape[0] != population.n:
            raise ValueError(f"set_rate: rate must have {population.n} values, got "
                             f"{checked.shape[0]}")
        prob = self._spike_probability(population, checked)
        self._poisson_p[self._pop_start[i]:self._pop_start[i + 1]] = prob
        if self._backend is not None:
            self._backend.set_rate(population, np.broadcast_to(checked, (population.n,)))

    def get(self, population, variable):
        """A copy of the current values of a state variable of a population."""
        i = self._index(population)
        valid = list(population.model.state_vars)
        if variable not in valid:
            raise ValueError(f"get: {type(population.model).__name__} has no state variable "
                             f"{variable!r}; valid: {valid}")
        if self._backend is not None:
            return self._backend.get(population, variable)
        row = valid.index(variable)
        return self._state[row, self._pop_start[i]:self._pop_start[i + 1]].copy()

    def _index(self, population):
        if id(population) not in self._pop_index or \
                self._pops[self._pop_index[id(population)]] is not population:
            raise ValueError(f"{population!r} is not a population of this simulator's network")
        return self._pop_index[id(population)]

    # ------------------------------------------------------------------------------------------
    def run(self, duration, *, checkpoint_every=None, checkpoint_path=None):
        """Advance the simulation by ``duration`` ms (a whole multiple of dt).

        May be called again to continue; ``run(a); run(b)`` gives bitwise the same result as
        ``run(a + b)``.

        Parameters
        ----------
        duration : float
            ms, >= 0, a whole multiple of dt.
        checkpoint_every : float, optional
            Write a checkpoint (:meth:`checkpoint`) to ``checkpoint_path`` every this many ms
            of simulated time (a whole multiple of dt), counted from t = 0, and at the end of
            the run. Each one atomically replaces the previous one.
        checkpoint_path : str or os.PathLike, optional
            Required with ``checkpoint_every``.

        Raises
        ------
        ValueError
            If ``duration`` is negative or not a whole multiple of dt.
        FloatingPointError
            If a state variable became NaN or infinite (naming population, variable, neuron and
            time).
        KeyboardInterrupt
            On Ctrl-C. The run stops at the end of the current chunk of the compiled loop (a
            second Ctrl-C stops at once); the records up to that step are kept, ``sim.t`` is
            the time reached and ``run`` may be called again to continue exactly.
        """
        n_steps = to_steps(duration, self.dt, name="run: duration")
        every_steps = None
        if checkpoint_every is not None or checkpoint_path is not None:
            if checkpoint_every is None or checkpoint_path is None:
                raise ValueError(f"run: give checkpoint_every and checkpoint_path together, got "
                                 f"checkpoint_every={checkpoint_every!r}, "
                                 f"checkpoint_path={checkpoint_path!r}")
            if self._backend is not None:
                raise ValueError("run: only engine 'neurosim' can write checkpoints")
            self._refuse_checkpoint_of_stream("run")
            every_steps = to_steps(_checks.positive("run", "checkpoint_every", checkpoint_every,
                                                    "ms"),
                                   self.dt, name="run: checkpoint_every", minimum=1)
            folder = os.path.dirname(os.path.abspath(os.fspath(checkpoint_path)))
            if not os.path.isdir(folder):
                raise FileNotFoundError(f"run: checkpoint_path {checkpoint_path!r}: folder "
                                        f"{folder!r} does not exist")
        if n_steps == 0:
            return
        if self._backend is not None:
            self._backend.run(n_steps)
            self.step += n_steps
            return
        if every_steps is None:
            self._run(n_steps)
            return
        # run(a); run(b) equals run(a + b), so periodic checkpoints split the run there.
        stop = self.step + n_steps
        while self.step < stop:
            todo = min(stop, (self.step // every_steps + 1) * every_steps) - self.step
            self._clean_stop = False
            try:
                self._run(todo)
            except KeyboardInterrupt:
                if self._clean_stop:  # stopped at a chunk boundary: keep what was done
                    self.checkpoint(checkpoint_path)
                raise
            self.checkpoint(checkpoint_path)

    def checkpoint(self, path):
        """Write the whole state of the simulation to ``path`` (one ``.npz``, atomically).

        It holds the neuron state, refractory counters, delay buffers (spikes in transit),
        weights and plasticity traces, injection pointers, the random generator, the step
        counter and the records so far; :meth:`resume` continues from it bitwise, in this
        process or another. See :mod:`neurosim.checkpoint`.

        Parameters
        ----------
        path : str or os.PathLike
        """
        self._refuse_checkpoint_of_stream("checkpoint")
        from .checkpoint import save_checkpoint
        save_checkpoint(self, path)

    def _refuse_checkpoint_of_stream(self, what):
        # A checkpoint holds the spikes in memory only; those already streamed to disk would
        # be missing from a resumed simulator's records.
        if self._stream is not None:
            raise ValueError(f"{what}: a simulator that streams its spikes "
                             f"(stream_spikes_to={self._stream['folder']!r}) cannot be "
                             f"checkpointed")

    @classmethod
    def resume(cls, path, network, *, progress=False):
        """A simulator continued from a checkpoint written by :meth:`checkpoint`.

        Parameters
        ----------
        path : str or os.PathLike
        network : Network
            The description the checkpointed simulator was built from (rebuilt by the same
            script in a new process); ``dt`` and the seed come from the checkpoint.
        progress : bool

        Returns
        -------
        Simulator
            At the checkpoint's time with its records; ``run`` continues bitwise as the
            uninterrupted simulation.

        Raises
        ------
        ValueError
            If the checkpoint has another format version or was made for a different network
            (the message names the first differing parameter).
        """
        from .checkpoint import resume
        return resume(path, network, progress=progress)

    def _run(self, n_steps):
        step0 = self.step
        # State-sample buffers for this run.
        offsets, total = {}, 0
        probe = ([], [], [], [], [], [])
        for mon in self._state_monitors:
            m = self._every_steps[mon]
            n_samples = (step0 + n_steps) // m - step0 // m
            i = self._pop_index[id(mon.population)]
            row = mon.population.model.state_vars.index(mon.variable)
            n_rec = mon.neurons.size
            offsets[mon] = (total, n_samples, n_rec)
            for col, j in enumerate(mon.neurons):
                probe[0].append(row)
                probe[1].append(self._pop_start[i] + j)
                probe[2].append(m)
                probe[3].append(total + col)
                probe[4].append(n_rec)
                probe[5].append(step0 // m)
            total += n_samples * n_rec
        probe = tuple(np.array(a, dtype=np.int64) for a in probe)
        probe_out = np.full(total, np.nan)
        # Weight-sample buffers, laid out as the state samples.
        w_offsets, w_total = {}, 0
        wprobe = ([], [], [], [], [], [])
        for mon in self._weight_monitors:
            m = self._every_steps[mon]
            n_samples = (step0 + n_steps) // m - step0 // m
            _, pos, p_idx = self._table_of(mon.projection)
            cols = np.arange(pos.size) if mon.synapses is None else mon.synapses
            w_offsets[mon] = (w_total, n_samples, cols.size)
            for col, j in enumerate(cols):
                wprobe[0].append(pos[j])
                wprobe[1].append(-1 if p_idx is None else p_idx[j])
                wprobe[2].append(m)
                wprobe[3].append(w_total + col)
                wprobe[4].append(cols.size)
                wprobe[5].append(step0 // m)
            w_total += n_samples * cols.size
        wprobe = tuple(np.array(a, dtype=np.int64) for a in wprobe) + (np.full(w_total, np.nan),)

        # The compiled loop runs in chunks of at most CHUNK_STEPS steps: between chunks the
        # state is checked for NaN/inf, the progress bar moves and Ctrl-C is honoured. What
        # was recorded up to an interruption or an error is kept.
        bar = None
        chunk = CHUNK_STEPS
        if self.progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=n_steps, unit="step", desc="neurosim")
            chunk = min(CHUNK_STEPS, max(1, n_steps // 100))
        done = 0
        sigint = DeferredInterrupt()
        try:
            with sigint:
                while done < n_steps:
                    todo = min(chunk, n_steps - done)
                    before = self.t
                    got = self._advance(todo, probe, probe_out, wprobe)
                    done += got
                    if self._stream is not None:
                        self._flush_spikes()
                    if bar is not None:
                        bar.update(got)
                    self._check_finite(before)
                    if sigint.requested:
                        self._clean_stop = True
                        raise KeyboardInterrupt(
                            f"neurosim: run interrupted at t = {self.t:g} ms (step "
                            f"{self.step}); the records so far are kept, run() continues")
        finally:
            if bar is not None:
                bar.close()
            for mon, (off, _, n_rec) in offsets.items():
                m = self._every_steps[mon]
                n_samples = self.step // m - step0 // m
                first = step0 // m + 1
                times = np.arange(first, first + n_samples) * m * self.dt
                values = probe_out[off:off + n_samples * n_rec].reshape(n_samples, n_rec)
                self._state_chunks[mon].append((times, values))
            for mon, (off, _, n_rec) in w_offsets.items():
                m = self._every_steps[mon]
                n_samples = self.step // m - step0 // m
                first = step0 // m + 1
                times = np.arange(first, first + n_samples) * m * self.dt
                values = wprobe[-1][off:off + n_samples * n_rec].reshape(n_samples, n_rec)
                self._weight_chunks[mon].append((times, values.copy()))

    def _advance(self, n_steps, probe, probe_out, wprobe):
        """Run up to ``n_steps`` in the compiled loop, growing the spike buffer as needed."""
        cap = max(4 * self._spk_room, 1 << 14)
        done = 0
        while done < n_steps:
            spk_step = np.empty(cap, dtype=np.int64)
            spk_idx = np.empty(cap, dtype=np.int64)
            count = np.zeros(1, dtype=np.int64)
            got = self._loop(
                self.step, n_steps - done, self._pop_start, self._pop_kind, self._pop_par,
                *self._pop_ch, self._state, self._refrac, self._i_inj, self._i_det,
                *self._channels, self._x1, self._x2, self._work, self._ring, *self._csr,
                *self._inj, *self._noise, *self._st, self._poisson_p, self.rng, self._fired,
                self._rec_mask, spk_step, spk_idx, count, self._spk_room, *probe, probe_out,
                self._stp, self._pl, *wprobe, self._ul)
            self.step += got
            done += got
            n = int(count[0])
            if n:
                self._spk_chunks.append((spk_step[:n].copy(), spk_idx[:n].copy()))
            if done < n_steps:
                cap *= 2  # stopped early because the spike buffer was nearly full
        return done

    def _flush_spikes(self):
        """Write the spikes in memory (steps ``[_stream_step, step)``) as one chunk, then drop
        them; if the write fails they stay in memory for the next flush."""
        if self.step == self._stream_step:
            return
        from .io import write_spike_chunk
        write_spike_chunk(self._stream, self._stream_step, self.step,
                          cat([c[0] for c in self._spk_chunks], np.int64),
                          cat([c[1] for c in self._spk_chunks], np.int64))
        self._spk_chunks = []
        self._stream_step = self.step

    def _check_finite(self, since):
        for i, p in enumerate(self._pops):
            if not isinstance(p.model, NeuronModel):
                continue
            for row, var in enumerate(p.model.state_vars):
                values = self._state[row, self._pop_start[i]:self._pop_start[i + 1]]
                bad = ~np.isfinite(values)
                if bad.any():
                    j = int(np.argmax(bad))
                    raise FloatingPointError(
                        f"population {p.name!r}: {var} of neuron {j} is {float(values[j])!r} at "
                        f"t = {self.t:g} ms (it became non-finite after t = {since:g} ms); "
                        f"reduce dt or check the parameters")

    # ------------------------------------------------------------------------------------------
    def _record(self, monitor):
        if self._backend is not None and any(monitor is m for m in self._monitors):
            return self._backend.record(monitor)
        if isinstance(monitor, SpikeMonitor) and any(monitor is m for m in self._monitors):
            from .io import read_spike_stream, spike_record_of
            chunks = list(self._spk_chunks)
            if self._stream is not None:  # the spikes already streamed come first
                _, steps, idx, stop = read_spike_stream(self._stream["folder"])
                if stop != self._stream_step:
                    raise ValueError(f"the spike stream {self._stream['folder']!r} covers steps "
                                     f"[0, {stop}), this simulator wrote [0, "
                                     f"{self._stream_step}): its files were changed")
                chunks.insert(0, (steps, idx))
            steps = cat([c[0] for c in chunks], np.int64)
            idx = cat([c[1] for c in chunks], np.int64)
            i = self._index(monitor.population)
            return spike_record_of(steps, idx, int(self._pop_start[i]), monitor.population.n,
                                   self.dt, self.step, monitor.population.name)
        if isinstance(monitor, StateMonitor) and monitor in self._state_chunks:
            chunks = self._state_chunks[monitor]
            n_rec = monitor.neurons.size
            times = np.concatenate([c[0] for c in chunks]) if chunks else np.zeros(0)
            values = np.concatenate([c[1] for c in chunks]) if chunks else np.zeros((0, n_rec))
            return StateRecord(times=times, values=values, neurons=monitor.neurons,
                               variable=monitor.variable, population=monitor.population.name)
        if isinstance(monitor, WeightMonitor) and monitor in self._weight_chunks:
            chunks = self._weight_chunks[monitor]
            table, pos, _ = self._table_of(monitor.projection)
            cols = np.arange(pos.size) if monitor.synapses is None else monitor.synapses
            pre, post = self._pre_post(monitor.projection)
            if self._backend is not None:
                times, values = self._backend.record_weights(monitor, cols)
            else:
                times = np.concatenate([c[0] for c in chunks]) if chunks else np.zeros(0)
                values = np.concatenate([c[1] for c in chunks]) if chunks else \
                    np.zeros((0, cols.size))
            return WeightRecord(times=times, values=values, synapses=cols, pre=pre[cols],
                                post=post[cols], projection=monitor.projection.name)
        raise KeyError(f"{monitor!r} is not a monitor of this simulator's network (make one with "
                       f"net.record_spikes(...), net.record(...) or net.record_weights(...) "
                       f"before Simulator(...))")

    # ------------------------------------------------------------------------------------------
    def _proj_table(self, projection, what):
        if not any(projection is p for p in self.network.projections) or \
                id(projection) not in self._proj_tables:
            raise ValueError(f"{what}: {projection!r} is not a projection of this simulator's "
                             f"network")
        return self._table_of(projection)

    def _table_of(self, projection):
        """``(table, positions, plastic indices)`` of a projection's synapses, in the order
        the connector made them."""
        table, pos, p_idx = self._proj_tables[id(projection)]
        if isinstance(pos, _RowBlocks):
            pos = pos.positions(self._csr[0])
        return table, pos, p_idx

    def _pre_post(self, projection):
        table, pos, _ = self._table_of(projection)
        indptr, target = (self._csr if table == "main" else self._stp)[:2]
        rows = np.repeat(np.arange(self._n_total, dtype=np.int64), np.diff(indptr))
        pre = rows[pos] - self._pop_start[self._pop_index[id(projection.pre)]]
        c = self._proj_channel[[i for i, p in enumerate(self.network.projections)
                                if p is projection][0]]
        post = target[pos].astype(np.int64) - self._channels[2][c]
        return pre, post

    def weights(self, projection):
        """The weight table of a projection now (after the steps run so far).

        Parameters
        ----------
        projection : Projection

        Returns
        -------
        WeightTable
            ``pre``, ``post`` (indices within their populations), ``weight`` (the
            projection's weight unit; reward-modulated weights brought up to the current
            time) and ``delay`` (ms), one entry per synapse in the order the connector made
            them -- the order ``net.record_weights(..., synapses=...)`` indexes.
        """
        table, pos, p_idx = self._proj_table(projection, "weights")
        pre, post = self._pre_post(projection)
        if self._backend is not None:
            if not hasattr(self._backend, "weights"):
                raise ValueError(f"weights: engine {type(self._backend).__name__} does not "
                                 f"report weights; use engine 'neurosim'")
            d = (self._csr if table == "main" else self._stp)[3][pos]
            return WeightTable(pre=pre, post=post, weight=self._backend.weights(projection),
                               delay=d * self.dt, projection=projection.name)
        if table == "main":
            w = np.empty(pos.size)
            weights_now(self.step, self._csr[2], self._pl, pos,
                        np.full(pos.size, -1, dtype=np.int64) if p_idx is None else p_idx, w)
            d = self._csr[3][pos]
        else:
            w = self._stp[2][pos].copy()
            d = self._stp[3][pos]
        return WeightTable(pre=pre, post=post, weight=w, delay=d * self.dt,
                           projection=projection.name)

    def reward(self, amount, projection=None):
        """Add ``amount`` to the dopamine level ``d`` of reward-modulated projections, now.

        ``d`` then decays with the rule's ``tau_d`` and turns eligibility into weight change
        (``dw/dt = c d``; :class:`~neurosim.plasticity.RewardSTDP`). Call it between runs: a
        script that rewards at time ``t`` runs to ``t``, calls ``reward`` and runs on.

        Parameters
        ----------
        amount : float
            Jump of ``d`` (per ms); negative for punishment.
        projection : Projection, optional
            One :class:`RewardSTDP` projection; default all of them.
        """
        amount = _checks.finite("reward", "amount", amount)
        if projection is not None:
            self._proj_table(projection, "reward")
            if not isinstance(projection.plasticity, RewardSTDP):
                raise ValueError(f"reward: projection {projection.name!r} has no RewardSTDP "
                                 f"plasticity")
        targets = [(p, r) for p, r in self._reward_rules if projection is None or p is projection]
        if not targets:
            raise ValueError("reward: the network has no RewardSTDP projection")
        dopa, dopa_step = self._pl[STDP_FIELDS.index("dopa")], \
            self._pl[STDP_FIELDS.index("dopa_step")]
        for proj, r in targets:
            reward_catch_up_rule(self.step, r, self._csr[2], self._pl)
            d_now = dopa[r] * math.exp(-(self.step - dopa_step[r]) * self.dt
                                       / proj.plasticity.tau_d)
            dopa[r] = d_now + amount
            dopa_step[r] = self.step
            if self._backend is not None:  # only NEST runs RewardSTDP on another engine
                self._backend.set_dopamine(r, dopa[r])

    def dopamine(self, projection):
        """The dopamine level ``d`` (per ms) of a :class:`RewardSTDP` projection now."""
        self._proj_table(projection, "dopamine")
        for proj, r in self._reward_rules:
            if proj is projection:
                dopa, dopa_step = self._pl[STDP_FIELDS.index("dopa")], \
                    self._pl[STDP_FIELDS.index("dopa_step")]
                return float(dopa[r] * math.exp(-(self.step - dopa_step[r]) * self.dt
                                                / proj.plasticity.tau_d))
        raise ValueError(f"dopamine: projection {projection.name!r} has no RewardSTDP "
                         f"plasticity")


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


def cat(parts, dtype):
    """Concatenate a list of arrays (possibly empty) into one array of ``dtype``."""
    if not parts:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(parts).astype(dtype, copy=False)


def _available_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
