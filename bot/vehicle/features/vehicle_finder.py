"""VehicleFinder: ask the vehicle for its present location."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names
from bot.vehicle.features.strict import fixed_action


class VehicleFinder(FeatureModel):
    """Ask the vehicle for its present location."""

    name: ClassVar[str] = "VehicleFinder"
    v1: ClassVar[V1Names] = V1Names(key="vehicleFinder", remote_type="VehicleFinder")

    def v1_action(self) -> dict[str, Any]:
        """{"vehicleFinder": {"action": "GetPresentLocation"}}."""
        return {"vehicleFinder": {"action": "GetPresentLocation"}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 vehicle finder object."""
        fixed_action(value, path, "GetPresentLocation")
        return cls()
