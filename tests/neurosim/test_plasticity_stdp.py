"""Pair STDP against the analytic pair rule and a reference written here.

Spike times are scripted exactly: presynaptic neurons are ``SpikeTimes`` sources; the
postsynaptic neuron is a relay driven by a teacher source through a 100 mV delta synapse (delay
0: it acts in the next step), so it fires one step after its teacher and nowhere else (the plastic
inputs are tiny against its 50 mV distance to threshold). Timing convention under test
(:mod:`neurosim.plasticity`): ``Δt = t_post - (t_pre + delay)``; at ``Δt = 0`` the pair
potentiates by ``a_plus``.
"""

import math

import numpy as np
import pytest

import neurosim as ns

DT = 0.1
RELAY = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-70.0, v_th=-20.0, v_reset=-70.0, t_ref=0.0)


def scripted(pre_times, post_times, rule, *, w0, delays, duration, pairs=None, every=None):
    """Run pre trains -> one relay neuron (plastic), post spikes exactly at ``post_times``.

    Returns the simulator, the plastic projection, the recorded post spike record and the
    weight monitor (if ``every``)."""
    net = ns.Network()
    pre = net.population(len(pre_times), ns.SpikeTimes(pre_times), name="pre")
    teacher = net.population(1, ns.SpikeTimes([[round(t - DT, 10) for t in post_times]]),
                             name="teacher")
    post = net.population(1, RELAY, name="post")
    net.connect(teacher, post, ns.OneToOne(), synapse=ns.Delta(), weight=100.0, delay=0.0)
    if pairs is None:
        pairs = [[i, 0] for i in range(len(pre_times))]
    n = len(pairs)
    proj = net.connect(pre, post, ns.FromList(pairs, weights=np.broadcast_to(w0, (n,)),
                                              delays=np.broadcast_to(delays, (n,))),
                       synapse=ns.Delta(), plasticity=rule)
    mon = net.record_spikes(post)
    wmon = net.record_weights(proj, every=every) if every else None
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(duration)
    return sim, proj, sim.data[mon], wmon


def steps(times):
    return [int(round(t / DT)) for t in times]


def reference(arrival_steps, post_steps, w0, rule):
    """The pair rule applied event by event with explicit sums over earlier spikes (no
    traces): arrivals before postsynaptic spikes within a step. Reduced pairing: a pair
    counts only if no other spike lies between its two spikes, i.e. only when the previous
    event was of the other side."""
    nearest = rule.pairing in ("nearest", "reduced")
    reduced = rule.pairing == "reduced"
    mult = rule.dependence == "multiplicative"
    events = sorted([(k, 0) for k in arrival_steps] + [(k, 1) for k in post_steps])
    w, seen_pre, seen_post = w0, [], []
    last_kind = None
    for k, kind in events:
        blocked = reduced and last_kind == kind
        last_kind = kind
        if blocked:
            (seen_pre if kind == 0 else seen_post).append(k)
            continue
        if kind == 0:
            earlier = seen_post[-1:] if nearest else seen_post
            s = sum(math.exp(-((k - kp) * DT) / rule.tau_minus) for kp in earlier)
            dep = rule.a_minus * s * ((w - rule.w_min) if mult else 1.0)
            w = max(w - dep, rule.w_min)
            seen_pre.append(k)
        else:
            earlier = seen_pre[-1:] if nearest else seen_pre
            s = sum(math.exp(-((k - ka) * DT) / rule.tau_plus) for ka in earlier)
            pot = rule.a_plus * s * ((rule.w_max - w) if mult else 1.0)
            w = min(w + pot, rule.w_max)
            seen_post.append(k)
    return w


