"""The one path every remote request takes, typed or clicked: resolve, authorize, confirm, approve, start."""

from __future__ import annotations

import logging
import time

from bot.catalogue.action import Permission
from bot.catalogue.command import Command, CommandError
from bot.catalogue.row import Plan
from bot.runtime.logs import add_log_context
from bot.store.records import WakeUpCost
from bot.store.requests import InFlight
from bot.usecases.capabilities import capability_of
from bot.usecases.context import UseCaseContext
from bot.usecases.dispatch import ActionRequest, start_request
from bot.usecases.fleet import Vehicle, VehicleNotFound
from bot.usecases.freshness import freshness_of, latest_state, reported_time
from bot.usecases.lookup import resolve_vehicle
from bot.usecases.results import (
    Actor,
    AlreadyInFlight,
    ConfirmationNeeded,
    Denied,
    Lacks,
    LastState,
    NotOffered,
    Problem,
    RemoteResult,
    Unsupported,
    VendorUnavailable,
    WakeUpsSpent,
)
from bot.vehicle.errors import VendorError
from bot.vehicle.facts import vehicle_state
from bot.vehicle.features.base import RemoteRequestError

log = logging.getLogger(__name__)


async def request_remote(
    ctx: UseCaseContext, actor: Actor, command: Command, *, confirmed: bool = False
) -> RemoteResult:
    """Take a parsed remote command through authorization, confirmation and approval to the vendor."""
    await ctx.redis.ping()  # Redis down: the error answer, and no vendor call at all
    try:
        remote = command.row.remote
        if remote is not None and not ctx.vehicles.offers(remote.model) and not remote.shows_last_known:
            return NotOffered(command.row)
        vehicle = await resolve_vehicle(ctx, command.vehicle or "")
        add_log_context(vehicle=vehicle.vin, action=command.action.value)
        return await _authorized(ctx, actor, command, vehicle, confirmed=confirmed)
    except (VehicleNotFound, CommandError) as error:
        return Problem(str(error), command.row.usage)
    except VendorError as error:
        log.warning("vendor error while preparing a request: %s", type(error).__name__)
        return VendorUnavailable(str(error))


async def _authorized(
    ctx: UseCaseContext, actor: Actor, command: Command, vehicle: Vehicle, *, confirmed: bool
) -> RemoteResult:
    denied = await authorize(ctx, actor, command, vehicle)
    if denied is not None:
        return denied
    plan = command.plan()
    remote = command.row.remote
    assert remote is not None  # only a remote command comes here
    shown = await _without_waking(ctx, vehicle, plan)
    if shown is not None:
        return shown
    assert plan.feature is not None  # only a plan that sends comes past the last reported state
    cost = await preflight(ctx, actor, command, vehicle, plan)
    if isinstance(cost, Lacks | Unsupported | WakeUpsSpent):
        return cost
    try:  # a form this API has no words for is refused before anything
        remote_body = ctx.vehicles.describe(plan.feature)
    except RemoteRequestError as error:
        return Problem(str(error), command.row.usage)
    if command.needs_confirmation and not confirmed:
        token = await ctx.confirmations.issue(
            actor.user,
            {"command": command.model_dump(mode="json"), "channel": actor.channel, "vin": vehicle.vin},
        )
        return ConfirmationNeeded(command.row, vehicle, plan.summary, token)
    request = ActionRequest(
        command, vehicle, plan.summary, plan.feature, remote_body, actor.user, actor.channel, cost
    )
    result = await start_request(
        ctx, request, needs_approval=ctx.authorizer.requires_approval(command.action)
    )
    if isinstance(result, InFlight):
        existing = await ctx.requests.get(result.request_id)
        link = await ctx.messages.permalink(existing) if existing else None
        return AlreadyInFlight(result.request_id, link)
    return result


