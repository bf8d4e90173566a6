"""Where a batch stands: each member's step and outcome, and the counts its message shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from bot.store.batches import BatchMember, BatchRecord, BatchStatus
from bot.store.records import RequestRecord, RequestStatus


class Bucket(StrEnum):
    """How a member counts in its batch's summary (in the order the message lists them)."""

    FAILED = "failed"  # the vehicle or the vehicle cloud said no
    UNKNOWN = "unknown"  # no final answer in time, or not confirmed: check the vehicle
    WAITING = "waiting"  # not sent yet
    SENT = "sent"  # sent, not answered by the vehicle yet
    IN_PROGRESS = "in_progress"  # the vehicle is working on it
    DONE = "done"
    ALREADY_DONE = "already_done"
    NOT_SENT = "not_sent"  # stopped, rejected or expired before it was sent


BUCKET_OF: dict[RequestStatus, Bucket] = {
    RequestStatus.AWAITING_APPROVAL: Bucket.WAITING,
    RequestStatus.QUEUED: Bucket.WAITING,
    RequestStatus.SENDING: Bucket.SENT,
    RequestStatus.ACCEPTED: Bucket.SENT,
    RequestStatus.PENDING: Bucket.IN_PROGRESS,
    RequestStatus.NO_ANSWER: Bucket.UNKNOWN,
    RequestStatus.UNCONFIRMED: Bucket.UNKNOWN,
    RequestStatus.SUCCESS: Bucket.DONE,
    RequestStatus.ALREADY_DONE: Bucket.ALREADY_DONE,
    RequestStatus.FAILED: Bucket.FAILED,
    RequestStatus.REFUSED: Bucket.FAILED,
    RequestStatus.REJECTED: Bucket.NOT_SENT,
    RequestStatus.EXPIRED: Bucket.NOT_SENT,
    RequestStatus.CANCELLED: Bucket.NOT_SENT,
}
NEEDS_ATTENTION = (Bucket.FAILED, Bucket.UNKNOWN)
RETRIED = frozenset({RequestStatus.FAILED, RequestStatus.REFUSED})  # a known no: safe to send again


@dataclass(frozen=True)
class MemberProgress:
    """One member: its vehicle, its request and where that request stands."""

    member: BatchMember
    record: RequestRecord | None  # None: not stored (yet, or any more)

    @property
    def status(self) -> RequestStatus:
        """The request's status (queued while its record is not stored yet)."""
        return self.record.status if self.record is not None else RequestStatus.QUEUED

    @property
    def bucket(self) -> Bucket:
        """How it counts in the summary."""
        return BUCKET_OF[self.status]

    @property
    def step(self) -> str:
        """The latest step of its request (a vendor status or a bot step)."""
        if self.record is None or not self.record.timeline:
            return self.status.value
        return self.record.timeline[-1].step

    @property
    def cause(self) -> str | None:
        """Why it failed or is unknown, as a class to count by: the vendor's failure cause, else
        "refused" or the status (the refusal's own words, with their per-request reference, are shown
        beside the vehicle, never counted)."""
        record = self.record
        if record is None or self.bucket not in NEEDS_ATTENTION:
            return None
        if record.failure_cause:
            return record.failure_cause
        return "refused" if record.status is RequestStatus.REFUSED else record.status.value

    @property
    def settled(self) -> bool:
        """Whether the batch waits no longer for it: final, or no final answer in time (a late answer
        still edits the batch message)."""
        return self.record is not None and (self.status.is_final or self.status is RequestStatus.NO_ANSWER)


@dataclass(frozen=True)
class BatchProgress:
    """A batch and its members, as its message shows them."""

    batch: BatchRecord
    members: tuple[MemberProgress, ...]

    @property
    def counts(self) -> Counter[Bucket]:
        """How many members are in each bucket."""
        return Counter(member.bucket for member in self.members)

    @property
    def failed_by_cause(self) -> Counter[str]:
        """How many members failed for each cause."""
        return Counter(m.cause or "unknown" for m in self.members if m.bucket is Bucket.FAILED)

    @property
    def attention(self) -> list[MemberProgress]:
        """The members that need someone's attention (failed first, then unknown)."""
        order = {bucket: i for i, bucket in enumerate(NEEDS_ATTENTION)}
        return sorted((m for m in self.members if m.bucket in order), key=lambda m: order[m.bucket])

    @property
    def retryable(self) -> list[MemberProgress]:
        """The members Retry the failed sends again: a known refusal or failure."""
        return [m for m in self.members if m.status in RETRIED]

    @property
    def all_final(self) -> bool:
        """Whether every member is settled: final, or without a final answer in time."""
        return all(m.settled for m in self.members)

    @property
    def sending(self) -> bool:
        """Whether members are still being sent (Stop applies)."""
        return self.batch.status is BatchStatus.SENDING and any(
            m.bucket is Bucket.WAITING for m in self.members
        )


def progress_of(batch: BatchRecord, records: list[RequestRecord | None]) -> BatchProgress:
    """The progress of a batch from its members' stored records (in member order)."""
    return BatchProgress(
        batch,
        tuple(MemberProgress(member, record) for member, record in zip(batch.members, records, strict=True)),
    )
