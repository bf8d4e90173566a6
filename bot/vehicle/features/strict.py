"""Strict readers of wire values for the features' v1 and v3 readers: each refuses what the vendor would."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, time
from typing import Any, NoReturn

from bot.vehicle.features.base import DAYS, RemoteBodyError

CLOCK = re.compile(r"PT(?:(\d{1,2})H)?(?:(\d{1,2})M)?")


def fail(path: str, message: str) -> NoReturn:
    """Refuse the body: the path and what is wrong there."""
    raise RemoteBodyError(f"{path}: {message}")


def closed_object(
    value: Any, path: str, allowed: Collection[str], required: Collection[str] = ()
) -> Mapping[str, Any]:
    """An object with only `allowed` keys and every `required` one."""
    if not isinstance(value, Mapping):
        fail(path, "must be an object")
    for key in value:
        if key not in allowed:
            fail(path, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in value:
            fail(path, f"missing required key {key!r}")
    return value


def only_one(obj: Mapping[str, Any], path: str, keys: Sequence[str]) -> str:
    """The one key of `keys` present in `obj` (exactly one must be)."""
    present = [key for key in keys if key in obj]
    if len(present) != 1:
        got = ", ".join(present) if present else "none"
        fail(path, f"give exactly one of {', '.join(keys)} (got {got})")
    return present[0]


def boolean(value: Any, path: str) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        fail(path, "must be true or false")
    return value


def integer(value: Any, path: str, low: int, high: int) -> int:
    """A JSON integer from `low` to `high`."""
    if isinstance(value, bool) or not isinstance(value, int):
        fail(path, "must be an integer")
    if not low <= value <= high:
        fail(path, f"must be {low} to {high}")
    return value


def number(value: Any, path: str) -> float:
    """A finite JSON number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        fail(path, "must be a number")
    return float(value)


def text(value: Any, path: str) -> str:
    """A JSON string."""
    if not isinstance(value, str):
        fail(path, "must be a string")
    return value


def one_of(value: Any, path: str, choices: Sequence[str]) -> str:
    """One of the enum `choices`."""
    if value not in choices or not isinstance(value, str):
        fail(path, f"{value!r} is not one of {', '.join(choices)}")
    return value


def clock(value: Any, path: str) -> time:
    """A time of day as the vendor writes it (PT07H30M)."""
    match = CLOCK.fullmatch(text(value, path))
    if match is None or (match.group(1) is None and match.group(2) is None):
        fail(path, f"{value!r} is not a time of day like PT07H30M")
    hours, minutes = int(match.group(1) or 0), int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        fail(path, f"{value!r} is not between 00:00 and 23:59")
    return time(hours, minutes)


def days(value: Any, path: str) -> tuple[str, ...]:
    """An occurrence object: its list of days."""
    occurrence = closed_object(value, path, {"day"}, {"day"})
    listed = occurrence["day"]
    if not isinstance(listed, list):
        fail(f"{path}.day", "must be a list of days")
    return tuple(one_of(day, f"{path}.day[{index}]", DAYS) for index, day in enumerate(listed))


def array(value: Any, path: str, low: int, high: int | None = None) -> list[Any]:
    """A JSON list of `low` to `high` items."""
    if not isinstance(value, list):
        fail(path, "must be a list")
    if len(value) < low or (high is not None and len(value) > high):
        fail(path, f"must hold {low} to {high} items" if high is not None else f"needs at least {low} item")
    return value


ON_OFF = ("Activated", "Unactivated")


def state(value: Any, path: str, choices: Sequence[str]) -> str:
    """A `{"state": <one of choices>}` object's state."""
    return one_of(closed_object(value, path, {"state"}, {"state"})["state"], f"{path}.state", choices)


def fixed_action(value: Any, path: str, expected: str) -> None:
    """A `{"action": <expected>}` object, nothing else."""
    one_of(closed_object(value, path, {"action"}, {"action"})["action"], f"{path}.action", (expected,))


def instant_clock(value: Any, path: str) -> time:
    """An RFC 3339 date-time with its offset (v3 `nextDelayedTime`): the time of day its clocks show."""
    raw = text(value, path)
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        fail(path, f"{raw!r} is not an RFC 3339 date-time like 2024-05-01T22:30:00+02:00")
    if moment.tzinfo is None or "T" not in raw.upper():
        fail(path, f"{raw!r} needs a date, a time and an offset (RFC 3339)")
    if moment.second or moment.microsecond:
        fail(path, f"{raw!r}: the bot schedules whole minutes only")
    return moment.time().replace(fold=0)
