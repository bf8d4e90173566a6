"""Parsing of `/vehicle ...` text into a command; errors say what was wrong and how to write it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.catalogue.actions import ACTIONS, ActionSpec

TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
TEMP = re.compile(r"^(\d{1,2}(?:\.\d)?)c$")
POINT = re.compile(r"^(-?\d{1,2}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RATES = {"low": "Low", "low+": "LowPlus", "med": "Med", "med+": "MedPlus", "high": "High"}
LIMITS = {"80": "MedPlus", "100": "High"}
TAN_DURATIONS = ("2h", "4h", "12h", "24h", "3d", "7d")
ON_OFF = ("on", "off")


class CommandError(ValueError):
    """A typo or a missing word: `problem` says what, `usage` how to write it."""

    def __init__(self, problem: str, usage: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.usage = usage


@dataclass(frozen=True)
class Command:
    """A parsed command: the subcommand, the vehicle word (if any) and the options that follow."""

    action: str
    vehicle: str | None = None
    options: dict[str, object] = field(default_factory=dict)
    text: str = ""  # the original text, to run the command again after a confirmation

    @property
    def spec(self) -> ActionSpec:
        """The catalogue row of the subcommand."""
        return ACTIONS[self.action]


def _fail(spec: ActionSpec, problem: str) -> CommandError:
    return CommandError(problem, spec.usage)


def _on_off(spec: ActionSpec, word: str | None, *, default: str | None = None) -> bool:
    word = word if word is not None else default
    if word not in ON_OFF:
        raise _fail(spec, f"expected `on` or `off`, got `{word or 'nothing'}`")
    return word == "on"


def _exactly(spec: ActionSpec, rest: list[str], count: int) -> None:
    if len(rest) > count:
        raise _fail(spec, f"unexpected `{' '.join(rest[count:])}`")


def parse(text: str) -> Command:
    """Parse the text after the slash command; raise CommandError on any mistake."""
    words = text.strip().lower().split()
    if not words:
        return Command("help", text=text)
    head, rest = words[0], words[1:]
    spec = ACTIONS.get(head)
    if spec is None:
        if len(words) == 1:
            return Command("card", vehicle=head, text=text)
        raise CommandError(f"unknown subcommand `{head}`", "help")
    if head in ("help", "whoami"):
        _exactly(spec, rest, 0)
        return Command(head, text=text)
    if head == "list":
        _exactly(spec, rest, 1)
        return Command("list", options={"filter": rest[0] if rest else ""}, text=text)
    if not rest:
        raise _fail(spec, "which vehicle? give an alias, a full VIN or the end of a VIN")
    vehicle, args = rest[0], rest[1:]
    options = _OPTION_PARSERS.get(head, _no_options)(spec, args)
    return Command(head, vehicle=vehicle, options=options, text=text)


def _no_options(spec: ActionSpec, args: list[str]) -> dict[str, object]:
    _exactly(spec, args, 0)
    return {}


def _lights(spec: ActionSpec, args: list[str]) -> dict[str, object]:
    _exactly(spec, args, 1)
    return {"on": _on_off(spec, args[0] if args else None, default="on")}


def _switch(spec: ActionSpec, args: list[str]) -> dict[str, object]:
    _exactly(spec, args, 1)
    return {"on": _on_off(spec, args[0] if args else None)}


def _state(spec: ActionSpec, args: list[str]) -> dict[str, object]:
    if args not in ([], ["--no-refresh"]):
        raise _fail(spec, f"unexpected `{' '.join(args)}`")
    return {"refresh": not args}


def _time(spec: ActionSpec, word: str | None) -> tuple[int, int]:
    match = TIME.match(word or "")
    if not match:
        raise _fail(spec, f"expected a time as HH:MM (vehicle local time), got `{word or 'nothing'}`")
    return int(match.group(1)), int(match.group(2))


def _charge(spec: ActionSpec, args: list[str]) -> dict[str, object]:
    if not args:
        raise _fail(spec, "what should the charge do? start, stop, rate, limit or at")
    verb, rest = args[0], args[1:]
    if verb in ("start", "stop"):
        _exactly(spec, rest, 0)
        return {"mode": verb}
    if verb == "rate":
        _exactly(spec, rest, 1)
        if not rest or rest[0] not in RATES:
            raise _fail(spec, f"rate must be one of {', '.join(RATES)}")
        return {"mode": "rate", "rate": RATES[rest[0]]}
    if verb == "limit":
        _exactly(spec, rest, 1)
        if not rest or rest[0].rstrip("%") not in LIMITS:
            raise _fail(spec, "limit must be 80 or 100 (percent)")
        return {"mode": "limit", "limit": LIMITS[rest[0].rstrip("%")]}
    if verb == "at":
        _exactly(spec, rest, 1)
        return {"mode": "at", "time": _time(spec, rest[0] if rest else None)}
    raise _fail(spec, f"unknown charge option `{verb}`")


def _days(spec: ActionSpec, word: str) -> list[str]:
    days = [day for day in word.split(",") if day]
    unknown = [day for day in days if day not in DAYS]
    if unknown:
        raise _fail(spec, f"unknown day `{unknown[0]}`: use {','.join(DAYS)}")
    return [day.capitalize() for day in days]


def _precondition(spec: ActionSpec, args: list[str]) -> dict[str, object]:
    if not args:
        raise _fail(spec, "what should preconditioning do? on, off, at or delete")
    verb, rest = args[0], args[1:]
    if verb in ON_OFF:
        _exactly(spec, rest, 0)
        return {"mode": verb}
    if verb == "delete":
        _exactly(spec, rest, 1)
        if not rest or not rest[0].isdigit():
            raise _fail(spec, "give the program slot to delete: `delete <1-4>`")
        return {"mode": "delete", "slot": int(rest[0])}
    if verb != "at":
        raise _fail(spec, f"unknown preconditioning option `{verb}`")
    options: dict[str, object] = {"mode": "at", "time": _time(spec, rest[0] if rest else None), "slot": 1}
    days: list[str] = [day.capitalize() for day in DAYS]
    words = rest[1:]
    while words:
        word = words.pop(0)
        if word == "slot":
            if not words or not words[0].isdigit():
                raise _fail(spec, "`slot` needs a number from 1 to 4")
            options["slot"] = int(words.pop(0))
        elif TEMP.match(word):
            options["temp"] = float(TEMP.match(word).group(1))  # type: ignore[union-attr]
        elif all(part in DAYS for part in word.split(",") if part):
            days = _days(spec, word)
        else:
            raise _fail(
                spec, f"unexpected `{word}`: give days like mon,tue, a temperature like 21C, or slot N"
            )
    options["days"] = days
    return options


def _navigate(spec: ActionSpec, args: list[str]) -> dict[str, object]:
    if not args:
        raise _fail(spec, "give at least one point as lat,lon (the last one is the destination)")
    points = []
    for word in args:
        match = POINT.match(word)
        if not match:
            raise _fail(spec, f"`{word}` is not a point: write latitude,longitude like 48.8584,2.2945")
        points.append((float(match.group(1)), float(match.group(2))))
    return {"points": points}


def _stolen(spec: ActionSpec, args: list[str]) -> dict[str, object]:
    if args and args[0] == "crank-inhibit":
        _exactly(spec, args, 2)
        return {"form": "crank-inhibit", "on": _on_off(spec, args[1] if len(args) > 1 else None)}
    _exactly(spec, args, 1)
    return {"form": "state", "on": _on_off(spec, args[0] if args else None)}


def _tan(spec: ActionSpec, args: list[str]) -> dict[str, object]:
    if not args:
        raise _fail(spec, "what should happen to the theft alarm? suppress, unsuppress, confirm or deny")
    verb, rest = args[0], args[1:]
    if verb == "suppress":
        _exactly(spec, rest, 1)
        if not rest or rest[0] not in TAN_DURATIONS:
            raise _fail(spec, f"suppress needs a duration: {', '.join(TAN_DURATIONS)}")
        return {"mode": "suppress", "duration": rest[0]}
    if verb in ("unsuppress", "confirm", "deny"):
        _exactly(spec, rest, 0)
        return {"mode": verb}
    raise _fail(spec, f"unknown theft-alarm option `{verb}`")


def _reference(spec: ActionSpec, args: list[str]) -> dict[str, object]:
    _exactly(spec, args, 0)
    return {}


_OPTION_PARSERS = {
    "lights": _lights,
    "immobilize": _switch,
    "state": _state,
    "charge": _charge,
    "precondition": _precondition,
    "navigate": _navigate,
    "stolen": _stolen,
    "tan": _tan,
    "status": _reference,
    "history": _reference,
}


def usage_text(command: str) -> str:
    """The full usage, one line per subcommand."""
    lines = [f"`{command} {spec.usage}`" for spec in ACTIONS.values()]
    lines.insert(1, f"`{command} <vehicle>`  (a vehicle card with a button per action)")
    return "\n".join(lines)
