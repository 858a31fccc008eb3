"""Axonal delays are exact to the step and mean what they mean in NEST and Brian2: a spike
stamped k with a delay of d steps arrives in step k + d and acts in step k + d + 1 (a relay
driven over threshold by it fires in step k + d + 1)."""

import numpy as np
import pytest

import neurosim as ns

# A relay neuron: a 1 mV delta input lifts it over a 0.5 mV threshold within the step it acts
# in and it fires in that very step, so its spike steps are the arrival steps + 1.
RELAY = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-70.0, v_th=-69.5, v_reset=-70.0, t_ref=0.0)


def _relay(source_times, delays_ms, dt, duration, *, pairs=None):
    net = ns.Network()
    src = net.population(len(source_times), ns.SpikeTimes(source_times), name="src")
    n_post = len(source_times) if pairs is None else int(np.max(np.asarray(pairs)[:, 1])) + 1
    post = net.population(n_post, RELAY, name="post")
    if pairs is None:
        pairs = [[i, i] for i in range(len(source_times))]
    net.connect(src, post, ns.FromList(pairs, delays=delays_ms), synapse=ns.Delta(),
                weight=1.0)
    s_mon, p_mon = net.record_spikes(src), net.record_spikes(post)
    sim = ns.Simulator(net, dt=dt, seed=0)
    sim.run(duration)
    return sim.data[s_mon], sim.data[p_mon]


@pytest.mark.parametrize("dt", [0.1, 0.5])
@pytest.mark.parametrize("d_steps", [0, 1, 2, 7, 40])
def test_single_spike_acts_one_step_after_it_arrives(dt, d_steps):
    src, post = _relay([[10 * dt]], [d_steps * dt], dt, 100 * dt)
    np.testing.assert_array_equal(src.steps, [10])
    np.testing.assert_array_equal(post.steps, [10 + d_steps + 1])
    assert post.times[0] == pytest.approx(src.times[0] + d_steps * dt + dt)


def test_many_delays_at_once_with_wraparound():
    """Random spike trains through 200 synapses with delays 0..37 steps, over 3000 steps
    (the 39-row ring buffer wraps around about 80 times)."""
    rng = np.random.default_rng(5)
    dt, n, n_steps = 0.1, 200, 3000
    trains = [np.sort(rng.choice(n_steps - 40, size=60, replace=False)) for _ in range(n)]
    d_steps = rng.integers(0, 38, size=n)
    _, post = _relay([t * dt for t in trains], d_steps * dt, dt, n_steps * dt)
    got = post.trains()
    for i in range(n):
        np.testing.assert_allclose(got[i], (trains[i] + d_steps[i] + 1) * dt, rtol=0,
                                   atol=1e-9)
    per_neuron = [np.sort(post.steps[post.neurons == i]) for i in range(n)]
    for i in range(n):
        np.testing.assert_array_equal(per_neuron[i], trains[i] + d_steps[i] + 1)


def test_one_source_many_delays_to_many_targets():
    """One spike fans out with delays 1..50 steps to 50 targets: target j fires j + 2 steps
    later."""
    dt = 0.1
    pairs = [[0, j] for j in range(50)]
    delays = (np.arange(50) + 1) * dt
    _, post = _relay([[2.0]], delays, dt, 20.0, pairs=pairs)
    order = np.argsort(post.neurons)
    np.testing.assert_array_equal(post.steps[order], 20 + np.arange(1, 51) + 1)


def test_spikes_stay_in_flight_across_runs():
    dt = 0.1
    net = ns.Network()
    src = net.population(1, ns.SpikeTimes([[0.5]]), name="src")
    post = net.population(1, RELAY, name="post")
    net.connect(src, post, ns.OneToOne(), synapse=ns.Delta(), weight=1.0, delay=3.0)
    mon = net.record_spikes(post)
    sim = ns.Simulator(net, dt=dt, seed=0)
    for _ in range(10):
        sim.run(0.7)
    np.testing.assert_array_equal(sim.data[mon].steps, [36])


def test_drawn_delays_are_rounded_to_the_grid():
    net = ns.Network()
    a = net.population(20, ns.LIF(), name="a")
    proj = net.connect(a, a, ns.AllToAll(), weight=1.0, delay=ns.Uniform(1.0, 5.0))
    sim = ns.Simulator(net, dt=0.1, seed=3)
    d = sim._b.synapses[3]
    assert proj is not None and d.min() >= 10 and d.max() <= 50
    assert len(np.unique(d)) > 20


