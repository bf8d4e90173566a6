"""Typed options of each action, and the small word readers their parsers share."""

from __future__ import annotations

import re
from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.vehicle.features.base import ChargeLimit, ChargeRate, Day, TanDuration

ON_OFF = ("on", "off")
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class OptionError(ValueError):
    """A word the action's parser could not take; the message says what was wrong."""


class Options(BaseModel):
    """Base of every action's options: frozen, closed, JSON-serialisable (stored and put on buttons)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoOptions(Options):
    """An action that takes nothing after its vehicle."""


class OnOff(Options):
    """An on/off switch (lights default to on)."""

    on: bool


class HornOptions(Options):
    """`horn`: sound it, or ask a sounding horn to stop."""

    stop: bool = False


class StateOptions(Options):
    """`state`: refresh through a wake-up (True), show the last reported state (False), or the last report
    when it is recent enough and a refresh otherwise (None)."""

    refresh: bool | None = None


class ChargeOptions(Options):
    """`charge`: start or stop now, set the rate or the limit, or start at a time."""

    mode: Literal["start", "stop", "rate", "limit", "at"]
    rate: ChargeRate | None = None
    limit: ChargeLimit | None = None
    at: time | None = None


class PreconditionOptions(Options):
    """`precondition`: on or off now, a program at a time, or delete a program."""

    mode: Literal["on", "off", "at", "delete"]
    at: time | None = None
    days: tuple[Day, ...] = ()
    temp: float | None = None
    slot: int = 1


class NavigateOptions(Options):
    """`navigate`: the points (latitude, longitude); the last is the destination."""

    points: tuple[tuple[float, float], ...]


class StolenOptions(Options):
    """`stolen`: the stolen state, or the crank inhibit."""

    form: Literal["state", "crank-inhibit"]
    on: bool


class TanOptions(Options):
    """`tan`: suppress theft alarms for a while, stop suppressing, or confirm/deny a theft."""

    mode: Literal["suppress", "unsuppress", "confirm", "deny"]
    duration: TanDuration | None = None


class ListOptions(Options):
    """`list`: an optional filter word."""

    filter: str = ""


def at_most(args: list[str], count: int) -> None:
    """Refuse words beyond the first `count`."""
    if len(args) > count:
        raise OptionError(f"unexpected `{' '.join(args[count:])}`")


def on_off(word: str | None, *, default: str | None = None) -> bool:
    """`on` or `off` (or the default when the word is missing)."""
    word = word if word is not None else default
    if word not in ON_OFF:
        raise OptionError(f"expected `on` or `off`, got `{word or 'nothing'}`")
    return word == "on"


def clock(word: str | None) -> time:
    """A time as HH:MM (vehicle local time)."""
    match = TIME.match(word or "")
    if not match:
        raise OptionError(f"expected a time as HH:MM (vehicle local time), got `{word or 'nothing'}`")
    return time(int(match.group(1)), int(match.group(2)))


def no_options(args: list[str]) -> NoOptions:
    """Nothing may follow."""
    at_most(args, 0)
    return NoOptions()
