"""Sending batch members at the pace every replica shares, and the sweep that mends what a crash left."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from bot.store.batches import BatchRecord, BatchStatus, member_index
from bot.store.records import RequestStatus
from bot.usecases.batch_progress import progress_of
from bot.usecases.batch_run import begin_sending, cancel_unsent, expire_batch, post_batch_message
from bot.usecases.closing import stopped_words
from bot.usecases.context import UseCaseContext
from bot.usecases.dispatch import send, wait_for_slot
from bot.vehicle.features import FeatureModel

log = logging.getLogger(__name__)

SENDS_AT_ONCE = 32  # vendor calls of one replica in flight at once (the pace sets how many start)


@dataclass
class BatchSender:
    """Takes batch members off their queues and sends each at its slot of the shared pace."""

    ctx: UseCaseContext
    _features: dict[str, tuple[BatchRecord, FeatureModel]] = field(default_factory=dict)
    _limit: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(SENDS_AT_ONCE))
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def one_round(self) -> float:
        """Send what is queued now, one member per pace slot; the seconds until there may be more."""
        batch_ids = await self.ctx.batches.sending()
        if not batch_ids:
            return float("inf")
        for batch_id in batch_ids:
            sent_any = await self._send_next(batch_id)
            if not sent_any:
                self._features.pop(batch_id, None)
        return 0.0

    async def _send_next(self, batch_id: str) -> bool:
        what = await self._what(batch_id)
        if what is None:
            await self.ctx.batches.drop_queue(batch_id)
            return False
        index = await self.ctx.batches.next_member(batch_id)
        if index is None:
            return False
        try:
            await wait_for_slot(self.ctx)
        except asyncio.CancelledError:  # shutting down: back on the queue for another replica at once
            await asyncio.shield(self.ctx.batches.queue_members(batch_id, [index]))
            raise
        await self._limit.acquire()
        task = asyncio.create_task(self._send_member(what[0], what[1], index))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _what(self, batch_id: str) -> tuple[BatchRecord, FeatureModel] | None:
        """The batch and the feature its members send, read once per batch by this replica."""
        if batch_id not in self._features:
            batch = await self.ctx.batches.get(batch_id)
            if batch is None or batch.status is not BatchStatus.SENDING:
                return None
            feature = batch.command.plan().feature
            assert feature is not None  # a batch is made only of a command that sends a feature
            self._features[batch_id] = (batch, feature)
        return self._features[batch_id]

    async def _send_member(self, batch: BatchRecord, feature: FeatureModel, index: int) -> None:
        try:
            await send(self.ctx, batch.member_id(index), feature, slot_taken=True)
        except Exception:
            log.exception("batch %s: sending member %d failed", batch.id, index)
        finally:
            self._limit.release()

    async def drain(self) -> None:
        """Wait for the sends in flight (at shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


SWEEP_LEASE_MS = 60_000  # one replica sweeps at a time (two would post a missing message twice)


async def sweep_batches(ctx: UseCaseContext, *, now: float | None = None) -> int:
    """Open batches a crash or a deadline left behind: approvals expired, a message or members never
    stored, members taken off the queue and never sent, members of a stopped batch still queued. One
    replica at a time; a batch that fails to mend does not keep the others from it. Returns how many
    batches it mended."""
    now = time.time() if now is None else now
    mended = 0
    async with ctx.leases.hold("batch-sweep", SWEEP_LEASE_MS) as held:
        if not held:
            return 0
        for batch_id in await ctx.batches.open_batches():
            batch = await ctx.batches.get(batch_id)
            if batch is None:  # expired with its requests
                await ctx.batches.forget_open(batch_id)
                continue
            try:
                mended += await _mend(ctx, batch, now)
            except Exception:
                log.exception("batch %s: the sweep could not mend it", batch_id)
    return mended


async def _mend(ctx: UseCaseContext, batch: BatchRecord, now: float) -> bool:
    started = batch.started_at or batch.created_at
    if batch.status is BatchStatus.AWAITING_APPROVAL:
        if started + ctx.settings.approval_ttl_seconds > now:
            return False
        await expire_batch(ctx, batch.id)
        return True
    # A member taken off the queue and still queued after SENDING_RECONCILE_SECONDS was lost with its
    # replica: queued again (the one that moves its request to sending sends it, so never twice).
    if started + ctx.settings.sending_reconcile_seconds > now:
        return False
    if batch.message_ts is None:
        batch = await post_batch_message(ctx, batch)
    records = await ctx.batches.members(batch)
    if progress_of(batch, records).all_final:
        await ctx.batch_renders.touch(batch.id)  # its render finishes it (a replica died before that)
        return False
    if batch.status is BatchStatus.STOPPED:  # a member queued again after Stop (a 429, a late store)
        await cancel_unsent(ctx, batch, stopped_words(batch.stopped_by))
        return True
    if batch.status is not BatchStatus.SENDING:
        return False
    queued = await ctx.batches.queued(batch.id)
    lost = [
        index
        for index, record in enumerate(records)
        if record is None or (record.status is RequestStatus.QUEUED and member_index(record.id) not in queued)
    ]
    if queued:  # back among the sending batches, whatever left it there without a sender
        await ctx.batches.queue_members(batch.id, sorted(queued))
    if not lost:
        return False
    log.warning("batch %s: %d member(s) left unsent by a crash, queued again", batch.id, len(lost))
    await begin_sending(ctx, batch)
    return True
