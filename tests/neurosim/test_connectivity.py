"""Connection rules produce the synapses they promise; CSR tables keep them all."""

import numpy as np
import pytest

import neurosim as ns
from neurosim import connectivity
from neurosim.connectivity import _row_blocks, csr_positions, to_csr


def _pairs(connector, n_pre, n_post, same=False, seed=0):
    return connector.pairs(n_pre, n_post, np.random.default_rng(seed), same=same)


def test_all_to_all_and_autapses():
    pre, post = _pairs(ns.AllToAll(), 4, 3)
    assert len(set(zip(pre, post))) == 12
    pre, post = _pairs(ns.AllToAll(allow_autapses=False), 5, 5, same=True)
    assert pre.size == 20 and not np.any(pre == post)


def test_one_to_one():
    pre, post = _pairs(ns.OneToOne(), 6, 6)
    np.testing.assert_array_equal(pre, post)
    with pytest.raises(ValueError, match="equal size, got 6 and 5"):
        _pairs(ns.OneToOne(), 6, 5)


@pytest.mark.parametrize("p", [0.02, 0.3])
def test_fixed_probability_count_and_uniformity(p):
    n_pre, n_post = 400, 300
    pre, post = _pairs(ns.FixedProbability(p), n_pre, n_post, seed=3)
    n_pairs = n_pre * n_post
    mean, std = p * n_pairs, np.sqrt(n_pairs * p * (1 - p))
    assert abs(pre.size - mean) < 5 * std
    assert len(set(zip(pre.tolist(), post.tolist()))) == pre.size    # no duplicates
    # Out-degrees are Binomial(n_post, p): their variance matches.
    out = np.bincount(pre, minlength=n_pre)
    assert out.var() == pytest.approx(n_post * p * (1 - p), rel=0.25)
    assert pre.min() >= 0 and pre.max() < n_pre and post.min() >= 0 and post.max() < n_post


def test_fixed_probability_edges():
    assert _pairs(ns.FixedProbability(0.0), 10, 10)[0].size == 0
    assert _pairs(ns.FixedProbability(1.0), 10, 10)[0].size == 100
    pre, post = _pairs(ns.FixedProbability(1.0, allow_autapses=False), 10, 10, same=True)
    assert pre.size == 90 and not np.any(pre == post)


@pytest.mark.parametrize("autapses", [True, False])
def test_fixed_in_and_out_degree(autapses):
    pre, post = _pairs(ns.FixedInDegree(7, allow_autapses=autapses), 30, 30, same=True)
    np.testing.assert_array_equal(np.bincount(post, minlength=30), 7)
    assert len(set(zip(pre.tolist(), post.tolist()))) == pre.size
    if not autapses:
        assert not np.any(pre == post)
    pre, post = _pairs(ns.FixedOutDegree(5, allow_autapses=autapses), 30, 30, same=True)
    np.testing.assert_array_equal(np.bincount(pre, minlength=30), 5)
    assert len(set(zip(pre.tolist(), post.tolist()))) == pre.size
    if not autapses:
        assert not np.any(pre == post)
    with pytest.raises(ValueError, match="asks for 30 distinct partners but only 29"):
        _pairs(ns.FixedInDegree(30, allow_autapses=False), 30, 30, same=True)


def test_fixed_in_degree_picks_presynaptic_neurons_uniformly():
    pre, _ = _pairs(ns.FixedInDegree(5, allow_autapses=False), 40, 4000, same=False, seed=7)
    counts = np.bincount(pre, minlength=40)
    expected = 5 * 4000 / 40                     # 500 each; binomial sd about 22
    assert np.abs(counts - expected).max() < 5 * np.sqrt(expected)
    pre, post = _pairs(ns.FixedInDegree(3, allow_autapses=False), 10, 10, same=True, seed=8)
    assert not np.any(pre == post)


