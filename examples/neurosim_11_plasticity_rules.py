"""Three plasticity rules measured on scripted spike trains, against their formulas.

(a) The pair-STDP window: 161 synapses, each with one presynaptic spike, onto a neuron forced to
fire once at 100 ms; each weight change is one point of the window, Δt = t_post - (t_pre +
delay). (b) Tsodyks-Markram short-term depression and facilitation: amplitudes of a 20 Hz train
(Markram, Wang & Tsodyks 1998), read off a passive membrane, with the closed-form steady state.
(c) Triplet STDP (Pfister & Gerstner 2006, visual-cortex parameters): 60 post-before-pre pairs
(Δt = -10 ms) depress at low pairing frequencies and potentiate at high ones.
Run: python examples/neurosim_11_plasticity_rules.py  (writes out/neurosim_11_plasticity_rules.png)
"""

import math
import os

import numpy as np

import neurosim as ns

DT = 0.1
# A relay: a 100 mV delta input from its teacher (delay 0: it acts in the next step) makes it
# fire one step after the teacher.
RELAY = ns.LIF(tau_m=10.0, c_m=250.0, e_leak=-70.0, v_th=-20.0, v_reset=-70.0, t_ref=0.0)


def forced_pairs(pre_times, post_times, rule, *, w0, delay):
    """Presynaptic trains -> one relay neuron firing exactly at ``post_times``; final weights."""
    net = ns.Network()
    pre = net.population(len(pre_times), ns.SpikeTimes(pre_times), name="pre")
    teacher = net.population(1, ns.SpikeTimes([[round(t - DT, 10) for t in post_times]]),
                             name="teacher")
    cell = net.population(1, RELAY, name="cell")
    net.connect(teacher, cell, ns.OneToOne(), synapse=ns.Delta(), weight=100.0, delay=0.0)
    proj = net.connect(pre, cell, ns.AllToAll(), synapse=ns.Delta(), weight=w0, delay=delay,
                       plasticity=rule)
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(max(max(t) for t in pre_times if t) + 50.0)
    return sim.weights(proj).weight


def stdp_window(rule, delay=1.0):
    dts = np.round(np.arange(-80.0, 80.01, 1.0), 10)
    pre = [[round(100.0 - d - delay + 100.0, 10)] for d in dts]    # post at 200 ms
    dw = forced_pairs(pre, [200.0], rule, w0=0.5, delay=delay) - 0.5
    return dts, dw


def stp_amplitudes(rule, rate_hz=20.0, n=20, w=1.0):
    times = [round(5.0 + i * 1000.0 / rate_hz, 10) for i in range(n)]
    net = ns.Network()
    src = net.population(1, ns.SpikeTimes([times]), name="src")
    cell = net.population(1, ns.LIF(tau_m=20.0, e_leak=0.0, v_th=1e6, v_reset=0.0, t_ref=0.0),
                          name="cell")
    net.connect(src, cell, ns.OneToOne(), synapse=ns.Delta(), weight=w, delay=DT,
                plasticity=rule)
    trace = net.record(cell, "v")
    sim = ns.Simulator(net, dt=DT, seed=0)
    sim.run(times[-1] + 1.0)
    v = sim.data[trace].values[:, 0]
    p22 = math.exp(-DT / 20.0)
    # a spike of step k arrives in step k + 1 and jumps v in step k + 2
    jumps = np.array([v[k] / p22 - v[k - 1] for k in (int(round(t / DT)) + 2 for t in times)])
    period = 1000.0 / rate_hz
    e_f = math.exp(-period / rule.tau_fac) if rule.tau_fac > 0 else 0.0
    e_r = math.exp(-period / rule.tau_rec)
    u_star = rule.U / (1.0 - (1.0 - rule.U) * e_f)
    steady = w * u_star * (1.0 - e_r) / (1.0 - (1.0 - u_star) * e_r)
    return jumps, steady


def triplet_frequency(rates=(1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0), offset=-10.0):
    out = []
    for rate in rates:
        period = 1000.0 / rate
        pre = [round(20.0 + i * period, 1) for i in range(60)]   # on the 0.1 ms grid
        post = [round(t + 1.0 + offset, 10) for t in pre]
        out.append(forced_pairs([pre], post, ns.TripletSTDP(), w0=0.5, delay=1.0)[0] - 0.5)
    return np.array(rates), np.array(out)


if __name__ == "__main__":
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rule = ns.STDP(a_plus=0.01, a_minus=0.012, tau_plus=16.8, tau_minus=33.7)
    dts, dw = stdp_window(rule)
    err = np.abs(dw - rule.window(dts)).max()
    print(f"(a) STDP window: largest deviation from the pair rule {err:.1e}")
    dep, dep_ss = stp_amplitudes(ns.TsodyksMarkram(U=0.5, tau_rec=800.0, tau_fac=0.0))
    fac, fac_ss = stp_amplitudes(ns.TsodyksMarkram(U=0.1, tau_rec=100.0, tau_fac=1000.0))
    print(f"(b) depression: first {dep[0]:.3f}, 20th {dep[-1]:.4f}, steady state {dep_ss:.4f}; "
          f"facilitation: first {fac[0]:.3f}, 20th {fac[-1]:.4f}, steady state {fac_ss:.4f}")
    rates, trip = triplet_frequency()
    print("(c) triplet, post-before-pre: " +
          ", ".join(f"{r:g} Hz {d:+.3f}" for r, d in zip(rates, trip)))

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    ns.plotting.stdp_window(axes[0], rule, delta_t=dts, delta_w=dw, t_range=(-80.0, 80.0),
                            unit="mV")
    axes[0].set_title("(a) Pair-STDP window, delay 1 ms")
    n = np.arange(1, dep.size + 1)
    for amps, ss, label, marker in ((dep, dep_ss, "depressing (U=0.5, τ_rec=800 ms)", "o"),
                                    (fac, fac_ss, "facilitating (U=0.1, τ_fac=1 s)", "s")):
        axes[1].plot(n, amps, linestyle="none", marker=marker, color=ns.plotting.COLOR, label=label)
        axes[1].axhline(ss, color="k", lw=0.8, ls="--")
    axes[1].plot([], [], color="k", lw=0.8, ls="--", label="closed-form steady state")
    axes[1].set_xlabel("spike number in a 20 Hz train")
    axes[1].set_ylabel("PSP amplitude (mV), w = 1 mV")
    axes[1].set_title("(b) Tsodyks-Markram short-term plasticity")
    axes[1].legend(frameon=False, fontsize=8, loc="upper right")
    axes[2].plot(rates, trip, marker="o", color=ns.plotting.COLOR, label="60 pairs, Δt = -10 ms")
    axes[2].axhline(0.0, color="0.6", lw=0.8)
    axes[2].set_xscale("log")
    axes[2].set_xlabel("pairing frequency (Hz)")
    axes[2].set_ylabel("Δw (mV), w = 0.5 mV before")
    axes[2].set_title("(c) Triplet STDP: frequency dependence")
    axes[2].legend(frameon=False, loc="upper left")
    fig.tight_layout()
    os.makedirs("out", exist_ok=True)
    fig.savefig("out/neurosim_11_plasticity_rules.png", dpi=110)
    print("wrote out/neurosim_11_plasticity_rules.png")