@pytest.mark.parametrize("delay", [0.1, 1.0, 3.7])
def test_window_matches_the_analytic_pair_rule(delay):
    """One pair per synapse, Δt from -40 ms to +40 ms in steps of 0.5 ms (and 0)."""
    rule = ns.STDP(a_plus=0.01, a_minus=0.012, tau_plus=16.8, tau_minus=33.7, w_min=0.0,
                   w_max=1.0)
    t_post = 100.0
    dts = np.round(np.arange(-40.0, 40.01, 0.5), 10)
    pre_times = [[round(t_post - d - delay, 10)] for d in dts]
    sim, proj, post, _ = scripted(pre_times, [t_post], rule, w0=0.05, delays=delay,
                                  duration=200.0)
    np.testing.assert_array_equal(post.times, [t_post])
    dw = sim.weights(proj).weight - 0.05
    expected = np.where(dts >= 0, 0.01 * np.exp(-dts / 16.8), -0.012 * np.exp(dts / 33.7))
    np.testing.assert_allclose(dw, expected, rtol=0, atol=1e-12)
    assert dw[dts == 0.0][0] == pytest.approx(0.01, abs=1e-15)   # Δt = 0 potentiates fully


def test_delay_shifts_the_interval_exactly():
    """The same spike times with delays 1..5 ms: the change is the window at
    t_post - t_pre - delay."""
    rule = ns.STDP(a_plus=0.02, a_minus=0.02, tau_plus=10.0, tau_minus=10.0)
    delays = [1.0, 2.0, 3.0, 4.0, 5.0]
    sim, proj, _, _ = scripted([[50.0]] * 5, [53.0], rule, w0=0.3, delays=delays,
                               duration=100.0)
    dts = 53.0 - 50.0 - np.array(delays)
    expected = np.where(dts >= 0, 0.02 * np.exp(-dts / 10.0), -0.02 * np.exp(dts / 10.0))
    np.testing.assert_allclose(sim.weights(proj).weight - 0.3, expected, rtol=0, atol=1e-12)
    assert expected[2] == 0.02      # delay 3 ms: arrival in the post step, Δt = 0


@pytest.mark.parametrize("rate_hz", [1.0, 20.0])
@pytest.mark.parametrize("pairing", ["all", "nearest", "reduced"])
@pytest.mark.parametrize("dependence", ["additive", "multiplicative"])
@pytest.mark.parametrize("offset", [6.0, -6.0, 0.0])
def test_repeated_pairings_match_the_reference(rate_hz, pairing, dependence, offset):
    """20 pairings at 1 Hz and 20 Hz with post = arrival + offset; at 20 Hz (50 ms period)
    and |offset| = 6 ms neighbouring pairs interact, which separates the pairing schemes."""
    rule = ns.STDP(a_plus=0.03, a_minus=0.025, tau_plus=20.0, tau_minus=25.0, w_min=0.0,
                   w_max=1.0, pairing=pairing, dependence=dependence)
    period = 1000.0 / rate_hz
    delay = 1.5
    pre = [round(20.0 + i * period, 10) for i in range(20)]
    post = [round(t + delay + offset, 10) for t in pre]
    duration = pre[-1] + 50.0
    sim, proj, rec, _ = scripted([pre], post, rule, w0=0.5, delays=delay, duration=duration)
    np.testing.assert_array_equal(rec.steps, steps(post))
    arrivals = [k + int(round(delay / DT)) for k in steps(pre)]
    expected = reference(arrivals, steps(post), 0.5, rule)
    assert sim.weights(proj).weight[0] == pytest.approx(expected, abs=1e-12)
    assert expected != 0.5


def test_schemes_differ_where_they_should():
    """A guard on the reference test above: at 20 Hz with a 6 ms offset the all-to-all and
    nearest results differ (else the parametrisation would not test the pairing)."""
    out = []
    for pairing in ("all", "nearest"):
        rule = ns.STDP(a_plus=0.03, a_minus=0.025, tau_plus=20.0, tau_minus=25.0,
                       pairing=pairing)
        pre = [20.0 + 50.0 * i for i in range(10)]
        post = [t + 7.5 for t in pre]
        sim, proj, _, _ = scripted([pre], post, rule, w0=0.5, delays=1.5, duration=600.0)
        out.append(sim.weights(proj).weight[0])
    assert abs(out[0] - out[1]) > 1e-3


