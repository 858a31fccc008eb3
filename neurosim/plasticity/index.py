"""Look-up tables of a set of plastic synapses, shared by the rules.
"""

from __future__ import annotations

import numpy as np


def synapse_index(n_total, pre_g, delay, p_rule, post_q, n_q, *, burst=0):
    """The look-up tables of a set of plastic synapses, shared by the built-in rules and the
    rules written as statements (:mod:`neurosim.plasticity.rule`).

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
