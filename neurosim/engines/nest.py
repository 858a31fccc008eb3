"""Run a neurosim network on NEST (``Simulator(net, engine="nest")``).

The network is first realised by neurosim's own builder (initial values, synapses, weights and
delays drawn with the simulator's seed), then handed to NEST unchanged: every synapse of the
table becomes one NEST connection (``nest.Connect`` with explicit source and target arrays,
``one_to_one``), so both engines simulate the very same network. NEST is imported only here.

Models
------
=================================== ==========================================================
neurosim                            NEST
=================================== ==========================================================
LIF, no synapse or ExpCurrent       ``iaf_psc_exp`` (exact integration, as neurosim's)
LIF, AlphaCurrent                   ``iaf_psc_alpha`` (exact)
LIF, Delta                          ``iaf_psc_delta`` (exact)
LIF, ExpConductance                 ``iaf_cond_exp`` (``g_L = c_m / tau_m``; adaptive RKF45)
LIF, AlphaConductance               ``iaf_cond_alpha``
AdEx, current synapses              ``aeif_psc_exp`` / ``aeif_psc_alpha`` / ``aeif_psc_delta``
AdEx, conductance synapses          ``aeif_cond_exp`` / ``aeif_cond_alpha``
Izhikevich (``scheme="euler"``)     ``izhikevich`` with ``consistent_integration=True``
SpikeTimes                          one ``spike_generator`` per train
PoissonSource                       one ``spike_generator`` per neuron, replaying spikes drawn
                                    here (see below)
StepCurrent, DCCurrent, RampCurrent ``step_current_generator`` (plus ``I_e`` for a value set
                                    at t = 0)
NoisyCurrent                        ``noise_generator`` with ``dt = dt``
``net.poisson_input``               one ``poisson_generator`` at ``n * rate`` per input (it sends
                                    each target a train of its own; statistically equivalent
                                    to neurosim's draw: the same process, another random
                                    stream), delay ``dt``
SpikeMonitor / StateMonitor         ``spike_recorder`` / ``multimeter``
STDP (all-to-all, additive or       ``stdp_synapse`` (one copied model per projection), with
multiplicative, ``w_min = 0``)      ``tau_minus`` on the postsynaptic neuron; spike sources
                                    that feed it pass through ``parrot_neuron`` s (see STDP)
TsodyksMarkram                      ``tsodyks2_synapse`` with ``u = U``, ``x = 1`` at the
                                    start (exact; see Short-term plasticity)
RewardSTDP (all-to-all)             ``stdp_dopamine_synapse`` (one copied model per projection
                                    and delay) with one ``volume_transmitter``; rewards set
                                    the synapses' ``n`` (see Reward-modulated STDP)
=================================== ==========================================================

A NEST neuron has one excitatory and one inhibitory receptor: current synapses are routed by
the sign of the weight (NEST's rule), so all positive-weight synapses onto a population must
share one time constant (``tau_syn_ex``) and all negative-weight ones another (``tau_syn_in``).
Conductance synapses (weights >= 0 here) may have at most two kinetics per population: the one
with the higher reversal potential becomes NEST's excitatory receptor (weight ``+w``), the
other the inhibitory one (weight ``-w``, as NEST's conductance models expect). A population
cannot mix kinds (delta with exponential, current with conductance). NEST's ``izhikevich``
accepts only delta synapses and *is* the forward-Euler scheme, so ``Izhikevich(scheme="rk4")``
is refused rather than integrated differently (with ``"euler"`` the two agree to rounding).
AdEx: NEST integrates the same equations (right side evaluated at ``min(v, v_peak)``, ``w``
relaxing during the refractory period) with an adaptive Runge-Kutta-Fehlberg 4(5) solver and
resets *inside* the step where it finds ``v >= v_peak``; neurosim uses fixed-step RK4 or Euler
and resets at the step's end. The first spike falls in the same step, later ones drift by a
few steps (the per-spike difference accumulates through ``w``), an error that shrinks in
proportion to ``dt``; ``iaf_cond_*`` (RKF45) against neurosim's exponential Euler agree to a
few microvolts. Both are the same model integrated differently, as with Brian2's schemes,
not an approximation of the model. ``HodgkinHuxley`` is refused: NEST's
``hh_psc_alpha`` detects a spike at the *peak* of the action potential (``V_m >= 0`` and
falling, then a refractory period), neurosim at the upward crossing of ``v_th``, so spike times
would differ by the rise time; no NEST model has neurosim's rule. Plasticity other than the
rules above (nearest pairing, STDP's ``w_min != 0``, ``TripletSTDP``) and any monitor
other than spikes and state are refused too. Every
refusal is a ``NotImplementedError`` that names the feature and the engine, raised in
``Simulator(...)`` before NEST's kernel is touched (one exception: a Poisson source's spike
drawn for t = 0 on a plastic projection is refused in ``run``, when it is drawn).

Conventions bridged (verified in ``tests/engines/test_engine_nest.py``)
-----------------------------------------------------------------------
- *Spike stamps.* NEST integrates step ``k`` (from ``k dt`` to ``(k + 1) dt``), tests the
  threshold at its end and stamps the spike ``(k + 1) dt``; neurosim stamps the same spike
  ``k dt`` (the step's start). Recorded NEST times are shifted back by one step.
- *Delays* mean the same on both (:mod:`neurosim.delays`). NEST adds a spike stamped ``s``
  with delay ``D`` steps to the target's synaptic state at the *end* of step ``s + D - 1``,
  i.e. at time ``(s + D) dt``; neurosim adds a spike of step ``k`` with delay ``d`` at the
  *start* of step ``k + d + 1``. With ``s = k + 1`` both agree exactly when ``D = d``: a
  neurosim delay is passed to NEST unchanged. A delay of 0 (allowed by neurosim and Brian2)
  is below NEST's minimum, ``dt``, and is refused. For current-based LIF this
  mapping makes NEST's membrane potential equal neurosim's to rounding error. For delta
  synapses the jump is the same, but NEST tests the threshold right after the jump (one step
  earlier) and drops inputs that arrive in the last refractory step rather than the first
  free one: spike times may differ by one step.
- *Spike sources* are replayed by ``spike_generator`` s at ``(k + 1) dt`` for a spike of step
  ``k``, exactly like a neuron firing in step ``k``.
- *Injected currents.* A current a NEST generator sets at time ``T`` acts from the step that
  starts at ``T + dt``; a change at neurosim step ``s`` is therefore sent at ``(s - 1) dt``, and
  a value that holds from step 0 goes into the neuron's ``I_e``. A change at step 1
  (``t = dt``) would have to be sent at ``T = 0``, which NEST refuses, so it is refused here
  (so is a ``RampCurrent`` that starts at 0: it changes in every step). ``NoisyCurrent``'s
  window is shifted the same way (``start - dt``, ``stop - dt``). Izhikevich's currents are
  divided by ``c_m`` (NEST's ``izhikevich`` has no capacitance).
- *State samples.* The multimeter's sample at ``t`` is the state after the step ending at
  ``t``, as neurosim's. NEST hands a multimeter its samples one ``min_delay`` late, so when the
  network has a state monitor the kernel's ``min_delay`` is set to ``dt`` (one communication
  per step: slower when all delays are long) and the last sample of a run is read from the
  neurons directly.

STDP (verified in ``tests/engines/test_engine_nest_stdp.py``)
-------------------------------------------------------------
NEST 3.10's ``stdp_synapse`` (Gütig et al. 2003 form, weights normalised by ``Wmax``)::

    facilitate:  w <- Wmax min(1, w/Wmax + lambda (1 - w/Wmax)^mu_plus K+)
    depress:     w <- Wmax max(0, w/Wmax - alpha lambda (w/Wmax)^mu_minus K-)

with ``K+`` the presynaptic trace (``tau_plus``, on the synapse) and ``K-`` the postsynaptic one
(``tau_minus``, on the neuron), all-to-all. *Timing.* NEST's delay is wholly dendritic: the
presynaptic spike counts at its stamp ``t_pre``, the postsynaptic spike at ``t_post + D``.
A presynaptic spike of neurosim step ``k_pre`` has NEST stamp ``(k_pre + 1) dt``, a
postsynaptic one of step ``k_post`` ``(k_post + 1) dt``, and ``D = d dt``, so NEST's interval
is::

    Δt_NEST = Δt + s,   s = 2 d dt,   Δt = t_post - (t_pre + delay) (neurosim)

(NEST 3.10 has no axonal delay on ``stdp_synapse`` to remove ``s``.) Both windows are
exponentials, so a constant shift is a constant factor on each side: NEST's ``K+`` is
``exp(-s/tau_plus)`` times neurosim's ``x``, its ``K-`` ``exp(+s/tau_minus)`` times neurosim's
``o``, for every pair that falls on the same side in both conventions. Hence, per connection::

    additive        (mu_plus = mu_minus = 0):  lambda = a_plus exp(s/tau_plus) / w_max
                                               alpha  = a_minus exp(-s/tau_minus) / (lambda w_max)
    multiplicative  (mu_plus = mu_minus = 1):  lambda = a_plus exp(s/tau_plus)
                                               alpha  = a_minus exp(-s/tau_minus) / lambda
    Wmax = w_max, tau_plus = tau_plus, tau_minus (neuron) = tau_minus, w_min must be 0

which gives ``w + a_plus x``/``w - a_minus o`` (additive) and ``w + a_plus x (w_max - w)``/
``w - a_minus o w`` (multiplicative), clipped to ``[0, w_max]``, as neurosim. The events
also come in the same order (a depression and a potentiation are ordered by the sign of
their pair's interval in both), so the final weights agree to rounding (tested to 1e-9
relative), Δt = 0 included (it potentiates on both: ``Δt_NEST = s > 0``). What cannot agree:
pairs with ``-s <= Δt < 0``, which neurosim depresses and NEST potentiates (at ``Δt = -s``
NEST neither potentiates nor depresses). Since that depends on spike times, STDP on NEST
needs ``engine_options={"stdp_edge_pairs_differ": True}``, accepting it; otherwise it is
refused. Also different, by construction: NEST applies the potentiation due to postsynaptic
spikes only at the synapse's next presynaptic spike (``Simulator.weights`` reads NEST's
weights, hence the weights as of each synapse's last presynaptic spike), and a spike
transmits the weight after the changes it triggers, neurosim the weight at emission (so the
postsynaptic effect of a plastic synapse differs by the change of that very spike).
Nearest pairing is refused: NEST's ``stdp_nn_symm_synapse`` would match it by the same
conversion but for one thing, it pairs the postsynaptic spikes before a synapse's first
presynaptic spike with a phantom presynaptic spike at t = 0 (its ``t_lastspike`` starts at
0, and it has no ``Kplus`` that starts at 0 as ``stdp_synapse`` has).
``a_plus = 0`` with ``a_minus > 0`` is refused (NEST's depression is ``alpha lambda``), as
are several ``tau_minus`` onto one population (NEST keeps it on the neuron), and inhibitory
conductance projections (negative NEST weights). A ``spike_generator`` cannot drive a
plastic synapse: a source population that feeds one is replayed through ``parrot_neuron``
s (generator at ``k dt``, parrot delay ``dt``, so the parrot fires at ``(k + 1) dt`` like a
neuron of step ``k``); a source spike in step 0 would need a generator time of 0, which
NEST refuses, so it is refused (Poisson sources: when such a spike is drawn).

Short-term plasticity (verified in ``tests/engines/test_nest_stp_dopamine.py``)
-------------------------------------------------------------------------------
NEST 3.10's ``tsodyks2_synapse`` (after Tsodyks & Markram 1997, PNAS 94:719; Fuhrman et al.
2002, J. Neurophysiol. 87:140; Maass & Markram 2002) keeps, per connection, the ``u`` and
``x`` with which the previous spike was sent; at a spike ``h`` after the previous one it
first sets::

    x <- 1 + (x - u x - 1) exp(-h/tau_rec),   u <- U + u (1 - U) exp(-h/tau_fac)

(``u <- U`` for ``tau_fac = 0``) and then sends ``w u x``; the first spike skips the update.
That is neurosim's rule written from the other side of the spike: neurosim's ``x - u x``
after a spike, recovered over ``h``, and its ``u`` decayed over ``h`` and then jumped by
``U (1 - u)``. The two agree from the first spike on when NEST's ``u`` starts at ``U`` and
``x`` at 1 (neurosim's ``u = 0``, ``x = 1``, after the first jump), which is what is set;
``U``, ``tau_rec`` and ``tau_fac`` (``0`` disables facilitation on both) carry over. Only
intervals between a synapse's own spikes enter, and NEST takes them from the spike stamps,
so the delay convention of static synapses applies unchanged: the transmitted amplitudes are
equal to rounding. (``tsodyks_synapse`` and ``tsodyks_synapse_hom`` are another model: their
resources pass through a third, active state with ``tau_psc`` before they recover.) Spike
sources reach it through ``parrot_neuron`` s, as for STDP (NEST refuses a generator as its
source). ``Simulator.weights`` gives the unchanged weights, as neurosim.

Reward-modulated STDP (verified in ``tests/engines/test_nest_stp_dopamine.py``)
-------------------------------------------------------------------------------
NEST 3.10's ``stdp_dopamine_synapse`` (Potjans, Morrison & Diesmann 2010, Front. Comput.
Neurosci. 4:141, after Izhikevich 2007) has an eligibility ``c`` and a dopamine trace ``n``
per connection::

    c <- c + A_plus K+   at a postsynaptic spike reaching the synapse (t_post + D)
    c <- c - A_minus K-  at a presynaptic spike (its stamp t_pre)
    dc/dt = -c/tau_c,  dn/dt = -n/tau_n (+ 1/tau_n per dopamine spike),
    dw/dt = c (n - b),  w clipped to [Wmin, Wmax]

integrated exactly between events as neurosim does (the same ``tau_eff`` form), with the
same all-to-all traces as ``stdp_synapse``. Mapping: ``tau_plus``, ``tau_c`` and the bounds
carry over, ``tau_n = tau_d``, ``b = 0``, ``tau_minus`` goes onto the neuron, ``c`` and
``n`` have neurosim's units (weight unit; per ms). The pair interval is shifted by
``s = 2 d dt`` as for STDP, and the *time* at which a pair changes ``c`` is
shifted too: NEST's depression comes ``(d - 1) dt`` before neurosim's (at the emission
rather than the arrival), its potentiation ``(d + 1) dt`` after (when the
postsynaptic spike has come back through the dendritic delay). Both are compensated in the
amplitudes, so that ``c`` is the same once both engines have seen an event::

    A_plus  = a_plus  exp(+s/tau_plus  - (d + 1) dt / tau_c)
    A_minus = a_minus exp(-s/tau_minus + (d - 1) dt / tau_c)

These depend on the delay and are common properties of a NEST synapse model, so each
distinct delay of a projection gets a model of its own. *Dopamine.* ``Simulator.reward``
(between runs) sets the level ``d`` at the current time ``T``. NEST's dopamine spikes could
not do it: the volume transmitter counts a spike's multiplicity (an integer, the weight is
ignored, only positive), and a spike that acts at ``T`` would have had to be sent before
``T``. Instead the kernel's ``min_delay`` is ``dt`` and the volume transmitter delivers
every step, so at the end of every step NEST brings every ``stdp_dopamine_synapse`` up to
that time (weight, ``c``, ``n``); ``Simulator.reward`` then sets every connection's
``n`` to the simulator's new level, which then is NEST's level at ``T`` exactly. The same
update makes the weights that ``Simulator.weights`` reads current (up to the end of the
last step, as neurosim's), with or without presynaptic spikes since. It costs one update of
every dopamine synapse per step.

*What cannot agree.* Pairs with ``-s <= Δt < 0`` as for STDP (hence the same opt-in,
``stdp_edge_pairs_differ``), and the displaced events: between neurosim's time of an event
and NEST's, ``c`` differs, and so does ``w`` by the integral of that difference times the
dopamine level (for a potentiation with ``c``-jump ``a`` at level ``n``: about
``a n d dt``); a spike also transmits the weight as of its stamp, one step after neurosim's.
While the dopamine level is 0 (before the first reward) none of this changes a weight, and
rewards with no spike of the projection after them (the distal-reward protocol's
reward phase) give the same weights to rounding; spikes under a non-zero level do not.
Since that depends on the script, RewardSTDP also needs
``engine_options={"reward_timing_differs": True}``. Refused: nearest pairing
(``stdp_dopamine_synapse`` is all-to-all) and inhibitory conductance projections (negative
NEST weights). Spike sources pass through ``parrot_neuron`` s, as for STDP.

Randomness
----------
``PoissonSource`` spikes are drawn here from the simulator's generator, in the order neurosim's
own engine draws them (one ``random()`` per source and step, in population order), and replayed
through ``spike_generator`` s: when the network has no ``NoisyCurrent`` the input spike trains
are *identical* to those of ``engine="neurosim"`` with the same seed, so the two runs can be
compared spike for spike. (NEST's ``poisson_generator`` would give the same process from
another stream.) ``NoisyCurrent`` uses NEST's ``noise_generator``: the same process, NEST's
stream. NEST's own generator is seeded from ``seed`` (through ``numpy.random.SeedSequence``, so
the draws of neurosim's generator are not disturbed).

Options (``Simulator(..., engine="nest", engine_options={...})``)
-----------------------------------------------------------------
``threads`` : int, default 1
    NEST's ``local_num_threads``: threads per process. Results do not depend on it.
``virtual_processes`` : int, optional
    NEST's ``total_num_virtual_procs``: threads times MPI processes, in all (instead of
    ``threads``). NEST's spikes depend only on this number, not on how it is split into
    processes and threads (see MPI); it must be a multiple of the number of processes.
``stdp_edge_pairs_differ`` : bool, default False
    Run STDP projections, accepting that pairs with ``-s <= Δt < 0`` change the weight
    differently (see STDP); without it STDP and RewardSTDP projections are refused.
``reward_timing_differs`` : bool, default False
    Run RewardSTDP projections, accepting that NEST changes the eligibility at other times
    than neurosim, which changes the weights while the dopamine level is non-zero (see
    Reward-modulated STDP); without it they are refused.

One NEST kernel per process
---------------------------
NEST holds one network per process: building a second ``Simulator(engine="nest")`` resets the
kernel, after which the first one can still hand out what it recorded (records are copied out
of NEST after every run) but can no longer run.

MPI (verified in ``tests/engines/test_nest_mpi.py``)
----------------------------------------------------
The ``nest-simulator`` wheel from PyPI (the ``nest`` extra) is built without MPI
(``nest.build_info["have_mpi"]`` is ``False``); ``scripts/build_nest_mpi.sh`` builds one with
MPI on Debian; conda-forge has one (``nest-simulator=*=mpi_openmpi*``, NEST's installation
guide). Started as ``mpirun -np 4 python script.py`` (or ``srun``), every process runs the
whole script: it realises the same network
from the same seed, draws the same Poisson source spikes and passes the full synapse table to
``nest.Connect``; NEST creates each neuron, and the synapses onto it, on one process only (its
virtual processes take the neurons round-robin). Hence:

- *Records* (spikes and state samples) are gathered after every ``run``, with mpi4py's
  ``allgather`` (the ``mpi`` extra; NEST has no Python call that gathers a recorder's events),
  so that every process holds the whole records, and the same ones: a script that branches on
  its results takes the same branch everywhere (a process that took another would wait
  forever in NEST's next collective ``Simulate``). The cost is the records' memory on every
  process, which is small beside the synapse table every process realises anyway. Write
  files on rank 0 only (``MPI.COMM_WORLD.rank == 0``).
- ``Simulator.get`` and ``Simulator.weights`` read the values on the process that holds each
  neuron or synapse and gather them the same way, so they are *collective*: every process
  must call them (as ``run``), in the same order.
- *Determinism.* NEST's spikes depend on the number of virtual processes (threads times
  processes), not on how it is split: two processes with one thread each give the spikes of
  one process with ``threads=2`` (``virtual_processes=2`` says it for both).
  ``virtual_processes`` that is not a multiple of the number of processes is refused by NEST;
  the ``ValueError`` says so.
- mpi4py must use the MPI library that NEST uses (the script builds it from source against
  it). This engine imports it only when NEST runs on more than one process; a script may
  import it too, before or after neurosim (both run under Open MPI 4.1: whichever comes
  first initialises MPI).
"""

