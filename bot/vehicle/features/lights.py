"""Lights: switch the lights on or off."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names, V3Context, V3Names
from bot.vehicle.features.strict import ON_OFF, boolean, closed_object, state


class Lights(FeatureModel):
    """Switch the lights on or off."""

    name: ClassVar[str] = "Lights"
    v1: ClassVar[V1Names] = V1Names(key="lights", remote_type="Lights")
    v3: ClassVar[V3Names | None] = V3Names(key="lights", remote_type="Lights", capability_keys=("lights",))
    on: bool

    def v1_action(self) -> dict[str, Any]:
        """{"lights": {"state": "Activated" | "Unactivated"}}."""
        return {"lights": {"state": "Activated" if self.on else "Unactivated"}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 lights object."""
        return cls(on=state(value, path, ON_OFF) == "Activated")

    def v3_action(self, context: V3Context) -> dict[str, Any]:
        """{"lights": {"on": bool}}."""
        return {"lights": {"on": self.on}}

    @classmethod
    def read_v3(cls, value: Any, path: str) -> Self:
        """The v3 lights object (the removed `duration` is refused)."""
        return cls(on=boolean(closed_object(value, path, {"on"}, {"on"})["on"], f"{path}.on"))
