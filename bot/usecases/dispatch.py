"""Slack-agnostic use cases: create a request, send it to the vendor, reconcile a lost send."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from bot.catalogue.command import Command
from bot.catalogue.table import row_of
from bot.runtime.logs import add_log_context
from bot.store.batches import member_index
from bot.store.records import RequestRecord, RequestStatus, WakeUpCost
from bot.store.requests import InFlight, NotSendable
from bot.usecases.capabilities import capability_changed
from bot.usecases.closing import Closing, close_request, unsent
from bot.usecases.context import UseCaseContext
from bot.usecases.fleet import Vehicle
from bot.usecases.ports import PipelineNotice, RequestAlert
from bot.usecases.results import Started
from bot.vehicle.errors import (
    AuthError,
    BadRequestError,
    ForbiddenError,
    NotSupportedError,
    RateLimitedError,
    ServerError,
    VendorError,
    VendorTimeoutError,
)
from bot.vehicle.features import FeatureModel
from bot.vehicle.wire import RemotePostResponse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionRequest:
    """What a user asked for, once parsed and authorized."""

    command: Command
    vehicle: Vehicle
    summary: str
    feature: FeatureModel
    remote_body: dict[str, Any]  # the feature in the vehicle cloud's words, as stored with the request
    requester: str
    channel: str
    wakeups: WakeUpCost | None = None  # what it costs when it always wakes the vehicle


def new_request_id() -> str:
    """A short, unique, URL-safe request id."""
    return secrets.token_hex(5)


def refusal_words(error: VendorError) -> str:
    """Plain words for a vendor refusal at send time, with the vendor's reference for its support."""
    words = _refusal(error)
    return f"{words} Vendor reference: {error.debug}." if error.debug else words


def _refusal(error: VendorError) -> str:
    if isinstance(error, NotSupportedError):
        return "this vehicle does not support this action (501 not supported)."
    if isinstance(error, RateLimitedError):
        wait = (
            f" Try again in {int(error.retry_after)} s." if error.retry_after else " Try again in a minute."
        )
        return "the vehicle cloud is rate limiting us (429)." + wait
    if isinstance(error, ForbiddenError):
        return "our account may not act on this vehicle (403). Ask the fleet admin to check its contract."
    if isinstance(error, AuthError):
        return "the vehicle cloud refused our credentials (401). The bot's admin must check them."
    if isinstance(error, BadRequestError):
        return (
            "the vehicle cloud rejected the request as invalid (400). Report this to the bot's maintainers."
        )
    return f"the vehicle cloud failed ({error.status or 'no status'}). Try again in a few minutes."


async def start_request(
    services: UseCaseContext,
    request: ActionRequest,
    *,
    approver: str | None = None,
    needs_approval: bool = False,
) -> Started | InFlight:
    """Store the request, post its message, then send it (unless it waits for approval).

    The message carries the request id (in Slack: its metadata), so that if this process dies, or Redis
    refuses the write, between the post and storing where it landed, `find_lost_message` finds it again
    (through the stale-send reconciliation or the leftovers check) and no second message is posted.
    """
    record = RequestRecord(
        id=new_request_id(),
        action=request.command.action,
        summary=request.summary,
        command_text=request.command.text,
        command=request.command,
        vin=request.vehicle.vin,
        alias=request.vehicle.alias,
        requester=request.requester,
        channel=request.channel,
        approver=approver,
        needs_approval=needs_approval,
        status=RequestStatus.AWAITING_APPROVAL if needs_approval else RequestStatus.SENDING,
        remote_body=request.remote_body,
        simulator=services.simulator,
        wakeups=request.wakeups,
    )
    remote = request.command.row.remote
    assert remote is not None  # only a remote command becomes a request
    record.inflight_slot = remote.slot(request.command.options)
    record.add_step("requested", detail=request.requester)
    conflict = await services.requests.create(record)
    if conflict is not None:
        return conflict
    add_log_context(request_id=record.id)
    log.info("request %s: %s on %s stored", record.id, record.action.value, record.vin)
    await services.audit.record(
        "requested", user=request.requester, action=record.action, vin=record.vin, request_id=record.id,
        detail=request.summary,
    )  # fmt: skip
    if needs_approval:  # before the Approve button can be seen, so an early click finds its ticket
        await services.approvals.issue(request.requester, {"request_id": record.id}, token=record.id)
        await services.requests.set_deadline(record.id, time.time() + services.settings.approval_ttl_seconds)
    posted = await services.messages.post(record)

    def attach_message(stored: RequestRecord) -> None:
        stored.message_channel, stored.message_ts = posted.channel, posted.ts

    record = await services.requests.update(record.id, attach_message)
    if needs_approval and posted.moved_to_dm:
        record = await _cancel_unseen_approval(services, record)
    elif not needs_approval:
        record = await send(services, record.id, request.feature)
    return Started(record, moved_to_dm=posted.moved_to_dm, post_error=posted.error)


