"""Connection rules produce the synapses they promise; CSR tables keep them all."""

import numpy as np
import pytest

import neurosim as ns
from neurosim.connectivity import csr_positions, to_csr, to_csr_parts


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


def test_csr_built_part_by_part_equals_the_csr_of_the_concatenation():
    rng = np.random.default_rng(4)
    n_rows = 50
    parts = []
    for n in (0, 300, 1, 2000, 77):
        parts.append((rng.integers(0, n_rows, n), rng.integers(0, 90, n), rng.normal(size=n),
                      rng.integers(1, 9, n)))
    want = [True, False, True, True, False]
    indptr, t, w, d, pos = to_csr_parts(parts, n_rows, positions=want)
    cat = [np.concatenate([p[i] for p in parts]) for i in range(4)]
    ref = to_csr(*cat, n_rows, positions=True)
    for a, b in zip((indptr, t, w, d), ref[:4]):
        np.testing.assert_array_equal(a, b)
    offsets = np.cumsum([0] + [len(p[0]) for p in parts])
    for i, p in enumerate(pos):
        if want[i]:
            np.testing.assert_array_equal(p, ref[4][offsets[i]:offsets[i + 1]])
        else:
            assert p is None
