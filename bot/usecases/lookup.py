"""Finding the vehicle a user means: an alias, a VIN or a VIN suffix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.usecases.context import UseCaseContext
from bot.usecases.fleet import Fleet, Vehicle, VehicleNotFound


async def resolve_vehicle(ctx: UseCaseContext, word: str) -> Vehicle:
    """Alias, VIN or VIN suffix to a vehicle; without a fleet file the vendor's list is searched."""

    async def vendor_vins() -> list[str]:
        return [vehicle.vin for vehicle in await ctx.vehicles.vehicles()]

    return await resolve_among(ctx.fleet, word, vendor_vins)


async def resolve_among(fleet: Fleet, word: str, known_vins: Callable[[], Awaitable[list[str]]]) -> Vehicle:
    """Alias, VIN or VIN suffix to a vehicle; without a fleet file, a suffix is matched in `known_vins()`.

    Raises VehicleNotFound (its message says what to type) when the word names no vehicle, or several.
    """
    try:
        return fleet.resolve(word)
    except VehicleNotFound:
        if fleet.vehicles and len(word) != 17:
            raise
    return fleet.resolve(word, known_vins=await known_vins())


def vehicle_of(ctx: UseCaseContext, vin: str) -> Vehicle:
    """The fleet's vehicle for a VIN the bot stored (a bare VIN when the fleet file does not list it)."""
    return ctx.fleet.by_vin(vin) or Vehicle(vin=vin)
