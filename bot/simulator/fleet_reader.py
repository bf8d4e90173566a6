"""Strict reading of the Fleet Owner v3 bodies the simulator receives: a remote callback and a remote."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from bot.simulator.remote_reader import ParsedRemote
from bot.vehicle.features.base import RemoteBodyError
from bot.vehicle.features.strict import array, closed_object, fail, one_of, text
from bot.vehicle.fleet_v3_remote import read_v3_remote

__all__ = ["REMOTE_TYPES", "RemoteBodyError", "read_callback_subscribe", "read_fleet_remote"]

# The RemoteType enum of api-b2b.yaml: what a callback's `remoteTypes` may list.
REMOTE_TYPES = (
    "ThermalPreconditioning",
    "ElectricBatteryChargingRequest",
    "Horn",
    "Doors",
    "Lights",
    "Immobilization",
    "Stolen",
    "WakeUp",
    "Navigation",
)
RETRY_POLICIES = ("None", "Bounded")
ATTRIBUTE_TYPES = ("Header", "Query", "Body")
BATCH_WINDOW_DEFAULT_SECONDS = 60
BATCH_WINDOW_MIN_SECONDS = 5
RETRY_NUMBER_DEFAULT = 3
RETRY_DELAY_DEFAULT_SECONDS = 10


def _at_least(value: Any, path: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        fail(path, "must be an integer")
    if value < low:
        fail(path, f"must be at least {low}")
    return value


def _retry_policy(value: Any) -> dict[str, Any]:
    path = "retryPolicy"
    policy = closed_object(value, path, ("policy", "retryNumber", "retryDelay"), ("policy",))
    read: dict[str, Any] = {"policy": one_of(policy["policy"], f"{path}.policy", RETRY_POLICIES)}
    read["retryNumber"] = _at_least(policy.get("retryNumber", RETRY_NUMBER_DEFAULT), f"{path}.retryNumber", 1)
    read["retryDelay"] = _at_least(
        policy.get("retryDelay", RETRY_DELAY_DEFAULT_SECONDS), f"{path}.retryDelay", 1
    )
    return read


def _batch_notify(value: Any) -> dict[str, int]:
    path = "batchNotify"
    batch = closed_object(value, path, ("size", "timeWindow"), ("size",))
    return {
        "size": _at_least(batch["size"], f"{path}.size", 1),
        "timeWindow": _at_least(
            batch.get("timeWindow", BATCH_WINDOW_DEFAULT_SECONDS),
            f"{path}.timeWindow",
            BATCH_WINDOW_MIN_SECONDS,
        ),
    }


def _webhook(value: Any) -> dict[str, Any]:
    path = "callback.webhook"
    webhook = closed_object(value, path, ("target", "name", "attributes"), ("target", "name"))
    target = text(webhook["target"], f"{path}.target")
    if not target.startswith(("http://", "https://")):
        fail(f"{path}.target", "must be an http(s) URL")
    attributes = []
    for index, item in enumerate(array(webhook.get("attributes", []), f"{path}.attributes", 0)):
        where = f"{path}.attributes[{index}]"
        attribute = closed_object(item, where, ("type", "key", "value"), ("type", "key", "value"))
        attributes.append(
            {
                "type": one_of(attribute["type"], f"{where}.type", ATTRIBUTE_TYPES),
                "key": text(attribute["key"], f"{where}.key"),
                "value": text(attribute["value"], f"{where}.value"),
            }
        )
    return {"target": target, "name": text(webhook["name"], f"{path}.name"), "attributes": attributes}


def read_callback_subscribe(body: Any) -> dict[str, Any]:
    """A `RemoteCallbackSubscribe` body checked strictly: the settings, the vendor's defaults filled in."""
    top_keys = ("label", "retryPolicy", "batchNotify", "callback", "remoteTypes")
    top = closed_object(body, "body", top_keys, ("callback", "remoteTypes"))
    read: dict[str, Any] = {}
    if "label" in top:
        read["label"] = text(top["label"], "label")
    read["retryPolicy"] = _retry_policy(top.get("retryPolicy", {"policy": "None"}))
    if "batchNotify" in top:
        read["batchNotify"] = _batch_notify(top["batchNotify"])
    callback = closed_object(top["callback"], "callback", ("webhook",), ("webhook",))
    read["callback"] = {"webhook": _webhook(callback["webhook"])}
    types = array(top["remoteTypes"], "remoteTypes", 1)
    read["remoteTypes"] = [one_of(t, f"remoteTypes[{i}]", REMOTE_TYPES) for i, t in enumerate(types)]
    if len(set(read["remoteTypes"])) != len(read["remoteTypes"]):
        fail("remoteTypes", "each remote type may appear only once")
    return read


def read_fleet_remote(body: Mapping[str, Any]) -> ParsedRemote:
    """A v3 `Remote` body `{label, <one action key>}` read strictly into the feature it asks for."""
    remote = read_v3_remote(body)
    return ParsedRemote(
        label=remote.label,
        attributes={},
        action_key=type(remote.feature).v1.key,  # the simulated vehicle's features and slots use one name
        action=copy.deepcopy(dict(body[remote.key])),
        remote_type=remote.remote_type,
        extended_event_params=(),
        feature=remote.feature,
    )
