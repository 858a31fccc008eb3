r"""Synaptic plasticity: STDP (pair and triplet), reward-modulated STDP, short-term plasticity.

A rule is a frozen description passed to :meth:`neurosim.Network.connect` as
``plasticity=...``; the simulator builds it into per-synapse and per-neuron state arrays that
the compiled loop updates in place (step 5 of the per-step order in
:mod:`neurosim.simulator`). :class:`STDP` and :class:`TripletSTDP` are run as their
definitions, rules written as statements (``_definition()``; :mod:`neurosim.plasticity_rule`,
which users write with :meth:`Plasticity.from_equations`); :class:`RewardSTDP` and
:class:`TsodyksMarkram` have the kernels of this module.

Timing convention (all spike-timing rules)
------------------------------------------
A presynaptic spike emitted in step ``k_pre`` through a synapse of delay ``d`` steps counts
for plasticity when it **arrives** at the synapse, in step ``k_pre + d`` (time
``t_pre + delay``); a postsynaptic spike counts at its own step ``k_post`` (no back-propagation
delay). So the pair interval is::

    Δt = t_post - (t_pre + delay)

and an axonal delay makes a pre-before-post pair look *less* causal. This is Brian2's
convention for an ``on_pre`` pathway with a delay. NEST's ``stdp_synapse`` treats the whole
delay as *dendritic* instead: the presynaptic spike counts at ``t_pre`` and the postsynaptic
spike reaches the synapse at ``t_post + delay``, so NEST's interval is
``t_post + delay - t_pre``, larger than ours by twice the delay.

Within one step the plasticity phase first handles the presynaptic arrivals of that step
(depression, using the postsynaptic trace of the spikes of *earlier* steps), then the
postsynaptic spikes of that step (potentiation, using presynaptic traces that *include* this
step's arrivals). Hence at **Δt = 0** a pair potentiates by the full ``a_plus`` and does not
depress: a presynaptic arrival in the very step of a postsynaptic spike counts as causal (as
Brian2 orders an ``on_pre`` before an ``on_post`` pathway in the same step).

The weight a spike *transmits* is the weight when it leaves (it is put into the delay buffer
in step 4, before the plasticity of its own step); a change during its flight acts on later
spikes. NEST instead updates the weight when the spike is delivered and sends the new one.

Traces are kept event-driven: each holds its value at its last event and is decayed exactly,
``x(t) = x(t_last) exp(-(t - t_last)/tau)``, when it is next read. A presynaptic trace belongs
to the synapses of one presynaptic neuron with one delay and one rule (they see the same
arrivals; with heterogeneous delays the arrivals of one spike differ between its synapses),
a postsynaptic trace to a (rule, neuron) pair.

Pairing (Morrison, Diesmann & Gerstner 2008, Biol. Cybern. 98:459):

- ``pairing="all"``: every pre/post pair interacts; a spike adds 1 to its trace.
- ``pairing="nearest"``: symmetric nearest-spike; a spike *sets* its trace to 1, so a
  postsynaptic spike pairs only with the latest presynaptic arrival and vice versa.
- ``pairing="reduced"`` (:class:`STDP` only): reduced symmetric nearest-neighbour (Burkitt,
  Meffin & Grayden 2004, Neural Comput. 16:885; Morrison et al. 2008, Fig. 7C), the rule of
  Masquelier, Guyonneau & Thorpe 2008: a pair counts only if no other spike of either side
  lies between its two spikes. So a presynaptic arrival depresses (with the latest
  postsynaptic spike) only if it is the first arrival since that spike, and a postsynaptic
  spike potentiates (with the latest arrival) only if it is the first postsynaptic spike
  since that arrival. Within a step an arrival counts as before a postsynaptic spike, as
  above. It needs no extra state: the steps of the last arrival and of the last
  postsynaptic spike, which the traces keep anyway, decide.

Cost: STDP and triplet STDP keep 48 bytes per plastic synapse on top of the 16 of a static
one (look-up tables both ways; reduced pairing 24 more for its two flags and the step of the
synapse's last event), RewardSTDP 72 (its eligibility too); presynaptic traces are kept per
presynaptic neuron, delay and rule, postsynaptic ones per (rule, neuron), plus a history of
which neurons fired over the longest plastic delay. Each arrival costs one trace decay per
trace and one per synapse (the postsynaptic trace); each postsynaptic spike one per synapse it
touches (look-up tables).

Short-term plasticity (:class:`TsodyksMarkram`) depends only on the intervals between a
synapse's own spikes, which a delay does not change, so it is evaluated when the spike is
emitted and the scaled weight is put into the delay buffer (step 4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from . import _checks

__all__ = ["Plasticity", "STDP", "TripletSTDP", "RewardSTDP", "TsodyksMarkram",
           "PAIRINGS", "DEPENDENCES"]

PAIRINGS = ("all", "nearest", "reduced")
DEPENDENCES = ("additive", "multiplicative")

# The kernels below run RewardSTDP (the rule kind in the P_KIND column); the other
# weight-changing rules run as statements (neurosim.plasticity_rule).
KIND_REWARD = 2
# Columns of a rule's parameter row (some are the layout's, not used by the reward rule).
P_KIND, P_NEAREST, P_MULT, P_A_PLUS, P_A_MINUS, P_W_MIN, P_W_MAX, P_A3_PLUS, P_A3_MINUS, \
    P_TAU_EFF, P_TRIPLET = range(11)
N_RULE_PARAMS = 11
# Decay tables: one row per time constant.
T_PLUS, T_MINUS, T_X, T_Y, T_C, T_D, T_EFF = range(7)
N_TAUS = 7
#: Length of each decay look-up table (entries ``exp(-n dt / tau)`` for ``n`` steps); longer
#: intervals are computed with ``exp`` directly.
LUT_LENGTH = 1 << 13
_UNUSED_TAU = 1e-300


class Plasticity:
    """Base class of the plasticity rules."""

    #: True for the rules that change weights (STDP family); False for short-term plasticity.
    changes_weights = True

    @staticmethod
    def from_equations(equations="", *, on_pre="", on_post="", parameters=None, initial=None,
                       name="PlasticityRule"):
        """A weight-changing rule written as Brian2 writes ``Synapses(on_pre=, on_post=)``.

        >>> stdp = Plasticity.from_equations(
        ...     '''
        ...     dapre/dt = -apre / tau_pre : 1
        ...     dapost/dt = -apost / tau_post : 1
        ...     ''',
        ...     on_pre="w = clip(w - a_minus * apost, 0, w_max); apre += 1",
        ...     on_post="w = clip(w + a_plus * apre, 0, w_max); apost += 1",
        ...     parameters=dict(tau_pre=20.0, tau_post=20.0, a_plus=0.01, a_minus=0.0105,
        ...                     w_max=1.0))
        >>> stdp.storage["apre"], stdp.storage["apost"]
        ('pre', 'post')

        Parameters
        ----------
        equations : str
            One line per variable of the synapse: ``dx/dt = -x / tau : 1`` for a trace that
            decays exponentially (``tau`` a parameter or a number, ms), ``x : 1`` for a plain
            variable (no dynamics). Units after the colon are documentation here: the
            statements are not dimension-checked.
        on_pre : str
            Statements run when a presynaptic spike arrives at the synapse (after its delay),
            separated by ``;`` or new lines: ``=``, ``+=``, ``-=``, ``*=``, ``/=`` on ``w`` (the
            weight, in the projection's unit) and the variables.
        on_post : str
            Statements run on the synapse's postsynaptic spikes.
        parameters : dict of str -> float
            Shared by every synapse of the projection; each must be used.
        initial : dict of str -> float
            Initial values of plain variables (traces start at 0).
        name : str
            An identifier, for messages and the generated code.

        Returns
        -------
        neurosim.plasticity_rule.PlasticityRule
            Semantics, storage and timing in :mod:`neurosim.plasticity_rule`.
        """
        from .plasticity_rule import PlasticityRule
        return PlasticityRule(equations, on_pre=on_pre, on_post=on_post, parameters=parameters,
                              initial=initial, name=name)

    def _check_bounds(self, owner, w):
        """Raise if initial weights ``w`` (array) lie outside ``[w_min, w_max]``."""
        w = np.asarray(w, dtype=np.float64)
        if w.size == 0:
            return
        name = type(self).__name__
        lo, hi = float(w.min()), float(w.max())
        if lo < self.w_min:
            raise ValueError(f"{owner}: initial weight {lo!r} is below {name}.w_min = "
                             f"{self.w_min!r}; weights must start inside [w_min, w_max]")
        if hi > self.w_max:
            raise ValueError(f"{owner}: initial weight {hi!r} is above {name}.w_max = "
                             f"{self.w_max!r}; weights must start inside [w_min, w_max]")


_DEFINITIONS = {}


def _rule(owner, equations, **kwargs):
    """The :class:`~neurosim.plasticity_rule.PlasticityRule` of a built-in rule (made once
    per distinct rule)."""
    if owner not in _DEFINITIONS:
        from .plasticity_rule import PlasticityRule
        _DEFINITIONS[owner] = PlasticityRule(equations, name=type(owner).__name__, **kwargs)
    return _DEFINITIONS[owner]


def as_statements(rule):
    """The rule written as statements that the engine runs for ``rule``: itself for a
    :class:`~neurosim.plasticity_rule.PlasticityRule`, the definition of :class:`STDP` and
    :class:`TripletSTDP`, None for the rules with kernels of their own (:class:`RewardSTDP`,
    :class:`TsodyksMarkram`)."""
    if rule is None:
        return None
    if hasattr(rule, "kernel"):
        return rule
    definition = getattr(rule, "_definition", None)
    return definition() if definition is not None else None


def _validate_common(obj, *, rates, taus):
    name = type(obj).__name__
    for r in rates:
        value = _checks.finite(name, r, getattr(obj, r))
        if value < 0:
            raise ValueError(f"{name}.{r} must be >= 0 (a magnitude: depression is "
                             f"subtracted, potentiation added), got {value!r}")
        object.__setattr__(obj, r, value)
    for t in taus:
        object.__setattr__(obj, t, _checks.positive(name, t, getattr(obj, t), "ms"))
    object.__setattr__(obj, "w_min", _checks.finite(name, "w_min", obj.w_min))
    object.__setattr__(obj, "w_max", _checks.finite(name, "w_max", obj.w_max))
    if not obj.w_min < obj.w_max:
        raise ValueError(f"{name}.w_min must be < {name}.w_max ({obj.w_max!r}), got "
                         f"{obj.w_min!r}")
    _checks.choice(name, "pairing", obj.pairing, PAIRINGS if isinstance(obj, STDP)
                   else PAIRINGS[:2])


@dataclass(frozen=True)
class STDP(Plasticity):
    r"""Pair-based spike-timing-dependent plasticity with traces (Song, Miller & Abbott 2000;
    Morrison, Diesmann & Gerstner 2008).

    For a pair with ``Δt = t_post - (t_pre + delay)`` (see the module docstring) the weight
    changes by::

        Δw = +a_plus  exp(-Δt / tau_plus)     if Δt >= 0   (potentiation)
        Δw = -a_minus exp(+Δt / tau_minus)    if Δt <  0   (depression)

    computed on line with a presynaptic trace ``x`` (per synapse) and a postsynaptic trace
    ``o`` (per neuron)::

        dx/dt = -x / tau_plus,   do/dt = -o / tau_minus
        on presynaptic arrival:  w <- w - a_minus o f_-(w);  x <- x + 1  (nearest: x <- 1)
        on postsynaptic spike:   w <- w + a_plus  x f_+(w);  o <- o + 1  (nearest: o <- 1)
        then w is clipped to [w_min, w_max]

    ``dependence="additive"``: ``f_+ = f_- = 1`` (hard bounds only), the rule of Song et al.
    ``dependence="multiplicative"``: ``f_+(w) = w_max - w``, ``f_-(w) = w - w_min`` (soft
    bounds; van Rossum, Bi & Turrigiano 2000, Rubin et al. 2001).

    Parameters
    ----------
    a_plus, a_minus : float
        Amplitudes, >= 0: in the projection's weight unit for the additive rule, dimensionless
        fractions for the multiplicative one.
    tau_plus, tau_minus : float
        Trace time constants, ms, > 0.
    w_min, w_max : float
        Hard bounds, weight unit, ``w_min < w_max``; initial weights must lie inside.
    pairing : {"all", "nearest", "reduced"}
        See "Pairing" in :mod:`neurosim.plasticity`.
    dependence : {"additive", "multiplicative"}
    """

    a_plus: float = 0.01
    a_minus: float = 0.0105
    tau_plus: float = 20.0
    tau_minus: float = 20.0
    w_min: float = 0.0
    w_max: float = 1.0
    pairing: str = "all"
    dependence: str = "additive"

    def __post_init__(self):
        _validate_common(self, rates=("a_plus", "a_minus"), taus=("tau_plus", "tau_minus"))
        _checks.choice("STDP", "dependence", self.dependence, DEPENDENCES)

    def window(self, delta_t, w=None):
        """Weight change of one isolated pair, ``Δt = t_post - (t_pre + delay)`` in ms.

        Parameters
        ----------
        delta_t : float or array_like
            ms.
        w : float, optional
            Weight before the pair; needed for ``dependence="multiplicative"``.

        Returns
        -------
        numpy.ndarray
            ``Δw`` in the weight unit (not clipped to the bounds).
        """
        delta_t = np.asarray(delta_t, dtype=np.float64)
        f_plus = f_minus = 1.0
        if self.dependence == "multiplicative":
            if w is None:
                raise ValueError("STDP.window: the multiplicative rule needs the weight w")
            f_plus, f_minus = self.w_max - w, w - self.w_min
        return np.where(delta_t >= 0, self.a_plus * f_plus * np.exp(-delta_t / self.tau_plus),
                        -self.a_minus * f_minus * np.exp(delta_t / self.tau_minus))

    def _definition(self):
        """The rule as statements (:meth:`Plasticity.from_equations`), which is what the
        engine runs: the traces, the window and the pairing of the class docstring. Reduced
        pairing keeps two flags per synapse: an arrival depresses only if a postsynaptic spike
        came since the synapse's last arrival, and vice versa."""
        bump = "+= 1" if self.pairing == "all" else "= 1"
        f_minus = " * (w - w_min)" if self.dependence == "multiplicative" else ""
        f_plus = " * (w_max - w)" if self.dependence == "multiplicative" else ""
        eqs = "dapre/dt = -apre / tau_plus : 1\ndapost/dt = -apost / tau_minus : 1"
        gate_pre = gate_post = ""
        flags_pre = flags_post = ""
        initial = None
        if self.pairing == "reduced":
            eqs += "\npre_fresh : 1\npost_fresh : 1"
            gate_pre, gate_post = " * post_fresh", " * pre_fresh"
            flags_pre, flags_post = "; post_fresh = 0; pre_fresh = 1", \
                "; pre_fresh = 0; post_fresh = 1"
            initial = {"post_fresh": 1.0}
        return _rule(self, eqs,
                     on_pre=f"w = clip(w - a_minus * apost{f_minus}{gate_pre}, w_min, w_max); "
                            f"apre {bump}{flags_pre}",
                     on_post=f"w = clip(w + a_plus * apre{f_plus}{gate_post}, w_min, w_max); "
                             f"apost {bump}{flags_post}",
                     parameters=dict(tau_plus=self.tau_plus, tau_minus=self.tau_minus,
                                     a_plus=self.a_plus, a_minus=self.a_minus,
                                     w_min=self.w_min, w_max=self.w_max),
                     initial=initial)


@dataclass(frozen=True)
class TripletSTDP(Plasticity):
    r"""Triplet STDP, the all-to-all minimal model of Pfister & Gerstner (2006, J. Neurosci.
    26:9673).

    Presynaptic traces ``r1`` (tau_plus), ``r2`` (tau_x) per synapse, postsynaptic traces
    ``o1`` (tau_minus), ``o2`` (tau_y) per neuron, each decaying exponentially::

        on presynaptic arrival:  w <- w - o1 (a2_minus + a3_minus r2);  r1 += 1;  r2 += 1
        on postsynaptic spike:   w <- w + r1 (a2_plus  + a3_plus  o2);  o1 += 1;  o2 += 1
        then w is clipped to [w_min, w_max]

    where ``r2`` and ``o2`` are read just *before* their own increment. With ``a3_plus =
    a3_minus = 0`` this is the additive pair rule of :class:`STDP`. Defaults: the paper's
    all-to-all fit of the full model to visual-cortex data (Sjöström et al. 2001), the values
    NEST's ``stdp_triplet_synapse`` also uses by default; amplitudes are in the projection's
    weight unit (the paper's are relative to a weight of 1).

    Parameters
    ----------
    a2_plus, a3_plus, a2_minus, a3_minus : float
        Amplitudes, >= 0, weight unit.
    tau_plus, tau_minus, tau_x, tau_y : float
        ms, > 0.
    w_min, w_max : float
        Hard bounds, ``w_min < w_max``.
    pairing : {"all", "nearest"}
        ``"nearest"`` sets traces to 1 at a spike (the paper's nearest-spike variant).
    """

    a2_plus: float = 5e-10
    a3_plus: float = 6.2e-3
    a2_minus: float = 7e-3
    a3_minus: float = 2.3e-4
    tau_plus: float = 16.8
    tau_minus: float = 33.7
    tau_x: float = 101.0
    tau_y: float = 125.0
    w_min: float = 0.0
    w_max: float = 1.0
    pairing: str = "all"

    def __post_init__(self):
        _validate_common(self, rates=("a2_plus", "a3_plus", "a2_minus", "a3_minus"),
                         taus=("tau_plus", "tau_minus", "tau_x", "tau_y"))

    def _definition(self):
        """The rule as statements (:meth:`Plasticity.from_equations`), which is what the
        engine runs: the four traces and the update of the class docstring."""
        bump = "+= 1" if self.pairing == "all" else "= 1"
        return _rule(self, """
            dr1/dt = -r1 / tau_plus : 1
            dr2/dt = -r2 / tau_x : 1
            do1/dt = -o1 / tau_minus : 1
            do2/dt = -o2 / tau_y : 1""",
            on_pre=f"w = clip(w - o1 * (a2_minus + a3_minus * r2), w_min, w_max); r1 {bump}; "
                   f"r2 {bump}",
            on_post=f"w = clip(w + r1 * (a2_plus + a3_plus * o2), w_min, w_max); o1 {bump}; "
                    f"o2 {bump}",
            parameters=dict(tau_plus=self.tau_plus, tau_minus=self.tau_minus, tau_x=self.tau_x,
                            tau_y=self.tau_y, a2_plus=self.a2_plus, a3_plus=self.a3_plus,
                            a2_minus=self.a2_minus, a3_minus=self.a3_minus, w_min=self.w_min,
                            w_max=self.w_max))


@dataclass(frozen=True)
class RewardSTDP(Plasticity):
    r"""Reward-modulated STDP with an eligibility trace (Izhikevich 2007, Cereb. Cortex
    17:2443).

    The pair rule of :class:`STDP` (additive) does not change the weight but a per-synapse
    eligibility trace ``c``; a dopamine level ``d`` of the projection turns it into weight::

        dc/dt = -c / tau_c + STDP(Δt) δ(t - t_event)
        dd/dt = -d / tau_d + (reward jumps, set by the script)
        dw/dt = c d,         w clipped to [w_min, w_max]

    Time is in ms, so ``d`` is a rate per ms (Izhikevich's units). Between events ``c`` and
    ``d`` decay exponentially and ``w`` is integrated exactly:
    ``w(t0 + T) = w(t0) + c(t0) d(t0) tau (1 - exp(-T/tau))`` with
    ``1/tau = 1/tau_c + 1/tau_d`` (``c d`` keeps its sign over the interval, so clipping at
    the end is the clipped trajectory). Synapses are brought up to date lazily: at their own
    events, when their presynaptic neuron fires (so the transmitted weight is current), when a
    weight is recorded and when :meth:`neurosim.Simulator.reward` changes ``d``.

    The dopamine level starts at 0 and jumps only through :meth:`neurosim.Simulator.reward`,
    between runs.

    Parameters
    ----------
    a_plus, a_minus : float
        STDP amplitudes for ``c``, >= 0, weight unit (Izhikevich: 1.0 and 1.5).
    tau_plus, tau_minus : float
        ms, > 0 (20 ms).
    tau_c : float
        Eligibility time constant, ms, > 0 (1000 ms).
    tau_d : float
        Dopamine time constant, ms, > 0 (200 ms).
    w_min, w_max : float
        Hard bounds, ``w_min < w_max`` (0 and 4 mV in the paper).
    pairing : {"all", "nearest"}
    """

    a_plus: float = 1.0
    a_minus: float = 1.5
    tau_plus: float = 20.0
    tau_minus: float = 20.0
    tau_c: float = 1000.0
    tau_d: float = 200.0
    w_min: float = 0.0
    w_max: float = 4.0
    pairing: str = "all"

    def __post_init__(self):
        _validate_common(self, rates=("a_plus", "a_minus"),
                         taus=("tau_plus", "tau_minus", "tau_c", "tau_d"))

    def _taus(self):
        return (self.tau_plus, self.tau_minus, math.inf, math.inf, self.tau_c, self.tau_d)

    def _params(self):
        return (KIND_REWARD, self.pairing == "nearest", False, self.a_plus, self.a_minus,
                self.w_min, self.w_max, 0.0, 0.0)


@dataclass(frozen=True)
class TsodyksMarkram(Plasticity):
    r"""Short-term depression and facilitation (Markram, Wang & Tsodyks 1998, PNAS 95:5323;
    Tsodyks, Pawelzik & Markram 1998).

    Per synapse, a utilisation ``u`` and the fraction of available resources ``x``::

        du/dt = -u / tau_fac              (u = 0 before the first spike)
        dx/dt = (1 - x) / tau_rec         (x = 1 before the first spike)
        at a spike:  u <- u + U (1 - u);  the synapse transmits  w u x;  x <- x - u x

    For a regular train of period ``T`` the amplitudes tend to ``w u* x*`` with
    ``E_f = exp(-T/tau_fac)``, ``E_r = exp(-T/tau_rec)``::

        u* = U / (1 - (1 - U) E_f),      x* = (1 - E_r) / (1 - (1 - u*) E_r)

    ``tau_fac = 0`` means no facilitation (``u = U`` at every spike): pure depression.
    The weight itself does not change.

    Parameters
    ----------
    U : float
        Utilisation increment, in (0, 1].
    tau_rec : float
        Recovery time constant, ms, > 0.
    tau_fac : float
        Facilitation time constant, ms, >= 0.
    """

    U: float = 0.5
    tau_rec: float = 800.0
    tau_fac: float = 0.0

    changes_weights = False

    def __post_init__(self):
        u = _checks.finite("TsodyksMarkram", "U", self.U)
        if not 0.0 < u <= 1.0:
            raise ValueError(f"TsodyksMarkram.U must be in (0, 1], got {u!r}")
        object.__setattr__(self, "U", u)
        object.__setattr__(self, "tau_rec", _checks.positive("TsodyksMarkram", "tau_rec",
                                                             self.tau_rec, "ms"))
        object.__setattr__(self, "tau_fac", _checks.non_negative("TsodyksMarkram", "tau_fac",
                                                                 self.tau_fac, "ms"))

    def _check_bounds(self, owner, w):
        return


RULES = (STDP, TripletSTDP, RewardSTDP, TsodyksMarkram)


# --------------------------------------------------------------------------------------------
# Build: per-synapse and per-neuron state for the compiled loop.
# --------------------------------------------------------------------------------------------

def build_stdp_tables(rules, dt, n_total, pre_g, delay, pos, post_q, n_q, q_rule_start, *,
                      burst=0):
    """Arrays of the weight-changing rules, as one tuple for :func:`plasticity_step`.

    Parameters
    ----------
    rules : list of Plasticity
        One per plastic projection (rule index ``r``).
    dt : float
    n_total : int
        Neurons in the network.
    pre_g, delay, pos : arrays over plastic synapses
        Global presynaptic neuron, delay (steps) and position in the main CSR table; already
        sorted by (pre, delay, rule).
    post_q : array over plastic synapses
        Index of the synapse's (rule, postsynaptic neuron) trace slot.
    n_q : int
        Number of trace slots.
    q_rule_start : array (n_rules, 3)
        Per rule: first global postsynaptic neuron, last + 1, first trace slot.
    burst : int
        How many times one neuron can appear in the spike list of one step beyond once
        (repeated times of a spike source).
    """
    n_rules = len(rules)
    par = np.zeros((max(n_rules, 1), N_RULE_PARAMS))
    # An unused trace gets a vanishing time constant: its decay is 0 after any step, so it
    # stays bounded (and is multiplied by a zero amplitude anyway).
    taus = np.full((max(n_rules, 1), N_TAUS), _UNUSED_TAU)
    lut = np.zeros((max(n_rules, 1), N_TAUS, LUT_LENGTH))
    steps = np.arange(LUT_LENGTH, dtype=np.float64)
    for r, rule in enumerate(rules):
        par[r, :9] = rule._params()
        taus[r, :6] = [t if math.isfinite(t) else _UNUSED_TAU for t in rule._taus()]
        if isinstance(rule, RewardSTDP):
            tau_eff = 1.0 / (1.0 / rule.tau_c + 1.0 / rule.tau_d)
            taus[r, T_EFF] = tau_eff
            par[r, P_TAU_EFF] = tau_eff
        with np.errstate(under="ignore"):
            lut[r] = np.exp(-steps[None, :] * dt / taus[r][:, None])
    p_rule = np.zeros(pre_g.size, dtype=np.int64)
    for r in range(n_rules):
        lo = q_rule_start[r, 2]
        hi = q_rule_start[r + 1, 2] if r + 1 < n_rules else n_q
        p_rule[(post_q >= lo) & (post_q < hi)] = r
    ix = synapse_index(n_total, pre_g, delay, p_rule, post_q, n_q, burst=burst)
    n_p = pre_g.size
    return dict(
        par=par, taus=taus, lut=lut, dt=np.array([dt]),
        p_pos=pos.astype(np.int64), p_rule=p_rule, p_q=post_q.astype(np.int64),
        p_delay=delay.astype(np.int64),
        grp_tr=np.zeros((ix["n_grp"], 3)), p_grp=ix["p_grp"], q_grp=ix["q_grp"],
        q_pos=pos.astype(np.int64)[ix["q_syn"]],
        c=np.zeros(n_p), c_last=np.zeros(n_p, dtype=np.int64),
        ppre_ptr=ix["ppre_ptr"], q_ptr=ix["q_ptr"], q_syn=ix["q_syn"],
        o1=np.zeros(n_q), o2=np.zeros(n_q), o_last=np.full(n_q, -1, dtype=np.int64),
        rule_post=np.ascontiguousarray(q_rule_start[:n_rules], dtype=np.int64).reshape(-1, 3),
        d_values=ix["d_values"], has_out=ix["has_out"], hist=ix["hist"], hist_n=ix["hist_n"],
        dopa=np.zeros(max(n_rules, 1)), dopa_step=np.zeros(max(n_rules, 1), dtype=np.int64),
    )


def synapse_index(n_total, pre_g, delay, p_rule, post_q, n_q, *, burst=0):
    """The look-up tables of a set of plastic synapses, shared by the built-in rules and the
    rules written as statements (:mod:`neurosim.plasticity_rule`).

    Parameters
    ----------
    n_total : int
        Neurons in the network.
    pre_g, delay, p_rule : arrays over plastic synapses
        Global presynaptic neuron, delay (steps) and rule index; sorted by (pre, delay, rule).
    post_q : array over plastic synapses
        The synapse's postsynaptic slot, in ``[0, n_q)``.
    burst : int
        How many times one neuron can appear in the spike list of one step beyond once.

    Returns
    -------
    dict
        ``ppre_ptr`` (synapses of each presynaptic neuron), ``q_ptr``/``q_syn`` (the synapses
        of each postsynaptic slot, in a stable order), ``p_grp``/``q_grp``/``n_grp`` (groups
        of consecutive synapses with the same presynaptic neuron, delay and rule: they see the
        same arrivals and share presynaptic traces), ``d_values`` (the distinct delays),
        ``has_out`` and the empty history ``hist``/``hist_n`` of which neurons fired.
    """
    n_p = pre_g.size
    ppre_ptr = np.zeros(n_total + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre_g, minlength=n_total), out=ppre_ptr[1:])
    order = np.argsort(post_q, kind="stable")
    q_ptr = np.zeros(n_q + 1, dtype=np.int64)
    np.cumsum(np.bincount(post_q, minlength=n_q), out=q_ptr[1:])
    has_out = np.diff(ppre_ptr) > 0
    d_values = np.unique(delay).astype(np.int64)
    n_hist = int(d_values.max()) + 1 if d_values.size else 1
    new_group = np.ones(n_p, dtype=bool)
    if n_p:
        new_group[1:] = ((pre_g[1:] != pre_g[:-1]) | (delay[1:] != delay[:-1])
                         | (p_rule[1:] != p_rule[:-1]))
    p_grp = (np.cumsum(new_group) - 1).astype(np.int32)
    return dict(ppre_ptr=ppre_ptr, q_ptr=q_ptr, q_syn=order.astype(np.int64), p_grp=p_grp,
                q_grp=p_grp[order], n_grp=int(new_group.sum()), d_values=d_values,
                has_out=has_out,
                hist=np.zeros((n_hist, int(has_out.sum()) + int(burst) + 1), dtype=np.int64),
                hist_n=np.zeros(n_hist, dtype=np.int64))


