"""A neuron learns to pick out a spike pattern repeated inside noise (Masquelier, Guyonneau &
Thorpe 2008, PLoS ONE 3:e1377, "Spike timing dependent plasticity finds the start of repeating
patterns in continuous spike trains").

Afferents fire Poisson spikes at rates that wander between 0 and 90 Hz; a frozen 50 ms spike
pattern of half of them is pasted in at random times (a quarter of the 50 ms windows, never
two in a row), jittered by 1 ms, and every afferent gets 10 Hz of extra Poisson noise, so the
pattern has the same rates as the rest and is invisible in any one afferent. One LIF neuron
listens to all of them through plastic synapses (additive STDP, weights in [0, 1] times
``W_MAX``, all starting equal). After about a hundred presentations it fires inside the
pattern and almost nowhere else, its latency from the pattern start falls, and its strong
weights are those of pattern afferents.

Input statistics as in the paper, in the form its replication by Hathway & Goodman (ReScience,
2018) documents: rates change with a speed drawn anew each ms (at most 90 Hz per 50 ms), an
afferent silent for 50 ms is forced to fire, mean rate 64 Hz including the noise; tau_+ =
16.8 ms, tau_- = 33.7 ms; threshold = 0.5 x (number of pattern afferents) PSP peaks of a
maximal weight, initial weight 0.475 of the maximum (1.9 x threshold / number of afferents).

What differs from the paper, and why:

- 1000 afferents (500 in the pattern) instead of 2000, threshold scaled with them (250 peaks),
  and 100 s of input instead of 450 s, so that the example runs in seconds.
- Neuron: a LIF with exponential current synapses, tau_m = 10 ms, tau_syn = 2.5 ms. Its PSP is
  the paper's kernel exp(-t/tau_m) - exp(-t/tau_s) exactly; the paper's SRM neuron also flushes
  its PSPs and adds a negative after-potential at a spike, for which the reset here goes
  0.7 thresholds below rest (the SRM after-potential reaches about -0.7 threshold).
- Refractory period t_ref = 10 ms (the paper's SRM has none as such). After a spike the SRM
  flushes its PSPs and starts again from the after-potential, so at the initial weights it
  fires regularly at 62 Hz (interspike interval 16 ms, simulated on this input); the LIF
  above, whose synaptic current survives the reset, fires at 95 Hz without a refractory
  period, 61 Hz with 6 ms and 49 Hz with 10 ms. This matters for the learning rule: with the
  reduced pairing each postsynaptic interval pairs at most once per afferent on each side, so
  for 64 Hz Poisson inputs and a regular output LTP and LTD balance at an interval of about
  16 ms (a_- / a_+ = 0.85, tau_+ = 16.8 ms, tau_- = 33.7 ms): shorter intervals potentiate,
  longer ones depress. With t_ref = 5 ms (64 Hz) the LIF drives all weights to w_max; with
  6 ms (the SRM's rate) it learns the pattern in 8 of 8 input seeds, but its chance latency
  at the start is then only ~8 ms, so the test's "latency falls by 3 ms" criterion (median
  latency in the first versus the last 10 s) fails for 3 of them. 10 ms starts the neuron at
  49 Hz, clearly on the depression side.

Learning rule: the paper's, additive STDP with the reduced nearest-neighbour pairing
(``pairing="reduced"``: a pair counts only if no other spike of either side lies between its
spikes; Hathway & Goodman), a_+ = 2^-5 w_max, a_- = 0.85 a_+, tau_+ = 16.8 ms, tau_- = 33.7 ms,
weights in [0, w_max], all starting at 0.475 w_max.

Robustness, with "found" meaning every criterion of the test
(``tests/neurosim/test_masquelier_example.py``: early false alarms > 10 Hz; late hit rate
>= 0.9, late false alarms <= 1 Hz, late median latency < 10 ms and >= 3 ms below the early one;
pattern/other weight means > 2.5, > 10 % of pattern weights above 0.8 w_max, > 75 % of the
others below 0.2 w_max, the 50 strongest all pattern), over input seeds 1-8:

- this example (reduced, t_ref = 10 ms): 8 of 8.
- neighbouring t_ref: 6 ms 5/8, 8 ms 6/8, 12 ms 6/8. Every miss but seed 5 at 8 and 12 ms
  (late hit rate 0.84) fails the latency-margin criterion alone: the neuron is selective, but
  its first 10 s are already partly learned. So the 8/8 is partly luck of that criterion;
  selectivity itself was reached in 30 of these 32 runs.
- the previous version of this example (all-pairs STDP, a_-/a_+ = 0.54, a_+ = 2^-7, no
  refractory period): 2 of 8 (seeds 1, 7; seeds 4 and 5 are selective but miss the latency
  margin, seeds 2, 3, 6, 8 fall silent); the same all-pairs rule with t_ref = 10 ms: 3 of 8
  (1, 6, 7). The all-pairs runs that miss fall silent before they pick up the pattern (late
  output under 1 Hz, no weight above 0.8 w_max); under the reduced rule every seed becomes
  selective. For uncorrelated spikes the all-pairs drift has the sign of a_+ tau_+ - a_- tau_-
  whatever the output rate, so it had to be set just short of balance; the reduced rule's
  sign follows the output interval (above), so the paper's clearly depression-dominated
  a_- tau_- / (a_+ tau_+) = 1.7 works.

The test uses seed 1.

Run: python examples/neurosim_13_masquelier_pattern.py [--out out/neurosim_13_masquelier_pattern.png]
"""

