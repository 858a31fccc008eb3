"""comparisons: the artificial and the spiking families run on the same questions.

Each comparison is a module with ``compute(quick=False) -> data`` (plain numbers and arrays a
user can re-plot), ``plot(data) -> Figure``, ``describe(data)`` (what the figure shows, what was
measured, and the verdict on the article's claim) and ``numbers(data)`` (the JSON summary).
``python -m comparisons`` runs them into a report folder.
"""

from . import conversion, engines, gradients, neuron, propagation, update_rules, xor
from .report import COMPARISONS, run_report

__all__ = ["COMPARISONS", "conversion", "engines", "gradients", "neuron", "propagation", "run_report",
           "update_rules", "xor"]
