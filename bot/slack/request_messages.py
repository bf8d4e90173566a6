"""The request message in Slack: posted once, then edited in place through the shared render queue."""

from __future__ import annotations

from bot.slack.alerts import alert_once
from bot.slack.parts import SlackParts
from bot.slack.updates import show_latest
from bot.store.records import RequestRecord
from bot.usecases.ports import Posted


class SlackRequestMessages:
    """The use cases' RequestMessages, in Slack."""

    def __init__(self, parts: SlackParts) -> None:
        self._parts = parts

    async def post(self, record: RequestRecord) -> Posted:
        """Post the request message in its channel, or in the requester's DM when the bot cannot."""
        return await self._parts.messenger.post_request(record)

    async def show_latest(self, request_id: str) -> None:
        """Render the stored state now if the budget allows; the render job finishes what is deferred."""
        await show_latest(self._parts, request_id)

    async def permalink(self, record: RequestRecord) -> str | None:
        """A link to the request message, when Slack gives one."""
        return await self._parts.messenger.permalink(record)

    async def alert(self, record: RequestRecord, effect: str, headline: str) -> None:
        """An alert in ALERT_CHANNEL about the request, once per effect."""
        await alert_once(self._parts, record, effect, headline)
