"""The Connected Car v1 `Remote` body: a label, Body attributes, one feature's action, event params."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from bot.vehicle.features import FeatureModel
from bot.vehicle.features.base import EXTENDED_EVENT_PARAMS, RemoteRequestError

_NO_ATTRIBUTES: Mapping[str, str] = MappingProxyType({})


def build_remote(
    label: str,
    feature: FeatureModel,
    *,
    attributes: Mapping[str, str] = _NO_ATTRIBUTES,
    extended_event_params: Sequence[str] = (),
) -> dict[str, Any]:
    """The full data-treatment `Remote` body: label, Body attributes, the action, optional event params."""
    if not isinstance(label, str) or not label:
        raise RemoteRequestError("a remote needs a non-empty label")
    if not isinstance(feature, FeatureModel) or not hasattr(type(feature), "v1"):
        raise RemoteRequestError(f"{type(feature).__name__} is not a remote feature")
    for key, value in attributes.items():
        if not isinstance(key, str) or not key or not isinstance(value, str):
            raise RemoteRequestError("remote attributes must be non-empty text keys with text values")
    if isinstance(extended_event_params, str):
        raise RemoteRequestError("extended event parameters must be a list of names")
    for param in extended_event_params:
        if param not in EXTENDED_EVENT_PARAMS:
            raise RemoteRequestError(
                f"unknown extended event parameter {param!r}; use one of {', '.join(EXTENDED_EVENT_PARAMS)}"
            )
    if len(set(extended_event_params)) != len(extended_event_params):
        raise RemoteRequestError("each extended event parameter may be given only once")
    body: dict[str, Any] = {
        "label": label,
        "attributes": [{"type": "Body", "key": key, "value": value} for key, value in attributes.items()],
        "action": feature.v1_action(),
    }
    if extended_event_params:
        body["extendedEventParam"] = list(extended_event_params)
    return body
