"""Plasticity rules written as event statements (``ns.Plasticity.from_equations``).

Truth used here: (1) the built-in rules (STDP in every pairing, triplet STDP), written by a
user as statements, give *bitwise* the built-in's spikes and weights in a recurrent plastic
network with heterogeneous delays; (2) a rule the built-ins lack (a per-synapse trace that
depends on the weight), run by neurosim, gives the weights of the same rule written by hand as
Brian2 ``Synapses(on_pre=, on_post=)``, replaying the same spikes; (3) the same description on
``engine="brian2"`` gives the same spikes and weights; (4) a checkpoint resumes bitwise.
"""

import numpy as np
import pytest
from _scripted_plasticity import DT, brian2_replay, scripted  # tests/neurosim/ helper

import neurosim as ns
from neurosim.plasticity.rule import RULE_FIELDS

PAIR = """
dapre/dt = -apre / tau_pre : 1
dapost/dt = -apost / tau_post : 1
"""


def stdp_as_statements(rule):
    """A built-in STDP rule written as a user would write it."""
    bump = "= 1" if rule.pairing == "nearest" else "+= 1"
    f_minus = " * (w - w_min)" if rule.dependence == "multiplicative" else ""
    f_plus = " * (w_max - w)" if rule.dependence == "multiplicative" else ""
    return ns.Plasticity.from_equations(
        PAIR,
        on_pre=f"w = clip(w - a_minus * apost{f_minus}, w_min, w_max); apre {bump}",
        on_post=f"w = clip(w + a_plus * apre{f_plus}, w_min, w_max); apost {bump}",
        parameters=dict(tau_pre=rule.tau_plus, tau_post=rule.tau_minus, a_plus=rule.a_plus,
                        a_minus=rule.a_minus, w_min=rule.w_min, w_max=rule.w_max),
        name="user_stdp")


def triplet_as_statements(rule):
    return ns.Plasticity.from_equations(
        """
        dr1/dt = -r1 / tau_plus : 1
        dr2/dt = -r2 / tau_x : 1
        do1/dt = -o1 / tau_minus : 1
        do2/dt = -o2 / tau_y : 1
        """,
        on_pre="w = clip(w - o1 * (a2_minus + a3_minus * r2), w_min, w_max); r1 += 1; r2 += 1",
        on_post="w = clip(w + r1 * (a2_plus + a3_plus * o2), w_min, w_max); o1 += 1; o2 += 1",
        parameters=dict(tau_plus=rule.tau_plus, tau_minus=rule.tau_minus, tau_x=rule.tau_x,
                        tau_y=rule.tau_y, a2_plus=rule.a2_plus, a3_plus=rule.a3_plus,
                        a2_minus=rule.a2_minus, a3_minus=rule.a3_minus, w_min=rule.w_min,
                        w_max=rule.w_max),
        name="user_triplet")


def reduced_as_statements(rule):
    """Reduced nearest-neighbour pairing with two flags per synapse (plain variables): an
    arrival depresses only if a postsynaptic spike came since the last arrival, and vice
    versa."""
    return ns.Plasticity.from_equations(
        PAIR + "pre_fresh : 1\npost_fresh : 1",
        on_pre="w = clip(w - a_minus * apost * post_fresh, w_min, w_max); apre = 1; "
               "post_fresh = 0; pre_fresh = 1",
        on_post="w = clip(w + a_plus * apre * pre_fresh, w_min, w_max); apost = 1; "
                "pre_fresh = 0; post_fresh = 1",
        parameters=dict(tau_pre=rule.tau_plus, tau_post=rule.tau_minus, a_plus=rule.a_plus,
                        a_minus=rule.a_minus, w_min=rule.w_min, w_max=rule.w_max),
        initial=dict(post_fresh=1.0), name="user_reduced")


def _plastic_network(rule_in, rule_rec, seed=2, n_src=30):
    rng = np.random.default_rng(seed)
    trains = [sorted(set(np.round(rng.uniform(0, 400, 10), 1).tolist())) for _ in range(n_src)]
    net = ns.Network()
    src = net.population(n_src, ns.SpikeTimes(trains), name="src")
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-65.0, v_th=-55.0, v_reset=-65.0, t_ref=2.0)
    cells = net.population(6, lif, name="cells")
    inp = net.connect(src, cells, ns.FixedProbability(0.7), synapse=ns.ExpCurrent(tau=5.0),
                      weight=ns.Uniform(300.0, 700.0), delay=ns.Uniform(0.1, 0.4),
                      plasticity=rule_in, name="inp")
    rec = net.connect(cells, cells, ns.FixedProbability(0.5, allow_autapses=False),
                      synapse=ns.ExpCurrent(tau=2.0), weight=ns.Uniform(50.0, 200.0),
                      delay=1.5, plasticity=rule_rec, name="rec")
    # inp has Binomial(30 * 6, 0.7) synapses, 126 +- 6: indices below 100 exist (4.3 sd)
    net.record_weights(inp, every=1.0, synapses=np.arange(0, 100, 7))
    return net, inp, rec, net.record_spikes(cells)


