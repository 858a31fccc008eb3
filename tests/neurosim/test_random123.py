"""The counter-based generator (neurosim.random123) and the Poisson drive that draws with it.

Truth used here: (1) Philox-4x64-10 is the generator numpy ships (``numpy.random.Philox``,
the reference implementation of Salmon et al. 2011): the words must be the same, counter for
counter; (2) the Poisson counts follow the Poisson law: a chi-square goodness-of-fit test
against ``scipy.stats.poisson`` on each side of the inversion/PTRS switch, and the sample mean
and variance within 5 standard errors of ``lam``; (3) the Poisson drive's counts do not depend
on how its rows are shared out (the threads' guarantee).
"""

import numba
import numpy as np
import pytest
from scipy import stats

import neurosim as ns
from neurosim import random123
from neurosim.inputs import INPUTS
from neurosim.inputs.poisson_input import draw_poisson_drive

U64 = np.uint64


@pytest.mark.parametrize("counter, key", [
    ([0, 0, 0, 0], [0, 0]),
    ([41, 7, 9, 1], [12345, 678]),
    ([2**64 - 2, 2**63, 3, 2**64 - 1], [2**64 - 1, 2**62 + 5]),
])
def test_philox_is_numpys_philox(counter, key):
    ref = np.random.Philox(counter=np.array(counter, dtype=U64), key=np.array(key, dtype=U64))
    words = ref.random_raw(8)  # numpy moves the counter on by one before each block of four
    for block in range(2):
        c0 = counter[0] + 1 + block
        c = [c0 % 2**64, counter[1] + c0 // 2**64, counter[2], counter[3]]
        got = random123.philox4x64(*(U64(x) for x in c), U64(key[0]), U64(key[1]))
        assert [int(x) for x in got] == [int(x) for x in words[4 * block:4 * block + 4]]


def test_uniform_takes_the_top_53_bits():
    assert random123.uniform(U64(0)) == 0.0
    assert random123.uniform(U64(2**64 - 1)) == 1.0 - 2.0**-53
    assert random123.uniform(U64(2**63)) == 0.5


@numba.njit(cache=True)
def _draws(lam, n, k0, k1):
    out = np.empty(n, np.int64)
    e = np.exp(-lam)
    for q in range(n):
        w = random123.philox4x64(q, 3, 0, 0, k0, k1)
        out[q] = random123.poisson(lam, e, random123.uniform(w[0]), q, 3, k0, k1)
    return out


@pytest.mark.parametrize("lam", [0.05, 0.8, 3.0, 9.5, 10.0, 37.0, 900.0])
def test_poisson_counts_follow_the_poisson_law(lam):
    n = 200_000
    x = _draws(lam, n, U64(0xABCDEF), U64(17))
    se_mean = np.sqrt(lam / n)
    se_var = lam * np.sqrt(2.0 / n) * np.sqrt(1 + 1 / (2 * lam))  # var of the sample variance
    assert abs(x.mean() - lam) < 5 * se_mean
    assert abs(x.var() - lam) < 5 * se_var
    # chi-square over the values with >= 20 expected counts, the two tails pooled
    lo, hi = stats.poisson.ppf([1e-4, 1 - 1e-4], lam).astype(int)
    lo = max(lo, 0)
    edges = np.arange(lo, hi + 1)
    expected = n * stats.poisson.pmf(edges, lam)
    keep = expected >= 20
    edges, expected = edges[keep], expected[keep]
    observed = np.array([(x == v).sum() for v in edges], dtype=float)
    tails_obs = n - observed.sum()
    tails_exp = n - expected.sum()
    chi2 = ((observed - expected) ** 2 / expected).sum()
    if tails_exp >= 20:
        chi2 += (tails_obs - tails_exp) ** 2 / tails_exp
    dof = edges.size - (0 if tails_exp >= 20 else 1)
    assert stats.chi2.sf(chi2, max(dof, 1)) > 1e-4, (chi2, dof)


def test_poisson_of_zero_mean_is_zero():
    assert (_draws(0.0, 1000, U64(1), U64(2)) == 0).all()


def test_the_poisson_drive_draws_the_same_however_its_rows_are_shared_out():
    net = ns.Network()
    a = net.population(7, ns.LIF(), name="a")
    b = net.population(6, ns.LIF(), name="b")
    net.poisson_input(a, rate=800.0, n=40, weight=3.0)
    net.poisson_input(b, rate=30000.0, n=50, weight=1.0, neurons=[0, 2, 5])  # lam 150: PTRS
    sim = ns.Simulator(net, dt=0.1, seed=4)
    tab = sim.built.inputs["poisson_input"]
    step = numba.njit(draw_poisson_drive)
    n_total, n_slots = sim.built.n_total, sim.built.channels.x1.size
    i_inj = np.zeros(n_total)
    rng = np.random.default_rng(0)  # (unused by this block)
    for k in (0, 1, 2345):
        whole = np.zeros(n_slots)
        step(k, tab, 0, n_total, i_inj, i_inj, whole, rng)
        parts = np.zeros(n_slots)
        for lo, hi in ((9, 13), (0, 3), (3, 9)):  # any split, any order
            step(k, tab, lo, hi, i_inj, i_inj, parts, rng)
        np.testing.assert_array_equal(parts, whole)
        assert whole.sum() > 0
    # a different step draws differently; the table says where each row delivers
    other = np.zeros(n_slots)
    step(7, tab, 0, n_total, i_inj, i_inj, other, rng)
    assert not np.array_equal(other, whole)
    assert INPUTS["poisson_input"].per_thread
    np.testing.assert_array_equal(tab.neuron, [0, 1, 2, 3, 4, 5, 6, 7, 9, 12])
