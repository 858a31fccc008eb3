"""Connection rules: which presynaptic neuron reaches which postsynaptic neuron.

A rule is a frozen description; the simulator draws it with a seeded generator of its own
and places the synapses into one CSR table by presynaptic neuron (:mod:`neurosim.build`).
:meth:`Connector.pairs` gives the index pairs. The rules that can say how many synapses each
presynaptic neuron has before drawing their targets (:class:`FixedTotalNumber` with
multapses, :class:`FixedOutDegree`, :class:`AllToAll`, :class:`OneToOne`) are also drawn in
*streaming* form (:meth:`Connector._stream`): the row counts first, then the targets a block
of rows at a time, so that the engine writes them straight into their final table positions
and never holds the pairs of a whole projection; :meth:`Connector.pairs` of these rules is the
concatenation of the same blocks, drawn the same way.
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
#: Synapses drawn, weighted and placed per block of rows (a row longer than this is a block
#: of its own): bounds the transient memory of a streamed projection to a few blocks' worth.
#: Part of what a seed means: the weights and delays are drawn block by block.
_BLOCK = 1 << 21


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

    #: Whether :meth:`_stream` gives the rule in streaming form (known before drawing).
    _streamed = False
    #: Build memory per synapse of a rule drawn as pairs (not streamed), beyond what the
    #: table keeps: the int32 targets held from drawing until placing (8 B when the pairs
    #: are not sorted by presynaptic neuron: the sources too). See neurosim.build.
    _held_bytes = 4
    #: Transient memory per synapse of the one projection being drawn as pairs: the int64
    #: pairs, the rule's own work arrays (FixedInDegree's sorting: 8 B positions, 16 B
    #: sorted pairs) and the int32 copy being kept.
    _draw_bytes = 44

    def _stream(self, n_pre, n_post, rng, *, same):
        """The rule in streaming form, or ``None`` if it is only drawn as :meth:`pairs`.

        Returns ``(counts, blocks)``: ``counts`` (int64, ``n_pre``) the synapses of each
        presynaptic neuron, drawn now; ``blocks()`` a generator of ``(r0, r1, post)``, the
        postsynaptic indices of rows ``r0 .. r1 - 1`` in row order (the blocks of
        :func:`_row_blocks`), drawn as it runs. Invalid parameters raise here, before any
        target is drawn.
        """
        return None

    def _pairs_from_stream(self, stream):
        counts, blocks = stream
        pre = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
        parts = [np.asarray(post, dtype=np.int64) for _, _, post in blocks()]
        post = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return pre, post

    def _drop_autapses(self, pre, post, same):
        if same and not self.allow_autapses:
            keep = pre != post
            return pre[keep], post[keep]
        return pre, post


@dataclass(frozen=True)
class AllToAll(Connector):
    """Every presynaptic neuron to every postsynaptic neuron."""

    allow_autapses: bool = True

    _streamed = True

    def expected_count(self, n_pre, n_post):
        return n_pre * n_post

    def _stream(self, n_pre, n_post, rng, *, same):
        skip = same and not self.allow_autapses
        counts = np.full(n_pre, n_post - 1 if skip else n_post, dtype=np.int64)

        def blocks():
            cols = np.arange(n_post, dtype=np.int64)
            for r0, r1 in _row_blocks(counts):
                post = np.tile(cols, r1 - r0)
                if skip:
                    post = post[post != np.repeat(np.arange(r0, r1), n_post)]
                yield r0, r1, post
        return counts, blocks

    def pairs(self, n_pre, n_post, rng, *, same):
        return self._pairs_from_stream(self._stream(n_pre, n_post, rng, same=same))


@dataclass(frozen=True)
class OneToOne(Connector):
    """Neuron ``i`` to neuron ``i``; both populations must have the same size."""

    _streamed = True

    def expected_count(self, n_pre, n_post):
        return n_pre

    def _stream(self, n_pre, n_post, rng, *, same):
        if n_pre != n_post:
            raise ValueError(f"OneToOne needs populations of equal size, got {n_pre} and {n_post}")
        counts = np.ones(n_pre, dtype=np.int64)

        def blocks():
            for r0, r1 in _row_blocks(counts):
                yield r0, r1, np.arange(r0, r1, dtype=np.int64)
        return counts, blocks

    def pairs(self, n_pre, n_post, rng, *, same):
        return self._pairs_from_stream(self._stream(n_pre, n_post, rng, same=same))


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


def _check_partners(n_rows, n_choices, k, exclude_self, owner, multapses):
    """Raise if rows cannot have ``k`` partners each (see :func:`_partner_draws`)."""
    available = n_choices - (1 if exclude_self else 0)
    if multapses:
        if k > 0 and n_rows > 0 and available < 1:
            raise ValueError(f"{owner} asks for {k} partners but none is available")
    elif k > available:
        raise ValueError(f"{owner} asks for {k} distinct partners but only {available} are "
                         f"available (allow_multapses=True draws with replacement)")


def _partner_draws(rng, n_rows, n_choices, k, exclude_self, owner, multapses, row0=0):
    """For each row, ``k`` integers in ``[0, n_choices)`` (never the row's own index, counted
    from ``row0``, if ``exclude_self``): independent and uniform with ``multapses`` (repeats
    allowed), else distinct and uniform over the k-subsets.

    Distinct, sparse case (``k`` small against the choices): draw every row with replacement
    at once and redraw the rows that contain a repeat -- rejection sampling, so the accepted
    rows are exactly uniform. Distinct, dense case: one ``choice(..., replace=False)`` per row.
    """
    _check_partners(n_rows, n_choices, k, exclude_self, owner, multapses)
    available = n_choices - (1 if exclude_self else 0)
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
        out += out >= np.arange(row0, row0 + n_rows)[:, None]
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

    _streamed = True

    def __post_init__(self):
        object.__setattr__(self, "k", _checks.count("FixedOutDegree", "k", self.k))
        for name in ("allow_autapses", "allow_multapses"):
            object.__setattr__(self, name, _checks.flag("FixedOutDegree", name,
                                                        getattr(self, name)))

    def expected_count(self, n_pre, n_post):
        return self.k * n_pre

    def _stream(self, n_pre, n_post, rng, *, same):
        exclude = same and not self.allow_autapses
        _check_partners(n_pre, n_post, self.k, exclude, "FixedOutDegree", self.allow_multapses)
        counts = np.full(n_pre, self.k, dtype=np.int64)

        def blocks():
            for r0, r1 in _row_blocks(counts):
                yield r0, r1, _partner_draws(rng, r1 - r0, n_post, self.k, exclude,
                                             "FixedOutDegree", self.allow_multapses,
                                             row0=r0).ravel()
        return counts, blocks

    def pairs(self, n_pre, n_post, rng, *, same):
        return self._pairs_from_stream(self._stream(n_pre, n_post, rng, same=same))


@dataclass(frozen=True)
class FixedTotalNumber(Connector):
    """Exactly ``n`` synapses in the projection, each between a pair drawn uniformly.

    With ``allow_multapses=True`` (the default, as NEST's ``fixed_total_number``) the ``n``
    pairs are drawn independently with replacement: a pair may carry several synapses, the
    number of synapses onto each postsynaptic neuron is multinomial (``n`` trials, equal
    probabilities) and each synapse's presynaptic neuron is uniform (drawn as that law in two
    steps, which needs neither a sort nor a list of pairs: the synapses of each presynaptic
    neuron, multinomial, then each row's targets as sorted uniform draws, from exponential
    spacings). With
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

    @property
    def _streamed(self):
        return self.allow_multapses

    def _stream(self, n_pre, n_post, rng, *, same):
        if not self.allow_multapses:
            return None
        exclude = same and not self.allow_autapses
        # Without autapses row i skips column i, so a row has n_post - 1 allowed targets.
        per_row = n_post - 1 if exclude else n_post
        if self.n > 0 and n_pre * per_row == 0:
            what = "pairs (pre, post)" + (" without autapses" if exclude else "")
            raise ValueError(f"FixedTotalNumber.n must be 0 when there are no {what}, got "
                             f"{self.n}")
        # Every row has as many allowed pairs, so each synapse's row is uniform: the row
        # counts are Multinomial(n, 1/n_pre), and given them the targets are iid uniform.
        counts = (rng.multinomial(self.n, np.full(n_pre, 1.0 / n_pre)).astype(np.int64)
                  if self.n else np.zeros(n_pre, dtype=np.int64))

        def blocks():
            for r0, r1 in _row_blocks(counts):
                post = np.empty(int(counts[r0:r1].sum()), dtype=np.int64)
                _sorted_uniform_rows(rng, counts[r0:r1], r0, per_row, exclude, post)
                yield r0, r1, post
        return counts, blocks

    def pairs(self, n_pre, n_post, rng, *, same):
        if self.allow_multapses:
            return self._pairs_from_stream(self._stream(n_pre, n_post, rng, same=same))
        exclude = same and not self.allow_autapses
        # Allowed pairs, numbered row-major; without autapses row i skips column i, so a row
        # has n_post - 1 entries.
        per_row = n_post - 1 if exclude else n_post
        n_allowed = n_pre * per_row
        if self.n > n_allowed:
            what = "pairs (pre, post)" + (" without autapses" if exclude else "")
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
    _held_bytes = 8    # the user's order is kept: sources held as well as targets

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