ONE_VEHICLE_WAIT_CAP = 2.0  # a typed command waits at most this for the shared pace; longer, it goes at once


async def wait_for_slot(services: UseCaseContext, *, cap: float | None = None) -> None:
    """Wait for the next slot of the vendor send pace every replica shares, and any pause the vendor's
    answers set meanwhile. With `cap`, a wait longer than that is not waited at all: a person is
    waiting, and the vendor's answer (a 429, with when to try again) is better than a long silence."""
    wait = await services.send_pace.take()
    while wait > 0:
        if cap is not None and wait > cap:
            return
        await asyncio.sleep(wait)
        wait = await services.send_pace.pause_left()


async def _vendor_send(
    services: UseCaseContext, record: RequestRecord, feature: FeatureModel
) -> RemotePostResponse:
    """The vendor call; whatever its answer, the shared pace reads the vendor's quota headers of it."""
    try:
        return await services.vehicles.send(
            record.vin,
            feature,
            label=record.label,
            attributes={"requestedBy": record.requester},
            extended_event_params=_extended_event_params(record),
        )
    finally:
        await services.send_pace.observe(services.vehicles.rate_limits())


async def send(
    services: UseCaseContext, request_id: str, feature: FeatureModel, *, slot_taken: bool = False
) -> RequestRecord:
    """Send the stored request to the vendor exactly once, at the shared pace, and record the answer
    (`slot_taken`: the caller waited for its slot already, as the batch sender does)."""
    if not slot_taken:
        await wait_for_slot(services, cap=ONE_VEHICLE_WAIT_CAP)
    try:
        record = await services.requests.update(request_id, _mark_sending)
    except NotSendable:
        log.info("request %s: not sent, it changed meanwhile", request_id)
        stored = await services.requests.get(request_id)
        if stored is None:
            raise
        return stored
    try:
        answer = await _vendor_send(services, record, feature)
    except (VendorTimeoutError, ServerError) as error:
        # The vendor may have taken it: never sent again, found by its label or shown as unconfirmed.
        log.warning("request %s: outcome unknown (%s), reconciling by label", record.id, type(error).__name__)
        return await reconcile(services, record.id, give_up=False)
    except VendorError as error:
        _alert_if_the_bot_is_broken(services, record, error)
        if isinstance(error, RateLimitedError):  # every replica's sends wait it out
            wait = error.retry_after or RATE_LIMIT_DEFAULT_WAIT
            await services.send_pace.pause_until(time.time() + wait)
            if record.batch_id is not None:  # not taken: back in its batch's queue, sent after the wait
                return await _back_in_queue(services, record, wait)
        if isinstance(error, NotSupportedError):
            await capability_changed(services, record.vin)
        return await _refuse(services, record.id, refusal_words(error))
    return await attach_remote(services, record.id, answer.remote_action_id, answer.type)


LONG_RATE_LIMIT_SECONDS = 60.0  # a 429 asking to wait longer than this is alerted
RATE_LIMIT_DEFAULT_WAIT = 5.0  # a 429 without Retry-After: every replica's sends wait this long


