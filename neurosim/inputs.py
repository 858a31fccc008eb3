"""Inputs: spike sources (population models) and current injections.

Spike sources are models of populations, as PyNN's spike sources are cell types: they have no
membrane, they only emit spikes that projections carry onwards. Current injections are added to
a population's input current with :meth:`neurosim.Network.inject`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _checks
from .neurons import KIND_POISSON, KIND_SPIKE_TIMES, Model

__all__ = ["PoissonSource", "SpikeTimes", "StepCurrent", "DCCurrent", "RampCurrent",
           "NoisyCurrent", "CurrentInjection"]


@dataclass(frozen=True, eq=False)
class PoissonSource(Model):
    """Independent Poisson spike trains, one per neuron of the population.

    In each step a source fires with probability ``rate * dt`` (a Bernoulli process on the step
    grid, the discrete Poisson process), drawn from the simulator's generator. The rate can be
    changed between runs with :meth:`neurosim.Simulator.set_rate`.

    Parameters
    ----------
    rate : float or array_like
        Rate in Hz, >= 0; a scalar or one value per neuron.
    """

    rate: Any = 0.0  # Hz: a float, or a read-only array of one value per neuron once checked

    kind = KIND_POISSON

    def __post_init__(self):
        if np.ndim(self.rate) == 0:
            rate = _checks.non_negative("PoissonSource", "rate", self.rate, "Hz")
        else:
            rate = _checks.finite_array("PoissonSource", "rate", self.rate, "Hz")
            if rate.ndim != 1:
                raise ValueError(f"PoissonSource.rate must be a scalar or 1-D, got shape "
                                 f"{rate.shape}")
            if (rate < 0).any():
                raise ValueError(f"PoissonSource.rate must be >= 0 Hz, got {float(rate.min())!r}")
            rate.setflags(write=False)
        object.__setattr__(self, "rate", rate)


def _is_number(x):
    """A real number (a NumPy scalar or 0-d array too), not a bool."""
    x = x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _short(values, n=6):
    """``values`` written as in a list, the middle left out when there are more than ``n``."""
    shown = [repr(v) for v in values]
    if len(shown) > n:
        shown = shown[:n // 2] + ["..."] + shown[-(n // 2):]
    return ", ".join(shown)


@dataclass(frozen=True, eq=False)
class SpikeTimes(Model):
    """Replays given spike times, one list per neuron.

    A spike at time ``t`` ms is emitted in step ``t / dt`` (which must be whole), exactly as if a
    neuron had crossed threshold in that step.

    Parameters
    ----------
    times : sequence of sequences of float
        ``times[i]`` are the spike times of neuron ``i``, ms, >= 0.
    """

    times: Sequence[npt.ArrayLike] = ()

    kind = KIND_SPIKE_TIMES

    def __post_init__(self):
        try:
            entries = list(self.times)
        except TypeError:
            raise TypeError(f"SpikeTimes.times must be one list of times (ms) per neuron, "
                            f"got {self.times!r}") from None
        scalars = [i for i, t in enumerate(entries) if np.ndim(t) == 0 and not isinstance(t, str)]
        if scalars:  # [1.0, 2.0] would otherwise be read as two neurons of one spike each
            if len(scalars) == len(entries) and all(map(_is_number, entries)):
                flat = _short([float(t) for t in entries])
                raise TypeError(f"SpikeTimes.times must be one list of times (ms) per neuron, "
                                f"got a flat list of numbers [{flat}]; for one neuron give "
                                f"[[{flat}]]")
            i = scalars[0]
            raise TypeError(f"SpikeTimes.times must be one list of times (ms) per neuron, "
                            f"got a single value at times[{i}]: {entries[i]!r}; give "
                            f"[{entries[i]!r}] for one spike")
        try:
            lists = [np.sort(_checks.finite_array("SpikeTimes", f"times[{i}]", t, "ms").ravel())
                     for i, t in enumerate(entries)]
        except TypeError:
            raise TypeError(f"SpikeTimes.times must be one list of times (ms) per neuron, "
                            f"got {self.times!r}") from None
        for i, t in enumerate(lists):
            if t.size and t[0] < 0:
                raise ValueError(f"SpikeTimes.times[{i}] must be >= 0 ms, got {float(t[0])!r}")
            t.setflags(write=False)
        object.__setattr__(self, "times", tuple(lists))

    @property
    def n_neurons(self):
        """Number of spike trains."""
        return len(self.times)


class CurrentInjection:
    """Base class of the injected currents (piecewise constant on the step grid).

    All sources follow one convention for their arguments: the required ones are positional,
    the times before the amplitudes (``StepCurrent(times, amplitudes)``,
    ``RampCurrent(start, stop, amplitude_start, amplitude_stop)``, ``DCCurrent(amplitude)``),
    as NEST's ``step_current_generator`` lists ``amplitude_times`` before
    ``amplitude_values``; the optional ones, times among them (``DCCurrent(..., start=)``,
    ``NoisyCurrent(start=, stop=, mean=, std=)``), are keyword-only, so that no call can put a
    time where an amplitude is meant.
    """

    def _segments(self, dt):
        """``(times, amplitudes)``: amplitude ``amplitudes[k]`` (pA) holds from ``times[k]``."""
        raise NotImplementedError

    def _amplitudes(self):
        """The amplitude values (scalars or per-neuron arrays), for shape checks."""
        return self._segments(None)[1]


def _amplitude(owner, name, value):
    """A current in pA: a float, or a read-only 1-D array of one value per target neuron."""
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{owner}.{name} must be numbers (pA), got {value!r}")
    arr = _checks.finite_array(owner, name, value, "pA")
    if arr.ndim == 0:
        return float(arr)
    if arr.ndim != 1:
        raise ValueError(f"{owner}.{name} must be a scalar or 1-D (one value per target "
                         f"neuron), got shape {arr.shape}")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class StepCurrent(CurrentInjection):
    """A current that jumps to ``amplitudes[k]`` pA at ``times[k]`` ms and holds until the next.

    Before ``times[0]`` the current is 0. Times must be increasing and whole multiples of dt.

    Parameters
    ----------
    times : sequence of float
        Switch times, ms, increasing, >= 0.
    amplitudes : sequence of float or of arrays
        Amplitude after each switch, pA; each a scalar or one value per target neuron.
    """

    times: npt.ArrayLike
    amplitudes: Sequence[npt.ArrayLike]

    def __post_init__(self):
        times = _checks.finite_array("StepCurrent", "times", self.times, "ms").ravel()
        if len(self.amplitudes) != times.size:
            raise ValueError(f"StepCurrent.amplitudes must have one entry per time "
                             f"({times.size}), got {len(self.amplitudes)}")
        if times.size and times[0] < 0:
            raise ValueError(f"StepCurrent.times must be >= 0 ms, got {float(times[0])!r}")
        if np.any(np.diff(times) <= 0):
            raise ValueError(f"StepCurrent.times must be strictly increasing, got {times.tolist()}")
        amps = tuple(_checks.finite_array("StepCurrent", f"amplitudes[{k}]", a, "pA")
                     for k, a in enumerate(self.amplitudes))
        times.setflags(write=False)
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "amplitudes", amps)

    def _segments(self, dt):
        return self.times, self.amplitudes


@dataclass(frozen=True, eq=False)
class DCCurrent(CurrentInjection):
    """A constant current of ``amplitude`` pA from ``start`` ms on (NEST's ``dc_generator``).

    Parameters
    ----------
    amplitude : float or array_like
        pA; a scalar or one value per target neuron.
    start : float, keyword-only
        ms, >= 0, a whole multiple of dt. Default 0.
    """

    amplitude: Any
    _: KW_ONLY
    start: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "amplitude", _amplitude("DCCurrent", "amplitude",
                                                         self.amplitude))
        object.__setattr__(self, "start", _checks.non_negative("DCCurrent", "start",
                                                               self.start, "ms"))

    def _segments(self, dt):
        return np.array([self.start]), (np.asarray(self.amplitude),)


@dataclass(frozen=True, eq=False)
class RampCurrent(CurrentInjection):
    """A current rising linearly from ``amplitude_start`` at ``start`` to ``amplitude_stop`` at
    ``stop`` (pA, ms), then 0.

    On the step grid each step gets the ramp's exact mean over that step (its value at the
    step's midpoint), so the charge injected is exact.

    Parameters
    ----------
    start, stop : float
        ms, whole multiples of dt, ``start < stop``.
    amplitude_start, amplitude_stop : float
        pA.
    """

    start: float
    stop: float
    amplitude_start: float
    amplitude_stop: float

    def __post_init__(self):
        for name, unit in (("start", "ms"), ("stop", "ms"), ("amplitude_start", "pA"),
                           ("amplitude_stop", "pA")):
            object.__setattr__(self, name, _checks.finite("RampCurrent", name,
                                                          getattr(self, name), unit))
        if self.start < 0:
            raise ValueError(f"RampCurrent.start must be >= 0 ms, got {self.start!r}")
        _checks.less("RampCurrent", "start", self.start, "stop", self.stop, "ms")

    def _amplitudes(self):
        return (np.asarray(self.amplitude_start), np.asarray(self.amplitude_stop))

    def _segments(self, dt):
        from .units import to_steps
        first = to_steps(self.start, dt, name="RampCurrent.start")
        last = to_steps(self.stop, dt, name="RampCurrent.stop")
        mid = (np.arange(first, last) + 0.5) * dt
        slope = (self.amplitude_stop - self.amplitude_start) / (self.stop - self.start)
        amps = self.amplitude_start + slope * (mid - self.start)
        times = np.append(np.arange(first, last) * dt, last * dt)
        return times, tuple(np.asarray(a) for a in np.append(amps, 0.0))


@dataclass(frozen=True, eq=False, kw_only=True)
class NoisyCurrent(CurrentInjection):
    """Gaussian noise current, independent for every target neuron.

    In every step from ``start`` to ``stop`` a neuron receives ``mean + std * xi`` pA with
    ``xi`` a fresh standard normal draw from the simulator's generator, held over the step
    (NEST's ``noise_generator`` with ``dt_noise = dt``). The resulting membrane fluctuations
    therefore depend on ``dt``: for a white-noise limit scale ``std`` with ``1/sqrt(dt)``.

    All parameters are keyword-only (they are all optional; see :class:`CurrentInjection`).

    Parameters
    ----------
    start, stop : float
        ms, whole multiples of dt; ``stop`` may be ``inf``. Default: from 0 on.
    mean : float
        pA. Default 0.
    std : float
        pA, >= 0. Default 0.
    """

    start: float = 0.0
    stop: float = float("inf")
    mean: float = 0.0
    std: float = 0.0

    def __new__(cls, *args, **kwargs):
        if args:  # before the dataclass's own TypeError, to say which names to use
            raise TypeError(f"NoisyCurrent takes keyword arguments only (start=, stop=, mean=, "
                            f"std=), got {len(args)} positional: {_short(args)}")
        return super().__new__(cls)

    def __post_init__(self):
        object.__setattr__(self, "start", _checks.non_negative("NoisyCurrent", "start",
                                                               self.start, "ms"))
        stop = self.stop
        if isinstance(stop, bool) or not isinstance(stop, (numbers.Real, np.floating,
                                                           np.integer)):
            raise TypeError(f"NoisyCurrent.stop must be a number (ms), got {stop!r}")
        stop = float(stop)
        if not stop > self.start:
            raise ValueError(f"NoisyCurrent.stop must be > NoisyCurrent.start "
                             f"({self.start!r} ms), got {stop!r}")
        object.__setattr__(self, "stop", stop)
        object.__setattr__(self, "mean", _checks.finite("NoisyCurrent", "mean", self.mean, "pA"))
        object.__setattr__(self, "std", _checks.non_negative("NoisyCurrent", "std", self.std,
                                                             "pA"))

    def _amplitudes(self):
        return ()
