"""Typed answers of the use cases: what happened, for Slack output (or any other front) to put in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.catalogue.row import ActionRow
from bot.store.records import RequestRecord
from bot.store.wakeup_budget import WakeUps
from bot.usecases.fleet import Vehicle
from bot.usecases.freshness import Freshness


@dataclass(frozen=True)
class Actor:
    """Who acts, and from which channel."""

    user: str
    channel: str


@dataclass(frozen=True)
class Problem:
    """The user wrote something the bot cannot act on: what was wrong and how to write it."""

    problem: str
    usage: str


@dataclass(frozen=True)
class Denied:
    """The policy does not allow it; the reason names the permission and the user id."""

    reason: str


@dataclass(frozen=True)
class VendorUnavailable:
    """The vehicle cloud could not be asked (before anything was sent)."""

    reason: str


@dataclass(frozen=True)
class LastState:
    """The vehicle's last reported state, shown without waking it."""

    vehicle: Vehicle
    facts: dict[str, Any]
    reported_at: str | None = None  # when the vehicle reported it (ISO 8601), where the cloud says
    recent: bool = False  # shown instead of a refresh because it is recent enough (`--refresh` wakes)
    freshness: Freshness | None = None  # the vehicle's last report as the bot knows it


@dataclass(frozen=True)
class NotOffered:
    """The vehicle cloud's API does not have this action at all."""

    row: ActionRow[Any]


@dataclass(frozen=True)
class Unsupported:
    """The vehicle cannot do this form of the action; `refusal` completes "<vehicle> ..."."""

    vehicle: Vehicle
    refusal: str


@dataclass(frozen=True)
class Lacks:
    """The vehicle's capability says it cannot do this action at all: nothing was sent."""

    vehicle: Vehicle
    row: ActionRow[Any]
    capability: str  # the capability key it lacks (`charging`, `vehicleFinder`, ...)


@dataclass(frozen=True)
class WakeUpsSpent:
    """The vehicle's wake-ups for this month are used up and the user may not go over: nothing was sent."""

    vehicle: Vehicle
    wakeups: WakeUps


@dataclass(frozen=True)
class ConfirmationNeeded:
    """A dangerous action waits for its requester's explicit confirmation (ticket `token`)."""

    row: ActionRow[Any]
    vehicle: Vehicle
    summary: str
    token: str


@dataclass(frozen=True)
class AlreadyInFlight:
    """The same action is still in flight for this vehicle."""

    request_id: str
    link: str | None


@dataclass(frozen=True)
class Started:
    """The request exists and its message is posted (possibly in the requester's DM)."""

    record: RequestRecord
    moved_to_dm: bool = False
    post_error: str | None = None


RemoteResult = (
    Problem
    | Denied
    | VendorUnavailable
    | LastState
    | NotOffered
    | Unsupported
    | Lacks
    | WakeUpsSpent
    | ConfirmationNeeded
    | AlreadyInFlight
    | Started
)