def _run(rule_in, rule_rec, engine="neurosim", t=450.0):
    net, inp, rec, mon = _plastic_network(rule_in, rule_rec)
    sim = ns.Simulator(net, dt=DT, seed=7, engine=engine)
    w0 = sim.weights(inp).weight.copy()
    sim.run(t)
    return sim, sim.data[mon], sim.weights(inp), sim.weights(rec), w0, \
        sim.data[net.weight_monitors[0]]


IN_RULE = ns.STDP(a_plus=30.0, a_minus=33.0, tau_plus=20.0, tau_minus=20.0, w_min=0.0,
                  w_max=1000.0)
REC_RULES = [
    ns.STDP(a_plus=0.2, a_minus=0.25, tau_plus=15.0, tau_minus=25.0, w_min=0.0, w_max=300.0,
            pairing="nearest", dependence="multiplicative"),
    ns.TripletSTDP(a2_plus=5.0, a3_plus=10.0, a2_minus=8.0, a3_minus=1.0, w_max=300.0),
    ns.STDP(a_plus=20.0, a_minus=25.0, tau_plus=15.0, tau_minus=25.0, w_min=0.0, w_max=300.0,
            pairing="reduced"),
]


def _as_statements(rule):
    if isinstance(rule, ns.TripletSTDP):
        return triplet_as_statements(rule)
    if rule.pairing == "reduced":
        return reduced_as_statements(rule)
    return stdp_as_statements(rule)


@pytest.mark.parametrize("rec_rule", REC_RULES, ids=["nearest-mult", "triplet", "reduced"])
def test_builtin_rules_written_as_statements_are_bitwise_the_builtins(rec_rule):
    _, sa, ia, ra, w0, wa = _run(IN_RULE, rec_rule)
    _, sb, ib, rb, _, wb = _run(_as_statements(IN_RULE), _as_statements(rec_rule))
    assert len(sa) > 30
    assert np.abs(ia.weight - w0).max() > 10.0
    assert sorted(zip(sa.steps, sa.neurons)) == sorted(zip(sb.steps, sb.neurons))
    np.testing.assert_array_equal(ia.weight, ib.weight)
    np.testing.assert_array_equal(ra.weight, rb.weight)
    np.testing.assert_array_equal(wa.values, wb.values)


def test_storage_follows_what_the_statements_read():
    stdp = stdp_as_statements(IN_RULE)
    assert stdp.storage == {"apre": "pre", "apost": "post"}
    reduced = reduced_as_statements(REC_RULES[2])
    assert reduced.storage["pre_fresh"] == reduced.storage["post_fresh"] == "synapse"
    # a trace bumped by the weight differs between synapses: kept per synapse
    z = ns.Plasticity.from_equations(
        "dz/dt = -z / 30.0 : 1\ndapost/dt = -apost / 20.0 : 1",
        on_pre="z += 0.001 * w", on_post="w = clip(w + z, 0, 10); apost += 1")
    assert z.storage == {"z": "synapse", "apost": "post"}
    # one presynaptic trace row per (presynaptic neuron, delay) group, none per synapse
    net, inp, rec, _ = _plastic_network(stdp, stdp)
    sim = ns.Simulator(net, dt=DT, seed=7)
    tables = sim._b.ul[0]
    pre_tr = tables[RULE_FIELDS.index("pre_tr")]
    tab = sim.weights(inp)
    groups = {(p, d) for p, d in zip(tab.pre, tab.delay)}
    assert pre_tr.shape == (len(groups), 2)
    assert tables[RULE_FIELDS.index("syn_tr")].shape == (0, 1)  # nothing per synapse
    assert tables[RULE_FIELDS.index("post_tr")].shape == (6, 2)


