"""Analysis of records: rates, inter-spike intervals, variability, and the analytic LIF rate.

Pure functions of records (or of plain arrays); they never see the simulator.
"""

from __future__ import annotations

import numpy as np

from .units import HZ_PER_INV_MS

__all__ = ["firing_rates", "mean_rate", "isi", "cv_isi", "fano_factor", "silent_fraction",
           "population_rate", "spike_count_correlation", "fi_curve", "lif_rate_analytic",
           "lif_rate_on_grid", "bound_fractions", "bimodality_coefficient"]


def firing_rates(rec):
    """Mean firing rate of each neuron of a :class:`SpikeRecord`, Hz."""
    return rec.rates()


def mean_rate(rec):
    """Population-averaged firing rate of a :class:`SpikeRecord`, Hz."""
    return rec.mean_rate()


def silent_fraction(rec):
    """Fraction of the neurons of a :class:`SpikeRecord` that never spiked."""
    return float(np.mean(rec.counts() == 0)) if rec.n_neurons else 0.0


def isi(rec):
    """Inter-spike intervals of each neuron: a list of arrays, ms."""
    return [np.diff(t) for t in rec.trains()]


def cv_isi(rec, *, min_spikes=3):
    """Coefficient of variation (std / mean) of each neuron's inter-spike intervals.

    Parameters
    ----------
    rec : SpikeRecord
    min_spikes : int
        Neurons with fewer spikes get NaN.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_neurons,)``.
    """
    out = np.full(rec.n_neurons, np.nan)
    for i, t in enumerate(rec.trains()):
        if t.size >= min_spikes:
            d = np.diff(t)
            out[i] = d.std() / d.mean()
    return out


def fano_factor(rec, *, window):
    """Fano factor (variance / mean) of each neuron's spike counts in windows of ``window`` ms.

    Neurons without spikes get NaN.
    """
    counts = _window_counts(rec, window)
    mean = counts.mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(mean > 0, counts.var(axis=1) / mean, np.nan)


def population_rate(rec, *, bin_width):
    """Population rate in bins of ``bin_width`` ms.

    Returns
    -------
    times : numpy.ndarray
        Bin starts, ms.
    rate : numpy.ndarray
        Spikes per neuron per second in each bin, Hz.
    """
    n_bins = int(np.ceil(rec.duration / bin_width - 1e-9))
    edges = rec.t_start + np.arange(n_bins + 1) * bin_width
    counts, _ = np.histogram(rec.times, bins=edges)
    return edges[:-1], counts * HZ_PER_INV_MS / (bin_width * max(rec.n_neurons, 1))


