"""The one internal shape every vendor notification is normalized into."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PENDING = "Pending"
DONE = "Done"
WAKING_UP = "WakingUpVehicle"  # a Pending step: the vendor is waking the vehicle for this remote
WAKE_UPS_SPENT = "TooManyWakeUpsOverMonth"  # a Pending status or a failure cause: the monthly quota is used
# Done statuses that are the vehicle's own answer (the vendor's flow: the vehicle responds Success or
# AlreadyDone); a failure may come from the platform alone (rights, quota, a wake-up that timed out).
VEHICLE_ANSWERS = frozenset({"Success", "AlreadyDone"})


class VehicleEvent(BaseModel):
    """One progress report about one remote action, whatever the notification vocabulary."""

    model_config = ConfigDict(frozen=True)

    remote_action_id: str
    remote_type: str  # canonical name, see notifications.canonical_remote_type
    event_type: str  # "Pending", "Done", or an unknown string (counted as final)
    status: str  # e.g. Accepted, WakingUpVehicle, SentToVehicle, Success, AlreadyDone, Failed
    failure_cause: str | None = None
    feedback_detail: str | None = None
    vin: str | None = None
    date: str | None = None  # ISO 8601 as sent by the vendor
    extensions: list[dict[str, Any]] = Field(default_factory=list)
    attributes: dict[str, str] = Field(default_factory=dict)  # body attributes (cbtoken, ...)

    @property
    def is_final(self) -> bool:
        """Anything other than Pending ends the request (the docs also mention type Failed)."""
        return self.event_type != PENDING