@pytest.mark.parametrize("dependence", ["additive", "multiplicative"])
def test_random_trains_heterogeneous_delays_and_bounds(dependence):
    """12 presynaptic trains (random, fixed seed) with delays of 1..40 steps onto one relay
    neuron with a random postsynaptic train; large amplitudes so the additive rule hits both
    bounds. Every synapse against the reference."""
    rng = np.random.default_rng(3)
    rule = ns.STDP(a_plus=0.15, a_minus=0.16, tau_plus=15.0, tau_minus=20.0, w_min=0.1,
                   w_max=0.6, dependence=dependence)
    pre = [sorted(set(np.round(rng.uniform(0, 400, 25), 1).tolist())) for _ in range(12)]
    post = sorted(set(np.round(rng.uniform(5, 450, 30), 1).tolist()))
    delays = rng.integers(1, 41, 12) * DT
    w0 = rng.uniform(0.1, 0.6, 12)
    sim, proj, rec, wmon = scripted(pre, post, rule, w0=w0, delays=np.round(delays, 10),
                                    duration=500.0, every=0.1)
    np.testing.assert_array_equal(rec.steps, steps(post))
    table = sim.weights(proj)
    expected = [reference([k + int(round(d / DT)) for k in steps(p)], steps(post), w, rule)
                for p, d, w in zip(pre, delays, w0)]
    np.testing.assert_allclose(table.weight, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(table.pre, np.arange(12))
    np.testing.assert_allclose(table.delay, delays)
    values = sim.data[wmon].values
    assert values.min() >= 0.1 and values.max() <= 0.6
    if dependence == "additive":
        assert np.isclose(values, 0.1).any() and np.isclose(values, 0.6).any()
    np.testing.assert_array_equal(values[-1], table.weight)


def test_weight_record_samples_the_weight_after_each_step():
    rule = ns.STDP(a_plus=0.01, a_minus=0.01, tau_plus=20.0, tau_minus=20.0)
    sim, proj, _, wmon = scripted([[10.0]], [15.0], rule, w0=0.5, delays=1.0, duration=30.0,
                                  every=0.5)
    rec = sim.data[wmon]
    np.testing.assert_allclose(rec.times, np.arange(1, 61) * 0.5)
    # the post spike is in step 150 = [15.0, 15.1): the sample at 15.5 ms is the first after it
    before, after = rec.values[rec.times <= 15.0, 0], rec.values[rec.times > 15.0, 0]
    np.testing.assert_array_equal(before, 0.5)
    np.testing.assert_allclose(after, 0.5 + 0.01 * math.exp(-4.0 / 20.0), rtol=0, atol=1e-15)
    assert rec.pre.tolist() == [0] and rec.post.tolist() == [0]


def test_split_runs_are_bitwise_identical():
    def build():
        net = ns.Network()
        src = net.population(50, ns.PoissonSource(rate=20.0), name="src")
        cells = net.population(20, ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-65.0, v_th=-55.0,
                                          v_reset=-65.0, t_ref=2.0), name="cells")
        proj = net.connect(src, cells, ns.FixedProbability(0.5), synapse=ns.ExpCurrent(5.0),
                           weight=ns.Uniform(100.0, 300.0), delay=ns.Uniform(0.5, 3.0),
                           plasticity=ns.STDP(a_plus=5.0, a_minus=5.5, w_max=400.0))
        rec = net.connect(cells, cells, ns.FixedProbability(0.3), synapse=ns.Delta(),
                          weight=0.5, delay=1.0,
                          plasticity=ns.STDP(a_plus=0.05, a_minus=0.05, pairing="nearest",
                                             dependence="multiplicative", w_max=2.0))
        return net, proj, rec, net.record_spikes(cells)
    out = []
    for chunks in ([600.0], [123.4, 0.1, 476.5]):
        net, proj, rec, mon = build()
        sim = ns.Simulator(net, dt=DT, seed=4)
        w_init = sim.weights(proj).weight
        for c in chunks:
            sim.run(c)
        out.append((sim.weights(proj).weight, sim.weights(rec).weight, sim.data[mon].steps))
    assert out[0][2].size > 50
    assert not np.array_equal(out[0][0], w_init)
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)


