"""The one path every remote request takes, typed or clicked: resolve, authorize, confirm, approve, start."""

from __future__ import annotations

import logging

from bot.catalogue.command import Command, CommandError
from bot.runtime.logs import add_log_context
from bot.store.requests import InFlight
from bot.usecases.context import UseCaseContext
from bot.usecases.dispatch import ActionRequest, start_request
from bot.usecases.fleet import Vehicle, VehicleNotFound
from bot.usecases.lookup import resolve_vehicle
from bot.usecases.results import (
    Actor,
    AlreadyInFlight,
    ConfirmationNeeded,
    Denied,
    LastState,
    Problem,
    RemoteResult,
    Unsupported,
    VendorUnavailable,
)
from bot.vehicle.errors import VendorError
from bot.vehicle.facts import vehicle_state

log = logging.getLogger(__name__)


async def request_remote(
    ctx: UseCaseContext, actor: Actor, command: Command, *, confirmed: bool = False
) -> RemoteResult:
    """Take a parsed remote command through authorization, confirmation and approval to the vendor."""
    await ctx.redis.ping()  # Redis down: the error answer, and no vendor call at all
    try:
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
    decision = await ctx.authorizer.check(actor.user, command.action, vehicle, actor.channel)
    if not decision.allowed:
        log.info("%s on %s denied by the policy", command.action.value, vehicle.vin)
        await ctx.audit.record(
            "denied", user=actor.user, action=command.action, vin=vehicle.vin, detail=command.text
        )
        return Denied(decision.reason)
    plan = command.plan()
    if plan.feature is None:  # the last reported state, without waking the vehicle
        telemetry = await ctx.vehicles.latest_state(vehicle.vin)
        return LastState(vehicle, vehicle_state(telemetry))
    remote = command.row.remote
    assert remote is not None  # a plan with a feature comes from a remote row
    rule = remote.capability_rule(command.options)
    if rule is not None and not rule.holds(await ctx.vehicles.capability(vehicle.vin)):
        return Unsupported(vehicle, rule.refusal)
    if command.needs_confirmation and not confirmed:
        token = await ctx.confirmations.issue(
            actor.user,
            {"command": command.model_dump(mode="json"), "channel": actor.channel, "vin": vehicle.vin},
        )
        return ConfirmationNeeded(command.row, vehicle, plan.summary, token)
    request = ActionRequest(command, vehicle, plan.summary, plan.feature, actor.user, actor.channel)
    result = await start_request(
        ctx, request, needs_approval=ctx.authorizer.requires_approval(command.action)
    )
    if isinstance(result, InFlight):
        existing = await ctx.requests.get(result.request_id)
        link = await ctx.messages.permalink(existing) if existing else None
        return AlreadyInFlight(result.request_id, link)
    return result
