"""The audit trail: every request, confirmation, approval, denial and outcome, as Redis streams.

The global stream is the record an operator exports (`remote-bot audit export`); each vehicle's stream
is a short copy that `history` reads (AUDIT_VEHICLE_ENTRIES). The global stream keeps
AUDIT_RETENTION_ENTRIES entries; once an export has run, the
global stream is never trimmed past the export cursor: entries not yet exported stay, however many, and
`export_lag` counts them (the audit watch alerts about it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis

from bot.runtime.metrics import Metrics
from bot.store.keys import Keys

# `newer(a, b)`: whether stream id a comes after b (ids are "<ms>-<seq>"; both parts fit a Lua number).
_NEWER = r"""
local function parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function newer(a, b)
  local ams, aseq = parts(a)
  local bms, bseq = parts(b)
  return ams > bms or (ams == bms and aseq > bseq)
end
"""

# `trim(stream, cursor key, retention)`: trims the global stream to `retention` entries, but never
# past the export cursor once there is one.
_TRIM_FUNCTION = (
    _NEWER
    + r"""
local function trim(stream, cursor_key, retention)
  local over = redis.call('XLEN', stream) - retention
  if over <= 0 then return end
  local cursor = redis.call('GET', cursor_key)
  if not cursor then
    redis.call('XTRIM', stream, 'MAXLEN', retention)  -- nothing was ever exported: plain retention
    return
  end
  local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1][1]
  if newer(oldest, cursor) then return end  -- every entry over retention is still to export
  local doomed = redis.call('XRANGE', stream, '-', '+', 'COUNT', over)
  if not newer(doomed[#doomed][1], cursor) then
    redis.call('XTRIM', stream, 'MAXLEN', retention)
  else
    local first_unexported = redis.call('XRANGE', stream, '(' .. cursor, '+', 'COUNT', 1)[1][1]
    redis.call('XTRIM', stream, 'MINID', first_unexported)
  end
end
"""
)

# KEYS: global stream, vehicle stream (or ""), export cursor.
# ARGV: retention, vehicle retention, then field, value pairs.
_RECORD = (
    _TRIM_FUNCTION
    + r"""
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
if KEYS[2] ~= '' then
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[2], '*', unpack(fields))
end
trim(KEYS[1], KEYS[3], tonumber(ARGV[1]))
return id
"""
)

# KEYS: global stream, export cursor. ARGV: retention. For entries appended by other scripts (the
# transition script writes the outcome entries), trimmed once per batch.
_TRIM = _TRIM_FUNCTION + "trim(KEYS[1], KEYS[2], tonumber(ARGV[1])) return 1"

# KEYS: export cursor. ARGV: the last exported id. The cursor only moves forward.
_ADVANCE = (
    _NEWER
    + r"""
local cursor = redis.call('GET', KEYS[1])
if not cursor or newer(ARGV[1], cursor) then redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1] end
return cursor
"""
)

FIELDS = ("at", "event", "user", "action", "vin", "request_id", "detail")


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
        self._record = redis.register_script(_RECORD)
        self._trim = redis.register_script(_TRIM)
        self._advance = redis.register_script(_ADVANCE)

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