# A rule the built-ins lack: the presynaptic trace z is bumped in proportion to the weight
# (so it is per synapse), potentiation is gated by it, depression is multiplicative.
Z_EQS = """
dz/dt = -z / tau_z : 1
dapost/dt = -apost / tau_post : 1
"""
Z_PRE = "w = clip(w - eta_minus * apost * w, 0, w_max); z += w / w_max"
Z_POST = "w = clip(w + eta_plus * z, 0, w_max); apost += 1"
Z_PAR = dict(tau_z=15.0, tau_post=25.0, eta_minus=0.3, eta_plus=0.08, w_max=1.0)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_new_rule_gives_the_weights_of_the_same_rule_written_by_hand_in_brian2(brian2_numpy):
    rule = ns.Plasticity.from_equations(Z_EQS, on_pre=Z_PRE, on_post=Z_POST, parameters=Z_PAR)
    assert rule.storage == {"z": "synapse", "apost": "post"}
    pre_times, post_steps, delays, w0, ours = scripted(rule, 11, 10, 20, 25, 30)
    theirs = brian2_replay(
        brian2_numpy,
        """w : 1
           dz/dt = -z / (15.0 * ms) : 1 (event-driven)
           dapost/dt = -apost / (25.0 * ms) : 1 (event-driven)""",
        """w = clip(w - 0.3 * apost * w, 0, 1.0)
           z += w / 1.0""",
        """w = clip(w + 0.08 * z, 0, 1.0)
           apost += 1""", pre_times, post_steps, delays, w0)
    assert np.abs(ours - w0).max() > 0.05
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def _resource_rule(w_max):
    """R_EQS with weights in pA: potentiation draws on a resource that relaxes back to 1."""
    return ns.Plasticity.from_equations(
        R_EQS, on_pre="w = clip(w - 20 * apost, 0, w_max); apre += 1; r *= 0.9",
        on_post="w = clip(w + 50 * apre * r, 0, w_max); r *= 0.5; apost += 1",
        parameters=dict(R_PAR, w_max=w_max), initial=dict(r=1.0), name="resource")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("rec", ["reduced", "resource"])
def test_a_rule_written_as_statements_runs_the_same_on_the_brian2_engine(rec):
    rule_in = ns.Plasticity.from_equations(Z_EQS, on_pre=Z_PRE, on_post=Z_POST,
                                           parameters=dict(Z_PAR, w_max=1000.0))
    rule_rec = (reduced_as_statements(REC_RULES[2]) if rec == "reduced"
                else _resource_rule(300.0))
    _, sa, ia, ra, w0, wa = _run(rule_in, rule_rec)
    _, sb, ib, rb, _, wb = _run(rule_in, rule_rec, engine="brian2")
    net, _, rec_proj, _ = _plastic_network(rule_in, rule_rec)
    r0 = ns.Simulator(net, dt=DT, seed=7).weights(rec_proj).weight
    assert len(sa) > 30
    assert np.abs(ia.weight - w0).max() > 10.0 and np.abs(ra.weight - r0).max() > 1.0
    assert sorted(zip(sa.steps, sa.neurons)) == sorted(zip(sb.steps, sb.neurons))
    np.testing.assert_allclose(ia.weight, ib.weight, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ra.weight, rb.weight, rtol=0, atol=1e-9)
    np.testing.assert_allclose(wa.values, wb.values, rtol=0, atol=1e-9)


def test_checkpoint_of_a_rule_written_as_statements_resumes_bitwise(tmp_path):
    rule = ns.Plasticity.from_equations(Z_EQS, on_pre=Z_PRE, on_post=Z_POST,
                                        parameters=dict(Z_PAR, w_max=1000.0))
    whole, sw, iw, rw, _, _ = _run(rule, reduced_as_statements(REC_RULES[2]), t=400.0)
    net, inp, rec, mon = _plastic_network(rule, reduced_as_statements(REC_RULES[2]))
    sim = ns.Simulator(net, dt=DT, seed=7)
    sim.run(200.0)
    sim.checkpoint(tmp_path / "c.npz")
    net2, inp2, rec2, mon2 = _plastic_network(rule, reduced_as_statements(REC_RULES[2]))
    resumed = ns.Simulator.resume(tmp_path / "c.npz", net2)
    resumed.run(200.0)
    np.testing.assert_array_equal(resumed.weights(inp2).weight, iw.weight)
    np.testing.assert_array_equal(resumed.weights(rec2).weight, rw.weight)
    assert np.array_equal(resumed.data[mon2].steps, sw.steps)


