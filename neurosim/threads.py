"""Threads: the neurons split into contiguous ranges, one per thread, with results that do not
depend on the number of threads.

With ``Simulator(..., threads=n)`` the simulator starts ``n - 1`` Python threads for each call
of the compiled loop and runs ``run_part(t, ...)`` (:mod:`neurosim.loop`, compiled without the
GIL) on each, thread 0 on its own. The threads meet at a barrier (:func:`barrier`, a
spinning barrier on atomic counters) four times per step:

- **Integrate** (phases 2-3): thread ``t`` runs each population's kernel on the part of the
  population in its range ``[bounds[t], bounds[t + 1])`` (a *segment*), writing the spikes of
  the segment into the spike list at the segment's first neuron.
- Thread 0 alone: the spike sources in population order (they draw from the simulator's one
  generator, in the order one thread draws) and the segments moved together, population by
  population, thread by thread: the spike list is then in neuron order, as one thread makes it.
- **Push** (phase 4): every synapse belongs to the thread of its target neuron. Thread ``t``
  walks the whole spike list and adds only its own synapses, in table order (its table,
  :class:`Threads` ``run_ptr``/``runs``, cuts each row into runs of consecutive synapses onto
  its neurons: a row's targets are sorted within each projection's block, so a thread reads
  about its share of the row's bytes, where a list of positions made each thread read most
  of every row's cache lines and the push hardly gained from threads). Each
  receptor slot is written by one thread, and its inputs are added in the order one thread
  adds them (spike list order, then table order), so every sum is the same bit for bit.
- **Plasticity** (phase 5): each synapse of a rule belongs to its target's thread too
  (``Threads.rules``); thread ``t`` runs the arrivals at its synapses, then, after a barrier,
  its share of the presynaptic groups' updates, then, after another, the postsynaptic spikes
  of its neurons (:func:`neurosim.plasticity.rule.rule_source`; a network where a plastic
  projection's source can fire twice in one step runs the rules on thread 0).
- Thread 0 alone: recording, and the inputs of the next step (phase 1) but those that draw
  with a counter-based generator (``per_thread`` blocks, the Poisson drive: every thread runs
  them for its own neurons after the first barrier, :mod:`neurosim.random123`).

So the result of a simulation is the same for any number of threads (tested), and a checkpoint
written with one count resumes with another. Threads of our own rather than numba's
``parallel=True``: a parallel region costs about 10 us on this machine's threading layers
(two per step would eat the gain below 100k neurons), where the barrier costs under 1 us;
and numba's OpenMP layer in the same process as NEST's OpenMP crashes NEST. The cost: 16
bytes per run (about one per thread, row and projection: well under a byte per synapse for
sorted rows; a ``FromList`` in random order can have a run every other synapse) and 8 per
thread and neuron, four per plastic synapse; the gain needs work per
step well above the barriers' few microseconds (``benchmarks/bench_cuba.py --only threads``).
A barrier spins, then yields the core (``sched_yield``) so that more threads than cores still
progress (slowly).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["Threads", "thread_tables", "partition", "barrier", "SYNC_STOP", "SYNC_DONE",
           "SYNC_FIRED"]

#: Fields of ``Threads.sync`` (int64; the barrier's counter and generation on cache lines of
#: their own): whether to stop, how many steps were done, the spikes of the step.
SYNC_COUNT, SYNC_GENERATION, SYNC_STOP, SYNC_DONE, SYNC_FIRED = 0, 8, 16, 17, 18


class Threads(NamedTuple):
    """The tables the threaded loop reads (``T`` threads, ``P`` populations)."""
    bounds: np.ndarray    #: first neuron of each thread's range, and the total (int64, T + 1)
    seg_start: np.ndarray  #: first neuron of each (thread, population) segment (int64, T x P)
    seg_end: np.ndarray    #: its end (== seg_start when empty)
    seg_count: np.ndarray  #: spikes of each segment in this step (scratch, int64, T x P)
    src_count: np.ndarray  #: spikes of each source population in this step (scratch, P)
    ch_start: np.ndarray   #: per (thread, population): channel starts shifted to the segment
    run_ptr: np.ndarray    #: per thread: each row's runs, ``runs[run_ptr[t, g]:run_ptr[t, g + 1]]``
    runs: np.ndarray       #: ``[start, end)`` table positions of runs of one thread's synapses
    sync: np.ndarray       #: the barrier and the values thread 0 hands the others (int64)
    #: per plasticity rule (as ``ul``): ``(ptr, p)``, each thread's synapses of the rule by
    #: presynaptic neuron (``p[ptr[t, g]:ptr[t, g + 1]]``, indices in the rule's tables)
    rules: tuple = ()


def partition(n_total, n_threads):
    """``bounds`` of ``n_threads`` contiguous neuron ranges of sizes differing by at most 1."""
    return np.array([(n_total * t) // n_threads for t in range(n_threads + 1)], dtype=np.int64)


def thread_tables(n_threads, pop_start, ch_start, ch_pop, indptr, target, rules=()):
    """The :class:`Threads` of a built network for ``n_threads`` threads.

    Parameters
    ----------
    n_threads : int
    pop_start : int64 array (P + 1)
    ch_start : int64 array
        First receptor slot of each channel (its population's neuron ``i`` at ``+ i``).
    ch_pop : int64 array
        Population of each channel.
    indptr, target
        The pushed part of the synapse table (CSR by presynaptic neuron; targets are slots).
    rules : sequence of (ppre_ptr, p_q, post_start)
        Per plasticity rule: its synapses by presynaptic neuron (CSR pointers), the
        postsynaptic neuron of each (within its population) and that population's first
        neuron.
    """
    n_total = int(pop_start[-1])
    n_pops = pop_start.size - 1
    bounds = partition(n_total, n_threads)
    seg_start = np.clip(pop_start[None, :-1], bounds[:-1, None], bounds[1:, None])
    seg_end = np.clip(pop_start[None, 1:], bounds[:-1, None], bounds[1:, None])
    shift = seg_start - pop_start[None, :-1]  # where each segment starts in its population
    seg_ch = np.repeat(ch_start[None, :], n_threads * n_pops, axis=0)
    seg_ch += np.where(ch_pop[None, :] == np.tile(np.arange(n_pops), n_threads)[:, None],
                       shift.reshape(-1)[:, None], 0)
    sizes = pop_start[ch_pop + 1] - pop_start[ch_pop]
    n_slots = int((ch_start + sizes).max()) if ch_start.size else 0
    slot_thread = np.zeros(n_slots, dtype=np.int32)
    for c in range(ch_start.size):
        p = ch_pop[c]
        neurons = np.arange(pop_start[p], pop_start[p + 1])
        slot_thread[ch_start[c]:ch_start[c] + neurons.size] = \
            np.searchsorted(bounds, neurons, side="right") - 1
    run_ptr, runs = _runs(indptr, target, slot_thread, n_threads)
    rule_parts = []
    for ppre_ptr, p_q, post_start in rules:
        q_thread = (np.searchsorted(bounds, post_start + np.arange(int(p_q.max()) + 1 if p_q.size
                                                                   else 0), side="right")
                    - 1).astype(np.int32)
        n_p = int(ppre_ptr[-1])
        p = np.empty(n_p, dtype=np.int32 if n_p < 2**31 else np.int64)
        rule_parts.append((_split(ppre_ptr, p_q, q_thread, n_threads, p), p))
    return Threads(bounds, seg_start.astype(np.int64), seg_end.astype(np.int64),
                   np.zeros((n_threads, n_pops), dtype=np.int64),
                   np.zeros(n_pops, dtype=np.int64), seg_ch, run_ptr, runs,
                   np.zeros(32, dtype=np.int64), tuple(rule_parts))


@numba.njit(cache=True, nogil=True)
def _runs(indptr, target, slot_thread, n_threads):
    # Each row cut into runs of consecutive synapses onto one thread's neurons (a row's targets
    # come sorted within each projection's block, so a thread has about one run per block):
    # counted, then written; run_ptr holds every thread's runs one after the other.
    n = indptr.shape[0] - 1
    run_ptr = np.zeros((n_threads, n + 1), dtype=np.int64)
    for g in range(n):
        prev = -1
        for s in range(indptr[g], indptr[g + 1]):
            t = slot_thread[target[s]]
            if t != prev:
                run_ptr[t, g + 1] += 1
                prev = t
    total = 0
    for t in range(n_threads):
        run_ptr[t, 0] = total
        for g in range(n):
            run_ptr[t, g + 1] += run_ptr[t, g]
        total = run_ptr[t, n]
    runs = np.empty((total, 2), dtype=np.int64)
    nxt = run_ptr[:, :n].copy()
    for g in range(n):
        prev = -1
        for s in range(indptr[g], indptr[g + 1]):
            t = slot_thread[target[s]]
            if t != prev:
                runs[nxt[t, g], 0] = s
                nxt[t, g] += 1
                prev = t
            runs[nxt[t, g] - 1, 1] = s + 1
    return run_ptr, runs


@numba.njit(cache=True, nogil=True)
def _split(indptr, target, slot_thread, n_threads, pos):
    # Two passes over the table: count each thread's synapses per row, then place their
    # positions (a counting sort by (thread, row) that keeps the table order within a row).
    n = indptr.shape[0] - 1
    part = np.zeros((n_threads, n + 1), dtype=np.int64)
    for g in range(n):
        for s in range(indptr[g], indptr[g + 1]):
            part[slot_thread[target[s]], g + 1] += 1
    total = 0
    for t in range(n_threads):
        part[t, 0] = total
        for g in range(n):
            part[t, g + 1] += part[t, g]
        total = part[t, n]
    nxt = part[:, :n].copy()
    for g in range(n):
        for s in range(indptr[g], indptr[g + 1]):
            t = slot_thread[target[s]]
            pos[nxt[t, g]] = s
            nxt[t, g] += 1
    return part


# -- the barrier: atomic operations on an int64 array, as LLVM instructions ---------------------

def _pointer(context, builder, arr_t, arr_v, idx_v):
    ary = context.make_array(arr_t)(context, builder, arr_v)
    return cgutils.get_item_pointer(context, builder, arr_t, ary, [idx_v])


@intrinsic
def atomic_add(typingctx, arr, idx, val):
    """``arr[idx] += val`` atomically (sequentially consistent); returns the old value."""
    def codegen(context, builder, sig, args):
        ptr = _pointer(context, builder, sig.args[0], args[0], args[1])
        return builder.atomic_rmw("add", ptr, args[2], "seq_cst")
    return types.int64(arr, idx, val), codegen


@intrinsic
def atomic_load(typingctx, arr, idx):
    """``arr[idx]``, read atomically (sequentially consistent)."""
    def codegen(context, builder, sig, args):
        ptr = _pointer(context, builder, sig.args[0], args[0], args[1])
        return builder.load_atomic(ptr, "seq_cst", 8)
    return types.int64(arr, idx), codegen


@intrinsic
def atomic_store(typingctx, arr, idx, val):
    """``arr[idx] = val``, written atomically (sequentially consistent)."""
    def codegen(context, builder, sig, args):
        ptr = _pointer(context, builder, sig.args[0], args[0], args[1])
        builder.store_atomic(args[2], ptr, "seq_cst", 8)
        return context.get_dummy_value()
    return types.void(arr, idx, val), codegen


@intrinsic
def _sched_yield(typingctx):
    """The C library's ``sched_yield()``: give the core to another thread."""
    def codegen(context, builder, sig, args):
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(32), []), "sched_yield")
        return builder.call(fn, [])
    return types.int32(), codegen


@numba.njit(cache=True, nogil=True)
def barrier(sync, n):
    """Wait until ``n`` threads have called this (a centralised barrier: the last to arrive
    resets the count and moves the generation on; the others spin on the generation,
    yielding the core every thousand turns). Everything a thread wrote before it is seen by
    every thread after it (the atomic operations are sequentially consistent)."""
    generation = atomic_load(sync, SYNC_GENERATION)
    if atomic_add(sync, SYNC_COUNT, 1) == n - 1:
        atomic_store(sync, SYNC_COUNT, 0)
        atomic_add(sync, SYNC_GENERATION, 1)
    else:
        spins = 0
        while atomic_load(sync, SYNC_GENERATION) == generation:
            spins += 1
            if spins >= 1000:
                _sched_yield()
                spins = 0
