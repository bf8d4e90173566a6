"""A batch after its preview: Send, approval, Stop, Retry the failed, and its members' requests."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.catalogue.table import row_of
from bot.store.batches import BatchChanged, BatchRecord, BatchStatus, LeftOut, member_index
from bot.store.records import RequestRecord, RequestStatus
from bot.usecases.batch_preview import PreviewResult, preview_batch
from bot.usecases.batch_progress import progress_of
from bot.usecases.closing import close_request, stopped_words, unsent
from bot.usecases.context import UseCaseContext
from bot.usecases.lookup import vehicle_of
from bot.usecases.results import Actor, Denied

log = logging.getLogger(__name__)

QUEUE_EVERY = 20  # members stored are queued for sending by this many, while the rest are stored


@dataclass(frozen=True)
class BatchGone:
    """The batch (or its preview) no longer exists: it expired."""


@dataclass(frozen=True)
class NotYours:
    """Only the batch's requester may do this."""

    owner: str


@dataclass(frozen=True)
class BatchClosed:
    """The batch is no longer in a state where this button does anything."""

    batch: BatchRecord


@dataclass(frozen=True)
class OwnBatch:
    """Nobody approves their own batch."""


@dataclass(frozen=True)
class BatchMoved:
    """The click did what it said: the batch as it now is."""

    batch: BatchRecord


@dataclass(frozen=True)
class NothingToRetry:
    """No member of the batch failed in a way that is safe to send again."""

    batch: BatchRecord


BatchClick = BatchGone | NotYours | BatchClosed | OwnBatch | Denied | BatchMoved


async def _change(
    ctx: UseCaseContext, batch_id: str, allowed: tuple[BatchStatus, ...], apply: Callable[[BatchRecord], None]
) -> BatchRecord | BatchGone | BatchClosed:
    """Change the batch if it is in one of `allowed` (atomically), else say why nothing changed."""

    def mutate(record: BatchRecord) -> None:
        if record.status not in allowed:
            raise BatchChanged(record)
        apply(record)

    try:
        return await ctx.batches.update(batch_id, mutate)
    except KeyError:
        return BatchGone()
    except BatchChanged as changed:
        return BatchClosed(changed.record)


async def send_batch(ctx: UseCaseContext, actor: Actor, batch_id: str) -> BatchClick:
    """Send to N vehicles: the requester's explicit yes. The batch message is posted; the members are
    sent at the shared pace, or wait for a second person's approval."""
    batch = await ctx.batches.get(batch_id)
    if batch is None:
        return BatchGone()
    if actor.user != batch.requester:
        return NotYours(batch.requester)
    denied = await _may_act(ctx, actor, batch)  # the policy may have changed since the preview
    if denied is not None:
        return denied

    def start(record: BatchRecord) -> None:
        record.status = BatchStatus.AWAITING_APPROVAL if record.needs_approval else BatchStatus.SENDING
        record.started_at = time.time()

    moved = await _change(ctx, batch_id, (BatchStatus.PREVIEW,), start)
    if not isinstance(moved, BatchRecord):
        return moved
    await ctx.audit.record(
        "batch", user=actor.user, action=moved.action, vin="", request_id=moved.id,
        detail=f"{moved.summary} on {len(moved.members)} vehicles ({moved.target})",
    )  # fmt: skip
    moved = await post_batch_message(ctx, moved)
    if moved.status is BatchStatus.SENDING:
        moved = await begin_sending(ctx, moved)
    return BatchMoved(moved)


async def post_batch_message(ctx: UseCaseContext, batch: BatchRecord) -> BatchRecord:
    """Post the batch's one message in its channel and store where it landed."""
    posted = await ctx.batch_messages.post(batch)

    def attach(record: BatchRecord) -> None:
        record.message_channel, record.message_ts = posted.channel, posted.ts

    return await ctx.batches.update(batch.id, attach)