from __future__ import annotations

import math
import os

import numpy as np

from ..equation_model import EquationModel
from ..inputs import NoisyCurrent, PoissonSource, SpikeTimes
from ..inputs.base import check_engine_inputs
from ..network import SpikeMonitor, StateMonitor
from ..neurons import LIF, AdEx, HodgkinHuxley, Izhikevich, NeuronModel
from ..plasticity import STDP, RewardSTDP, TsodyksMarkram
from ..records import SpikeRecord, StateRecord
from ..synapses import (
    KIND_ALPHA,
    KIND_DELTA,
    KIND_EXP,
    AlphaConductance,
    AlphaCurrent,
    Delta,
    ExpConductance,
    ExpCurrent,
)

__all__ = ["NestEngine", "OPTIONS"]

#: The options ``engine_options`` accepts, with their defaults.
OPTIONS = {"threads": 1, "virtual_processes": None, "stdp_edge_pairs_differ": False,
           "reward_timing_differs": False}

ENGINE = "engine 'nest'"

# NEST's model names by (neuron model, synapse kind, conductance).
#: The kinetics NEST's neuron models have (by kind and conductance in the tables below).
_NEST_KINETICS = (Delta, ExpCurrent, ExpConductance, AlphaCurrent, AlphaConductance)
_LIF_MODELS = {(KIND_EXP, False): "iaf_psc_exp", (KIND_ALPHA, False): "iaf_psc_alpha",
               (KIND_DELTA, False): "iaf_psc_delta", (KIND_EXP, True): "iaf_cond_exp",
               (KIND_ALPHA, True): "iaf_cond_alpha"}
