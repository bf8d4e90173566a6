"""The request message in Slack: posted once, then edited in place through the shared render queue."""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import MappingProxyType

from bot.slack.alerts import alert_once
from bot.slack.batch_show import BatchShow
from bot.slack.parts import SlackParts
from bot.slack.replies import ReplyQueue
from bot.slack.updates import Renderer, show_latest
from bot.store.records import RequestRecord
from bot.usecases.ports import Posted, RequestAlert, ToShow

EXIT_AFTER_POST = 75  # the exit status of TEST_EXIT_AFTER_POST

HEADLINES = MappingProxyType(
    {
        RequestAlert.FAILED: ":x: Remote action failed",
        RequestAlert.NO_ANSWER: ":warning: No final answer from the vehicle in time",
        RequestAlert.UNCONFIRMED: (
            ":grey_question: The vehicle cloud did not confirm whether it took a request"
        ),
    }
)


class SlackRequestMessages:
    """The use cases' RequestMessages, in Slack."""

    def __init__(self, parts: SlackParts) -> None:
        self._parts = parts
        self._renderer = Renderer(parts)
        self._batches = BatchShow(self._renderer, ReplyQueue(parts))

    async def post(self, record: RequestRecord) -> Posted:
        """Post the request message in its channel, or in the requester's DM when the bot cannot.

        The message carries the request id in its metadata: `find` finds it again by that.
        """
        posted = await self._parts.messenger.post_request(record)
        if self._parts.settings.test_exit_after_post:  # tests only: die before the ts is stored
            os._exit(EXIT_AFTER_POST)
        return posted

    async def find(self, record: RequestRecord) -> Posted | None:
        """The request's message, found in Slack by the request id in its metadata."""
        return await self._parts.messenger.find_request(record)

    async def show_latest(self, request_id: str) -> None:
        """Render the stored state now if the budget allows; the render job finishes what is deferred."""
        await show_latest(self._parts, request_id)

    async def permalink(self, record: RequestRecord) -> str | None:
        """A link to the request message, when Slack gives one."""
        return await self._parts.messenger.permalink(record)

    async def alert(self, record: RequestRecord, why: RequestAlert) -> None:
        """An alert in ALERT_CHANNEL about the request, once per reason; none for a batch member: its
        batch posts one alert for all its members that need attention, when it ends."""
        if record.batch_id is None:
            await alert_once(self._parts, record, why.value, HEADLINES[why])

    async def show_batch(self, token: str, items: Sequence[ToShow], concurrency: int) -> None:
        """Edits and thread replies of a notification batch, in one budget take and one finish."""
        await self._batches.show(token, list(items), concurrency)

    async def render_now(self, request_id: str, *, final: bool) -> None:
        """One render attempt; what it cannot do now waits in the render queue."""
        await self._renderer.render(request_id, final=final)
