"""Plots of records. Each function takes a matplotlib ``Axes`` first and returns it."""

from __future__ import annotations

import numpy as np

from .analysis import population_rate

__all__ = ["raster", "traces", "rates", "isi_histogram"]


def raster(ax, rec, *, marker="|", markersize=2.0, color="k", **kwargs):
    """Spike raster of a :class:`SpikeRecord`: time (ms) against neuron index."""
    ax.plot(rec.times, rec.neurons, linestyle="none", marker=marker, markersize=markersize,
            color=color, **kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"neuron ({rec.population})" if rec.population else "neuron")
    ax.set_xlim(rec.t_start, rec.t_stop)
    return ax


def traces(ax, rec, *, neurons=None, **kwargs):
    """State traces of a :class:`StateRecord`, one line per recorded neuron."""
    cols = range(rec.values.shape[1]) if neurons is None else \
        [int(np.flatnonzero(rec.neurons == n)[0]) for n in neurons]
    for c in cols:
        ax.plot(rec.times, rec.values[:, c], label=f"neuron {rec.neurons[c]}", **kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(rec.variable)
    return ax


def rates(ax, rec, *, bin_width=5.0, **kwargs):
    """Population rate (Hz) of a :class:`SpikeRecord` in bins of ``bin_width`` ms."""
    t, r = population_rate(rec, bin_width=bin_width)
    ax.step(t, r, where="post", **kwargs)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("rate (Hz)")
    return ax


def isi_histogram(ax, rec, *, bins=50, **kwargs):
    """Histogram of all inter-spike intervals (ms) of a :class:`SpikeRecord`."""
    trains = rec.trains()
    d = np.concatenate([np.diff(t) for t in trains]) if trains else np.zeros(0)
    ax.hist(d, bins=bins, **kwargs)
    ax.set_xlabel("inter-spike interval (ms)")
    ax.set_ylabel("count")
    return ax
