"""Horn: sound the horn, or ask it to stop."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names, V3Context, V3Names
from bot.vehicle.features.strict import ON_OFF, state


class Horn(FeatureModel):
    """Sound the horn (or, with on=False, ask it to stop)."""

    name: ClassVar[str] = "Horn"
    v1: ClassVar[V1Names] = V1Names(key="horn", remote_type="Horn")
    v3: ClassVar[V3Names | None] = V3Names(key="horn", remote_type="Horn", capability_keys=("horn",))
    on: bool = True

    def v1_action(self) -> dict[str, Any]:
        """{"horn": {"state": "Activated" | "Unactivated"}}."""
        return {"horn": {"state": "Activated" if self.on else "Unactivated"}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 horn object."""
        return cls(on=state(value, path, ON_OFF) == "Activated")

    def v3_action(self, context: V3Context) -> dict[str, Any]:
        """{"horn": {"state": "Activated" | "Unactivated"}}, as in v1."""
        return self.v1_action()

    @classmethod
    def read_v3(cls, value: Any, path: str) -> Self:
        """The v3 horn object, the same as v1's."""
        return cls.read_v1(value, path)
