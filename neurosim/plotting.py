"""Plots of records. Each function takes a matplotlib ``Axes`` first and returns it."""

from __future__ import annotations

import numpy as np

from .analysis import population_rate

__all__ = ["COLOR", "raster", "traces", "rates", "isi_histogram", "stdp_window",
           "weight_histogram", "weight_traces"]

#: The spiking family's colour in every figure of the project (the artificial family is blue).
COLOR = "#d62728"

#: Units of the state variables, for axis labels.
UNITS = {"v": "mV", "w": "pA", "u": "mV/ms", "g_exc": "nS", "g_inh": "nS", "i_syn": "pA",
         "m": "1", "h": "1", "n": "1"}


def _label(variable):
    unit = UNITS.get(variable)
    return f"{variable} ({unit})" if unit else variable


def raster(ax, rec, *, marker="|", markersize=2.0, color=COLOR, **kwargs):
    """Spike raster of a :class:`SpikeRecord`: time (ms) against neuron index."""
    from matplotlib.ticker import MaxNLocator

    ax.plot(rec.times, rec.neurons, linestyle="none", marker=marker, markersize=markersize,
            color=color, **kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"neuron index ({rec.population})" if rec.population else "neuron index")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(rec.t_start, rec.t_stop)
    return ax


def traces(ax, rec, *, neurons=None, **kwargs):
    """State traces of a :class:`StateRecord`, one line per recorded neuron."""
    cols = range(rec.values.shape[1]) if neurons is None else \
        [int(np.flatnonzero(rec.neurons == n)[0]) for n in neurons]
    for c in cols:
        ax.plot(rec.times, rec.values[:, c], label=f"neuron {rec.neurons[c]}", **kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(_label(rec.variable))
    return ax


def rates(ax, rec, *, bin_width=5.0, **kwargs):
    """Population rate (Hz) of a :class:`SpikeRecord` in bins of ``bin_width`` ms."""
    t, r = population_rate(rec, bin_width=bin_width)
    ax.step(t, r, where="post", **{"color": COLOR, **kwargs})
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    return ax


def isi_histogram(ax, rec, *, bins=50, **kwargs):
    """Histogram of all inter-spike intervals (ms) of a :class:`SpikeRecord`."""
    trains = rec.trains()
    d = np.concatenate([np.diff(t) for t in trains]) if trains else np.zeros(0)
    ax.hist(d, bins=bins, **{"color": COLOR, **kwargs})
    ax.set_xlabel("inter-spike interval (ms)")
    ax.set_ylabel("count")
    return ax


def stdp_window(ax, rule=None, *, delta_t=None, delta_w=None, w=None, t_range=(-100.0, 100.0),
                unit=""):
    """The STDP window: ``Δw`` against ``Δt = t_post - (t_pre + delay)``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    rule : STDP, optional
        Its analytic pair window (:meth:`neurosim.STDP.window`) is drawn as a black line.
    delta_t, delta_w : array_like, optional
        Measured changes (ms, weight unit), drawn as points in the spiking family's
        :data:`COLOR`.
    w : float, optional
        Weight before the pair, for a multiplicative rule.
    t_range : (float, float)
        Range of the analytic curve, ms.
    unit : str
        Weight unit for the y label.
    """
    if rule is not None:
        t = np.linspace(t_range[0], t_range[1], 801)
        t = np.union1d(t, [0.0])
        ax.plot(t[t < 0], rule.window(t[t < 0], w), color="k", lw=1.0, zorder=3,
                label="pair rule")
        ax.plot(t[t >= 0], rule.window(t[t >= 0], w), color="k", lw=1.0, zorder=3)
    if delta_t is not None:
        ax.plot(delta_t, delta_w, linestyle="none", marker="o", markersize=3,
                color=COLOR, label="simulated pairs")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.axvline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel("Δt = t_post − (t_pre + delay) (ms)")
    ax.set_ylabel(f"Δw ({unit})" if unit else "Δw")
    ax.set_title("STDP window")
    if rule is not None or delta_t is not None:
        ax.legend(loc="upper right", frameon=False)
    return ax


def weight_histogram(ax, weights, *, bins=20, w_range=None, unit="", label=None,
                     reference=None, reference_label="initial"):
    """Histogram of synaptic weights.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    weights : array_like or WeightTable
    bins : int
    w_range : (float, float), optional
        Histogram range, e.g. ``(w_min, w_max)``.
    unit : str
        Weight unit for the x label.
    label : str, optional
        Legend label of ``weights`` (bars in :data:`COLOR`).
    reference : array_like or WeightTable, optional
        Another distribution (e.g. the initial weights), drawn as a black outline on top.
    """
    w = np.asarray(getattr(weights, "weight", weights), dtype=np.float64)
    ax.hist(w, bins=bins, range=w_range, color=COLOR, alpha=0.8, label=label or "weights")
    if reference is not None:
        ref = np.asarray(getattr(reference, "weight", reference), dtype=np.float64)
        ax.hist(ref, bins=bins, range=w_range, histtype="step", color="k", lw=1.2,
                label=reference_label)
    ax.set_xlabel(f"weight ({unit})" if unit else "weight")
    ax.set_ylabel("synapses")
    ax.set_title("Weight distribution")
    ax.legend(loc="upper center", frameon=False)
    return ax


def weight_traces(ax, rec, *, synapses=None, unit="", **kwargs):
    """Weights of a :class:`WeightRecord` over time, one line per recorded synapse.

    ``synapses`` selects columns by projection synapse index (default all).
    """
    cols = range(rec.values.shape[1]) if synapses is None else \
        [int(np.flatnonzero(rec.synapses == s)[0]) for s in synapses]
    kwargs.setdefault("lw", 0.8)
    for c in cols:
        ax.plot(rec.times, rec.values[:, c], **kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"weight ({unit})" if unit else "weight")
    ax.set_title(f"Weights of {rec.projection}" if rec.projection else "Weights")
    return ax
