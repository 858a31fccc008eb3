"""Property tests: every public constructor refuses invalid numbers with a message that names
the parameter, and accepts valid ones."""

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurosim as ns

MODELS = [ns.LIF(), ns.AdEx(), ns.Izhikevich(), ns.HodgkinHuxley()]
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])


def _numeric_fields(model):
    return [f.name for f in dataclasses.fields(model) if f.name != "scheme"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
@settings(max_examples=30, deadline=None)
@given(data=st.data(), bad=NON_FINITE)
def test_non_finite_parameters_are_refused(model, data, bad):
    name = data.draw(st.sampled_from(_numeric_fields(model)))
    with pytest.raises(ValueError, match=rf"{type(model).__name__}\.{name} must be"):
        dataclasses.replace(model, **{name: bad})


@settings(max_examples=50, deadline=None)
@given(tau=st.floats(max_value=0.0, allow_nan=False, allow_infinity=False),
       kinetics=st.sampled_from([ns.ExpCurrent, ns.AlphaCurrent, ns.ExpConductance,
                                 ns.AlphaConductance]))
def test_non_positive_time_constants_are_refused(tau, kinetics):
    with pytest.raises(ValueError, match=rf"{kinetics.__name__}\.tau must be > 0 ms"):
        kinetics(tau=tau)


@settings(max_examples=50, deadline=None)
@given(tau_m=st.floats(max_value=0.0, allow_nan=False, allow_infinity=False),
       c_m=st.floats(1e-3, 1e6))
def test_lif_time_constant_and_capacitance(tau_m, c_m):
    with pytest.raises(ValueError, match=r"LIF\.tau_m must be > 0 ms"):
        ns.LIF(tau_m=tau_m, c_m=c_m)
    assert ns.LIF(tau_m=1.0, c_m=c_m).c_m == c_m


@settings(max_examples=50, deadline=None)
@given(p=st.one_of(st.floats(max_value=-1e-12, allow_nan=False, allow_infinity=False),
                   st.floats(min_value=1.0 + 1e-12, allow_nan=False, allow_infinity=False)))
def test_probability_outside_unit_interval(p):
    with pytest.raises(ValueError, match=r"FixedProbability\.p must be in \[0, 1\]"):
        ns.FixedProbability(p)


@settings(max_examples=50, deadline=None)
@given(rate=st.floats(max_value=-1e-300, allow_nan=False, allow_infinity=False))
def test_negative_rates(rate):
    with pytest.raises(ValueError, match=r"PoissonSource\.rate must be >= 0 Hz"):
        ns.PoissonSource(rate=rate)


@settings(max_examples=50, deadline=None)
@given(k=st.integers(1, 10**6), dt_exp=st.integers(-3, 0), frac=st.floats(0.01, 0.99))
def test_durations_off_the_grid_are_refused_and_on_grid_accepted(k, dt_exp, frac):
    dt = 10.0 ** dt_exp
    assert ns.units.to_steps(k * dt, dt) == k
    with pytest.raises(ValueError, match="is not a whole multiple of dt"):
        ns.units.to_steps((k + frac) * dt, dt)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(-5, 0))
def test_population_sizes(n):
    net = ns.Network()
    with pytest.raises(ValueError, match=r"population\.n must be >= 1"):
        net.population(n, ns.LIF())
    assert net.populations == []          # nothing half-built