import argparse
import os
import time

import numpy as np

import neurosim as ns

DT = 0.1                # ms
N_AFFERENTS = 1000
N_PATTERN = 500         # afferents 0 .. N_PATTERN-1 take part in the pattern
PATTERN_MS = 50.0
PATTERN_FRACTION = 0.25  # of the 50 ms windows
JITTER_MS = 1.0
NOISE_HZ = 10.0
MAX_RATE = 90.0         # Hz
TAU_M, TAU_SYN, C_M, E_LEAK = 10.0, 2.5, 250.0, -70.0
PEAK = 0.1              # mV: PSP peak of a maximal weight
THRESHOLD = 0.5 * N_PATTERN      # in PSP peaks of a maximal weight (paper: 500 for 1000)
RESET = 0.7             # reset, thresholds below rest (SRM after-potential minimum)
T_REF = 10.0            # ms; stand-in for the SRM's flush of its PSPs at a spike
W_INIT = 0.475          # fraction of W_MAX
A_PLUS = 2.0 ** -5      # fraction of W_MAX
A_RATIO = 0.85          # a_minus / a_plus
PAIRING = "reduced"
TAU_PLUS, TAU_MINUS = 16.8, 33.7


def psp_peak_per_pa():
    """Peak (mV) of the PSP of a 1 pA exponential current into the LIF: the difference of
    exponentials with tau_m and tau_syn, at its maximum."""
    t_peak = np.log(TAU_M / TAU_SYN) * TAU_M * TAU_SYN / (TAU_M - TAU_SYN)
    return (TAU_M * TAU_SYN / (TAU_M - TAU_SYN) / C_M
            * (np.exp(-t_peak / TAU_M) - np.exp(-t_peak / TAU_SYN)))


W_MAX = PEAK / psp_peak_per_pa()     # pA


def background_trains(n, duration, rng):
    """Spike times (ms) and afferent indices of rate-wandering Poisson trains on a 1 ms grid:
    the rate moves with a speed that changes by up to +-360 Hz/s each ms and stays within
    +-1800 Hz/s (0 to 90 Hz in 50 ms); an afferent silent for 50 ms fires."""
    rate = rng.uniform(0.0, MAX_RATE, n)
    speed = rng.uniform(-1800.0, 1800.0, n)
    last = -rng.uniform(0.0, PATTERN_MS, n)
    times, idx = [], []
    for k in range(int(duration)):
        fire = (rng.random(n) < rate * 1e-3) | (k + 1 - last > PATTERN_MS)
        who = np.flatnonzero(fire)
        t = k + rng.random(who.size)
        last[who] = t
        times.append(t)
        idx.append(who)
        rate = np.clip(rate + speed * 1e-3, 0.0, MAX_RATE)
        speed = np.clip(speed + rng.uniform(-360.0, 360.0, n), -1800.0, 1800.0)
    return np.concatenate(times), np.concatenate(idx)


def pattern_windows(n_windows, rng):
    """Indices of the 50 ms windows that show the pattern: a quarter of them, never two
    neighbours."""
    chosen = np.zeros(n_windows, dtype=bool)
    while chosen.sum() < int(PATTERN_FRACTION * n_windows):
        j = rng.integers(n_windows)
        if not chosen[max(j - 1, 0):j + 2].any():
            chosen[j] = True
    return np.flatnonzero(chosen)


