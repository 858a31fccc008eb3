"""Property tests: random invalid values thrown at every public constructor of neurosim and
artificial raise a ValueError or TypeError whose message names the parameter (and, where the
house style asks for it, the object), and a failed call leaves nothing half-built.

Each parameter is declared once with its constraint; hypothesis draws values that break the
constraint (NaN, infinities, values on the wrong side of the bound, wrong types).
"""

import copy
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import artificial as A
import neurosim as ns

# derandomize: the same examples on every run, so CI never fails by chance; raise
# max_examples locally to search further.
EXAMPLES = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
NOT_A_NUMBER = st.one_of(st.text(max_size=4), st.none(), st.just([1.0, 2.0]),
                         st.just({"x": 1.0}))
_REAL = dict(allow_nan=False, allow_infinity=False)


def invalid(kind):
    """Values that break the constraint ``kind`` (``"...[]"``: the parameter also takes
    arrays, so a list of valid numbers is no wrong type for it)."""
    if kind.endswith("[]"):
        return invalid(kind[:-2]).filter(lambda v: not isinstance(v, list))
    if kind == "finite":
        return st.one_of(NON_FINITE, NOT_A_NUMBER)
    if kind == "positive":
        return st.one_of(NON_FINITE, NOT_A_NUMBER, st.floats(max_value=0.0, **_REAL))
    if kind == "non_negative":
        return st.one_of(NON_FINITE, NOT_A_NUMBER, st.floats(max_value=-1e-300, **_REAL))
    if kind == "positive_finite_or_inf":  # see test_adam_refuses_an_infinite_epsilon
        return invalid("positive").filter(lambda v: v != math.inf)
    if kind == "probability":
        return st.one_of(NON_FINITE, NOT_A_NUMBER, st.floats(max_value=-1e-9, **_REAL),
                         st.floats(min_value=1.0 + 1e-9, **_REAL))
    if kind == "count":  # an integer >= 0
        return st.one_of(st.integers(max_value=-1), st.floats(**_REAL), st.text(max_size=3),
                         st.booleans(), NON_FINITE)
    if kind == "count1":  # an integer >= 1
        return st.one_of(st.integers(max_value=0), st.floats(**_REAL), st.text(max_size=3),
                         st.booleans(), NON_FINITE)
    if kind == "name":
        return st.text(min_size=1, max_size=8).filter(lambda s: s not in VALID_NAMES)
    raise AssertionError(kind)


VALID_NAMES = {"rk4", "euler", "exp_euler", "all", "nearest", "additive", "multiplicative",
               "auto", "min", "max"}

