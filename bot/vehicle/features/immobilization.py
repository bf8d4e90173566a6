"""Immobilization: immobilize the vehicle or release it."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names
from bot.vehicle.features.strict import boolean, closed_object


class Immobilization(FeatureModel):
    """Immobilize the vehicle or release it."""

    name: ClassVar[str] = "Immobilization"
    v1: ClassVar[V1Names] = V1Names(key="immobilization", remote_type="Immobilization")
    activate: bool

    def v1_action(self) -> dict[str, Any]:
        """{"immobilization": {"activate": bool}}."""
        return {"immobilization": {"activate": self.activate}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 immobilization object."""
        activate = closed_object(value, path, {"activate"}, {"activate"})["activate"]
        return cls(activate=boolean(activate, f"{path}.activate"))