async def _back_in_queue(services: UseCaseContext, record: RequestRecord, wait: float) -> RequestRecord:
    """A batch member the vehicle cloud rate limited (429: it did not take it) goes back in its batch's
    queue; cancelled when its batch was stopped meanwhile."""
    log.info("request %s: rate limited, back in its batch's queue for %g s", record.id, wait)

    def back_in_queue(stored: RequestRecord) -> None:
        stored.status = RequestStatus.QUEUED
        stored.sending_since = None
        stored.add_step("rate_limited", detail=f"{wait:g}")

    stored = await services.requests.update(record.id, back_in_queue)
    assert record.batch_id is not None  # only a batch member waits out a rate limit
    if await services.batches.queue_members(record.batch_id, [member_index(record.id)]):
        return stored
    words = "its batch was stopped before it could be sent again"  # the 429 means it was never taken
    closed = await close_request(services, record.id, unsent(words))
    return closed or stored


def _alert_if_the_bot_is_broken(services: UseCaseContext, record: RequestRecord, error: VendorError) -> None:
    """A refusal that every request would meet (our credentials, our contract, a long rate limit) is
    told to the operators, once per cause per period; the request's own message says it anyway."""
    if isinstance(error, AuthError):
        services.alerts.notify(PipelineNotice.VENDOR_CREDENTIALS)
    elif isinstance(error, ForbiddenError):
        services.alerts.notify(PipelineNotice.VENDOR_CONTRACT, detail=record.action.value)
    elif isinstance(error, RateLimitedError) and (error.retry_after or 0) > LONG_RATE_LIMIT_SECONDS:
        services.alerts.notify(PipelineNotice.VENDOR_RATE_LIMITED, detail=f"{error.retry_after:g}")


def _extended_event_params(record: RequestRecord) -> tuple[str, ...]:
    """The vehicle data the vendor should attach to the notifications (what the outcome shows)."""
    remote = row_of(record.action).remote
    return (remote.outcome.value,) if remote is not None and remote.outcome is not None else ()


SENDABLE = (RequestStatus.SENDING, RequestStatus.AWAITING_APPROVAL, RequestStatus.QUEUED)


def _mark_sending(record: RequestRecord) -> None:
    if record.status not in SENDABLE or record.sending_since:
        raise NotSendable(record.id)
    record.status = RequestStatus.SENDING
    record.sending_since = time.time()
    record.add_step("sending")


async def attach_remote(
    services: UseCaseContext, request_id: str, remote_action_id: str, remote_type: str
) -> RequestRecord:
    """Record the vendor's remoteActionId, map it back to the request, and show "accepted"."""
    await services.requests.map_remote(remote_action_id, request_id)
    add_log_context(request_id=request_id, remote_action_id=remote_action_id)
    log.info("request %s: accepted by the vehicle cloud as remote %s", request_id, remote_action_id)

    def accepted(record: RequestRecord) -> None:
        record.remote_action_id = remote_action_id
        record.remote_type = remote_type
        if record.status is RequestStatus.SENDING:
            record.status = RequestStatus.ACCEPTED
            record.add_step("accepted_by_api")

    record = await services.requests.update(request_id, accepted)
    if not record.status.is_final:  # the final answer's deadline
        await services.requests.set_deadline(
            record.id, time.time() + services.settings.timeout_for(record.action)
        )
    await services.parked.replay(remote_action_id)  # what arrived before the mapping existed
    if record.batch_id is None:  # a batch member is shown by its batch's message (queued by the update)
        await services.messages.show_latest(record.id)
    return record


async def _refuse(services: UseCaseContext, request_id: str, words: str) -> RequestRecord:
    closing = Closing(RequestStatus.REFUSED, "refused", "outcome", f"refused: {words}", words=words)
    record = await close_request(services, request_id, closing)
    assert record is not None  # refused from any status
    return record


async def _cancel_unseen_approval(services: UseCaseContext, record: RequestRecord) -> RequestRecord:
    """Approvers cannot see a request that went to the requester's DM: cancel it rather than let it expire."""
    words = "approvers cannot see it in a direct message: invite the bot to the channel and run it again."

    await services.approvals.discard(record.id)
    await services.requests.clear_deadline(record.id)
    closed = await close_request(
        services, record.id, Closing(RequestStatus.CANCELLED, "cancelled", "cancelled", words, words=words)
    )
    assert closed is not None  # cancelled from any status
    return closed


