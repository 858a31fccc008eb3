"""Axonal delays: conversion to steps and the ring buffer of future synaptic input.

A delay means what it means in NEST and Brian2: a spike emitted in step ``k`` (at ``t_k``)
through a synapse of delay ``D = d dt`` *arrives* at ``t_k + D`` -- the step in which
Brian2 runs the synapse's ``on_pre`` and NEST stamps it into the target's buffer -- and acts
on the target's state from the next integration step on, ``k + d + 1``. So a delay of ``dt``
(the default, NEST's minimum) makes a spike of step ``k`` move its target in step ``k + 2``;
a delay of 0 (allowed here and in Brian2, not in NEST) in step ``k + 1``.

The ring buffer has one row per future step and one column per receptor slot (one slot per
target neuron and receptor channel). A spike emitted in step ``k`` through a synapse with a
delay of ``d`` steps adds its weight to row ``(k + d + 1) % L``; step ``k + d + 1`` reads that
row, applies it and clears it. With ``L = max_delay + 2`` rows a row is never written for two
different arrival steps at once, so any mix of delays is exact to the step.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from .units import to_steps, to_steps_array

__all__ = ["delay_steps", "ring_buffer", "push_spikes"]


def delay_steps(delays, dt, *, drawn, bounds=None, name="delay", out=None):
    """Delays in ms to int32 steps.

    The rule: a delay is >= 0 (0 is Brian2's default; the NEST engine needs >= ``dt``). A
    delay given as a number or array must be a whole multiple of ``dt`` (a value
    off the grid is refused, as it would silently change the model). A delay drawn from a
    distribution is rounded to the nearest step *within the distribution's bounds*: the steps
    are kept in ``[ceil(low/dt), floor(high/dt)]``, so ``Uniform(1.0, 5.0)`` at ``dt = 0.3``
    gives 1.2 to 4.8 ms, never 0.9 or 5.1 ms.

    Parameters
    ----------
    delays : numpy.ndarray
        Delays, ms.
    dt : float
        Step, ms.
    drawn : bool
        True for values drawn from a distribution (rounded, see above).
    bounds : (float, float), optional
        The distribution's ``support()``, ms (with ``drawn``).
    out : numpy.ndarray, optional
        int32 array of the delays' shape to write the steps into (returned).

    Raises
    ------
    ValueError
        A delay that is negative or (if given) not a whole multiple of ``dt``.
    """
    delays = np.asarray(delays, dtype=np.float64)
    if drawn:  # one compiled pass: rounded, kept within the bounds, checked
        first, last = -np.inf, np.inf
        if bounds is not None:
            low, high = bounds
            first = math.ceil(low / dt - 1e-9) if math.isfinite(low) else -np.inf
            last = math.floor(high / dt + 1e-9) if math.isfinite(high) else np.inf
            if first > last:
                raise ValueError(f"{name}: no whole step of dt = {dt!r} ms lies in the "
                                 f"distribution's range [{low!r}, {high!r}] ms; widen it or "
                                 f"choose another dt")
        steps = np.empty(delays.shape, dtype=np.int32) if out is None else out
        flat = delays.reshape(-1)
        lo, hi, too_long = _rounded_steps(flat, float(dt), float(first), float(last),
                                          float(np.iinfo(np.int32).max // 2),
                                          steps.reshape(-1))
        if flat.size and lo < 0:
            raise ValueError(f"{name} must be >= 0 ms, got {float(lo)!r} ms")
        if too_long:
            raise ValueError(f"{name} {float(hi)!r} ms is too long for dt = {dt!r} ms")
        return steps
    lo = delays.min() if delays.size else 0.0
    if lo < 0:
        raise ValueError(f"{name} must be >= 0 ms, got {float(lo)!r} ms")
    if delays.size and lo == delays.max():
        # One delay for every synapse (a scalar given to connect): check and convert it once
        # rather than once per synapse. A NaN fails ``lo == max`` and is reported below.
        step = to_steps(float(lo), dt, name=name, minimum=0)
        if step > np.iinfo(np.int32).max // 2:
            raise ValueError(f"{name} {float(lo)!r} ms is too long for dt = {dt!r} ms")
        if out is None:
            return np.full(delays.shape, step, dtype=np.int32)
        out.fill(step)
        return out
    steps = to_steps_array(delays, dt, name=name, minimum=0)
    if steps.size and steps.max() > np.iinfo(np.int32).max // 2:
        raise ValueError(f"{name} {float(delays.max())!r} ms is too long for dt = {dt!r} ms")
    if out is None:
        return steps.astype(np.int32)
    out[...] = steps
    return out


@numba.njit(cache=True, nogil=True)
def _rounded_steps(delays, dt, first, last, longest, out):
    # np.rint(delays / dt) clipped to [first, last], as int32; returns the smallest and the
    # largest delay and whether a step exceeds ``longest`` (then ``out`` is not to be used).
    lo, hi, too_long = np.inf, -np.inf, False
    for i in range(delays.shape[0]):
        x = delays[i]
        lo = min(lo, x)
        hi = max(hi, x)
        s = min(max(np.rint(x / dt), first), last)
        if s > longest:
            too_long = True
            s = 0.0
        out[i] = np.int32(s)
    return lo, hi, too_long


def ring_buffer(n_slots, max_delay_steps):
    """A zeroed ring buffer of shape ``(max_delay_steps + 2, n_slots)``."""
    return np.zeros((int(max_delay_steps) + 2, int(n_slots)))


@intrinsic
def prefetch(typingctx, arr, idx):
    """Ask the processor to bring the cache line of ``arr[idx]`` in (LLVM's ``prefetch``: a
    hint, never a fault, whatever the address)."""
    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, sig.args[0], ary, [args[1]])
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3),
                          ir.Constant(i32, 1)])  # read, keep in all cache levels, data
        return context.get_dummy_value()
    return types.void(arr, idx), codegen


#: How many spikes ahead the push asks for a row's pointers, and for its first synapses: a
#: spike's row is a chain of dependent loads (pointers, then the synapses), each a cache miss
#: in a large network, which the processor cannot overlap across spikes by itself.
_AHEAD_PTR, _AHEAD_ROW = 8, 3


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _push_range(lo, hi, base, target, weight, delay, ring):
    # synapses [lo, hi) into row (base + d) % n_rows: d < n_rows, so one compare, no division
    n_rows = ring.shape[0]
    for s in range(lo, hi):
        row = base + delay[s]
        ring[row - n_rows if row >= n_rows else row, target[s]] += weight[s]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def push_spikes(step, fired, n_fired, indptr, target, weight, delay, ring):
    """Add the synapses of the ``n_fired`` neurons in ``fired`` into the ring buffer for
    their arrival at ``step + delay``: the row read in step ``step + delay + 1``."""
    n_rows = ring.shape[0]
    base = (step + 1) % n_rows
    for f in range(min(_AHEAD_PTR, n_fired)):
        prefetch(indptr, fired[f])
    for f in range(n_fired):
        if f + _AHEAD_PTR < n_fired:
            prefetch(indptr, fired[f + _AHEAD_PTR])
        if f + _AHEAD_ROW < n_fired:
            first = indptr[fired[f + _AHEAD_ROW]]
            prefetch(target, first)
            prefetch(weight, first)
            prefetch(delay, first)
        g = fired[f]
        _push_range(indptr[g], indptr[g + 1], base, target, weight, delay, ring)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def push_spikes_part(step, fired, n_fired, run_ptr, runs, target, weight, delay, ring):
    """:func:`push_spikes` for the synapses of one thread only (onto its neurons): row ``g``
    holds them in the runs ``runs[run_ptr[g]:run_ptr[g + 1]]`` of consecutive table positions
    ``[start, end)``, in table order. Every target is one thread's, and each thread adds in
    the order one thread would, so the sums do not depend on the number of threads
    (:mod:`neurosim.threads`)."""
    n_rows = ring.shape[0]
    base = (step + 1) % n_rows
    for f in range(min(_AHEAD_PTR, n_fired)):
        prefetch(run_ptr, fired[f])
    for f in range(n_fired):
        if f + _AHEAD_PTR < n_fired:
            prefetch(run_ptr, fired[f + _AHEAD_PTR])
        if f + _AHEAD_ROW < n_fired:
            g = fired[f + _AHEAD_ROW]
            if run_ptr[g] < run_ptr[g + 1]:
                first = runs[run_ptr[g], 0]
                prefetch(target, first)
                prefetch(weight, first)
                prefetch(delay, first)
        g = fired[f]
        for r in range(run_ptr[g], run_ptr[g + 1]):
            _push_range(runs[r, 0], runs[r, 1], base, target, weight, delay, ring)
