"""Shows a batch of requests whose render and reply leases the caller holds: one budget take, the Slack
calls, one finish."""

from __future__ import annotations

import asyncio

from bot.slack.replies import Replied, ReplyQueue
from bot.slack.updates import Attempt, Rendered, Renderer
from bot.store.message_finish import Finished
from bot.usecases.ports import ToShow


class BatchShow:
    """Renders and replies for the requests of one batch, then gives every lease back in one call."""

    def __init__(self, renderer: Renderer, replies: ReplyQueue) -> None:
        self._renderer = renderer
        self._replies = replies
        self._finisher = renderer.queue.finisher

    async def show(self, token: str, items: list[ToShow], concurrency: int = 16) -> None:
        """Show every item within the shared budget (finals first); what is left waits in the queues."""
        if not items:
            return
        renders = [item for item in items if item.render]
        finals = sum(1 for item in renders if item.record.status.is_final)
        granted = await self._renderer.budget.take_many(finals=finals, updates=len(renders) - finals)
        left = {True: granted.finals, False: granted.updates}
        waits = {True: granted.final_wait, False: granted.update_wait}
        limit = asyncio.Semaphore(concurrency)

        async def one(item: ToShow) -> Finished:
            record = item.record
            final = record.status.is_final
            allowed = item.render and left[final] > 0
            if allowed:
                left[final] -= 1
            async with limit:
                attempt: Attempt | None = None
                if allowed:
                    attempt = await self._renderer.send(record)
                elif item.render:
                    self._renderer.metrics.slack_budget_waits.inc()
                    attempt = Attempt(Rendered.DEFERRED, retry_in_ms=max(waits[final], 1), final=final)
                reply, reply_retry_ms = "", 0
                if item.reply:  # the transition gives a reply lease only to a request with a message
                    channel = record.message_channel
                    replied, reply_retry_ms = (
                        await self._replies.send(channel, record) if channel else (Replied.DROPPED, 0)
                    )
                    reply = replied.value
            return Finished(
                record.id, final, rendered=attempt is not None,
                shown_version=attempt.shown_version if attempt else None,
                retry_in_ms=attempt.retry_in_ms if attempt else None,
                reply=reply, reply_retry_in_ms=reply_retry_ms,
            )  # fmt: skip

        finished = await asyncio.gather(*(one(item) for item in items))
        await self._finisher.finish(token, list(finished))
