"""Answering the user who acted: privately, through the response_url Slack gave with the request."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.slack.answers import badged
from bot.slack.blocks import Message
from bot.usecases.results import Actor


@dataclass(frozen=True)
class Caller:
    """Who is acting, from where, and how to answer them privately."""

    actor: Actor
    respond: AsyncRespond
    simulator: bool = False  # the vehicle cloud is the simulator: every answer says so

    async def send(self, message: Message | None, *, replace: bool = False) -> None:
        """An ephemeral answer (nothing when there is nothing to say)."""
        if message is not None:
            await self.respond(response_type="ephemeral", replace_original=replace, **message.as_kwargs())

    async def say(self, text: str, *, replace: bool = False) -> None:
        """An ephemeral text answer."""
        await self.send(badged(text, self.simulator), replace=replace)
