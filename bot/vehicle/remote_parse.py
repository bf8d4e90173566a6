"""Strict reading of an incoming data-treatment `Remote` body back into a feature model (simulator side)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.vehicle.remotes import (
    EXTENDED_EVENT_PARAMS,
    TAN_DURATION_CODES,
    ChargeSettings,
    Charging,
    ChargingProgram,
    DeferredCharge,
    Horn,
    Immobilization,
    Lights,
    Locking,
    Navigation,
    OnboardPersonalData,
    Preconditioning,
    PreconditioningProgram,
    PreconditioningSettings,
    RemoteBodyError,
    RemoteFeature,
    RemoteRequestError,
    Stolen,
    Tan,
    VehicleFinder,
    WakeUp,
)
from bot.vehicle.strict_reading import (
    array,
    boolean,
    clock,
    closed_object,
    days,
    fail,
    integer,
    number,
    one_of,
    only_one,
    text,
)

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
    feature: RemoteFeature
    channel_attributes: dict[str, list[dict[str, str]]] = field(default_factory=dict)


_DURATION_NAMES = {code: name for name, code in TAN_DURATION_CODES.items()}
_ON_OFF = ("Activated", "Unactivated")


_PRECOND_PROGRAM_KEYS = ("slot", "actionsType", "start", "occurrence", "enabled", "temp")


def _precond_program(value: Any, path: str) -> PreconditioningProgram:
    item = closed_object(value, path, _PRECOND_PROGRAM_KEYS, ("slot",))
    slot = integer(item["slot"], f"{path}.slot", 1, 4)
    action = one_of(item.get("actionsType", "Set"), f"{path}.actionsType", ("Set", "Delete"))
    if action == "Delete":  # the vendor ignores the other fields of a delete
        return PreconditioningProgram(slot=slot, action="Delete")
    closed_object(item, path, _PRECOND_PROGRAM_KEYS, ("start", "occurrence", "enabled"))
    temp = number(item["temp"], f"{path}.temp") if "temp" in item else None
    return PreconditioningProgram(
        slot=slot,
        days=days(item["occurrence"], f"{path}.occurrence"),
        start=clock(item["start"], f"{path}.start"),
        temp=temp,
        enabled=boolean(item["enabled"], f"{path}.enabled"),
    )


def _preconditioning(value: Any, path: str) -> Preconditioning:
    outer = closed_object(value, path, {"airConditioning"}, {"airConditioning"})
    path += ".airConditioning"
    air = closed_object(outer["airConditioning"], path, ("immediate", "programs", "settings"))
    form = only_one(air, path, ("immediate", "programs", "settings"))
    if form == "immediate":
        return Preconditioning(immediate=boolean(air["immediate"], f"{path}.immediate"))
    if form == "programs":
        items = array(air["programs"], f"{path}.programs", 1, 4)
        return Preconditioning(
            programs=tuple(_precond_program(item, f"{path}.programs[{i}]") for i, item in enumerate(items))
        )
    path += ".settings"
    settings = closed_object(air["settings"], path, ("temp", "mode", "state"), ("temp",))
    return Preconditioning(
        settings=PreconditioningSettings(
            temp=number(settings["temp"], f"{path}.temp"),
            mode=one_of(settings.get("mode", "Auto"), f"{path}.mode", ("Manual", "Auto")),
            active=one_of(settings.get("state", "Activated"), f"{path}.state", _ON_OFF) == "Activated",
        )
    )


_CHARGE_PROGRAM_KEYS = (
    *("slot", "actionsType", "start", "occurrence", "enabled", "chargeToFull", "chargeType"),
    *("minChargingLevel", "maxChargingLevel", "minSOC", "targetSOC"),
)


def _charge_program(value: Any, path: str) -> ChargingProgram:
    item = closed_object(value, path, _CHARGE_PROGRAM_KEYS, ("slot", "minChargingLevel", "maxChargingLevel"))
    slot = integer(item["slot"], f"{path}.slot", 1, 2)
    levels = {
        "min_level": integer(item["minChargingLevel"], f"{path}.minChargingLevel", 0, 50),
        "max_level": integer(item["maxChargingLevel"], f"{path}.maxChargingLevel", 0, 100),
    }
    # Deprecated aliases of the levels: checked, then ignored.
    if "minSOC" in item:
        integer(item["minSOC"], f"{path}.minSOC", 0, 50)
    if "targetSOC" in item:
        integer(item["targetSOC"], f"{path}.targetSOC", 0, 100)
    action = one_of(item.get("actionsType", "Set"), f"{path}.actionsType", ("Set", "Delete"))
    if action == "Delete":
        return ChargingProgram(slot=slot, action="Delete", **levels)
    closed_object(item, path, _CHARGE_PROGRAM_KEYS, ("start", "occurrence", "enabled"))
    return ChargingProgram(
        slot=slot,
        days=days(item["occurrence"], f"{path}.occurrence"),
        start=clock(item["start"], f"{path}.start"),
        enabled=boolean(item["enabled"], f"{path}.enabled"),
        charge_to_full=boolean(item.get("chargeToFull", True), f"{path}.chargeToFull"),
        charge_type=one_of(
            item.get("chargeType", "Regular"), f"{path}.chargeType", ("Regular", "Cooperative")
        ),
        **levels,
    )


def _deferred(value: Any, path: str) -> DeferredCharge:
    deferred = closed_object(value, path, ("start", "end"))
    if not deferred:
        fail(path, "give a start, an end, or both")
    fields: dict[str, Any] = {}
    if "start" in deferred:
        start = closed_object(deferred["start"], f"{path}.start", ("startTime", "immediate"))
        if only_one(start, f"{path}.start", ("startTime", "immediate")) == "startTime":
            fields["start_at"] = clock(start["startTime"], f"{path}.start.startTime")
        elif not boolean(start["immediate"], f"{path}.start.immediate"):
            fail(f"{path}.start.immediate", "false asks for nothing; give startTime or immediate true")
        else:
            fields["start_now"] = True
    if "end" in deferred:
        end = closed_object(
            deferred["end"], f"{path}.end", ("endTime", "chargeToFull"), ("endTime", "chargeToFull")
        )
        fields["end_at"] = clock(end["endTime"], f"{path}.end.endTime")
        fields["charge_to_full"] = boolean(end["chargeToFull"], f"{path}.end.chargeToFull")
    return DeferredCharge(**fields)


def _charging(value: Any, path: str) -> Charging:
    outer = closed_object(value, path, {"charge"}, {"charge"})
    path += ".charge"
    charge = closed_object(outer["charge"], path, ("immediate", "programs", "settings", "deferred"))
    form = only_one(charge, path, ("immediate", "programs", "settings", "deferred"))
    if form == "immediate":
        return Charging(immediate=boolean(charge["immediate"], f"{path}.immediate"))
    if form == "programs":
        items = array(charge["programs"], f"{path}.programs", 1, 2)
        return Charging(
            programs=tuple(_charge_program(item, f"{path}.programs[{i}]") for i, item in enumerate(items))
        )
    if form == "deferred":
        return Charging(deferred=_deferred(charge["deferred"], f"{path}.deferred"))
    path += ".settings"
    settings = closed_object(charge["settings"], path, ("chargePreferenceRate", "chargeLimit"))
    if only_one(settings, path, ("chargePreferenceRate", "chargeLimit")) == "chargeLimit":
        limit = one_of(settings["chargeLimit"], f"{path}.chargeLimit", ("MedPlus", "High"))
        return Charging(settings=ChargeSettings(limit=limit))
    rates = ("Low", "LowPlus", "Med", "MedPlus", "High")
    return Charging(
        settings=ChargeSettings(
            rate=one_of(settings["chargePreferenceRate"], f"{path}.chargePreferenceRate", rates)
        )
    )


def _state(value: Any, path: str, choices: Sequence[str]) -> str:
    return one_of(closed_object(value, path, {"state"}, {"state"})["state"], f"{path}.state", choices)


def _fixed_action(value: Any, path: str, expected: str) -> None:
    one_of(closed_object(value, path, {"action"}, {"action"})["action"], f"{path}.action", (expected,))


def _stolen(value: Any, path: str) -> Stolen:
    stolen = closed_object(value, path, ("state", "crankInhibit"))
    if only_one(stolen, path, ("state", "crankInhibit")) == "state":
        return Stolen(state=boolean(stolen["state"], f"{path}.state"))
    inhibit = closed_object(stolen["crankInhibit"], f"{path}.crankInhibit", {"activate"}, {"activate"})
    return Stolen(crank_inhibit=boolean(inhibit["activate"], f"{path}.crankInhibit.activate"))


def _tan(value: Any, path: str) -> Tan:
    tan = closed_object(value, path, ("suppress", "confirm"))
    if only_one(tan, path, ("suppress", "confirm")) == "confirm":
        confirm = closed_object(tan["confirm"], f"{path}.confirm", {"state"}, {"state"})
        return Tan(confirm=boolean(confirm["state"], f"{path}.confirm.state"))
    path += ".suppress"
    suppress = closed_object(tan["suppress"], path, ("state", "duration"), ("state",))
    if not boolean(suppress["state"], f"{path}.state"):
        if "duration" in suppress:  # the vendor ignores it; still, it must be well formed
            integer(suppress["duration"], f"{path}.duration", 0, 5)
        return Tan(suppress=False)
    if "duration" not in suppress:
        fail(path, "duration is required when state is true")
    code = integer(suppress["duration"], f"{path}.duration", 0, 5)
    return Tan(suppress=True, duration=_DURATION_NAMES[code])


_PLACE_KEYS = ("address", "placeid", "name", "category", "description", "phoneNumber", "url")
_ADDRESS_KEYS = ("houseNumber", "postalCode", "streetName", "cityName", "countryName", "provinceName")


def _place(value: Any, path: str) -> None:
    place = closed_object(value, path, _PLACE_KEYS)
    for key in _PLACE_KEYS[2:]:
        if key in place:
            text(place[key], f"{path}.{key}")
    if "placeid" in place:
        integer(place["placeid"], f"{path}.placeid", -(2**63), 2**63 - 1)
    if "address" in place:
        address = closed_object(place["address"], f"{path}.address", _ADDRESS_KEYS)
        for key, item in address.items():
            if key == "postalCode":
                integer(item, f"{path}.address.postalCode", 0, 2**63 - 1)
            else:
                text(item, f"{path}.address.{key}")


def _position(value: Any, path: str) -> tuple[float, float]:
    position = closed_object(value, path, ("type", "geometry", "properties"), ("geometry",))
    one_of(position.get("type", "Feature"), f"{path}.type", ("Feature",))
    if "properties" in position:  # place details are checked but not acted on
        _place(position["properties"], f"{path}.properties")
    path += ".geometry"
    geometry = closed_object(position["geometry"], path, ("type", "coordinates"), ("type", "coordinates"))
    one_of(geometry["type"], f"{path}.type", ("Point",))
    coordinates = array(geometry["coordinates"], f"{path}.coordinates", 2, 3)
    lon, lat = (number(item, f"{path}.coordinates[{i}]") for i, item in enumerate(coordinates[:2]))
    if len(coordinates) == 3:
        number(coordinates[2], f"{path}.coordinates[2]")
    return lat, lon


def _navigation(value: Any, path: str) -> Navigation:
    navigation = closed_object(value, path, {"positions"}, {"positions"})
    items = array(navigation["positions"], f"{path}.positions", 1, 10)
    return Navigation(
        positions=tuple(_position(item, f"{path}.positions[{i}]") for i, item in enumerate(items))
    )


def _wakeup(value: Any, path: str) -> WakeUp:
    _fixed_action(value, path, "Wakeup")
    return WakeUp()


def _vehicle_finder(value: Any, path: str) -> VehicleFinder:
    _fixed_action(value, path, "GetPresentLocation")
    return VehicleFinder()


def _personal_data(value: Any, path: str) -> OnboardPersonalData:
    _fixed_action(value, path, "Delete")
    return OnboardPersonalData()


_ACTIONS: dict[str, Callable[[Any, str], RemoteFeature]] = {
    "locking": lambda value, path: Locking(lock=_state(value, path, ("Unlocked", "Locked")) == "Locked"),
    "horn": lambda value, path: Horn(on=_state(value, path, _ON_OFF) == "Activated"),
    "lights": lambda value, path: Lights(on=_state(value, path, _ON_OFF) == "Activated"),
    "preconditioning": _preconditioning,
    "onboardPersonalData": _personal_data,
    "charging": _charging,
    "wakeup": _wakeup,
    "immobilization": lambda value, path: Immobilization(
        activate=boolean(
            closed_object(value, path, {"activate"}, {"activate"})["activate"], f"{path}.activate"
        )
    ),
    "navigation": _navigation,
    "vehicleFinder": _vehicle_finder,
    "stolen": _stolen,
    "tan": _tan,
}


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
    action = closed_object(top["action"], "action", _ACTIONS.keys())
    key = only_one(action, "action", tuple(_ACTIONS))
    try:
        feature = _ACTIONS[key](action[key], f"action.{key}")
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
