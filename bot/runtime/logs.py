"""Log lines that cannot be forged: plain text (escaped) or one JSON object per line, with request fields."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

# Every C0 and C1 control character, and DEL, becomes \xNN: a CR or LF from a Slack or vendor value
# cannot start a line of its own, an ESC cannot recolour a terminal. Tracebacks keep their lines.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
# json.dumps escapes C0 itself but writes DEL and C1 as they are: these become JSON \u escapes.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in (0x7F, *range(0x80, 0xA0))}
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LogFormat = Literal["text", "json"]

# The fields a JSON line carries when the code runs for a request (Slack or vendor notification).
CONTEXT_FIELDS = ("request_id", "remote_action_id", "user", "channel", "vehicle", "action")
_NO_FIELDS: Mapping[str, str] = {}
_context: ContextVar[Mapping[str, str]] = ContextVar("log_context", default=_NO_FIELDS)


def escape(text: str) -> str:
    """`text` with its control characters escaped."""
    return text.translate(_ESCAPES)


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Within the block (and tasks started in it), every log record carries these fields."""
    token = _context.set(_merged(fields))
    try:
        yield
    finally:
        _context.reset(token)


def add_log_context(**fields: object) -> None:
    """Add fields for the rest of the current task, or until the enclosing `log_context` block ends."""
    _context.set(_merged(fields))


def _merged(fields: Mapping[str, object]) -> Mapping[str, str]:
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"unknown log fields: {sorted(unknown)}")
    return {**_context.get(), **{name: str(value) for name, value in fields.items() if value}}


def current_log_context() -> Mapping[str, str]:
    """The fields records created now carry."""
    return _context.get()


_base_factory = logging.getLogRecordFactory()


def _record_with_context(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    record.context = _context.get()  # read where the record is made: every handler sees the same fields
    return record


def install_context_fields() -> None:
    """Make every log record carry the current log context (idempotent)."""
    logging.setLogRecordFactory(_record_with_context)


class EscapingFormatter(logging.Formatter):
    """Formats a record with its message escaped (whichever library logged it); a traceback stays as is."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        """The record's line, its message escaped."""
        original = record.message
        record.message = escape(original)
        try:
            return super().formatMessage(record)
        finally:
            record.message = original


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time, level, logger, message, the context fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON; only named fields are written, never the record's extras."""
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "context", {}),
        }
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False).translate(_JSON_ESCAPES)


def formatter_for(kind: LogFormat) -> logging.Formatter:
    """The formatter `remote-bot` writes its records with."""
    return JsonFormatter() if kind == "json" else EscapingFormatter(LOG_FORMAT)


def configure_logging(level: int = logging.INFO, kind: LogFormat = "text") -> None:
    """The process's log output: one line per record on stderr, as escaped text or as JSON."""
    install_context_fields()
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(kind))
    logging.basicConfig(level=level, handlers=[handler], force=True)
