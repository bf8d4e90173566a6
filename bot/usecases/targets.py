"""A command's target as vehicles: one word, a comma list (aliases, VINs, VIN suffixes) or a group."""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.catalogue.command import GROUP_PREFIX
from bot.usecases.fleet import Fleet, Vehicle, VehicleNotFound
from bot.usecases.lookup import resolve_among


@dataclass(frozen=True)
class Unknown:
    """A word of the target that names no vehicle (or no group), and what was probably meant."""

    word: str
    problem: str
    suggestion: str | None = None


@dataclass(frozen=True)
class Targets:
    """The vehicles a target names, in the order typed (each once), and the words that name none."""

    vehicles: list[Vehicle] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)


def target_words(target: str) -> list[str]:
    """The comma-separated words of a target, empty ones dropped."""
    return [word.strip() for word in target.split(",") if word.strip()]


def suggest(word: str, names: list[str]) -> str | None:
    """The name closest to a mistyped word, when one is close enough."""
    close = difflib.get_close_matches(word.lower(), names, n=1, cutoff=0.6)
    return close[0] if close else None


async def resolve_targets(
    fleet: Fleet, target: str, known_vins: Callable[[], Awaitable[list[str]]]
) -> Targets:
    """Every vehicle of the target; each unknown word is named with a suggestion, never dropped."""
    vehicles: dict[str, Vehicle] = {}
    unknown: list[Unknown] = []
    listed: list[str] | None = None

    async def known_once() -> list[str]:  # the vendor's list, asked at most once for the whole target
        nonlocal listed
        if listed is None:
            listed = await known_vins()
        return listed

    aliases = [vehicle.alias for vehicle in fleet.vehicles if vehicle.alias]
    for word in target_words(target):
        if word.startswith(GROUP_PREFIX):
            group = word.removeprefix(GROUP_PREFIX)
            members = [vehicle for vehicle in fleet.vehicles if group in vehicle.groups]
            if not members:
                hint = suggest(group, fleet.groups())
                unknown.append(
                    Unknown(word, f"no group `{group}` in the fleet file", hint and GROUP_PREFIX + hint)
                )
            for vehicle in members:
                vehicles.setdefault(vehicle.vin, vehicle)
            continue
        try:
            vehicle = await resolve_among(fleet, word, known_once)
        except VehicleNotFound as error:
            unknown.append(Unknown(word, str(error), suggest(word, aliases)))
            continue
        vehicles.setdefault(vehicle.vin, vehicle)
    return Targets(list(vehicles.values()), unknown)
