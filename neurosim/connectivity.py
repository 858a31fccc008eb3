"""Connection rules: which presynaptic neuron reaches which postsynaptic neuron.

A rule is a frozen description; the simulator turns it into index pairs with its own seeded
generator and then into one CSR table by presynaptic neuron (see :func:`to_csr`).
``allow_autapses`` only matters when a population projects onto itself. ``allow_multapses``
(the degree rules and :class:`FixedTotalNumber`) lets one (pre, post) pair carry several
synapses, each with its own weight and delay; NEST and Brian2 receive them as separate
connections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np

from . import _checks

__all__ = ["Connector", "AllToAll", "OneToOne", "FixedProbability", "FixedInDegree",
           "FixedOutDegree", "FixedTotalNumber", "FromList", "FromMatrix", "to_csr", "csr_positions",
           "BYTES_PER_SYNAPSE"]

#: Memory of one synapse in the engine: int32 target, float64 weight, int32 delay.
BYTES_PER_SYNAPSE = 16
#: Transient memory per synapse while a table is built (index pairs and draws of each
#: projection, table positions): the peak measured with tracemalloc while building CUBA with
#: fixed in-degree 80 at 64000 neurons was 46 B per synapse, plus the 8 B positions that
#: numba allocates while FixedInDegree sorts its pairs (invisible to tracemalloc): 38 B above
#: what is kept, rounded up.
_BUILD_BYTES_PER_SYNAPSE = 48


class Connector:
    """Base class of the connection rules."""

    allow_autapses = True
    #: Weights or delays the rule itself supplies (FromList, FromMatrix), else None.
    weights = None
    delays = None

    def expected_count(self, n_pre, n_post):
        """Expected number of synapses, for the memory estimate made before building."""
        raise NotImplementedError

    def pairs(self, n_pre, n_post, rng, *, same):
        """Index pairs ``(pre_idx, post_idx)`` as int64 arrays.

        ``same`` says whether pre and post are the same population (autapses possible).
        Every rule but :class:`FromList` (which keeps the user's order) returns the pairs
        sorted by presynaptic neuron; the engine then needs no per-synapse index to find a
        static projection's synapses in its table.
        """
        raise NotImplementedError

    def _drop_autapses(self, pre, post, same):
        if same and not self.allow_autapses:
            keep = pre != post
            return pre[keep], post[keep]
        return pre, post


@dataclass(frozen=True)
class AllToAll(Connector):
    """Every presynaptic neuron to every postsynaptic neuron."""

    allow_autapses: bool = True

    def expected_count(self, n_pre, n_post):
        return n_pre * n_post

    def pairs(self, n_pre, n_post, rng, *, same):
        pre = np.repeat(np.arange(n_pre, dtype=np.int64), n_post)
        post = np.tile(np.arange(n_post, dtype=np.int64), n_pre)
        return self._drop_autapses(pre, post, same)


@dataclass(frozen=True)
class OneToOne(Connector):
    """Neuron ``i`` to neuron ``i``; both populations must have the same size."""

    def expected_count(self, n_pre, n_post):
        return n_pre

    def pairs(self, n_pre, n_post, rng, *, same):
        if n_pre != n_post:
            raise ValueError(f"OneToOne needs populations of equal size, got {n_pre} and {n_post}")
        idx = np.arange(n_pre, dtype=np.int64)
        return idx, idx.copy()


@dataclass(frozen=True)
class FixedProbability(Connector):
    """Each (pre, post) pair is connected independently with probability ``p``.

    Parameters
    ----------
    p : float
        Connection probability, in [0, 1].
    allow_autapses : bool
    """

    p: float
    allow_autapses: bool = True

    def __post_init__(self):
        object.__setattr__(self, "p", _checks.probability("FixedProbability", "p", self.p))

    def expected_count(self, n_pre, n_post):
        return int(self.p * n_pre * n_post)

    def pairs(self, n_pre, n_post, rng, *, same):
        n_pairs = n_pre * n_post
        if self.p == 0.0 or n_pairs == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy()
        if self.p == 1.0:
            flat = np.arange(n_pairs, dtype=np.int64)
        else:
            # Gaps between successive connected pairs (in row-major pair order) are geometric,
            # which is exactly independent Bernoulli(p) per pair and costs O(synapses), not
            # O(pairs).
            chunks = []
            last = -1
            mean = self.p * n_pairs
            while True:
                size = int(mean + 5 * np.sqrt(mean + 1) + 16)
                gaps = rng.geometric(self.p, size)
                flat = last + np.cumsum(gaps)
                if flat[-1] >= n_pairs:
                    chunks.append(flat[flat < n_pairs])
                    break
                chunks.append(flat)
                last = int(flat[-1])
                mean = self.p * (n_pairs - last)
            flat = np.concatenate(chunks)
        pre, post = np.divmod(flat, n_post)
        return self._drop_autapses(pre, post, same)


def _partner_draws(rng, n_rows, n_choices, k, exclude_self, owner, multapses):
    """For each row, ``k`` integers in ``[0, n_choices)`` (never the row's own index if
    ``exclude_self``): independent and uniform with ``multapses`` (repeats allowed), else
    distinct and uniform over the k-subsets.

    Distinct, sparse case (``k`` small against the choices): draw every row with replacement
    at once and redraw the rows that contain a repeat -- rejection sampling, so the accepted
    rows are exactly uniform. Distinct, dense case: one ``choice(..., replace=False)`` per row.
    """
    available = n_choices - (1 if exclude_self else 0)
    if multapses:
        if k > 0 and n_rows > 0 and available < 1:
            raise ValueError(f"{owner} asks for {k} partners but none is available")
    elif k > available:
        raise ValueError(f"{owner} asks for {k} distinct partners but only {available} are "
                         f"available (allow_multapses=True draws with replacement)")
    out = np.empty((n_rows, k), dtype=np.int64)
    if k == 0 or n_rows == 0:
        return out
    if multapses:
        out = rng.integers(0, available, size=(n_rows, k))
    elif k * k <= available:       # a row holds a repeat with probability below about 1/2
        todo = np.arange(n_rows)
        while todo.size:
            picks = rng.integers(0, available, size=(todo.size, k))
            ordered = np.sort(picks, axis=1)
            ok = ~np.any(ordered[:, 1:] == ordered[:, :-1], axis=1)
            out[todo[ok]] = picks[ok]
            todo = todo[~ok]
    else:
        for row in range(n_rows):
            out[row] = rng.choice(available, size=k, replace=False)
    if exclude_self:
        out += out >= np.arange(n_rows)[:, None]
    return out


def _distinct_integers(rng, high, n):
    """``n`` distinct integers in ``[0, high)``, sorted, uniform over the n-subsets.

    Draws the missing number with replacement and keeps the distinct values until there are
    ``n``: the procedure treats every value alike, so every n-subset is equally likely. When
    ``n`` is more than half of ``high``, the complement is drawn instead (so a round always
    loses fewer than half of its draws to repeats)."""
    if 2 * n > high:
        keep = np.ones(high, dtype=bool)
        keep[_distinct_integers(rng, high, high - n)] = False
        return np.flatnonzero(keep).astype(np.int64)
    got = np.zeros(0, dtype=np.int64)
    while got.size < n:
        # Sort and drop repeats by hand: numpy's union1d / unique took 40x as long as the sort.
        cat = np.sort(np.concatenate((got, rng.integers(0, high, n - got.size))))
        keep = np.ones(cat.size, dtype=bool)
        keep[1:] = cat[1:] != cat[:-1]
        got = cat[keep]
    return got


@dataclass(frozen=True)
class FixedInDegree(Connector):
    """Each postsynaptic neuron receives exactly ``k`` synapses, from distinct presynaptic
    neurons unless ``allow_multapses``. The synapses are ordered by presynaptic, then
    postsynaptic neuron.

    Parameters
    ----------
    k : int
        In-degree, >= 0.
    allow_autapses : bool
    allow_multapses : bool
        If True, each of the ``k`` presynaptic neurons is drawn uniformly with replacement
        (NEST's ``fixed_indegree`` with ``allow_multapses=True``, its default), so a pair may
        carry several synapses; if False (the default here), ``k`` distinct ones.
    """

    k: int
    allow_autapses: bool = True
    allow_multapses: bool = False

    def __post_init__(self):
        object.__setattr__(self, "k", _checks.count("FixedInDegree", "k", self.k))
        for name in ("allow_autapses", "allow_multapses"):
            object.__setattr__(self, name, _checks.flag("FixedInDegree", name,
                                                        getattr(self, name)))

    def expected_count(self, n_pre, n_post):
        return self.k * n_post

    def pairs(self, n_pre, n_post, rng, *, same):
        exclude = same and not self.allow_autapses
        pre = _partner_draws(rng, n_post, n_pre, self.k, exclude, "FixedInDegree",
                             self.allow_multapses).ravel()
        post = np.repeat(np.arange(n_post, dtype=np.int64), self.k)
        # Drawn column by column; handed out sorted by presynaptic neuron (then postsynaptic),
        # the order of every other rule, which lets the engine keep no per-synapse index.
        pos = csr_positions(pre, n_pre)[1]
        out_pre = np.empty_like(pre)
        out_post = np.empty_like(post)
        out_pre[pos] = pre
        out_post[pos] = post
        return out_pre, out_post


@dataclass(frozen=True)
class FixedOutDegree(Connector):
    """Each presynaptic neuron sends exactly ``k`` synapses, to distinct postsynaptic neurons
    unless ``allow_multapses``.

    Parameters
    ----------
    k : int
        Out-degree, >= 0.
    allow_autapses : bool
    allow_multapses : bool
        If True, each of the ``k`` targets is drawn uniformly with replacement (NEST's
        ``fixed_outdegree`` default); if False (the default here), ``k`` distinct ones.
    """

    k: int
    allow_autapses: bool = True
    allow_multapses: bool = False

    def __post_init__(self):
        object.__setattr__(self, "k", _checks.count("FixedOutDegree", "k", self.k))
        for name in ("allow_autapses", "allow_multapses"):
            object.__setattr__(self, name, _checks.flag("FixedOutDegree", name,
                                                        getattr(self, name)))

    def expected_count(self, n_pre, n_post):
        return self.k * n_pre

    def pairs(self, n_pre, n_post, rng, *, same):
        exclude = same and not self.allow_autapses
        post = _partner_draws(rng, n_pre, n_post, self.k, exclude, "FixedOutDegree",
                              self.allow_multapses)
        pre = np.repeat(np.arange(n_pre, dtype=np.int64), self.k)
        return pre, post.ravel()


@dataclass(frozen=True)
class FixedTotalNumber(Connector):
    """Exactly ``n`` synapses in the projection, each between a pair drawn uniformly.

    With ``allow_multapses=True`` (the default, as NEST's ``fixed_total_number``) the ``n``
    pairs are drawn independently with replacement: a pair may carry several synapses, the
    number of synapses onto each postsynaptic neuron is multinomial (``n`` trials, equal
    probabilities) and each synapse's presynaptic neuron is uniform. With
    ``allow_multapses=False`` the ``n`` pairs are distinct, uniform over the sets of ``n`` pairs
    (PyNN's ``FixedTotalNumber(n, with_replacement=False)``, its default; NEST refuses this
    combination). Without autapses the pairs ``(i, i)`` of a population onto itself are never
    drawn. The synapses are ordered by presynaptic, then postsynaptic neuron.

    Parameters
    ----------
    n : int
        Number of synapses, >= 0.
    allow_autapses : bool
    allow_multapses : bool
    """

    n: int
    allow_autapses: bool = True
    allow_multapses: bool = True

    def __post_init__(self):
        object.__setattr__(self, "n", _checks.count("FixedTotalNumber", "n", self.n))
        for name in ("allow_autapses", "allow_multapses"):
            object.__setattr__(self, name, _checks.flag("FixedTotalNumber", name,
                                                        getattr(self, name)))

    def expected_count(self, n_pre, n_post):
        return self.n

    def pairs(self, n_pre, n_post, rng, *, same):
        exclude = same and not self.allow_autapses
        # Allowed pairs, numbered row-major; without autapses row i skips column i, so a row
        # has n_post - 1 entries.
        per_row = n_post - 1 if exclude else n_post
        n_allowed = n_pre * per_row
        what = "pairs (pre, post)" + (" without autapses" if exclude else "")
        if self.allow_multapses:
            if self.n > 0 and n_allowed == 0:
                raise ValueError(f"FixedTotalNumber.n must be 0 when there are no {what}, got "
                                 f"{self.n}")
            flat = np.sort(rng.integers(0, max(n_allowed, 1), self.n))
        else:
            if self.n > n_allowed:
                raise ValueError(f"FixedTotalNumber.n must be <= {n_allowed}, the number of "
                                 f"distinct {what} ({n_pre} x {n_post}), with "
                                 f"allow_multapses=False; got {self.n}")
            flat = _distinct_integers(rng, n_allowed, self.n)
        if self.n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy()
        pre, post = np.divmod(flat, per_row)
        if exclude:
            post += post >= pre
        return pre, post


@dataclass(frozen=True, eq=False)
class FromList(Connector):
    """Explicit ``(pre, post)`` pairs, optionally with their own weights and delays.

    Parameters
    ----------
    pairs : array_like, shape (n, 2)
        Presynaptic and postsynaptic indices within their populations.
    weights, delays : array_like, shape (n,), optional
        If given, :meth:`neurosim.Network.connect` must not get ``weight`` / ``delay``.
    """

    pairs_: object = field(default=None)
    weights: object = None
    delays: object = None

    def __init__(self, pairs, *, weights=None, delays=None):
        arr = np.asarray(pairs)
        if arr.size == 0:
            arr = np.zeros((0, 2), dtype=np.int64)
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError(f"FromList.pairs must have shape (n, 2), got {arr.shape}")
        if not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"FromList.pairs must be integer indices, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
        n = arr.shape[0]
        object.__setattr__(self, "pairs_", arr)
        if weights is not None:
            weights = _checks.finite_array("FromList", "weights", weights, shape=(n,))
        if delays is not None:
            delays = _checks.finite_array("FromList", "delays", delays, "ms", shape=(n,))
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "delays", delays)

    def expected_count(self, n_pre, n_post):
        return self.pairs_.shape[0]

    def pairs(self, n_pre, n_post, rng, *, same):
        pre, post = self.pairs_[:, 0].copy(), self.pairs_[:, 1].copy()
        for name, idx, n in (("pre", pre, n_pre), ("post", post, n_post)):
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                bad = idx[(idx < 0) | (idx >= n)][0]
                raise ValueError(f"FromList {name} index {bad} is outside [0, {n})")
        return pre, post


@dataclass(frozen=True, eq=False)
class FromMatrix(Connector):
    """A dense weight matrix of shape ``(n_pre, n_post)``; every nonzero entry is a synapse
    with that weight (so :meth:`neurosim.Network.connect` must not get ``weight``).

    Parameters
    ----------
    matrix : array_like, shape (n_pre, n_post)
    """

    matrix: object = None

    def __post_init__(self):
        m = _checks.finite_array("FromMatrix", "matrix", self.matrix)
        if m.ndim != 2:
            raise ValueError(f"FromMatrix.matrix must be 2-D, got shape {m.shape}")
        object.__setattr__(self, "matrix", m)
        pre, post = np.nonzero(m)
        object.__setattr__(self, "weights", m[pre, post])

    def expected_count(self, n_pre, n_post):
        return int(np.count_nonzero(self.matrix))

    def pairs(self, n_pre, n_post, rng, *, same):
        if self.matrix.shape != (n_pre, n_post):
            raise ValueError(f"FromMatrix.matrix must have shape ({n_pre}, {n_post}), got "
                             f"{self.matrix.shape}")
        pre, post = np.nonzero(self.matrix)
        return pre.astype(np.int64), post.astype(np.int64)


def to_csr(pre, target, weight, delay_steps, n_rows, *, positions=False):
    """Merge synapses into one CSR table by presynaptic (row) index.

    A counting sort (:func:`csr_positions`): linear in the number of synapses, where a
    comparison sort of 20M rows took seconds; the order within a row is the input order.

    Parameters
    ----------
    pre : int64 array
        Row (global presynaptic neuron) of each synapse.
    target : int array
        Column (receptor slot) of each synapse.
    weight : float64 array
    delay_steps : int array
    n_rows : int

    Returns
    -------
    indptr : int64 array, shape (n_rows + 1,)
    target : int32 array
    weight : float64 array
    delay_steps : int32 array
        Synapses of row ``r`` are ``indptr[r]:indptr[r + 1]``, in their original order.
    pos : int64 array
        Only with ``positions=True``: the table position of each input synapse
        (:func:`csr_positions`).
    """
    indptr, pos = csr_positions(pre, n_rows)
    out_target = np.empty(pos.size, dtype=np.int32)
    out_weight = np.empty(pos.size, dtype=np.float64)
    out_delay = np.empty(pos.size, dtype=np.int32)
    _place(pos, np.ascontiguousarray(target, dtype=np.int64),
           np.ascontiguousarray(weight, dtype=np.float64),
           np.ascontiguousarray(delay_steps, dtype=np.int32), out_target, out_weight, out_delay)
    if positions:
        return indptr, out_target, out_weight, out_delay, pos
    return indptr, out_target, out_weight, out_delay


def to_csr_parts(parts, n_rows, *, positions=None, row_counts=None):
    """:func:`to_csr` of the concatenation of ``parts``, without concatenating them.

    Parameters
    ----------
    parts : list of (pre, target, weight, delay_steps) tuples of arrays
        One per projection, in order; ``pre`` are global row indices.
    n_rows : int
    positions : list of bool, optional
        Per part, whether to return the table position of each of its synapses.
    row_counts : int array, optional
        Synapses per row over all parts, when the caller has counted them already.

    Returns
    -------
    indptr, target, weight, delay_steps
        As :func:`to_csr` of the concatenated parts (within a row, part order, then input
        order).
    pos : list
        Per part, an int64 array of table positions where asked for, else ``None``.
    """
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    if row_counts is None:
        row_counts = np.zeros(n_rows, dtype=np.int64)
        for pre, *_ in parts:
            row_counts += np.bincount(pre, minlength=n_rows)
    np.cumsum(row_counts, out=indptr[1:])
    n = int(indptr[-1])
    out_target = np.empty(n, dtype=np.int32)
    out_weight = np.empty(n, dtype=np.float64)
    out_delay = np.empty(n, dtype=np.int32)
    nxt = indptr[:-1].copy()
    out_pos = []
    for i, (pre, target, weight, delay) in enumerate(parts):
        want = bool(positions[i]) if positions is not None else False
        pos = np.empty(len(pre) if want else 0, dtype=np.int64)
        _place_part(np.ascontiguousarray(pre, dtype=np.int64),
                    np.ascontiguousarray(target, dtype=np.int64),
                    np.ascontiguousarray(weight, dtype=np.float64),
                    np.ascontiguousarray(delay, dtype=np.int32), nxt, out_target, out_weight,
                    out_delay, pos, want)
        out_pos.append(pos if want else None)
    return indptr, out_target, out_weight, out_delay, out_pos


@numba.njit(cache=True, nogil=True)
def _place_part(pre, target, weight, delay, nxt, out_target, out_weight, out_delay, pos, want):
    # Each synapse takes the next free position of its row (a counting sort, part by part).
    for i in range(pre.shape[0]):
        r = pre[i]
        q = nxt[r]
        nxt[r] = q + 1
        out_target[q] = target[i]
        out_weight[q] = weight[i]
        out_delay[q] = delay[i]
        if want:
            pos[i] = q


def csr_positions(pre, n_rows):
    """Row pointers of the CSR table by ``pre``, and the table position of each synapse.

    ``pos[i]`` is where synapse ``i`` lands in :func:`to_csr`'s table: the same as the inverse
    of ``numpy.argsort(pre, kind="stable")``, found in linear time (the rows' sizes give the
    row pointers, then one pass hands each synapse the next free position of its row).

    Returns
    -------
    indptr : int64 array, shape (n_rows + 1,)
    pos : int64 array, shape (len(pre),)
    """
    pre = np.ascontiguousarray(pre, dtype=np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n_rows), out=indptr[1:])
    return indptr, _next_free(pre, indptr)


@numba.njit(cache=True, nogil=True)
def _next_free(pre, indptr):
    nxt = indptr[:-1].copy()
    pos = np.empty(pre.shape[0], dtype=np.int64)
    for i in range(pre.shape[0]):
        r = pre[i]
        q = nxt[r]
        nxt[r] = q + 1
        pos[i] = q
    return pos


@numba.njit(cache=True, nogil=True)
def _place(pos, target, weight, delay, out_target, out_weight, out_delay):
    # One pass for the three columns: the writes are scattered, the reads sequential.
    for i in range(pos.shape[0]):
        q = pos[i]
        out_target[q] = target[i]
        out_weight[q] = weight[i]
        out_delay[q] = delay[i]
