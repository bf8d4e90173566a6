"""Strict reading of an incoming data-treatment `Remote` body back into a feature model (simulator side)."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import time
from typing import Any, NoReturn

from bot.vehicle.remotes import (
    DAYS,
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
    ParsedRemote,
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

__all__ = ["ParsedRemote", "RemoteBodyError", "parse_remote"]

_CLOCK = re.compile(r"PT(?:(\d{1,2})H)?(?:(\d{1,2})M)?")
_DURATION_NAMES = {code: name for name, code in TAN_DURATION_CODES.items()}
_ON_OFF = ("Activated", "Unactivated")


def _fail(path: str, message: str) -> NoReturn:
    raise RemoteBodyError(f"{path}: {message}")


def _object(
    value: Any, path: str, allowed: Collection[str], required: Collection[str] = ()
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(path, "must be an object")
    for key in value:
        if key not in allowed:
            _fail(path, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in value:
            _fail(path, f"missing required key {key!r}")
    return value


def _only_one(obj: Mapping[str, Any], path: str, keys: Sequence[str]) -> str:
    present = [key for key in keys if key in obj]
    if len(present) != 1:
        got = ", ".join(present) if present else "none"
        _fail(path, f"give exactly one of {', '.join(keys)} (got {got})")
    return present[0]


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        _fail(path, "must be true or false")
    return value


def _int(value: Any, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, "must be an integer")
    if not low <= value <= high:
        _fail(path, f"must be {low} to {high}")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _fail(path, "must be a number")
    return float(value)


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, "must be a string")
    return value


def _enum(value: Any, path: str, choices: Sequence[str]) -> str:
    if value not in choices or not isinstance(value, str):
        _fail(path, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _clock(value: Any, path: str) -> time:
    match = _CLOCK.fullmatch(_str(value, path))
    if match is None or (match.group(1) is None and match.group(2) is None):
        _fail(path, f"{value!r} is not a time of day like PT07H30M")
    hours, minutes = int(match.group(1) or 0), int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        _fail(path, f"{value!r} is not between 00:00 and 23:59")
    return time(hours, minutes)


def _days(value: Any, path: str) -> tuple[str, ...]:
    occurrence = _object(value, path, {"day"}, {"day"})
    days = occurrence["day"]
    if not isinstance(days, list):
        _fail(f"{path}.day", "must be a list of days")
    return tuple(_enum(day, f"{path}.day[{index}]", DAYS) for index, day in enumerate(days))


def _list(value: Any, path: str, low: int, high: int | None = None) -> list[Any]:
    if not isinstance(value, list):
        _fail(path, "must be a list")
    if len(value) < low or (high is not None and len(value) > high):
        _fail(path, f"must hold {low} to {high} items" if high is not None else f"needs at least {low} item")
    return value


_PRECOND_PROGRAM_KEYS = ("slot", "actionsType", "start", "occurrence", "enabled", "temp")


def _precond_program(value: Any, path: str) -> PreconditioningProgram:
    item = _object(value, path, _PRECOND_PROGRAM_KEYS, ("slot",))
    slot = _int(item["slot"], f"{path}.slot", 1, 4)
    action = _enum(item.get("actionsType", "Set"), f"{path}.actionsType", ("Set", "Delete"))
    if action == "Delete":  # the vendor ignores the other fields of a delete
        return PreconditioningProgram(slot=slot, action="Delete")
    _object(item, path, _PRECOND_PROGRAM_KEYS, ("start", "occurrence", "enabled"))
    temp = _number(item["temp"], f"{path}.temp") if "temp" in item else None
    return PreconditioningProgram(
        slot=slot,
        days=_days(item["occurrence"], f"{path}.occurrence"),
        start=_clock(item["start"], f"{path}.start"),
        temp=temp,
        enabled=_bool(item["enabled"], f"{path}.enabled"),
    )


def _preconditioning(value: Any, path: str) -> Preconditioning:
    outer = _object(value, path, {"airConditioning"}, {"airConditioning"})
    path += ".airConditioning"
    air = _object(outer["airConditioning"], path, ("immediate", "programs", "settings"))
    form = _only_one(air, path, ("immediate", "programs", "settings"))
    if form == "immediate":
        return Preconditioning(immediate=_bool(air["immediate"], f"{path}.immediate"))
    if form == "programs":
        items = _list(air["programs"], f"{path}.programs", 1, 4)
        return Preconditioning(
            programs=tuple(_precond_program(item, f"{path}.programs[{i}]") for i, item in enumerate(items))
        )
    path += ".settings"
    settings = _object(air["settings"], path, ("temp", "mode", "state"), ("temp",))
    return Preconditioning(
        settings=PreconditioningSettings(
            temp=_number(settings["temp"], f"{path}.temp"),
            mode=_enum(settings.get("mode", "Auto"), f"{path}.mode", ("Manual", "Auto")),
            active=_enum(settings.get("state", "Activated"), f"{path}.state", _ON_OFF) == "Activated",
        )
    )


_CHARGE_PROGRAM_KEYS = (
    *("slot", "actionsType", "start", "occurrence", "enabled", "chargeToFull", "chargeType"),
    *("minChargingLevel", "maxChargingLevel", "minSOC", "targetSOC"),
)


def _charge_program(value: Any, path: str) -> ChargingProgram:
    item = _object(value, path, _CHARGE_PROGRAM_KEYS, ("slot", "minChargingLevel", "maxChargingLevel"))
    slot = _int(item["slot"], f"{path}.slot", 1, 2)
    levels = {
        "min_level": _int(item["minChargingLevel"], f"{path}.minChargingLevel", 0, 50),
        "max_level": _int(item["maxChargingLevel"], f"{path}.maxChargingLevel", 0, 100),
    }
    # Deprecated aliases of the levels: checked, then ignored.
    if "minSOC" in item:
        _int(item["minSOC"], f"{path}.minSOC", 0, 50)
    if "targetSOC" in item:
        _int(item["targetSOC"], f"{path}.targetSOC", 0, 100)
    action = _enum(item.get("actionsType", "Set"), f"{path}.actionsType", ("Set", "Delete"))
    if action == "Delete":
        return ChargingProgram(slot=slot, action="Delete", **levels)
    _object(item, path, _CHARGE_PROGRAM_KEYS, ("start", "occurrence", "enabled"))
    return ChargingProgram(
        slot=slot,
        days=_days(item["occurrence"], f"{path}.occurrence"),
        start=_clock(item["start"], f"{path}.start"),
        enabled=_bool(item["enabled"], f"{path}.enabled"),
        charge_to_full=_bool(item.get("chargeToFull", True), f"{path}.chargeToFull"),
        charge_type=_enum(
            item.get("chargeType", "Regular"), f"{path}.chargeType", ("Regular", "Cooperative")
        ),
        **levels,
    )


def _deferred(value: Any, path: str) -> DeferredCharge:
    deferred = _object(value, path, ("start", "end"))
    if not deferred:
        _fail(path, "give a start, an end, or both")
    fields: dict[str, Any] = {}
    if "start" in deferred:
        start = _object(deferred["start"], f"{path}.start", ("startTime", "immediate"))
        if _only_one(start, f"{path}.start", ("startTime", "immediate")) == "startTime":
            fields["start_at"] = _clock(start["startTime"], f"{path}.start.startTime")
        elif not _bool(start["immediate"], f"{path}.start.immediate"):
            _fail(f"{path}.start.immediate", "false asks for nothing; give startTime or immediate true")
        else:
            fields["start_now"] = True
    if "end" in deferred:
        end = _object(
            deferred["end"], f"{path}.end", ("endTime", "chargeToFull"), ("endTime", "chargeToFull")
        )
        fields["end_at"] = _clock(end["endTime"], f"{path}.end.endTime")
        fields["charge_to_full"] = _bool(end["chargeToFull"], f"{path}.end.chargeToFull")
    return DeferredCharge(**fields)


def _charging(value: Any, path: str) -> Charging:
    outer = _object(value, path, {"charge"}, {"charge"})
    path += ".charge"
    charge = _object(outer["charge"], path, ("immediate", "programs", "settings", "deferred"))
    form = _only_one(charge, path, ("immediate", "programs", "settings", "deferred"))
    if form == "immediate":
        return Charging(immediate=_bool(charge["immediate"], f"{path}.immediate"))
    if form == "programs":
        items = _list(charge["programs"], f"{path}.programs", 1, 2)
        return Charging(
            programs=tuple(_charge_program(item, f"{path}.programs[{i}]") for i, item in enumerate(items))
        )
    if form == "deferred":
        return Charging(deferred=_deferred(charge["deferred"], f"{path}.deferred"))
    path += ".settings"
    settings = _object(charge["settings"], path, ("chargePreferenceRate", "chargeLimit"))
    if _only_one(settings, path, ("chargePreferenceRate", "chargeLimit")) == "chargeLimit":
        limit = _enum(settings["chargeLimit"], f"{path}.chargeLimit", ("MedPlus", "High"))
        return Charging(settings=ChargeSettings(limit=limit))
    rates = ("Low", "LowPlus", "Med", "MedPlus", "High")
    return Charging(
        settings=ChargeSettings(
            rate=_enum(settings["chargePreferenceRate"], f"{path}.chargePreferenceRate", rates)
        )
    )


def _state(value: Any, path: str, choices: Sequence[str]) -> str:
    return _enum(_object(value, path, {"state"}, {"state"})["state"], f"{path}.state", choices)


def _fixed_action(value: Any, path: str, expected: str) -> None:
    _enum(_object(value, path, {"action"}, {"action"})["action"], f"{path}.action", (expected,))


def _stolen(value: Any, path: str) -> Stolen:
    stolen = _object(value, path, ("state", "crankInhibit"))
    if _only_one(stolen, path, ("state", "crankInhibit")) == "state":
        return Stolen(state=_bool(stolen["state"], f"{path}.state"))
    inhibit = _object(stolen["crankInhibit"], f"{path}.crankInhibit", {"activate"}, {"activate"})
    return Stolen(crank_inhibit=_bool(inhibit["activate"], f"{path}.crankInhibit.activate"))


def _tan(value: Any, path: str) -> Tan:
    tan = _object(value, path, ("suppress", "confirm"))
    if _only_one(tan, path, ("suppress", "confirm")) == "confirm":
        confirm = _object(tan["confirm"], f"{path}.confirm", {"state"}, {"state"})
        return Tan(confirm=_bool(confirm["state"], f"{path}.confirm.state"))
    path += ".suppress"
    suppress = _object(tan["suppress"], path, ("state", "duration"), ("state",))
    if not _bool(suppress["state"], f"{path}.state"):
        if "duration" in suppress:  # the vendor ignores it; still, it must be well formed
            _int(suppress["duration"], f"{path}.duration", 0, 5)
        return Tan(suppress=False)
    if "duration" not in suppress:
        _fail(path, "duration is required when state is true")
    code = _int(suppress["duration"], f"{path}.duration", 0, 5)
    return Tan(suppress=True, duration=_DURATION_NAMES[code])


_PLACE_KEYS = ("address", "placeid", "name", "category", "description", "phoneNumber", "url")
_ADDRESS_KEYS = ("houseNumber", "postalCode", "streetName", "cityName", "countryName", "provinceName")


def _place(value: Any, path: str) -> None:
    place = _object(value, path, _PLACE_KEYS)
    for key in _PLACE_KEYS[2:]:
        if key in place:
            _str(place[key], f"{path}.{key}")
    if "placeid" in place:
        _int(place["placeid"], f"{path}.placeid", -(2**63), 2**63 - 1)
    if "address" in place:
        address = _object(place["address"], f"{path}.address", _ADDRESS_KEYS)
        for key, item in address.items():
            if key == "postalCode":
                _int(item, f"{path}.address.postalCode", 0, 2**63 - 1)
            else:
                _str(item, f"{path}.address.{key}")


def _position(value: Any, path: str) -> tuple[float, float]:
    position = _object(value, path, ("type", "geometry", "properties"), ("geometry",))
    _enum(position.get("type", "Feature"), f"{path}.type", ("Feature",))
    if "properties" in position:  # place details are checked but not acted on
        _place(position["properties"], f"{path}.properties")
    path += ".geometry"
    geometry = _object(position["geometry"], path, ("type", "coordinates"), ("type", "coordinates"))
    _enum(geometry["type"], f"{path}.type", ("Point",))
    coordinates = _list(geometry["coordinates"], f"{path}.coordinates", 2, 3)
    lon, lat = (_number(item, f"{path}.coordinates[{i}]") for i, item in enumerate(coordinates[:2]))
    if len(coordinates) == 3:
        _number(coordinates[2], f"{path}.coordinates[2]")
    return lat, lon


def _navigation(value: Any, path: str) -> Navigation:
    navigation = _object(value, path, {"positions"}, {"positions"})
    items = _list(navigation["positions"], f"{path}.positions", 1, 10)
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
        activate=_bool(_object(value, path, {"activate"}, {"activate"})["activate"], f"{path}.activate")
    ),
    "navigation": _navigation,
    "vehicleFinder": _vehicle_finder,
    "stolen": _stolen,
    "tan": _tan,
}


def _attributes(value: Any) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for index, item in enumerate(_list(value, "attributes", 0)):
        path = f"attributes[{index}]"
        attribute = _object(item, path, ("type", "key", "value"), ("key", "value"))
        _enum(attribute.get("type", "Body"), f"{path}.type", ("Body",))
        key = _str(attribute["key"], f"{path}.key")
        if key in attributes:
            _fail(path, f"attribute {key!r} is given twice")
        attributes[key] = _str(attribute["value"], f"{path}.value")
    return attributes


def _channel_attributes(value: Any) -> dict[str, list[dict[str, str]]]:
    kinds = ("webhook", "pushnotif", "websocket")
    channel = _object(value, "channelAttributes", kinds)
    kind = _only_one(channel, "channelAttributes", kinds)
    items = []
    for index, item in enumerate(_list(channel[kind], f"channelAttributes.{kind}", 0)):
        path = f"channelAttributes.{kind}[{index}]"
        attribute = _object(item, path, ("type", "key", "value"), ("type", "key", "value"))
        items.append(
            {
                "type": _enum(attribute["type"], f"{path}.type", ("Header", "Query")),
                "key": _str(attribute["key"], f"{path}.key"),
                "value": _str(attribute["value"], f"{path}.value"),
            }
        )
    return {kind: items}


def parse_remote(body: Mapping[str, Any]) -> ParsedRemote:
    """Validate an incoming `Remote` wire body strictly; raises RemoteBodyError with a readable reason."""
    top_keys = ("label", "attributes", "channelAttributes", "extendedEventParam", "action")
    top = _object(body, "body", top_keys, ("action",))
    label = _str(top["label"], "label") if "label" in top else None
    attributes = _attributes(top["attributes"]) if "attributes" in top else {}
    channel = _channel_attributes(top["channelAttributes"]) if "channelAttributes" in top else {}
    params: tuple[str, ...] = ()
    if "extendedEventParam" in top:
        items = _list(top["extendedEventParam"], "extendedEventParam", 0)
        params = tuple(
            _enum(p, f"extendedEventParam[{i}]", EXTENDED_EVENT_PARAMS) for i, p in enumerate(items)
        )
    action = _object(top["action"], "action", _ACTIONS.keys())
    key = _only_one(action, "action", tuple(_ACTIONS))
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