async def authorize(ctx: UseCaseContext, actor: Actor, command: Command, vehicle: Vehicle) -> Denied | None:
    """Denied (and audited) unless the policy lets the user run the action on this vehicle, here."""
    decision = await ctx.authorizer.check(actor.user, command.action, vehicle, actor.channel)
    if decision.allowed:
        return None
    log.info("%s on %s denied by the policy", command.action.value, vehicle.vin)
    await ctx.audit.record(
        "denied", user=actor.user, action=command.action, vin=vehicle.vin, detail=command.text
    )
    return Denied(decision.reason)


async def preflight(
    ctx: UseCaseContext, actor: Actor, command: Command, vehicle: Vehicle, plan: Plan
) -> Lacks | Unsupported | WakeUpsSpent | WakeUpCost | None:
    """What keeps the vehicle from receiving the command, checked before any vendor call: its
    capability (cached), the action's rule on it, and its month's wake-ups; else what it costs."""
    remote = command.row.remote
    assert remote is not None  # only a remote command comes here
    capability = await capability_of(ctx, vehicle.vin)
    if capability.supports(remote.capability) is False:  # unknown (None) is allowed: the vendor decides
        return Lacks(vehicle, command.row, remote.capability)
    rule = remote.capability_rule(command.options)
    if rule is not None and not rule.holds(capability):
        return Unsupported(vehicle, rule.refusal)
    return await _wake_up_cost(ctx, actor, command, vehicle, plan)


async def _without_waking(ctx: UseCaseContext, vehicle: Vehicle, plan: Plan) -> LastState | None:
    """The last reported state instead of a remote: asked for, all this API can give, or recent enough."""
    if plan.feature is None or not ctx.vehicles.offers(type(plan.feature)):
        telemetry = await latest_state(ctx, vehicle.vin)
        facts = vehicle_state(telemetry)
        if plan.feature is not None:  # where a fresh fix is not offered, the last known position
            facts = {name: value for name, value in facts.items() if name == "Position"}
        freshness = (await freshness_of(ctx, [vehicle.vin]))[vehicle.vin]
        return LastState(vehicle, facts, reported_at=telemetry.reported_at, freshness=freshness)
    return await recent_state(ctx, vehicle) if plan.unless_fresh else None


async def recent_state(ctx: UseCaseContext, vehicle: Vehicle) -> LastState | None:
    """The last reported state when it is at most STATE_FRESH_SECONDS old (None: a refresh is needed)."""
    if ctx.settings.state_fresh_seconds <= 0:
        return None
    telemetry = await latest_state(ctx, vehicle.vin)
    at = reported_time(telemetry)
    if at is None or time.time() - at > ctx.settings.state_fresh_seconds:
        return None
    freshness = (await freshness_of(ctx, [vehicle.vin]))[vehicle.vin]
    return LastState(
        vehicle, vehicle_state(telemetry), reported_at=telemetry.reported_at, recent=True, freshness=freshness
    )


async def _wake_up_cost(
    ctx: UseCaseContext, actor: Actor, command: Command, vehicle: Vehicle, plan: Plan
) -> WakeUpCost | WakeUpsSpent | None:
    """What a command that always wakes costs; refused when the month's wake-ups are used up, unless the
    user holds `exceed-wakeups` for this vehicle. None for a command that does not always wake."""
    if not plan.wakes:
        return None
    wakeups = await ctx.wakeups.of(vehicle.vin)
    if wakeups.spent:
        grant = await ctx.authorizer.check(actor.user, Permission.EXCEED_WAKEUPS, vehicle, actor.channel)
        if not grant.allowed:
            log.info("wake-up of %s refused: this month's wake-ups are used up", vehicle.vin)
            await ctx.audit.record(
                "refused-wakeups",
                user=actor.user,
                action=command.action,
                vin=vehicle.vin,
                detail=command.text,
            )
            return WakeUpsSpent(vehicle, wakeups)
    return WakeUpCost(left=wakeups.left, allowance=wakeups.allowance)
