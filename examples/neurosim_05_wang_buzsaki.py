"""The Wang-Buzsaki fast-spiking interneuron, written as equations, on neurosim and on Brian2.

Wang X-J, Buzsaki G (1996) Gamma oscillation by synaptic inhibition in a hippocampal
interneuronal network model. J Neurosci 16(20):6402-6413.

A single-compartment Hodgkin-Huxley-type cell; sodium activation is instantaneous,
m = m_inf(V) = alpha_m / (alpha_m + beta_m); h and n follow first-order kinetics sped up by the
temperature factor phi = 5::

    C dV/dt = -g_Na m_inf^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L) + I
    dh/dt = phi (alpha_h (1 - h) - beta_h h),      dn/dt = phi (alpha_n (1 - n) - beta_n n)

    alpha_m = 0.1 (V + 35) / (1 - exp(-(V + 35) / 10))   beta_m = 4 exp(-(V + 60) / 18)
    alpha_h = 0.07 exp(-(V + 58) / 20)                    beta_h = 1 / (exp(-0.1 (V + 28)) + 1)
    alpha_n = 0.01 (V + 34) / (1 - exp(-0.1 (V + 34)))   beta_n = 0.125 exp(-(V + 44) / 80)

(rates in 1/ms, V in mV; the same in ModelDB 26997, Brian2's
examples/frompapers/Wang_Buszaki_1996.py and NESTML's wb_cond_exp), with C = 1 uF/cm^2,
g_Na = 35, g_K = 9, g_L = 0.1 mS/cm^2, E_Na = 55, E_K = -90, E_L = -65 mV. Here the membrane
is a patch of 1e-4 cm^2, so that the project's units fit: C = 100 pF, g_Na = 3500, g_K = 900,
g_L = 10 nS, and 1 uA/cm^2 = 100 pA.

The built-in models lack it; ``ns.NeuronModel.from_equations`` takes it as written, with the
rates as subexpressions (written with ``exprel``, so ``alpha_m`` and ``alpha_n`` have no 0/0
point). Spikes: ``v > -20 mV`` with ``refractory="v > v_th"`` and no reset -- an HH-type cell
makes its own action potential, and a neuron is refractory while it is above -20 mV, so a spike
is an upward crossing and each action potential counts once at any rate. Brian2 gets the same
text, the same ``rk4`` scheme and dt.

The script runs one neuron per injected current (a per-neuron parameter ``i_e``), on both
engines, prints the f-I table and the rheobase, and draws the f-I curves and a voltage trace.
What it shows (numbers from this script; the paper's abstract stresses the "steep
frequency-current relationship of fast-spiking neurons"):

- type-1 excitability: the rest state (-64.0 mV) disappears in a saddle-node on an invariant
  circle at I_c = 16.01 pA = 0.160 uA/cm^2, the maximum of the steady-state I-V curve
  (:func:`rheobase_iv`); just above it the cell fires at arbitrarily low rates (about 1 Hz at
  16.1 pA), with f^2 proportional to I - I_c;
- fast spiking: 60 Hz at 1 uA/cm^2, 102 Hz at 2, 190 Hz at 5, 407 Hz at 20 uA/cm^2. (Beyond
  about 25 uA/cm^2 the cell goes into depolarisation block, outside the range shown.)

Run: python examples/neurosim_05_wang_buzsaki.py [--out PATH]
(default: neurosim_05_wang_buzsaki.png in the system's temp folder)
"""

import argparse
import math
import os
import tempfile
import time

import numpy as np

import neurosim as ns

AREA = 1e-4                      # cm^2 of membrane
PA_PER_UA_CM2 = 1e6 * AREA       # 1 uA/cm^2 is 100 pA; likewise 1 mS/cm^2 -> 100 nS, 1 uF -> 100 pF
PARAMETERS = dict(c_m=1.0 * 1e6 * AREA,       # pF   (1 uF/cm^2)
                  g_na=35.0 * 1e6 * AREA,     # nS   (35 mS/cm^2)
                  g_k=9.0 * 1e6 * AREA,       # nS   (9 mS/cm^2)
                  g_l=0.1 * 1e6 * AREA,       # nS   (0.1 mS/cm^2)
                  e_na=55.0, e_k=-90.0, e_l=-65.0,   # mV
                  phi=5.0)
