"""The slash command listener: acknowledge first, then answer or start the request."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.catalogue.actions import ACTIONS, REMOTE_ACTIONS, UNGUARDED
from bot.catalogue.parsing import Command, CommandError, parse, usage_text
from bot.services import Services
from bot.slack.blocks import SIMULATOR_BADGE, status_line, vehicle_card
from bot.usecases.fleet import Vehicle, VehicleNotFound
from bot.vehicle.errors import VendorError
from handlers.flow import Caller, resolve_vehicle, run_remote, say_privately, usage_error


class CommandListener:
    """Handles `/vehicle ...` (SLACK_COMMAND)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def on_command(self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        """Parse (pure and fast) and acknowledge; the rest runs after the acknowledgement."""
        name = self.services.settings.slack_command
        try:
            parsed = parse(str(command.get("text", "")))
        except CommandError as error:
            await ack(
                response_type="ephemeral", text=f":warning: {error.problem}.\nUsage: `{name} {error.usage}`"
            )
            return
        await ack()
        caller = Caller(
            user=str(command["user_id"]),
            channel=str(command["channel_id"]),
            respond=respond,
            simulator=self.services.simulator,
        )
        await self.services.work.run(self._run(caller, parsed))

    async def _run(self, caller: Caller, command: Command) -> None:
        try:
            if command.action in ACTIONS and ACTIONS[command.action].remote:
                await run_remote(self.services, caller, command)
            else:
                await self._read_only(caller, command)
        except CommandError as error:
            await usage_error(caller, self.services.settings.slack_command, error)
        except VehicleNotFound as error:
            await say_privately(caller, f":warning: {error}")
        except VendorError as error:
            await say_privately(caller, f":x: The vehicle cloud could not be asked: {error}")

    async def _read_only(self, caller: Caller, command: Command) -> None:
        handler = {
            "help": self._help,
            "whoami": self._whoami,
            "list": self._list,
            "card": self._card,
            "status": self._status,
            "history": self._history,
        }[command.action]
        # A request id given to `status` is authorized on the request's vehicle, in _status.
        is_request_id = command.action == "status" and bool(
            await self.services.requests.get(command.vehicle or "")
        )
        if command.action not in UNGUARDED and command.action != "card" and not is_request_id:
            vehicle = await resolve_vehicle(self.services, command.vehicle) if command.vehicle else None
            decision = await self.services.authorizer.check(
                caller.user, command.action, vehicle, caller.channel
            )
            if not decision.allowed:
                await say_privately(caller, f":no_entry: {decision.reason}")
                return
        await handler(caller, command)

    async def _help(self, caller: Caller, command: Command) -> None:
        badge = f"{SIMULATOR_BADGE} (vehicles are simulated)\n" if self.services.simulator else ""
        await say_privately(caller, badge + usage_text(self.services.settings.slack_command))

    async def _whoami(self, caller: Caller, command: Command) -> None:
        lines = [f"Your Slack user id is `{caller.user}`."]
        entitlements = await self.services.authorizer.entitlements(caller.user)
        if not entitlements:
            lines.append("You have no role yet: ask an admin to grant you one in the policy file.")
        for item in entitlements:
            scope = ", ".join(item.vehicles) if item.vehicles is not None else "every vehicle"
            where = (
                ", ".join(f"<#{c}>" for c in item.channels) if item.channels is not None else "any channel"
            )
            lines.append(
                f"• *{item.role}* (via `{item.via}`): {', '.join(item.actions) or 'no actions'}"
                + (f"; approves {', '.join(item.approve)}" if item.approve else "")
                + f"; on {scope}; in {where}"
            )
        await say_privately(caller, "\n".join(lines))

    async def _vehicles(self) -> list[Vehicle]:
        if self.services.fleet.vehicles:
            return list(self.services.fleet.vehicles)
        return [Vehicle(vin=v.vin) for v in await self.services.vehicles.list_vehicles()]

    async def _allowed_actions(self, caller: Caller, vehicle: Vehicle) -> list[str]:
        allowed = []
        for spec in REMOTE_ACTIONS:
            decision = await self.services.authorizer.check(caller.user, spec.name, vehicle, caller.channel)
            if decision.allowed:
                allowed.append(spec.name)
        return allowed

    async def _list(self, caller: Caller, command: Command) -> None:
        wanted = str(command.options.get("filter", "")).lower()
        lines = []
        for vehicle in await self._vehicles():
            text = f"{vehicle.alias or ''} {vehicle.vin} {' '.join(vehicle.groups)}".lower()
            if wanted and wanted not in text:
                continue
            if await self._allowed_actions(caller, vehicle):
                groups = f" · {', '.join(vehicle.groups)}" if vehicle.groups else ""
                lines.append(f"• *{vehicle.alias or vehicle.vin}* `{vehicle.vin}`{groups}")
        if not lines:
            lines = ["No vehicle you may act on" + (f" matches `{wanted}`." if wanted else ".")]
        await say_privately(caller, "\n".join(lines[:100]))

    async def _card(self, caller: Caller, command: Command) -> None:
        vehicle = await resolve_vehicle(self.services, command.vehicle or "")
        allowed = set(await self._allowed_actions(caller, vehicle))
        if not allowed:
            decision = await self.services.authorizer.check(caller.user, "lock", vehicle, caller.channel)
            await say_privately(caller, f":no_entry: {decision.reason.replace('`lock`', 'any action')}")
            return
        capability = await self.services.vehicles.get_capability(vehicle.vin)
        specs = [
            spec
            for spec in REMOTE_ACTIONS
            if spec.on_card
            and spec.name in allowed
            and (spec.capability is None or capability.supports(spec.capability) is not False)
        ]
        card = vehicle_card(vehicle, specs, self.services.simulator)
        await caller.respond(response_type="ephemeral", **card.as_kwargs())

    async def _status(self, caller: Caller, command: Command) -> None:
        reference = command.vehicle or ""
        record = await self.services.requests.get(reference)
        if record is not None:
            decision = await self.services.authorizer.check(
                caller.user,
                "status",
                self.services.fleet.by_vin(record.vin) or Vehicle(vin=record.vin),
                caller.channel,
            )
            if not decision.allowed:
                await say_privately(caller, f":no_entry: {decision.reason}")
                return
            records = [record]
        else:
            vehicle = await resolve_vehicle(self.services, reference)
            records = await self.services.requests.recent_for_vehicle(vehicle.vin)
        if not records:
            await say_privately(caller, f"No request recorded for `{reference}`.")
            return
        lines = [
            f"• `{r.id}` {ACTIONS[r.action].emoji} {r.action} {r.vehicle_name} by <@{r.requester}> "
            f"{_ago(r.created_at)}: {status_line(r)}"
            for r in records
        ]
        await say_privately(caller, "\n".join(lines))

    async def _history(self, caller: Caller, command: Command) -> None:
        vehicle = await resolve_vehicle(self.services, command.vehicle or "")
        trail = await self.services.audit.vehicle_trail(vehicle.vin)
        if not trail:
            await say_privately(caller, f"No history recorded for {vehicle.name}.")
            return
        lines = [f"*History of {vehicle.name}* (newest first)"]
        for entry in trail:
            stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(entry.at))
            ref = f" `{entry.request_id}`" if entry.request_id else ""
            lines.append(f"• {stamp} {entry.event} {entry.action} by <@{entry.user}>{ref} {entry.detail}")
        await say_privately(caller, "\n".join(lines))


def _ago(at: float) -> str:
    minutes = int((time.time() - at) // 60)
    return "just now" if minutes < 1 else f"{minutes} min ago" if minutes < 120 else f"{minutes // 60} h ago"


def register_commands(app: AsyncApp, services: Services) -> None:
    """Register the slash command listener."""
    app.command(services.settings.slack_command)(CommandListener(services).on_command)