def _member_record(batch: BatchRecord, index: int, *, simulator: bool) -> RequestRecord:
    member = batch.members[index]
    command = batch.command.for_vehicle(member.vin)
    remote = row_of(batch.action).remote
    assert remote is not None  # only a remote command becomes a batch
    record = RequestRecord(
        id=member.request_id, action=batch.action, summary=batch.summary, command_text=batch.command.text,
        command=command, vin=member.vin, alias=member.alias, requester=batch.requester, channel=batch.channel,
        approver=batch.approver, needs_approval=batch.needs_approval, batch_id=batch.id,
        status=RequestStatus.QUEUED, remote_body=dict(batch.remote_body), simulator=simulator,
        inflight_slot=remote.slot(batch.command.options),
    )  # fmt: skip
    record.add_step("requested", detail=f"batch {batch.id}")
    return record


async def begin_sending(ctx: UseCaseContext, batch: BatchRecord) -> BatchRecord:
    """Store every member's request (those stored already are kept: this may run again after a crash)
    and queue them for sending; a vehicle whose slot another request holds now is left out."""
    stored = await ctx.batches.members(batch)
    queued: list[int] = []
    conflicts: dict[int, str] = {}
    flushed = 0  # queued[:flushed] are on the to-send list already
    for index, existing in enumerate(stored):
        if existing is not None:
            if existing.status is RequestStatus.QUEUED:
                queued.append(member_index(existing.id))
            continue
        record = _member_record(batch, index, simulator=ctx.simulator)
        holder = await ctx.requests.create(record)
        if holder is not None and holder.request_id != record.id:
            conflicts[index] = holder.request_id
            continue
        queued.append(member_index(record.id))
        await ctx.audit.record(
            "requested", user=batch.requester, action=batch.action, vin=record.vin, request_id=record.id,
            detail=f"{batch.summary} (batch {batch.id})",
        )  # fmt: skip
        if len(queued) - flushed >= QUEUE_EVERY:  # the first sends need not wait for every record
            if not await ctx.batches.queue_members(batch.id, queued[flushed:]):
                break  # stopped meanwhile: what is stored and not sent is cancelled below
            flushed = len(queued)
    if conflicts:
        batch = await ctx.batches.update(batch.id, lambda record: _leave_out(record, conflicts))
    # Only those not queued yet: one queued again after it was sent would take a pace slot for nothing.
    if not await ctx.batches.queue_members(batch.id, queued[flushed:]):
        stopped = await ctx.batches.get(batch.id) or batch
        await cancel_unsent(ctx, stopped, stopped_words(stopped.stopped_by))
    await ctx.batch_renders.touch(batch.id)
    log.info("batch %s: %d members queued for sending", batch.id, len(queued))
    return batch


def _leave_out(record: BatchRecord, conflicts: dict[int, str]) -> None:
    for index, holder in sorted(conflicts.items()):
        member = record.members[index]
        words = f"a request of the same kind is in flight (`{holder}`)"
        if not any(item.vin == member.vin for item in record.left_out):
            record.left_out.append(LeftOut(name=member.name, vin=member.vin, reason=words))
    keep = set(range(len(record.members))) - set(conflicts)
    # Member ids stay as they were: a member's id is its request's, whatever its place in the list.
    record.members = [member for index, member in enumerate(record.members) if index in keep]


async def cancel_preview(ctx: UseCaseContext, actor: Actor, batch_id: str) -> BatchClick:
    """Cancel: nothing is sent, the preview is gone."""
    batch = await ctx.batches.get(batch_id)
    if batch is None:
        return BatchGone()
    if actor.user != batch.requester:
        return NotYours(batch.requester)

    def cancel(record: BatchRecord) -> None:
        record.status = BatchStatus.CANCELLED

    moved = await _change(ctx, batch_id, (BatchStatus.PREVIEW,), cancel)
    return BatchMoved(moved) if isinstance(moved, BatchRecord) else moved


async def _may_act(
    ctx: UseCaseContext, actor: Actor, batch: BatchRecord, *, approve: bool = False
) -> Denied | None:
    """Denied unless the user may run (or approve) the batch's action on every one of its vehicles."""
    for member in batch.members:
        decision = await ctx.authorizer.check(
            actor.user, batch.action, vehicle_of(ctx, member.vin), actor.channel, approve=approve
        )
        if not decision.allowed:
            return Denied(decision.reason)
    return None


