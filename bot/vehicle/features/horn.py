"""Horn: sound the horn, or ask it to stop."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names
from bot.vehicle.features.strict import ON_OFF, state


class Horn(FeatureModel):
    """Sound the horn (or, with on=False, ask it to stop)."""

    name: ClassVar[str] = "Horn"
    v1: ClassVar[V1Names] = V1Names(key="horn", remote_type="Horn")
    on: bool = True

    def v1_action(self) -> dict[str, Any]:
        """{"horn": {"state": "Activated" | "Unactivated"}}."""
        return {"horn": {"state": "Activated" if self.on else "Unactivated"}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 horn object."""
        return cls(on=state(value, path, ON_OFF) == "Activated")
