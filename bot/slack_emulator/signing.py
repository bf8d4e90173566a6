"""Slack's request signing (v0 HMAC-SHA256), as Slack applies it to what it sends to an app."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_VERSION = "v0"


def signature(signing_secret: str, body: bytes, timestamp: int) -> str:
    """The X-Slack-Signature value: v0= and the hex HMAC-SHA256 of "v0:{timestamp}:{body}"."""
    base = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def sign(signing_secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack adds to a request with this raw body (timestamp defaults to now)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: signature(signing_secret, body, ts)}
