"""Pydantic models of the Fleet Owner B2B v3 answers and of its remote callback (tolerant when reading)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.vehicle.wire import LatestTelemetry, VehicleCapability

RetryPolicyName = Literal["None", "Bounded"]
CallbackStatus = Literal["Running", "Paused", "Failed"]
RETRY_NUMBER_MIN = 1
RETRY_DELAY_MIN_SECONDS = 1
BATCH_WINDOW_MIN_SECONDS = 5


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class Fleet(_Wire):
    """One fleet the account sees."""

    id: str
    name: str = ""


class FleetVehicle(_Wire):
    """One vehicle of a fleet: its opaque id (in paths) and its VIN (what people and notifications use)."""

    id: str
    vin: str
    motorization: str | None = None


class RetryPolicy(_Wire):
    """What the vendor does when the webhook does not answer 2xx: one retry, or up to `retry_number`."""

    policy: RetryPolicyName
    retry_number: int | None = Field(None, alias="retryNumber", ge=RETRY_NUMBER_MIN)
    retry_delay: int | None = Field(None, alias="retryDelay", ge=RETRY_DELAY_MIN_SECONDS)


class BatchNotify(_Wire):
    """Up to `size` events in one POST, sent at the latest `time_window` seconds after the first."""

    size: int = Field(gt=0)
    time_window: int = Field(alias="timeWindow", ge=BATCH_WINDOW_MIN_SECONDS)


class CallbackAttribute(_Wire):
    """A value the vendor adds to every notification: as a header, a query parameter or in the body."""

    type: Literal["Header", "Query", "Body"]
    key: str
    value: str = Field(repr=False)  # may hold the webhook's shared secret


class CallbackWebhook(_Wire):
    """Where the notifications go."""

    target: str
    name: str = ""
    attributes: tuple[CallbackAttribute, ...] = ()


class CallbackTarget(_Wire):
    """The callback's delivery: a webhook."""

    webhook: CallbackWebhook


class RemoteCallbackSubscribe(_Wire):
    """The body of POST/PUT `/fleets/{fid}/remote/callbacks` (also a callback's `subscribe`)."""

    label: str | None = None
    retry_policy: RetryPolicy | None = Field(None, alias="retryPolicy")
    batch_notify: BatchNotify | None = Field(None, alias="batchNotify")
    callback: CallbackTarget
    remote_types: tuple[str, ...] = Field((), alias="remoteTypes")

    def to_wire(self) -> dict[str, Any]:
        """The JSON body, without unset optional parts."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class RemoteCallback(_Wire):
    """A remote callback as GET returns it."""

    id: str
    status: str = "Running"
    subscribe: RemoteCallbackSubscribe | None = None

    @property
    def label(self) -> str | None:
        """The callback's label, if any."""
        return None if self.subscribe is None else self.subscribe.label


class CallbackRef(_Wire):
    """The answer to creating, replacing or setting the status of a callback."""

    callback_id: str = Field(alias="callbackId")
    status: str = "Running"


def capability_from_vehicle(payload: Any) -> VehicleCapability:
    """The capability under `_embedded.extension.onboardCapabilities` (the same shape as v1's)."""
    body = payload if isinstance(payload, Mapping) else {}
    embedded = body.get("_embedded")
    extension = embedded.get("extension") if isinstance(embedded, Mapping) else None
    onboard = extension.get("onboardCapabilities") if isinstance(extension, Mapping) else None
    return VehicleCapability.from_payload(
        {"vin": body.get("vin", ""), "motorization": body.get("motorization"), "onboardCapabilities": onboard}
    )


def telemetry_from_status(payload: Any) -> LatestTelemetry:
    """A vehicle status as the latest telemetry the bot reads (position, doors, energies, dates)."""
    body = payload if isinstance(payload, Mapping) else {}
    vehicle: dict[str, Any] = {}
    if isinstance(body.get("lastPosition"), Mapping):
        vehicle["location"] = dict(body["lastPosition"])
    for field in ("doorsState", "energies", "odometer"):
        if field in body:
            vehicle[field] = body[field]
    found = body.get("lastPosition")
    position: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    found = position.get("properties")
    properties: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    return LatestTelemetry(
        raw={
            "vehicle": vehicle,
            "createdAt": body.get("createdAt"),
            "updatedAt": properties.get("createdAt") or body.get("updatedAt") or body.get("createdAt"),
        }
    )
