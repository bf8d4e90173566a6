"""WakeUp: wake the vehicle so it refreshes its data."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names, V3Context, V3Names
from bot.vehicle.features.strict import closed_object, fixed_action


class WakeUp(FeatureModel):
    """Wake the vehicle so it refreshes its data."""

    name: ClassVar[str] = "WakeUp"
    v1: ClassVar[V1Names] = V1Names(key="wakeup", remote_type="Wakeup", notified_as=("WakeUp",))
    v3: ClassVar[V3Names | None] = V3Names(key="wakeUp", remote_type="WakeUp", capability_keys=("wakeup",))

    def v1_action(self) -> dict[str, Any]:
        """{"wakeup": {"action": "Wakeup"}}."""
        return {"wakeup": {"action": "Wakeup"}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 wake-up object."""
        fixed_action(value, path, "Wakeup")
        return cls()

    def v3_action(self, context: V3Context) -> dict[str, Any]:
        """{"wakeUp": {"action": "WakeUp"}}."""
        return {"wakeUp": {"action": "WakeUp"}}

    @classmethod
    def read_v3(cls, value: Any, path: str) -> Self:
        """The v3 wake-up object (`action` defaults to WakeUp)."""
        fixed_action({"action": "WakeUp", **closed_object(value, path, {"action"})}, path, "WakeUp")
        return cls()
