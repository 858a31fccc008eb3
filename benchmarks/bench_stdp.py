"""Cost of STDP in the compiled loop: CUBA (N = 4000) static against STDP on every E->E synapse.

The CUBA network of ``examples/neurosim_03_cuba.py`` (Vogels & Abbott 2005), 1 s of biological
time at dt = 0.1 ms, one thread. The plastic variant puts additive all-to-all
:class:`neurosim.STDP` (tau = 20 ms, a_plus = 0.1 pA, a_minus = 0.105 pA, bounds [0, 40.5] pA)
on the 204,800 excitatory-to-excitatory synapses; a third variant has the same rule written
as statements by a user (``ns.Plasticity.from_equations``; ``ns.STDP`` runs as its own
statement definition, so the two should cost the same). Timed: the
simulation loop only (after one 0.1 ms run that loads the compiled kernels), median of
``--repeats`` fresh simulators.

``--brian2 TARGET`` (repeatable: ``numpy``, ``cython``, ``cpp_standalone``) also runs the same
plastic network written directly in Brian2 (STDP as ``on_pre``/``on_post`` statements with
event-driven traces, voltage in mV as a dimensionless number, the same 0.1 ms delay: a delay
means the same on both) and prints its loop time: for the runtime targets the second of two
runs (the first compiles), for C++ standalone Brian2's own measured run time. Brian2's random
connectivity differs from neurosim's; the statistics are the same.
Prints numbers, asserts nothing.

``--threads 1 --threads 2`` times every variant on each thread count
(``Simulator(threads=n)``: the rules run on every thread, each synapse on its target's) and
prints the speed-up over one thread; ``--neurons N`` scales the network (80 % excitatory, the
connection probability 0.02 x 4000 / N: the same 80 inputs per neuron on average, the same
weights), as the threads need work per step to gain.

Run: python benchmarks/bench_stdp.py [--repeats 3] [--duration 1000] [--brian2 cython ...]
     python benchmarks/bench_stdp.py --neurons 64000 --threads 1 --threads 2 --duration 200
"""

import argparse
import statistics
import time

import neurosim as ns

#: The same rule written as statements (Plasticity.from_equations), as a user would.
STATEMENTS = dict(
    equations="dapre/dt = -apre / tau : 1\ndapost/dt = -apost / tau : 1",
    on_pre="w = clip(w - a_minus * apost, 0, w_max); apre += 1",
    on_post="w = clip(w + a_plus * apre, 0, w_max); apost += 1",
    parameters=dict(tau=20.0, a_plus=0.1, a_minus=0.105, w_max=40.5), name="stdp")
VARIANTS = {None: "static", "builtin": "STDP on E->E", "statements": "same, as statements"}


