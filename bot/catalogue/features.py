"""From a parsed command to the vendor remote feature it sends, and the words that describe it."""

from __future__ import annotations

from datetime import time
from typing import Any, cast

from bot.catalogue.parsing import Command, CommandError
from bot.vehicle.remotes import (
    Charging,
    Horn,
    Immobilization,
    Lights,
    Locking,
    Navigation,
    OnboardPersonalData,
    Preconditioning,
    RemoteFeature,
    RemoteRequestError,
    Stolen,
    Tan,
    VehicleFinder,
    WakeUp,
)

RATE_WORDS = {"Low": "20 %", "LowPlus": "40 %", "Med": "60 %", "MedPlus": "80 %", "High": "100 %"}
TAN_WORDS = {
    "2h": "2 hours",
    "4h": "4 hours",
    "12h": "12 hours",
    "24h": "24 hours",
    "3d": "3 days",
    "7d": "7 days",
}


def _clock(value: Any) -> time:
    hour, minute = cast(tuple[int, int], value)
    return time(hour, minute)


def _charge(options: dict[str, object]) -> tuple[RemoteFeature, str]:
    mode = options["mode"]
    if mode == "start":
        return Charging.start_now(), "start charging now"
    if mode == "stop":
        return Charging.stop_now(), "stop charging"
    if mode == "rate":
        rate = cast(Any, options["rate"])
        return Charging.set_rate(rate), f"set the charge rate to {RATE_WORDS[rate]} of the plug's current"
    if mode == "limit":
        limit = cast(Any, options["limit"])
        return Charging.set_limit(limit), f"stop charging at {'80' if limit == 'MedPlus' else '100'} %"
    start = _clock(options["time"])
    return Charging.start_at(start), f"start charging at {start:%H:%M} (vehicle time)"


def _precondition(options: dict[str, object]) -> tuple[RemoteFeature, str]:
    mode = options["mode"]
    if mode in ("on", "off"):
        return Preconditioning.switch(mode == "on"), f"switch preconditioning {mode} now"
    slot = cast(int, options["slot"])
    if mode == "delete":
        return Preconditioning.delete_program(slot), f"delete preconditioning program {slot}"
    start = _clock(options["time"])
    days = cast(list[Any], options["days"])
    temp = cast(float | None, options.get("temp"))
    feature = Preconditioning.set_program(slot, days, start, temp=temp)
    temp_words = f" at {temp:g} °C" if temp is not None else ""
    return feature, f"precondition at {start:%H:%M} on {','.join(days)}{temp_words} (program {slot})"


def _stolen(options: dict[str, object]) -> tuple[RemoteFeature, str]:
    on = bool(options["on"])
    if options["form"] == "crank-inhibit":
        words = "prevent the engine from starting" if on else "allow the engine to start again"
        return Stolen.inhibit_crank(on), words
    return Stolen.report(
        on
    ), "declare the vehicle stolen" if on else "declare the vehicle recovered (not stolen)"


def _tan(options: dict[str, object]) -> tuple[RemoteFeature, str]:
    mode = options["mode"]
    if mode == "suppress":
        duration = cast(Any, options["duration"])
        return Tan.suppress_for(duration), f"suppress the theft alarm for {TAN_WORDS[duration]}"
    if mode == "unsuppress":
        return Tan.unsuppress(), "stop suppressing the theft alarm"
    if mode == "confirm":
        return Tan.confirm_theft(), "confirm the theft alarm (a real theft)"
    return Tan.deny_theft(), "deny the theft alarm (a false alarm)"


def _simple(command: Command) -> tuple[RemoteFeature, str]:
    options = command.options
    match command.action:
        case "lock":
            return Locking(lock=True), "lock the doors"
        case "unlock":
            return Locking(lock=False), "unlock the doors"
        case "horn":
            return Horn(), "sound the horn"
        case "lights":
            on = bool(options["on"])
            return Lights(on=on), f"switch the lights {'on' if on else 'off'}"
        case "wakeup":
            return WakeUp(), "wake the vehicle up (uses one of its monthly wake-ups)"
        case "state":
            return WakeUp(), "refresh and show the vehicle state (uses one of its monthly wake-ups)"
        case "locate":
            return VehicleFinder(), "find the vehicle's present location"
        case "navigate":
            points = cast(list[tuple[float, float]], options["points"])
            lat, lon = points[-1]
            via = f" via {len(points) - 1} point(s)" if len(points) > 1 else ""
            return Navigation(
                positions=tuple(points)
            ), f"send a destination ({lat}, {lon}){via} to the navigation"
        case "immobilize":
            on = bool(options["on"])
            return Immobilization(
                activate=on
            ), "immobilize the vehicle" if on else "release the immobilization"
        case "wipe-data":
            return OnboardPersonalData(), "delete all personal data stored on board"
    raise KeyError(command.action)


def feature_for(command: Command) -> tuple[RemoteFeature, str]:
    """The remote feature and its summary; a refused combination raises CommandError."""
    try:
        if command.action == "charge":
            return _charge(command.options)
        if command.action == "precondition":
            return _precondition(command.options)
        if command.action == "stolen":
            return _stolen(command.options)
        if command.action == "tan":
            return _tan(command.options)
        return _simple(command)
    except RemoteRequestError as error:
        raise CommandError(str(error), command.spec.usage) from None


def needs_confirmation(command: Command) -> bool:
    """Dangerous actions, and theft-alarm suppression, ask for an explicit confirmation first."""
    return command.spec.dangerous or (command.action == "tan" and command.options.get("mode") == "suppress")
