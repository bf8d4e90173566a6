"""Stolen: declare the vehicle stolen (or recovered), inhibit its crank, or set its tracking period."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import model_validator

from bot.vehicle.features.base import (
    FeatureModel,
    RemoteModel,
    RemoteRequestError,
    V1Names,
    V3Context,
    V3Names,
)
from bot.vehicle.features.strict import boolean, closed_object, fail, integer, only_one

_MAX_INT = 2**63 - 1  # an int64, the widest integer the vendor can hold


class TrackingPeriod(RemoteModel):
    """How often a stolen vehicle reports, ignition on (`running`, at least 5) and off (`shutdown`, 60)."""

    running: int | None = None
    shutdown: int | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.running is None and self.shutdown is None:
            raise RemoteRequestError("a tracking period needs a running period, a shutdown period, or both")
        if self.running is not None and not 5 <= self.running <= _MAX_INT:
            raise RemoteRequestError("the tracking period while running must be at least 5")
        if self.shutdown is not None and not 60 <= self.shutdown <= _MAX_INT:
            raise RemoteRequestError("the tracking period while shut down must be at least 60")
        return self

    def wire(self) -> dict[str, int]:
        """The v3 `trackingPeriod` object, with the periods given."""
        periods = {"running": self.running, "shutdown": self.shutdown}
        return {key: value for key, value in periods.items() if value is not None}


class Stolen(FeatureModel):
    """Declare the vehicle stolen (or not), inhibit its crank, or set its tracking period: one per request."""

    name: ClassVar[str] = "Stolen"
    v1: ClassVar[V1Names] = V1Names(key="stolen", remote_type="Stolen")
    v3: ClassVar[V3Names | None] = V3Names(key="stolen", remote_type="Stolen", capability_keys=("stolen",))
    state: bool | None = None
    crank_inhibit: bool | None = None  # v3 calls it the stolen vehicle's `immobilization`
    tracking_period: TrackingPeriod | None = None  # v3 only

    @model_validator(mode="after")
    def _check(self) -> Self:
        forms = (self.state, self.crank_inhibit, self.tracking_period)
        if sum(form is not None for form in forms) != 1:
            raise RemoteRequestError(
                "stolen takes either the stolen state, the crank inhibit or a tracking period, one at a time"
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

    @classmethod
    def track_every(cls, running: int | None = None, shutdown: int | None = None) -> Stolen:
        """Set how often the stolen vehicle reports, ignition on and off (Fleet Owner v3 only)."""
        return cls(tracking_period=TrackingPeriod(running=running, shutdown=shutdown))

    def v1_action(self) -> dict[str, Any]:
        """{"stolen": {"state": bool}} or {"stolen": {"crankInhibit": {"activate": bool}}}."""
        if self.tracking_period is not None:
            raise RemoteRequestError("the Connected Car v1 API cannot set a stolen vehicle's tracking period")
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

    def v3_action(self, context: V3Context) -> dict[str, Any]:
        """{"stolen": {"stolen" | "immobilization" | "trackingPeriod": ...}}, the one form the model holds."""
        if self.tracking_period is not None:
            return {"stolen": {"trackingPeriod": self.tracking_period.wire()}}
        if self.state is not None:
            return {"stolen": {"stolen": self.state}}
        return {"stolen": {"immobilization": {"activate": self.crank_inhibit}}}

    @classmethod
    def read_v3(cls, value: Any, path: str) -> Self:
        """The v3 stolen object: exactly one of the stolen state, the immobilization, the tracking period."""
        forms = ("stolen", "immobilization", "trackingPeriod")
        stolen = closed_object(value, path, forms)
        form = only_one(stolen, path, forms)
        if form == "stolen":
            return cls(state=boolean(stolen["stolen"], f"{path}.stolen"))
        if form == "immobilization":
            inhibit = closed_object(stolen[form], f"{path}.{form}", {"activate"}, {"activate"})
            return cls(crank_inhibit=boolean(inhibit["activate"], f"{path}.{form}.activate"))
        path += ".trackingPeriod"
        period = closed_object(stolen[form], path, ("running", "shutdown"))
        if not period:
            fail(path, "give running, shutdown or both")
        periods = {
            key: integer(period[key], f"{path}.{key}", low, _MAX_INT)
            for key, low in (("running", 5), ("shutdown", 60))
            if key in period
        }
        return cls(tracking_period=TrackingPeriod(**periods))
