"""Plasticity refuses bad input at construction or at ``Simulator(...)``, naming what and why."""

import numpy as np
import pytest

import neurosim as ns


@pytest.mark.parametrize("make,message", [
    (lambda: ns.STDP(tau_plus=-5.0), r"STDP.tau_plus must be > 0 ms, got -5.0"),
    (lambda: ns.STDP(tau_minus=0.0), r"STDP.tau_minus must be > 0 ms, got 0.0"),
    (lambda: ns.STDP(a_minus=-0.01), r"STDP.a_minus must be >= 0 .*got -0.01"),
    (lambda: ns.STDP(a_plus=-1.0), r"STDP.a_plus must be >= 0 .*got -1.0"),
    (lambda: ns.STDP(w_min=2.0, w_max=1.0), r"STDP.w_min must be < STDP.w_max \(1.0\), got 2.0"),
    (lambda: ns.STDP(pairing="nearest-spike"),
     r"STDP.pairing must be one of \['all', 'nearest', 'reduced'\], got 'nearest-spike'"),
    (lambda: ns.RewardSTDP(pairing="reduced"),
     r"RewardSTDP.pairing must be one of \['all', 'nearest'\], got 'reduced'"),
    (lambda: ns.STDP(dependence="soft"),
     r"STDP.dependence must be one of \['additive', 'multiplicative'\], got 'soft'"),
    (lambda: ns.STDP(w_max=float("inf")), r"STDP.w_max must be finite"),
    (lambda: ns.TripletSTDP(tau_y=-1.0), r"TripletSTDP.tau_y must be > 0 ms, got -1.0"),
    (lambda: ns.TripletSTDP(a3_plus=-1e-3), r"TripletSTDP.a3_plus must be >= 0"),
    (lambda: ns.RewardSTDP(tau_d=-200.0), r"RewardSTDP.tau_d must be > 0 ms, got -200.0"),
    (lambda: ns.RewardSTDP(tau_c=0.0), r"RewardSTDP.tau_c must be > 0 ms, got 0.0"),
    (lambda: ns.TsodyksMarkram(U=0.0), r"TsodyksMarkram.U must be in \(0, 1\], got 0.0"),
    (lambda: ns.TsodyksMarkram(U=1.5), r"TsodyksMarkram.U must be in \(0, 1\], got 1.5"),
    (lambda: ns.TsodyksMarkram(tau_rec=-800.0),
     r"TsodyksMarkram.tau_rec must be > 0 ms, got -800.0"),
    (lambda: ns.TsodyksMarkram(tau_fac=-1.0),
     r"TsodyksMarkram.tau_fac must be >= 0 ms, got -1.0"),
])
def test_rule_parameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_types():
    with pytest.raises(TypeError, match=r"STDP.a_plus must be a number"):
        ns.STDP(a_plus="0.01")
    net = ns.Network()
    a = net.population(2, ns.PoissonSource(rate=5.0), name="a")
    b = net.population(2, ns.LIF(), name="b")
    with pytest.raises(TypeError, match=r"plasticity must be one of \['STDP', 'TripletSTDP', "
                                        r"'RewardSTDP', 'TsodyksMarkram'\].*got 'stdp'"):
        net.connect(a, b, ns.AllToAll(), plasticity="stdp")
    with pytest.raises(TypeError, match=r"one rule per projection"):
        net.connect(a, b, ns.AllToAll(), plasticity=[ns.STDP(), ns.TsodyksMarkram()])


def _pair():
    net = ns.Network()
    a = net.population(3, ns.PoissonSource(rate=5.0), name="a")
    b = net.population(2, ns.LIF(), name="b")
    return net, a, b


def test_initial_weights_outside_the_bounds():
    net, a, b = _pair()
    with pytest.raises(ValueError, match=r"connect: initial weight 5.0 is above STDP.w_max = "
                                         r"1.0"):
        net.connect(a, b, ns.AllToAll(), weight=5.0, plasticity=ns.STDP(w_max=1.0))
    with pytest.raises(ValueError, match=r"initial weight -0.5 is below STDP.w_min = 0.0"):
        net.connect(a, b, ns.AllToAll(), weight=[-0.5, 0.1, 0.2, 0.3, 0.4, 0.5],
                    plasticity=ns.STDP())
    # drawn weights and connector weights are checked when the simulator draws them
    net.connect(a, b, ns.AllToAll(), weight=ns.Uniform(0.0, 2.0), plasticity=ns.STDP())
    with pytest.raises(ValueError, match=r"connect a->b#0: initial weight 1\.\d+ is above "
                                         r"STDP.w_max = 1.0"):
        ns.Simulator(net, dt=0.1, seed=1)
    net, a, b = _pair()
    net.connect(a, b, ns.FromList([[0, 0]], weights=[3.0]), plasticity=ns.RewardSTDP(w_max=2.0))
    with pytest.raises(ValueError, match=r"initial weight 3.0 is above RewardSTDP.w_max"):
        ns.Simulator(net, dt=0.1)


