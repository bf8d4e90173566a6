"""OnboardPersonalData: delete the personal data stored in the vehicle."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names
from bot.vehicle.features.strict import fixed_action


class OnboardPersonalData(FeatureModel):
    """Delete the personal data stored in the vehicle."""

    name: ClassVar[str] = "OnboardPersonalData"
    v1: ClassVar[V1Names] = V1Names(key="onboardPersonalData", remote_type="OnboardPersonalData")

    def v1_action(self) -> dict[str, Any]:
        """{"onboardPersonalData": {"action": "Delete"}}."""
        return {"onboardPersonalData": {"action": "Delete"}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 personal data object."""
        fixed_action(value, path, "Delete")
        return cls()
