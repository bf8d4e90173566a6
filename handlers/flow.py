"""The one path every remote request takes, typed or clicked: resolve, authorize, confirm, approve, start."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.catalogue.features import feature_for, needs_confirmation
from bot.catalogue.parsing import Command, CommandError, parse
from bot.services import Services
from bot.slack.blocks import SIMULATOR_BADGE, confirmation_prompt, plain
from bot.store.requests import InFlight
from bot.usecases.dispatch import ActionRequest, Started, start_request
from bot.usecases.fleet import Vehicle, VehicleNotFound
from bot.vehicle.errors import VendorError
from bot.vehicle.facts import vehicle_state

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    """Who is acting, from where, and how to answer them privately."""

    user: str
    channel: str
    respond: AsyncRespond
    simulator: bool = False  # the vehicle cloud is the simulator: every answer says so


async def say_privately(caller: Caller, text: str, *, replace: bool = False) -> None:
    """An ephemeral answer through the response_url."""
    if caller.simulator and SIMULATOR_BADGE not in text:
        text = f"{SIMULATOR_BADGE} · {text}"
    await caller.respond(response_type="ephemeral", replace_original=replace, **plain(text).as_kwargs())


async def usage_error(caller: Caller, command_word: str, error: CommandError) -> None:
    """Tell the user what was wrong and how to write it."""
    problem = error.problem if error.problem.endswith(".") else f"{error.problem}."
    await say_privately(caller, f":warning: {problem}\nUsage: `{command_word} {error.usage}`")


async def resolve_vehicle(services: Services, word: str) -> Vehicle:
    """Alias, VIN or VIN suffix to a vehicle; without a fleet file the vendor's list is searched."""
    try:
        return services.fleet.resolve(word)
    except VehicleNotFound:
        if services.fleet.vehicles and len(word) != 17:
            raise
    known = [vehicle.vin for vehicle in await services.vehicles.list_vehicles()]
    return services.fleet.resolve(word, known_vins=known)


async def run_remote(
    services: Services, caller: Caller, command: Command, *, confirmed: bool = False
) -> None:
    """Take a parsed remote command through authorization, confirmation and approval to the vendor."""
    await services.redis.ping()  # Redis down: the error answer, and no vendor call at all
    try:
        vehicle = await resolve_vehicle(services, command.vehicle or "")
    except VehicleNotFound as error:
        await usage_error(
            caller, services.settings.slack_command, CommandError(str(error), command.spec.usage)
        )
        return
    decision = await services.authorizer.check(caller.user, command.action, vehicle, caller.channel)
    if not decision.allowed:
        await services.audit.record(
            "denied", user=caller.user, action=command.action, vin=vehicle.vin, detail=command.text
        )
        await say_privately(caller, f":no_entry: {decision.reason}")
        return
    if command.action == "state" and not command.options.get("refresh", True):
        await _show_state(services, caller, vehicle)
        return
    feature, summary = feature_for(command)
    if command.action == "charge" and command.options.get("mode") == "stop":
        capability = await services.vehicles.get_capability(vehicle.vin)
        if not capability.charging_immediate_stop:
            await say_privately(caller, f":warning: {vehicle.name} cannot stop a charge remotely.")
            return
    if needs_confirmation(command) and not confirmed:
        token = await services.confirmations.issue(
            caller.user, {"text": command.text, "channel": caller.channel, "vin": vehicle.vin}
        )
        prompt = confirmation_prompt(command.spec, vehicle, summary, token, services.simulator)
        await caller.respond(response_type="ephemeral", **prompt.as_kwargs())
        return
    needs_approval = services.authorizer.requires_approval(command.action)
    request = ActionRequest(
        command.action, vehicle, summary, feature, caller.user, caller.channel, command.text
    )
    result = await start_request(services, request, needs_approval=needs_approval)
    await _report_start(services, caller, result)


async def _show_state(services: Services, caller: Caller, vehicle: Vehicle) -> None:
    telemetry = await services.vehicles.get_latest_telemetry(vehicle.vin)
    facts = vehicle_state(telemetry)
    badge = f"{SIMULATOR_BADGE} · " if services.simulator else ""
    lines = [f"{badge}:bar_chart: *{vehicle.name}*, last reported state (not refreshed):"]
    lines += [f"• {name}: {value}" for name, value in facts.items()] or ["• nothing reported yet"]
    await say_privately(caller, "\n".join(lines))


async def _report_start(services: Services, caller: Caller, result: Started | InFlight) -> None:
    if isinstance(result, InFlight):
        existing = await services.requests.get(result.request_id)
        link = await services.messenger.permalink(existing) if existing else None
        where = f" <{link}|See it here>." if link else ""
        await say_privately(
            caller,
            f":hourglass_flowing_sand: The same action is already in flight for this vehicle "
            f"(request `{result.request_id}`).{where} Wait for it to finish.",
        )
        return
    if result.moved_to_dm:
        await say_privately(
            caller,
            f":information_source: I can't post in this channel ({result.post_error}): invite me with "
            f"`/invite @remote-bot`. Your request went to our direct messages instead.",
        )


async def run_text(services: Services, caller: Caller, text: str, *, confirmed: bool = False) -> None:
    """Parse and run a remote command from text (a confirmation or a retry re-runs it this way)."""
    try:
        command = parse(text)
        await run_remote(services, caller, command, confirmed=confirmed)
    except CommandError as error:
        await usage_error(caller, services.settings.slack_command, error)
    except VendorError as error:
        log.warning("vendor error while preparing a request: %s", type(error).__name__)
        await say_privately(caller, f":x: The vehicle cloud could not be asked: {error}")