def test_plastic_weights_are_what_is_transmitted():
    """After potentiation the relay's voltage jump at the next arrival equals the new weight."""
    rule = ns.STDP(a_plus=0.2, a_minus=0.0, tau_plus=20.0, tau_minus=20.0, w_max=1.0)
    net = ns.Network()
    pre = net.population(1, ns.SpikeTimes([[10.0, 40.0]]), name="pre")
    teacher = net.population(1, ns.SpikeTimes([[14.9]]), name="teacher")
    cell = net.population(1, ns.LIF(tau_m=1e9, c_m=250.0, e_leak=0.0, v_th=50.0, v_reset=0.0,
                                    t_ref=0.0), name="cell")
    net.connect(teacher, cell, ns.OneToOne(), synapse=ns.Delta(), weight=60.0, delay=0.0)
    proj = net.connect(pre, cell, ns.OneToOne(), synapse=ns.Delta(), weight=0.3, delay=1.0,
                       plasticity=rule)
    trace = net.record(cell, "v")
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(60.0)
    v = sim.data[trace].values[:, 0]
    w_new = 0.3 + 0.2 * math.exp(-4.0 / 20.0)
    assert sim.weights(proj).weight[0] == pytest.approx(w_new, abs=1e-14)
    # arrival at step 410 acts in step 411: the sample after it (index 411) jumps by the
    # new weight
    assert v[411] - v[410] == pytest.approx(w_new, abs=1e-9)
    assert v[111] - v[110] == pytest.approx(0.3, abs=1e-9)


def triplet_reference(arrival_steps, post_steps, w0, rule):
    """Pfister & Gerstner's all-to-all triplet rule event by event with explicit sums; ``r2``
    and ``o2`` are read before their own spike is added."""
    events = sorted([(k, 0) for k in arrival_steps] + [(k, 1) for k in post_steps])
    w, seen_pre, seen_post = w0, [], []

    def trace(k, spikes, tau):
        return sum(math.exp(-((k - j) * DT) / tau) for j in spikes)

    for k, kind in events:
        if kind == 0:
            dep = trace(k, seen_post, rule.tau_minus) * (
                rule.a2_minus + rule.a3_minus * trace(k, seen_pre, rule.tau_x))
            w = max(w - dep, rule.w_min)
            seen_pre.append(k)
        else:
            pot = trace(k, seen_pre, rule.tau_plus) * (
                rule.a2_plus + rule.a3_plus * trace(k, seen_post, rule.tau_y))
            w = min(w + pot, rule.w_max)
            seen_post.append(k)
    return w


@pytest.mark.parametrize("rate_hz", [1.0, 10.0, 20.0, 40.0, 50.0])
@pytest.mark.parametrize("offset", [10.0, -10.0])
def test_triplet_pairing_protocol_matches_the_reference(rate_hz, offset):
    """Sjöström-style protocol: 60 pairs at several frequencies, post 10 ms after (or before)
    the arrival; the visual-cortex all-to-all parameters of Pfister & Gerstner (2006)."""
    rule = ns.TripletSTDP()
    period = 1000.0 / rate_hz
    pre = [round(20.0 + i * period, 10) for i in range(60)]
    post = [round(t + 1.0 + offset, 10) for t in pre]
    sim, proj, rec, _ = scripted([pre], post, rule, w0=0.5, delays=1.0,
                                 duration=pre[-1] + 50.0)
    np.testing.assert_array_equal(rec.steps, steps(post))
    arrivals = [k + 10 for k in steps(pre)]
    expected = triplet_reference(arrivals, steps(post), 0.5, rule)
    assert sim.weights(proj).weight[0] == pytest.approx(expected, abs=1e-12)