V_TH = -20.0                     # mV, spike detection: upward crossings of it
REFRACTORY = "v > v_th"          # refractory while above threshold (nothing clamped)
DT = 0.025                       # ms (rates agree with dt = 0.02 ms to 0.01 Hz)
T_RUN = 600.0                    # ms per current
T_SKIP = 100.0                   # ms of transient left out of the rate
#: Injected currents, uA/cm^2: dense near the onset, up to 20 uA/cm^2.
CURRENTS_UA = np.array([0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0,
                        5.0, 6.0, 8.0, 10.0, 12.5, 15.0, 17.5, 20.0])
CURRENTS = CURRENTS_UA * PA_PER_UA_CM2                  # pA
TRACE_CURRENT = 1.0 * PA_PER_UA_CM2                     # pA, the neuron whose v is drawn

# The rates are subexpressions (in any order). x/(1 - exp(-x/y)) is written y/exprel(-x/y),
# exprel(z) = (exp(z) - 1)/z, which is finite where the first form is 0/0.
EQUATIONS = """
dv/dt = (g_na*m_inf**3*h*(e_na - v) + g_k*n**4*(e_k - v) + g_l*(e_l - v) + i_e + i_syn)/c_m : mV
dh/dt = phi*(alpha_h*(1 - h) - beta_h*h) : 1
dn/dt = phi*(alpha_n*(1 - n) - beta_n*n) : 1
m_inf = alpha_m/(alpha_m + beta_m) : 1
alpha_m = 1/exprel(-(v + 35*mV)/(10*mV))/ms : 1/ms
beta_m = 4*exp(-(v + 60*mV)/(18*mV))/ms : 1/ms
alpha_h = 0.07*exp(-(v + 58*mV)/(20*mV))/ms : 1/ms
beta_h = 1/(exp(-0.1*(v + 28*mV)/mV) + 1)/ms : 1/ms
alpha_n = 0.1/exprel(-0.1*(v + 34*mV)/mV)/ms : 1/ms
beta_n = 0.125*exp(-(v + 44*mV)/(80*mV))/ms : 1/ms
i_e : pA
"""


def rates(v):
    """The six rate functions (1/ms) at v (mV), in plain Python: (alpha_m, beta_m, alpha_h,
    beta_h, alpha_n, beta_n). Used for the resting state and by the tests' reference solver;
    the simulations integrate ``EQUATIONS``."""
    return (0.1 * (v + 35.0) / -math.expm1(-(v + 35.0) / 10.0),
            4.0 * math.exp(-(v + 60.0) / 18.0),
            0.07 * math.exp(-(v + 58.0) / 20.0),
            1.0 / (math.exp(-0.1 * (v + 28.0)) + 1.0),
            0.01 * (v + 34.0) / -math.expm1(-0.1 * (v + 34.0)),
            0.125 * math.exp(-(v + 44.0) / 80.0))


def gating_at(v):
    """(m_inf, h_inf, n_inf) at a fixed voltage v (mV)."""
    a_m, b_m, a_h, b_h, a_n, b_n = rates(v)
    return a_m / (a_m + b_m), a_h / (a_h + b_h), a_n / (a_n + b_n)


def steady_current(v, p=PARAMETERS):
    """Net ionic current (pA, outward positive) with every gate at its steady state at v: the
    steady-state I-V curve. A DC current I holds the cell at v where this equals I."""
    m, h, n = gating_at(v)
    return (p["g_na"] * m ** 3 * h * (v - p["e_na"]) + p["g_k"] * n ** 4 * (v - p["e_k"])
            + p["g_l"] * (v - p["e_l"]))


def resting_potential(p=PARAMETERS):
    """The resting potential without input (mV): the lowest zero of the steady-state I-V
    curve (it is N-shaped; the bracket holds only the rest)."""
    from scipy.optimize import brentq
    return brentq(steady_current, -80.0, -61.0, args=(p,), xtol=1e-12)


