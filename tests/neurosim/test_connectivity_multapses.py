"""FixedTotalNumber and multapses on the degree rules, tested against their distributions.

Truth: exact counts; the multinomial / hypergeometric laws of the per-neuron counts (Pearson
chi-square statistics with a fixed seed, rejected below p = 1e-3); exhaustive enumeration of
every outcome of small cases (each equally likely subset or ordered draw); a hand-worked
membrane jump of three synapses between one pair.
"""

import itertools
from collections import Counter

import numpy as np
import pytest
from scipy import stats

import neurosim as ns

P_MIN = 1e-3     # a chi-square p-value below this rejects the claimed distribution


def _pairs(connector, n_pre, n_post, same=False, seed=0):
    return connector.pairs(n_pre, n_post, np.random.default_rng(seed), same=same)


def _uniform_chi2_p(counts, total_prob_scale=1.0):
    """p-value of Pearson's test that ``counts`` are equal-probability multinomial draws;
    ``total_prob_scale`` divides the statistic (the hypergeometric finite-population factor)."""
    counts = np.asarray(counts, dtype=float)
    expected = counts.sum() / counts.size
    stat = np.sum((counts - expected) ** 2 / expected) / total_prob_scale
    return stats.chi2.sf(stat, counts.size - 1)


def _outcome_chi2_p(observed, probabilities):
    """p-value of Pearson's test of observed outcome counts against exact probabilities."""
    keys = sorted(probabilities)
    assert set(observed) <= set(keys), set(observed) - set(keys)
    n = sum(observed.values())
    obs = np.array([observed.get(k, 0) for k in keys], dtype=float)
    exp = np.array([probabilities[k] for k in keys]) * n
    assert abs(sum(probabilities.values()) - 1.0) < 1e-12
    return stats.chisquare(obs, exp).pvalue


# -- FixedTotalNumber with multapses (NEST's fixed_total_number) ---------------------------

def test_total_number_with_multapses_is_multinomial():
    n_pre, n_post, n = 300, 2000, 60000
    pre, post = _pairs(ns.FixedTotalNumber(n), n_pre, n_post, seed=11)
    assert pre.size == post.size == n
    assert pre.min() >= 0 and pre.max() < n_pre and post.min() >= 0 and post.max() < n_post
    # Per-target counts: Multinomial(n, 1/n_post), so each is Binomial(n, 1/n_post).
    per_post = np.bincount(post, minlength=n_post)
    mean, var = n / n_post, n / n_post * (1 - 1 / n_post)
    assert per_post.mean() == mean                        # exact: the counts sum to n
    # The sample variance of n_post binomial counts has a relative sd of about
    # sqrt(2 / n_post) = 3.2 %; 5 sd.
    assert per_post.var(ddof=1) == pytest.approx(var, rel=5 * np.sqrt(2 / n_post))
    assert _uniform_chi2_p(per_post) > P_MIN
    assert _uniform_chi2_p(np.bincount(pre, minlength=n_pre)) > P_MIN
    # Pairs are drawn with replacement: the number of pairs carrying m synapses is
    # M * Binomial(n, 1/M).pmf(m) for the M = n_pre * n_post pairs.
    m_pairs = n_pre * n_post
    top = 3
    per_pair = np.unique(pre * n_post + post, return_counts=True)[1]
    observed = Counter(np.minimum(per_pair, top).tolist())
    observed[0] = m_pairs - per_pair.size
    pmf = stats.binom(n, 1 / m_pairs)
    probs = {m: pmf.pmf(m) for m in range(top)}
    probs[top] = pmf.sf(top - 1)
    assert observed[2] > 2000                             # multapses are common here
    assert _outcome_chi2_p(observed, probs) > P_MIN


def test_total_number_with_multapses_enumerated():
    # 2 synapses among the 6 pairs of 3 neurons onto themselves without autapses: each
    # ordered draw has probability 1/36, so a repeated pair 1/36 and two different ones 2/36.
    allowed = [(i, j) for i in range(3) for j in range(3) if i != j]
    probs = {}
    for a, b in itertools.product(allowed, repeat=2):
        key = tuple(sorted((a, b)))
        probs[key] = probs.get(key, 0.0) + 1 / 36
    rng = np.random.default_rng(5)
    conn = ns.FixedTotalNumber(2, allow_autapses=False)
    seen = Counter()
    for _ in range(20000):
        pre, post = conn.pairs(3, 3, rng, same=True)
        seen[tuple(sorted(zip(pre.tolist(), post.tolist())))] += 1
    assert len(seen) == 21
    assert _outcome_chi2_p(seen, probs) > P_MIN