def test_from_list_and_matrix_in_the_engine():
    net = ns.Network()
    a = net.population(3, ns.LIF(), name="a")
    b = net.population(2, ns.LIF(), name="b")
    net.connect(a, b, ns.FromList([[0, 1], [2, 0]], weights=[1.5, -2.0], delays=[0.2, 0.5]),
                synapse=ns.ExpCurrent(tau=5.0))
    m = np.array([[0.0, 3.0], [4.0, 0.0], [0.0, 0.0]])
    net.connect(a, b, ns.FromMatrix(m), synapse=ns.ExpCurrent(tau=2.0))
    sim = ns.Simulator(net, dt=0.1, seed=0)
    indptr, target, weight, delay = sim._b.synapses[:4]
    np.testing.assert_array_equal(indptr, [0, 2, 3, 4, 4, 4])
    # Row 0: FromList (0 -> 1, channel 0) then FromMatrix (0 -> 1, channel 1 starts at 2).
    np.testing.assert_array_equal(target, [1, 3, 2, 0])
    np.testing.assert_array_equal(weight, [1.5, 3.0, 4.0, -2.0])
    np.testing.assert_array_equal(delay, [2, 1, 1, 5])
    with pytest.raises(ValueError, match=r"FromList post index 2 is outside \[0, 2\)"):
        net2 = ns.Network()
        a2 = net2.population(3, ns.LIF(), name="a")
        b2 = net2.population(2, ns.LIF(), name="b")
        net2.connect(a2, b2, ns.FromList([[0, 2]]))
        ns.Simulator(net2, dt=0.1)


def test_two_projections_between_same_populations_are_kept_apart():
    net = ns.Network()
    a = net.population(50, ns.LIF(), name="a")
    b = net.population(40, ns.LIF(), name="b")
    net.connect(a, b, ns.FixedProbability(0.2), synapse=ns.ExpCurrent(tau=5.0), weight=1.0)
    net.connect(a, b, ns.FixedProbability(0.2), synapse=ns.ExpCurrent(tau=5.0), weight=2.0)
    net.connect(a, b, ns.FixedProbability(0.2), synapse=ns.ExpConductance(tau=5.0), weight=3.0)
    sim = ns.Simulator(net, dt=0.1, seed=1)
    _, target, weight, _ = sim._b.synapses[:4]
    for w in (1.0, 2.0, 3.0):
        assert abs(np.sum(weight == w) - 400) < 5 * np.sqrt(400)
    # The two ExpCurrent(5.0) projections share channel 0 (slots 0..39); the conductance has
    # its own channel (slots 40..79).
    assert np.all(target[weight == 3.0] >= 40) and np.all(target[weight < 3.0] < 40)


def test_weight_and_delay_distributions():
    net = ns.Network()
    a = net.population(100, ns.LIF(), name="a")
    net.connect(a, a, ns.FixedInDegree(20), weight=ns.Normal(5.0, 2.0, low=3.0, high=6.0),
                delay=[0.1] * 2000)
    net.connect(a, a, ns.FixedInDegree(20), synapse=ns.AlphaCurrent(tau=1.0),
                weight=ns.LogNormal(0.0, 0.5), delay=ns.Uniform(0.5, 1.5))
    sim = ns.Simulator(net, dt=0.1, seed=2)
    _, target, weight, delay = sim._b.synapses[:4]
    first = target < 100
    assert weight[first].min() >= 3.0 and weight[first].max() <= 6.0
    assert np.all(delay[first] == 1)
    w2 = weight[~first]
    assert w2.min() > 0 and np.median(w2) == pytest.approx(1.0, rel=0.1)
    assert delay[~first].min() >= 5 and delay[~first].max() <= 15


def test_to_csr_keeps_every_synapse():
    rng = np.random.default_rng(0)
    pre = rng.integers(0, 10, 100)
    tgt = rng.integers(0, 50, 100)
    w = rng.normal(size=100)
    d = rng.integers(1, 5, 100)
    indptr, t, ww, dd = to_csr(pre, tgt, w, d, 10)
    rows = np.repeat(np.arange(10), np.diff(indptr))
    assert sorted(zip(rows, t, ww, dd)) == sorted(zip(pre, tgt, w, d))
    assert t.dtype == np.int32 and dd.dtype == np.int32


