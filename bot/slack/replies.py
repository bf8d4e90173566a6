"""Thread replies on final states: one queue per channel, at most one reply per channel per interval.

The transition script queues a request's reply in the same atomic step that makes it final (see
bot/store/transitions.py); this module drains the queues. A reply is taken under a lease and marked posted
only after Slack accepted it, so a replica that dies mid-post leaves the reply to another one: a crash
between Slack's answer and the mark can post it twice, never zero times.
"""

from __future__ import annotations

import asyncio
import logging
import math
from enum import StrEnum

from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.clock import now_ms
from bot.slack.api_errors import CALL_ERRORS, Verdict, classify
from bot.slack.blocks import done_reply
from bot.slack.parts import SlackParts
from bot.slack.web_api import WebApi
from bot.store.records import RequestRecord
from bot.store.thread_reply_queues import TakenReply, ThreadReplyQueues

log = logging.getLogger(__name__)

# Slack errors after which posting the same reply again cannot succeed.
PERMANENT_ERRORS = frozenset({"thread_not_found", "msg_too_long", "restricted_action"})


class Replied(StrEnum):
    """What one reply attempt did."""

    POSTED = "posted"
    RETRY = "retry"  # back in its channel's queue
    DROPPED = "dropped"  # Slack can never take it


class ReplyQueue:
    """Posts queued thread replies, channel by channel, under the per-channel interval."""

    def __init__(
        self, services: SlackParts, client: AsyncWebClient | None = None, *, lease_ms: int | None = None
    ) -> None:
        # No retry inside the call: every failure puts the reply back in its channel's queue, which
        # paces the retry (a 429 waits out its Retry-After there instead of holding a task asleep).
        self._api = WebApi(client or services.messenger.client)
        interval_ms = int(services.settings.slack_reply_interval_seconds * 1000)
        if lease_ms is None:
            lease_ms = int(services.settings.reply_lease_seconds * 1000)
        self.store = ThreadReplyQueues(
            services.redis, services.keys, interval_ms=interval_ms, lease_ms=lease_ms
        )

    async def take(self, limit: int) -> tuple[list[TakenReply], int | None]:
        """The replies due now, leased to this caller; and when the next channel is due (ms, None: none)."""
        return await self.store.take(limit)

    async def post(self, reply: TakenReply) -> Replied:
        """Post one taken reply, then mark it posted; put it back in its queue when Slack fails for now."""
        replied, retry_in_ms = await self.send(reply.channel, reply.record)
        if replied is Replied.RETRY:
            await self.store.put_back(reply, retry_in_ms)
        else:
            await self.store.finish(reply, posted=replied is Replied.POSTED)
        return replied

    async def send(self, channel: str, record: RequestRecord) -> tuple[Replied, int]:
        """Post a request's thread reply; how it went, and when to retry (ms) when Slack fails for now.

        After a connection error Slack may have posted it: retrying risks a duplicate reply, dropping
        it would lose one, so it is retried.
        """
        try:
            await self._api.call(
                "chat.postMessage",
                {"channel": channel, "thread_ts": record.message_ts, "text": done_reply(record)},
            )
        except CALL_ERRORS as error:
            failure = classify(error, PERMANENT_ERRORS)
            if failure.verdict is Verdict.PERMANENT:
                log.error(
                    "request %s: thread reply cannot be posted (%s); dropped", record.id, failure.reason
                )
                return Replied.DROPPED, 0
            log.warning("request %s: thread reply failed (%s), will retry", record.id, failure.reason)
            return Replied.RETRY, failure.retry_in_ms
        return Replied.POSTED, 0

    async def one_round(self, *, pace: float = 0.2, batch: int = 50, concurrency: int = 16) -> float:
        """Post the due replies once; returns the seconds until the next is due (infinite: none queued).

        After posts the queues are looked at again at most `pace` later, as they were polled before.
        """
        limit = asyncio.Semaphore(concurrency)

        async def bounded(reply: TakenReply) -> None:
            async with limit:
                await self.post(reply)

        taken, next_due_ms = await self.take(batch)
        if len(taken) >= batch:
            await asyncio.gather(*(bounded(reply) for reply in taken))
            return 0.0
        wait = math.inf if next_due_ms is None else (next_due_ms - now_ms()) / 1000
        if taken:
            await asyncio.gather(*(bounded(reply) for reply in taken))
            wait = min(wait, pace)
        return max(wait, 0.0)
