"""Lights: switch the lights on or off."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names
from bot.vehicle.features.strict import ON_OFF, state


class Lights(FeatureModel):
    """Switch the lights on or off."""

    name: ClassVar[str] = "Lights"
    v1: ClassVar[V1Names] = V1Names(key="lights", remote_type="Lights")
    on: bool

    def v1_action(self) -> dict[str, Any]:
        """{"lights": {"state": "Activated" | "Unactivated"}}."""
        return {"lights": {"state": "Activated" if self.on else "Unactivated"}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 lights object."""
        return cls(on=state(value, path, ON_OFF) == "Activated")
