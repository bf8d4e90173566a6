"""A vehicle's capability, from the cache every replica shares, else from the vehicle cloud (then cached)."""

from __future__ import annotations

from bot.usecases.context import UseCaseContext
from bot.vehicle.wire import VehicleCapability


async def capability_of(ctx: UseCaseContext, vin: str) -> VehicleCapability:
    """The cached capability, else the vendor's (then cached for every replica)."""
    cached = await ctx.capabilities.get(vin)
    if cached is not None:
        return cached
    fresh = await ctx.vehicles.capability(vin)
    await ctx.capabilities.put(vin, fresh)
    return fresh


async def capability_changed(ctx: UseCaseContext, vin: str) -> None:
    """The vendor refused what the cached capability allowed (501): the next pre-flight asks it afresh."""
    await ctx.capabilities.forget(vin)
