"""Questions that send nothing: the vehicle card, status, history, list and whoami."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.catalogue.command import Command
from bot.catalogue.options import ListOptions
from bot.catalogue.row import ActionRow
from bot.catalogue.table import REMOTE_ROWS
from bot.store.audit import AuditEntry
from bot.store.batches import BatchRecord, is_batch_id
from bot.store.records import RequestRecord
from bot.store.wakeup_budget import WakeUps
from bot.usecases.authz import Entitlement
from bot.usecases.batch_progress import BatchProgress, progress_of
from bot.usecases.capabilities import capability_of
from bot.usecases.context import UseCaseContext
from bot.usecases.fleet import Vehicle
from bot.usecases.freshness import Freshness, freshness_of
from bot.usecases.lookup import resolve_vehicle, vehicle_of
from bot.usecases.results import Actor, Denied


@dataclass(frozen=True)
class Card:
    """A vehicle and the rows of the actions the user may run on it and it does not refuse."""

    vehicle: Vehicle
    rows: tuple[ActionRow[Any], ...]
    wakeups: WakeUps
    freshness: Freshness


@dataclass(frozen=True)
class Statuses:
    """The requests asked about (one by id, or a vehicle's recent ones)."""

    reference: str
    records: list[RequestRecord]


@dataclass(frozen=True)
class History:
    """A vehicle's audit trail, newest first."""

    vehicle: Vehicle
    trail: list[AuditEntry]


@dataclass(frozen=True)
class Listing:
    """The vehicles the user may act on that match the filter."""

    wanted: str
    vehicles: list[Vehicle]
    wakeups: dict[str, WakeUps]  # by VIN
    freshness: dict[str, Freshness]  # by VIN, from the bot's store: no vendor call per vehicle


async def _check(
    ctx: UseCaseContext, actor: Actor, row: ActionRow[Any], vehicle: Vehicle | None
) -> Denied | None:
    """Denied unless the row needs no grant or the user holds one for it here."""
    if not row.guarded:
        return None
    decision = await ctx.authorizer.check(actor.user, row.action, vehicle, actor.channel)
    return None if decision.allowed else Denied(decision.reason)


async def allowed_rows(ctx: UseCaseContext, actor: Actor, vehicle: Vehicle) -> list[ActionRow[Any]]:
    """The remote actions the user may run on this vehicle from this channel."""
    rows = []
    for row in REMOTE_ROWS:
        if row.available(ctx.vehicles.offers) and await _check(ctx, actor, row, vehicle) is None:
            rows.append(row)
    return rows


async def card(ctx: UseCaseContext, actor: Actor, command: Command) -> Card | Denied:
    """The vehicle card: one button per action the user may run and the vehicle does not refuse."""
    vehicle = await resolve_vehicle(ctx, command.vehicle or "")
    allowed = await allowed_rows(ctx, actor, vehicle)
    if not allowed:
        return Denied(ctx.authorizer.refusal(actor.user, "any action", vehicle))
    capability = await capability_of(ctx, vehicle.vin)
    shown = tuple(
        row
        for row in allowed
        if row.remote is not None
        and row.remote.cards
        and capability.supports(row.remote.capability) is not False
    )
    freshness = (await freshness_of(ctx, [vehicle.vin]))[vehicle.vin]
    return Card(vehicle, shown, await ctx.wakeups.of(vehicle.vin), freshness)


async def status(ctx: UseCaseContext, actor: Actor, command: Command) -> Statuses | BatchProgress | Denied:
    """A batch by id (its requester, or someone who may see every one of its vehicles), a request by id
    (authorized on its vehicle), or a vehicle's recent requests."""
    reference = command.vehicle or ""
    batch = await ctx.batches.get(reference) if is_batch_id(reference) else None
    if batch is not None:
        return await _batch_status(ctx, actor, command, batch)
    record = await ctx.requests.get(reference)
    if record is not None:
        return await _check(ctx, actor, command.row, vehicle_of(ctx, record.vin)) or Statuses(
            reference, [record]
        )
    vehicle = await resolve_vehicle(ctx, reference)
    denied = await _check(ctx, actor, command.row, vehicle)
    return denied or Statuses(reference, await ctx.requests.recent_for_vehicle(vehicle.vin))


async def _batch_status(
    ctx: UseCaseContext, actor: Actor, command: Command, batch: BatchRecord
) -> BatchProgress | Denied:
    if actor.user != batch.requester:
        if not batch.members:  # nothing to be authorized on: only its requester sees it
            return Denied("Only the requester of this batch can see it.")
        for member in batch.members:
            denied = await _check(ctx, actor, command.row, vehicle_of(ctx, member.vin))
            if denied is not None:
                return denied
    return progress_of(batch, await ctx.batches.members(batch))


async def history(ctx: UseCaseContext, actor: Actor, command: Command) -> History | Denied:
    """A vehicle's audit trail."""
    vehicle = await resolve_vehicle(ctx, command.vehicle or "")
    denied = await _check(ctx, actor, command.row, vehicle)
    return denied or History(vehicle, await ctx.audit.vehicle_trail(vehicle.vin))


async def listing(ctx: UseCaseContext, actor: Actor, command: Command) -> Listing | Denied:
    """The vehicles (from the fleet file, else the vendor's list) the user may act on, matching the filter."""
    denied = await _check(ctx, actor, command.row, None)
    if denied:
        return denied
    wanted = command.options.filter if isinstance(command.options, ListOptions) else ""
    if ctx.fleet.vehicles:
        vehicles = list(ctx.fleet.vehicles)
    else:
        vehicles = [Vehicle(vin=v.vin) for v in await ctx.vehicles.vehicles()]
    matching = []
    for vehicle in vehicles:
        text = f"{vehicle.alias or ''} {vehicle.vin} {' '.join(vehicle.groups)}".lower()
        if (not wanted or wanted in text) and await allowed_rows(ctx, actor, vehicle):
            matching.append(vehicle)
    vins = [vehicle.vin for vehicle in matching]
    return Listing(wanted, matching, await ctx.wakeups.of_many(vins), await freshness_of(ctx, vins))


async def whoami(ctx: UseCaseContext, actor: Actor) -> list[Entitlement]:
    """Every role the user holds and where it applies (actions the vehicle cloud does not offer left out)."""
    hidden = {row.action.value for row in REMOTE_ROWS if not row.available(ctx.vehicles.offers)}
    return [
        replace(
            item,
            actions=tuple(a for a in item.actions if a not in hidden),
            approve=tuple(a for a in item.approve if a not in hidden),
        )
        for item in await ctx.authorizer.entitlements(actor.user)
    ]
