"""The slash command listener: parse and acknowledge first, then one use case, then the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.catalogue.action import Action
from bot.catalogue.command import Command, CommandError, parse
from bot.runtime.logs import log_context
from bot.services import Services
from bot.slack import answers, batch_answers
from bot.usecases import queries
from bot.usecases.batch_preview import preview_batch
from bot.usecases.fleet import VehicleNotFound
from bot.usecases.remote_flow import request_remote
from bot.usecases.results import Actor, Denied
from bot.vehicle.errors import VendorError
from handlers.answer import Caller

T = TypeVar("T")


class CommandListener:
    """Handles `/vehicle ...` (SLACK_COMMAND)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.word = services.settings.slack_command

    async def on_command(self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        """Parse (pure and fast) and acknowledge; the rest runs after the acknowledgement."""
        try:
            parsed = parse(str(command.get("text", "")))
        except CommandError as error:
            self.services.metrics.slack_requests.labels("command", "usage_error").inc()
            await ack(
                response_type="ephemeral", text=answers.usage_problem(error.problem, error.usage, self.word)
            )
            return
        await ack()
        self.services.metrics.slack_requests.labels("command", parsed.action).inc()
        actor = Actor(user=str(command["user_id"]), channel=str(command["channel_id"]))
        caller = Caller(actor, respond, simulator=self.services.simulator)
        with log_context(user=actor.user, channel=actor.channel, action=parsed.action.value):
            await self.services.work.run(self._run(caller, parsed))

    async def _run(self, caller: Caller, command: Command) -> None:
        try:
            if command.row.remote is not None and command.targets_many:
                preview = await preview_batch(self.services, caller.actor, command)
                await caller.send(batch_answers.preview_answer(preview, self.services, self.word))
            elif command.row.remote is not None:
                result = await request_remote(self.services, caller.actor, command)
                await caller.send(answers.remote_answer(result, self.word, self.services.simulator))
            else:
                await self._question(caller, command)
        except VehicleNotFound as error:
            await caller.say(answers.unknown_vehicle(error))
        except VendorError as error:
            await caller.say(answers.vendor_unavailable(error))

    async def _question(self, caller: Caller, command: Command) -> None:
        services, actor = self.services, caller.actor
        match command.action:
            case Action.HELP:
                await caller.say(answers.help_text(self.word, services.simulator, services.vehicles.offers))
            case Action.WHOAMI:
                await caller.say(answers.whoami_text(actor.user, await queries.whoami(services, actor)))
            case Action.CARD:
                card = await queries.card(services, actor, command)
                if isinstance(card, Denied):
                    await caller.say(answers.denied(card.reason))
                else:
                    await caller.send(answers.card_message(card, services.simulator))
            case Action.LIST:
                await self._say(caller, await queries.listing(services, actor, command), answers.listing_text)
            case Action.STATUS:
                await caller.say(batch_answers.status_text(await queries.status(services, actor, command)))
            case Action.HISTORY:
                await self._say(caller, await queries.history(services, actor, command), answers.history_text)

    @staticmethod
    async def _say(caller: Caller, result: T | Denied, words: Callable[[T], str]) -> None:
        await caller.say(answers.denied(result.reason) if isinstance(result, Denied) else words(result))


def register_commands(app: AsyncApp, services: Services) -> None:
    """Register the slash command listener."""
    app.command(services.settings.slack_command)(CommandListener(services).on_command)