_ADEX_MODELS = {(KIND_EXP, False): "aeif_psc_exp", (KIND_ALPHA, False): "aeif_psc_alpha",
                (KIND_DELTA, False): "aeif_psc_delta", (KIND_EXP, True): "aeif_cond_exp",
                (KIND_ALPHA, True): "aeif_cond_alpha"}
_STATE_NAMES = {LIF: {"v": "V_m"}, AdEx: {"v": "V_m", "w": "w"},
                Izhikevich: {"v": "V_m", "u": "U_m"}}
#: Poisson draws per block (steps x sources), to bound the memory of a long run.
_DRAW_BLOCK = 1 << 22

# NEST holds one network per process; this names the engine that built the current one.
_KERNEL = {"owner": None}


def _import_nest():
    """Import NEST quietly (no banner, errors only)."""
    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest
    except ImportError as err:  # pragma: no cover - depends on the installation
        raise ImportError(f"{ENGINE} needs NEST: pip install 'neurosim[nest]' "
                          f"(nest-simulator==3.10.0); import failed with: {err}") from err
    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    else:  # pragma: no cover - NEST < 3.10
        nest.set_verbosity("M_ERROR")
    return nest


def check_options(options):
    """Validate ``engine_options`` and return them completed with the defaults."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise TypeError(f"Simulator: engine_options must be a dict, got {options!r}")
    if "lengthen_one_step_delays" in options:
        raise ValueError("Simulator: engine_options['lengthen_one_step_delays'] is no longer "
                         "needed: a neurosim delay now means what a NEST delay means and is "
                         "passed to NEST unchanged (delays must be >= dt on NEST)")
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"Simulator: unknown engine_options {unknown} for {ENGINE}; valid: "
                         f"{sorted(OPTIONS)}")
    out = {**OPTIONS, **options}
    for key in ("threads", "virtual_processes"):
        value = out[key]
        if value is None and key == "virtual_processes":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"Simulator: engine_options[{key!r}] must be an integer >= 1, got "
                             f"{value!r}")
    if "threads" in options and out["virtual_processes"] is not None:
        raise ValueError(f"Simulator: give engine_options 'threads' (per process) or "
                         f"'virtual_processes' (in all), not both; got threads="
                         f"{out['threads']!r}, virtual_processes={out['virtual_processes']!r}")
    for key in ("stdp_edge_pairs_differ", "reward_timing_differs"):
        if not isinstance(out[key], bool):
            raise TypeError(f"Simulator: engine_options[{key!r}] must be a bool, got "
                            f"{out[key]!r}")
    return out


def _mpi_comm(nest):
    """mpi4py's ``COMM_WORLD`` when NEST runs on several MPI processes, else ``None``.

    NEST initialises MPI when it is imported, unless mpi4py did before; mpi4py finalises only
    an MPI it initialised (its default)."""
    n = nest.NumProcesses()
    if n == 1:
        return None
    try:
        from mpi4py import MPI
    except ImportError as err:
        raise ImportError(f"{ENGINE} on {n} MPI processes needs mpi4py to gather the records "
                          f"onto every process: pip install 'neurosim[mpi]' (mpi4py using the "
                          f"MPI library that NEST uses); import failed with: {err}") from err
    comm = MPI.COMM_WORLD
    if comm.Get_size() != n:  # pragma: no cover - another MPI library than NEST's
        raise RuntimeError(f"{ENGINE}: NEST runs on {n} MPI processes but mpi4py sees "
                           f"{comm.Get_size()}: mpi4py must be built against NEST's MPI")
    return comm


def _refuse(what):
    raise NotImplementedError(f"{ENGINE} does not support {what}")


# ----------------------------------------------------------------------------------------------
# Planning: pure Python, every refusal happens here, before NEST's kernel is touched.
# ----------------------------------------------------------------------------------------------

def _plan_population(pop, projs):
    """NEST model, parameters and per-projection weight sign for one neuron population.

    ``projs`` are ``(projection, weights)`` pairs of the projections onto ``pop``.
    """
    model = pop.model
    if isinstance(model, HodgkinHuxley):
        _refuse(f"HodgkinHuxley (population {pop.name!r}): NEST's hh_psc_alpha detects a spike "
                f"at the peak of the action potential (V_m >= 0 and falling, then a refractory "
                f"period) while neurosim detects the upward crossing of v_th; no NEST model "
                f"has neurosim's rule")
    if isinstance(model, EquationModel):
        _refuse(f"a model written as equations ({model.name}, population {pop.name!r}): NEST "
                f"runs its built-in models; write the model in NESTML (NEST's modelling "
                f"language) to compile it into NEST, or use engine 'neurosim' or 'brian2', "
                f"which take the equations as they are")
    if not isinstance(model, (LIF, AdEx, Izhikevich)):  # pragma: no cover - all listed
        _refuse(f"{type(model).__name__} (population {pop.name!r})")
    syns = [proj.synapse for proj, _ in projs]
    for s in syns:
        if not isinstance(s, _NEST_KINETICS):
            _refuse(f"{type(s).__name__} synapses (onto {pop.name!r}): NEST's neuron models "
                    f"have delta, exponential or alpha receptors; use engine 'neurosim' or "
                    f"'brian2'")
    kinds = {(s.kind, s.conductance) for s in syns}
    if len(kinds) > 1:
        names = sorted({type(s).__name__ for s in syns})
        _refuse(f"mixing synapse kinds {names} onto one population ({pop.name!r}): a NEST "
                f"neuron model has one kind of receptor")
    kind, cond = kinds.pop() if kinds else (KIND_EXP, False)
    signs = {}
    params = {}
    if isinstance(model, Izhikevich):
        if model.scheme != "euler":
            _refuse(f"Izhikevich(scheme={model.scheme!r}) (population {pop.name!r}): NEST's "
                    f"izhikevich is the forward-Euler scheme; use scheme='euler'")
        if syns and (kind != KIND_DELTA or cond):
            _refuse(f"{type(syns[0]).__name__} synapses onto an Izhikevich population "
                    f"({pop.name!r}): NEST's izhikevich takes only Delta synapses")
        name = "izhikevich"
        params.update(a=model.a, b=model.b, c=model.c, d=model.d, V_th=model.v_peak,
                      I_e=model.i_e / model.c_m, consistent_integration=True)
        for proj, _ in projs:
            signs[id(proj)] = 1.0
        return dict(model=name, params=params, signs=signs, scale=1.0 / model.c_m)

    if isinstance(model, LIF):
        name = _LIF_MODELS[(kind, cond)]
        params.update(E_L=model.e_leak, C_m=model.c_m, V_th=model.v_th, V_reset=model.v_reset,
                      t_ref=model.t_ref, I_e=model.i_e)
        if cond:
            params["g_L"] = model.c_m / model.tau_m
        else:
            params["tau_m"] = model.tau_m
    else:
        name = _ADEX_MODELS[(kind, cond)]
        params.update(C_m=model.c_m, g_L=model.g_leak, E_L=model.e_leak, V_th=model.v_t,
                      Delta_T=model.delta_t, V_peak=model.v_peak, V_reset=model.v_reset,
                      tau_w=model.tau_w, a=model.a, b=model.b, t_ref=model.t_ref,
                      I_e=model.i_e)
    if kind == KIND_DELTA:
        for proj, _ in projs:
            signs[id(proj)] = 1.0
    elif cond:
        kinetics = []
        for s in syns:
            if s not in kinetics:
                kinetics.append(s)
        if len(kinetics) > 2:
            _refuse(f"more than two conductance kinetics onto one population ({pop.name!r}, "
                    f"{[str(k) for k in kinetics]}): NEST's {name} has one excitatory and one "
                    f"inhibitory receptor")
        kinetics.sort(key=lambda s: -s.e_rev)
        ex = kinetics[0] if kinetics else None
        inh = kinetics[1] if len(kinetics) > 1 else None
        params.update(tau_syn_ex=ex.tau if ex else 2.0, E_ex=ex.e_rev if ex else 0.0,
                      tau_syn_in=inh.tau if inh else 2.0,
                      E_in=inh.e_rev if inh else (ex.e_rev if ex else -85.0))
        for proj, _ in projs:
            signs[id(proj)] = 1.0 if proj.synapse == ex else -1.0
    else:
        taus = {"ex": set(), "in": set()}
        for proj, w in projs:
            if (w > 0).any():
                taus["ex"].add(proj.synapse.tau)
            if (w < 0).any():
                taus["in"].add(proj.synapse.tau)
            signs[id(proj)] = 1.0
        for side, label in (("ex", "positive"), ("in", "negative")):
            if len(taus[side]) > 1:
                _refuse(f"{label}-weight current synapses with several time constants "
                        f"{sorted(taus[side])} ms onto one population ({pop.name!r}): NEST's "
                        f"{name} routes synapses by the sign of the weight and has one "
                        f"tau_syn_{side}")
        tau_ex = next(iter(taus["ex"]), None)
        tau_in = next(iter(taus["in"]), None)
        params["tau_syn_ex"] = tau_ex or tau_in or 2.0
        params["tau_syn_in"] = tau_in or tau_ex or 2.0
    return dict(model=name, params=params, signs=signs, scale=1.0)


def _stdp_shift_steps(d):
    """NEST's pair interval minus neurosim's, in steps, for a neurosim delay of ``d`` steps
    (see "STDP" in the module docstring): ``s = 2 d``."""
    return 2 * d


def _plan_stdp(proj, d, dt, sign):
    """Per-connection ``stdp_synapse`` parameters for the STDP projection ``proj`` whose
    synapses have neurosim delays ``d`` (steps); the conversion is derived in the module
    docstring."""
    rule = proj.plasticity
    where = f"on projection {proj.name!r}"
    if not isinstance(rule, STDP):
        _refuse(f"plasticity {type(rule).__name__} ({where}): it is not mapped onto NEST's "
                f"{_NEST_COUNTERPART.get(type(rule).__name__, 'models')} (whose equations "
                f"and timing have not been matched to neurosim's); only STDP is")
    if rule.pairing != "all":
        _refuse(f"plasticity STDP(pairing={rule.pairing!r}) ({where}): only all-to-all "
                f"pairing is mapped (onto NEST's stdp_synapse); NEST's nearest-spike "
                f"stdp_nn_symm_synapse potentiates with postsynaptic spikes that come before "
                f"a synapse's first presynaptic spike as if one had come at t = 0, which "
                f"neurosim's rule does not")
    if rule.w_min != 0.0:
        _refuse(f"plasticity STDP(w_min={rule.w_min!r}) ({where}): NEST's stdp_synapse "
                f"bounds weights below by 0; use w_min=0.0")
    if rule.a_plus == 0.0 and rule.a_minus != 0.0:
        _refuse(f"plasticity STDP(a_plus=0.0, a_minus={rule.a_minus!r}) ({where}): NEST's "
                f"stdp_synapse scales depression by lambda (the potentiation amplitude), "
                f"which would be 0")
    if sign < 0:
        _refuse(f"plasticity on an inhibitory conductance projection ({where}): NEST's "
                f"stdp_synapse would see negative weights")
    shift = _stdp_shift_steps(d.astype(np.int64)) * dt
    lam = rule.a_plus * np.exp(shift / rule.tau_plus)
    a_dep = rule.a_minus * np.exp(-shift / rule.tau_minus)
    alpha = np.divide(a_dep, lam, out=np.ones_like(lam), where=lam != 0.0)
    if rule.dependence == "additive":
        lam = lam / rule.w_max
        mu = 0.0
    else:
        mu = 1.0
    return dict(synapse_model="stdp_synapse", tau_plus=rule.tau_plus, Wmax=rule.w_max,
                mu_plus=mu, mu_minus=mu, **{"lambda": lam, "alpha": alpha})


_NEST_COUNTERPART = {"TripletSTDP": "stdp_triplet_synapse"}


def _plan_tsodyks(proj):
    """``tsodyks2_synapse`` parameters for the TsodyksMarkram projection ``proj`` (see
    "Short-term plasticity" in the module docstring): NEST's ``u`` starts at ``U``, which is
    neurosim's ``u`` after the jump of the first spike."""
    rule = proj.plasticity
    return dict(U=rule.U, u=rule.U, x=1.0, tau_rec=rule.tau_rec, tau_fac=rule.tau_fac)


