"""Single-use, expiring, owner-bound tickets: pending confirmations and pending approvals."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis

from bot.store.scripts import register


class ClaimResult(StrEnum):
    """What a click on a ticket got."""

    CLAIMED = "claimed"
    MISSING = "missing"  # expired
    TAKEN = "taken"  # already used: `data` says by whom (taken_by) and how (decision)
    NOT_OWNER = "not_owner"
    IS_OWNER = "is_owner"


@dataclass(frozen=True)
class Claim:
    """The result of a claim, with the ticket's data when it was readable."""

    result: ClaimResult
    data: dict[str, Any]


class TicketStore:
    """Tickets kept under one key family (confirmations or approvals)."""

    def __init__(self, redis: Redis, key_of: Any, ttl_seconds: float) -> None:
        self._redis = redis
        self._key_of = key_of
        self._ttl_ms = int(ttl_seconds * 1000)
        self._claim = register(redis, "ticket_claim")

    async def issue(self, owner: str, data: dict[str, Any], token: str | None = None) -> str:
        """Store a ticket for `owner` and return its token."""
        token = token or secrets.token_urlsafe(12)
        await self._redis.set(self._key_of(token), json.dumps({"owner": owner, **data}), px=self._ttl_ms)
        return token

    async def claim(
        self, token: str, clicker: str, *, owner_must_click: bool = True, decision: str = "used"
    ) -> Claim:
        """Take the ticket if `clicker` may: the owner (confirmations) or anyone but the owner (approvals)."""
        tombstone = json.dumps({"taken_by": clicker, "decision": decision})
        outcome, raw = await self._claim(
            keys=[self._key_of(token)], args=[clicker, "1" if owner_must_click else "0", tombstone]
        )
        data = json.loads(raw) if raw else {}
        return Claim(ClaimResult(outcome if isinstance(outcome, str) else outcome.decode()), data)

    async def discard(self, token: str) -> None:
        """Drop a ticket (a cancel by its owner)."""
        await self._redis.delete(self._key_of(token))