def rheobase_iv(p=PARAMETERS):
    """(current in pA, voltage in mV) of the local maximum of the steady-state I-V curve above
    rest: where the stable rest state merges with the saddle (a saddle-node bifurcation).
    Since the model is type 1, this is its rheobase for DC input."""
    from scipy.optimize import minimize_scalar
    res = minimize_scalar(lambda v: -steady_current(v, p), bounds=(-63.0, -55.0),
                          method="bounded", options=dict(xatol=1e-10))
    return -res.fun, res.x


def wang_buzsaki(currents, *, scheme="rk4", **initial):
    """The model, one neuron per injected DC current (pA), started at rest without input
    unless ``initial`` gives other initial values (``v=-80.0, h=0.3, n=0.2``)."""
    v0 = resting_potential()
    _, h0, n0 = gating_at(v0)
    return ns.NeuronModel.from_equations(
        EQUATIONS, threshold="v > v_th", refractory=REFRACTORY,
        parameters={**PARAMETERS, "v_th": V_TH, "i_e": np.asarray(currents, dtype=float)},
        scheme=scheme, initial={"v": v0, "h": h0, "n": n0, **initial}, name="WangBuzsaki")


def simulate(currents, *, engine="neurosim", dt=DT, t_run=T_RUN, record_v=None, **initial):
    """Run one neuron per current (pA) for ``t_run`` ms. ``record_v``: indices of neurons whose
    v is recorded; ``initial``: initial values overriding the rest state.
    Returns (SpikeRecord, trace record or None)."""
    net = ns.Network()
    pop = net.population(len(currents), wang_buzsaki(currents, **initial), name="wb")
    spikes = net.record_spikes(pop)
    vmon = net.record(pop, "v", neurons=list(record_v)) if record_v is not None else None
    sim = ns.Simulator(net, dt=dt, seed=0, engine=engine)
    sim.run(t_run)
    return sim.data[spikes], (sim.data[vmon] if vmon is not None else None)


def steady_rates(rec, t_skip=T_SKIP):
    """Firing rate of each neuron after ``t_skip`` ms (Hz): the inverse of the mean
    inter-spike interval of the spikes after it; 0 with fewer than two such spikes."""
    out = np.zeros(rec.n_neurons)
    for k in range(rec.n_neurons):
        t = rec.times[(rec.neurons == k) & (rec.times >= t_skip)]
        if len(t) >= 2:
            out[k] = 1000.0 * (len(t) - 1) / (t[-1] - t[0])
    return out


def grid_rheobase(currents, rates_hz):
    """(largest silent current, smallest firing current), pA, on a grid of increasing
    currents."""
    currents, rates_hz = np.asarray(currents), np.asarray(rates_hz)
    firing = rates_hz > 0
    k = int(np.argmax(firing)) if firing.any() else len(currents)
    return (float(currents[k - 1]) if k > 0 else math.nan,
            float(currents[k]) if k < len(currents) else math.nan)


