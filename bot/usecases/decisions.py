"""Clicks on what the bot showed: confirm or cancel a dangerous action, approve or reject, retry, the card."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from bot.catalogue.command import Command
from bot.store.records import RequestRecord, RequestStatus
from bot.store.requests import NotSendable
from bot.store.tickets import Claim, ClaimResult
from bot.usecases.closing import Closing, close_request
from bot.usecases.context import UseCaseContext
from bot.usecases.dispatch import expire_approval, send
from bot.usecases.lookup import vehicle_of
from bot.usecases.remote_flow import request_remote
from bot.usecases.results import Actor, Denied, Problem, RemoteResult


@dataclass(frozen=True)
class TicketGone:
    """The confirmation expired, was used already, or was written by an older version."""


@dataclass(frozen=True)
class NotOwner:
    """Only the requester may confirm or cancel their own command."""

    owner: str


@dataclass(frozen=True)
class Confirmed:
    """The requester confirmed: the command may run now (request_remote with confirmed=True)."""

    command: Command


@dataclass(frozen=True)
class Cancelled:
    """The requester cancelled: nothing was sent."""


@dataclass(frozen=True)
class AlreadyDecided:
    """Someone decided (or the request ended) before this click."""


@dataclass(frozen=True)
class DecidedBy:
    """Another approver's click took the request first (a double or concurrent click)."""

    user: str
    decision: str  # approved or rejected


@dataclass(frozen=True)
class OwnRequest:
    """A requester may not approve or reject their own request."""


@dataclass(frozen=True)
class ApprovalExpired:
    """The approval window passed; the request is closed."""


@dataclass(frozen=True)
class RequesterNoLongerAllowed:
    """Approved, but the requester lost the permission meanwhile: the request is cancelled, not sent."""

    reason: str


@dataclass(frozen=True)
class TooLate:
    """The request expired between the claim of the approval and the decision."""


@dataclass(frozen=True)
class Decided:
    """The approval or rejection was recorded (and an approved request sent)."""

    record: RequestRecord


@dataclass(frozen=True)
class TooOld:
    """The request is gone (past its retention): it cannot be retried."""


def _stored_command(claim: Claim) -> Command | None:
    """The command a confirmation ticket holds (None for a ticket of an older format)."""
    try:
        return Command.model_validate(claim.data["command"])
    except (KeyError, ValidationError):
        return None


async def confirm(ctx: UseCaseContext, actor: Actor, token: str) -> TicketGone | NotOwner | Confirmed:
    """Take a confirmation (single use, before expiry, its requester only); the caller then runs it."""
    claim = await ctx.confirmations.claim(token, actor.user)
    if claim.result is ClaimResult.NOT_OWNER:
        return NotOwner(str(claim.data["owner"]))
    command = _stored_command(claim) if claim.result is ClaimResult.CLAIMED else None
    if command is None:
        return TicketGone()
    await ctx.audit.record(
        "confirmed", user=actor.user, action=command.action, vin=str(claim.data["vin"]), detail=command.text
    )
    return Confirmed(command)


async def cancel(ctx: UseCaseContext, actor: Actor, token: str) -> TicketGone | NotOwner | Cancelled:
    """Drop a pending confirmation."""
    claim = await ctx.confirmations.claim(token, actor.user)
    if claim.result is ClaimResult.NOT_OWNER:
        return NotOwner(str(claim.data["owner"]))
    if claim.result is not ClaimResult.CLAIMED:
        return TicketGone()
    command = _stored_command(claim)
    await ctx.audit.record(
        "cancelled", user=actor.user, action=command.action if command else "", vin=str(claim.data["vin"]),
        detail=command.text if command else "",
    )  # fmt: skip
    return Cancelled()


DecideResult = (
    AlreadyDecided
    | DecidedBy
    | OwnRequest
    | Denied
    | ApprovalExpired
    | RequesterNoLongerAllowed
    | TooLate
    | Decided
    | None
)


