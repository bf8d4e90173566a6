"""The audit trail: every request, confirmation, approval, denial and outcome, as Redis streams.

The global stream is the record an operator exports (`remote-bot audit export`); each vehicle's stream
is a short copy that `history` reads (AUDIT_VEHICLE_ENTRIES). The global stream keeps
AUDIT_RETENTION_ENTRIES entries; once an export has run, the
global stream is never trimmed past the export cursor: entries not yet exported stay, however many, and
`export_lag` counts them (the audit watch alerts about it).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis

from bot.runtime.metrics import Metrics
from bot.store.keys import Keys
from bot.store.scripts import register

FIELDS = ("at", "event", "user", "action", "vin", "request_id", "detail")


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    at: float
    event: str  # requested, confirmed, cancelled, approved, rejected, denied, refused-wakeups, outcome, ...
    user: str
    action: str
    vin: str
    request_id: str
    detail: str

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> AuditEntry:
        """The entry stored as these stream fields."""
        return cls(
            at=float(fields["at"]),
            event=fields["event"],
            user=fields["user"],
            action=fields["action"],
            vin=fields["vin"],
            request_id=fields["request_id"],
            detail=fields["detail"],
        )


class AuditLog:
    """Appends to the global and the per-vehicle audit streams; reads them; keeps the export cursor."""

    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        retention: int = 100_000,
        per_vehicle: int = 200,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._metrics = metrics
        self.retention = retention
        self.per_vehicle = per_vehicle
        self._record = register(redis, "audit_record")
        self._trim = register(redis, "audit_trim")
        self._advance = register(redis, "audit_advance")

    async def record(
        self, event: str, *, user: str, action: str, vin: str, request_id: str = "", detail: str = ""
    ) -> str:
        """Append one entry to both streams (trimming as the module says); returns its stream id."""
        values = (f"{time.time():.3f}", event, user, action, vin, request_id, detail)
        pairs = [item for pair in zip(FIELDS, values, strict=True) for item in pair]
        keys = [self._keys.audit(), self._keys.vehicle_audit(vin) if vin else "", self._keys.audit_exported()]
        entry_id = str(await self._record(keys=keys, args=[self.retention, self.per_vehicle, *pairs]))
        self.count(event, action)
        return entry_id

    def count(self, event: str, action: str) -> None:
        """Count an entry that another script appended (the metrics of what `record` appends)."""
        if self._metrics is not None:
            self._metrics.audit_events.labels(event, action).inc()

    async def trim(self) -> None:
        """Apply the global stream's retention after other scripts appended to it."""
        await self._trim(keys=[self._keys.audit(), self._keys.audit_exported()], args=[self.retention])

    async def vehicle_trail(self, vin: str, limit: int = 20) -> list[AuditEntry]:
        """A vehicle's latest audit entries, newest first."""
        rows: list[tuple[str, dict[str, str]]] = await self._redis.xrevrange(  # type: ignore[assignment]
            self._keys.vehicle_audit(vin), count=limit
        )
        return [AuditEntry.from_fields(fields) for _id, fields in rows]

    async def vins(self) -> list[str]:
        """The VINs that have an audit stream of their own (every vehicle an entry named), sorted."""
        prefix = self._keys.vehicle_audit("")
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", prefix) + "*"
        found = {str(key)[len(prefix) :] async for key in self._redis.scan_iter(match=pattern, count=1000)}
        return sorted(found)

    async def page(self, start: str, until: str, count: int = 1000) -> list[tuple[str, AuditEntry]]:
        """Up to `count` entries of the global stream from `start` (XRANGE form: "(" excludes) to `until`."""
        rows: list[tuple[str, dict[str, str]]] = await self._redis.xrange(  # type: ignore[assignment]
            self._keys.audit(), min=start, max=until, count=count
        )
        return [(entry_id, AuditEntry.from_fields(fields)) for entry_id, fields in rows]

    async def newest_id(self) -> str | None:
        """The id of the newest entry of the global stream (None when empty)."""
        rows = cast(list[Any], await self._redis.xrevrange(self._keys.audit(), count=1) or [])
        return str(rows[0][0]) if rows else None

    async def cursor(self) -> str | None:
        """The id of the last entry an export wrote (None before the first export)."""
        value = await self._redis.get(self._keys.audit_exported())
        return None if value is None else str(value)

    async def advance_cursor(self, exported_id: str) -> str:
        """Record that everything up to `exported_id` is exported; returns the cursor (never moves back)."""
        return str(await self._advance(keys=[self._keys.audit_exported()], args=[exported_id]))

    async def export_lag(self) -> int:
        """Entries kept beyond the retention because they are not exported yet (0 before any export)."""
        if await self.cursor() is None:
            return 0
        return max(0, int(await self._redis.xlen(self._keys.audit())) - self.retention)