def plot(currents, rates_ns, rates_b2, trace, trace_current, out):
    """Left: f-I curves of both engines (inset: the onset); right: one voltage trace."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from comparisons.style import REFERENCE, SPIKING
    i_c, _ = rheobase_iv()
    ua = np.asarray(currents) / PA_PER_UA_CM2
    fig, (ax_f, ax_v) = plt.subplots(1, 2, figsize=(11.5, 4.4), constrained_layout=True)

    def curves(ax, ms=4):
        ax.plot(ua, rates_ns, "-o", color=SPIKING, ms=ms, lw=1.5, label="neurosim (rk4)")
        ax.plot(ua, rates_b2, "x", color=REFERENCE, ms=ms + 3, mew=1.2,
                label="Brian2, same equations (rk4)")
        ax.axvline(i_c / PA_PER_UA_CM2, color="0.5", lw=0.8, ls=":",
                   label=f"rheobase (I-V curve), {i_c / PA_PER_UA_CM2:.3f} $\\mu$A/cm$^2$")

    curves(ax_f)
    ax_f.set_xlabel(r"injected current ($\mu$A/cm$^2$; $\times$100 = pA)")
    ax_f.set_ylabel("firing rate (Hz)")
    ax_f.set_title(f"f-I curve (dt = {DT:g} ms, rate after {T_SKIP:g} ms of {T_RUN:g} ms)")
    ax_f.set_ylim(bottom=0)
    ax_f.legend(loc="upper left")
    ax_f.grid(alpha=0.3)
    inset = ax_f.inset_axes([0.58, 0.12, 0.39, 0.36])
    curves(inset, ms=3)
    inset.set_xlim(0.0, 1.05)
    inset.set_ylim(0.0, 65.0)
    inset.set_title("type-1 onset", fontsize=8)
    inset.set_xlabel(r"$\mu$A/cm$^2$", fontsize=7, labelpad=1)
    inset.set_ylabel("Hz", fontsize=7, labelpad=1)
    inset.tick_params(labelsize=7)
    inset.grid(alpha=0.3)

    ax_v.plot(trace.times, trace.values[:, 0], color=SPIKING, lw=0.8, label="v (neurosim)")
    ax_v.axhline(V_TH, color="0.5", lw=0.8, ls="--", label=f"spike detection, v > {V_TH:g} mV")
    ax_v.set_xlim(0.0, 200.0)
    ax_v.set_ylim(top=55.0)                # room for the legend above the spikes
    ax_v.set_xlabel("time (ms)")
    ax_v.set_ylabel("v (mV)")
    ax_v.set_title(f"membrane potential at {trace_current / PA_PER_UA_CM2:g} $\\mu$A/cm$^2$ "
                   f"({trace_current:g} pA), first 200 ms")
    ax_v.legend(loc="upper right", fontsize=8)
    ax_v.grid(alpha=0.3)
    fig.suptitle("Wang-Buzsaki (1996) fast-spiking interneuron, written as equations")
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(),
                                                      "neurosim_05_wang_buzsaki.png"),
                        help="where the figure goes (default: %(default)s)")
    args = parser.parse_args(argv)
    k_trace = int(np.argmin(np.abs(CURRENTS - TRACE_CURRENT)))
    t0 = time.perf_counter()
    rec_ns, trace = simulate(CURRENTS, engine="neurosim", record_v=[k_trace])
    t1 = time.perf_counter()
    rec_b2, _ = simulate(CURRENTS, engine="brian2")
    t2 = time.perf_counter()
    r_ns, r_b2 = steady_rates(rec_ns), steady_rates(rec_b2)
    c_ns, c_b2 = rec_ns.counts(), rec_b2.counts()
    i_c, v_c = rheobase_iv()
    print(f"Wang-Buzsaki interneuron, rk4, dt = {DT:g} ms, {T_RUN:g} ms per current; rate = "
          f"1 / mean ISI after {T_SKIP:g} ms")
    print(f"resting potential {resting_potential():.2f} mV")
    print("I (uA/cm2)  I (pA)  rate neurosim (Hz)  rate Brian2 (Hz)  spikes neurosim/Brian2")
    for i, a, b, ca, cb in zip(CURRENTS, r_ns, r_b2, c_ns, c_b2):
        print(f"{i / PA_PER_UA_CM2:10.2f} {i:7.0f} {a:19.2f} {b:17.2f}  {ca:8d}/{cb}")
    lo, hi = grid_rheobase(CURRENTS, r_ns)
    print(f"rheobase: silent at {lo:g} pA, fires at {hi:g} pA on this grid (Brian2: "
          f"{'same' if grid_rheobase(CURRENTS, r_b2) == (lo, hi) else grid_rheobase(CURRENTS, r_b2)}"
          f"); saddle-node of the steady-state I-V curve: {i_c:.2f} pA "
          f"({i_c / PA_PER_UA_CM2:.4f} uA/cm2) at {v_c:.2f} mV")
    print(f"spike counts identical on both engines: {np.array_equal(c_ns, c_b2)}")
    print(f"time: neurosim {t1 - t0:.1f} s, Brian2 {t2 - t1:.1f} s")
    plot(CURRENTS, r_ns, r_b2, trace, CURRENTS[k_trace], args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
