"""Plots of records. Each function takes a matplotlib ``Axes`` first and returns it."""

from __future__ import annotations

import numpy as np

from .analysis import population_rate

__all__ = ["COLOR", "raster", "traces", "rates", "isi_histogram"]

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
