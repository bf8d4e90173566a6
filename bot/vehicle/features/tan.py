"""Tan: theft alarm notifications, suppressed for a while or not, and a theft confirmed or denied."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import model_validator

from bot.vehicle.features.base import (
    TAN_DURATION_CODES,
    FeatureModel,
    RemoteRequestError,
    TanDuration,
    V1Names,
)
from bot.vehicle.features.strict import boolean, closed_object, fail, integer, only_one

_DURATION_NAMES = {code: name for name, code in TAN_DURATION_CODES.items()}


class Tan(FeatureModel):
    """Theft Alarm Notification: suppress for a while, un-suppress, or confirm/deny a theft (one per call)."""

    name: ClassVar[str] = "Tan"
    v1: ClassVar[V1Names] = V1Names(
        key="tan",
        remote_type="Tan.suppress",  # a confirm/deny answers "Tan.confirm": see response_type
        also_answered_as=("Tan.confirm",),
        notified_as=("Tan",),
        capability_names=("tansuppress",),
    )
    suppress: bool | None = None
    duration: TanDuration | None = None
    confirm: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.suppress is None) == (self.confirm is None):
            raise RemoteRequestError(
                "theft alarm takes either a suppression or a theft confirmation, one at a time"
            )
        if self.suppress and self.duration is None:
            raise RemoteRequestError("suppressing theft alarms needs a duration: 2h, 4h, 12h, 24h, 3d or 7d")
        if not self.suppress and self.duration is not None:
            raise RemoteRequestError("a duration only applies when suppressing theft alarms")
        return self

    @property
    def response_type(self) -> str:
        """Tan.suppress or Tan.confirm, as the 202 answers."""
        return "Tan.suppress" if self.suppress is not None else "Tan.confirm"

    @classmethod
    def suppress_for(cls, duration: TanDuration) -> Tan:
        """Suppress theft alarm notifications for 2h, 4h, 12h, 24h, 3d or 7d."""
        return cls(suppress=True, duration=duration)

    @classmethod
    def unsuppress(cls) -> Tan:
        """Receive theft alarm notifications again."""
        return cls(suppress=False)

    @classmethod
    def confirm_theft(cls) -> Tan:
        """Confirm the theft reported by a theft alarm notification."""
        return cls(confirm=True)

    @classmethod
    def deny_theft(cls) -> Tan:
        """Deny the theft reported by a theft alarm notification."""
        return cls(confirm=False)

    def v1_action(self) -> dict[str, Any]:
        """{"tan": {"suppress": {...}}} or {"tan": {"confirm": {"state": bool}}}."""
        if self.suppress is None:
            return {"tan": {"confirm": {"state": self.confirm}}}
        if self.duration is None:
            return {"tan": {"suppress": {"state": self.suppress}}}
        return {"tan": {"suppress": {"state": self.suppress, "duration": TAN_DURATION_CODES[self.duration]}}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 tan object: a suppression (duration code 0 to 5) or a confirmation."""
        tan = closed_object(value, path, ("suppress", "confirm"))
        if only_one(tan, path, ("suppress", "confirm")) == "confirm":
            confirm = closed_object(tan["confirm"], f"{path}.confirm", {"state"}, {"state"})
            return cls(confirm=boolean(confirm["state"], f"{path}.confirm.state"))
        path += ".suppress"
        suppress = closed_object(tan["suppress"], path, ("state", "duration"), ("state",))
        if not boolean(suppress["state"], f"{path}.state"):
            if "duration" in suppress:  # the vendor ignores it; still, it must be well formed
                integer(suppress["duration"], f"{path}.duration", 0, 5)
            return cls(suppress=False)
        if "duration" not in suppress:
            fail(path, "duration is required when state is true")
        code = integer(suppress["duration"], f"{path}.duration", 0, 5)
        return cls(suppress=True, duration=_DURATION_NAMES[code])
