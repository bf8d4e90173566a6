"""Locking: lock or unlock the doors."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names, V3Context, V3Names
from bot.vehicle.features.strict import state


class Locking(FeatureModel):
    """Lock or unlock the doors."""

    name: ClassVar[str] = "Locking"
    v1: ClassVar[V1Names] = V1Names(
        key="locking", remote_type="Locking", notified_as=("Doors",), capability_names=("door", "doors")
    )
    v3: ClassVar[V3Names | None] = V3Names(key="door", remote_type="Doors", capability_keys=("door",))
    lock: bool

    def v1_action(self) -> dict[str, Any]:
        """{"locking": {"state": "Locked" | "Unlocked"}}."""
        return {"locking": {"state": "Locked" if self.lock else "Unlocked"}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 locking object."""
        return cls(lock=state(value, path, ("Unlocked", "Locked")) == "Locked")

    def v3_action(self, context: V3Context) -> dict[str, Any]:
        """{"door": {"state": "Locked" | "Unlocked"}} (the deprecated `forced` is never sent)."""
        return {"door": {"state": "Locked" if self.lock else "Unlocked"}}

    @classmethod
    def read_v3(cls, value: Any, path: str) -> Self:
        """The v3 door object; the deprecated `forced` is refused, as the bot never sends it."""
        return cls(lock=state(value, path, ("Unlocked", "Locked")) == "Locked")
