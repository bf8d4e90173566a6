"""Catalogue rows of the security actions: immobilization, stolen, theft alarm, personal-data wipe."""

from __future__ import annotations

from typing import Any

from bot.catalogue.action import Action
from bot.catalogue.options import (
    NoOptions,
    OnOff,
    OptionError,
    StolenOptions,
    TanOptions,
    at_most,
    no_options,
    on_off,
)
from bot.catalogue.row import ON_CARD, ActionRow, CardButton, Plan, Remote
from bot.vehicle.features.base import TAN_DURATIONS
from bot.vehicle.features.immobilization import Immobilization
from bot.vehicle.features.personal_data import OnboardPersonalData
from bot.vehicle.features.stolen import Stolen
from bot.vehicle.features.tan import Tan

TAN_WORDS = {
    "2h": "2 hours",
    "4h": "4 hours",
    "12h": "12 hours",
    "24h": "24 hours",
    "3d": "3 days",
    "7d": "7 days",
}
CRANK_INHIBIT = "crank-inhibit"


def _switch(args: list[str]) -> OnOff:
    at_most(args, 1)
    return OnOff(on=on_off(args[0] if args else None))


def _stolen(args: list[str]) -> StolenOptions:
    if args and args[0] == CRANK_INHIBIT:
        at_most(args, 2)
        return StolenOptions(form="crank-inhibit", on=on_off(args[1] if len(args) > 1 else None))
    at_most(args, 1)
    return StolenOptions(form="state", on=on_off(args[0] if args else None))


def _stolen_plan(options: StolenOptions) -> Plan:
    if options.form == "crank-inhibit":
        words = "prevent the engine from starting" if options.on else "allow the engine to start again"
        return Plan(Stolen.inhibit_crank(options.on), words)
    words = "declare the vehicle stolen" if options.on else "declare the vehicle recovered (not stolen)"
    return Plan(Stolen.report(options.on), words)


def _tan(args: list[str]) -> TanOptions:
    if not args:
        raise OptionError("what should happen to the theft alarm? suppress, unsuppress, confirm or deny")
    verb, rest = args[0], args[1:]
    if verb == "suppress":
        at_most(rest, 1)
        duration = rest[0] if rest else None
        if duration not in TAN_DURATIONS:
            raise OptionError(f"suppress needs a duration: {', '.join(TAN_DURATIONS)}")
        return TanOptions(mode="suppress", duration=duration)
    if verb in ("unsuppress", "confirm", "deny"):
        at_most(rest, 0)
        return TanOptions(mode=verb)
    raise OptionError(f"unknown theft-alarm option `{verb}`")


def _tan_plan(options: TanOptions) -> Plan:
    if options.mode == "suppress" and options.duration is not None:
        words = f"suppress the theft alarm for {TAN_WORDS[options.duration]}"
        return Plan(Tan.suppress_for(options.duration), words)
    if options.mode == "unsuppress":
        return Plan(Tan.unsuppress(), "stop suppressing the theft alarm")
    if options.mode == "confirm":
        return Plan(Tan.confirm_theft(), "confirm the theft alarm (a real theft)")
    return Plan(Tan.deny_theft(), "deny the theft alarm (a false alarm)")


def _immobilize_plan(options: OnOff) -> Plan:
    words = "immobilize the vehicle" if options.on else "release the immobilization"
    return Plan(Immobilization(activate=options.on), words)


SECURITY_ROWS: tuple[ActionRow[Any], ...] = (
    ActionRow(
        Action.IMMOBILIZE, "Immobilize", ":no_entry:", "immobilize <vehicle> on|off", OnOff, _switch,
        remote=Remote(Immobilization, _immobilize_plan, dangerous=True, cards=(CardButton("on"),)),
    ),
    ActionRow(
        Action.STOLEN, "Stolen", ":rotating_light:", f"stolen <vehicle> on|off|{CRANK_INHIBIT} on|off",
        StolenOptions, _stolen,
        remote=Remote(Stolen, _stolen_plan, dangerous=True, cards=(CardButton("on"),)),
    ),
    ActionRow(
        Action.TAN, "Theft alarm", ":shield:",
        "tan <vehicle> suppress <2h|4h|12h|24h|3d|7d>|unsuppress|confirm|deny", TanOptions, _tan,
        remote=Remote(Tan, _tan_plan, confirm_when=lambda o: o.mode == "suppress"),
    ),
    ActionRow(
        Action.WIPE_DATA, "Wipe personal data", ":wastebasket:", "wipe-data <vehicle>", NoOptions, no_options,
        remote=Remote(
            OnboardPersonalData,
            lambda _o: Plan(OnboardPersonalData(), "delete all personal data stored on board"),
            dangerous=True,
            cards=ON_CARD,
        ),
    ),
)  # fmt: skip