#: Order of the arrays in the tuple the compiled loop receives.
#: ``grp_tr[p_grp[p]]`` holds the presynaptic traces of synapse ``p`` and the step of its last
#: arrival, ``(x1, x2, step)``: one row per group of synapses with the same presynaptic neuron,
#: delay and rule (they see the same arrivals), small enough to stay in cache when a
#: postsynaptic spike visits its synapses (``q_grp[m]`` for the ``m``-th synapse in
#: postsynaptic order); ``q_pos[m]`` is that synapse's table position.
STDP_FIELDS = ("par", "taus", "lut", "dt", "p_pos", "p_rule", "p_q", "p_delay", "grp_tr",
               "p_grp", "q_grp", "q_pos", "c", "c_last", "ppre_ptr", "q_ptr", "q_syn", "o1",
               "o2", "o_last",
               "rule_post", "d_values", "has_out", "hist", "hist_n", "dopa", "dopa_step")


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _decay(lut, taus, dt, r, which, n):
    """``exp(-n dt / tau)`` for ``n >= 0`` steps, from the table when it is long enough."""
    if n < lut.shape[2]:
        return lut[r, which, n]
    return math.exp(-n * dt / taus[r, which])


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _reward_catch_up(p, k, weight, pl):
    """Bring the reward synapse ``p`` to step ``k``: integrate ``dw/dt = c d`` exactly over
    the steps since its last update and decay ``c`` (equations in :class:`RewardSTDP`)."""
    (par, taus, lut, dtv, p_pos, p_rule, p_q, p_delay, grp_tr, p_grp, q_grp, q_pos, c,
     c_last, ppre_ptr, q_ptr, q_syn, o1v, o2v, o_last, rule_post, d_values, has_out, hist,
     hist_n, dopa, dopa_step) = pl
    n = k - c_last[p]
    if n <= 0:
        return
    r = p_rule[p]
    dt = dtv[0]
    d_then = dopa[r] * _decay(lut, taus, dt, r, T_D, c_last[p] - dopa_step[r])
    s = p_pos[p]
    w = weight[s] + c[p] * d_then * par[r, P_TAU_EFF] * (1.0 - _decay(lut, taus, dt, r, T_EFF, n))
    weight[s] = min(max(w, par[r, P_W_MIN]), par[r, P_W_MAX])
    c[p] *= _decay(lut, taus, dt, r, T_C, n)
    c_last[p] = k


