"""Finding the vehicle a user means: an alias, a VIN or a VIN suffix."""

from __future__ import annotations

from bot.usecases.context import UseCaseContext
from bot.usecases.fleet import Vehicle, VehicleNotFound


async def resolve_vehicle(ctx: UseCaseContext, word: str) -> Vehicle:
    """Alias, VIN or VIN suffix to a vehicle; without a fleet file the vendor's list is searched."""
    try:
        return ctx.fleet.resolve(word)
    except VehicleNotFound:
        if ctx.fleet.vehicles and len(word) != 17:
            raise
    known = [vehicle.vin for vehicle in await ctx.vehicles.vehicles()]
    return ctx.fleet.resolve(word, known_vins=known)


def vehicle_of(ctx: UseCaseContext, vin: str) -> Vehicle:
    """The fleet's vehicle for a VIN the bot stored (a bare VIN when the fleet file does not list it)."""
    return ctx.fleet.by_vin(vin) or Vehicle(vin=vin)
