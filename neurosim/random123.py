"""Counter-based random numbers: the same draws on any number of threads.

A counter-based generator (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy
as 1, 2, 3", SC11, doi:10.1145/2063384.2063405) computes the ``j``-th random number as a
function of a counter and a key, with no state carried from one draw to the next. An input
that draws for each (row, step) from the counter ``(row, step, ...)`` therefore draws the same
numbers whichever thread handles the row and in whatever order: the threaded loop can split
its rows between the threads (:mod:`neurosim.threads`) and the result stays the same, bit for
bit, for any number of threads.

Here Philox-4x64-10 of that paper (the generator ``numpy.random.Philox`` implements: the
tests compare the two output for output), four 64-bit words per counter, and from it:

- :func:`uniform`: a double in ``[0, 1)`` from the top 53 bits of a word;
- :func:`poisson`: a Poisson count by inversion below ``lam = 10`` (one uniform, a
  sequential search from 0) and by Hormann's transformed rejection with squeeze, PTRS
  (W. Hormann 1993, "The transformed rejection method for generating Poisson random
  variables", Insurance: Mathematics and Economics 12:39-45; the method numpy uses for large
  means) above, each attempt taking two uniforms.

The functions are compiled with numba and may be called by an input block's ``step``
(:mod:`neurosim.inputs.base`): the generated loop imports them.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

__all__ = ["philox4x64", "uniform", "poisson", "PTRS_FROM"]

_M0 = np.uint64(0xD2E7470EE14C6C93)
_M1 = np.uint64(0xCA5A826395121157)
_W0 = np.uint64(0x9E3779B97F4A7C15)
_W1 = np.uint64(0xBB67AE8584CAA73B)
#: Means from which :func:`poisson` uses PTRS instead of inversion.
PTRS_FROM = 10.0


@intrinsic
def _mulhilo(typingctx, a, b):
    """The high and low 64-bit words of the 128-bit product of two uint64."""
    def codegen(context, builder, sig, args):
        i128 = ir.IntType(128)
        p = builder.mul(builder.zext(args[0], i128), builder.zext(args[1], i128))
        hi = builder.trunc(builder.lshr(p, ir.Constant(i128, 64)), ir.IntType(64))
        lo = builder.trunc(p, ir.IntType(64))
        return context.make_tuple(builder, sig.return_type, (hi, lo))
    return types.UniTuple(types.uint64, 2)(types.uint64, types.uint64), codegen


@numba.njit(cache=True, nogil=True)
def philox4x64(c0, c1, c2, c3, k0, k1):
    """Philox-4x64-10 of counter ``(c0, c1, c2, c3)`` and key ``(k0, k1)`` (all uint64):
    four uint64 words."""
    c0, c1, c2, c3 = np.uint64(c0), np.uint64(c1), np.uint64(c2), np.uint64(c3)
    k0, k1 = np.uint64(k0), np.uint64(k1)
    for _ in range(10):
        hi0, lo0 = _mulhilo(_M0, c0)
        hi1, lo1 = _mulhilo(_M1, c2)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
        k0 += _W0
        k1 += _W1
    return c0, c1, c2, c3


@numba.njit(cache=True, nogil=True)
def uniform(word):
    """A double in [0, 1) from the top 53 bits of a uint64 word."""
    return np.float64(word >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def poisson(lam, exp_minus_lam, u, c0, c1, k0, k1):
    """A Poisson count of mean ``lam`` (>= 0; ``exp_minus_lam`` is ``exp(-lam)``, which a
    caller drawing many times with one mean computes once). ``u`` is a uniform in [0, 1) the
    caller drew for this draw (used below :data:`PTRS_FROM`); above, the uniforms come from
    the counters ``(c0, c1, j, 1)``, ``j = 0, 1, ...``, two attempts per counter."""
    if lam < PTRS_FROM:
        p = exp_minus_lam
        cdf = p
        n = 0
        while u > cdf and p > 0.0:  # (p underflows far in the tail: stop there)
            n += 1
            p *= lam / n
            cdf += p
        return n
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    j = np.uint64(0)
    while True:
        w = philox4x64(c0, c1, j, 1, k0, k1)
        j += np.uint64(1)
        for h in range(2):
            uu = uniform(w[2 * h]) - 0.5
            v = uniform(w[2 * h + 1])
            us = 0.5 - abs(uu)
            n = math.floor((2.0 * a / us + b) * uu + lam + 0.43)
            if us >= 0.07 and v <= vr:
                return np.int64(n)
            if n < 0 or (us < 0.013 and v > us):
                continue
            if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
                    <= -lam + n * loglam - math.lgamma(n + 1.0)):
                return np.int64(n)