def test_triplet_potentiation_grows_with_frequency():
    """The triplet rule's signature (Pfister & Gerstner 2006, Fig. 3): for post-before-pre
    pairs, depression at low frequency turns into potentiation at high frequency."""
    out = {}
    for rate_hz in (1.0, 50.0):
        period = 1000.0 / rate_hz
        pre = [round(20.0 + i * period, 10) for i in range(60)]
        post = [round(t + 1.0 - 10.0, 10) for t in pre]
        sim, proj, _, _ = scripted([pre], post, ns.TripletSTDP(), w0=0.5, delays=1.0,
                                   duration=pre[-1] + 50.0)
        out[rate_hz] = sim.weights(proj).weight[0] - 0.5
    assert out[1.0] < 0 < out[50.0]


def test_triplet_without_triplet_terms_is_the_additive_pair_rule():
    rng = np.random.default_rng(8)
    pre = [sorted(set(np.round(rng.uniform(0, 300, 30), 1).tolist())) for _ in range(4)]
    post = sorted(set(np.round(rng.uniform(5, 320, 30), 1).tolist()))
    kw = dict(w0=0.5, delays=np.array([0.1, 0.5, 1.0, 2.5]), duration=350.0)
    trip = ns.TripletSTDP(a2_plus=0.01, a3_plus=0.0, a2_minus=0.012, a3_minus=0.0,
                          tau_plus=17.0, tau_minus=34.0)
    pair = ns.STDP(a_plus=0.01, a_minus=0.012, tau_plus=17.0, tau_minus=34.0)
    sim_t, proj_t, _, _ = scripted(pre, post, trip, **kw)
    sim_p, proj_p, _, _ = scripted(pre, post, pair, **kw)
    np.testing.assert_allclose(sim_t.weights(proj_t).weight, sim_p.weights(proj_p).weight,
                               rtol=0, atol=1e-14)
    assert np.abs(sim_p.weights(proj_p).weight - 0.5).max() > 0.01


def test_weight_record_save_and_load(tmp_path):
    rule = ns.STDP(a_plus=0.01, a_minus=0.01, tau_plus=20.0, tau_minus=20.0)
    sim, proj, _, wmon = scripted([[10.0], [12.0]], [15.0], rule, w0=0.5, delays=1.0,
                                  duration=20.0, every=1.0)
    rec = sim.data[wmon]
    rec.save(tmp_path / "w.npz")
    back = ns.load_record(tmp_path / "w.npz")
    assert isinstance(back, ns.WeightRecord) and back.projection == rec.projection
    for name in ("times", "values", "synapses", "pre", "post"):
        np.testing.assert_array_equal(getattr(back, name), getattr(rec, name))
    with pytest.raises(ValueError):
        rec.values[0, 0] = 1.0          # records are read-only


