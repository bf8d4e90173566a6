"""Vendor notifications of both shapes split into self-contained elements and normalize to VehicleEvent."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.vehicle.events import VehicleEvent
from bot.vehicle.features import FEATURES
from bot.vehicle.features.tan import Tan
from bot.vehicle.notifications import (
    NotificationError,
    body_attributes,
    canonical_remote_type,
    check_element,
    parse_element,
    split_payload,
)
from tests.vendor_spec import (
    FLEET_OWNER_WEBHOOK,
    PLATFORM_NOTIFICATION,
    closed_schema,
    enum_of,
    load_spec,
    validator_for,
)

CANONICAL_NAMES = {
    *("Locking", "Horn", "Lights", "Preconditioning", "Charging", "Immobilization", "Stolen"),
    *("Navigation", "WakeUp", "VehicleFinder", "Tan", "OnboardPersonalData", "State"),
}

DT_MESSAGE: dict[str, Any] = {
    "channelId": "ch-1",
    "attributes": [{"key": "cbtoken", "value": "tok-1"}, {"key": "requestedBy", "value": "U123"}],
    "type": "Remote",
    "date": "2025-05-01T10:00:00Z",
    "remoteEvent": {
        "remoteActionId": "ra-horn",
        "remoteType": "Horn",
        "extensions": [{"type": "vehicle.position", "body": [{"position": {"latitude": 48.85}}]}],
        "eventStatus": {"type": "Done", "status": "Success"},
    },
}

FO_PAYLOAD: dict[str, Any] = {
    "callbackId": "cb-1",
    "attributes": [{"key": "cbtoken", "value": "tok-2"}],
    "events": [
        {
            "remoteActionId": "ra-doors",
            "vin": "VF3ABCDE0FG123456",
            "eventDate": "2024-05-01T10:00:00Z",
            "remoteType": "Doors",
            "eventStatus": {"type": "Pending", "status": "WakingUpVehicle"},
        },
        {
            "remoteActionId": "ra-doors",
            "vin": "VF3ABCDE0FG123456",
            "eventDate": "2024-05-01T10:00:40Z",
            "remoteType": "Doors",
            "eventStatus": {"type": "Done", "status": "Failed", "failureCause": "VehicleConnectionTimeout"},
        },
    ],
}


def test_data_treatment_message_normalizes() -> None:
    """A single data-treatment Message becomes one event with its date, extensions and body attributes."""
    elements = split_payload(DT_MESSAGE)
    assert elements == [DT_MESSAGE]
    assert parse_element(elements[0]) == VehicleEvent(
        remote_action_id="ra-horn",
        remote_type="Horn",
        event_type="Done",
        status="Success",
        date="2025-05-01T10:00:00Z",
        extensions=[{"type": "vehicle.position", "body": [{"position": {"latitude": 48.85}}]}],
        attributes={"cbtoken": "tok-1", "requestedBy": "U123"},
    )


def test_data_treatment_batch_array_splits_into_messages() -> None:
    """A backlog batch (a JSON array of Messages) gives one element per Message, in order."""
    second = copy.deepcopy(DT_MESSAGE)
    second["remoteEvent"].update(
        remoteActionId="ra-precond",
        remoteType="ThermalPreconditioning",
        eventStatus={"type": "Pending", "status": "SentToVehicle"},
    )
    events = [parse_element(element) for element in split_payload([DT_MESSAGE, second])]
    assert [(e.remote_action_id, e.remote_type, e.status) for e in events] == [
        ("ra-horn", "Horn", "Success"),
        ("ra-precond", "Preconditioning", "SentToVehicle"),
    ]
    assert events[1].is_final is False


def test_fleet_owner_events_split_into_self_contained_elements() -> None:
    """Each Fleet Owner event becomes an element carrying the shared callbackId and attributes."""
    elements = split_payload(FO_PAYLOAD)
    assert elements == [
        {"callbackId": "cb-1", "attributes": [{"key": "cbtoken", "value": "tok-2"}], "events": [event]}
        for event in FO_PAYLOAD["events"]
    ]
    pending, failed = (parse_element(element) for element in elements)
    assert pending == VehicleEvent(
        remote_action_id="ra-doors",
        remote_type="Locking",
        event_type="Pending",
        status="WakingUpVehicle",
        vin="VF3ABCDE0FG123456",
        date="2024-05-01T10:00:00Z",
        attributes={"cbtoken": "tok-2"},
    )
    assert failed.failure_cause == "VehicleConnectionTimeout"
    assert failed.is_final is True


def test_fleet_owner_feedback_detail_is_kept() -> None:
    """The forced-lock feedback detail of a Fleet Owner success reaches the event."""
    payload = copy.deepcopy(FO_PAYLOAD)
    payload["events"] = [payload["events"][1]]
    payload["events"][0]["eventStatus"] = {
        "type": "Done",
        "status": "Success",
        "feedbackDetail": "CIDBlacklisted",
    }
    (element,) = split_payload(payload)
    assert parse_element(element).feedback_detail == "CIDBlacklisted"


def test_unknown_enum_values_are_kept_as_strings() -> None:
    """Values the vendor adds later (types, statuses, causes) pass through instead of crashing."""
    message = copy.deepcopy(DT_MESSAGE)
    message["remoteEvent"].update(
        remoteType="Teleport",
        eventStatus={
            "type": "Failed",
            "status": "Exploded",
            "failureCause": "Gremlins",
            "feedbackDetail": "Odd",
        },
    )
    event = parse_element(message)
    assert (event.remote_type, event.event_type, event.status) == ("Teleport", "Failed", "Exploded")
    assert (event.failure_cause, event.feedback_detail) == ("Gremlins", "Odd")
    assert event.is_final is True


def test_missing_remote_type_is_unknown() -> None:
    """A Fleet Owner event without remoteType (the schema makes nothing required) still normalizes."""
    payload = {
        "events": [{"remoteActionId": "ra-1", "eventStatus": {"type": "Pending", "status": "Accepted"}}]
    }
    (element,) = split_payload(payload)
    event = parse_element(element)
    assert event.remote_type == "Unknown"
    assert event.attributes == {}
    assert event.vin is None


def test_empty_batch_gives_no_elements() -> None:
    """An empty JSON array is a batch of nothing, not an error."""
    assert split_payload([]) == []


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("hello", "JSON object or an array"),
        (42, "JSON object or an array"),
        ({"foo": 1}, "neither a data-treatment Message nor a Fleet Owner events object"),
        ({"events": "many"}, "events must be a list of objects"),
        ({"events": [1]}, "events must be a list of objects"),
        ([DT_MESSAGE, "x"], "JSON object or an array"),
    ],
)
def test_payload_of_neither_shape_is_refused(payload: Any, reason: str) -> None:
    """A body that is neither shape raises NotificationError, so the receiver can quarantine it."""
    with pytest.raises(NotificationError, match=reason):
        split_payload(payload)


def _without(path: tuple[str, ...]) -> dict[str, Any]:
    message = copy.deepcopy(DT_MESSAGE)
    target = message
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return message


@pytest.mark.parametrize(
    ("element", "reason"),
    [
        (
            {"channelId": "c", "type": "Monitor", "date": "d", "monitorEvent": {"monitorId": "m"}},
            "Monitor message",
        ),
        ({"channelId": "c", "type": "Remote", "date": "d"}, "no remoteEvent"),
        (_without(("remoteEvent", "remoteActionId")), "no remoteActionId"),
        (_without(("remoteEvent", "eventStatus")), "no eventStatus"),
        (_without(("remoteEvent", "eventStatus", "status")), "eventStatus.type and eventStatus.status"),
        ({"monitorId": "m", "events": [{"vin": "V"}]}, "monitor notification"),
        (FO_PAYLOAD, "exactly one event"),
        ({"callbackId": "cb", "events": [{"vin": "V"}]}, "no remoteActionId"),
    ],
)
def test_element_that_is_not_a_remote_notification_is_refused(element: dict[str, Any], reason: str) -> None:
    """Monitor messages and incomplete remote events raise NotificationError with the reason."""
    with pytest.raises(NotificationError, match=reason):
        parse_element(element)


def test_body_attributes_skips_malformed_entries() -> None:
    """Only well-formed key/value text pairs are read, and the first of a repeated key wins."""
    element = {
        "attributes": [
            {"key": "cbtoken", "value": "first"},
            {"key": "cbtoken", "value": "second"},
            {"key": "n", "value": 3},
            "junk",
            {"value": "no key"},
            {"key": "ok", "value": ""},
        ]
    }
    assert body_attributes(element) == {"cbtoken": "first", "ok": ""}
    assert body_attributes({"attributes": "nope"}) == {}
    assert body_attributes({}) == {}


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Doors", "Locking"),
        ("Locking", "Locking"),
        ("ThermalPreconditioning", "Preconditioning"),
        ("Preconditioning", "Preconditioning"),
        ("ElectricBatteryChargingRequest", "Charging"),
        ("Charging", "Charging"),
        ("ChargingState", "Charging"),
        ("WakeUp", "WakeUp"),
        ("Wakeup", "WakeUp"),
        ("Tan", "Tan"),
        ("Tan.suppress", "Tan"),
        ("Tan.confirm", "Tan"),
        ("VehicleState", "State"),
        *[(name, name) for name in ("Horn", "Lights", "Immobilization", "Stolen", "Navigation")],
        *[(name, name) for name in ("VehicleFinder", "OnboardPersonalData")],
        ("SomethingNew", "SomethingNew"),
    ],
)
def test_canonical_remote_type(name: str, canonical: str) -> None:
    """Both vocabularies name a feature the same way; unknown names are left as they are."""
    assert canonical_remote_type(name) == canonical


# The notification name each feature's events carry (data-treatment webhook vocabulary where it has one).
NOTIFIED_AS = {
    "Locking": "Doors",
    "Horn": "Horn",
    "Lights": "Lights",
    "Preconditioning": "ThermalPreconditioning",
    "Charging": "ElectricBatteryChargingRequest",
    "Immobilization": "Immobilization",
    "Stolen": "Stolen",
    "Navigation": "Navigation",
    "Wakeup": "WakeUp",
    "Tan.suppress": "Tan",
    "Tan.confirm": "Tan",
    "VehicleFinder": "VehicleFinder",
    "OnboardPersonalData": "OnboardPersonalData",
}


def test_request_type_and_notification_type_agree() -> None:
    """The 202 type of every request and the type in its notifications map to the same canonical name."""
    posted = [model.v1.remote_type for model in FEATURES] + [Tan.confirm_theft().response_type]
    for remote_type in posted:
        assert canonical_remote_type(remote_type) == canonical_remote_type(NOTIFIED_AS[remote_type])
        assert canonical_remote_type(remote_type) in CANONICAL_NAMES


# --- notifications generated from the webhook schemas ----------------------------------------------------


def _statuses(spec: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """Every (type, status, failureCause) the schema allows: Pending, Done, and Failed with each cause."""
    combos: list[tuple[str, str, str | None]] = [
        ("Pending", status, None) for status in enum_of(spec, "RemotePendingEventStatus")
    ]
    for status in enum_of(spec, "RemoteDoneEventStatus"):
        causes: list[str | None] = (
            list(enum_of(spec, "RemoteFailedEventStatus")) if status == "Failed" else [None]
        )
        combos.extend(("Done", status, cause) for cause in causes)
    assert set(enum_of(spec, "RemoteEventType")) == {"Pending", "Done"}
    return combos


def _item_types(spec: dict[str, Any], name: str) -> list[str]:
    """The `type` enum of the items of an array component schema (the extension kinds)."""
    values = spec["components"]["schemas"][name]["items"]["properties"]["type"]["enum"]
    return [str(value) for value in values]


def _event_status(event_type: str, status: str, cause: str | None) -> dict[str, str]:
    event_status = {"type": event_type, "status": status}
    if cause is not None:
        event_status["failureCause"] = cause
    return event_status


def test_every_data_treatment_notification_parses() -> None:
    """Every remote type x status x failure cause of the data-treatment webhook parses, alone and batched."""
    spec = load_spec(PLATFORM_NOTIFICATION)
    validator = validator_for(closed_schema(spec, "Message"))
    extension_types = _item_types(spec, "Extensions")
    messages: list[dict[str, Any]] = []
    expected: list[VehicleEvent] = []
    cases = itertools.product(enum_of(spec, "RemoteType"), _statuses(spec))
    for index, (remote_type, (event_type, status, cause)) in enumerate(cases):
        extensions = [
            {"type": extension_types[index % len(extension_types)], "body": [{"alarm": {"n": index}}]}
        ]
        remote_event: dict[str, Any] = {
            "remoteActionId": f"ra-{index}",
            "remoteType": remote_type,
            "eventStatus": _event_status(event_type, status, cause),
        }
        if index % 2:
            remote_event["extensions"] = extensions
        message = {
            "channelId": "ch-1",
            "attributes": [{"key": "cbtoken", "value": f"tok-{index}"}],
            "type": "Remote",
            "date": f"2025-05-01T10:{index // 60 % 60:02d}:{index % 60:02d}Z",
            "remoteEvent": remote_event,
        }
        errors = [error.message for error in validator.iter_errors(message)]
        assert errors == [], f"generated message {index} does not match the schema: {errors}"
        messages.append(message)
        expected.append(
            VehicleEvent(
                remote_action_id=f"ra-{index}",
                remote_type=canonical_remote_type(remote_type),
                event_type=event_type,
                status=status,
                failure_cause=cause,
                date=message["date"],
                extensions=extensions if index % 2 else [],
                attributes={"cbtoken": f"tok-{index}"},
            )
        )
    assert len(messages) > 200
    assert [parse_element(element) for message in messages for element in split_payload(message)] == expected
    assert [parse_element(element) for element in split_payload(messages)] == expected
    assert {event.remote_type for event in expected} <= CANONICAL_NAMES


def test_every_fleet_owner_notification_parses() -> None:
    """Every remote type x status x failure cause of the Fleet Owner v3 webhook parses, alone and batched."""
    spec = load_spec(FLEET_OWNER_WEBHOOK)
    validator = validator_for(closed_schema(spec, "RemoteEvents"))
    feedback = enum_of(spec, "RemoteEventFeedbackDetail")
    events: list[dict[str, Any]] = []
    expected: list[VehicleEvent] = []
    cases = itertools.product(enum_of(spec, "RemoteType"), _statuses(spec))
    for index, (remote_type, (event_type, status, cause)) in enumerate(cases):
        event_status = _event_status(event_type, status, cause)
        detail = feedback[index % len(feedback)] if status == "Success" else None
        if detail is not None:
            event_status["feedbackDetail"] = detail
        vin = f"VF3ABCDE0FG{index:06d}"
        date = f"2024-05-01T10:{index // 60 % 60:02d}:{index % 60:02d}Z"
        events.append(
            {
                "remoteActionId": f"ra-{index}",
                "vin": vin,
                "eventDate": date,
                "remoteType": remote_type,
                "eventStatus": event_status,
            }
        )
        expected.append(
            VehicleEvent(
                remote_action_id=f"ra-{index}",
                remote_type=canonical_remote_type(remote_type),
                event_type=event_type,
                status=status,
                failure_cause=cause,
                feedback_detail=detail,
                vin=vin,
                date=date,
                attributes={"cbtoken": "tok-fo"},
            )
        )
    shared = {"callbackId": "cb-1", "attributes": [{"key": "cbtoken", "value": "tok-fo"}]}
    batch = {**shared, "events": events}
    assert [error.message for error in validator.iter_errors(batch)] == []
    assert len(events) > 200

    elements = split_payload(batch)
    for element in elements:
        assert [error.message for error in validator.iter_errors(element)] == []
    assert [parse_element(element) for element in elements] == expected

    singles = [element for event in events for element in split_payload({**shared, "events": [event]})]
    assert [parse_element(element) for element in singles] == expected
    assert {event.remote_type for event in expected} <= CANONICAL_NAMES


# Notification-shaped JSON: the keys that matter, with values of any JSON type, nested a little.
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_KEYS = st.sampled_from(
    ["remoteEvent", "remoteActionId", "eventStatus", "type", "status", "events", "callbackId", "monitorId",
     "remoteType", "extensions", "attributes", "vin", "date", "Remote", "Monitor", "Pending", "Done"]
)  # fmt: skip
_JSON = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=5)
)


@settings(max_examples=500)
@given(_JSON)
def test_the_callback_check_accepts_exactly_what_the_consumer_can_read(element: Any) -> None:
    """The cheap structural check the callback runs and the full parse the consumer runs agree."""
    try:
        parse_element(element)
    except NotificationError:
        with pytest.raises(NotificationError):
            check_element(element)
    else:
        check_element(element)