def _plan_reward(proj, d, dt, sign):
    """Groups of ``stdp_dopamine_synapse`` common properties for the RewardSTDP projection
    ``proj``, one per distinct neurosim delay in ``d`` (steps): ``[(d_value, common), ...]``.
    The conversion is derived in the module docstring ("Reward-modulated STDP")."""
    rule = proj.plasticity
    where = f"on projection {proj.name!r}"
    if rule.pairing != "all":
        _refuse(f"plasticity RewardSTDP(pairing={rule.pairing!r}) ({where}): NEST's "
                f"stdp_dopamine_synapse pairs all-to-all only")
    if sign < 0:
        _refuse(f"plasticity on an inhibitory conductance projection ({where}): NEST's "
                f"stdp_dopamine_synapse would see negative weights")
    groups = []
    for dv in np.unique(d.astype(np.int64)).tolist():
        d_nest = dv                              # NEST delay, steps (the same)
        shift = (dv + d_nest) * dt               # NEST's pair interval minus neurosim's
        early = (dv - 1) * dt                    # NEST's depression comes this much earlier
        late = (1 + d_nest) * dt                 # NEST's potentiation this much later
        groups.append((dv, {
            "A_plus": rule.a_plus * math.exp(shift / rule.tau_plus - late / rule.tau_c),
            "A_minus": rule.a_minus * math.exp(-shift / rule.tau_minus + early / rule.tau_c),
            "tau_plus": rule.tau_plus, "tau_c": rule.tau_c, "tau_n": rule.tau_d, "b": 0.0,
            "Wmin": rule.w_min, "Wmax": rule.w_max}))
    return groups


