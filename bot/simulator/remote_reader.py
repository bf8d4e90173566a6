"""Strict reading of an incoming Connected Car v1 `Remote` body back into a feature model (simulator side)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.vehicle.features import BY_V1_KEY, FeatureModel
from bot.vehicle.features.base import EXTENDED_EVENT_PARAMS, RemoteBodyError, RemoteRequestError
from bot.vehicle.features.strict import array, closed_object, fail, one_of, only_one, text

__all__ = ["ParsedRemote", "RemoteBodyError", "parse_remote"]


@dataclass(frozen=True)
class ParsedRemote:
    """A wire body that passed strict validation, with the feature model rebuilt from it."""

    label: str | None
    attributes: dict[str, str]
    action_key: str
    action: dict[str, Any]
    remote_type: str
    extended_event_params: tuple[str, ...]
    feature: FeatureModel
    channel_attributes: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def _attributes(value: Any) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for index, item in enumerate(array(value, "attributes", 0)):
        path = f"attributes[{index}]"
        attribute = closed_object(item, path, ("type", "key", "value"), ("key", "value"))
        one_of(attribute.get("type", "Body"), f"{path}.type", ("Body",))
        key = text(attribute["key"], f"{path}.key")
        if key in attributes:
            fail(path, f"attribute {key!r} is given twice")
        attributes[key] = text(attribute["value"], f"{path}.value")
    return attributes


def _channel_attributes(value: Any) -> dict[str, list[dict[str, str]]]:
    kinds = ("webhook", "pushnotif", "websocket")
    channel = closed_object(value, "channelAttributes", kinds)
    kind = only_one(channel, "channelAttributes", kinds)
    items = []
    for index, item in enumerate(array(channel[kind], f"channelAttributes.{kind}", 0)):
        path = f"channelAttributes.{kind}[{index}]"
        attribute = closed_object(item, path, ("type", "key", "value"), ("type", "key", "value"))
        items.append(
            {
                "type": one_of(attribute["type"], f"{path}.type", ("Header", "Query")),
                "key": text(attribute["key"], f"{path}.key"),
                "value": text(attribute["value"], f"{path}.value"),
            }
        )
    return {kind: items}


def parse_remote(body: Mapping[str, Any]) -> ParsedRemote:
    """Validate an incoming `Remote` wire body strictly; raises RemoteBodyError with a readable reason."""
    top_keys = ("label", "attributes", "channelAttributes", "extendedEventParam", "action")
    top = closed_object(body, "body", top_keys, ("action",))
    label = text(top["label"], "label") if "label" in top else None
    attributes = _attributes(top["attributes"]) if "attributes" in top else {}
    channel = _channel_attributes(top["channelAttributes"]) if "channelAttributes" in top else {}
    params: tuple[str, ...] = ()
    if "extendedEventParam" in top:
        items = array(top["extendedEventParam"], "extendedEventParam", 0)
        params = tuple(
            one_of(p, f"extendedEventParam[{i}]", EXTENDED_EVENT_PARAMS) for i, p in enumerate(items)
        )
    action = closed_object(top["action"], "action", BY_V1_KEY.keys())
    key = only_one(action, "action", tuple(BY_V1_KEY))
    try:
        feature = BY_V1_KEY[key].read_v1(action[key], f"action.{key}")
    except RemoteRequestError as exc:  # a rule the model enforces (unique slots, ranges...)
        raise RemoteBodyError(f"action.{key}: {exc}") from None
    return ParsedRemote(
        label=label,
        attributes=attributes,
        action_key=key,
        action=copy.deepcopy(dict(action[key])),
        remote_type=feature.response_type,
        extended_event_params=params,
        feature=feature,
        channel_attributes=channel,
    )
