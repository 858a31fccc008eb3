"""The CUBA network (Vogels & Abbott 2005; benchmark 2 of Brette et al. 2007) on neurosim and on
Brian2 (numpy target), with the same connectivity and initial state.

Conventions bridged here (see the neurosim.simulator docstring): none for the delay, which is
dt on both (a delay means the same on both); neurosim holds a neuron at v_reset for t_ref
after the reset, Brian2 for t_ref after the spike's step start, so neurosim's t_ref = 5 ms is
Brian2's 5.1 ms at dt = 0.1 ms. Brian2's voltage-unit synaptic variable g (mV) is a current
i = g c_m / tau_m (pA).
"""

import numpy as np
import pytest

import neurosim as ns
from neurosim import analysis

brian2 = pytest.importorskip("brian2")

# Brian2 2.9 calls pyparsing names that newer pyparsing deprecates; not our concern here.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

N_E, N_I, P_CONN = 320, 80, 0.2      # in-degrees 64 + 16, as in the N = 4000, p = 0.02 original
TAU_M, C_M, E_L, V_TH, V_R, T_REF = 20.0, 250.0, -49.0, -50.0, -60.0, 5.0
TAU_E, TAU_I = 5.0, 10.0
W_E_MV, W_I_MV = 60 * 0.27 / 10, -20 * 4.5 / 10
DT, T_RUN = 0.1, 1000.0


@pytest.fixture(scope="module")
def cuba():
    rng = np.random.default_rng(2007)
    n = N_E + N_I
    v0 = rng.uniform(V_R, V_TH, n)
    conn = rng.random((n, n)) < P_CONN
    pre, post = np.nonzero(conn)
    return v0, pre, post


def _neurosim(v0, pre, post):
    net = ns.Network()
    lif = ns.LIF(tau_m=TAU_M, c_m=C_M, e_leak=E_L, v_th=V_TH, v_reset=V_R, t_ref=T_REF)
    pop = net.population(N_E + N_I, lif, name="cuba", v=v0)
    exc = pre < N_E
    net.connect(pop, pop, ns.FromList(np.c_[pre[exc], post[exc]]),
                synapse=ns.ExpCurrent(tau=TAU_E), weight=W_E_MV * C_M / TAU_M, delay=DT)
    net.connect(pop, pop, ns.FromList(np.c_[pre[~exc], post[~exc]]),
                synapse=ns.ExpCurrent(tau=TAU_I), weight=W_I_MV * C_M / TAU_M, delay=DT)
    mon = net.record_spikes(pop)
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(T_RUN)
    return sim.data[mon]


def _brian2(v0, pre, post):
    b2 = brian2
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = DT * b2.ms
    ms, mV = b2.ms, b2.mV
    eqs = """
    dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : volt
    dgi/dt = -gi / taui : volt
    """
    ns_ = dict(taum=TAU_M * ms, taue=TAU_E * ms, taui=TAU_I * ms, El=E_L * mV)
    group = b2.NeuronGroup(N_E + N_I, eqs, threshold=f"v >= {V_TH}*mV", reset=f"v = {V_R}*mV",
                           refractory=(T_REF + DT) * ms, method="exact", namespace=ns_)
    group.v = v0 * mV
    exc = pre < N_E
    se = b2.Synapses(group, group, on_pre=f"ge += {W_E_MV}*mV", delay=DT * ms)
    se.connect(i=pre[exc], j=post[exc])
    si = b2.Synapses(group, group, on_pre=f"gi += {W_I_MV}*mV", delay=DT * ms)
    si.connect(i=pre[~exc], j=post[~exc])
    mon = b2.SpikeMonitor(group)
    net = b2.Network(group, se, si, mon)
    net.run(T_RUN * ms)
    times = np.asarray(mon.t / ms)
    return ns.SpikeRecord(times=times, neurons=np.asarray(mon.i), steps=np.rint(times / DT),
                          n_neurons=N_E + N_I, t_start=0.0, t_stop=T_RUN)


@pytest.mark.slow
def test_cuba_matches_brian2(cuba):
    mine = _neurosim(*cuba)
    theirs = _brian2(*cuba)
    # Both integrate the same linear equations exactly: identical spikes until chaos could
    # amplify rounding differences (on this machine they agree for the whole second). Compare
    # the first 200 ms spike by spike.
    early = 200.0
    a = sorted(zip(mine.steps[mine.times < early], mine.neurons[mine.times < early]))
    b = sorted(zip(theirs.steps[theirs.times < early], theirs.neurons[theirs.times < early]))
    assert len(a) > 100
    assert a == b
    # Over the whole second: the same statistics.
    r_a, r_b = analysis.mean_rate(mine), analysis.mean_rate(theirs)
    assert r_a == pytest.approx(r_b, rel=0.1)
    cv_a, cv_b = np.nanmean(analysis.cv_isi(mine)), np.nanmean(analysis.cv_isi(theirs))
    assert cv_a == pytest.approx(cv_b, abs=0.1)
    assert abs(analysis.silent_fraction(mine) - analysis.silent_fraction(theirs)) < 0.05
