"""What the use cases need from Slack, as an interface: the message that shows a request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.store.records import RequestRecord


@dataclass(frozen=True)
class Posted:
    """Where a request message landed, and whether it had to go to the requester's DM instead."""

    channel: str
    ts: str
    moved_to_dm: bool
    error: str | None = None


class RequestMessages(Protocol):
    """The message that shows a request (in Slack: the thread root, edited in place)."""

    async def post(self, record: RequestRecord) -> Posted:
        """Post the request's message where it was asked for (or where the bot can)."""

    async def show_latest(self, request_id: str) -> None:
        """Bring the message up to date with the stored record (now, or as soon as the budget allows)."""

    async def permalink(self, record: RequestRecord) -> str | None:
        """A link to the request's message, when there is one."""

    async def alert(self, record: RequestRecord, effect: str, headline: str) -> None:
        """Tell the operators about this request, once per `effect`."""
