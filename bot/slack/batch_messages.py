"""The batch message in Slack: posted once, edited in place within the shared budget, one summary reply."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from bot.runtime.clock import now_ms
from bot.slack.api_errors import Verdict, classify
from bot.slack.batch_view import batch_message, batch_summary
from bot.slack.blocks import Message
from bot.slack.kit import DATA_KIT
from bot.slack.parts import SlackParts
from bot.slack.web_api import WebApi
from bot.store.batch_renders import BatchRenderLease, BatchRenders
from bot.store.batches import BatchRecord, BatchStatus, BatchStore
from bot.store.slack_budget import SlackBudget
from bot.usecases.batch_progress import BatchProgress, progress_of
from bot.usecases.ports import Posted

log = logging.getLogger(__name__)

PERMANENT_ERRORS = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
RETRY_MS = 5_000
SUMMARY_LEASE_SECONDS = 60.0  # a replica that died while posting the summary leaves it to another after this
FINISHING = (BatchStatus.SENDING, BatchStatus.STOPPED, BatchStatus.FINISHED)


@dataclass(frozen=True)
class Shown:
    """How one render of a batch message ended: when to look again (ms), whether it must be (it was not
    shown), when it was edited (ms), and whether nothing of the batch changes any more."""

    next_at: int
    keep: bool = False
    edited_at: int | None = None
    over: bool = False


class SlackBatchMessages:
    """The use cases' BatchMessages, in Slack: the batch's one message in its channel."""

    def __init__(self, parts: SlackParts) -> None:
        self._parts = parts

    async def post(self, batch: BatchRecord) -> Posted:
        """Post the batch message where the command was typed, its members all waiting (the render that
        follows shows where they stand)."""
        progress = progress_of(batch, [None] * len(batch.members))
        message = batch_message(progress, batch.simulator)
        return await self._parts.messenger.post_or_dm(batch.channel, batch.requester, message)


class BatchRenderer:
    """Brings batch messages up to date: at most one edit per batch per budget token and message gap,
    however many of its members changed; a finished batch gets its summary reply and, if any failed,
    one alert."""

    def __init__(self, parts: SlackParts, batches: BatchStore) -> None:
        self._parts = parts
        self._batches = batches
        self._queue = BatchRenders(parts.redis, parts.keys)
        self._api = WebApi(parts.messenger.client)
        settings = parts.settings
        self.budget = SlackBudget(
            parts.redis, parts.keys, settings.slack_update_rate_per_minute,
            window_seconds=settings.slack_update_window_seconds,
        )  # fmt: skip

    async def one_round(self) -> float:
        """Render every batch message due now; the seconds until the next is due."""
        leases = await self._queue.take()
        await asyncio.gather(*(self._render(lease) for lease in leases))
        due = await self._queue.next_due()
        return 5.0 if due is None else max(due - now_ms(), 0) / 1000

    async def _render(self, lease: BatchRenderLease) -> None:
        try:
            shown = await self._show(lease)
        except Exception:
            log.exception("batch %s: render failed", lease.batch_id)
            shown = Shown(now_ms() + RETRY_MS, keep=True)
        await self._queue.done(lease, next_at_ms=shown.next_at, keep=shown.keep, edited_at_ms=shown.edited_at)
        if shown.over:  # nothing of it changes any more
            await self._queue.forget(lease.batch_id)

    async def _show(self, lease: BatchRenderLease) -> Shown:
        """Edit the message once, and finish the batch when every member is settled."""
        batch = await self._batches.get(lease.batch_id)
        if batch is None or batch.message_ts is None or batch.message_channel is None:
            return Shown(now_ms())  # gone, or not posted yet (the sweep posts it, then it is queued)
        progress = progress_of(batch, await self._batches.members(batch))
        final = progress.all_final or batch.status.is_closed
        finishing = progress.all_final and batch.status in FINISHING
        wait = await self.budget.take(final=final)
        if wait:
            self._parts.metrics.slack_budget_waits.inc()
            return Shown(now_ms() + wait, keep=True)
        message = batch_message(progress, batch.simulator, DATA_KIT)
        try:
            await self._api.call(
                "chat.update",
                {"channel": batch.message_channel, "ts": batch.message_ts, **message.as_kwargs()},
            )
        except SlackApiError as error:
            failure = classify(error, PERMANENT_ERRORS)
            if failure.verdict is Verdict.PERMANENT:
                log.warning("batch %s: its message cannot be edited (%s)", batch.id, failure.reason)
                if finishing:
                    await self._finish(progress, in_thread=False)
                return Shown(now_ms(), over=finishing)
            if failure.verdict is Verdict.RATE_LIMITED:
                await self.budget.pause(failure.retry_in_ms / 1000)
            return Shown(now_ms() + failure.retry_in_ms, keep=True)
        edited = now_ms()
        self._parts.metrics.batch_edits.inc()
        if finishing:
            await self._finish(progress, in_thread=True)
        over = finishing or (batch.status.is_closed and batch.status is not BatchStatus.FINISHED)
        return Shown(edited, edited_at=edited, over=over)

    async def _finish(self, progress: BatchProgress, *, in_thread: bool) -> None:
        """Every member is settled: the batch is finished, its summary posted once (in its thread, or in
        the channel when its message is gone), and one alert if any vehicle needs attention."""

        def finish(record: BatchRecord) -> None:
            if record.status in (BatchStatus.SENDING, BatchStatus.STOPPED):
                record.status = BatchStatus.FINISHED
                record.finished_at = time.time()

        batch = await self._batches.update(progress.batch.id, finish)
        now = time.time()

        def claim(record: BatchRecord) -> None:
            claimed = record.summary_claimed_at
            if record.summary_posted or (claimed is not None and claimed + SUMMARY_LEASE_SECONDS > now):
                raise LookupError(record.id)  # posted, or being posted by another replica
            record.summary_claimed_at = now

        try:
            batch = await self._batches.update(batch.id, claim)
        except LookupError:
            return
        text = batch_summary(progress, batch.simulator)
        try:
            await self._parts.messenger.posting.chat_postMessage(
                channel=batch.message_channel or batch.channel,
                text=text,
                thread_ts=batch.message_ts if in_thread else None,
            )
        except BaseException:
            await self._batches.update(batch.id, _unclaim)  # posted by the next render, or after the lease
            raise
        await self._batches.update(batch.id, _posted)
        failed = progress.attention
        if failed:
            headline = f"Batch {batch.id}: {len(failed)} vehicle(s) need attention"
            await self._parts.messenger.alert(Message(text=headline, blocks=[DATA_KIT.section(text)]))


def _unclaim(record: BatchRecord) -> None:
    record.summary_claimed_at = None


def _posted(record: BatchRecord) -> None:
    record.summary_posted = True
