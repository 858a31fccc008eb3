"""Magnitude pruning: set a model's smallest weights to zero, and keep them there.

The article's FAQ names pruning among the ways to make a network smaller. The rule used here
is the classical one (Han, Pool, Tran & Dally 2015, "Learning both weights and connections for
efficient neural networks"; the TensorFlow Model Optimization toolkit calls it
``prune_low_magnitude``): within each kernel, the fraction ``fraction`` of its entries with the
smallest absolute value become 0.

* What is pruned: every connection matrix, i.e. each layer's ``kernel`` and, in recurrent
  layers (``SimpleRNN``, ``LIFRecurrent``), its ``recurrent_kernel``. Biases and learned time
  constants are left alone (as the toolkit does for biases: they are few and cheap).
* ``scope="layer"`` (default, as the toolkit prunes each wrapped layer to its own target):
  every kernel loses exactly ``round(fraction * size)`` entries. ``scope="global"``: one
  threshold over all kernels together, so a layer with many small weights loses more.
* Ties at the threshold are broken by position (a stable sort), so the count is exact.

:func:`prune` returns a pruned *copy* whose ``weight_mask`` (a 0/1 vector over
``model.params``) is applied after every optimiser step of ``fit``/``train_on_batch``: training
may continue ("fine-tuning") and the pruned weights stay exactly 0. ``save``/``load_model``
keep the mask.
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING

import numpy as np

from ._validation import as_real

if TYPE_CHECKING:
    from .models import Sequential

__all__ = ["prune", "kernels", "sparsity"]

SCOPES = ("layer", "global")


def kernels(model: Sequential) -> list[tuple[str, np.ndarray]]:
    """``[(name, view), ...]`` of the connection matrices :func:`prune` acts on."""
    if not model.built:
        raise ValueError("artificial.pruning: the model is not built (no weights yet)")
    return [(name, arr) for name, arr in model._weight_targets()
            if name.endswith(".kernel") or name.endswith(".recurrent_kernel")]


def _offset(model, view) -> int:
    """Where ``view`` starts in ``model.params`` (every weight array is a contiguous view)."""
    return (view.ctypes.data - model.params.ctypes.data) // model.params.itemsize


def _copy(model: Sequential) -> Sequential:
    from .io import load_model, save_model

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.npz")
        save_model(model, path)
        return load_model(path)


def prune(model: Sequential, fraction: float, *, scope: str = "layer") -> Sequential:
    """A copy of ``model`` with the ``fraction`` smallest-magnitude kernel weights set to 0.

    Parameters
    ----------
    model : Sequential
        A built model (it is not changed).
    fraction : float
        Fraction of the kernel entries to remove, in ``[0, 1]``.
    scope : {"layer", "global"}
        Per kernel (each loses ``round(fraction * size)`` entries) or one threshold over all.

    Returns
    -------
    Sequential
        The pruned copy (same architecture, compile settings and optimiser state); its
        ``weight_mask`` keeps the removed weights at 0 if it is trained further. A model that
        already has a mask keeps those zeros too.
    """
    from .models import Sequential

    if not isinstance(model, Sequential):
        raise TypeError(f"artificial.prune expects a Sequential, got {type(model).__name__}")
    f = as_real("prune", "fraction", fraction)
    if not 0.0 <= f <= 1.0:
        raise ValueError(f"prune.fraction must be in [0, 1] (the fraction of kernel weights "
                         f"removed), got {fraction!r}")
    if not isinstance(scope, str) or scope not in SCOPES:
        raise ValueError(f"prune.scope must be 'layer' or 'global', got {scope!r}")
    targets = kernels(model)
    if not targets:
        raise ValueError("artificial.prune: the model has no kernel to prune")
    pruned = _copy(model)
    mask = (np.ones_like(pruned.params) if model.weight_mask is None
            else np.array(model.weight_mask, dtype=pruned.params.dtype))
    views = [(_offset(model, arr), arr) for _, arr in targets]
    groups = [[v] for v in views] if scope == "layer" else [views]
    for group in groups:
        magnitude = np.concatenate([np.abs(arr).ravel() for _, arr in group])
        where = np.concatenate([np.arange(start, start + arr.size) for start, arr in group])
        k = int(round(f * magnitude.size))
        if k:
            mask[where[np.argsort(magnitude, kind="stable")[:k]]] = 0.0
    pruned.weight_mask = mask
    pruned.params *= mask
    return pruned


def sparsity(model: Sequential) -> dict[str, float]:
    """The fraction of zero entries of each kernel, and ``"total"`` over all of them."""
    out, zeros, size = {}, 0, 0
    for name, arr in kernels(model):
        z = int(np.count_nonzero(arr == 0))
        out[name] = z / arr.size
        zeros += z
        size += arr.size
    out["total"] = zeros / size
    return out
