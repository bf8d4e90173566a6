"""Catalogue rows of the everyday actions: doors, horn, lights, wake-up, state, locate, navigation."""

from __future__ import annotations

import re
from typing import Any

from bot.catalogue.action import Action
from bot.catalogue.options import (
    NavigateOptions,
    NoOptions,
    OnOff,
    OptionError,
    StateOptions,
    at_most,
    no_options,
    on_off,
)
from bot.catalogue.row import ActionRow, Outcome, Plan, Remote
from bot.vehicle.remotes import Horn, Lights, Locking, Navigation, VehicleFinder, WakeUp

POINT = re.compile(r"^(-?\d{1,2}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)$")
NO_REFRESH = "--no-refresh"


def _lights(args: list[str]) -> OnOff:
    at_most(args, 1)
    return OnOff(on=on_off(args[0] if args else None, default="on"))


def _state(args: list[str]) -> StateOptions:
    if args not in ([], [NO_REFRESH]):
        raise OptionError(f"unexpected `{' '.join(args)}`")
    return StateOptions(refresh=not args)


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
    if not options.refresh:
        return Plan(None, "show the last reported vehicle state")
    return Plan(WakeUp(), "refresh and show the vehicle state (uses one of its monthly wake-ups)")


BASIC_ROWS: tuple[ActionRow[Any], ...] = (
    ActionRow(
        Action.LOCK, "Lock", ":lock:", "lock <vehicle>", NoOptions, no_options,
        remote=Remote(Locking, lambda _o: Plan(Locking(lock=True), "lock the doors"), card=""),
    ),
    ActionRow(
        Action.UNLOCK, "Unlock", ":unlock:", "unlock <vehicle>", NoOptions, no_options,
        remote=Remote(Locking, lambda _o: Plan(Locking(lock=False), "unlock the doors"), card=""),
    ),
    ActionRow(
        Action.HORN, "Horn", ":loudspeaker:", "horn <vehicle>", NoOptions, no_options,
        remote=Remote(Horn, lambda _o: Plan(Horn(), "sound the horn"), card=""),
    ),
    ActionRow(
        Action.LIGHTS, "Lights", ":bulb:", "lights <vehicle> [on|off]", OnOff, _lights,
        remote=Remote(
            Lights,
            lambda o: Plan(Lights(on=o.on), f"switch the lights {'on' if o.on else 'off'}"),
            card="",
        ),
    ),
)  # fmt: skip

WAKE_AND_FIND_ROWS: tuple[ActionRow[Any], ...] = (
    ActionRow(
        Action.WAKEUP, "Wake up", ":alarm_clock:", "wakeup <vehicle>", NoOptions, no_options,
        remote=Remote(
            WakeUp,
            lambda _o: Plan(WakeUp(), "wake the vehicle up (uses one of its monthly wake-ups)"),
            card="",
        ),
    ),
    ActionRow(
        Action.STATE, "State", ":bar_chart:", f"state <vehicle> [{NO_REFRESH}]", StateOptions, _state,
        remote=Remote(WakeUp, _state_plan, card="", outcome=Outcome.STATE),
    ),
    ActionRow(
        Action.LOCATE, "Locate", ":round_pushpin:", "locate <vehicle>", NoOptions, no_options,
        remote=Remote(
            VehicleFinder,
            lambda _o: Plan(VehicleFinder(), "find the vehicle's present location"),
            card="",
            outcome=Outcome.POSITION,
        ),
    ),
    ActionRow(
        Action.NAVIGATE, "Navigate", ":world_map:", "navigate <vehicle> <lat,lon> [<lat,lon> ...]",
        NavigateOptions, _navigate,
        remote=Remote(Navigation, _navigation_plan),
    ),
)  # fmt: skip
