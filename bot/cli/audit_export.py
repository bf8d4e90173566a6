"""`remote-bot audit export`: the audit stream as JSON lines, continuing where the last export ended."""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from bot.config import ConfigError
from bot.store.audit import AuditEntry, AuditLog

_STREAM_ID = re.compile(r"^\d+-\d+$")


@dataclass(frozen=True)
class ExportFilter:
    """What an export selects; with no filter at all it continues after the export cursor."""

    since: str | None = None  # a stream id, or an ISO 8601 date or time (UTC unless it says otherwise)
    vehicle: str | None = None  # VIN (the command resolves an alias or VIN suffix to it first)
    user: str | None = None  # Slack user id

    @property
    def moves_cursor(self) -> bool:
        """Only a whole export from the cursor on says "everything up to here is exported"."""
        return self.since is None and self.vehicle is None and self.user is None

    def keeps(self, entry: AuditEntry) -> bool:
        """Whether the entry passes the vehicle and user filters."""
        return (self.vehicle is None or entry.vin == self.vehicle) and (
            self.user is None or entry.user == self.user
        )


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote and where the cursor stands afterwards."""

    written: int
    last_read: str | None
    cursor: str | None
    vehicle: str | None = None  # the vehicle `--vehicle` named, as shown elsewhere (alias and VIN tail)


def since_start(since: str) -> str:
    """The first stream id an export `--since` reads (a stream id, or an ISO 8601 date or time)."""
    if _STREAM_ID.match(since):
        return since
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        raise ConfigError(
            f"--since: expected an ISO 8601 date or time (2026-12-01, 2026-12-01T08:00Z) or a stream id, "
            f"got {since!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{max(0, int(moment.timestamp() * 1000))}-0"


def as_json_line(entry_id: str, entry: AuditEntry) -> str:
    """One exported entry: its stream id, UTC time and fields, ASCII-only JSON on one line."""
    return json.dumps(
        {
            "id": entry_id,
            "time": datetime.fromtimestamp(entry.at, UTC).isoformat(timespec="milliseconds"),
            "event": entry.event,
            "user": entry.user,
            "action": entry.action,
            "vehicle": entry.vin,
            "request_id": entry.request_id,
            "detail": entry.detail,
        }
    )


def _sync(out: TextIO) -> None:
    """Flush `out`, and when it is a file, make sure its lines are on disk."""
    out.flush()
    try:
        descriptor = out.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both: an in-memory stream
        return
    if stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.fsync(descriptor)


async def export(audit: AuditLog, wanted: ExportFilter, out: TextIO) -> ExportResult:
    """Write the selected entries to `out`, oldest first; advance the cursor once they are written.

    The export reads up to the newest entry present when it starts. The cursor moves after `out` is
    flushed (and synced, for a file), so a crash in between writes some entries twice, never none.
    """
    cursor = await audit.cursor()
    start = since_start(wanted.since) if wanted.since else f"({cursor}" if cursor else "-"
    until = await audit.newest_id()
    written, last_read = 0, None
    while until is not None:
        page = await audit.page(start, until)
        if not page:
            break
        for entry_id, entry in page:
            if wanted.keeps(entry):
                out.write(as_json_line(entry_id, entry) + "\n")
                written += 1
        last_read = page[-1][0]
        start = f"({last_read}"
    _sync(out)
    if wanted.moves_cursor and last_read is not None:
        cursor = await audit.advance_cursor(last_read)
    return ExportResult(written, last_read, cursor)