@numba.njit(cache=True, nogil=True, error_model="numpy")
def reward_catch_up_fired(k, fired, n_fired, weight, pl):
    """Before the spikes of step ``k`` are pushed, bring the reward synapses of the neurons
    that fired up to step ``k`` so that they transmit their current weight."""
    (par, taus, lut, dtv, p_pos, p_rule, p_q, p_delay, grp_tr, p_grp, q_grp, q_pos, c,
     c_last, ppre_ptr, q_ptr, q_syn, o1v, o2v, o_last, rule_post, d_values, has_out, hist,
     hist_n, dopa, dopa_step) = pl
    if p_rule.shape[0] == 0:
        return
    any_reward = False
    for r in range(par.shape[0]):
        any_reward = any_reward or par[r, P_KIND] == KIND_REWARD
    if not any_reward:
        return
    for f in range(n_fired):
        g = fired[f]
        for p in range(ppre_ptr[g], ppre_ptr[g + 1]):
            if par[p_rule[p], P_KIND] == KIND_REWARD:
                _reward_catch_up(p, k, weight, pl)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def plasticity_step(k, fired, n_fired, weight, pl):
    """Step 5 of the per-step order for the reward-modulated rules (:class:`RewardSTDP`; the
    other weight rules run as statements, :mod:`neurosim.plasticity_rule`).

    (a) presynaptic arrivals of step ``k`` -- spikes of step ``k - d`` on synapses of delay
    ``d``, found through a short history of which neurons fired -- lower the eligibility with
    the postsynaptic traces of earlier steps, then bump their presynaptic traces; (b) the
    postsynaptic spikes of step ``k`` raise it with the presynaptic traces (including this
    step's arrivals), then bump their postsynaptic traces; (c) the neurons of step ``k`` that
    have plastic synapses are written into the history. Every synapse is brought up to step
    ``k`` (its weight integrated) before its eligibility changes.
    """
    (par, taus, lut, dtv, p_pos, p_rule, p_q, p_delay, grp_tr, p_grp, q_grp, q_pos, c,
     c_last, ppre_ptr, q_ptr, q_syn, o1v, o2v, o_last, rule_post, d_values, has_out, hist,
     hist_n, dopa, dopa_step) = pl
    if p_pos.shape[0] == 0:
        return
    dt = dtv[0]
    n_hist = hist.shape[0]
    # (a) presynaptic arrivals. Elements are indexed directly (grp_tr[gi, 0], not a row view:
    # a view per synapse costs a reference count), and the rule's constants are reloaded only
    # when the rule changes from one synapse to the next.
    n_lut = lut.shape[2]
    r_prev = -1
    nearest = False
    a_minus = tau_m = tau_p = 0.0
    for i in range(d_values.shape[0]):
        d = d_values[i]
        if k - d < 0:
            continue
        row = (k - d) % n_hist
        for h in range(hist_n[row]):
            g = hist[row, h]
            # synapses of g are sorted by delay: binary search for the first with delay d
            lo = ppre_ptr[g]
            end = ppre_ptr[g + 1]
            hi = end
            while lo < hi:
                mid = (lo + hi) // 2
                if p_delay[mid] < d:
                    lo = mid + 1
                else:
                    hi = mid
            p = lo
            while p < end and p_delay[p] == d:
                # one group: same presynaptic neuron, delay and rule
                gi = p_grp[p]
                r = p_rule[p]
                if r != r_prev:
                    r_prev = r
                    nearest = par[r, P_NEAREST] != 0.0
                    a_minus = par[r, P_A_MINUS]
                    tau_m = taus[r, T_MINUS]
                    tau_p = taus[r, T_PLUS]
                n_x = k - np.int64(grp_tr[gi, 2])
                x1 = grp_tr[gi, 0] * (lut[r, T_PLUS, n_x] if n_x < n_lut
                                      else math.exp(-n_x * dt / tau_p))
                while p < end and p_grp[p] == gi:
                    q = p_q[p]
                    n_o = k - o_last[q]
                    o1 = o1v[q] * (lut[r, T_MINUS, n_o] if n_o < n_lut
                                   else math.exp(-n_o * dt / tau_m))
                    _reward_catch_up(p, k, weight, pl)
                    c[p] -= a_minus * o1
                    p += 1
                grp_tr[gi, 0] = 1.0 if nearest else x1 + 1.0
                grp_tr[gi, 2] = k
    # (b) postsynaptic spikes
    for f in range(n_fired):
        g = fired[f]
        for r in range(rule_post.shape[0]):
            if g < rule_post[r, 0] or g >= rule_post[r, 1]:
                continue
            q = rule_post[r, 2] + g - rule_post[r, 0]
            o1 = o1v[q] * _decay(lut, taus, dt, r, T_MINUS, k - o_last[q])
            a_plus = par[r, P_A_PLUS]
            tau_p = taus[r, T_PLUS]
            lut_p = lut[r, T_PLUS]
            for m in range(q_ptr[q], q_ptr[q + 1]):
                gi = q_grp[m]
                n_x = k - np.int64(grp_tr[gi, 2])
                x1 = grp_tr[gi, 0] * (lut_p[n_x] if n_x < n_lut
                                      else math.exp(-n_x * dt / tau_p))
                p = q_syn[m]
                _reward_catch_up(p, k, weight, pl)
                c[p] += a_plus * x1
            o1v[q] = 1.0 if par[r, P_NEAREST] != 0.0 else o1 + 1.0
            o_last[q] = k
    # (c) history of the neurons with plastic synapses that fired in step k
    row = k % n_hist
    n_h = 0
    for f in range(n_fired):
        g = fired[f]
        if has_out[g]:
            hist[row, n_h] = g
            n_h += 1
    hist_n[row] = n_h