def cuba(plastic, n=4000):
    net = ns.Network()
    lif = ns.LIF(tau_m=20.0, c_m=250.0, e_leak=-49.0, v_th=-50.0, v_reset=-60.0, t_ref=5.0)
    exc = net.population(n * 4 // 5, lif, name="exc", v=ns.Uniform(-60.0, -50.0))
    inh = net.population(n - n * 4 // 5, lif, name="inh", v=ns.Uniform(-60.0, -50.0))
    rule = {None: None,
            "builtin": ns.STDP(a_plus=0.1, a_minus=0.105, tau_plus=20.0, tau_minus=20.0,
                               w_min=0.0, w_max=40.5),
            "statements": ns.Plasticity.from_equations(**STATEMENTS)}[plastic]
    for pre, tau, w in ((exc, 5.0, 20.25), (inh, 10.0, -112.5)):
        for post in (exc, inh):
            net.connect(pre, post, ns.FixedProbability(0.02 * 4000 / n),
                        synapse=ns.ExpCurrent(tau=tau),
                        weight=w, delay=0.1,
                        plasticity=rule if (pre is exc and post is exc) else None)
    return net, net.record_spikes(exc)


def time_once(plastic, duration, n=4000, threads=1):
    net, mon = cuba(plastic, n)
    sim = ns.Simulator(net, dt=0.1, seed=1, threads=threads)
    sim.run(0.1)
    t0 = time.perf_counter()
    sim.run(duration - 0.1)
    elapsed = time.perf_counter() - t0
    return elapsed, sim.data[mon].mean_rate()


def brian2_time(target, duration):
    """Loop time (s) of the plastic CUBA network on Brian2 with ``target``, and its exc rate."""
    import tempfile
    import warnings

    import brian2 as b2
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    b2.start_scope()
    if target == "cpp_standalone":
        b2.set_device("cpp_standalone", directory=tempfile.mkdtemp(prefix="bench_stdp_"),
                      build_on_run=True)
    else:
        b2.set_device("runtime")
        b2.prefs.codegen.target = target
    b2.defaultclock.dt = 0.1 * b2.ms
    b2.seed(1)
    eqs = """dv/dt = (-(v + 49.0) / 20.0 + (xe + xn) / 250.0) / ms : 1 (unless refractory)
             dxe/dt = -xe / (5.0 * ms) : 1
             dxn/dt = -xn / (10.0 * ms) : 1"""
    cells = b2.NeuronGroup(4000, eqs, threshold="v >= -50.0", reset="v = -60.0",
                           refractory=5.1 * b2.ms, method="exact")
    cells.v = "-60.0 + 10.0 * rand()"
    exc, inh = cells[:3200], cells[3200:]
    ee = b2.Synapses(exc, exc, """w : 1
                     dapre/dt = -apre / (20.0 * ms) : 1 (event-driven)
                     dapost/dt = -apost / (20.0 * ms) : 1 (event-driven)""",
                     on_pre="""xe_post += w
                               w = clip(w - 0.105 * apost, 0.0, 40.5)
                               apre += 1""",
                     on_post="""w = clip(w + 0.1 * apre, 0.0, 40.5)
                                apost += 1""", delay=0.1 * b2.ms)
    ee.connect(p=0.02)
    ee.w = 20.25
    ei = b2.Synapses(exc, inh, on_pre="xe_post += 20.25", delay=0.1 * b2.ms)
    ei.connect(p=0.02)
    ii = b2.Synapses(inh, cells, on_pre="xn_post += -112.5", delay=0.1 * b2.ms)
    ii.connect(p=0.02)
    mon = b2.SpikeMonitor(exc)
    net = b2.Network(cells, ee, ei, ii, mon)
    if target == "cpp_standalone":
        net.run(duration * b2.ms)
        elapsed = b2.device._last_run_time
        rate = mon.num_spikes / 3200 / (duration / 1000.0)
        b2.device.reinit()
        b2.set_device("runtime")
    else:
        net.run(0.1 * b2.ms)               # code generation and compilation
        t0 = time.perf_counter()
        net.run((duration - 0.1) * b2.ms)
        elapsed = time.perf_counter() - t0
        rate = mon.num_spikes / 3200 / (duration / 1000.0)
    return elapsed, rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--duration", type=float, default=1000.0, help="ms")
    parser.add_argument("--brian2", action="append", default=[],
                        choices=["numpy", "cython", "cpp_standalone"],
                        help="also time Brian2 with this code-generation target")
    parser.add_argument("--neurons", type=int, default=4000)
    parser.add_argument("--threads", type=int, action="append", default=None,
                        help="time on this many threads (repeatable; default 1)")
    args = parser.parse_args()
    counts = args.threads or [1]
    print(f"CUBA, N = {args.neurons}, {args.duration:g} ms, dt = 0.1 ms; threads {counts}")
    by_count = {}
    for threads in counts:
        results = by_count[threads] = {}
        for plastic, label in VARIANTS.items():
            runs = [time_once(plastic, args.duration, args.neurons, threads)
                    for _ in range(args.repeats)]
            results[plastic] = statistics.median(r[0] for r in runs)
            print(f"{threads} thread(s) {label:>19}: loop {results[plastic]:.3f} s "
                  f"(median of {args.repeats}), exc rate {runs[0][1]:.2f} Hz")
        print(f"{threads} thread(s) cost ratio STDP / static: "
              f"{results['builtin'] / results[None]:.2f}; as statements / static: "
              f"{results['statements'] / results[None]:.2f}; as statements / built-in: "
              f"{results['statements'] / results['builtin']:.2f}")
    for threads in counts:
        if threads != counts[0]:
            print(f"{threads} threads against {counts[0]}: " + ", ".join(
                f"{label} {by_count[counts[0]][v] / by_count[threads][v]:.2f}x"
                for v, label in VARIANTS.items()))
    results = by_count[counts[0]]
    for target in args.brian2:
        try:
            elapsed, rate = brian2_time(target, args.duration)
        except Exception as err:       # a missing compiler must not stop the benchmark
            print(f"Brian2 {target}: not run ({type(err).__name__}: {err})")
            continue
        print(f"Brian2 {target:>14}: loop {elapsed:.3f} s, exc rate {rate:.2f} Hz; "
              f"neurosim STDP is {elapsed / results['builtin']:.2f}x faster")


if __name__ == "__main__":
    main()
