"""Normalize vendor webhook notifications (data-treatment Message, Fleet Owner v3 events) to VehicleEvent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from bot.vehicle.events import VehicleEvent
from bot.vehicle.features import CANONICAL_NAMES

UNKNOWN_REMOTE_TYPE = "Unknown"

# Notification names that are not one remote feature's (the Fleet Owner v3 state refresh).
_OTHER_NAMES: Mapping[str, str] = MappingProxyType({"VehicleState": "State"})


class NotificationError(ValueError):
    """A payload or element that is not a remote notification this bot can act on."""


def canonical_remote_type(name: str) -> str:
    """One name per remote feature across both notification vocabularies; unknown names pass through."""
    return CANONICAL_NAMES.get(name) or _OTHER_NAMES.get(name, name)


def _is_fleet_owner(payload: Mapping[str, Any]) -> bool:
    return "events" in payload


def _is_message(payload: Mapping[str, Any]) -> bool:
    return any(key in payload for key in ("remoteEvent", "monitorEvent", "channelId"))


def split_payload(payload: Any) -> list[dict[str, Any]]:
    """Cut a webhook body into self-contained elements, each of which can be authenticated and parsed alone.

    A data-treatment Message gives itself, a JSON array gives its Messages, and a Fleet Owner v3 body
    `{callbackId, attributes, events}` gives one copy of itself per event, holding just that event.
    """
    if isinstance(payload, list):
        elements: list[dict[str, Any]] = []
        for item in payload:
            elements.extend(split_payload(item))
        return elements
    if not isinstance(payload, Mapping):
        raise NotificationError("a notification must be a JSON object or an array of objects")
    if _is_fleet_owner(payload):
        events = payload["events"]
        if not isinstance(events, list) or not all(isinstance(event, Mapping) for event in events):
            raise NotificationError("the Fleet Owner notification's events must be a list of objects")
        shared = {key: value for key, value in payload.items() if key != "events"}
        return [{**shared, "events": [dict(event)]} for event in events]
    if _is_message(payload):
        return [dict(payload)]
    raise NotificationError("the payload is neither a data-treatment Message nor a Fleet Owner events object")


def body_attributes(element: Mapping[str, Any]) -> dict[str, str]:
    """The Body attributes echoed in a notification, key -> value (malformed entries skipped, first wins)."""
    attributes: dict[str, str] = {}
    items = element.get("attributes")
    if not isinstance(items, list):
        return attributes
    for item in items:
        if not isinstance(item, Mapping):
            continue
        key, value = item.get("key"), item.get("value")
        if isinstance(key, str) and isinstance(value, str) and key not in attributes:
            attributes[key] = value
    return attributes


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _remote_event(element: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None, str | None]:
    """The remote event inside an element, with the VIN and date where that shape carries them."""
    if _is_fleet_owner(element):
        if "monitorId" in element:
            raise NotificationError("a Fleet Owner monitor notification, not a remote one")
        events = element["events"]
        if not isinstance(events, list) or len(events) != 1 or not isinstance(events[0], Mapping):
            raise NotificationError(
                "a Fleet Owner element must hold exactly one event; split the payload first"
            )
        event = events[0]
        return event, _text(event.get("vin")), _text(event.get("eventDate"))
    if element.get("type") == "Monitor" or ("monitorEvent" in element and "remoteEvent" not in element):
        raise NotificationError("a Monitor message, not a remote notification")
    remote = element.get("remoteEvent")
    if not isinstance(remote, Mapping):
        raise NotificationError("the message has no remoteEvent object")
    # The data-treatment event has no VIN in its schema; take one if the vendor adds it anyway.
    return remote, _text(remote.get("vin")), _text(element.get("date"))


def _required(
    element: Any,
) -> tuple[Mapping[str, Any], str, Mapping[str, Any], str, str, str | None, str | None]:
    """What every remote notification must carry: its event, remoteActionId, eventStatus with type and
    status, and the VIN and date where its shape has them; NotificationError says what is missing."""
    if not isinstance(element, Mapping):
        raise NotificationError("a notification element must be a JSON object")
    event, vin, date = _remote_event(element)
    action_id = event.get("remoteActionId")
    if not isinstance(action_id, str) or not action_id:
        raise NotificationError("not a remote notification: no remoteActionId")
    status = event.get("eventStatus")
    if not isinstance(status, Mapping):
        raise NotificationError(f"remote event {action_id} has no eventStatus object")
    event_type, state = status.get("type"), status.get("status")
    if not isinstance(event_type, str) or not isinstance(state, str):
        raise NotificationError(
            f"remote event {action_id} needs eventStatus.type and eventStatus.status as text"
        )
    return event, action_id, status, event_type, state, vin, date


def check_element(element: Any) -> None:
    """Raise NotificationError unless the element is a remote notification parse_element will read.

    The callback checks each element of a batch this way before storing it; the full parse, which
    costs several times more, happens once, when the consumer reads the stored entry.
    """
    _required(element)


def parse_element(element: Mapping[str, Any]) -> VehicleEvent:
    """One element of either shape as a VehicleEvent; unknown enum values are kept as plain strings."""
    event, action_id, status, event_type, state, vin, date = _required(element)
    remote_type = event.get("remoteType")
    extensions = event.get("extensions")
    return VehicleEvent(
        remote_action_id=action_id,
        remote_type=canonical_remote_type(remote_type)
        if isinstance(remote_type, str)
        else UNKNOWN_REMOTE_TYPE,
        event_type=event_type,
        status=state,
        failure_cause=_text(status.get("failureCause")),
        feedback_detail=_text(status.get("feedbackDetail")),
        vin=vin,
        date=date,
        extensions=[dict(item) for item in extensions if isinstance(item, Mapping)]
        if isinstance(extensions, list)
        else [],
        attributes=body_attributes(element),
    )


def read_element(text: str) -> VehicleEvent:
    """A stored element (JSON text) as a VehicleEvent: the one place an event's fields are read."""
    try:
        element = json.loads(text)
    except ValueError as error:
        raise NotificationError(f"not JSON: {error}") from None
    return parse_element(element)
