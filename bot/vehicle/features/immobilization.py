"""Immobilization: immobilize the vehicle or release it."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from bot.vehicle.features.base import FeatureModel, V1Names, V3Context, V3Names
from bot.vehicle.features.strict import boolean, closed_object


class Immobilization(FeatureModel):
    """Immobilize the vehicle or release it."""

    name: ClassVar[str] = "Immobilization"
    v1: ClassVar[V1Names] = V1Names(key="immobilization", remote_type="Immobilization")
    # The v3 capability lists no immobilization entry: it says nothing about this feature.
    v3: ClassVar[V3Names | None] = V3Names(key="immobilization", remote_type="Immobilization")
    activate: bool

    def v1_action(self) -> dict[str, Any]:
        """{"immobilization": {"activate": bool}}."""
        return {"immobilization": {"activate": self.activate}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 immobilization object."""
        activate = closed_object(value, path, {"activate"}, {"activate"})["activate"]
        return cls(activate=boolean(activate, f"{path}.activate"))

    def v3_action(self, context: V3Context) -> dict[str, Any]:
        """{"immobilization": {"activate": bool}}, as in v1."""
        return self.v1_action()

    @classmethod
    def read_v3(cls, value: Any, path: str) -> Self:
        """The v3 immobilization object, the same as v1's."""
        return cls.read_v1(value, path)
