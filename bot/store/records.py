"""The stored shape of one request: what every Slack message about it is rendered from."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from bot.catalogue.action import Action
from bot.catalogue.command import Command


class RequestStatus(StrEnum):
    """Where a request stands, from the bot's point of view."""

    AWAITING_APPROVAL = "awaiting_approval"
    QUEUED = "queued"  # a batch member waiting for its turn to be sent
    SENDING = "sending"  # record written, vendor not answered yet
    ACCEPTED = "accepted"  # 202 received, no notification yet
    PENDING = "pending"  # at least one Pending notification
    NO_ANSWER = "no_answer"  # timeout passed without Done; a later Done still completes it
    SUCCESS = "success"
    ALREADY_DONE = "already_done"
    FAILED = "failed"  # Done/Failed from the vehicle
    REFUSED = "refused"  # the vendor refused the request at send time
    REJECTED = "rejected"  # the approver said no
    EXPIRED = "expired"  # nobody approved in time
    CANCELLED = "cancelled"
    UNCONFIRMED = "unconfirmed"  # the vendor never confirmed whether it took the request: check the vehicle

    @property
    def is_final(self) -> bool:
        """Whether nothing more can happen to the request."""
        return STATE_MACHINE[self].final

    @property
    def rank(self) -> int:
        """Progress order: a transition never moves a request to a lower rank."""
        return STATE_MACHINE[self].rank


@dataclass(frozen=True)
class StatusRule:
    """What a status means in the request state machine."""

    rank: int  # progress order: a transition never moves a request to a lower rank
    final: bool = False  # nothing more can happen to the request
    holds_slot: bool = True  # a new request for the same vehicle and slot must wait for this one


# The request state machine, the one table of it: Python reads it, and the Lua scripts are given what
# they need of it as constants (bot/store/transitions.py, bot/store/requests.py).
STATE_MACHINE: dict[RequestStatus, StatusRule] = {
    RequestStatus.AWAITING_APPROVAL: StatusRule(0),
    RequestStatus.QUEUED: StatusRule(0),
    RequestStatus.SENDING: StatusRule(1),
    RequestStatus.ACCEPTED: StatusRule(2),
    RequestStatus.PENDING: StatusRule(3),
    # The vehicle cloud may still answer these: its final answer, when it comes, replaces them.
    RequestStatus.NO_ANSWER: StatusRule(4, holds_slot=False),
    RequestStatus.UNCONFIRMED: StatusRule(4, final=True, holds_slot=False),
    RequestStatus.SUCCESS: StatusRule(5, final=True, holds_slot=False),
    RequestStatus.ALREADY_DONE: StatusRule(5, final=True, holds_slot=False),
    RequestStatus.FAILED: StatusRule(5, final=True, holds_slot=False),
    RequestStatus.REFUSED: StatusRule(5, final=True, holds_slot=False),
    RequestStatus.REJECTED: StatusRule(5, final=True, holds_slot=False),
    RequestStatus.EXPIRED: StatusRule(5, final=True, holds_slot=False),
    RequestStatus.CANCELLED: StatusRule(5, final=True, holds_slot=False),
}

FINAL_STATUSES = frozenset(status for status, rule in STATE_MACHINE.items() if rule.final)
STATUS_RANK: dict[RequestStatus, int] = {status: rule.rank for status, rule in STATE_MACHINE.items()}
# Statuses whose request no longer blocks a new one for the same vehicle and slot.
SLOT_FREED = frozenset(status for status, rule in STATE_MACHINE.items() if not rule.holds_slot)


class TimelineEntry(BaseModel):
    """One step of a request's life, with the time it happened (epoch seconds)."""

    at: float
    step: str  # a vendor status (Accepted, WakingUpVehicle, ...) or a bot step (requested, approved, ...)
    detail: str | None = None


class WakeUpCost(BaseModel):
    """What a request that always wakes its vehicle costs: one of the month's wake-ups, as it stood then."""

    left: int  # wake-ups left this month (UTC) before this request (0: sent over the allowance, by grant)
    allowance: int


class RequestRecord(BaseModel):
    """One remote request: who asked what of which vehicle, and where it stands."""

    id: str
    action: Action
    summary: str  # what will happen, in words: "lock the doors"
    command_text: str = ""  # the command as typed, for people reading the record
    command: Command | None = None  # the parsed command: a Retry runs it again through the same checks
    vin: str
    alias: str | None = None
    requester: str
    channel: str
    approver: str | None = None
    needs_approval: bool = False
    batch_id: str | None = None  # a batch member: the batch message speaks for it, it posts nothing itself
    message_channel: str | None = None  # where the request message is (the channel or a DM)
    message_ts: str | None = None
    status: RequestStatus = RequestStatus.SENDING
    remote_action_id: str | None = None
    remote_type: str | None = None
    vendor_status: str | None = None
    failure_cause: str | None = None
    feedback_detail: str | None = None
    refusal: str | None = None  # plain words of a send-time refusal
    outcome: dict[str, Any] = Field(default_factory=dict)  # location, vehicle state, ...
    remote_body: dict[str, Any] = Field(default_factory=dict)  # the action object sent (for retry)
    inflight_slot: str = ""  # one request at a time per vehicle and slot (lock and unlock share "locking")
    sending_since: float | None = None  # when the vendor call started, for reconciling lost sends
    simulator: bool = False
    wakeups: WakeUpCost | None = None  # a request that always wakes the vehicle: what it costs
    reply_posted: bool = False
    # What the request message shows, and who is updating it or posting its thread reply right now.
    # A lease is "<expiry ms>/<holder>" (bot/store/scripts/lib/record.lua); scripts keep these fields.
    shown_version: int = -1  # the version the message last showed (-1: none rendered yet)
    shown_at: int = 0  # when that render was sent (ms), for the one-update-per-second gate
    render_lease: str = ""
    reply_lease: str = ""
    timeline: list[TimelineEntry] = Field(default_factory=list)
    version: int = 0
    created_at: float = Field(default_factory=time.time)

    @property
    def label(self) -> str:
        """The vendor label of this request: how it is found again in the vehicle's remote list."""
        return f"rb:{self.id}"

    @property
    def vin_tail(self) -> str:
        """The last six characters of the VIN, as shown beside the alias."""
        return self.vin[-6:]

    @property
    def vehicle_name(self) -> str:
        """Alias and VIN tail ("van-12 (…000012)"), or the VIN alone."""
        return f"{self.alias} (…{self.vin_tail})" if self.alias else self.vin

    @property
    def blocks_new_requests(self) -> bool:
        """Whether a new request for the same slot must wait for this one."""
        return STATE_MACHINE[self.status].holds_slot

    def add_step(self, step: str, detail: str | None = None, at: float | None = None) -> None:
        """Append a step to the timeline."""
        self.timeline.append(TimelineEntry(at=time.time() if at is None else at, step=step, detail=detail))