def test_csr_positions_is_the_inverse_of_a_stable_sort():
    rng = np.random.default_rng(1)
    for n_rows, n in ((1, 0), (7, 1), (10, 1000), (500, 20000)):
        pre = rng.integers(0, n_rows, n)
        indptr, pos = csr_positions(pre, n_rows)
        inv = np.empty(n, dtype=np.int64)
        inv[np.argsort(pre, kind="stable")] = np.arange(n)
        assert np.array_equal(pos, inv)
        assert np.array_equal(indptr, np.r_[0, np.cumsum(np.bincount(pre, minlength=n_rows))])
        tgt = rng.integers(0, 50, n)
        w = rng.normal(size=n)
        d = rng.integers(1, 5, n)
        order = np.argsort(pre, kind="stable")
        got = to_csr(pre, tgt, w, d, n_rows)
        for a, b in zip(got, (indptr, tgt[order], w[order], d[order])):
            assert np.array_equal(a, b)


def test_every_rule_but_from_list_returns_pairs_sorted_by_presynaptic_neuron():
    for conn, same in ((ns.AllToAll(allow_autapses=False), True), (ns.OneToOne(), False),
                       (ns.FixedProbability(0.3), False), (ns.FixedInDegree(6), False),
                       (ns.FixedInDegree(6, allow_autapses=False), True),
                       (ns.FixedOutDegree(6), False),
                       (ns.FixedInDegree(6, allow_multapses=True), False),
                       (ns.FixedOutDegree(6, allow_autapses=False, allow_multapses=True), True),
                       (ns.FixedTotalNumber(100), False),
                       (ns.FixedTotalNumber(100, allow_autapses=False), True),
                       (ns.FixedTotalNumber(100, allow_multapses=False), False),
                       (ns.FromMatrix(np.random.default_rng(3).random((20, 20)) > 0.5), False)):
        pre, post = _pairs(conn, 20, 20, same=same, seed=4)
        assert np.all(np.diff(pre) >= 0), conn
    # FixedInDegree's sorting keeps the pairs it drew, in (pre, post) order.
    rng = np.random.default_rng(5)
    pre, post = ns.FixedInDegree(4).pairs(15, 12, rng, same=False)
    np.testing.assert_array_equal(np.bincount(post, minlength=12), 4)
    assert np.all(np.diff(pre * 12 + post) > 0)


def test_weight_tables_keep_each_projections_own_order():
    # Three projections share presynaptic rows (and one channel): two come sorted by
    # presynaptic neuron (positions found from the row counts, no per-synapse index) and one
    # FromList in a shuffled order (positions kept). Each weight table must list exactly the
    # projection's pairs, weights and delays in the order they were given.
    rng = np.random.default_rng(0)
    net = ns.Network()
    a = net.population(30, ns.LIF(), name="a")
    b = net.population(25, ns.LIF(), name="b")
    given = []
    for shuffled in (False, True, False):
        pairs = np.argwhere(rng.random((30, 25)) < 0.3)
        if shuffled:
            pairs = pairs[rng.permutation(len(pairs))]
        w = rng.normal(size=len(pairs))
        d = rng.integers(1, 6, len(pairs)) * 0.1
        given.append((net.connect(a, b, ns.FromList(pairs, weights=w, delays=d),
                                  synapse=ns.ExpCurrent(tau=5.0)), pairs, w, d))
    net.connect(a, a, ns.FixedInDegree(5), synapse=ns.ExpCurrent(tau=5.0), weight=1.0)
    sim = ns.Simulator(net, dt=0.1, seed=0)
    for proj, pairs, w, d in given:
        table = sim.weights(proj)
        np.testing.assert_array_equal(table.pre, pairs[:, 0])
        np.testing.assert_array_equal(table.post, pairs[:, 1])
        np.testing.assert_array_equal(table.weight, w)
        np.testing.assert_allclose(table.delay, d, rtol=1e-12)


