"""The description of a network: populations, projections, injections and monitors.

Nothing here holds arrays of state or knows about time; a :class:`neurosim.Simulator` builds
the description into arrays and runs it. Objects returned by :class:`Network` methods are
handles: pass them back to ``connect``, ``record``, ``sim.data[...]`` and so on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from . import _checks
from .connectivity import Connector
from .distributions import Distribution
from .inputs import CurrentInjection, PoissonInput, PoissonSource, SpikeTimes
from .neurons import MODEL_KINDS, Model, NeuronModel
from .plasticity import RULES, Plasticity, as_statements
from .synapses import SYNAPSES, ExpCurrent, Synapse

if TYPE_CHECKING:
    from .nir_exchange import NIRImport

__all__ = ["Network", "Population", "Projection", "Injection", "PoissonInput", "SpikeMonitor",
           "StateMonitor", "WeightMonitor"]

_VALID_MODELS = sorted(MODEL_KINDS) + ["PoissonSource", "SpikeTimes"]


class Population:
    """A group of ``n`` neurons of one model (a handle made by :meth:`Network.population`).

    Attributes
    ----------
    n : int
    model : Model
    name : str
    initial : dict
        Initial values by state-variable name: scalars, arrays of length ``n`` or
        distributions.
    """

    def __init__(self, n: int, model: Model, name: str, initial: Mapping[str, Any]) -> None:
        self.n = n
        self.model = model
        self.name = name
        self.initial = dict(initial)

    def __len__(self) -> int:
        return self.n

    def __repr__(self):
        return f"Population({self.name!r}, n={self.n}, model={type(self.model).__name__})"


class Projection:
    """Synapses from one population to another (a handle made by :meth:`Network.connect`)."""

    def __init__(self, pre, post, connector, synapse, weight, delay, name, plasticity=None):
        self.pre = pre
        self.post = post
        self.connector = connector
        self.synapse = synapse
        self.weight = weight
        self.delay = delay
        self.name = name
        self.plasticity = plasticity

    def __repr__(self):
        return (f"Projection({self.name!r}, {self.pre.name} -> {self.post.name}, "
                f"{type(self.connector).__name__}, {type(self.synapse).__name__})")


class Injection:
    """A current injected into (some neurons of) a population."""

    def __init__(self, population, current, neurons):
        self.population = population
        self.current = current
        self.neurons = neurons


class SpikeMonitor:
    """Records every spike of a population; ``sim.data[monitor]`` is a
    :class:`neurosim.records.SpikeRecord`."""

    def __init__(self, population):
        self.population = population


class WeightMonitor:
    """Records the weights of chosen synapses of a projection every ``every`` ms;
    ``sim.data[monitor]`` is a :class:`neurosim.records.WeightRecord`."""

    def __init__(self, projection, synapses, every):
        self.projection = projection
        self.synapses = synapses
        self.every = every


class StateMonitor:
    """Records one state variable of chosen neurons every ``every`` ms;
    ``sim.data[monitor]`` is a :class:`neurosim.records.StateRecord`."""

    def __init__(self, population, variable, neurons, every):
        self.population = population
        self.variable = variable
        self.neurons = neurons
        self.every = every


def _index_array(owner, neurons, n):
    if neurons is None:
        return np.arange(n, dtype=np.int64)
    idx = np.asarray(neurons)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
        raise TypeError(f"{owner}: neurons must be a 1-D sequence of integer indices, got "
                        f"{neurons!r}")
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)][0]
        raise ValueError(f"{owner}: neuron index {bad} is outside [0, {n})")
    return idx


class Network:
    """A description of a spiking network.

    Examples
    --------
    >>> import neurosim as ns
    >>> net = ns.Network()
    >>> exc = net.population(100, ns.LIF(), name="exc")
    >>> proj = net.connect(exc, exc, ns.FixedProbability(0.1), synapse=ns.ExpCurrent(tau=5.0),
    ...                    weight=10.0, delay=1.0)
    >>> spikes = net.record_spikes(exc)
    """

    #: Only on a network made by :func:`neurosim.from_nir`: how its nodes map to populations.
    nir: NIRImport

    def __init__(self) -> None:
        self.populations: list[Population] = []
        self.projections: list[Projection] = []
        self.injections: list[Injection] = []
        self.poisson_inputs: list[PoissonInput] = []
        self.monitors: list[SpikeMonitor | StateMonitor] = []
        #: Weight monitors are kept apart: only the built-in engine records weights.
        self.weight_monitors: list[WeightMonitor] = []

    # -- populations -------------------------------------------------------------------------
    def population(self, n: int, model: Model, /, *, name: str | None = None,
                   **initial: npt.ArrayLike | Distribution) -> Population:
        """Add ``n`` neurons of ``model``.

        Parameters
        ----------
        n : int
            Number of neurons, >= 1 (for :class:`SpikeTimes`, its number of trains).
        model : Model
            ``LIF(...)``, ``AdEx(...)``, ``Izhikevich(...)``, ``PoissonSource(...)`` or
            ``SpikeTimes(...)``.
        name : str, optional
            Unique name; default ``"pop<k>"``.
        **initial
            Initial values of state variables (e.g. ``v=ns.Uniform(-60, -50)``): scalars,
            arrays of length ``n`` or distributions, in the variable's unit. (``n`` and
            ``model`` are positional-only, so a state variable may be called ``n``, as the
            potassium gate of Hodgkin-Huxley models is.)

        Returns
        -------
        Population
        """
        if not isinstance(model, Model):
            raise TypeError(f"population model must be one of {_VALID_MODELS}, got "
                            f"{type(model).__name__}")
        n = _checks.count("population", "n", n, minimum=1)
        if isinstance(model, SpikeTimes) and model.n_neurons != n:
            raise ValueError(f"population n = {n} but SpikeTimes has {model.n_neurons} spike "
                             f"trains")
        if isinstance(model, PoissonSource) and np.ndim(model.rate) == 1 \
                and model.rate.shape[0] != n:
            raise ValueError(f"population n = {n} but PoissonSource.rate has "
                             f"{model.rate.shape[0]} values")
        if name is None:
            name = f"pop{len(self.populations)}"
        if not isinstance(name, str):
            raise TypeError(f"population name must be a string, got {name!r}")
        if any(p.name == name for p in self.populations):
            raise ValueError(f"population name {name!r} is already used")
        for var, value in initial.items():
            if var not in model.state_vars:
                raise ValueError(f"{type(model).__name__} has no state variable {var!r}; valid: "
                                 f"{list(model.state_vars)}")
            if isinstance(value, Distribution):
                continue
            if np.ndim(value) == 0:
                _checks.finite(name, var, value)
            else:
                _checks.finite_array(name, var, value, shape=(n,))
        pop = Population(n, model, name, initial)
        self.populations.append(pop)
        return pop

    def _own(self, pop, what):
        if not isinstance(pop, Population) or not any(p is pop for p in self.populations):
            raise ValueError(f"{what} must be a population of this network, got {pop!r}")

    # -- projections -------------------------------------------------------------------------
    def connect(self, pre: Population, post: Population, connector: Connector, *,
                synapse: Synapse | None = None, weight: npt.ArrayLike | Distribution | None = None,
                delay: npt.ArrayLike | Distribution | None = None,
                plasticity: Plasticity | None = None, name: str | None = None) -> Projection:
        """Connect ``pre`` to ``post``.

        Parameters
        ----------
        pre, post : Population
            ``post`` must be a neuron population (not a spike source).
        connector : Connector
            ``AllToAll()``, ``OneToOne()``, ``FixedProbability(p)``, ``FixedInDegree(k)``,
            ``FixedOutDegree(k)``, ``FixedTotalNumber(n)``, ``FromList(pairs)``, ``FromMatrix(w)``.
        synapse : Synapse, optional
            Kinetics; default ``ExpCurrent(tau=5.0)``.
        weight : float, array_like or Distribution, optional
            Per synapse, in the synapse's weight unit (mV for Delta, pA for currents, nS for
            conductances, which must be >= 0). Default 1.0 (or the connector's own weights).
        delay : float, array_like or Distribution, optional
            Axonal delay, ms, as in NEST and Brian2: a spike at ``t`` arrives at
            ``t + delay`` and acts from the next step on (:mod:`neurosim.delays`). Given
            values must be whole multiples of ``dt`` and >= 0 (NEST needs >= ``dt``); values
            drawn from a distribution are rounded to the nearest step within its bounds.
            Default: ``dt``.
        plasticity : Plasticity, optional
            ``STDP(...)``, ``TripletSTDP(...)``, ``RewardSTDP(...)`` (weights change; initial
            weights must lie in ``[w_min, w_max]``) or ``TsodyksMarkram(...)`` (short-term
            plasticity of the transmitted amplitude); see :mod:`neurosim.plasticity`.
        name : str, optional

        Returns
        -------
        Projection
        """
        self._own(pre, "connect: pre")
        self._own(post, "connect: post")
        if not isinstance(connector, Connector):
            raise TypeError(f"connect: connector must be a Connector (AllToAll, OneToOne, "
                            f"FixedProbability, ...), got {connector!r}")
        if not isinstance(post.model, NeuronModel):
            raise ValueError(f"connect: post {post.name!r} is a spike source and cannot "
                             f"receive synapses")
        if synapse is None:
            synapse = ExpCurrent(tau=5.0)
        if not isinstance(synapse, Synapse):
            raise TypeError(f"connect: synapse must be one of the kinetics "
                            f"{sorted(SYNAPSES)} (neurosim.synapses), got {synapse!r}")
        if plasticity is not None and not isinstance(plasticity, Plasticity):
            kinds = [r.__name__ for r in RULES]
            raise TypeError(f"connect: plasticity must be one of {kinds} or a rule made by "
                            f"Plasticity.from_equations (one rule per projection), got "
                            f"{plasticity!r}")
        if plasticity is not None:
            as_statements(plasticity)  # a rule the engine cannot run is refused here
        if connector.weights is not None and weight is not None:
            raise ValueError(f"connect: {type(connector).__name__} supplies the weights; do "
                             f"not pass weight")
        if connector.delays is not None and delay is not None:
            raise ValueError(f"connect: {type(connector).__name__} supplies the delays; do "
                             f"not pass delay")
        if weight is None and connector.weights is None:
            weight = 1.0
        for label, value, unit in (("weight", weight, synapse.weight_unit), ("delay", delay, "ms")):
            if value is None or isinstance(value, Distribution):
                continue
            if np.ndim(value) == 0:
                _checks.finite("connect", label, value, unit)
            else:
                _checks.finite_array("connect", label, value, unit)
        if synapse.conductance and weight is not None and not isinstance(weight, Distribution) \
                and np.any(np.asarray(weight) < 0):
            raise ValueError(f"connect: conductance weights must be >= 0 nS, got "
                             f"{float(np.min(weight))!r} (use e_rev for inhibition)")
        if plasticity is not None and plasticity.changes_weights:
            rule = type(plasticity).__name__
            if synapse.conductance and getattr(plasticity, "w_min", 0.0) < 0:
                raise ValueError(f"connect: {rule}.w_min must be >= 0 nS on a conductance "
                                 f"synapse ({type(synapse).__name__}), got {plasticity.w_min!r}")  # type: ignore[attr-defined]
            if weight is not None and not isinstance(weight, Distribution):
                plasticity._check_bounds("connect", weight)
        if name is None:
            name = f"{pre.name}->{post.name}#{len(self.projections)}"
        proj = Projection(pre, post, connector, synapse, weight, delay, name, plasticity)
        self.projections.append(proj)
        return proj

    # -- inputs ------------------------------------------------------------------------------
    def inject(self, population: Population, current: CurrentInjection, *,
               neurons: npt.ArrayLike | None = None) -> Injection:
        """Inject a current (:class:`StepCurrent`, :class:`DCCurrent`, :class:`RampCurrent`,
        :class:`NoisyCurrent`) into ``population``.

        Parameters
        ----------
        population : Population
        current : CurrentInjection
        neurons : sequence of int, optional
            Target neurons; default all. Array amplitudes have one value per target.
        """
        self._own(population, "inject: population")
        if not isinstance(current, CurrentInjection):
            raise TypeError(f"inject: current must be a StepCurrent, DCCurrent, RampCurrent or "
                            f"NoisyCurrent, got {current!r}")
        if not isinstance(population.model, NeuronModel):
            raise ValueError(f"inject: {population.name!r} is a spike source")
        idx = _index_array("inject", neurons, population.n)
        for k, amp in enumerate(current._amplitudes()):
            if amp.ndim != 0 and amp.shape != (idx.size,):
                raise ValueError(f"inject: amplitudes[{k}] must be a scalar or have one value "
                                 f"per target neuron ({idx.size}), got shape {amp.shape}")
        inj = Injection(population, current, idx)
        self.injections.append(inj)
        return inj

    def poisson_input(self, population: Population, *, rate: float, n: int = 1, weight: float,
                      synapse: Synapse | None = None, neurons: npt.ArrayLike | None = None,
                      name: str | None = None) -> PoissonInput:
        """Drive every target neuron with its own ``n`` independent Poisson spike trains.

        Each target neuron receives, in every step, ``Poisson(n * rate * dt)`` spikes of weight
        ``weight`` through a synapse of kinetics ``synapse``, drawn anew for each neuron and
        step: the superposition of ``n`` independent Poisson processes of ``rate`` Hz, as NEST's
        ``poisson_generator`` sends a train of its own to each target and Brian2's
        ``PoissonInput`` does. No synapse table and no source neurons are kept, and ``rate * n``
        may exceed one spike per step. The spikes drawn for step ``k`` act in step ``k``
        (time ``k dt``), like spikes that arrive then.

        Parameters
        ----------
        population : Population
            A population of neurons (not a spike source).
        rate : float
            Rate of each afferent, Hz, >= 0.
        n : int
            Number of independent afferents per target neuron, >= 1.
        weight : float
            Weight of each afferent spike in the synapse's unit (pA, nS, or mV for
            :class:`Delta`); >= 0 for conductance synapses.
        synapse : Synapse, optional
            Kinetics; default ``ExpCurrent(tau=5.0)`` as in :meth:`connect`.
        neurons : sequence of int, optional
            Target neurons; default all.
        name : str, optional

        Returns
        -------
        PoissonInput
        """
        self._own(population, "poisson_input: population")
        if not isinstance(population.model, NeuronModel):
            raise ValueError(f"poisson_input: {population.name!r} is a spike source and cannot "
                             f"receive synapses")
        rate = _checks.non_negative("poisson_input", "rate", rate, "Hz")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"poisson_input: n must be an integer >= 1 (afferents per "
                             f"neuron), got {n!r}")
        if synapse is None:
            synapse = ExpCurrent(tau=5.0)
        if not isinstance(synapse, Synapse):
            raise TypeError(f"poisson_input: synapse must be Delta, ExpCurrent, AlphaCurrent, "
                            f"ExpConductance or AlphaConductance, got {synapse!r}")
        weight = _checks.finite("poisson_input", "weight", weight, synapse.weight_unit)
        if synapse.conductance and weight < 0:
            raise ValueError(f"poisson_input: conductance weights must be >= 0 nS, got "
                             f"{weight!r} (use e_rev for inhibition)")
        idx = _index_array("poisson_input", neurons, population.n)
        if name is None:
            name = f"poisson->{population.name}#{len(self.poisson_inputs)}"
        inp = PoissonInput(population, float(rate), int(n), float(weight), synapse, idx, name)
        self.poisson_inputs.append(inp)
        return inp

    # -- monitors ----------------------------------------------------------------------------
    def record_spikes(self, population: Population) -> SpikeMonitor:
        """Record all spikes of ``population``.

        Returns
        -------
        SpikeMonitor
            ``sim.data[monitor]`` is a :class:`neurosim.records.SpikeRecord`.
        """
        self._own(population, "record_spikes: population")
        mon = SpikeMonitor(population)
        self.monitors.append(mon)
        return mon

    def record_weights(self, projection: Projection, *, every: float | None = None,
                       synapses: npt.ArrayLike | None = None) -> WeightMonitor:
        """Record the weights of (some) synapses of a projection.

        The sample taken after step ``k`` is the weight at time ``(k + 1) * dt``, after the
        plasticity of step ``k``.

        Parameters
        ----------
        projection : Projection
            A projection of this network (static weights are recorded as constants); not one
            with :class:`TsodyksMarkram`, whose weights do not change.
        every : float, optional
            Sampling interval in ms, a whole multiple of dt; default dt.
        synapses : sequence of int, optional
            Indices into the projection's synapse list (the order of
            :meth:`neurosim.Simulator.weights`); default all. Checked against the number of
            synapses when the simulator is built.

        Returns
        -------
        WeightMonitor
            ``sim.data[monitor]`` is a :class:`neurosim.records.WeightRecord`.
        """
        if not isinstance(projection, Projection) or \
                not any(p is projection for p in self.projections):
            raise ValueError(f"record_weights: projection must be a projection of this "
                             f"network, got {projection!r}")
        if projection.plasticity is not None and not projection.plasticity.changes_weights:
            raise ValueError(f"record_weights: the weights of {projection.name!r} do not change "
                             f"({type(projection.plasticity).__name__} scales the transmitted "
                             f"amplitude, not the weight)")
        if synapses is not None:
            idx = np.asarray(synapses)
            if idx.ndim == 0:
                idx = idx.reshape(1)
            if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
                raise TypeError(f"record_weights: synapses must be a 1-D sequence of integer "
                                f"indices, got {synapses!r}")
            if idx.size and idx.min() < 0:
                raise ValueError(f"record_weights: synapse index {int(idx.min())} is negative")
            synapses = idx.astype(np.int64)
        if every is not None:
            every = _checks.positive("record_weights", "every", every, "ms")
        mon = WeightMonitor(projection, synapses, every)
        self.weight_monitors.append(mon)
        return mon

    def record(self, population: Population, variable: str, *,
               neurons: npt.ArrayLike | None = None, every: float | None = None) -> StateMonitor:
        """Record a state variable of some neurons.

        The sample taken after step ``k`` is the state at time ``(k + 1) * dt``; with
        ``every`` = m steps the sample times are ``m dt, 2 m dt, ...``.

        Parameters
        ----------
        population : Population
        variable : str
            A state variable of the model (``"v"``, ``"w"``, ``"u"``).
        neurons : sequence of int, optional
            Default all.
        every : float, optional
            Sampling interval in ms, a whole multiple of dt; default dt.

        Returns
        -------
        StateMonitor
        """
        self._own(population, "record: population")
        valid = list(population.model.state_vars)
        if variable not in valid:
            raise ValueError(f"record: {type(population.model).__name__} has no state variable "
                             f"{variable!r}; valid: {valid}")
        idx = _index_array("record", neurons, population.n)
        if every is not None:
            every = _checks.positive("record", "every", every, "ms")
        mon = StateMonitor(population, variable, idx, every)
        self.monitors.append(mon)
        return mon