def _window_counts(rec, window):
    n_win = int(rec.duration // window)
    if n_win < 1:
        raise ValueError(f"window {window!r} ms is longer than the record ({rec.duration!r} ms)")
    counts = np.zeros((rec.n_neurons, n_win))
    w = ((rec.times - rec.t_start) // window).astype(np.int64)
    keep = w < n_win
    np.add.at(counts, (rec.neurons[keep], w[keep]), 1.0)
    return counts


def spike_count_correlation(rec, *, window):
    """Pearson correlation of the spike counts of every pair of neurons in windows of
    ``window`` ms.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_neurons, n_neurons)``; rows and columns of neurons whose count never
        varies are NaN.
    """
    counts = _window_counts(rec, window)
    centred = counts - counts.mean(axis=1, keepdims=True)
    norm = np.sqrt((centred ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (centred @ centred.T) / np.outer(norm, norm)


def fi_curve(rec, currents):
    """Firing rate against input current, for a population where neuron ``i`` received the
    constant current ``currents[i]`` (pA).

    Returns
    -------
    currents : numpy.ndarray
        Sorted currents, pA.
    rates : numpy.ndarray
        The matching firing rates, Hz.
    """
    currents = np.asarray(currents, dtype=np.float64)
    if currents.shape != (rec.n_neurons,):
        raise ValueError(f"fi_curve: currents must have one value per neuron ({rec.n_neurons}), "
                         f"got shape {currents.shape}")
    order = np.argsort(currents, kind="stable")
    return currents[order], rec.rates()[order]


def _lif_time_to_threshold(i_e, tau_m, c_m, e_leak, v_th, v_start):
    i_e = np.asarray(i_e, dtype=np.float64)
    v_inf = e_leak + tau_m / c_m * i_e
    with np.errstate(divide="ignore", invalid="ignore"):
        t = tau_m * np.log((v_inf - v_start) / (v_inf - v_th))
    return np.where(v_inf > v_th, t, np.inf)


def lif_rate_analytic(i_e, *, tau_m, c_m, e_leak, v_th, v_reset, t_ref):
    r"""Firing rate of a deterministic LIF neuron driven by a constant current.

    .. math::

        r = \left[t_{ref} + \tau_m \ln\frac{R I + e_{leak} - v_{reset}}
                                           {R I + e_{leak} - v_{th}}\right]^{-1},
        \qquad R = \tau_m / c_m,

    and ``r = 0`` at and below the rheobase ``R I + e_leak <= v_th``. This is the
    continuous-time rate; a simulation that stamps spikes on a grid of step ``dt`` gives
    :func:`lif_rate_on_grid` instead, which lies below it by less than one step per period.

    Parameters
    ----------
    i_e : float or array_like
        Constant input current, pA. Vectorised.
    tau_m : float
        Membrane time constant, ms.
    c_m : float
        Capacitance, pF.
    e_leak, v_th, v_reset : float
        Resting, threshold and reset potential, mV.
    t_ref : float
        Refractory period, ms.

    Returns
    -------
    numpy.ndarray or float
        Rate in Hz, the shape of ``i_e``.
    """
    t = _lif_time_to_threshold(i_e, tau_m, c_m, e_leak, v_th, v_reset)
    rate = HZ_PER_INV_MS / (t_ref + t)
    return rate if np.ndim(rate) else float(rate)


def lif_rate_on_grid(i_e, *, tau_m, c_m, e_leak, v_th, v_reset, t_ref, dt):
    """Firing rate of the same neuron simulated with neurosim's step ``dt`` (exact LIF).

    After a spike the neuron is held for ``t_ref`` and then integrates exactly; it crosses
    threshold in the first step whose end lies at or after the analytic time to threshold
    ``T``, so the period is ``t_ref + ceil(T/dt) dt``.

    Returns
    -------
    numpy.ndarray or float
        Rate in Hz.
    """
    t = _lif_time_to_threshold(i_e, tau_m, c_m, e_leak, v_th, v_reset)
    with np.errstate(invalid="ignore"):
        period = t_ref + np.ceil(t / dt - 1e-9) * dt
    rate = HZ_PER_INV_MS / period
    return rate if np.ndim(rate) else float(rate)


def bound_fractions(weights, w_min, w_max, *, edge=0.1):
    """Fractions of weights within ``edge (w_max - w_min)`` of the lower and the upper bound.

    Parameters
    ----------
    weights : array_like or WeightTable
    w_min, w_max : float
    edge : float
        Width of each band as a fraction of the range, in (0, 0.5].

    Returns
    -------
    (float, float)
        Fraction near ``w_min``, fraction near ``w_max``.
    """
    w = np.asarray(getattr(weights, "weight", weights), dtype=np.float64)
    if not 0.0 < edge <= 0.5:
        raise ValueError(f"bound_fractions.edge must be in (0, 0.5], got {edge!r}")
    if w.size == 0:
        return 0.0, 0.0
    band = edge * (w_max - w_min)
    return float(np.mean(w <= w_min + band)), float(np.mean(w >= w_max - band))


def bimodality_coefficient(values):
    r"""Sarle's bimodality coefficient of a sample (SAS Institute 1990; Pfister et al. 2013).

    ``b = (g^2 + 1) / (k + 3 (n - 1)^2 / ((n - 2)(n - 3)))`` with ``g`` the sample skewness and
    ``k`` the sample excess kurtosis (both bias-corrected). A uniform distribution gives 5/9;
    values above suggest bimodality (two separated modes approach 1), a normal one gives 1/3.
    """
    x = np.asarray(getattr(values, "weight", values), dtype=np.float64)
    n = x.size
    if n < 4:
        raise ValueError(f"bimodality_coefficient needs at least 4 values, got {n}")
    d = x - x.mean()
    m2, m3, m4 = np.mean(d**2), np.mean(d**3), np.mean(d**4)
    if m2 == 0:
        return float("nan")
    g1 = m3 / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
    g2 = ((n + 1) * (m4 / m2**2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return float((g1**2 + 1) / (g2 + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))
