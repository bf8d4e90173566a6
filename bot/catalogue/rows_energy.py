"""Catalogue rows of charging and preconditioning, with their option grammar."""

from __future__ import annotations

import re
from typing import Any

from bot.catalogue.action import Action
from bot.catalogue.options import (
    ON_OFF,
    ChargeOptions,
    OptionError,
    PreconditionOptions,
    at_most,
    clock,
)
from bot.catalogue.row import ActionRow, CapabilityRule, CardButton, Plan, Remote
from bot.vehicle.features.base import DAYS, ChargeLimit, ChargeRate, Day
from bot.vehicle.features.charging import Charging
from bot.vehicle.features.preconditioning import Preconditioning

TEMP = re.compile(r"^(\d{1,2}(?:\.\d)?)c$")
DAY_WORDS = tuple(day.lower() for day in DAYS)
RATES: dict[str, ChargeRate] = {
    "low": "Low",
    "low+": "LowPlus",
    "med": "Med",
    "med+": "MedPlus",
    "high": "High",
}
LIMITS: dict[str, ChargeLimit] = {"80": "MedPlus", "100": "High"}
RATE_WORDS: dict[ChargeRate, str] = {
    "Low": "20 %", "LowPlus": "40 %", "Med": "60 %", "MedPlus": "80 %", "High": "100 %"
}  # fmt: skip
STOP_NEEDS_IMMEDIATE = CapabilityRule(
    holds=lambda capability: capability.charging_immediate_stop, refusal="cannot stop a charge remotely"
)


def _number(word: str | None) -> int | None:
    """A plain decimal number (superscript and other Unicode digits are not numbers here)."""
    return int(word) if word is not None and word.isascii() and word.isdigit() else None


def _charge(args: list[str]) -> ChargeOptions:
    if not args:
        raise OptionError("what should the charge do? start, stop, rate, limit or at")
    verb, rest = args[0], args[1:]
    if verb in ("start", "stop"):
        at_most(rest, 0)
        return ChargeOptions(mode=verb)
    if verb not in ("rate", "limit", "at"):
        raise OptionError(f"unknown charge option `{verb}`")
    at_most(rest, 1)
    word = rest[0] if rest else None
    if verb == "rate":
        if word not in RATES:
            raise OptionError(f"rate must be one of {', '.join(RATES)}")
        return ChargeOptions(mode="rate", rate=RATES[word])
    if verb == "limit":
        limit = (word or "").rstrip("%")
        if limit not in LIMITS:
            raise OptionError("limit must be 80 or 100 (percent)")
        return ChargeOptions(mode="limit", limit=LIMITS[limit])
    return ChargeOptions(mode="at", at=clock(word))


def _charge_plan(options: ChargeOptions) -> Plan:
    match options:
        case ChargeOptions(mode="start"):
            return Plan(Charging.start_now(), "start charging now")
        case ChargeOptions(mode="stop"):
            return Plan(Charging.stop_now(), "stop charging")
        case ChargeOptions(mode="rate", rate=str() as rate):
            return Plan(
                Charging.set_rate(rate), f"set the charge rate to {RATE_WORDS[rate]} of the plug's current"
            )
        case ChargeOptions(mode="limit", limit=str() as limit):
            percent = "80" if limit == "MedPlus" else "100"
            return Plan(Charging.set_limit(limit), f"stop charging at {percent} %")
        case ChargeOptions(at=start) if start is not None:
            return Plan(Charging.start_at(start), f"start charging at {start:%H:%M} (vehicle time)")
    raise OptionError("incomplete charge options")


def _days(word: str) -> tuple[Day, ...]:
    days = [day for day in word.split(",") if day]
    unknown = [day for day in days if day not in DAY_WORDS]
    if unknown:
        raise OptionError(f"unknown day `{unknown[0]}`: use {','.join(DAY_WORDS)}")
    return tuple(DAYS[DAY_WORDS.index(day)] for day in days)


def _program_words(options: dict[str, Any], words: list[str]) -> None:
    while words:
        word = words.pop(0)
        temp = TEMP.match(word)
        if word == "slot":
            slot = _number(words.pop(0) if words else None)
            if slot is None:
                raise OptionError("`slot` needs a number from 1 to 4")
            options["slot"] = slot
        elif temp:
            options["temp"] = float(temp.group(1))
        elif all(part in DAY_WORDS for part in word.split(",") if part):
            options["days"] = _days(word)
        else:
            raise OptionError(
                f"unexpected `{word}`: give days like mon,tue, a temperature like 21C, or slot N"
            )


def _precondition(args: list[str]) -> PreconditionOptions:
    if not args:
        raise OptionError("what should preconditioning do? on, off, at or delete")
    verb, rest = args[0], args[1:]
    if verb in ON_OFF:
        at_most(rest, 0)
        return PreconditionOptions(mode=verb)
    if verb == "delete":
        at_most(rest, 1)
        slot = _number(rest[0] if rest else None)
        if slot is None:
            raise OptionError("give the program slot to delete: `delete <1-4>`")
        return PreconditionOptions(mode="delete", slot=slot)
    if verb != "at":
        raise OptionError(f"unknown preconditioning option `{verb}`")
    options: dict[str, Any] = {"mode": "at", "at": clock(rest[0] if rest else None), "days": DAYS}
    _program_words(options, rest[1:])
    return PreconditionOptions(**options)


def _precondition_plan(options: PreconditionOptions) -> Plan:
    if options.mode in ON_OFF:
        return Plan(
            Preconditioning.switch(options.mode == "on"), f"switch preconditioning {options.mode} now"
        )
    if options.mode == "delete" or options.at is None:
        return Plan(
            Preconditioning.delete_program(options.slot), f"delete preconditioning program {options.slot}"
        )
    feature = Preconditioning.set_program(options.slot, options.days, options.at, temp=options.temp)
    temp_words = f" at {options.temp:g} °C" if options.temp is not None else ""
    days = ",".join(options.days)
    return Plan(feature, f"precondition at {options.at:%H:%M} on {days}{temp_words} (program {options.slot})")


ENERGY_ROWS: tuple[ActionRow[Any], ...] = (
    ActionRow(
        Action.CHARGE, "Charge", ":electric_plug:",
        "charge <vehicle> start|stop|rate <low|low+|med|med+|high>|limit <80|100>|at <HH:MM>",
        ChargeOptions, _charge,
        remote=Remote(
            Charging, _charge_plan, cards=(CardButton("start"),),
            capability_rule=lambda o: STOP_NEEDS_IMMEDIATE if o.mode == "stop" else None,
        ),
    ),
    ActionRow(
        Action.PRECONDITION, "Precondition", ":snowflake:",
        "precondition <vehicle> on|off|at <HH:MM> [mon,tue,...] [<temp>C] [slot N]|delete <N>",
        PreconditionOptions, _precondition,
        remote=Remote(Preconditioning, _precondition_plan, cards=(CardButton("on"),)),
    ),
)  # fmt: skip