def make_input(duration, rng):
    """One spike-time list per afferent (ms, on the dt grid) and the pattern start times."""
    t, i = background_trains(N_AFFERENTS, duration, rng)
    n_windows = int(duration // PATTERN_MS)
    windows = pattern_windows(n_windows, rng)
    starts = windows * PATTERN_MS
    # the pattern: what the pattern afferents did in the first chosen window
    in_first = (i < N_PATTERN) & (t >= starts[0]) & (t < starts[0] + PATTERN_MS)
    pat_t, pat_i = t[in_first] - starts[0], i[in_first]
    shown = np.zeros(n_windows + 1, dtype=bool)
    shown[windows] = True
    keep = ~((i < N_PATTERN) & shown[(t // PATTERN_MS).astype(int)])
    parts_t, parts_i = [t[keep]], [i[keep]]
    for s in starts:
        parts_t.append(s + pat_t + rng.normal(0.0, JITTER_MS, pat_t.size))
        parts_i.append(pat_i)
    n_noise = rng.poisson(NOISE_HZ * duration / 1000.0, N_AFFERENTS)
    parts_t.append(rng.uniform(0.0, duration, n_noise.sum()))
    parts_i.append(np.repeat(np.arange(N_AFFERENTS), n_noise))
    t, i = np.concatenate(parts_t), np.concatenate(parts_i)
    inside = (t >= 0.0) & (t < duration)
    # onto the step grid; a second spike of one afferent in one step is dropped (0.3 %)
    steps, i = np.round(t[inside] / DT).astype(np.int64), i[inside]
    order = np.lexsort((steps, i))
    steps, i = steps[order], i[order]
    dup = np.zeros(steps.size, dtype=bool)
    dup[1:] = (steps[1:] == steps[:-1]) & (i[1:] == i[:-1])
    steps, i = steps[~dup], i[~dup]
    bounds = np.searchsorted(i, np.arange(N_AFFERENTS + 1))
    return [steps[bounds[a]:bounds[a + 1]] * DT for a in range(N_AFFERENTS)], starts


def first_spike_latency(out_times, starts):
    """Per presentation, the time (ms) of the first output spike inside the 50 ms pattern
    window after its start; NaN where there is none."""
    k = np.searchsorted(out_times, starts)
    first = out_times[np.minimum(k, out_times.size - 1)] if out_times.size else starts + np.inf
    lat = first - starts
    return np.where((k < out_times.size) & (lat < PATTERN_MS), lat, np.nan)


def scores(out_times, starts, t0, t1):
    """Hit rate, false-alarm rate (Hz: output spikes outside pattern windows per second
    outside them) and median first-spike latency (ms) of the presentations in [t0, t1)."""
    sel = (starts >= t0) & (starts < t1)
    lat = first_spike_latency(out_times, starts[sel])
    k = np.searchsorted(starts, out_times, side="right") - 1
    in_pattern = (k >= 0) & (out_times - starts[np.maximum(k, 0)] < PATTERN_MS)
    window = (out_times >= t0) & (out_times < t1)
    outside_s = (t1 - t0 - sel.sum() * PATTERN_MS) / 1000.0
    return dict(hit_rate=float(np.mean(~np.isnan(lat))),
                false_alarm_hz=float(np.sum(window & ~in_pattern) / outside_s),
                latency_ms=float(np.nanmedian(lat)) if np.any(~np.isnan(lat)) else np.nan)


def run(duration=100000.0, seed=1, plastic=True):
    """Build the input, run the neuron, and measure.

    Returns a dict: ``early`` and ``late`` scores (first and last 10 % of the run),
    ``latency`` per presentation (ms, NaN for a miss), ``starts`` (ms), ``out_times`` (ms),
    ``weights`` (final, fraction of ``W_MAX``, afferent order) and ``rate_hz``.
    """
    rng = np.random.default_rng(seed)
    trains, starts = make_input(duration, rng)
    net = ns.Network()
    aff = net.population(N_AFFERENTS, ns.SpikeTimes(trains), name="afferents")
    v_th = E_LEAK + THRESHOLD * PEAK
    cell = net.population(1, ns.LIF(tau_m=TAU_M, c_m=C_M, e_leak=E_LEAK, v_th=v_th,
                                    v_reset=E_LEAK - RESET * (v_th - E_LEAK), t_ref=T_REF),
                          name="cell")
    rule = ns.STDP(a_plus=A_PLUS * W_MAX, a_minus=A_RATIO * A_PLUS * W_MAX, tau_plus=TAU_PLUS,
                   tau_minus=TAU_MINUS, w_min=0.0, w_max=W_MAX, pairing=PAIRING)
    proj = net.connect(aff, cell, ns.AllToAll(), synapse=ns.ExpCurrent(tau=TAU_SYN),
                       weight=W_INIT * W_MAX, delay=DT, plasticity=rule if plastic else None)
    out = net.record_spikes(cell)
    sim = ns.Simulator(net, dt=DT, seed=seed)
    sim.run(duration)
    out_times = np.sort(sim.data[out].times)
    table = sim.weights(proj)
    weights = np.empty(N_AFFERENTS)
    weights[table.pre] = table.weight / W_MAX
    tenth = 0.1 * duration
    return dict(early=scores(out_times, starts, 0.0, tenth),
                late=scores(out_times, starts, duration - tenth, duration),
                latency=first_spike_latency(out_times, starts), starts=starts,
                out_times=out_times, weights=weights, rate_hz=out_times.size / duration * 1e3,
                duration=duration)


def report(name, r):
    e, la, w = r["early"], r["late"], r["weights"]
    print(f"{name}: output {r['rate_hz']:.1f} Hz overall")
    for label, s in (("first 10 %", e), ("last 10 % ", la)):
        print(f"  {label}: hit rate {s['hit_rate']:.2f}, false alarms "
              f"{s['false_alarm_hz']:.1f} Hz, median latency {s['latency_ms']:.1f} ms")
    print(f"  final weights (of w_max): pattern afferents mean {w[:N_PATTERN].mean():.2f} "
          f"({100 * np.mean(w[:N_PATTERN] > 0.8):.0f} % > 0.8), others mean "
          f"{w[N_PATTERN:].mean():.2f} ({100 * np.mean(w[N_PATTERN:] < 0.2):.0f} % < 0.2)")


def figure(path, r):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    ax = axes[0, 0]
    n = np.arange(1, r["starts"].size + 1)
    lat = r["latency"]
    ax.plot(n, lat, ".", ms=3, color=ns.plotting.COLOR, label="first spike in the pattern")
    missed = np.isnan(lat)
    ax.plot(n[missed], np.zeros(missed.sum()), "|", ms=6, color="0.4",
            label="no spike in the pattern (miss)")
    ax.set_ylim(-3, PATTERN_MS)
    ax.set_xlabel("pattern presentation")
    ax.set_ylabel("latency from pattern start (ms)")
    ax.set_title("(a) Postsynaptic latency falls with learning")
    ax.legend(frameon=False, loc="upper right", fontsize=8)
    d = r["duration"]
    for ax, (t0, label) in zip((axes[0, 1], axes[1, 0]),
                               ((0.0, "(b) Start: output spikes vs patterns"),
                                (d - 2000.0, "(c) End: output spikes vs patterns"))):
        t1 = t0 + 2000.0
        for s in r["starts"][(r["starts"] >= t0 - PATTERN_MS) & (r["starts"] < t1)]:
            ax.axvspan((s - t0), (s - t0 + PATTERN_MS), color="0.85", lw=0)
        spikes = r["out_times"][(r["out_times"] >= t0) & (r["out_times"] < t1)] - t0
        ax.vlines(spikes, 0, 1, color=ns.plotting.COLOR, lw=1.0)
        ax.set_xlim(0, 2000.0)
        ax.set_ylim(0, 1.3)
        ax.set_yticks([])
        ax.set_xlabel(f"time from {t0 / 1000:.0f} s (ms)")
        ax.set_title(label)
        ax.legend(handles=[plt.Rectangle((0, 0), 1, 1, color="0.85"),
                           plt.Line2D([], [], color=ns.plotting.COLOR)],
                  labels=["pattern shown", "output spike"], frameon=False, ncol=2,
                  loc="upper right", fontsize=8)
    ax = axes[1, 1]
    bins = np.linspace(0.0, 1.0, 21)
    ax.hist(r["weights"][:N_PATTERN], bins=bins, color=ns.plotting.COLOR, alpha=0.8,
            label=f"pattern afferents ({N_PATTERN})")
    ax.hist(r["weights"][N_PATTERN:], bins=bins, histtype="step", color="k", lw=1.5,
            label=f"other afferents ({N_AFFERENTS - N_PATTERN})")
    ax.axvline(W_INIT, color="0.5", ls="--", lw=0.8, label="initial weight")
    ax.set_yscale("log")
    ax.set_xlabel("final weight (fraction of w_max)")
    ax.set_ylabel("afferents")
    ax.set_title("(d) Final weights")
    ax.legend(frameon=False, fontsize=8)
    fig.suptitle("Masquelier et al. (2008): STDP finds the start of a pattern repeated in noise")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/neurosim_13_masquelier_pattern.png")
    parser.add_argument("--seconds", type=float, default=100.0, help="model time, s")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    t_start = time.perf_counter()
    learned = run(args.seconds * 1000.0, seed=args.seed)
    report("with STDP", learned)
    report("without STDP (control)", run(args.seconds * 1000.0, seed=args.seed, plastic=False))
    print(f"both runs in {time.perf_counter() - t_start:.1f} s")
    figure(args.out, learned)
