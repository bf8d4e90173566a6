"""Catalogue rows of the everyday actions: doors, horn, lights, wake-up, state, locate, navigation."""

from __future__ import annotations

import re
from typing import Any

from bot.catalogue.action import Action
from bot.catalogue.options import (
    HornOptions,
    NavigateOptions,
    NoOptions,
    OnOff,
    OptionError,
    StateOptions,
    at_most,
    no_options,
    on_off,
)
from bot.catalogue.row import ON_CARD, ActionRow, CardButton, Outcome, Plan, Remote
from bot.vehicle.features.horn import Horn
from bot.vehicle.features.lights import Lights
from bot.vehicle.features.locking import Locking
from bot.vehicle.features.navigation import Navigation
from bot.vehicle.features.vehicle_finder import VehicleFinder
from bot.vehicle.features.wakeup import WakeUp

POINT = re.compile(r"^(-?\d{1,2}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)$")
REFRESH = "--refresh"
NO_REFRESH = "--no-refresh"
HORN_STOP = "stop"


def _horn(args: list[str]) -> HornOptions:
    if args not in ([], [HORN_STOP]):
        raise OptionError(f"unexpected `{' '.join(args)}`: write `{HORN_STOP}` to stop a sounding horn")
    return HornOptions(stop=bool(args))


def _horn_plan(options: HornOptions) -> Plan:
    if options.stop:
        return Plan(Horn(on=False), "stop the horn")
    return Plan(Horn(), "sound the horn")


def _horn_slot(options: HornOptions) -> str | None:
    # A stop must reach the vehicle while the horn request it stops is still in flight.
    return "horn-stop" if options.stop else None


def _lights(args: list[str]) -> OnOff:
    at_most(args, 1)
    return OnOff(on=on_off(args[0] if args else None, default="on"))


def _state(args: list[str]) -> StateOptions:
    if args not in ([], [REFRESH], [NO_REFRESH]):
        raise OptionError(f"unexpected `{' '.join(args)}`: write `{REFRESH}` or `{NO_REFRESH}`")
    return StateOptions(refresh=args == [REFRESH] if args else None)


def _navigate(args: list[str]) -> NavigateOptions:
    if not args:
        raise OptionError("give at least one point as lat,lon (the last one is the destination)")
    points = []
    for word in args:
        match = POINT.match(word)
        if not match:
            raise OptionError(f"`{word}` is not a point: write latitude,longitude like 48.8584,2.2945")
        points.append((float(match.group(1)), float(match.group(2))))
    return NavigateOptions(points=tuple(points))


def _navigation_plan(options: NavigateOptions) -> Plan:
    lat, lon = options.points[-1]
    via = f" via {len(options.points) - 1} point(s)" if len(options.points) > 1 else ""
    return Plan(
        Navigation(positions=options.points), f"send a destination ({lat}, {lon}){via} to the navigation"
    )


def _state_plan(options: StateOptions) -> Plan:
    if options.refresh is False:
        return Plan(None, "show the last reported vehicle state")
    return Plan(
        WakeUp(),
        "refresh and show the vehicle state (uses one of its monthly wake-ups)",
        unless_fresh=options.refresh is None,
    )


BASIC_ROWS: tuple[ActionRow[Any], ...] = (
    ActionRow(
        Action.LOCK, "Lock", ":lock:", "lock <vehicle>", NoOptions, no_options,
        remote=Remote(Locking, lambda _o: Plan(Locking(lock=True), "lock the doors"), cards=ON_CARD),
    ),
    ActionRow(
        Action.UNLOCK, "Unlock", ":unlock:", "unlock <vehicle>", NoOptions, no_options,
        remote=Remote(Locking, lambda _o: Plan(Locking(lock=False), "unlock the doors"), cards=ON_CARD),
    ),
    ActionRow(
        Action.HORN, "Horn", ":loudspeaker:", f"horn <vehicle> [{HORN_STOP}]", HornOptions, _horn,
        remote=Remote(
            Horn, _horn_plan, cards=(CardButton(), CardButton(HORN_STOP, "Stop horn")), own_slot=_horn_slot
        ),
    ),
    ActionRow(
        Action.LIGHTS, "Lights", ":bulb:", "lights <vehicle> [on|off]", OnOff, _lights,
        remote=Remote(
            Lights,
            lambda o: Plan(Lights(on=o.on), f"switch the lights {'on' if o.on else 'off'}"),
            cards=ON_CARD,
        ),
    ),
)  # fmt: skip

WAKE_AND_FIND_ROWS: tuple[ActionRow[Any], ...] = (
    ActionRow(
        Action.WAKEUP, "Wake up", ":alarm_clock:", "wakeup <vehicle>", NoOptions, no_options,
        remote=Remote(
            WakeUp,
            lambda _o: Plan(WakeUp(), "wake the vehicle up (uses one of its monthly wake-ups)"),
            cards=ON_CARD,
        ),
    ),
    ActionRow(
        Action.STATE, "State", ":bar_chart:", f"state <vehicle> [{REFRESH}|{NO_REFRESH}]", StateOptions,
        _state,
        note="(the last report when it is recent enough, else a wake-up; `--refresh` always wakes)",
        remote=Remote(WakeUp, _state_plan, cards=ON_CARD, outcome=Outcome.STATE),
    ),
    ActionRow(
        Action.LOCATE, "Locate", ":round_pushpin:", "locate <vehicle>", NoOptions, no_options,
        remote=Remote(
            VehicleFinder,
            lambda _o: Plan(VehicleFinder(), "find the vehicle's present location"),
            cards=ON_CARD,
            outcome=Outcome.POSITION,
        ),
    ),
    ActionRow(
        Action.NAVIGATE, "Navigate", ":world_map:", "navigate <vehicle> <lat,lon> [<lat,lon> ...]",
        NavigateOptions, _navigate,
        remote=Remote(Navigation, _navigation_plan),
    ),
)  # fmt: skip