@pytest.mark.parametrize("kwargs,match", [
    (dict(equations="dx/dt = -x / tau + 1 : 1", on_pre="x += 1", parameters=dict(tau=5.0)),
     "may only relax exponentially"),
    (dict(equations="dx/dt = -x / tau : 1", on_pre="x += 1"), "unknown time constant 'tau'"),
    (dict(equations="dx/dt = -x / tau : 1", on_pre="x += 1", parameters=dict(tau=-2.0)),
     "must be > 0 ms, got -2.0"),
    (dict(equations="dx/dt = -x / 5.0 : 1", on_pre="x += a"), "unknown name 'a'"),
    (dict(equations="dx/dt = -x / 5.0 : 1", on_pre="x += 1; a = 2", parameters=dict(a=1.0)),
     "assigns 'a', which is neither w nor a variable"),
    (dict(equations="dx/dt = -x / 5.0 : 1", on_pre="x += 1", parameters=dict(a=1.0)),
     r"parameter\(s\) \['a'\] are not used"),
    (dict(equations="dx/dt = -x / 5.0 : 1", on_post="w += 1"),
     r"trace\(s\) \['x'\] are never changed"),
    (dict(equations="w : 1", on_pre="w += 1"), "'w' is a reserved name"),
    (dict(equations="dw/dt = -w / 5.0 : 1", on_pre="w += 1"),
     r"the weight may only change continuously as 'dw/dt = x \* y'"),
    (dict(equations="dx/dt = -x / 5.0 : 1\ny = 2 * x : 1", on_pre="x += 1"),
     "subexpressions are not supported"),
    (dict(equations="dx/dt = -x / 5.0 : 1", on_pre="x += (1"), "syntax error"),
    (dict(equations="dx/dt = -x / 5.0 : 1", on_pre="x += 1", initial=dict(y=1.0)),
     "initial value for 'y', which is not a variable"),
    (dict(equations="dx/dt = (x_rest - x) / 5.0 : 1", on_pre="x += 1"),
     "unknown resting value 'x_rest'"),
    (dict(equations="dx/dt = (2 * x - 1) / 5.0 : 1", on_pre="x += 1"), "may only relax"),
    (dict(equations="", on_pre="", on_post=""), "the rule does nothing"),
    (dict(equations="dx/dt = -x / 5.0 : 1", on_pre="x += 1", parameters=dict(a="1")),
     "must be a number"),
    (dict(equations="dx/dt = -x / 5.0 : 1", on_pre="x += foo(1)"), "unknown function 'foo'"),
])
def test_bad_rules_are_refused_at_construction(kwargs, match):
    with pytest.raises((ValueError, TypeError, SyntaxError), match=match):
        ns.Plasticity.from_equations(**kwargs)


def test_the_description_and_hash_follow_the_rule():
    a = stdp_as_statements(IN_RULE)
    b = stdp_as_statements(IN_RULE)
    c = stdp_as_statements(ns.STDP(a_plus=1.0, a_minus=1.0, w_max=1000.0))
    assert a == b and hash(a) == hash(b) and a != c
    net_a, *_ = _plastic_network(a, a)
    net_c, *_ = _plastic_network(c, c)
    assert ns.io.network_hash(net_a) != ns.io.network_hash(net_c)


# A resource that recovers: potentiation draws on a per-synapse resource r that relaxes back
# to r_rest = 1 (dr/dt = (1 - r) / tau_r) and is halved by each potentiation; depression is
# pair-based. Not a built-in: checked against the same rule written by hand in Brian2.
R_EQS = """
dapre/dt = -apre / tau_pre : 1
dapost/dt = -apost / tau_post : 1
dr/dt = (r_rest - r) / tau_r : 1
"""
R_PRE = "w = clip(w - 0.02 * apost, 0, 1); apre += 1"
R_POST = "w = clip(w + 0.05 * apre * r, 0, 1); r *= 0.5; apost += 1"
# (r changed by on_post only is kept per postsynaptic neuron; also by on_pre, per synapse)
R_VARIANTS = {"post": "", "synapse": "; r *= 0.9"}
R_PAR = dict(tau_pre=16.8, tau_post=33.7, tau_r=150.0, r_rest=1.0)


@pytest.mark.parametrize("where", R_VARIANTS)
def test_a_relaxing_trace_gives_the_weights_of_brian2_written_by_hand(brian2_numpy, where):
    extra = R_VARIANTS[where]
    rule = ns.Plasticity.from_equations(R_EQS, on_pre=R_PRE + extra, on_post=R_POST,
                                        parameters=R_PAR, initial=dict(r=1.0))
    assert rule.storage == {"apre": "pre", "apost": "post", "r": where}
    pre_times, post_steps, delays, w0, ours = scripted(rule, 5, 8, 25, 30, 20)
    theirs = brian2_replay(
        brian2_numpy,
        """w : 1
           dapre/dt = -apre / (16.8 * ms) : 1 (event-driven)
           dapost/dt = -apost / (33.7 * ms) : 1 (event-driven)
           dr/dt = (1.0 - r) / (150.0 * ms) : 1 (event-driven)""",
        """w = clip(w - 0.02 * apost, 0, 1)
           apre += 1""" + extra.replace("; ", "\n"),
        """w = clip(w + 0.05 * apre * r, 0, 1)
           r *= 0.5
           apost += 1""", pre_times, post_steps, delays, w0, initial=dict(r=1.0))
    assert np.abs(ours - w0).max() > 0.05
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)
