"""Stolen: declare the vehicle stolen (or recovered), or inhibit its crank."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import model_validator

from bot.vehicle.features.base import FeatureModel, RemoteRequestError, V1Names
from bot.vehicle.features.strict import boolean, closed_object, only_one


class Stolen(FeatureModel):
    """Declare the vehicle stolen (or not), or inhibit its crank: one of the two per request."""

    name: ClassVar[str] = "Stolen"
    v1: ClassVar[V1Names] = V1Names(key="stolen", remote_type="Stolen")
    state: bool | None = None
    crank_inhibit: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.state is None) == (self.crank_inhibit is None):
            raise RemoteRequestError(
                "stolen takes either the stolen state or the crank inhibit, one at a time"
            )
        return self

    @classmethod
    def report(cls, stolen: bool) -> Stolen:
        """Declare the vehicle stolen (True) or recovered (False)."""
        return cls(state=stolen)

    @classmethod
    def inhibit_crank(cls, activate: bool) -> Stolen:
        """Prevent (True) or allow again (False) starting the engine of a stolen vehicle."""
        return cls(crank_inhibit=activate)

    def v1_action(self) -> dict[str, Any]:
        """{"stolen": {"state": bool}} or {"stolen": {"crankInhibit": {"activate": bool}}}."""
        if self.state is not None:
            return {"stolen": {"state": self.state}}
        return {"stolen": {"crankInhibit": {"activate": self.crank_inhibit}}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 stolen object: a state or a crank inhibit."""
        stolen = closed_object(value, path, ("state", "crankInhibit"))
        if only_one(stolen, path, ("state", "crankInhibit")) == "state":
            return cls(state=boolean(stolen["state"], f"{path}.state"))
        inhibit = closed_object(stolen["crankInhibit"], f"{path}.crankInhibit", {"activate"}, {"activate"})
        return cls(crank_inhibit=boolean(inhibit["activate"], f"{path}.crankInhibit.activate"))