async def decide(ctx: UseCaseContext, actor: Actor, request_id: str, *, approve: bool) -> DecideResult:
    """A second person approves (the request is sent) or rejects it (nothing is sent).

    A second or concurrent click is told who decided; the request proceeds once. None when the clicker
    is the requester's own account seen through the ticket (IS_OWNER), which OwnRequest answered already.
    """
    record = await ctx.requests.get(request_id)
    if record is None:
        return AlreadyDecided()
    if record.status is not RequestStatus.AWAITING_APPROVAL:
        if record.approver:  # a double (or concurrent) click after the decision was recorded
            how = "rejected" if record.status is RequestStatus.REJECTED else "approved"
            return DecidedBy(record.approver, how)
        return AlreadyDecided()
    if actor.user == record.requester:
        return OwnRequest()
    vehicle = vehicle_of(ctx, record.vin)
    decision = await ctx.authorizer.check(actor.user, record.action, vehicle, actor.channel, approve=True)
    if not decision.allowed:
        return Denied(decision.reason)
    event = "approved" if approve else "rejected"
    claim = await ctx.approvals.claim(request_id, actor.user, owner_must_click=False, decision=event)
    if claim.result is ClaimResult.TAKEN:
        return DecidedBy(str(claim.data["taken_by"]), str(claim.data["decision"]))
    if claim.result is ClaimResult.MISSING:
        await expire_approval(ctx, record.id)
        return ApprovalExpired()
    if claim.result is not ClaimResult.CLAIMED:
        return None
    if approve and record.command is None:
        await expire_approval(ctx, record.id)  # written by an older version: it cannot be sent, it expires
        return ApprovalExpired()
    return await _record_decision(ctx, actor, record, approve=approve)


async def _record_decision(
    ctx: UseCaseContext, actor: Actor, record: RequestRecord, *, approve: bool
) -> TooLate | RequesterNoLongerAllowed | Decided:
    event = "approved" if approve else "rejected"
    if approve:
        requester = Actor(record.requester, record.channel)
        still = await ctx.authorizer.check(
            requester.user, record.action, vehicle_of(ctx, record.vin), record.channel
        )
        if not still.allowed:
            await _cancel(ctx, record, f"<@{record.requester}> may no longer run this: {still.reason}")
            return RequesterNoLongerAllowed(still.reason)
    await ctx.audit.record(event, user=actor.user, action=record.action, vin=record.vin, request_id=record.id)

    def decided(stored: RequestRecord) -> None:
        if stored.status is not RequestStatus.AWAITING_APPROVAL:
            raise NotSendable(stored.id)  # expired (or decided) between the claim and now
        stored.approver = actor.user
        stored.add_step(event, detail=actor.user)
        if not approve:
            stored.status = RequestStatus.REJECTED

    try:
        record = await ctx.requests.update(record.id, decided)
    except NotSendable:
        return TooLate()
    if approve and record.command is not None:
        feature = record.command.plan().feature
        assert feature is not None  # only a request with a feature waits for approval
        return Decided(await send(ctx, record.id, feature))
    await ctx.messages.show_latest(record.id)
    return Decided(record)


async def _cancel(ctx: UseCaseContext, record: RequestRecord, words: str) -> None:
    await ctx.requests.clear_deadline(record.id)
    closing = Closing(
        RequestStatus.CANCELLED, "cancelled", "cancelled", words, words=words,
        only_from=RequestStatus.AWAITING_APPROVAL,
    )  # fmt: skip
    await close_request(ctx, record.id, closing)


async def retry(ctx: UseCaseContext, actor: Actor, request_id: str) -> RemoteResult | TooOld:
    """Run a finished request's command again, through the same checks, as the user who clicked."""
    record = await ctx.requests.get(request_id)
    if record is None or record.command is None:
        return TooOld()
    return await request_remote(ctx, actor, record.command)


async def card_click(ctx: UseCaseContext, actor: Actor, value: str) -> RemoteResult:
    """A vehicle-card button: the command it carries, through the same checks as a typed one."""
    try:
        command = Command.model_validate_json(value)
    except ValidationError:
        command = None
    if command is None or command.row.remote is None:
        return Problem("this button is out of date: open the vehicle card again", "<vehicle>")
    return await request_remote(ctx, actor, command)