def test_synapses_sharing_presynaptic_traces_follow_the_reference():
    """Synapses with the same presynaptic neuron, delay and rule share one presynaptic trace in
    the engine. Here they do in many ways at once: 6 presynaptic trains fan out to relays of
    two populations under two rules (different time constants, additive and multiplicative),
    with delays that repeat within a neuron's synapses and differ between them. Every synapse
    against the reference with its own arrivals and its own postsynaptic train."""
    rng = np.random.default_rng(11)
    rules = [ns.STDP(a_plus=0.02, a_minus=0.021, tau_plus=15.0, tau_minus=25.0, w_min=0.0,
                     w_max=1.0),
             ns.STDP(a_plus=0.05, a_minus=0.04, tau_plus=8.0, tau_minus=30.0, w_min=0.0,
                     w_max=1.0, dependence="multiplicative")]
    n_pre, n_posts = 6, (3, 2)
    pre_times = [sorted(set(np.round(rng.uniform(0.1, 300, 20), 1).tolist()))
                 for _ in range(n_pre)]
    net = ns.Network()
    pre = net.population(n_pre, ns.SpikeTimes(pre_times), name="pre")
    given = []
    for j, (rule, n_post) in enumerate(zip(rules, n_posts)):
        post_times = [sorted(set(np.round(rng.uniform(5, 330, 15), 1).tolist()))
                      for _ in range(n_post)]
        teacher = net.population(n_post, ns.SpikeTimes(
            [[round(t - DT, 10) for t in ts] for ts in post_times]), name=f"teacher{j}")
        post = net.population(n_post, RELAY, name=f"post{j}")
        net.connect(teacher, post, ns.OneToOne(), synapse=ns.Delta(), weight=100.0, delay=0.0)
        pairs = np.array([[i, m] for i in range(n_pre) for m in range(n_post)])
        delays = np.round(rng.choice([0.1, 0.5, 2.0], len(pairs)), 10)
        w0 = rng.uniform(0.2, 0.8, len(pairs))
        proj = net.connect(pre, post, ns.FromList(pairs, weights=w0, delays=delays),
                           synapse=ns.Delta(), plasticity=rule)
        given.append((proj, rule, post_times, pairs, delays, w0))
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(350.0)
    shared = 0
    for proj, rule, post_times, pairs, delays, w0 in given:
        expected = [reference([k + int(round(d / DT)) for k in steps(pre_times[i])],
                              steps(post_times[m]), w, rule)
                    for (i, m), d, w in zip(pairs, delays, w0)]
        np.testing.assert_allclose(sim.weights(proj).weight, expected, rtol=0, atol=1e-12)
        shared += len(pairs) - len({(i, d) for (i, _), d in zip(pairs, delays)})
    assert shared > 5  # the case under test: several synapses per (neuron, delay, rule)


@pytest.mark.parametrize("dependence", ["additive", "multiplicative"])
def test_reduced_pairing_on_random_trains_matches_the_reference(dependence):
    """Random trains (bursts of several arrivals between postsynaptic spikes and vice versa,
    same-step coincidences included) with heterogeneous delays: the reduced rule against the
    event-by-event reference, and against nearest pairing, which must differ."""
    rng = np.random.default_rng(21)
    out = {}
    for pairing in ("reduced", "nearest"):
        rule = ns.STDP(a_plus=0.04, a_minus=0.035, tau_plus=16.8, tau_minus=33.7, w_min=0.0,
                       w_max=1.0, pairing=pairing, dependence=dependence)
        pre = [sorted(set(np.round(rng.uniform(0, 400, 40), 1).tolist())) for _ in range(10)]
        post = sorted(set(np.round(rng.uniform(5, 450, 40), 1).tolist()))
        delays = np.round(rng.integers(1, 30, 10) * DT, 10)
        w0 = rng.uniform(0.3, 0.7, 10)
        sim, proj, rec, _ = scripted(pre, post, rule, w0=w0, delays=delays, duration=500.0)
        np.testing.assert_array_equal(rec.steps, steps(post))
        expected = [reference([k + int(round(d / DT)) for k in steps(p)], steps(post), w, rule)
                    for p, d, w in zip(pre, delays, w0)]
        np.testing.assert_allclose(sim.weights(proj).weight, expected, rtol=0, atol=1e-12)
        out[pairing] = np.array(expected)
        rng = np.random.default_rng(21)  # the same trains for the other pairing
    assert np.abs(out["reduced"] - out["nearest"]).max() > 1e-3


def test_reduced_pairing_is_only_for_pair_stdp():
    ns.STDP(pairing="reduced")
    with pytest.raises(ValueError, match="pairing"):
        ns.TripletSTDP(pairing="reduced")
    with pytest.raises(ValueError, match="pairing"):
        ns.RewardSTDP(pairing="reduced")
