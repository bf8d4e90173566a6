"""Log lines that cannot be forged: control characters in a message are written as escapes."""

from __future__ import annotations

import logging

# Every C0 and C1 control character, and DEL, becomes \xNN: a CR or LF from a Slack or vendor value
# cannot start a line of its own, an ESC cannot recolour a terminal. Tracebacks keep their lines.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def escape(text: str) -> str:
    """`text` with its control characters escaped."""
    return text.translate(_ESCAPES)


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


def configure_logging(level: int = logging.INFO) -> None:
    """The process's log output: one line per record on stderr, messages escaped."""
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter(LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