async def decide_batch(ctx: UseCaseContext, actor: Actor, batch_id: str, *, approve: bool) -> BatchClick:
    """A second person approves (the members are sent) or rejects (nothing is sent) the whole batch."""
    batch = await ctx.batches.get(batch_id)
    if batch is None:
        return BatchGone()
    if batch.status is not BatchStatus.AWAITING_APPROVAL:
        return BatchClosed(batch)
    if actor.user == batch.requester:
        return OwnBatch()
    denied = await _may_act(ctx, actor, batch, approve=True)
    if denied is not None:
        return denied
    if (batch.started_at or batch.created_at) + ctx.settings.approval_ttl_seconds < time.time():
        expired = await expire_batch(ctx, batch_id)  # the sweep had not come by yet
        return BatchClosed(expired) if expired is not None else BatchGone()

    def decide(record: BatchRecord) -> None:
        record.approver = actor.user
        record.status = BatchStatus.SENDING if approve else BatchStatus.REJECTED
        record.started_at = time.time()  # sending begins now (what the sweep measures from)

    moved = await _change(ctx, batch_id, (BatchStatus.AWAITING_APPROVAL,), decide)
    if not isinstance(moved, BatchRecord):
        return moved
    event = "approved" if approve else "rejected"
    await ctx.audit.record(event, user=actor.user, action=moved.action, vin="", request_id=moved.id)
    if approve:
        moved = await begin_sending(ctx, moved)
    else:
        await ctx.batch_renders.touch(moved.id)
    return BatchMoved(moved)


async def expire_batch(ctx: UseCaseContext, batch_id: str) -> BatchRecord | None:
    """Nobody approved the batch in time: expired, nothing sent (None when the batch is gone)."""

    def expire(record: BatchRecord) -> None:
        if record.status is BatchStatus.AWAITING_APPROVAL:
            record.status = BatchStatus.EXPIRED

    try:
        moved = await ctx.batches.update(batch_id, expire)
    except KeyError:
        return None
    await ctx.batch_renders.touch(batch_id)
    return moved


async def stop_batch(ctx: UseCaseContext, actor: Actor, batch_id: str) -> BatchClick:
    """Stop: members not sent yet are not sent (their requests end as cancelled); those in flight finish."""
    batch = await ctx.batches.get(batch_id)
    if batch is None:
        return BatchGone()
    if actor.user != batch.requester:
        denied = await _may_act(ctx, actor, batch)
        if denied is not None:
            return denied

    def stop(record: BatchRecord) -> None:
        record.status = BatchStatus.STOPPED
        record.stopped_by = actor.user

    moved = await _change(ctx, batch_id, (BatchStatus.SENDING,), stop)
    if not isinstance(moved, BatchRecord):
        return moved
    await ctx.batches.mark_stopped(batch_id)  # before dropping: nothing can be queued again after it
    await ctx.batches.drop_queue(batch_id)
    await cancel_unsent(ctx, moved, stopped_words(actor.user))
    await ctx.audit.record("stopped", user=actor.user, action=moved.action, vin="", request_id=moved.id)
    await ctx.batch_renders.touch(moved.id)
    return BatchMoved(moved)


async def cancel_unsent(ctx: UseCaseContext, batch: BatchRecord, words: str) -> None:
    """End the members still queued (not sent, never to be) as cancelled, with these words."""
    closing = unsent(words)
    for record in await ctx.batches.members(batch):
        if record is not None and record.status is RequestStatus.QUEUED:
            await close_request(ctx, record.id, closing)


async def retry_failed(
    ctx: UseCaseContext, actor: Actor, batch_id: str
) -> PreviewResult | BatchGone | NothingToRetry:
    """Retry the failed: a preview of a new batch, linked to this one, of only its failed vehicles,
    through the same checks as a typed command of the user who clicked."""
    batch = await ctx.batches.get(batch_id)
    if batch is None:
        return BatchGone()
    progress = progress_of(batch, await ctx.batches.members(batch))
    vins = [member.member.vin for member in progress.retryable]
    if not vins:
        return NothingToRetry(batch)
    command = batch.command.model_copy(update={"vehicle": ",".join(vins)})
    return await preview_batch(ctx, actor, command, retry_of=batch.id)
