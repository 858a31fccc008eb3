"""``WeightTable``'s dense form: ``table.matrix()`` and ``np.asarray(table)`` against a network
whose synapses are written out by hand, multapses summed as they act on the target."""

import numpy as np
import pytest

import neurosim as ns

# pre 2 -> post 0 twice (a multapse), pre 1 has no synapse, post 3 receives none.
PAIRS = [[0, 1], [2, 0], [3, 2], [2, 0]]
WEIGHTS = [1.5, 2.0, -1.0, 0.5]
BY_HAND = np.array([[0.0, 1.5, 0.0, 0.0],
                    [0.0, 0.0, 0.0, 0.0],
                    [2.5, 0.0, 0.0, 0.0],
                    [0.0, 0.0, -1.0, 0.0]])


def _net(spikes=((), (), (), ())):
    net = ns.Network()
    src = net.population(4, ns.SpikeTimes([list(t) for t in spikes]), name="src")
    # v_th far away and tau_m long: v only moves by the synaptic jumps.
    dst = net.population(4, ns.LIF(tau_m=1e9, v_th=1e3, e_leak=0.0, v_reset=0.0), name="dst",
                         v=0.0)
    proj = net.connect(src, dst, ns.FromList(PAIRS, weights=WEIGHTS, delays=[1.0] * 4),
                       synapse=ns.Delta())
    return net, dst, proj


def test_matrix_and_asarray_are_the_hand_written_matrix():
    net, _, proj = _net()
    sim = ns.Simulator(net, dt=0.1, seed=0)
    table = sim.weights(proj)
    assert (table.n_pre, table.n_post) == (4, 4)
    np.testing.assert_array_equal(table.matrix(), BY_HAND)
    arr = np.asarray(table)
    assert arr.dtype == np.float64 and arr.shape == (4, 4)
    np.testing.assert_array_equal(arr, BY_HAND)
    assert np.asarray(table, dtype=np.float32).dtype == np.float32
    # fill=nan tells "no synapse" from "weight 0"; the multapse is still summed.
    nan = table.matrix(fill=np.nan)
    np.testing.assert_array_equal(np.isnan(nan), BY_HAND == 0)
    assert nan[2, 0] == 2.5
    # The per-synapse arrays keep the multapse apart, in the connector's order.
    np.testing.assert_array_equal(table.pre, [0, 2, 3, 2])
    np.testing.assert_array_equal(table.weight, WEIGHTS)


def test_matrix_is_what_acts_on_the_targets():
    """x @ W is the jump of each target's v when presynaptic neuron i fires x[i] spikes."""
    spikes = ([2.0], [2.0], [2.0, 3.0], [])          # x = [1, 1, 2, 0]
    net, dst, proj = _net(spikes)
    mon = net.record(dst, "v")
    sim = ns.Simulator(net, dt=0.1, seed=0)
    sim.run(10.0)
    v = sim.data[mon].values
    x = np.array([1, 1, 2, 0])
    np.testing.assert_allclose(v[-1], x @ np.asarray(sim.weights(proj)), atol=1e-9)
    assert v[-1][0] == pytest.approx(5.0)           # both synapses of the multapse, twice


def test_sizes_survive_saving(tmp_path):
    net, _, proj = _net()
    table = ns.Simulator(net, dt=0.1, seed=0).weights(proj)
    table.save(tmp_path / "t.npz")
    back = ns.load_record(tmp_path / "t.npz")
    assert (back.n_pre, back.n_post) == (4, 4)
    np.testing.assert_array_equal(np.asarray(back), BY_HAND)
    assert "n_pre=4, n_post=4" in repr(back) and "weight=<4 float64>" in repr(back)


def test_hand_built_table_without_sizes():
    table = ns.WeightTable(pre=[0, 2], post=[1, 0], weight=[1.5, 2.5], delay=[1.0, 1.0])
    np.testing.assert_array_equal(table.matrix(3, 2), [[0, 1.5], [0, 0], [2.5, 0]])
    with pytest.raises(ValueError, match=r"WeightTable.matrix: n_pre is needed.*"
                                         r"give matrix\(n_pre, n_post\)"):
        np.asarray(table)
    # A table written before the sizes existed reads back without them.
    assert table.n_pre is None


@pytest.mark.parametrize("make,error,message", [
    (lambda t: t.matrix(2, 2), ValueError,
     r"WeightTable.matrix: n_pre must exceed every index in pre \(max 2\), got 2"),
    (lambda t: t.matrix(3, -1), ValueError, r"WeightTable.matrix.n_post must be >= 0, got -1"),
    (lambda t: t.matrix(3.0, 2), TypeError,
     r"WeightTable.matrix.n_pre must be a whole number of neurons, got 3.0"),
    (lambda t: t.matrix(3, 2, fill="nan"), TypeError,
     r"WeightTable.matrix: fill must be a number, got 'nan'"),
    (lambda t: ns.WeightTable(pre=[0, 2], post=[1, 0], weight=[1.0, 1.0], delay=[1.0, 1.0],
                              n_pre=3, n_post=1), ValueError,
     r"WeightTable.n_post must exceed every index in WeightTable.post \(max 1\), got 1"),
    (lambda t: ns.WeightTable(pre=[0], post=[0], weight=[1.0], delay=[1.0], n_pre=True),
     TypeError, r"WeightTable.n_pre must be a whole number of neurons, got True"),
])
def test_bad_sizes_are_refused(make, error, message):
    table = ns.WeightTable(pre=[0, 2], post=[1, 0], weight=[1.5, 2.5], delay=[1.0, 1.0])
    with pytest.raises(error, match=message):
        make(table)