# (label, factory, {parameter: constraint}, the object's name in messages or None)
NEURON_MODELS = [
    ("LIF", ns.LIF, {"tau_m": "positive", "c_m": "positive", "t_ref": "non_negative",
                     "e_leak": "finite", "v_th": "finite", "v_reset": "finite", "i_e": "finite"}),
    ("AdEx", ns.AdEx, {"c_m": "positive", "g_leak": "positive", "tau_w": "positive",
                       "delta_t": "positive", "t_ref": "non_negative", "e_leak": "finite",
                       "v_t": "finite", "v_peak": "finite", "v_reset": "finite", "a": "finite",
                       "b": "finite", "i_e": "finite", "scheme": "name"}),
    ("Izhikevich", ns.Izhikevich, {"a": "finite", "b": "finite", "c": "finite", "d": "finite",
                                   "v_peak": "finite", "c_m": "positive", "i_e": "finite",
                                   "scheme": "name"}),
    ("HodgkinHuxley", ns.HodgkinHuxley, {"c_m": "positive", "g_na": "non_negative",
                                         "g_k": "non_negative", "g_leak": "non_negative",
                                         "e_na": "finite", "e_k": "finite",
                                         "e_leak": "finite", "v_th": "finite", "i_e": "finite",
                                         "scheme": "name"}),
]
COMPONENTS = [
    ("ExpCurrent", ns.ExpCurrent, {"tau": "positive"}),
    ("AlphaCurrent", ns.AlphaCurrent, {"tau": "positive"}),
    ("ExpConductance", ns.ExpConductance, {"tau": "positive", "e_rev": "finite"}),
    ("AlphaConductance", ns.AlphaConductance, {"tau": "positive", "e_rev": "finite"}),
    ("FixedProbability", lambda p=0.1: ns.FixedProbability(p), {"p": "probability"}),
    ("FixedInDegree", lambda k=2: ns.FixedInDegree(k), {"k": "count"}),
    ("FixedOutDegree", lambda k=2: ns.FixedOutDegree(k), {"k": "count"}),
    ("FixedTotalNumber", lambda n=10: ns.FixedTotalNumber(n), {"n": "count"}),
    ("Uniform", lambda low=0.0, high=1.0: ns.Uniform(low, high),
     {"low": "finite", "high": "finite"}),
    ("Normal", lambda mean=0.0, std=1.0: ns.Normal(mean, std),
     {"mean": "finite", "std": "non_negative"}),
    ("LogNormal", lambda mu=0.0, sigma=1.0: ns.LogNormal(mu, sigma),
     {"mu": "finite", "sigma": "non_negative"}),
    ("PoissonSource", ns.PoissonSource, {"rate": "non_negative[]"}),
    ("DCCurrent", lambda amplitude=1.0, start=0.0: ns.DCCurrent(amplitude, start=start),
     {"amplitude": "finite[]", "start": "non_negative"}),
    ("NoisyCurrent", ns.NoisyCurrent, {"mean": "finite", "std": "non_negative",
                                       "start": "non_negative"}),
    ("RampCurrent", lambda start=0.0, stop=10.0, amplitude_start=0.0, amplitude_stop=1.0:
     ns.RampCurrent(start, stop, amplitude_start, amplitude_stop),
     {"start": "non_negative", "amplitude_start": "finite", "amplitude_stop": "finite"}),
    ("STDP", lambda **kw: ns.STDP(**{"w_max": 1.0, **kw}),
     {"a_plus": "non_negative", "a_minus": "non_negative", "tau_plus": "positive",
      "tau_minus": "positive", "pairing": "name", "dependence": "name"}),
    ("TripletSTDP", ns.TripletSTDP,
     {"a2_plus": "non_negative", "a3_plus": "non_negative", "a2_minus": "non_negative",
      "a3_minus": "non_negative", "tau_plus": "positive", "tau_minus": "positive",
      "tau_x": "positive", "tau_y": "positive", "pairing": "name"}),
    ("RewardSTDP", ns.RewardSTDP,
     {"a_plus": "non_negative", "a_minus": "non_negative", "tau_plus": "positive",
      "tau_minus": "positive", "tau_c": "positive", "tau_d": "positive", "pairing": "name"}),
    ("TsodyksMarkram", ns.TsodyksMarkram, {"tau_rec": "positive", "tau_fac": "non_negative"}),
]
ARTIFICIAL = [
    ("Dense", lambda units=3: A.Dense(units), {"units": "count1"}),
    ("Dense", lambda input_dim=2: A.Dense(3, input_dim=input_dim), {"input_dim": "count1"}),
    ("SGD", A.SGD, {"learning_rate": "positive"}),
    ("Adam", A.Adam, {"learning_rate": "positive", "epsilon": "positive_finite_or_inf"}),
    ("RMSprop", A.RMSprop, {"learning_rate": "positive"}),
    ("L1", A.L1, {"l1": "non_negative"}),
    ("L2", A.L2, {"l2": "non_negative"}),
    ("L1L2", A.L1L2, {"l1": "non_negative", "l2": "non_negative"}),
    ("EarlyStopping", A.EarlyStopping, {"patience": "count", "mode": "name",
                                        "min_delta": "non_negative"}),
]


def _cases(table):
    return [pytest.param(factory, name, param, kind, id=f"{name}.{param}")
            for name, factory, params in table for param, kind in params.items()]


def _check_message(err, owner, param, value):
    msg = str(err.value)
    assert re.search(rf"\b{re.escape(param)}\b", msg), f"{param!r} not named in: {msg}"
    if owner is not None:
        assert owner in msg, f"{owner!r} not named in: {msg}"


@pytest.mark.parametrize("factory, owner, param, kind",
                         _cases(NEURON_MODELS) + _cases(COMPONENTS))
