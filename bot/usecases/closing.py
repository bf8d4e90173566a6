"""Ending a request without the vendor's answer: one status change, its step, its audit entry, its show."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.records import RequestRecord, RequestStatus
from bot.usecases.context import UseCaseContext


@dataclass(frozen=True)
class Closing:
    """How a request ends: its new status and step, the audit entry, and the words shown as its refusal."""

    status: RequestStatus
    step: str
    audit_event: str
    audit_detail: str
    words: str | None = None  # stored as the request's refusal, and as the step's detail
    only_from: RequestStatus | None = None  # leave a request in any other status as it is


async def close_request(ctx: UseCaseContext, request_id: str, closing: Closing) -> RequestRecord | None:
    """Move the request, audit it and show it; None when `only_from` kept it as it was."""

    def change(record: RequestRecord) -> None:
        if closing.only_from is not None and record.status is not closing.only_from:
            return
        record.status = closing.status
        if closing.words is not None:
            record.refusal = closing.words
        record.add_step(closing.step, detail=closing.words)

    record = await ctx.requests.update(request_id, change)
    if record.status is not closing.status:
        return None
    await ctx.audit.record(
        closing.audit_event, user=record.requester, action=record.action, vin=record.vin,
        request_id=record.id, detail=closing.audit_detail,
    )  # fmt: skip
    if record.batch_id is None:  # a batch member is shown by its batch's message (queued by the update)
        await ctx.messages.show_latest(record.id)
    return record


def unsent(words: str) -> Closing:
    """How a queued batch member that will never be sent ends: cancelled, with these words."""
    return Closing(
        RequestStatus.CANCELLED, "cancelled", "cancelled", words, words=words, only_from=RequestStatus.QUEUED
    )


def stopped_words(user: str | None) -> str:
    """Why a member of a stopped batch was not sent."""
    return f"stopped by <@{user}> before it was sent"
