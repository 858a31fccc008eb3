"""The same scripted STDP experiment on neurosim and on Brian2 (plasticity written as Brian2
equations here, numpy code-generation target) gives the same weights.

Conventions bridged: neurosim counts a presynaptic spike when it arrives, in step
``k_pre + d``; a Brian2 ``on_pre`` pathway with delay ``d dt`` runs in that same step (the
*transmission* offset of one step documented in :mod:`neurosim.simulator` does not concern the
plasticity pathway). Postsynaptic spikes are replayed in Brian2 from neurosim's recorded spike
steps. Within a step Brian2 runs ``on_pre`` before ``on_post`` (set explicitly below), as
neurosim handles arrivals before postsynaptic spikes.
"""

import numpy as np
import pytest
from _scripted_plasticity import DT, brian2_replay, scripted  # tests/neurosim/ helper

import neurosim as ns

b2 = pytest.importorskip("brian2")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")



def brian2_weights(pre_times, post_steps, delays, w0, rule):
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    nearest = rule.pairing in ("nearest", "reduced")
    reset_pre = "apre = 1" if nearest else "apre += 1"
    reset_post = "apost = 1" if nearest else "apost += 1"
    f_minus = "(w - w_min)" if rule.dependence == "multiplicative" else "1"
    f_plus = "(w_max - w)" if rule.dependence == "multiplicative" else "1"
    # Reduced pairing with two flags per synapse: an arrival may depress only while
    # post_fresh (a postsynaptic spike came since the last arrival), a postsynaptic spike may
    # potentiate only while pre_fresh; each side's event clears its own permission.
    gate_pre, gate_post = (("post_fresh", "pre_fresh") if rule.pairing == "reduced"
                           else ("1", "1"))
    return brian2_replay(
        b2,
        """w : 1
           pre_fresh : 1
           post_fresh : 1
           dapre/dt = -apre / tau_plus : 1 (event-driven)
           dapost/dt = -apost / tau_minus : 1 (event-driven)""",
        f"""w = clip(w - a_minus * apost * {f_minus} * {gate_pre}, w_min, w_max)
            post_fresh = 0
            pre_fresh = 1
            {reset_pre}""",
        f"""w = clip(w + a_plus * apre * {f_plus} * {gate_post}, w_min, w_max)
            pre_fresh = 0
            post_fresh = 1
            {reset_post}""", pre_times, post_steps, delays, w0,
        namespace=dict(tau_plus=rule.tau_plus * b2.ms, tau_minus=rule.tau_minus * b2.ms,
                       a_plus=rule.a_plus, a_minus=rule.a_minus, w_min=rule.w_min,
                       w_max=rule.w_max))


@pytest.mark.slow
@pytest.mark.parametrize("pairing,dependence", [("all", "additive"),
                                                ("nearest", "multiplicative"),
                                                ("reduced", "additive")])
def test_scripted_stdp_agrees_with_brian2(pairing, dependence):
    rule = ns.STDP(a_plus=0.05, a_minus=0.055, tau_plus=16.8, tau_minus=33.7, w_min=0.0,
                   w_max=1.0, pairing=pairing, dependence=dependence)
    # one pair at Δt = 0 exactly: pre 0 arrives in the step of a postsynaptic spike
    pre_times, post_steps, delays, w0, ours = scripted(rule, 11, 10, 20, 25, 30,
                                                       zero_lag_pair=True)
    theirs = brian2_weights(pre_times, post_steps, delays, w0, rule)
    assert np.abs(ours - w0).max() > 0.05
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def _plastic_network(rule_in, rule_rec, seed=2):
    rng = np.random.default_rng(seed)
    trains = [sorted(set(np.round(rng.uniform(0, 400, 10), 1).tolist())) for _ in range(30)]
    net = ns.Network()
    src = net.population(30, ns.SpikeTimes(trains), name="src")
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-65.0, v_th=-55.0, v_reset=-65.0, t_ref=2.0)
    cells = net.population(6, lif, name="cells")
    inp = net.connect(src, cells, ns.FixedProbability(0.7), synapse=ns.ExpCurrent(tau=5.0),
                      weight=ns.Uniform(300.0, 700.0), delay=ns.Uniform(0.1, 0.4),
                      plasticity=rule_in)
    # current synapses: a delta input that arrives as refractoriness ends is treated
    # differently by the two engines (a known limit of the Brian2 engine, not of plasticity)
    rec = net.connect(cells, cells, ns.FixedProbability(0.5, allow_autapses=False),
                      synapse=ns.ExpCurrent(tau=2.0), weight=ns.Uniform(50.0, 200.0),
                      delay=1.5, plasticity=rule_rec)
    # inp has Binomial(30 * 6, 0.7) synapses, 126 +- 6: indices below 100 exist (4.3 sd)
    net.record_weights(inp, every=1.0, synapses=np.arange(0, 100, 7))
    return net, inp, rec, net.record_spikes(cells)


@pytest.mark.slow
@pytest.mark.parametrize("rec_rule", [
    ns.STDP(a_plus=0.2, a_minus=0.25, tau_plus=15.0, tau_minus=25.0, w_min=0.0, w_max=300.0,
            pairing="nearest", dependence="multiplicative"),
    ns.TripletSTDP(a2_plus=5.0, a3_plus=10.0, a2_minus=8.0, a3_minus=1.0, w_max=300.0),
    ns.STDP(a_plus=20.0, a_minus=25.0, tau_plus=15.0, tau_minus=25.0, w_min=0.0, w_max=300.0,
            pairing="reduced")])
def test_plastic_network_is_identical_on_the_brian2_engine(rec_rule):
    """Simulator(engine="brian2") runs STDP as Brian2 equations (neurosim.engines.brian2):
    the same spikes and the same weights as the built-in engine."""
    in_rule = ns.STDP(a_plus=30.0, a_minus=33.0, tau_plus=20.0, tau_minus=20.0, w_min=0.0,
                      w_max=1000.0)
    out = {}
    for engine in ("neurosim", "brian2"):
        net, inp, rec, mon = _plastic_network(in_rule, rec_rule)
        sim = ns.Simulator(net, dt=DT, seed=7, engine=engine)
        w0 = (sim.weights(inp).weight.copy(), sim.weights(rec).weight.copy())
        sim.run(250.0)
        sim.run(200.0)
        out[engine] = (sim.data[mon], sim.weights(inp), sim.weights(rec), w0,
                       sim.data[net.weight_monitors[0]])
    (sa, ia, ra, w0a, wa), (sb, ib, rb, w0b, wb) = out["neurosim"], out["brian2"]
    # the weight records: same samples (every 1 ms, the weight after each sampled step)
    assert wa.values.shape == (450, 15)   # synapses 0, 7, ..., 98
    np.testing.assert_array_equal(wa.times, wb.times)
    np.testing.assert_array_equal(wa.pre, wb.pre)
    np.testing.assert_allclose(wa.values, wb.values, rtol=0, atol=1e-9)
    assert np.abs(np.diff(wa.values, axis=0)).max() > 1.0
    assert len(sa) > 30
    assert sorted(zip(sa.steps, sa.neurons)) == sorted(zip(sb.steps, sb.neurons))
    np.testing.assert_array_equal(w0a[0], w0b[0])
    np.testing.assert_array_equal(ia.pre, ib.pre)
    np.testing.assert_array_equal(ia.post, ib.post)
    assert np.abs(ia.weight - w0a[0]).max() > 10.0 and np.abs(ra.weight - w0a[1]).max() > 5.0
    np.testing.assert_allclose(ia.weight, ib.weight, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ra.weight, rb.weight, rtol=0, atol=1e-9)
