"""WakeUp: wake the vehicle so it refreshes its data."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names
from bot.vehicle.features.strict import fixed_action


class WakeUp(FeatureModel):
    """Wake the vehicle so it refreshes its data."""

    name: ClassVar[str] = "WakeUp"
    v1: ClassVar[V1Names] = V1Names(key="wakeup", remote_type="Wakeup", notified_as=("WakeUp",))

    def v1_action(self) -> dict[str, Any]:
        """{"wakeup": {"action": "Wakeup"}}."""
        return {"wakeup": {"action": "Wakeup"}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 wake-up object."""
        fixed_action(value, path, "Wakeup")
        return cls()
