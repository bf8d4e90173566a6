"""One command for many vehicles, before anything is sent: who receives it, who is left out and why."""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass

from bot.catalogue.command import Command, CommandError
from bot.catalogue.row import Plan
from bot.store.batches import BatchMember, BatchRecord, LeftOut, new_batch_id
from bot.store.records import WakeUpCost
from bot.usecases.context import UseCaseContext
from bot.usecases.fleet import Vehicle
from bot.usecases.freshness import freshness_of
from bot.usecases.remote_flow import authorize, preflight
from bot.usecases.results import (
    Actor,
    Denied,
    Lacks,
    NotOffered,
    Problem,
    Unsupported,
    VendorUnavailable,
    WakeUpsSpent,
)
from bot.usecases.targets import resolve_targets
from bot.vehicle.errors import VendorError
from bot.vehicle.features.base import RemoteRequestError

log = logging.getLogger(__name__)

CHECKS_AT_ONCE = 16  # vehicles checked concurrently (a cold capability cache asks the vendor)


@dataclass(frozen=True)
class BatchPreview:
    """What a batch would do, shown privately to its requester with Send and Cancel."""

    batch: BatchRecord
    seconds: float  # how long sending takes at the configured pace
    needs_confirmation: bool
    fewest_wakeups: tuple[str, WakeUpCost] | None = None  # the member with the fewest wake-ups left
    asleep: tuple[str, ...] = ()  # members silent long enough to be in deep sleep


@dataclass(frozen=True)
class NothingToSend:
    """Every vehicle of the target is left out: each with its reason."""

    batch: BatchRecord


PreviewResult = BatchPreview | NothingToSend | Problem | NotOffered | VendorUnavailable


async def preview_batch(
    ctx: UseCaseContext, actor: Actor, command: Command, *, retry_of: str | None = None
) -> PreviewResult:
    """Resolve the target, check every vehicle as a one-vehicle command would be, and store the preview."""
    await ctx.redis.ping()  # Redis down: the error answer, and nothing checked
    what = _what_to_send(ctx, command)
    if not isinstance(what, tuple):
        return what
    plan, remote_body = what
    remote = command.row.remote
    assert remote is not None  # only a remote command comes here

    async def vendor_vins() -> list[str]:
        return [vehicle.vin for vehicle in await ctx.vehicles.vehicles()]

    try:
        targets = await resolve_targets(ctx.fleet, command.vehicle or "", vendor_vins)
        limit = ctx.settings.batch_max_vehicles
        if len(targets.vehicles) > limit:
            return Problem(
                f"`{command.vehicle}` names {len(targets.vehicles)} vehicles: one command may name at most "
                f"{limit} (BATCH_MAX_VEHICLES). Split it into smaller groups or lists.",
                command.row.usage,
            )
        left_out = [
            LeftOut(
                name=u.word, reason=u.problem + (f" Did you mean `{u.suggestion}`?" if u.suggestion else "")
            )
            for u in targets.unknown
        ]
        checked = await _check_all(ctx, actor, command, plan, targets.vehicles)
    except VendorError as error:
        log.warning("vendor error while checking a batch: %s", type(error).__name__)
        return VendorUnavailable(str(error))
    in_flight = await ctx.requests.in_flight(
        [v.vin for v, outcome in checked if not isinstance(outcome, str)], remote.slot(command.options)
    )
    batch = BatchRecord(
        id=new_batch_id(), action=command.action, command=command, summary=plan.summary,
        target=f"the failed of {retry_of}" if retry_of else command.vehicle or "", requester=actor.user,
        channel=actor.channel, remote_body=remote_body,
        needs_approval=ctx.authorizer.requires_approval(command.action), retry_of=retry_of,
        simulator=ctx.simulator,
    )  # fmt: skip
    fewest: tuple[str, WakeUpCost] | None = None
    for vehicle, outcome in checked:
        if isinstance(outcome, WakeUpCost) and (fewest is None or outcome.left < fewest[1].left):
            fewest = (vehicle.name, outcome)
        if isinstance(outcome, str):
            left_out.append(LeftOut(name=vehicle.name, vin=vehicle.vin, reason=outcome))
        elif vehicle.vin in in_flight:
            words = f"a request of the same kind is in flight (`{in_flight[vehicle.vin]}`)"
            left_out.append(LeftOut(name=vehicle.name, vin=vehicle.vin, reason=words))
        else:
            index = len(batch.members)
            batch.members.append(
                BatchMember(vin=vehicle.vin, alias=vehicle.alias, request_id=batch.member_id(index))
            )
            batch.wakeups += 1 if outcome is not None else 0
    batch.left_out = left_out
    await ctx.batches.create(batch, ttl_seconds=ctx.settings.confirmation_ttl_seconds)
    log.info("batch %s: %s previewed for %d vehicles", batch.id, command.action.value, len(batch.members))
    if not batch.members:
        return NothingToSend(batch)
    seconds = math.ceil(len(batch.members) / ctx.settings.vendor_sends_per_second)
    freshness = await freshness_of(ctx, [member.vin for member in batch.members])
    asleep = tuple(m.name for m in batch.members if freshness[m.vin].possibly_asleep)
    return BatchPreview(batch, float(seconds), command.needs_confirmation, fewest, asleep)


def _what_to_send(
    ctx: UseCaseContext, command: Command
) -> tuple[Plan, dict[str, object]] | Problem | NotOffered:
    """The command's plan and its body in the vehicle cloud's words, or why it cannot go to many vehicles."""
    remote = command.row.remote
    assert remote is not None  # only a remote command comes here
    try:
        plan = command.plan()
        if plan.feature is None or not ctx.vehicles.offers(type(plan.feature)):
            if not ctx.vehicles.offers(remote.model):
                return NotOffered(command.row)
            raise CommandError(
                f"`{command.action.value}` in this form takes one vehicle at a time", command.row.usage
            )
        return plan, ctx.vehicles.describe(plan.feature)
    except (CommandError, RemoteRequestError) as error:
        return Problem(str(error), command.row.usage)


async def _check_all(
    ctx: UseCaseContext, actor: Actor, command: Command, plan: Plan, vehicles: list[Vehicle]
) -> list[tuple[Vehicle, str | WakeUpCost | None]]:
    """Each vehicle with the reason it is left out (words), or what it costs (None: nothing)."""
    limit = asyncio.Semaphore(CHECKS_AT_ONCE)

    async def one(vehicle: Vehicle) -> tuple[Vehicle, str | WakeUpCost | None]:
        async with limit:
            denied = await authorize(ctx, actor, command, vehicle)
            if denied is not None:
                return vehicle, _left_out_words(denied)
            outcome = await preflight(ctx, actor, command, vehicle, plan)
            if isinstance(outcome, Lacks | Unsupported | WakeUpsSpent):
                return vehicle, _left_out_words(outcome)
            return vehicle, outcome

    return list(await asyncio.gather(*(one(vehicle) for vehicle in vehicles)))


def _left_out_words(refusal: Denied | Lacks | Unsupported | WakeUpsSpent) -> str:
    """Why a vehicle receives nothing, in words."""
    match refusal:
        case Denied(reason=reason):
            return f"you may not act on it: {reason}"
        case Lacks(row=row, capability=capability):
            return f"it cannot do {row.title}: its capability does not include `{capability}`"
        case Unsupported(vehicle=vehicle, refusal=words):
            return f"{vehicle.name} {words}"
        case WakeUpsSpent(wakeups=wakeups):
            return (
                f"its wake-ups of this month are used up ({wakeups.used} of {wakeups.allowance}), "
                f"until {wakeups.resets_on:%Y-%m-%d}"
            )