@EXAMPLES
@given(data=st.data())
def test_neurosim_constructors_refuse_invalid_values(factory, owner, param, kind, data):
    bad = data.draw(invalid(kind), label=param)
    with pytest.raises((ValueError, TypeError)) as err:
        factory(**{param: bad})
    _check_message(err, owner, param, bad)


@pytest.mark.parametrize("factory, owner, param, kind", _cases(ARTIFICIAL))
@EXAMPLES
@given(data=st.data())
def test_artificial_constructors_refuse_invalid_numbers(factory, owner, param, kind, data):
    values = invalid(kind)
    if kind != "name":  # wrong types: test_artificial_constructors_refuse_wrong_types
        values = values.filter(lambda v: not _wrong_type(v))
    bad = data.draw(values, label=param)
    with pytest.raises((ValueError, TypeError)) as err:
        factory(**{param: bad})
    _check_message(err, owner, param, bad)


def _wrong_type(value):
    return value is None or isinstance(value, (str, list, dict))


_ARTIFICIAL_TYPES = [
    pytest.param(factory, owner, param, id=f"{owner}.{param}")
    for owner, factory, params in ARTIFICIAL for param in params]


@pytest.mark.parametrize("factory, owner, param", _ARTIFICIAL_TYPES)
def test_artificial_constructors_refuse_wrong_types(factory, owner, param):
    for bad in ("0.1", [0.1]) if param == "input_dim" else (None, "0.1", [0.1]):
        with pytest.raises((ValueError, TypeError)) as err:
            factory(**{param: bad})
        _check_message(err, owner, param, bad)


def test_adam_refuses_an_infinite_epsilon():
    with pytest.raises(ValueError, match=r"Adam\.epsilon"):
        A.Adam(epsilon=math.inf)


@EXAMPLES
@given(low=st.floats(-1e6, 1e6), gap=st.floats(0.0, 1e6))
def test_ordered_pairs_must_be_ordered(low, gap):
    with pytest.raises(ValueError, match=r"Uniform\.low must be < Uniform\.high"):
        ns.Uniform(low + gap, low)
    with pytest.raises(ValueError, match=r"LIF\.v_reset must be < LIF\.v_th"):
        ns.LIF(v_th=low, v_reset=low + gap)
    with pytest.raises(ValueError, match=r"MinMaxScaler\.feature_range"):
        A.MinMaxScaler(feature_range=(low + gap, low))


@EXAMPLES
@given(dt=invalid("positive"))
def test_simulator_dt(dt):
    net = ns.Network()
    net.population(2, ns.LIF(), name="a")
    with pytest.raises((ValueError, TypeError), match=r"Simulator\.dt must be"):
        ns.Simulator(net, dt=dt)


@EXAMPLES
@given(engine=st.text(max_size=8).filter(lambda s: s not in ("neurosim", "brian2", "nest")),
       network=st.one_of(st.none(), st.integers(), st.text(max_size=3)))
def test_simulator_engine_and_network(engine, network):
    net = ns.Network()
    net.population(2, ns.LIF(), name="a")
    with pytest.raises(ValueError, match=r"Simulator: unknown engine .*valid: \['neurosim'"):
        ns.Simulator(net, engine=engine)
    with pytest.raises(TypeError, match=r"Simulator: network must be a neurosim\.Network"):
        ns.Simulator(network)


# -- nothing half-built --------------------------------------------------------------------
def _snapshot(net):
    return (list(net.populations), list(net.projections), list(net.injections),
            list(net.monitors), list(net.weight_monitors))


def _base_network():
    net = ns.Network()
    a = net.population(5, ns.LIF(), name="a")
    b = net.population(4, ns.LIF(), name="b")
    net.connect(a, b, ns.AllToAll(), weight=1.0)
    return net, a, b


@EXAMPLES
@given(bad=st.one_of(NON_FINITE, NOT_A_NUMBER),
       where=st.sampled_from(["weight", "delay", "v", "n", "neurons", "every", "variable"]))
