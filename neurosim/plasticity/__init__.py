r"""Synaptic plasticity: STDP (pair and triplet), reward-modulated STDP, short-term plasticity.

A rule is a frozen description passed to :meth:`neurosim.Network.connect` as
``plasticity=...``; the simulator builds it into per-synapse and per-neuron state arrays that
the compiled loop updates in place (step 5 of the per-step order in
:mod:`neurosim.simulator`). :class:`STDP` and :class:`TripletSTDP` are run as their
definitions, rules written as statements (``_definition()``; :mod:`neurosim.plasticity.rule`,
which users write with :meth:`Plasticity.from_equations`); so are :class:`RewardSTDP` (a
shared dopamine trace and ``dw/dt = c * dopamine``) and :class:`TsodyksMarkram`.

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
synapse's last event), RewardSTDP 64 (its eligibility and the step of its last update);
presynaptic traces are kept per presynaptic neuron, delay and rule, postsynaptic ones per
(rule, neuron), plus a history of which neurons fired over the longest plastic delay. Each
arrival costs one trace decay per trace and one per synapse (the postsynaptic trace); each
postsynaptic spike one per synapse it touches (look-up tables).

Short-term plasticity (:class:`TsodyksMarkram`) depends only on the intervals between a
synapse's own spikes, which a delay does not change, so it is evaluated when the spike is
emitted and the scaled weight is put into the delay buffer (step 4).
"""

from .base import DEPENDENCES, PAIRINGS, Plasticity, as_statements
from .index import synapse_index
from .reward import RewardSTDP
from .rule import LUT_LENGTH, PlasticityRule
from .stdp import STDP
from .triplet import TripletSTDP
from .tsodyks_markram import TsodyksMarkram

__all__ = ["Plasticity", "PlasticityRule", "STDP", "TripletSTDP", "RewardSTDP",
           "TsodyksMarkram", "PAIRINGS", "DEPENDENCES", "RULES", "as_statements",
           "synapse_index", "LUT_LENGTH"]

#: The named built-in rules.
RULES = (STDP, TripletSTDP, RewardSTDP, TsodyksMarkram)