@pytest.mark.parametrize("same", [False, True])
def test_total_number_streamed_in_blocks(monkeypatch, same):
    # Drawn a block of rows at a time (here blocks of about 997 synapses, 60 blocks): exactly
    # n synapses, sorted by (pre, post), out- and in-degrees summing to n, each row's count
    # and each target uniform, no autapse when they are excluded.
    from neurosim import connectivity
    monkeypatch.setattr(connectivity, "_BLOCK", 997)
    n_pre = n_post = 300
    n = 60000
    conn = ns.FixedTotalNumber(n, allow_autapses=not same)
    assert conn._streamed
    pre, post = _pairs(conn, n_pre, n_post, same=same, seed=12)
    assert pre.size == post.size == n
    assert pre.min() >= 0 and pre.max() < n_pre and post.min() >= 0 and post.max() < n_post
    assert np.all(np.diff(pre * n_post + post) >= 0)
    out_degree = np.bincount(pre, minlength=n_pre)
    in_degree = np.bincount(post, minlength=n_post)
    assert out_degree.sum() == in_degree.sum() == n
    assert _uniform_chi2_p(out_degree) > P_MIN and _uniform_chi2_p(in_degree) > P_MIN
    if same:
        assert not np.any(pre == post)
    # within a row, the targets of the row are uniform over its allowed targets
    rows = np.isin(pre, [0, 150, 299])
    assert _uniform_chi2_p(np.bincount(post[rows] // 30, minlength=10)) > P_MIN
    # the same generator state gives the same pairs
    again = _pairs(conn, n_pre, n_post, same=same, seed=12)
    np.testing.assert_array_equal(pre, again[0])
    np.testing.assert_array_equal(post, again[1])


@pytest.mark.parametrize("multapses", [True, False])
def test_total_number_autapses(multapses):
    n = 40
    pre, post = _pairs(ns.FixedTotalNumber(800, allow_autapses=False,
                                           allow_multapses=multapses), n, n, same=True, seed=2)
    assert pre.size == 800 and not np.any(pre == post)
    # Sources stay uniform over the other neurons: each neuron is a source 800/40 times.
    assert _uniform_chi2_p(np.bincount(pre, minlength=n)) > P_MIN
    # With autapses allowed, (i, i) is drawn as often as any pair: autapses are Binomial(800,
    # 1/40) with replacement (hypergeometric, same mean, without).
    pre, post = _pairs(ns.FixedTotalNumber(800, allow_multapses=multapses), n, n, same=True,
                       seed=3)
    k = int(np.sum(pre == post))
    assert stats.binom(800, 1 / n).cdf(k) > P_MIN / 2 and stats.binom(800, 1 / n).sf(k - 1) > P_MIN / 2
    assert k > 0
    # Two different populations: allow_autapses does not apply, (i, i) pairs are ordinary.
    pre, post = _pairs(ns.FixedTotalNumber(800, allow_autapses=False,
                                           allow_multapses=multapses), n, n, same=False, seed=3)
    assert np.sum(pre == post) > 0


# -- FixedTotalNumber without multapses (PyNN's with_replacement=False) --------------------

@pytest.mark.parametrize("n", [60000, 500000])     # sparse (draws) and dense (complement)
def test_total_number_without_multapses(n):
    n_pre, n_post = 300, 2000
    m_pairs = n_pre * n_post
    pre, post = _pairs(ns.FixedTotalNumber(n, allow_multapses=False), n_pre, n_post, seed=4)
    assert pre.size == n
    assert np.unique(pre * n_post + post).size == n                   # no pair twice
    # Per-target counts are multivariate hypergeometric (n draws, without replacement, from
    # n_post classes of n_pre pairs each): Pearson's statistic has expectation
    # (n_post - 1) (M - n) / (M - 1), so scaled by that factor it is about chi2(n_post - 1).
    scale = (m_pairs - n) / (m_pairs - 1)
    assert _uniform_chi2_p(np.bincount(post, minlength=n_post), scale) > P_MIN
    assert _uniform_chi2_p(np.bincount(pre, minlength=n_pre), scale) > P_MIN
    # Drawn with replacement, the same counts would have the larger binomial variance: the
    # unscaled statistic must be clearly below its chi2 expectation for the dense case.
    if n > m_pairs / 2:
        stat = np.sum((np.bincount(post, minlength=n_post) - n / n_post) ** 2 / (n / n_post))
        assert stat < 0.5 * (n_post - 1)


@pytest.mark.parametrize("n", [2, 5])              # sparse path and complement path
def test_total_number_without_multapses_enumerated(n):
    # n distinct pairs out of the 6 allowed pairs of 3 neurons without autapses: every
    # n-subset equally likely.
    allowed = [(i, j) for i in range(3) for j in range(3) if i != j]
    subsets = list(itertools.combinations(allowed, n))
    probs = {tuple(s): 1 / len(subsets) for s in subsets}
    rng = np.random.default_rng(6)
    conn = ns.FixedTotalNumber(n, allow_autapses=False, allow_multapses=False)
    seen = Counter()
    for _ in range(12000):
        pre, post = conn.pairs(3, 3, rng, same=True)
        seen[tuple(zip(pre.tolist(), post.tolist()))] += 1     # already sorted
    assert len(seen) == len(subsets)
    assert _outcome_chi2_p(seen, probs) > P_MIN


def test_total_number_edges_and_errors():
    assert _pairs(ns.FixedTotalNumber(0), 5, 5)[0].size == 0
    assert _pairs(ns.FixedTotalNumber(0), 0, 5)[0].size == 0
    pre, post = _pairs(ns.FixedTotalNumber(20, allow_autapses=False, allow_multapses=False),
                       5, 5, same=True)
    assert sorted(zip(pre, post)) == [(i, j) for i in range(5) for j in range(5) if i != j]
    with pytest.raises(ValueError, match=r"FixedTotalNumber.n must be <= 20, the number of "
                                         r"distinct pairs \(pre, post\) without autapses"):
        _pairs(ns.FixedTotalNumber(21, allow_autapses=False, allow_multapses=False), 5, 5,
               same=True)
    pre, _ = _pairs(ns.FixedTotalNumber(21, allow_autapses=False), 5, 5, same=True)
    assert pre.size == 21                                  # with multapses: more than pairs
    with pytest.raises(ValueError, match="FixedTotalNumber.n must be 0 when there are no pairs"):
        _pairs(ns.FixedTotalNumber(3, allow_autapses=False), 1, 1, same=True)
    with pytest.raises(ValueError, match="FixedTotalNumber.n must be >= 0, got -1"):
        ns.FixedTotalNumber(-1)
    with pytest.raises(TypeError, match="FixedTotalNumber.n must be an integer, got 2.5"):
        ns.FixedTotalNumber(2.5)
    with pytest.raises(TypeError, match="FixedTotalNumber.allow_multapses must be True or "
                                        "False, got 'no'"):
        ns.FixedTotalNumber(3, allow_multapses="no")
    with pytest.raises(TypeError, match="FixedInDegree.allow_multapses must be True or False"):
        ns.FixedInDegree(3, allow_multapses=1)


# -- Degree rules with allow_multapses ------------------------------------------------------

@pytest.mark.parametrize("rule", ["in", "out"])
def test_degree_rules_with_multapses_draw_with_replacement(rule):
    n_pre = n_post = 50
    k = 30
    conn = (ns.FixedInDegree if rule == "in" else ns.FixedOutDegree)(
        k, allow_autapses=False, allow_multapses=True)
    pre, post = _pairs(conn, n_pre, n_post, same=True, seed=9)
    fixed, free = (post, pre) if rule == "in" else (pre, post)
    np.testing.assert_array_equal(np.bincount(fixed, minlength=50), k)     # exact degree
    assert not np.any(pre == post)
    assert np.all(np.diff(pre) >= 0)                                       # sorted by pre
    # Each of the k partners is uniform over the 49 others, independently: the multiplicity
    # of each of the 50 * 49 allowed pairs is Binomial(k, 1/49).
    cells = np.zeros((n_pre, n_post), dtype=np.int64)
    np.add.at(cells, (pre, post), 1)
    mult = cells[~np.eye(n_pre, dtype=bool)]
    pmf = stats.binom(k, 1 / 49)
    top = 3
    observed = Counter(np.minimum(mult, top).tolist())
    probs = {m: pmf.pmf(m) for m in range(top)}
    probs[top] = pmf.sf(top - 1)
    assert observed[2] > 100
    assert _outcome_chi2_p(observed, probs) > P_MIN
    # The partners' totals are uniform as well.
    assert _uniform_chi2_p(np.bincount(free, minlength=50)) > P_MIN


@pytest.mark.parametrize("multapses", [True, False])
def test_in_degree_enumerated(multapses):
    # One target, k = 2 of 3 sources: with replacement every ordered draw has probability 1/9;
    # without, every 2-subset 1/3.
    if multapses:
        probs = Counter()
        for a, b in itertools.product(range(3), repeat=2):
            probs[tuple(sorted((a, b)))] += 1 / 9
    else:
        probs = {s: 1 / 3 for s in itertools.combinations(range(3), 2)}
    rng = np.random.default_rng(8)
    conn = ns.FixedInDegree(2, allow_multapses=multapses)
    seen = Counter(tuple(conn.pairs(3, 1, rng, same=False)[0].tolist()) for _ in range(9000))
    assert _outcome_chi2_p(seen, dict(probs)) > P_MIN


def test_degree_rules_multapses_allow_more_partners_than_neurons():
    pre, post = _pairs(ns.FixedInDegree(12, allow_multapses=True), 5, 4)
    np.testing.assert_array_equal(np.bincount(post, minlength=4), 12)
    pre, post = _pairs(ns.FixedOutDegree(12, allow_autapses=False, allow_multapses=True), 5,
                       5, same=True)
    np.testing.assert_array_equal(np.bincount(pre, minlength=5), 12)
    assert not np.any(pre == post)
    with pytest.raises(ValueError, match="asks for 12 distinct partners but only 5 are "
                                         "available"):
        _pairs(ns.FixedInDegree(12), 5, 4)
    with pytest.raises(ValueError, match="FixedInDegree asks for 2 partners but none"):
        _pairs(ns.FixedInDegree(2, allow_autapses=False, allow_multapses=True), 1, 1,
               same=True)


def test_default_degree_rules_are_unchanged():
    # allow_multapses=False is the default and draws the same synapses as before the option.
    for cls in (ns.FixedInDegree, ns.FixedOutDegree):
        a = _pairs(cls(7), 30, 40, seed=1)
        b = _pairs(cls(7, allow_multapses=False), 30, 40, seed=1)
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)


# -- In the simulator ---------------------------------------------------------------------

def test_three_synapses_between_one_pair_add_up():
    # Hand-worked: one spike at 1.0 ms crosses 3 Delta synapses of 2 mV (delay 0.5 ms) onto a
    # LIF at rest: they arrive at 1.5 ms and v jumps by exactly 6 mV at the start of the next
    # step, 1.6 ms.
    net = ns.Network()
    src = net.population(1, ns.SpikeTimes([[1.0]]), name="src")
    cell = net.population(1, ns.LIF(e_leak=-65.0, v_th=-50.0), name="cell", v=-65.0)
    proj = net.connect(src, cell, ns.FixedTotalNumber(3), synapse=ns.Delta(), weight=2.0,
                       delay=0.5)
    trace = net.record(cell, "v")
    sim = ns.Simulator(net, dt=0.1, seed=0)
    sim.run(3.0)
    assert sim.n_synapses == 3
    table = sim.weights(proj)
    np.testing.assert_array_equal(table.pre, [0, 0, 0])
    np.testing.assert_array_equal(table.post, [0, 0, 0])
    rec = sim.data[trace]
    v, t = rec.values[:, 0], rec.times
    # Applied at the start of step 16 (arrival in step 15); a sample is the state at the end
    # of its step, so the first sample that shows the jump is at 1.7 ms and the membrane then
    # relaxes to rest with tau_m.
    tau_m = ns.LIF().tau_m
    want = np.where(t >= 1.7 - 1e-9, -65.0 + 6.0 * np.exp(-(t - 1.6) / tau_m), -65.0)
    np.testing.assert_allclose(v, want, rtol=0, atol=1e-9)


def test_simulator_builds_the_total_number():
    net = ns.Network()
    a = net.population(200, ns.LIF(), name="a")
    b = net.population(100, ns.LIF(), name="b")
    p1 = net.connect(a, b, ns.FixedTotalNumber(5000), synapse=ns.ExpCurrent(tau=5.0))
    p2 = net.connect(a, a, ns.FixedTotalNumber(3000, allow_autapses=False,
                                               allow_multapses=False),
                     synapse=ns.ExpCurrent(tau=5.0), weight=ns.Uniform(1.0, 2.0))
    sim = ns.Simulator(net, dt=0.1, seed=3)
    assert sim.n_synapses == 8000
    t1, t2 = sim.weights(p1), sim.weights(p2)
    assert t1.pre.size == 5000 and t2.pre.size == 3000
    assert not np.any(t2.pre == t2.post)
    assert np.unique(t2.pre * 200 + t2.post).size == 3000