def test_a_failed_network_call_leaves_the_network_unchanged(bad, where):
    # None is the default weight, delay and sampling interval, and a list of numbers a valid
    # per-synapse array (its length is checked by Simulator(...))
    assume(not (where in ("weight", "delay", "every") and bad is None))
    assume(not (where in ("weight", "delay") and isinstance(bad, list)))
    net, a, b = _base_network()
    before = _snapshot(net)
    with pytest.raises((ValueError, TypeError)) as err:
        if where == "weight":
            net.connect(a, b, ns.OneToOne(), weight=bad)
        elif where == "delay":
            net.connect(a, b, ns.AllToAll(), delay=bad)
        elif where == "v":
            net.population(3, ns.LIF(), name="c", v=bad)
        elif where == "n":
            net.population(bad, ns.LIF(), name="c")
        elif where == "neurons":
            net.record(a, "v", neurons=[0, bad])
        elif where == "every":
            net.record_spikes(a)  # a valid monitor first: it must survive the next error
            before = _snapshot(net)
            net.record(a, "v", every=bad)
        else:
            net.record(a, bad if isinstance(bad, str) else str(bad))
    assert str(err.value)
    assert _snapshot(net) == before
    populations = [p.name for p in net.populations]
    assert populations == ["a", "b"]


@EXAMPLES
@given(bad_weight=st.one_of(NON_FINITE, st.floats(max_value=-1e-9, **_REAL)))
def test_a_failed_build_leaves_the_network_usable(bad_weight):
    """A weight drawn out of a plastic rule's bounds is refused at Simulator(...); the
    description is unchanged and builds once corrected."""
    net, a, b = _base_network()
    rule = ns.STDP(a_plus=0.01, a_minus=0.01, tau_plus=20.0, tau_minus=20.0, w_max=2.0)
    with pytest.raises((ValueError, TypeError), match=r"weight"):
        net.connect(a, b, ns.AllToAll(), weight=bad_weight, plasticity=rule)
    assert len(net.projections) == 1
    snapshot = copy.copy(net.projections)
    sim = ns.Simulator(net, dt=0.1, seed=0)
    assert net.projections == snapshot and sim.n_synapses == 20


@EXAMPLES
@given(rate=st.one_of(NON_FINITE, st.floats(max_value=-1e-9, **_REAL)))
def test_set_rate_refuses_and_keeps_the_old_rate(rate):
    net = ns.Network()
    src = net.population(3, ns.PoissonSource(rate=5.0), name="src")
    sim = ns.Simulator(net, dt=0.1, seed=0)
    before = sim._b.inputs["poisson_source"].p.copy()
    with pytest.raises(ValueError, match=r"PoissonSource\.rate must be"):
        sim.set_rate(src, rate)
    np.testing.assert_array_equal(sim._b.inputs["poisson_source"].p, before)


@EXAMPLES
@given(good=st.lists(st.floats(0.0, 1e4), min_size=1, max_size=6), data=st.data(),
       bad=st.one_of(NON_FINITE, st.floats(max_value=-1e-9, **_REAL)))
def test_sequences_with_one_bad_element(good, data, bad):
    """One NaN, infinite or negative entry anywhere in an array parameter is found."""
    where = data.draw(st.integers(0, len(good)), label="position")
    values = good[:where] + [bad] + good[where:]
    times = sorted(good)
    cases = [
        (lambda: ns.SpikeTimes([times, values]), r"SpikeTimes\.times\[1\] must be"),
        (lambda: ns.StepCurrent(values, [1.0] * len(values)), r"StepCurrent\.times must be"),
        (lambda: ns.PoissonSource(rate=values), r"PoissonSource\.rate must be"),
    ]
    if not math.isfinite(bad):  # negative amplitudes, weights and entries are valid
        cases += [
            (lambda: ns.StepCurrent([float(i) for i in range(len(values))], values),
             r"StepCurrent\.amplitudes\[\d+\]"),
            (lambda: ns.FromList([[0, 1]] * len(values), weights=values),
             r"FromList\.weights must be finite"),
            (lambda: ns.FromMatrix([values, good + [0.0]]), r"FromMatrix\.matrix must be finite"),
        ]
    for make, match in cases:
        with pytest.raises(ValueError, match=match):
            make()
