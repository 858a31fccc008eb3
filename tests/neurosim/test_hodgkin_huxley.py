"""Hodgkin-Huxley: the excitability thresholds of the squid axon model, checked against an
independent stiff ODE solver (scipy's LSODA at tight tolerances) running the same equations.

Known values (Hodgkin & Huxley 1952 parameters at 6.3 degC): a long current step elicits one
spike from about 2.24 uA/cm^2 and tonic firing from about 6.26 uA/cm^2, starting near 50 Hz
(Rinzel & Miller 1980; Guckenheimer & Labouriau 1993). With the 1e-4 cm^2 patch of
``ns.HodgkinHuxley`` 1 uA/cm^2 is 100 pA.
"""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neurosim as ns

T_ON, T_RUN = 10.0, 300.0


def _counts(currents, scheme, dt=0.01):
    net = ns.Network()
    pop = net.population(len(currents), ns.HodgkinHuxley(scheme=scheme), name="hh")
    net.inject(pop, ns.DCCurrent(np.asarray(currents, dtype=float), start=T_ON))
    mon = net.record_spikes(pop)
    sim = ns.Simulator(net, dt=dt, seed=0)
    sim.run(T_RUN)
    return sim.data[mon].counts(), sim.data[mon]


def _reference_count(current):
    """Spikes (upward crossings of 0 mV) of the same equations solved by LSODA."""
    m = ns.HodgkinHuxley()
    init = m.initial_values()

    def vtrap(x, y):
        return y if x == 0 else x / -math.expm1(-x / y)

    def rhs(t, s):
        v, mm, h, n = s
        a_m, b_m = 0.1 * vtrap(v + 40, 10), 4 * math.exp(-(v + 65) / 18)
        a_h, b_h = 0.07 * math.exp(-(v + 65) / 20), 1 / (1 + math.exp(-(v + 35) / 10))
        a_n, b_n = 0.01 * vtrap(v + 55, 10), 0.125 * math.exp(-(v + 65) / 80)
        i_ion = (m.g_na * mm ** 3 * h * (v - m.e_na) + m.g_k * n ** 4 * (v - m.e_k)
                 + m.g_leak * (v - m.e_leak))
        i = current if t >= T_ON else 0.0
        return [(-i_ion + i) / m.c_m, a_m * (1 - mm) - b_m * mm, a_h * (1 - h) - b_h * h,
                a_n * (1 - n) - b_n * n]

    y0 = [init["v"], init["m"], init["h"], init["n"]]
    first = solve_ivp(rhs, (0, T_ON), y0, method="LSODA", rtol=1e-9, atol=1e-11)
    sol = solve_ivp(rhs, (T_ON, T_RUN), first.y[:, -1], method="LSODA", rtol=1e-9, atol=1e-11,
                    max_step=0.05)
    v = sol.y[0]
    return int(np.sum((v[:-1] < 0.0) & (v[1:] >= 0.0)))


@pytest.mark.parametrize("scheme", ["rk4", "exponential_euler"])
def test_single_spike_threshold(scheme):
    currents = np.arange(200.0, 260.0, 2.0)
    counts, _ = _counts(currents, scheme)
    threshold = currents[np.argmax(counts > 0)]
    assert counts[0] == 0 and counts[-1] == 1
    assert 220.0 <= threshold <= 232.0                      # ~2.24 uA/cm^2
    # Two steps below and above, the independent solver agrees.
    assert _reference_count(threshold - 4.0) == 0
    assert _reference_count(threshold + 4.0) == 1


@pytest.mark.parametrize("scheme", ["rk4", "exponential_euler"])
def test_repetitive_firing_threshold(scheme):
    currents = np.arange(590.0, 680.0, 2.0)
    counts, rec = _counts(currents, scheme)
    tonic = counts >= 10
    onset = currents[np.argmax(tonic)]
    assert not tonic[0] and tonic[-1]
    assert np.all(tonic[currents >= onset])                  # stays tonic above onset
    assert 615.0 <= onset <= 640.0                           # ~6.26 uA/cm^2
    assert _reference_count(onset - 10.0) < 10
    assert _reference_count(onset + 10.0) >= 10
    # Tonic firing starts near 50 Hz (a class-2 neuron: no low rates).
    trains = rec.trains()
    j = int(np.argmax(tonic))
    rate = 1000.0 / np.diff(trains[j][-5:]).mean()
    assert 40.0 < rate < 75.0
