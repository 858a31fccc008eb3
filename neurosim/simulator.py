"""Run a :class:`neurosim.Network` with an integer clock: the facade over the build
(:mod:`neurosim.build`, the network as named arrays), the compiled loop (:mod:`neurosim.loop`),
the records and the runtime API.

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
   to ring row ``(k + d + 1) % L``: the spike arrives at ``spike time + delay`` (step
   ``k + d``) and acts from the next integration step on, ``k + d + 1``, as in NEST and
   Brian2 (:mod:`neurosim.delays`). Reward-modulated synapses of the neurons that fired are
   first brought up to step ``k``; Tsodyks-Markram synapses add ``w u x`` after updating
   their ``u`` and ``x`` (:mod:`neurosim.plasticity`).
5. **Plasticity** of step ``k``: the presynaptic spikes *arriving* in step ``k`` (emitted in
   step ``k - d``) depress, then the postsynaptic spikes of step ``k`` potentiate (so a
   pair with ``Δt = t_post - (t_pre + delay) = 0`` potentiates; conventions in
   :mod:`neurosim.plasticity`).
6. **Record** the spikes of step ``k``, the state samples due after step ``k`` (the state at
   time ``(k + 1) dt``) and the weight samples due after step ``k``.

So nothing a spike causes can act within its own step, even with a delay of 0 (Brian2's
default, allowed; NEST's minimum and neurosim's default is ``dt``). A delay ``D`` is the same
delay on all three engines: the same network typed into Brian2 or NEST with the same delays
gives the same spikes.

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
import threading
import warnings
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from nsdurable import DeferredInterrupt

from . import _checks
from . import checkpoint as _checkpoint
from . import engines as _engines
from . import io as _io
from .build import Build, Recording, _RowBlocks, build, spike_probability
from .inputs import PoissonSource
from .inputs.base import cat
from .network import Network, Population, Projection, SpikeMonitor, StateMonitor, WeightMonitor
from .neurons import NeuronModel
from .plasticity import RewardSTDP, as_statements
from .plasticity.rule import RULE_FIELDS
from .records import SpikeRecord, StateRecord, WeightRecord, WeightTable
from .units import to_steps

__all__ = ["Simulator"]

#: Steps per call of the compiled loop (see :meth:`Simulator.run`).
CHUNK_STEPS = 1000


class _Data:
    """``sim.data[monitor]``: the record of a monitor so far."""

    def __init__(self, sim: Simulator) -> None:
        self._sim = sim

    @overload
    def __getitem__(self, monitor: SpikeMonitor) -> SpikeRecord: ...
    @overload
    def __getitem__(self, monitor: StateMonitor) -> StateRecord: ...
    @overload
    def __getitem__(self, monitor: WeightMonitor) -> WeightRecord: ...

    def __getitem__(self, monitor: SpikeMonitor | StateMonitor | WeightMonitor,
                    ) -> SpikeRecord | StateRecord | WeightRecord:
        return self._sim._record(monitor)


def _run_threads(b, args):
    """Run the compiled loop's ``run_part`` on the build's threads (:mod:`neurosim.threads`):
    threads 1.. on their own Python threads (the compiled code runs without the GIL), thread
    0 on this one; returns the steps done."""
    b.threads.sync[:] = 0
    n = b.threads.seg_start.shape[0]
    part = b.loop_module.run_part
    others = [threading.Thread(target=part, args=(t, *args, b.threads), daemon=True)
              for t in range(1, n)]
    for th in others:
        th.start()
    done = part(0, *args, b.threads)
    for th in others:
        th.join()
    return done


def _check_threads(threads):
    """``threads`` as an int >= 1; more than the machine's cores is allowed, with a warning."""
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise TypeError(f"Simulator.threads must be an integer >= 1, got {threads!r}")
    if threads < 1:
        raise ValueError(f"Simulator.threads must be >= 1, got {int(threads)}")
    cores = os.cpu_count() or 1
    if threads > cores:
        warnings.warn(f"Simulator.threads = {int(threads)} is more than this machine's {cores} "
                      f"cores: the results are the same, the run is slower", stacklevel=3)
    return int(threads)


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
        ``{"threads": n}``,
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
    threads : int
        Threads the engine runs each step on (default 1), >= 1. The results are the same,
        bit for bit, for any number (:mod:`neurosim.threads`: each thread integrates a range
        of neurons and adds the synapses onto them, every sum in one thread's order); what
        changes is the speed. More threads than the machine's cores is allowed (with a
        warning) but slower. One by default, as NEST's ``local_num_threads``: a sweep of many
        simulations (:func:`neurosim.sweep`) gains more from one process per core, and small
        networks gain nothing (``benchmarks/bench_threads.py``). Engine ``"nest"`` receives
        it as its ``threads`` option; engine ``"brian2"`` runs on one thread.

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

    def __init__(self, network: Network, dt: float = 0.1, seed: int | None = None, *,
                 engine: str = "neurosim", engine_options: dict[str, Any] | None = None,
                 progress: bool = False,
                 stream_spikes_to: str | os.PathLike[str] | None = None,
                 threads: int = 1) -> None:
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
        self.threads = _check_threads(threads)
        if self.threads > 1 and engine == "brian2":
            raise ValueError(f"Simulator: threads applies to engines 'neurosim' and 'nest', "
                             f"got threads={self.threads} with engine 'brian2' (its runtime "
                             f"mode runs on one thread)")
        if self.threads > 1 and engine == "nest":
            given = (engine_options or {}).get("threads", self.threads)
            if given != self.threads:
                raise ValueError(f"Simulator: threads={self.threads} but engine_options "
                                 f"threads={given!r}; give one of them")
            engine_options = {**(engine_options or {}), "threads": self.threads}
        self.seed = seed
        self.progress = bool(progress)
        self.network = network
        self.rng = np.random.default_rng(seed)
        # The generator's state before the build: a checkpoint stores it so that resume
        # rebuilds the same connectivity and initial values (neurosim.checkpoint).
        self._rng_initial = self.rng.bit_generator.state
        self.step = 0
        self.data = _Data(self)
        self._backend: Any = None
        self._b = build(network, self.dt, self.rng, keep_tables=engine != "neurosim",
                        threads=self.threads if engine == "neurosim" else 1)
        self._spk_chunks: list[tuple[np.ndarray, np.ndarray]] = []
        self._state_chunks: dict[StateMonitor, list[tuple[np.ndarray, np.ndarray]]] = {
            m: [] for m in self._b.state_monitors}
        self._weight_chunks: dict[WeightMonitor, list[tuple[np.ndarray, np.ndarray]]] = {
            m: [] for m in self._b.weight_monitors}
        # Spike streaming: the chunks on disk cover steps [0, _stream_step); _spk_chunks holds
        # the spikes of the steps after it.
        self._stream: dict[str, Any] | None = None
        self._stream_step = 0
        if stream_spikes_to is not None:
            self._stream = _io.open_spike_stream(stream_spikes_to, self)
        if engine != "neurosim":
            self._backend = _engines.engine_class(engine)(self, engine_options)

    # ------------------------------------------------------------------------------------------
    @property
    def built(self) -> Build:
        """The network as built (:class:`neurosim.build.Build`): its named array groups and
        where each population, projection and monitor lies in them. What the Brian2 and NEST
        engines translate; read it, do not change it (the arrays are the engine's own)."""
        return self._b

    @property
    def t(self) -> float:
        """Current time, ms (``step * dt``)."""
        return self.step * self.dt

    # ------------------------------------------------------------------------------------------
    @property
    def n_synapses(self) -> int:
        """Number of synapses in the engine's tables."""
        return int(self._b.synapses.target.size)

    def set_rate(self, population: Population, rate: npt.ArrayLike) -> None:
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
        prob = spike_probability(population, checked, self.dt)
        self._b.inputs["poisson_source"].p[self._b.pop_start[i]:self._b.pop_start[i + 1]] = prob
        if self._backend is not None:
            self._backend.set_rate(population, np.broadcast_to(checked, (population.n,)))

    def get(self, population: Population, variable: str) -> npt.NDArray[np.float64]:
        """A copy of the current values of a state variable of a population."""
        i = self._index(population)
        valid = list(population.model.state_vars)
        if variable not in valid:
            raise ValueError(f"get: {type(population.model).__name__} has no state variable "
                             f"{variable!r}; valid: {valid}")
        if self._backend is not None:
            return self._backend.get(population, variable)
        row = valid.index(variable)
        return self._b.neurons.state[row, self._b.pop_start[i]:self._b.pop_start[i + 1]].copy()

    def _index(self, population):
        if id(population) not in self._b.pop_index or \
                self._b.pops[self._b.pop_index[id(population)]] is not population:
            raise ValueError(f"{population!r} is not a population of this simulator's network")
        return self._b.pop_index[id(population)]

    # ------------------------------------------------------------------------------------------
    def run(self, duration: float, *, checkpoint_every: float | None = None,
            checkpoint_path: str | os.PathLike[str] | None = None) -> None:
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
                    self.checkpoint(checkpoint_path)  # type: ignore[arg-type]  # given: checked above
                raise
            self.checkpoint(checkpoint_path)  # type: ignore[arg-type]

    def checkpoint(self, path: str | os.PathLike[str]) -> None:
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
        _checkpoint.save_checkpoint(self, path)

    def _refuse_checkpoint_of_stream(self, what):
        # A checkpoint holds the spikes in memory only; those already streamed to disk would
        # be missing from a resumed simulator's records.
        if self._stream is not None:
            raise ValueError(f"{what}: a simulator that streams its spikes "
                             f"(stream_spikes_to={self._stream['folder']!r}) cannot be "
                             f"checkpointed")

    @classmethod
    def resume(cls, path: str | os.PathLike[str], network: Network, *,
               progress: bool = False, threads: int = 1) -> Simulator:
        """A simulator continued from a checkpoint written by :meth:`checkpoint`.

        Parameters
        ----------
        path : str or os.PathLike
        network : Network
            The description the checkpointed simulator was built from (rebuilt by the same
            script in a new process); ``dt`` and the seed come from the checkpoint.
        progress : bool
        threads : int
            As in the constructor; need not be the checkpointed simulator's count.

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
        return _checkpoint.resume(path, network, cls, progress=progress, threads=threads)

    def _run(self, n_steps):
        step0 = self.step
        # State-sample buffers for this run.
        offsets, total = {}, 0
        probe = ([], [], [], [], [], [])
        for mon in self._b.state_monitors:
            m = self._b.every_steps[mon]
            n_samples = (step0 + n_steps) // m - step0 // m
            i = self._b.pop_index[id(mon.population)]
            row = mon.population.model.state_vars.index(mon.variable)
            n_rec = mon.neurons.size
            offsets[mon] = (total, n_samples, n_rec)
            for col, j in enumerate(mon.neurons):
                probe[0].append(row)
                probe[1].append(self._b.pop_start[i] + j)
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
        wr_rule = []
        for mon in self._b.weight_monitors:
            m = self._b.every_steps[mon]
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
                wr_rule.append(self._b.lazy_rules.get(id(mon.projection), -1))
            w_total += n_samples * cols.size
        wprobe = tuple(np.array(a, dtype=np.int64) for a in wprobe) + (
            np.full(w_total, np.nan), np.array(wr_rule, dtype=np.int64))

        # The compiled loop runs in chunks of at most CHUNK_STEPS steps: between chunks the
        # state is checked for NaN/inf, the progress bar moves and Ctrl-C is honoured. What
        # was recorded up to an interruption or an error is kept.
        bar = None
        chunk = CHUNK_STEPS
        if self.progress:
            from nsdurable import progress_bar
            bar = progress_bar(total=n_steps, unit="step", desc="neurosim")
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
                m = self._b.every_steps[mon]
                n_samples = self.step // m - step0 // m
                first = step0 // m + 1
                times = np.arange(first, first + n_samples) * m * self.dt
                values = probe_out[off:off + n_samples * n_rec].reshape(n_samples, n_rec)
                self._state_chunks[mon].append((times, values))
            for mon, (off, _, n_rec) in w_offsets.items():
                m = self._b.every_steps[mon]
                n_samples = self.step // m - step0 // m
                first = step0 // m + 1
                times = np.arange(first, first + n_samples) * m * self.dt
                values = wprobe[-2][off:off + n_samples * n_rec].reshape(n_samples, n_rec)
                self._weight_chunks[mon].append((times, values.copy()))

    def _advance(self, n_steps, probe, probe_out, wprobe):
        """Run up to ``n_steps`` in the compiled loop, growing the spike buffer as needed."""
        cap = max(4 * self._b.spk_room, 1 << 14)
        done = 0
        while done < n_steps:
            spk_step = np.empty(cap, dtype=np.int64)
            spk_idx = np.empty(cap, dtype=np.int64)
            count = np.zeros(1, dtype=np.int64)
            b = self._b
            args = (self.step, n_steps - done, b.neurons, b.channels, b.synapses, b.inp, b.ul,
                    self.rng, Recording(b.fired, b.rec_mask, spk_step, spk_idx, count,
                                        b.spk_room, *probe, probe_out, *wprobe))
            got = b.loop(*args) if b.threads is None else _run_threads(b, args)
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
        _io.write_spike_chunk(self._stream, self._stream_step, self.step,
                          cat([c[0] for c in self._spk_chunks], np.int64),
                          cat([c[1] for c in self._spk_chunks], np.int64))
        self._spk_chunks = []
        self._stream_step = self.step

    def _check_finite(self, since):
        for i, p in enumerate(self._b.pops):
            if not isinstance(p.model, NeuronModel):
                continue
            for row, var in enumerate(p.model.state_vars):
                values = self._b.neurons.state[row, self._b.pop_start[i]:self._b.pop_start[i + 1]]
                bad = ~np.isfinite(values)
                if bad.any():
                    j = int(np.argmax(bad))
                    raise FloatingPointError(
                        f"population {p.name!r}: {var} of neuron {j} is {float(values[j])!r} at "
                        f"t = {self.t:g} ms (it became non-finite after t = {since:g} ms); "
                        f"reduce dt or check the parameters")

    # ------------------------------------------------------------------------------------------
    def _record(self, monitor):
        if self._backend is not None and any(monitor is m for m in self._b.monitors):
            return self._backend.record(monitor)
        if isinstance(monitor, SpikeMonitor) and any(monitor is m for m in self._b.monitors):
            chunks = list(self._spk_chunks)
            if self._stream is not None:  # the spikes already streamed come first
                _, steps, idx, stop = _io.read_spike_stream(self._stream["folder"])
                if stop != self._stream_step:
                    raise ValueError(f"the spike stream {self._stream['folder']!r} covers steps "
                                     f"[0, {stop}), this simulator wrote [0, "
                                     f"{self._stream_step}): its files were changed")
                chunks.insert(0, (steps, idx))
            steps = cat([c[0] for c in chunks], np.int64)
            idx = cat([c[1] for c in chunks], np.int64)
            i = self._index(monitor.population)
            return _io.spike_record_of(steps, idx, int(self._b.pop_start[i]), monitor.population.n,
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
                id(projection) not in self._b.proj_tables:
            raise ValueError(f"{what}: {projection!r} is not a projection of this simulator's "
                             f"network")
        return self._table_of(projection)

    def _table_of(self, projection):
        """``(table, positions, plastic indices)`` of a projection's synapses, in the order
        the connector made them."""
        table, pos, p_idx = self._b.proj_tables[id(projection)]
        if isinstance(pos, _RowBlocks):
            pos = pos.positions(self._b.synapses[0])
        return table, pos, p_idx

    def _pre_post(self, projection):
        table, pos, _ = self._table_of(projection)
        syn = self._b.synapses
        if table == "main":
            rows = np.repeat(np.arange(self._b.n_total, dtype=np.int64), np.diff(syn.indptr))
            pre = rows[pos]
        else:  # synapses whose rule transmits at arrival, after indptr[-1]
            pre = np.searchsorted(syn.tx_indptr, pos - syn.indptr[-1], side="right") - 1
        pre = pre - self._b.pop_start[self._b.pop_index[id(projection.pre)]]
        target = syn.target
        c = self._b.proj_channel[[i for i, p in enumerate(self.network.projections)
                                if p is projection][0]]
        post = target[pos].astype(np.int64) - self._b.channels.start[c]
        return pre, post

    def weights(self, projection: Projection) -> WeightTable:
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
            them -- the order ``net.record_weights(..., synapses=...)`` indexes; ``n_pre``
            and ``n_post``, the populations' sizes, so that ``np.asarray(table)`` is the dense
            weight matrix.
        """
        table, pos, p_idx = self._proj_table(projection, "weights")
        pre, post = self._pre_post(projection)
        if self._backend is not None:
            if not hasattr(self._backend, "weights"):
                raise ValueError(f"weights: engine {type(self._backend).__name__} does not "
                                 f"report weights; use engine 'neurosim'")
            d = self._b.synapses.delay[pos]
            return WeightTable(pre=pre, post=post, weight=self._backend.weights(projection),
                               delay=d * self.dt, projection=projection.name,
                               n_pre=projection.pre.n, n_post=projection.post.n)
        w = np.empty(pos.size)
        u = self._b.lazy_rules.get(id(projection))
        if u is not None:  # weights integrated lazily: brought to now, nothing changed
            getattr(self._b.loop_module, self._b.rule_names[u] + "_weights_at")(
                self.step, self._b.synapses.weight, self._b.ul[u], p_idx, w)
        else:
            w[:] = self._b.synapses.weight[pos]
        d = self._b.synapses.delay[pos]
        return WeightTable(pre=pre, post=post, weight=w, delay=d * self.dt,
                           projection=projection.name, n_pre=projection.pre.n,
                           n_post=projection.post.n)

    def _shared(self, projection, name, what):
        """``(rule, row, index in ul)`` of the shared variable ``name`` of a projection's rule
        written as statements."""
        self._proj_table(projection, what)
        rule = as_statements(projection.plasticity)
        if rule is None or not hasattr(rule, "shared") or id(projection) not in {
                id(p) for p in self._b.user_rules}:
            raise ValueError(f"{what}: projection {projection.name!r} has no plasticity rule "
                             f"with shared variables (got {projection.plasticity!r})")
        if name not in rule.shared:
            raise ValueError(f"{what}: the rule {rule.name!r} of projection "
                             f"{projection.name!r} has no shared variable {name!r}; shared "
                             f"variables: {list(rule.shared)}")
        u = next(i for i, p in enumerate(self._b.user_rules) if p is projection)
        return rule, rule.shared.index(name), u

    def _shared_now(self, rule, j, u, name):
        sh = self._b.ul[u][RULE_FIELDS.index("sh_tr")]
        if name not in rule.taus:
            return float(sh[j, 0])
        decay = math.exp(-(self.step - np.int64(sh[j, 1])) * self.dt / rule.tau_value(name))
        rest = rule.rest_value(name)
        if rest == 0.0:
            return float(sh[j, 0] * decay)
        return float(rest + (sh[j, 0] - rest) * decay)

    def rule_variable(self, projection: Projection, name: str) -> float:
        """The value now of the shared variable ``name`` (flagged ``(shared)``, one per
        projection) of a projection's rule written as statements
        (:meth:`~neurosim.Plasticity.from_equations`); a shared trace decayed to now."""
        rule, j, u = self._shared(projection, name, "rule_variable")
        return self._shared_now(rule, j, u, name)

    def set_rule_variable(self, projection: Projection, name: str, value: float, *,
                          add: bool = False) -> None:
        """Set (or, with ``add=True``, add to) the shared variable ``name`` of a projection's
        rule written as statements, now (between runs). Synapses whose weight changes
        continuously (``dw/dt = x y``) are first brought up to now, so the new value acts
        from now on.

        Parameters
        ----------
        projection : Projection
        name : str
            A variable flagged ``(shared)`` in the rule's equations.
        value : float
            In the rule's units (time in ms).
        add : bool
            Add ``value`` to the variable's value now instead of setting it.
        """
        value = _checks.finite("set_rule_variable", "value", value)
        rule, j, u = self._shared(projection, name, "set_rule_variable")
        self._set_shared(projection, rule, j, u, name, value, add)

    def _set_shared(self, projection, rule, j, u, name, value, add):
        if rule.w_rate is not None:
            getattr(self._b.loop_module, self._b.rule_names[u] + "_catch_up_all")(
                self.step, self._b.synapses.weight, self._b.ul[u])
        sh = self._b.ul[u][RULE_FIELDS.index("sh_tr")]
        new = self._shared_now(rule, j, u, name) + value if add else value
        sh[j, 0] = new
        sh[j, 1] = self.step
        return new

    def reward(self, amount: float, projection: Projection | None = None) -> None:
        """Add ``amount`` to the dopamine level ``d`` of reward-modulated projections, now.

        ``d`` then decays with the rule's ``tau_d`` and turns eligibility into weight change
        (``dw/dt = c d``; :class:`~neurosim.plasticity.RewardSTDP`). Call it between runs: a
        script that rewards at time ``t`` runs to ``t``, calls ``reward`` and runs on. It is
        ``set_rule_variable(projection, "dopamine", amount / 1000, add=True)`` on each.

        Parameters
        ----------
        amount : float
            Jump of ``d``, Hz (1/s, the house unit of rates; ``reward(10.0)`` makes ``d``
            0.01 per ms); negative for punishment.
        projection : Projection, optional
            One :class:`RewardSTDP` projection; default all of them.
        """
        amount = _checks.finite("reward", "amount", amount, "Hz") / 1000.0  # Hz -> per ms
        if projection is not None:
            self._proj_table(projection, "reward")
            if not isinstance(projection.plasticity, RewardSTDP):
                raise ValueError(f"reward: projection {projection.name!r} has no RewardSTDP "
                                 f"plasticity")
        targets = [(p, r) for p, r in self._b.reward_rules if projection is None or p is projection]
        if not targets:
            raise ValueError("reward: the network has no RewardSTDP projection")
        for proj, u in targets:
            rule = as_statements(proj.plasticity)
            level = self._set_shared(proj, rule, rule.shared.index("dopamine"), u, "dopamine",
                                     amount, True)
            if self._backend is not None:  # only NEST runs RewardSTDP on another engine
                self._backend.set_dopamine(u, level)

    def dopamine(self, projection: Projection) -> float:
        """The dopamine level ``d`` of a :class:`RewardSTDP` projection now, Hz (1/s; the unit
        :meth:`reward` takes)."""
        self._proj_table(projection, "dopamine")
        for proj, _ in self._b.reward_rules:
            if proj is projection:
                return 1000.0 * self.rule_variable(proj, "dopamine")  # per ms -> Hz
        raise ValueError(f"dopamine: projection {projection.name!r} has no RewardSTDP "
                         f"plasticity")
