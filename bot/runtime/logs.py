"""Log lines that cannot be forged: control characters in a message are written as escapes."""

from __future__ import annotations

import logging
from typing import Any

# Every C0 and C1 control character, and DEL, becomes \xNN: a CR or LF from a Slack or vendor value
# cannot start a line of its own, an ESC cannot recolour a terminal. Tracebacks keep their lines.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}


def escape(text: str) -> str:
    """`text` with its control characters escaped."""
    return text.translate(_ESCAPES)


def install_escaping() -> None:
    """Escape the message of every log record made in this process, whichever library logs it."""
    base = logging.getLogRecordFactory()
    if getattr(base, "escapes_controls", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        message = record.getMessage()
        escaped = escape(message)
        if escaped != message:
            record.msg, record.args = escaped, ()
        return record

    factory.escapes_controls = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