def _current_schedules(sim, scale):
    """Per neuron (global index), the piecewise-constant injected current as a
    ``(steps, amplitudes)`` pair (pA, already multiplied by the neuron's ``scale``)."""
    steps, idx, val, _ = sim.built.inputs["currents"]
    out = {}
    for g in np.unique(idx):
        sel = idx == g
        s, v = steps[sel], val[sel] * scale[g]
        # Several injections may switch in the same step: merge them.
        u, first = np.unique(s, return_index=True)
        total = np.add.reduceat(v, first) if v.size else v
        out[int(g)] = (u, np.cumsum(total))
    return out


class NestEngine:
    """NEST side of a :class:`neurosim.Simulator` (made by it; not for direct use).

    Parameters
    ----------
    sim : Simulator
        A simulator whose network has been built with ``keep_tables=True``.
    options : dict or None
        ``engine_options``; see the module docstring.
    """

    def __init__(self, sim, options=None):
        self._sim = sim
        self._options = check_options(options)
        net, dt = sim.network, sim.dt
        pops = sim.built.pops
        self._dt = dt

        # --- plan (no NEST yet) ----------------------------------------------------------
        check_engine_inputs(net, ENGINE)
        for mon in net.monitors:
            if not isinstance(mon, (SpikeMonitor, StateMonitor)):
                _refuse(f"the monitor {type(mon).__name__}")
        if net.weight_monitors:
            _refuse(f"record_weights (projection {net.weight_monitors[0].projection.name!r}): "
                    f"NEST's plastic synapses bring their weight up to date only at their "
                    f"presynaptic spikes, so weights sampled in between are not the rule's; "
                    f"use sim.weights(projection) after a run, or engine 'neurosim' or "
                    f"'brian2'")
        incoming = {id(p): [] for p in pops}
        for proj, table in zip(net.projections, sim.built.tables):
            w = table[2]
            rule = getattr(proj, "plasticity", None)
            if rule is not None and rule.changes_weights:
                # the receptor (by sign) must suit every weight the rule can reach
                w = np.append(w, [rule.w_min, rule.w_max])
            incoming[id(proj.post)].append((proj, w))
        for inp in net.poisson_inputs:  # planned like a projection of one weight
            incoming[id(inp.population)].append((inp, np.array([inp.weight])))
        plans = {}
        scale = np.ones(sim.built.n_total)
        for i, pop in enumerate(pops):
            if isinstance(pop.model, NeuronModel):
                plans[i] = _plan_population(pop, incoming[id(pop)])
                scale[sim.built.pop_start[i]:sim.built.pop_start[i + 1]] = plans[i]["scale"]
        for proj, table in zip(net.projections, sim.built.tables):
            d = table[3]
            if d.size and d.min() < 1:
                _refuse(f"a delay of 0 ms (projection {proj.name!r}): NEST's shortest delay is "
                        f"one step, dt = {dt!r} ms (neurosim and Brian2 allow 0); use delays "
                        f">= {dt!r} ms")
        # Plasticity: every refusal before NEST is touched (see "STDP", "Short-term
        # plasticity" and "Reward-modulated STDP" in the docstring).
        self._stdp, self._tsodyks, self._reward = {}, {}, {}
        tau_minus = {}
        for proj, table in zip(net.projections, sim.built.tables):
            rule = getattr(proj, "plasticity", None)
            if rule is None:
                continue
            i_post = sim.built.pop_index[id(proj.post)]
            sign = plans[i_post]["signs"][id(proj)]
            if isinstance(rule, TsodyksMarkram):
                self._tsodyks[id(proj)] = _plan_tsodyks(proj)
                continue
            if isinstance(rule, RewardSTDP):
                self._reward[id(proj)] = _plan_reward(proj, table[3], dt, sign)
                if not self._options["reward_timing_differs"]:
                    _refuse(f"plasticity (RewardSTDP on projection {proj.name!r}) without "
                            f"engine_options={{'reward_timing_differs': True}}: NEST's "
                            f"stdp_dopamine_synapse changes the eligibility trace at a "
                            f"presynaptic spike's emission ((d - 1) steps before its arrival) "
                            f"and at a postsynaptic spike's return through the dendritic delay "
                            f"(d + 1 steps after it), and a spike transmits the weight of one step "
                            f"after its emission; while the dopamine level is non-zero these "
                            f"shifts change the weights (by about c d delay). The weights agree "
                            f"to rounding only while no spike of the projection meets a "
                            f"non-zero dopamine level. Pass the option to accept this "
                            f"difference")
            else:
                self._stdp[id(proj)] = _plan_stdp(proj, table[3], dt, sign)
            if not self._options["stdp_edge_pairs_differ"]:
                d_max = int(table[3].max()) if table[3].size else 2
                edge = int(_stdp_shift_steps(np.int64(d_max)))
                model = ("stdp_dopamine_synapse" if isinstance(rule, RewardSTDP)
                         else "stdp_synapse")
                _refuse(f"plasticity ({type(rule).__name__} on projection {proj.name!r}) "
                        f"without engine_options={{'stdp_edge_pairs_differ': True}}: NEST's "
                        f"{model} treats the delay as dendritic, so a pair with "
                        f"-{edge} dt <= t_post - (t_pre + delay) < 0 (up to {edge * dt!r} ms "
                        f"here) is depressed by neurosim but potentiated (or, at the edge, "
                        f"left alone) by NEST; every other pair gives the same weight change. "
                        f"Pass the option to accept this difference")
            prev = tau_minus.setdefault(i_post, rule.tau_minus)
            if prev != rule.tau_minus:
                _refuse(f"plasticity rules with different tau_minus ({prev!r} and "
                        f"{rule.tau_minus!r} ms) onto one population "
                        f"({proj.post.name!r}): NEST keeps tau_minus on the neuron")
        for i_post, tm in tau_minus.items():
            plans[i_post]["params"]["tau_minus"] = tm
        # Spike sources cannot drive a NEST plastic synapse: their spikes pass through a
        # parrot_neuron (generator at k dt, parrot delay dt, so the parrot fires at (k + 1) dt
        # like a neuron of step k). A spike of step 0 would need a generator time of 0.
        plastic = set(self._stdp) | set(self._tsodyks) | set(self._reward)
        self._parroted = set()
        for proj in net.projections:
            if id(proj) in plastic and not isinstance(proj.pre.model, NeuronModel):
                self._parroted.add(sim.built.pop_index[id(proj.pre)])
        for i in self._parroted:
            if isinstance(pops[i].model, SpikeTimes):
                lo = sim.built.pop_start[i]
                st = sim.built.inputs["spike_times"]
                local = st.idx - lo
                if ((local >= 0) & (local < pops[i].n) & (st.step == 0)).any():
                    _refuse(f"a spike at t = 0 of the source {pops[i].name!r} on a plastic "
                            f"projection: its spikes reach NEST's plastic synapse models "
                            f"through a parrot_neuron one step later, and NEST's "
                            f"spike_generator cannot fire at 0; start spike times at >= "
                            f"{dt!r} ms")
        schedules = _current_schedules(sim, scale)
        for g, (steps, _) in schedules.items():
            if (steps == 1).any():
                p = int(np.searchsorted(sim.built.pop_start, g, side="right") - 1)
                _refuse(f"a current that switches at t = {dt!r} ms (one step; population "
                        f"{pops[p].name!r}): NEST's generators act one step after the time "
                        f"they are given, which must be > 0; switch at 0 or at >= "
                        f"{2 * dt!r} ms")

        # --- build ------------------------------------------------------------------------
        nest = _import_nest()
        self._nest = nest
        nest.ResetKernel()
        _KERNEL["owner"] = self
        seed = int(np.random.SeedSequence(sim.seed).generate_state(1)[0]) % (2**31 - 2) + 1
        self._comm = _mpi_comm(nest)
        vps = self._options["virtual_processes"]
        if vps is None:
            parallel = {"local_num_threads": int(self._options["threads"])}
        else:
            parallel = {"total_num_virtual_procs": int(vps)}
        try:
            nest.set(resolution=dt, rng_seed=seed, **parallel)
        except nest.NESTError as err:
            if vps is None:  # pragma: no cover - NEST accepts any thread count >= 1
                raise
            n = nest.NumProcesses()
            raise ValueError(f"Simulator: engine_options['virtual_processes'] = {vps!r} does not "
                             f"fit {n} MPI process(es): NEST runs the same number of threads on "
                             f"every process, so the virtual processes must be a multiple of "
                             f"the processes (start a number of processes that divides {vps!r}, "
                             f"or give a multiple of {n}); NEST refused it: "
                             f"{err}") from err
        # Devices (generators, recorders) connect with the shortest delay, one step.
        nest.SetDefaults("static_synapse", {"delay": dt})
        nest_delays = [d.astype(np.int64) for (_, _, _, d) in sim.built.tables]
        max_d = max([int(x.max()) for x in nest_delays if x.size] + [1])
        # NEST derives its communication interval (min_delay) from every connection, devices
        # included: spike recorders are connected with the network's shortest delay, so that
        # they do not force an exchange every step (recorded times do not depend on it).
        self._rec_delay = min([int(x.min()) for x in nest_delays if x.size] + [max_d]) * dt
        self._has_state = any(isinstance(m, StateMonitor) for m in sim.built.monitors)
        if self._has_state or self._reward:
            # (reward: the volume transmitter then brings every stdp_dopamine_synapse up to
            # date at the end of every step; see "Reward-modulated STDP")
            nest.set(min_delay=dt, max_delay=max_d * dt)

        self._nodes = []
        self._generators = {}
        for i, pop in enumerate(pops):
            lo, hi = sim.built.pop_start[i], sim.built.pop_start[i + 1]
            if i in plans:
                plan = plans[i]
                nodes = nest.Create(plan["model"], pop.n, params=plan["params"])
                names = _STATE_NAMES[type(pop.model)]
                # one dict per neuron: under MPI, NEST sets a dict of lists only when every
                # node is local, a list of dicts on the nodes each process holds
                state = {names[var]: sim.built.neurons.state[row, lo:hi].tolist()
                         for row, var in enumerate(pop.model.state_vars)}
                nodes.set([{k: v[j] for k, v in state.items()} for j in range(pop.n)])
            else:
                gens = nest.Create("spike_generator", pop.n)
                shift = 0 if i in self._parroted else 1
                if isinstance(pop.model, SpikeTimes):
                    st = sim.built.inputs["spike_times"]
                    times = self._source_times(st.step, st.idx - lo, pop.n, shift)
                    gens.set([{"spike_times": t} for t in times])
                nodes = gens
                if i in self._parroted:
                    nodes = nest.Create("parrot_neuron", pop.n)
                    nest.Connect(gens, nodes, "one_to_one", {"delay": dt})
                self._generators[i] = gens
            self._nodes.append(nodes)
        self._first_id = [int(n[0].global_id) for n in self._nodes]

        # Plastic projections get synapse models of their own (copied), so that their
        # connections can be found again: one per projection, and for RewardSTDP one per
        # distinct delay (its amplitudes depend on the delay and are common properties).
        self._plastic_conns = {}   # id(proj) -> [(connections, mask, pre ids, post ids)]
        self._reward_conns = {}    # rule index in sim.built.ul -> [connections]
        vt = nest.Create("volume_transmitter") if self._reward else None
        n_models = 0
        for proj, (pre, post, w, d), nd in zip(net.projections, sim.built.tables, nest_delays):
            if not pre.size:
                continue
            i_pre, i_post = sim.built.pop_index[id(proj.pre)], sim.built.pop_index[id(proj.post)]
            sign = plans[i_post]["signs"][id(proj)]
            pre_g = pre.astype(np.int64) + self._first_id[i_pre]
            post_g = post.astype(np.int64) + self._first_id[i_post]
            weight = np.asarray(w, dtype=float) * sign
            delay = nd.astype(float) * dt
            key = id(proj)
            if key in self._stdp:
                groups = [(None, "stdp_synapse", {}, self._stdp[key])]
            elif key in self._tsodyks:
                groups = [(None, "tsodyks2_synapse", {}, self._tsodyks[key])]
            elif key in self._reward:
                groups = [(d == dv, "stdp_dopamine_synapse",
                           {**common, "volume_transmitter": vt}, {})
                          for dv, common in self._reward[key]]
            else:
                nest.Connect(pre_g, post_g, "one_to_one",
                             {"synapse_model": "static_synapse", "weight": weight,
                              "delay": delay})
                continue
            found = []
            for mask, base, common, spec in groups:
                sel = slice(None) if mask is None else mask
                model = f"{base}_neurosim_{n_models}"
                n_models += 1
                nest.CopyModel(base, model, common)
                nest.Connect(pre_g[sel], post_g[sel], "one_to_one",
                             {**spec, "synapse_model": model, "weight": weight[sel],
                              "delay": delay[sel]})
                found.append((nest.GetConnections(synapse_model=model), mask, pre_g[sel],
                              post_g[sel]))
            self._plastic_conns[key] = found
            if key in self._reward:
                r = next(r for p, r in sim.built.reward_rules if p is proj)
                self._reward_conns[r] = [f[0] for f in found]

        # Independent Poisson drive: one poisson_generator per input at n * rate, which sends
        # every target a train of its own (a Poisson count per step of the same mean as
        # neurosim's draw: the same process, another random stream), with the shortest delay.
        for inp in net.poisson_inputs:
            if not inp.neurons.size:
                continue
            i = sim.built.pop_index[id(inp.population)]
            gen = nest.Create("poisson_generator", params={"rate": inp.n * inp.rate})
            nest.Connect(gen, self._nodes[i][inp.neurons.tolist()], "all_to_all",
                         {"weight": inp.weight * plans[i]["signs"][id(inp)], "delay": dt})

        self._add_currents(sim, schedules, plans)
        self._add_noise(sim, net, plans)

        # Monitors: spikes of neurons through spike_recorders, of sources from our draws.
        self._recorders, self._spikes, self._meters, self._samples = {}, {}, {}, {}
        self._last_sample = {}
        for mon in sim.built.monitors:
            i = sim.built.pop_index[id(mon.population)]
            if isinstance(mon, SpikeMonitor):
                self._spikes[id(mon)] = []
                if i in plans:
                    rec = nest.Create("spike_recorder")
                    nest.Connect(self._nodes[i], rec, syn_spec={"delay": self._rec_delay})
                    self._recorders[id(mon)] = rec
            else:
                every = sim.built.every_steps[mon]
                var = _STATE_NAMES[type(mon.population.model)][mon.variable]
                targets = np.unique(mon.neurons)
                meter = nest.Create("multimeter", params={"record_from": [var],
                                                          "interval": every * dt})
                nest.Connect(meter, self._nodes[i][targets.tolist()])
                self._meters[id(mon)] = (meter, var, targets)
                self._samples[id(mon)] = ([], [])
                self._last_sample[id(mon)] = 0
        self._poisson = [i for i, p in enumerate(pops) if isinstance(p.model, PoissonSource)]
        self._poisson_spikes = {i: [] for i in self._poisson}

    # ------------------------------------------------------------------------------------------
    def _source_times(self, steps, local, n, shift=1):
        """Spike times (ms) for ``spike_generator`` s from steps and local indices: a spike of
        step ``k`` is sent at ``(k + shift) dt`` -- ``(k + 1) dt``, as a neuron firing in step
        ``k``, or ``k dt`` for a generator that drives a parrot_neuron (delay ``dt``)."""
        keep = (local >= 0) & (local < n)
        steps, local = steps[keep], local[keep]
        order = np.lexsort((steps, local))
        steps, local = steps[order], local[order]
        split = np.searchsorted(local, np.arange(1, n))
        return [((s + shift) * self._dt).tolist() for s in np.split(steps, split)]

    def _add_currents(self, sim, schedules, plans):
        """Step currents: one step_current_generator per distinct schedule."""
        nest, dt = self._nest, self._dt
        by_schedule = {}
        offsets = sim.built.pop_start
        for g, (steps, amps) in schedules.items():
            p = int(np.searchsorted(offsets, g, side="right") - 1)
            node = self._nodes[p][int(g - offsets[p])]
            # A NEST generator's change at T > 0 acts from the step that starts at T + dt: a
            # change at step s goes out at (s - 1) dt. The value of step 0 goes into I_e.
            at_zero = float(amps[0]) if steps[0] == 0 else 0.0
            if at_zero:  # (set, not read: under MPI a process holds only its own neurons)
                node.set(I_e=float(plans[p]["params"]["I_e"]) + at_zero)
            later = steps >= 2
            if later.any():
                key = (tuple(((steps[later] - 1) * dt).tolist()),
                       tuple((amps[later] - at_zero).tolist()))
                by_schedule.setdefault(key, []).append(int(node.global_id))
        for (times, values), ids in by_schedule.items():
            gen = nest.Create("step_current_generator",
                              params={"amplitude_times": list(times),
                                      "amplitude_values": list(values)})
            nest.Connect(gen, nest.NodeCollection(sorted(ids)), syn_spec={"delay": dt})

    def _add_noise(self, sim, net, plans):
        nest, dt = self._nest, self._dt
        for inj in net.injections:
            if not isinstance(inj.current, NoisyCurrent):
                continue
            cur = inj.current
            i = sim.built.pop_index[id(inj.population)]
            scale = plans[i]["scale"]
            params = {"mean": cur.mean * scale, "std": cur.std * scale, "dt": dt,
                      "start": max(cur.start - dt, 0.0)}
            if not math.isinf(cur.stop):
                params["stop"] = cur.stop - dt
            gen = nest.Create("noise_generator", params=params)
            nest.Connect(gen, self._nodes[i][sorted(set(inj.neurons.tolist()))],
                         syn_spec={"delay": dt})

    # ------------------------------------------------------------------------------------------
    def _draw_poisson(self, step0, n_steps):
        """Poisson spikes of steps ``step0 .. step0 + n_steps - 1``, drawn from the simulator's
        generator in the built-in engine's order; sets the spike_generators' times."""
        sim = self._sim
        if not self._poisson:
            return
        cols = np.concatenate([np.arange(sim.built.pop_start[i], sim.built.pop_start[i + 1])
                               for i in self._poisson])
        prob = sim.built.inputs["poisson_source"].p[cols]
        block = max(1, _DRAW_BLOCK // max(cols.size, 1))
        steps, which = [], []
        for b0 in range(0, n_steps, block):
            nb = min(block, n_steps - b0)
            hit = sim.rng.random((nb, cols.size)) < prob
            k, j = np.nonzero(hit)
            steps.append(k + step0 + b0)
            which.append(j)
        steps = np.concatenate(steps)
        which = np.concatenate(which)
        start = 0
        for i in self._poisson:
            n = sim.built.pops[i].n
            sel = (which >= start) & (which < start + n)
            local = which[sel] - start
            shift = 0 if i in self._parroted else 1
            if shift == 0 and (steps[sel] == 0).any():
                _refuse(f"a spike at t = 0 of the Poisson source {sim.built.pops[i].name!r} on a "
                        f"plastic projection (drawn in this run): its spikes reach NEST's "
                        f"plastic synapse models through a parrot_neuron, and NEST's "
                        f"spike_generator cannot fire at 0")
            self._poisson_spikes[i].append((steps[sel], local))
            self._generators[i].set([{"spike_times": t}
                                     for t in self._source_times(steps[sel], local, n, shift)])
            start += n

    def run(self, n_steps):
        if _KERNEL["owner"] is not self:
            raise RuntimeError(f"{ENGINE}: this Simulator's network was discarded when another "
                               f"Simulator(engine='nest') reset NEST's kernel (NEST holds one "
                               f"network per process); build it again to continue")
        step0 = self._sim.step
        self._draw_poisson(step0, n_steps)
        self._nest.Simulate(n_steps * self._dt)
        self._collect(step0 + n_steps)

    def set_dopamine(self, r, level):
        """Set the dopamine level of reward rule ``r`` (index in the simulator's tables) to
        ``level`` now: :meth:`neurosim.Simulator.reward` calls this between runs, when the
        volume transmitter has brought every ``stdp_dopamine_synapse`` up to the current time,
        so the new ``n`` is NEST's level from now on (see "Reward-modulated STDP")."""
        for conns in self._reward_conns[r]:
            if len(conns):  # (under MPI, the connections this process holds)
                conns.set(n=float(level))

    def _collect(self, step_now):
        """Copy the recorders' events out of NEST (and clear them)."""
        dt = self._dt
        for key, rec in self._recorders.items():
            ev = rec.get("events")
            steps, senders = self._gather(
                np.rint(np.asarray(ev["times"]) / dt).astype(np.int64) - 1,
                np.asarray(ev["senders"], dtype=np.int64))
            self._spikes[key].append((steps, senders))
            rec.set(n_events=0)
        for key, (meter, var, targets) in self._meters.items():
            ev = meter.get("events")
            times_list, values_list = self._samples[key]
            last = self._last_sample[key]
            steps, senders, vals = self._gather(
                np.rint(np.asarray(ev["times"]) / dt).astype(np.int64),
                np.asarray(ev["senders"], dtype=np.int64), np.asarray(ev[var], dtype=float))
            meter.set(n_events=0)
            mon = next(m for m in self._sim.built.monitors if id(m) == key)
            i = self._sim.built.pop_index[id(mon.population)]
            col = np.searchsorted(targets, senders - self._first_id[i])
            new = np.unique(steps[steps > last])
            table = np.full((new.size, targets.size), np.nan)
            keep = steps > last
            table[np.searchsorted(new, steps[keep]), col[keep]] = vals[keep]
            every = self._sim.built.every_steps[mon]
            # NEST hands over the last step's sample only in the next run: read it directly.
            if step_now % every == 0 and (new.size == 0 or new[-1] < step_now):
                now = self._read(self._nodes[i][targets.tolist()], var)
                table = np.vstack([table, now.reshape(1, -1)])
                new = np.append(new, step_now)
            times_list.append(new)
            values_list.append(table)
            if new.size:
                self._last_sample[key] = int(new[-1])

    # ------------------------------------------------------------------------------------------
    def record(self, monitor):
        sim, dt = self._sim, self._dt
        i = sim.built.pop_index[id(monitor.population)]
        pop = monitor.population
        if isinstance(monitor, SpikeMonitor):
            if id(monitor) in self._recorders:
                chunks = self._spikes[id(monitor)]
                steps = np.concatenate([c[0] for c in chunks]) if chunks else np.zeros(0, int)
                idx = (np.concatenate([c[1] for c in chunks]) - self._first_id[i]
                       if chunks else np.zeros(0, int))
            elif isinstance(pop.model, SpikeTimes):
                lo = sim.built.pop_start[i]
                st = sim.built.inputs["spike_times"]
                local = st.idx - lo
                keep = (local >= 0) & (local < pop.n) & (st.step < sim.step)
                steps, idx = st.step[keep], local[keep]
            else:
                chunks = self._poisson_spikes[i]
                steps = np.concatenate([c[0] for c in chunks]) if chunks else np.zeros(0, int)
                idx = np.concatenate([c[1] for c in chunks]) if chunks else np.zeros(0, int)
            order = np.lexsort((idx, steps))
            steps, idx = steps[order], idx[order]
            return SpikeRecord(times=steps * dt, neurons=idx, steps=steps, n_neurons=pop.n,
                               t_start=0.0, t_stop=sim.t, population=pop.name)
        _, _, targets = self._meters[id(monitor)]
        times_list, values_list = self._samples[id(monitor)]
        steps = np.concatenate(times_list) if times_list else np.zeros(0, int)
        table = (np.vstack(values_list) if values_list else np.zeros((0, targets.size)))
        values = table[:, np.searchsorted(targets, monitor.neurons)]
        return StateRecord(times=steps * dt, values=values, neurons=monitor.neurons,
                           variable=monitor.variable, population=pop.name)

    def weights(self, projection):
        """The weights of a projection as NEST holds them, in the synapse table's order
        (static and TsodyksMarkram projections: their unchanged weights).

        STDP: NEST applies a synapse's changes when a presynaptic spike passes it, so each
        weight is the one after that synapse's last presynaptic spike, without the
        potentiation by postsynaptic spikes since then (NEST adds it at the next presynaptic
        spike; neurosim adds it at once). RewardSTDP: the volume transmitter brings every
        synapse up to the end of the last step, so the weights are those of now."""
        if _KERNEL["owner"] is not self:
            raise RuntimeError(f"{ENGINE}: this Simulator's network was discarded when another "
                               f"Simulator(engine='nest') reset NEST's kernel")
        sim = self._sim
        k = next(j for j, p in enumerate(sim.network.projections) if p is projection)
        pre, post, w, _ = sim.built.tables[k]
        if id(projection) not in self._plastic_conns or id(projection) in self._tsodyks:
            return np.asarray(w, dtype=float).copy()
        out = np.empty(pre.size)
        for conns, mask, pre_g, post_g in self._plastic_conns[id(projection)]:
            if len(conns):
                got = conns.get(["source", "target", "weight"])
                got = [np.asarray(got[k]).reshape(-1) for k in ("source", "target", "weight")]
            else:  # (a process may hold none of a projection's synapses)
                got = [np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)]
            src, tgt, wn = self._gather(got[0].astype(np.int64), got[1].astype(np.int64),
                                        got[2].astype(float))
            if src.size != pre_g.size:  # pragma: no cover - one connection per synapse
                raise RuntimeError(f"{ENGINE}: found {src.size} NEST connections for the "
                                   f"{pre_g.size} synapses of projection {projection.name!r}")
            # NEST lists connections by source and, per pair, in creation order: match pairs
            # (multapses keep their relative order under a stable sort).
            mine = np.lexsort((np.arange(pre_g.size), post_g, pre_g))
            theirs = np.lexsort((np.arange(src.size), tgt, src))
            part = np.empty(pre_g.size)
            part[mine] = wn[theirs]
            if mask is None:
                out[:] = part
            else:
                out[mask] = part
        return out

    def set_rate(self, population, rates_hz):
        """Nothing to do: Poisson spikes are drawn at each run from the simulator's current
        probabilities."""

    def get(self, population, variable):
        if _KERNEL["owner"] is not self:
            raise RuntimeError(f"{ENGINE}: this Simulator's network was discarded when another "
                               f"Simulator(engine='nest') reset NEST's kernel")
        i = self._sim.built.pop_index[id(population)]
        var = _STATE_NAMES[type(population.model)][variable]
        return self._read(self._nodes[i], var)

    # ------------------------------------------------------------------------------------------
    def _gather(self, *arrays):
        """The arrays of every MPI process, concatenated in rank order, on every process (the
        arrays unchanged on one process). Collective: every process must call it."""
        if self._comm is None:
            return arrays
        parts = self._comm.allgather(arrays)
        return tuple(np.concatenate([part[k] for part in parts]) for k in range(len(arrays)))

    def _read(self, nodes, var):
        """``var`` of every node of the NodeCollection ``nodes``, in its order, read on the
        process that holds each one and gathered onto every process (collective)."""
        raw = nodes.get(var)  # (NEST gives None for a node another process holds)
        raw = list(raw) if isinstance(raw, (tuple, list)) else [raw]
        if self._comm is None:
            return np.asarray(raw, dtype=float)
        mine = np.array([v is not None for v in raw], dtype=bool)
        vals = np.array([np.nan if v is None else v for v in raw], dtype=float)
        out = np.full(len(raw), np.nan)
        for held, part in self._comm.allgather((mine, vals)):
            out[held] = part[held]
        return out