def test_static_synapses_keep_16_bytes_each_plus_a_per_neuron_cost():
    import gc
    import tracemalloc

    def build(n, k):
        net = ns.Network()
        ne = n * 4 // 5
        exc = net.population(ne, ns.LIF(), name="exc")
        inh = net.population(n - ne, ns.LIF(), name="inh")
        for pre, w, kk in ((exc, 20.0, k * 4 // 5), (inh, -100.0, k // 5)):
            for post in (exc, inh):
                net.connect(pre, post, ns.FixedInDegree(kk), synapse=ns.ExpCurrent(tau=5.0),
                            weight=w, delay=ns.Uniform(0.1, 2.0))
        return net

    kept = {}
    for k in (20, 100):
        net = build(5000, k)
        gc.collect()
        tracemalloc.start()
        sim = ns.Simulator(net, dt=0.1, seed=0)
        kept[k] = (tracemalloc.get_traced_memory()[0], sim.n_synapses)
        tracemalloc.stop()
        del sim
    # Two networks that differ only in synapse count: the difference per extra synapse is
    # the per-synapse cost (int32 target, float64 weight, int32 delay = 16 B).
    (m1, s1), (m2, s2) = kept[20], kept[100]
    per_synapse = (m2 - m1) / (s2 - s1)
    assert per_synapse <= 16.5, per_synapse
    per_neuron = (m1 - 16 * s1) / 5000
    assert per_neuron < 500, per_neuron


def test_row_blocks_cover_every_row_once_within_the_limit():
    rng = np.random.default_rng(4)
    for counts in (rng.integers(0, 50, 300), np.zeros(7, dtype=np.int64), np.array([500, 1, 2]),
                   np.zeros(0, dtype=np.int64)):
        blocks = _row_blocks(counts, limit=100)
        rows = [r for r0, r1 in blocks for r in range(r0, r1)]
        assert rows == list(range(counts.size))                 # every row once, in order
        for r0, r1 in blocks:
            assert counts[r0:r1].sum() <= 100 or r1 - r0 == 1   # a long row: a block alone
    assert _row_blocks(np.array([500, 1, 2]), limit=100) == [(0, 1), (1, 3)]


def _mixed_network(seed=0):
    """Projections that share presynaptic rows: streamed rules (FixedTotalNumber with
    multapses, FixedOutDegree, AllToAll, OneToOne), rules drawn as pairs (FixedInDegree,
    FixedProbability, a shuffled FromList), a plastic one, two channels, drawn delays."""
    rng = np.random.default_rng(seed)
    net = ns.Network()
    a = net.population(60, ns.LIF(), name="a")
    b = net.population(45, ns.LIF(), name="b")
    exp, alpha = ns.ExpCurrent(tau=5.0), ns.AlphaCurrent(tau=2.0)
    d = ns.Normal(1.0, 0.5, low=0.1)
    pairs = np.argwhere(rng.random((60, 45)) < 0.2)
    pairs = pairs[rng.permutation(len(pairs))]
    projs = [
        net.connect(a, b, ns.FixedTotalNumber(3000), synapse=exp,
                    weight=ns.Normal(10.0, 2.0, low=0.0), delay=d),
        net.connect(a, a, ns.FixedTotalNumber(900, allow_autapses=False), synapse=alpha,
                    weight=ns.Uniform(-5.0, -1.0), delay=d),
        net.connect(a, b, ns.FixedInDegree(7, allow_multapses=True), synapse=exp, weight=2.0,
                    delay=0.3),
        net.connect(b, a, ns.FixedOutDegree(9, allow_multapses=True), synapse=exp,
                    weight=ns.LogNormal(0.0, 0.3), delay=d),
        net.connect(a, b, ns.FromList(pairs, weights=rng.normal(size=len(pairs)),
                                      delays=rng.integers(1, 6, len(pairs)) * 0.1),
                    synapse=alpha),
        net.connect(b, b, ns.AllToAll(allow_autapses=False), synapse=exp, weight=0.5),
        net.connect(b, b, ns.OneToOne(), synapse=alpha, weight=1.5, delay=d),
        net.connect(a, a, ns.FixedProbability(0.1), synapse=exp, weight=ns.Uniform(0.0, 1.0),
                    plasticity=ns.STDP(w_max=2.0), delay=d),
    ]
    return net, projs


@pytest.mark.parametrize("block", [None, 50])
def test_table_is_the_csr_of_the_projections_in_order(monkeypatch, block):
    # Placed block by block straight into the table, the synapses must lie where one stable
    # CSR sort of all projections' synapses (projection order, then each connector's order)
    # puts them, weights and delays with their synapse. block=50 splits every projection
    # into many blocks of rows (and a long row into a block of its own).
    if block is not None:
        monkeypatch.setattr(connectivity, "_BLOCK", block)
    net, projs = _mixed_network()
    sim = ns.Simulator(net, dt=0.1, seed=3)
    b = sim._b
    n_total = b.n_total
    parts = []
    for proj, c in zip(projs, b.proj_channel):
        t = sim.weights(proj)
        base = b.pop_start[b.pop_index[id(proj.pre)]]
        parts.append((t.pre + base, t.post + b.channels.start[c], t.weight,
                      np.rint(t.delay / 0.1).astype(np.int32)))
    ref = to_csr(*(np.concatenate([p[i] for p in parts]) for i in range(4)), n_total)
    syn = b.synapses
    for got, want in zip((syn.indptr, syn.target, syn.weight, syn.delay), ref):
        np.testing.assert_array_equal(got, want)
    # Each projection has the synapses its rule promises.
    sizes = [sim.weights(p).pre.size for p in projs]
    assert sizes[0] == 3000 and sizes[1] == 900 and sizes[2] == 7 * 45 and sizes[3] == 9 * 45
    assert sizes[5] == 45 * 44 and sizes[6] == 45
    t = sim.weights(projs[1])
    assert not np.any(t.pre == t.post)
    # What another engine receives (keep_tables) is each projection's synapses in the
    # connector's order, as the weight tables list them.
    from neurosim.build import build
    kept = build(net, 0.1, np.random.default_rng(3), keep_tables=True).tables
    for proj, (pre, post, w, d) in zip(projs, kept):
        t = sim.weights(proj)
        np.testing.assert_array_equal(pre, t.pre)
        np.testing.assert_array_equal(post, t.post)
        np.testing.assert_array_equal(w, t.weight)
        np.testing.assert_array_equal(d, np.rint(t.delay / 0.1))


def test_weights_and_delays_drawn_into_buffers_keep_their_law():
    # draw(..., out=) draws Normal and Uniform with compiled kernels (other values than
    # Distribution.sample for a seed, the same law): the truncated normal's moments and the
    # uniform's distribution, by Kolmogorov-Smirnov against scipy.
    from scipy import stats

    from neurosim.distributions import draw
    rng = np.random.default_rng(8)
    n = 200_000
    out = np.empty(n)
    d = ns.Normal(1.5, 0.75, low=0.1, high=3.0)
    draw(d, n, rng, owner="t", name="delay", out=out)
    assert out.min() >= 0.1 and out.max() <= 3.0
    law = stats.truncnorm((0.1 - 1.5) / 0.75, (3.0 - 1.5) / 0.75, loc=1.5, scale=0.75)
    assert stats.kstest(out, law.cdf).pvalue > 1e-3
    draw(ns.Uniform(-2.0, 5.0), n, rng, owner="t", name="w", out=out)
    assert out.min() >= -2.0 and out.max() < 5.0
    assert stats.kstest(out, stats.uniform(-2.0, 7.0).cdf).pvalue > 1e-3
    assert draw(3.5, 4, rng, owner="t", name="w", out=np.empty(4)).tolist() == [3.5] * 4
    with pytest.raises(ValueError, match=r"t\.w must be finite, got nan"):
        draw([1.0, np.nan], 2, rng, owner="t", name="w", out=np.empty(2))
    with pytest.raises(ValueError, match=r"draw: out must be float64 of shape \(3,\)"):
        draw(1.0, 3, rng, owner="t", name="w", out=np.empty(4))


def test_same_seed_same_tables_other_seed_other_tables():
    tabs = []
    for seed in (5, 5, 6):
        net, _ = _mixed_network()
        syn = ns.Simulator(net, dt=0.1, seed=seed)._b.synapses
        tabs.append((syn.indptr, syn.target, syn.weight, syn.delay))
    for a, b in zip(tabs[0], tabs[1]):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(tabs[0][1:], tabs[2][1:]))