@numba.njit(cache=True, nogil=True, error_model="numpy")
def weight_now(k, s, p, weight, pl):
    """The weight of synapse ``s`` of the main table at step ``k``, without changing any
    state: as stored, or brought up to step ``k`` if it is the reward synapse ``p >= 0``."""
    (par, taus, lut, dtv, p_pos, p_rule, p_q, p_delay, grp_tr, p_grp, q_grp, q_pos, c,
     c_last, ppre_ptr, q_ptr, q_syn, o1v, o2v, o_last, rule_post, d_values, has_out, hist,
     hist_n, dopa, dopa_step) = pl
    w = weight[s]
    if p >= 0 and par[p_rule[p], P_KIND] == KIND_REWARD and k > c_last[p]:
        r = p_rule[p]
        dt = dtv[0]
        d_then = dopa[r] * _decay(lut, taus, dt, r, T_D, c_last[p] - dopa_step[r])
        w += c[p] * d_then * par[r, P_TAU_EFF] * (
            1.0 - _decay(lut, taus, dt, r, T_EFF, k - c_last[p]))
        w = min(max(w, par[r, P_W_MIN]), par[r, P_W_MAX])
    return w


@numba.njit(cache=True, nogil=True, error_model="numpy")
def weights_now(k, weight, pl, out_pos, out_p, out):
    """:func:`weight_now` for many synapses: ``out[i]`` for ``(out_pos[i], out_p[i])``."""
    for i in range(out_pos.shape[0]):
        out[i] = weight_now(k, out_pos[i], out_p[i], weight, pl)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def reward_catch_up_rule(k, r, weight, pl):
    """Bring every synapse of reward rule ``r`` up to step ``k`` (before its dopamine
    level jumps)."""
    (par, taus, lut, dtv, p_pos, p_rule, p_q, p_delay, grp_tr, p_grp, q_grp, q_pos, c,
     c_last, ppre_ptr, q_ptr, q_syn, o1v, o2v, o_last, rule_post, d_values, has_out, hist,
     hist_n, dopa, dopa_step) = pl
    for p in range(p_rule.shape[0]):
        if p_rule[p] == r:
            _reward_catch_up(p, k, weight, pl)


