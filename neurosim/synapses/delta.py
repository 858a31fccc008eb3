"""A voltage jump: the arriving weight is added to ``v``."""

from __future__ import annotations

from dataclasses import dataclass

from .base import KIND_DELTA, Synapse, register_synapse


@register_synapse
@dataclass(frozen=True)
class Delta(Synapse):
    """Instantaneous voltage jump of ``weight`` mV (lost while the target is refractory)."""

    kind = KIND_DELTA
    weight_unit = "mV"

    @staticmethod
    def _examples():
        return [Delta()]
