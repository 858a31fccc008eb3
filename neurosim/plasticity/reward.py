"""Reward-modulated STDP (:class:`RewardSTDP`), run as its statement definition, and the
hand-written kernels it had before (the reference of the A/B test; to be deleted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from .base import Plasticity, _rule, _validate_common
from .index import synapse_index

# The kernels below run RewardSTDP (the rule kind in the P_KIND column); the other
# weight-changing rules run as statements (neurosim.plasticity.rule).
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

    The engine runs the rule as its statement definition (:meth:`_definition`: ``c`` per
    synapse, the dopamine level a shared trace, ``dw/dt = c * dopamine`` integrated lazily;
    :mod:`neurosim.plasticity.rule`), 64 bytes per synapse. The hand-written kernels below
    give the same results bitwise (``tests/neurosim/test_reward_stdp.py``); they run only
    for a rule without a definition and are to be deleted.

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

    def _definition(self):
        """The rule as statements (:meth:`Plasticity.from_equations`), which is what the
        engine runs: the eligibility ``c`` of each synapse follows the pair rule of the
        traces ``apre`` (per presynaptic neuron and delay) and ``apost`` (per postsynaptic
        neuron), the dopamine level is a shared trace (one per projection, set by
        :meth:`neurosim.Simulator.reward`) and ``dw/dt = c dopamine`` is integrated exactly,
        clipped to ``[w_min, w_max]`` (the class docstring's equations)."""
        bump = "+= 1" if self.pairing == "all" else "= 1"
        return _rule(self,
                     "dc/dt = -c / tau_c : 1\n"
                     "dapre/dt = -apre / tau_plus : 1\n"
                     "dapost/dt = -apost / tau_minus : 1\n"
                     "ddopamine/dt = -dopamine / tau_d : 1 (shared)\n"
                     "dw/dt = c * dopamine : 1",
                     on_pre=f"c -= a_minus * apost; apre {bump}",
                     on_post=f"c += a_plus * apre; apost {bump}",
                     parameters=dict(tau_plus=self.tau_plus, tau_minus=self.tau_minus,
                                     tau_c=self.tau_c, tau_d=self.tau_d, a_plus=self.a_plus,
                                     a_minus=self.a_minus, w_min=self.w_min, w_max=self.w_max),
                     w_bounds=("w_min", "w_max"))

    def _taus(self):
        return (self.tau_plus, self.tau_minus, math.inf, math.inf, self.tau_c, self.tau_d)

    def _params(self):
        return (KIND_REWARD, self.pairing == "nearest", False, self.a_plus, self.a_minus,
                self.w_min, self.w_max, 0.0, 0.0)


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
    other weight rules run as statements, :mod:`neurosim.plasticity.rule`).

    The neurons of step ``k`` that have plastic synapses are written into a short history of
    which neurons fired; (a) presynaptic arrivals of step ``k`` -- spikes of step ``k - d`` on
    synapses of delay ``d``, found through that history -- lower the eligibility with the
    postsynaptic traces of earlier steps, then bump their presynaptic traces; (b) the
    postsynaptic spikes of step ``k`` raise it with the presynaptic traces (including this
    step's arrivals), then bump their postsynaptic traces. Every synapse is brought up to step
    ``k`` (its weight integrated) before its eligibility changes.
    """
    (par, taus, lut, dtv, p_pos, p_rule, p_q, p_delay, grp_tr, p_grp, q_grp, q_pos, c,
     c_last, ppre_ptr, q_ptr, q_syn, o1v, o2v, o_last, rule_post, d_values, has_out, hist,
     hist_n, dopa, dopa_step) = pl
    if p_pos.shape[0] == 0:
        return
    dt = dtv[0]
    n_hist = hist.shape[0]
    # history of the neurons with plastic synapses that fired in step k, first: a synapse of
    # delay 0 sees its spike arrive in the step it is emitted (rows older than the longest
    # delay are the ones overwritten)
    row = k % n_hist
    n_h = 0
    for f in range(n_fired):
        g = fired[f]
        if has_out[g]:
            hist[row, n_h] = g
            n_h += 1
    hist_n[row] = n_h
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