async def expire_approval(services: UseCaseContext, request_id: str) -> RequestRecord | None:
    """Close a request nobody approved in time; the message says so. None if it was decided meanwhile."""

    closing = Closing(
        RequestStatus.EXPIRED, "expired", "expired", "no approval in time",
        only_from=RequestStatus.AWAITING_APPROVAL,
    )  # fmt: skip
    record = await close_request(services, request_id, closing)
    if record is not None:
        await services.approvals.discard(request_id)
    return record


async def reconcile(services: UseCaseContext, request_id: str, *, give_up: bool) -> RequestRecord:
    """Find a send whose answer was lost in the vehicle's remote list by its label; never POST again.

    With give_up, a request the vendor does not list is marked unconfirmed (and alerted): it may still
    have been taken, so it is not offered again (the vendor's final answer, if it comes, replaces it).
    """
    record = await services.requests.get(request_id)
    if record is None or record.status is not RequestStatus.SENDING:
        raise LookupError(request_id)
    record = await find_lost_message(services, record)
    try:
        found = await services.vehicles.find_by_label(record.vin, record.label)
    except VendorError as error:
        log.warning("request %s: reconciliation failed (%s), will try again", record.id, type(error).__name__)
        return record
    if found is not None:
        return await attach_remote(services, record.id, found.remote_action_id, found.type)
    if give_up:
        return await _unconfirmed(services, record.id)
    return record


async def _unconfirmed(services: UseCaseContext, request_id: str) -> RequestRecord:
    detail = "unconfirmed: the vehicle cloud did not confirm whether it took the request"
    record = await close_request(
        services, request_id, Closing(RequestStatus.UNCONFIRMED, "unconfirmed", "outcome", detail)
    )
    assert record is not None  # unconfirmed from any status
    await services.messages.alert(record, RequestAlert.UNCONFIRMED)
    return record


async def reconcile_stale_sends(services: UseCaseContext) -> int:
    """Reconcile requests left in "sending" too long (a crash between the record and the 202)."""
    cutoff = time.time() - services.settings.sending_reconcile_seconds
    done = 0
    for request_id in await services.requests.stale_sending(cutoff):
        try:
            await reconcile(services, request_id, give_up=True)
        except LookupError:
            continue
        done += 1
    return done


async def find_lost_message(services: UseCaseContext, record: RequestRecord) -> RequestRecord:
    """Attach the message of a request whose place was never stored (posted, then the process died or
    Redis refused the write): found by the request id it carries, never posted again; its render queued."""
    if record.message_ts is not None or record.batch_id is not None:  # a batch member has no message
        return record
    found = await services.messages.find(record)
    if found is None:
        return record
    log.info("request %s: its message found again in %s", record.id, found.channel)

    def attach(stored: RequestRecord) -> None:
        if stored.message_ts is None:
            stored.message_channel, stored.message_ts = found.channel, found.ts

    return await services.requests.update(record.id, attach, queue_render=True)


async def finish_leftovers(services: UseCaseContext, *, limit: int = 500) -> list[str]:
    """Requests a failover or a crash left behind; the ids whose render it queued.

    A request not final whose message shows an older version than its record, and whose render is
    neither queued nor in progress, has its render queued (a change stored while the render queue's
    write was refused, or lost with the process, is shown). One whose message was posted but whose
    place was not stored is found again first (not before SENDING_RECONCILE_SECONDS, so a post in
    progress is left to finish).
    """
    cutoff = time.time() - services.settings.sending_reconcile_seconds
    behind: list[RequestRecord] = []
    for record in await services.requests.unfinished(limit):
        if record.message_ts is None and record.created_at < cutoff:
            record = await find_lost_message(services, record)
        if record.message_ts is not None and record.shown_version < record.version:
            behind.append(record)
    queued = await services.requests.queue_renders(behind)
    if queued:
        log.warning("%d request message(s) behind their stored state: render queued", len(queued))
    return queued
