"""What both sides need from Slack, as interfaces: the message that shows a request, and operator alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.store.batches import BatchRecord
from bot.store.records import RequestRecord


@dataclass(frozen=True)
class Posted:
    """Where a request message landed, and whether it had to go to the requester's DM instead."""

    channel: str
    ts: str
    moved_to_dm: bool
    error: str | None = None


@dataclass(frozen=True)
class ToShow:
    """A request whose latest record a notification batch shows: its render, its thread reply, or both."""

    record: RequestRecord
    render: bool
    reply: bool


class RequestAlert(StrEnum):
    """Why the operators hear about a request (each at most once per request)."""

    FAILED = "failed"
    NO_ANSWER = "no_answer"
    UNCONFIRMED = "unconfirmed"


class RequestMessages(Protocol):
    """The message that shows a request (in Slack: the thread root, edited in place)."""

    async def post(self, record: RequestRecord) -> Posted:
        """Post the request's message where it was asked for (or where the bot can)."""

    async def find(self, record: RequestRecord) -> Posted | None:
        """The message posted for this request when its place was never stored (None if there is none)."""

    async def show_latest(self, request_id: str) -> None:
        """Bring the message up to date with the stored record (now, or as soon as the budget allows)."""

    async def permalink(self, record: RequestRecord) -> str | None:
        """A link to the request's message, when there is one."""

    async def alert(self, record: RequestRecord, why: RequestAlert) -> None:
        """Tell the operators about this request, once per reason."""

    async def show_batch(self, token: str, items: Sequence[ToShow], concurrency: int) -> None:
        """Show a notification batch's requests, whose render and reply leases `token` holds."""

    async def render_now(self, request_id: str, *, final: bool) -> None:
        """Render the request's stored state now if its gate and the budget allow (else it stays queued)."""


class BatchMessages(Protocol):
    """The one message that shows a batch (in Slack: in its channel, edited as its members change)."""

    async def post(self, batch: BatchRecord) -> Posted:
        """Post the batch's message where its command was typed."""


class PipelineNotice(StrEnum):
    """What the bot tells the operators about itself: the notification pipeline, and send-time refusals
    that mean the bot itself is broken (every request would fail the same way)."""

    OVERSIZED = "oversized"  # a body over the cap was refused
    QUARANTINED = "quarantine"  # elements without a valid token, or not remote notifications
    DEAD_LETTERED = "dlq"  # an entry failed too often and left the inbox
    REPLICAS_SHORT = "replicas"  # the Redis primary has fewer replicas online than asked for
    VENDOR_CREDENTIALS = "vendor-401"  # the vehicle cloud refused our credentials at send time
    VENDOR_CONTRACT = "vendor-403"  # the vehicle cloud says our contract does not allow the action
    VENDOR_RATE_LIMITED = "vendor-429"  # rate limited for longer than a minute (detail: the seconds)


class OperatorAlerts(Protocol):
    """Alerts about the pipeline, sent without delaying the caller and throttled per kind."""

    def notify(self, notice: PipelineNotice, *, count: int = 1, detail: str = "", entry_id: str = "") -> None:
        """Alert in the background (at most once a minute per kind, once an hour for a vendor refusal; per
        entry for a dead letter)."""
