"""What every plasticity rule shares: the base class, parameter validation and the
statement definitions of the built-in rules (:func:`as_statements`).
"""

from __future__ import annotations

import numpy as np

from .. import _checks

PAIRINGS = ("all", "nearest", "reduced")
DEPENDENCES = ("additive", "multiplicative")


class Plasticity:
    """Base class of the plasticity rules."""

    #: True for the rules that change weights (STDP family); False for short-term plasticity.
    changes_weights = True

    @staticmethod
    def from_equations(equations="", *, on_pre="", on_post="", parameters=None, initial=None,
                       transmit=None, w_bounds=None, name="PlasticityRule"):
        """A weight-changing rule written as Brian2 writes ``Synapses(on_pre=, on_post=)``.

        >>> stdp = Plasticity.from_equations(
        ...     '''
        ...     dapre/dt = -apre / tau_pre : 1
        ...     dapost/dt = -apost / tau_post : 1
        ...     ''',
        ...     on_pre="w = clip(w - a_minus * apost, 0, w_max); apre += 1",
        ...     on_post="w = clip(w + a_plus * apre, 0, w_max); apost += 1",
        ...     parameters=dict(tau_pre=20.0, tau_post=20.0, a_plus=0.01, a_minus=0.0105,
        ...                     w_max=1.0))
        >>> stdp.storage["apre"], stdp.storage["apost"]
        ('pre', 'post')

        Parameters
        ----------
        equations : str
            One line per variable of the synapse: ``dx/dt = -x / tau : 1`` for a trace that
            decays exponentially (``tau`` a parameter or a number, ms),
            ``dx/dt = (x_rest - x) / tau : 1`` for one that relaxes to ``x_rest``, ``x : 1``
            for a plain variable (no dynamics). Units after the colon are documentation here: the
            statements are not dimension-checked. A variable flagged ``(shared)``
            (``dd/dt = -d / tau_d : 1 (shared)``, Brian2's flag) has one value per projection;
            statements read it, only the script changes it, between runs
            (:meth:`neurosim.Simulator.set_rule_variable`). One line may give the weight a
            continuous change, ``dw/dt = x * y`` with ``x`` a decaying trace of the synapse and
            ``y`` a shared decaying trace (reward-modulated STDP's ``dw/dt = c d``): it is
            integrated exactly and lazily (:mod:`neurosim.plasticity.rule`).
        on_pre : str
            Statements run when a presynaptic spike arrives at the synapse (after its delay),
            separated by ``;`` or new lines: ``=``, ``+=``, ``-=``, ``*=``, ``/=`` on ``w`` (the
            weight, in the projection's unit) and the variables.
        on_post : str
            Statements run on the synapse's postsynaptic spikes.
        parameters : dict of str -> float
            Shared by every synapse of the projection; each must be used.
        initial : dict of str -> float
            Initial values of the variables (default 0).
        transmit : str, optional
            What an arriving spike adds to its target's receptor, evaluated when it arrives,
            after ``on_pre`` (Brian2's ``g_post += ...`` in ``on_pre``): e.g. ``"w * r"`` for
            short-term plasticity, with ``r`` the fraction of resources ``on_pre`` released.
            Default: the weight ``w`` as the spike left. A rule with ``transmit`` may change
            no weight at all (``TsodyksMarkram`` is such a rule).
        w_bounds : (str or float, str or float), optional
            Lower and upper bound (parameter names or numbers) the weight of ``dw/dt = x * y``
            is clipped to after each integration; only with that line (statements clip with
            ``clip``).
        name : str
            An identifier, for messages and the generated code.

        Returns
        -------
        neurosim.plasticity.rule.PlasticityRule
            Semantics, storage and timing in :mod:`neurosim.plasticity.rule`.
        """
        from .rule import PlasticityRule
        return PlasticityRule(equations, on_pre=on_pre, on_post=on_post, parameters=parameters,
                              initial=initial, transmit=transmit, w_bounds=w_bounds, name=name)

    def _check_bounds(self, owner, w):
        """Raise if initial weights ``w`` (array) lie outside ``[w_min, w_max]``."""
        w = np.asarray(w, dtype=np.float64)
        if w.size == 0:
            return
        name = type(self).__name__
        lo, hi = float(w.min()), float(w.max())
        if lo < self.w_min:
            raise ValueError(f"{owner}: initial weight {lo!r} is below {name}.w_min = "
                             f"{self.w_min!r}; weights must start inside [w_min, w_max]")
        if hi > self.w_max:
            raise ValueError(f"{owner}: initial weight {hi!r} is above {name}.w_max = "
                             f"{self.w_max!r}; weights must start inside [w_min, w_max]")


_DEFINITIONS = {}


def _rule(owner, equations, **kwargs):
    """The :class:`~neurosim.plasticity.rule.PlasticityRule` of a built-in rule (made once
    per distinct rule)."""
    if owner not in _DEFINITIONS:
        from .rule import PlasticityRule
        _DEFINITIONS[owner] = PlasticityRule(equations, name=type(owner).__name__, **kwargs)
    return _DEFINITIONS[owner]


def as_statements(rule):
    """The rule written as statements that the engine runs for ``rule``: itself for a
    :class:`~neurosim.plasticity.rule.PlasticityRule`, the definition (``_definition()``) of
    :class:`STDP`, :class:`TripletSTDP`, :class:`RewardSTDP` and :class:`TsodyksMarkram`;
    None for no rule. Every rule runs this way: a subclass of :class:`Plasticity` without a
    definition is refused."""
    if rule is None:
        return None
    if hasattr(rule, "kernel"):
        return rule
    definition = getattr(rule, "_definition", None)
    if definition is None:
        raise TypeError(f"{type(rule).__name__} has no _definition(): a plasticity rule runs "
                        f"as statements; return Plasticity.from_equations(...) from "
                        f"_definition(), or pass that rule itself")
    return definition()


def _validate_common(obj, *, rates, taus, pairings=PAIRINGS[:2]):
    name = type(obj).__name__
    for r in rates:
        value = _checks.finite(name, r, getattr(obj, r))
        if value < 0:
            raise ValueError(f"{name}.{r} must be >= 0 (a magnitude: depression is "
                             f"subtracted, potentiation added), got {value!r}")
        object.__setattr__(obj, r, value)
    for t in taus:
        object.__setattr__(obj, t, _checks.positive(name, t, getattr(obj, t), "ms"))
    object.__setattr__(obj, "w_min", _checks.finite(name, "w_min", obj.w_min))
    object.__setattr__(obj, "w_max", _checks.finite(name, "w_max", obj.w_max))
    if not obj.w_min < obj.w_max:
        raise ValueError(f"{name}.w_min must be < {name}.w_max ({obj.w_max!r}), got "
                         f"{obj.w_min!r}")
    _checks.choice(name, "pairing", obj.pairing, pairings)