# --------------------------------------------------------------------------------------------
# Short-term plasticity, applied when spikes are pushed into the delay buffer.
# --------------------------------------------------------------------------------------------

@numba.njit(cache=True, nogil=True, error_model="numpy")
def push_spikes_stp(step, fired, n_fired, indptr, target, weight, delay, stp_par, u, x, last,
                    dt, ring):
    """Push the spikes of step ``step`` through the Tsodyks-Markram synapses (equations in
    :class:`TsodyksMarkram`), adding ``w u x`` to the ring row of their arrival step.

    ``stp_par[s] = (U, tau_rec, tau_fac)``; ``u``, ``x`` and ``last`` (step of the previous
    spike) are the synapse's state, advanced in place."""
    n_rows = ring.shape[0]
    for f in range(n_fired):
        g = fired[f]
        for s in range(indptr[g], indptr[g + 1]):
            h = (step - last[s]) * dt
            big_u = stp_par[s, 0]
            tau_fac = stp_par[s, 2]
            uu = u[s] * math.exp(-h / tau_fac) if tau_fac > 0.0 else 0.0
            xx = 1.0 + (x[s] - 1.0) * math.exp(-h / stp_par[s, 1])
            uu += big_u * (1.0 - uu)
            released = uu * xx
            ring[(step + delay[s]) % n_rows, target[s]] += weight[s] * released
            u[s] = uu
            x[s] = xx - released
            last[s] = step
