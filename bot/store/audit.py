"""The audit trail: every request, confirmation, approval, denial and outcome, as Redis streams."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bot.runtime.metrics import Metrics
from bot.store.keys import Keys

AUDIT_MAXLEN = 100_000


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail."""

    at: float
    event: str  # requested, confirmed, cancelled, approved, rejected, denied, outcome, ...
    user: str
    action: str
    vin: str
    request_id: str
    detail: str


class AuditLog:
    """Appends to the global and the per-vehicle audit streams; reads a vehicle's trail."""

    def __init__(self, redis: Redis, keys: Keys, metrics: Metrics) -> None:
        self._redis = redis
        self._keys = keys
        self._metrics = metrics

    async def record(
        self, event: str, *, user: str, action: str, vin: str, request_id: str = "", detail: str = ""
    ) -> None:
        """Append one entry to both streams."""
        fields: dict[Any, Any] = {
            "at": f"{time.time():.3f}",
            "event": event,
            "user": user,
            "action": action,
            "vin": vin,
            "request_id": request_id,
            "detail": detail,
        }
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xadd(self._keys.audit(), fields, maxlen=AUDIT_MAXLEN, approximate=True)
            if vin:
                pipe.xadd(self._keys.vehicle_audit(vin), fields, maxlen=AUDIT_MAXLEN, approximate=True)
            await pipe.execute()
        self._metrics.audit_events.labels(event, action).inc()

    async def vehicle_trail(self, vin: str, limit: int = 20) -> list[AuditEntry]:
        """A vehicle's latest audit entries, newest first."""
        rows: list[tuple[str, dict[str, str]]] = await self._redis.xrevrange(  # type: ignore[assignment]
            self._keys.vehicle_audit(vin), count=limit
        )
        return [
            AuditEntry(
                at=float(fields["at"]),
                event=fields["event"],
                user=fields["user"],
                action=fields["action"],
                vin=fields["vin"],
                request_id=fields["request_id"],
                detail=fields["detail"],
            )
            for _id, fields in rows
        ]
