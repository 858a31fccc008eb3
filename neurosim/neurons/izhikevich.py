"""Izhikevich neuron (:class:`Izhikevich`) and its equations.

One file per model: it registers itself (``@register_model``), so the model contract
suite and the network's list of models find it without another edit.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import _checks
from .base import (
    KIND_IZHIKEVICH,
    SCHEMES,
    ModelExample,
    NeuronModel,
    _defined,
    _validate_fields,
    register_model,
)

#: Izhikevich (2003), v in mV and t in ms; the input current scaled by c_m.
IZHIKEVICH_EQUATIONS = """
dv/dt = 0.04/(mV*ms)*vc**2 + 5/ms*vc + 140*mV/ms - u + (i_syn + i_e)/c_m : mV
du/dt = a*(b*vc - u) : mV/ms
vc = clip(v, -1e9*mV, v_peak) : mV
"""


_IZH_UNITS = dict(a="1/ms", b="1/ms", c="mV", d="mV/ms", v_peak="mV", c_m="pF", i_e="pA")


@register_model
@dataclass(frozen=True)
class Izhikevich(NeuronModel):
    r"""Izhikevich's (2003) simple model.

    Equations (``v`` in mV, ``t`` in ms)::

        dv/dt = 0.04 v^2 + 5 v + 140 - u + (i_e + i_inj + I_syn(v)) / c_m
        du/dt = a (b v - u)
        if v >= v_peak:  spike;  v <- c;  u <- u + d

    With the default ``c_m = 1 pF`` an input of 1 pA is Izhikevich's ``I = 1`` (mV/ms).
    ``I_syn(v) = sum i_k + sum g_k (e_k - v)``, held at their mean over the step.

    Integration: ``scheme="rk4"`` (default) or ``"euler"``, on ``(v, u)``. The right-hand side
    is evaluated at ``min(v, v_peak)`` so that intermediate stages stay finite.

    Parameters
    ----------
    a, b : float
        Recovery rate and sensitivity, 1/ms.
    c : float
        Reset potential, mV, < v_peak.
    d : float
        Reset increment of ``u``, mV/ms.
    v_peak : float
        Spike cut-off, mV.
    c_m : float
        Scale of the input current, pF, > 0.
    i_e : float
        Constant bias current, pA.
    scheme : {"rk4", "euler"}

    State variables: ``v`` (mV, initially -65), ``u`` (mV/ms, initially ``b * v``).
    Defaults: regular spiking (a=0.02, b=0.2, c=-65, d=8).
    """

    a: float = 0.02
    b: float = 0.2
    c: float = -65.0
    d: float = 8.0
    v_peak: float = 30.0
    c_m: float = 1.0
    i_e: float = 0.0
    scheme: str = "rk4"

    kind = KIND_IZHIKEVICH
    state_vars = ("v", "u")

    def __post_init__(self):
        _checks.choice("Izhikevich", "scheme", self.scheme, SCHEMES)
        _validate_fields(self, _IZH_UNITS, positive=("c_m",))
        _checks.less("Izhikevich", "c", self.c, "v_peak", self.v_peak, "mV")

    def initial_values(self):
        return {"v": -65.0, "u": self.b * -65.0}

    @classmethod
    def _examples(cls):
        return [ModelExample("Izhikevich-rk4", cls(scheme="rk4"), 2.0, 10.0, 4, 0.1),
                ModelExample("Izhikevich-euler", cls(scheme="euler"), 2.0, 10.0, 1, 0.1)]

    def _definition(self):
        return _defined(self, IZHIKEVICH_EQUATIONS, "v >= v_peak", "v = c; u += d", 0.0,
                        ("a", "b", "c", "d", "v_peak", "c_m", "i_e"), self.scheme, None)