def test_drawn_delays_stay_within_the_distributions_bounds_off_the_grid():
    """Uniform(1.0, 5.0) at dt = 0.3 ms: rounding to the nearest step would give 0.9 and 5.1 ms
    at the edges; the rule keeps the steps in [ceil(1.0/0.3), floor(5.0/0.3)] = [4, 16]."""
    net = ns.Network()
    a = net.population(40, ns.LIF(t_ref=0.6), name="a")
    net.connect(a, a, ns.AllToAll(), weight=1.0, delay=ns.Uniform(1.0, 5.0))
    net.connect(a, a, ns.AllToAll(), weight=1.0,
                delay=ns.Normal(3.0, 2.0, low=1.0, high=5.0))
    sim = ns.Simulator(net, dt=0.3, seed=3)
    d = sim._b.synapses[3]
    assert d.min() == 4 and d.max() == 16          # 1.2 ms and 4.8 ms, both reached
    net = ns.Network()
    a = net.population(2, ns.LIF(t_ref=0.5), name="a")
    net.connect(a, a, ns.AllToAll(), weight=1.0, delay=ns.Uniform(1.05, 1.2))
    with pytest.raises(ValueError, match=r"no whole step of dt = 0.25 ms lies in the "
                                         r"distribution's range \[1.05, 1.2\] ms"):
        ns.Simulator(net, dt=0.25)


def test_delta_input_during_refractoriness_is_lost():
    """As in NEST's iaf_psc_delta: a jump arriving while the target is held is discarded."""
    net = ns.Network()
    src = net.population(1, ns.SpikeTimes([[1.0, 3.0, 8.0]]), name="src")
    cell = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-70.0, v_th=-69.5, v_reset=-70.0, t_ref=4.0)
    post = net.population(1, cell, name="post")
    net.connect(src, post, ns.OneToOne(), synapse=ns.Delta(), weight=1.0, delay=0.1)
    mon = net.record_spikes(post)
    sim = ns.Simulator(net, dt=0.1, seed=0)
    sim.run(20.0)
    # The jumps act in steps 12, 32, 82; after the spike in step 12 the neuron is held in
    # steps 13..52, so the jump of step 32 is lost.
    np.testing.assert_array_equal(sim.data[mon].steps, [12, 82])


def test_delay_steps_of_one_repeated_delay_equals_the_per_synapse_conversion():
    from neurosim.delays import delay_steps
    from neurosim.units import to_steps_array
    for value in (0.0, 0.1, 0.3, 1.0, 2.5, 1e3):
        same = np.full(1000, value)
        got = delay_steps(same, 0.1, drawn=False)
        assert got.dtype == np.int32
        assert np.array_equal(got, to_steps_array(same, 0.1, minimum=0))
    for value, message in ((0.05, "not a whole multiple"), (0.25, "not a whole multiple"),
                           (np.inf, "must be finite"), (np.nan, "must be finite"),
                           (-1.0, r"must be >= 0 ms, got -1.0")):
        with pytest.raises(ValueError, match=message):
            delay_steps(np.full(10, value), 0.1, drawn=False, name="delay")


def test_drawn_delays_round_as_numpy_does_in_one_compiled_pass():
    # The compiled pass of delay_steps for drawn delays must give exactly np.rint(d / dt)
    # clipped to the steps inside the bounds, halves to even included, into ``out`` if given.
    from neurosim.delays import delay_steps
    rng = np.random.default_rng(3)
    d = np.concatenate([rng.uniform(0.0, 2.0, 5000), np.arange(0, 40) * 0.05])
    for dt, bounds in ((0.1, (0.1, 1.5)), (0.3, (0.0, np.inf)), (0.1, None)):
        want = np.rint(d / dt)
        if bounds is not None:
            first = np.ceil(bounds[0] / dt - 1e-9)
            last = np.floor(bounds[1] / dt + 1e-9) if np.isfinite(bounds[1]) else np.inf
            want = np.clip(want, first, last)
        got = delay_steps(d, dt, drawn=True, bounds=bounds)
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, want.astype(np.int32))
        out = np.empty(d.size, dtype=np.int32)
        assert delay_steps(d, dt, drawn=True, bounds=bounds, out=out) is out
        np.testing.assert_array_equal(out, got)
    with pytest.raises(ValueError, match=r"delay must be >= 0 ms, got -0\.5 ms"):
        delay_steps(np.array([1.0, -0.5]), 0.1, drawn=True)
    with pytest.raises(ValueError, match=r"delay 1e\+300 ms is too long for dt = 0\.1 ms"):
        delay_steps(np.array([1.0, 1e300]), 0.1, drawn=True)