def test_negative_lower_bound_on_a_conductance():
    net, a, b = _pair()
    with pytest.raises(ValueError, match=r"STDP.w_min must be >= 0 nS on a conductance synapse "
                                         r"\(ExpConductance\), got -1.0"):
        net.connect(a, b, ns.AllToAll(), synapse=ns.ExpConductance(), weight=0.5,
                    plasticity=ns.STDP(w_min=-1.0))


def test_weight_monitors():
    net, a, b = _pair()
    stp = net.connect(a, b, ns.AllToAll(), plasticity=ns.TsodyksMarkram())
    with pytest.raises(ValueError, match=r"record_weights: the weights of 'a->b#0' do not "
                                         r"change \(TsodyksMarkram"):
        net.record_weights(stp)
    proj = net.connect(a, b, ns.AllToAll(), weight=0.5, plasticity=ns.STDP())
    with pytest.raises(ValueError, match=r"record_weights.every must be > 0 ms"):
        net.record_weights(proj, every=-1.0)
    with pytest.raises(TypeError, match=r"synapses must be a 1-D sequence of integer"):
        net.record_weights(proj, synapses=[0.5])
    net.record_weights(proj, synapses=[0, 6])
    with pytest.raises(ValueError, match=r"synapse index 6 is outside \[0, 6\) for projection "
                                         r"'a->b#1'"):
        ns.Simulator(net, dt=0.1)
    other, x, y = _pair()
    foreign = other.connect(x, y, ns.AllToAll())
    with pytest.raises(ValueError, match=r"record_weights: projection must be a projection of "
                                         r"this network"):
        net.record_weights(foreign)


def test_weights_of_a_foreign_projection():
    net, a, b = _pair()
    net.connect(a, b, ns.AllToAll())
    other, x, y = _pair()
    foreign = other.connect(x, y, ns.AllToAll())
    sim = ns.Simulator(net, dt=0.1)
    with pytest.raises(ValueError, match=r"weights: .* is not a projection of this simulator"):
        sim.weights(foreign)


def test_other_engines_refuse_plasticity_at_construction():
    pytest.importorskip("brian2")
    net, a, b = _pair()
    net.connect(a, b, ns.AllToAll(), weight=0.5, plasticity=ns.RewardSTDP())
    with pytest.raises(NotImplementedError, match=r"engine 'brian2' does not run RewardSTDP "
                                                  r"\(projection 'a->b#0'\); it runs STDP"):
        ns.Simulator(net, dt=0.1, engine="brian2")
    net, a, b = _pair()
    net.connect(a, b, ns.AllToAll(), weight=0.5, plasticity=ns.RewardSTDP()._definition())
    with pytest.raises(NotImplementedError, match=r"engine 'brian2' does not run the rule "
                                                  r"'RewardSTDP' \(projection 'a->b#0'\): its "
                                                  r"shared variables"):
        ns.Simulator(net, dt=0.1, engine="brian2")
    pytest.importorskip("nest")
    net, a, b = _pair()
    proj = net.connect(a, b, ns.AllToAll(), weight=0.5)
    net.record_weights(proj)
    with pytest.raises(NotImplementedError, match=r"engine 'nest' does not support "
                                                  r"record_weights \(projection 'a->b#0'\)"):
        ns.Simulator(net, dt=0.1, engine="nest")


def test_static_projection_weights_are_reported_and_recorded_as_constants():
    net, a, b = _pair()
    proj = net.connect(a, b, ns.FromList([[0, 1], [2, 0]], weights=[1.5, 2.5],
                                         delays=[0.3, 2.0]))
    mon = net.record_weights(proj, every=1.0)
    sim = ns.Simulator(net, dt=0.1, seed=0)
    sim.run(5.0)
    table = sim.weights(proj)
    np.testing.assert_array_equal(table.pre, [0, 2])
    np.testing.assert_array_equal(table.post, [1, 0])
    np.testing.assert_array_equal(table.weight, [1.5, 2.5])
    np.testing.assert_allclose(table.delay, [0.3, 2.0])
    np.testing.assert_array_equal(table.matrix(3, 2), [[0, 1.5], [0, 0], [2.5, 0]])
    np.testing.assert_array_equal(sim.data[mon].values, np.tile([1.5, 2.5], (5, 1)))


def test_a_rule_without_a_definition_is_refused_at_connect():
    """Every rule runs as statements: a Plasticity subclass that gives none is refused when
    it is connected, with the way out."""
    class Handmade(ns.Plasticity):
        pass
    net = ns.Network()
    a = net.population(2, ns.PoissonSource(rate=5.0), name="a")
    b = net.population(2, ns.LIF(), name="b")
    with pytest.raises(TypeError, match=r"Handmade has no _definition\(\): a plasticity rule "
                                        r"runs as statements; return "
                                        r"Plasticity.from_equations"):
        net.connect(a, b, ns.AllToAll(), plasticity=Handmade())