def _row_blocks(counts, limit=None):
    """Consecutive rows ``(r0, r1)`` covering all rows, each block holding at most ``limit``
    synapses (default :data:`_BLOCK`) unless it is a single row: how a streamed rule is drawn
    and how the engine draws weights and delays and places synapses."""
    bounds = _block_bounds(np.ascontiguousarray(counts, dtype=np.int64),
                           _BLOCK if limit is None else int(limit))
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


@numba.njit(cache=True, nogil=True)
def _block_bounds(counts, limit):
    out = np.empty(counts.shape[0] + 1, dtype=np.int64)
    out[0] = 0
    m = 1
    acc = 0
    for r in range(counts.shape[0]):
        if acc > 0 and acc + counts[r] > limit:
            out[m] = r
            m += 1
            acc = 0
        acc += counts[r]
    if counts.shape[0] > 0:
        out[m] = counts.shape[0]
        m += 1
    return out[:m]


@numba.njit(cache=True, nogil=True)
def _sorted_uniform_rows(rng, counts, row0, per_row, exclude, out):
    # Row r gets counts[r] iid uniform integers in [0, per_row), sorted, drawn as order
    # statistics: with E_1 .. E_{k+1} iid exponential and S_i their partial sums,
    # (S_1, .., S_k) / S_{k+1} are distributed as k sorted iid U(0, 1) (Renyi), and
    # floor(per_row U) of a U(0, 1) is uniform on the integers. Without autapses, target
    # values from the row's own index on are shifted up by one (the map keeps the order).
    longest = 0
    for r in range(counts.shape[0]):
        longest = max(longest, counts[r])
    partial = np.empty(longest + 1)
    s = 0
    for r in range(counts.shape[0]):
        k = counts[r]
        if k == 0:
            continue
        total = 0.0
        for i in range(k + 1):
            total += rng.standard_exponential()
            partial[i] = total
        scale = per_row / total
        row = row0 + r
        for i in range(k):
            v = np.int64(partial[i] * scale)
            if v >= per_row:
                v = per_row - 1
            if exclude and v >= row:
                v += 1
            out[s + i] = v
        s += k


@numba.njit(cache=True, nogil=True)
def _place_rows(g0, counts, nxt, post, ch_off, weight, delay, out_target, out_weight,
                out_delay):
    # A block of consecutive rows g0, g0 + 1, ..., in row order: each row's synapses take the
    # next free positions of that row in the table (sequential writes).
    s = 0
    for r in range(counts.shape[0]):
        q = nxt[g0 + r]
        for j in range(counts[r]):
            out_target[q + j] = post[s + j] + ch_off
            out_weight[q + j] = weight[s + j]
            out_delay[q + j] = delay[s + j]
        nxt[g0 + r] = q + counts[r]
        s += counts[r]


@numba.njit(cache=True, nogil=True)
def _place_pairs(pre, g0, post, ch_off, weight, delay, nxt, out_target, out_weight, out_delay,
                 pos):
    # Synapses in any order: each takes the next free position of its row (a counting sort);
    # pos receives the position of each.
    for i in range(pre.shape[0]):
        r = g0 + pre[i]
        q = nxt[r]
        nxt[r] = q + 1
        out_target[q] = post[i] + ch_off
        out_weight[q] = weight[i]
        out_delay[q] = delay[i]
        pos[i] = q
