"""Button listeners: confirm, cancel, approve, reject, retry and the vehicle card's actions."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.runtime.logs import add_log_context
from bot.services import Services
from bot.slack import answers, batch_answers, click_answers
from bot.slack.blocks import ButtonId
from bot.usecases import batch_run, decisions
from bot.usecases.remote_flow import request_remote
from bot.usecases.results import Actor, RemoteResult
from handlers.answer import Caller


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value", ""))


class ButtonListener:
    """Every click is authorized again for the user who clicked, not the one who asked."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.word = services.settings.slack_command

    def _caller(self, body: dict[str, Any], respond: AsyncRespond) -> Caller:
        """Who clicked, and where; every listener calls it once after its ack, so it also counts the click."""
        self.services.metrics.slack_requests.labels("click", str(body["actions"][0]["action_id"])).inc()
        # The edge (bot/slack/ingress.py) lets a click through only with its channel object and a
        # response_url; Socket Mode's clicks come from Slack itself.
        channel, container = body.get("channel"), body.get("container")
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if not channel_id and isinstance(container, dict):
            channel_id = container.get("channel_id")
        actor = Actor(str(body["user"]["id"]), str(channel_id or ""))
        add_log_context(user=actor.user, channel=actor.channel)  # each listener runs in a task of its own
        return Caller(actor, respond, simulator=self.services.simulator)

    async def _answer(self, caller: Caller, result: RemoteResult) -> None:
        await caller.send(answers.remote_answer(result, self.word, self.services.simulator))

    async def on_confirm(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Run a dangerous action once its requester confirms (single use, before expiry)."""
        await ack()
        await self.services.work.run(self._confirm(self._caller(body, respond), _value(body)))

    async def _confirm(self, caller: Caller, token: str) -> None:
        outcome = await decisions.confirm(self.services, caller.actor, token)
        match outcome:
            case decisions.TicketGone():
                await caller.say(click_answers.EXPIRED_CONFIRMATION, replace=True)
            case decisions.NotOwner(owner=owner):
                await caller.say(click_answers.not_owner(owner))
            case decisions.Confirmed(command=command):
                await caller.say(click_answers.confirmed(command.text), replace=True)
                await self._answer(
                    caller, await request_remote(self.services, caller.actor, command, confirmed=True)
                )

    async def on_cancel(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Drop a pending confirmation."""
        await ack()
        caller = self._caller(body, respond)
        words = click_answers.cancel_answer(await decisions.cancel(self.services, caller.actor, _value(body)))
        if words is not None:
            await caller.say(words, replace=True)

    async def on_approve(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """A second person approves: the request is sent."""
        await ack()
        await self.services.work.run(self._decide(self._caller(body, respond), _value(body), approve=True))

    async def on_reject(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """A second person rejects: nothing is sent."""
        await ack()
        await self.services.work.run(self._decide(self._caller(body, respond), _value(body), approve=False))

    async def _decide(self, caller: Caller, request_id: str, *, approve: bool) -> None:
        outcome = await decisions.decide(self.services, caller.actor, request_id, approve=approve)
        words = click_answers.decision_answer(outcome)
        if words is not None:
            await caller.say(words)

    async def on_retry(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Run a failed request's command again, through the same checks, as the user who clicked."""
        await ack()
        caller = self._caller(body, respond)
        await self.services.work.run(self._retry(caller, _value(body)))

    async def _retry(self, caller: Caller, request_id: str) -> None:
        outcome = await decisions.retry(self.services, caller.actor, request_id)
        if isinstance(outcome, decisions.TooOld):
            await caller.say(click_answers.TOO_OLD_TO_RETRY)
        else:
            await self._answer(caller, outcome)

    async def on_card(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """A vehicle card button sends the same request as the typed command."""
        await ack()
        await self.services.work.run(self._card(self._caller(body, respond), _value(body)))

    async def _card(self, caller: Caller, value: str) -> None:
        await self._answer(caller, await decisions.card_click(self.services, caller.actor, value))

    async def on_batch(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """Send, Cancel, Approve, Reject, Stop and Retry the failed of a batch (value: the batch id)."""
        await ack()
        caller = self._caller(body, respond)
        action_id = str(body["actions"][0]["action_id"])
        await self.services.work.run(self._batch(caller, action_id, _value(body)))

    async def _batch(self, caller: Caller, action_id: str, batch_id: str) -> None:
        services, actor = self.services, caller.actor
        if action_id == ButtonId.BATCH_RETRY:
            retried = await batch_run.retry_failed(services, actor, batch_id)
            await caller.send(batch_answers.retry_answer(retried, services, self.word))
            return
        click = BATCH_CLICKS[action_id]
        result = await click(services, actor, batch_id)
        words = batch_answers.click_answer(result)
        if words is not None:
            replace = action_id in (ButtonId.BATCH_SEND, ButtonId.BATCH_CANCEL) and isinstance(
                result, batch_run.BatchMoved
            )
            await caller.say(words, replace=replace)


BATCH_CLICKS: dict[str, Callable[[Services, Actor, str], Awaitable[batch_run.BatchClick]]] = {
    ButtonId.BATCH_SEND: batch_run.send_batch,
    ButtonId.BATCH_CANCEL: batch_run.cancel_preview,
    ButtonId.BATCH_APPROVE: lambda ctx, actor, batch_id: batch_run.decide_batch(
        ctx, actor, batch_id, approve=True
    ),
    ButtonId.BATCH_REJECT: lambda ctx, actor, batch_id: batch_run.decide_batch(
        ctx, actor, batch_id, approve=False
    ),
    ButtonId.BATCH_STOP: batch_run.stop_batch,
}


def register_buttons(app: AsyncApp, services: Services) -> None:
    """Register every button listener."""
    listener = ButtonListener(services)
    app.action(ButtonId.CONFIRM)(listener.on_confirm)
    app.action(ButtonId.CANCEL)(listener.on_cancel)
    app.action(ButtonId.APPROVE)(listener.on_approve)
    app.action(ButtonId.REJECT)(listener.on_reject)
    app.action(ButtonId.RETRY)(listener.on_retry)
    app.action(re.compile(f"^{ButtonId.CARD}_"))(listener.on_card)
    for action_id in (*BATCH_CLICKS, ButtonId.BATCH_RETRY):
        app.action(action_id)(listener.on_batch)
