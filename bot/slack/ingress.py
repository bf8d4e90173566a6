"""Slack's requests at the bot's edge: verified, decoded and checked before Bolt sees anything.

Only a correctly signed request reaches Bolt, already parsed: a bad signature, timestamp or encoding is
a 401 or 400 here, with nothing logged of its body, and nothing is ever sent to its `response_url`.
Parsing here also works around slack-bolt's body parser, which takes any form body containing the
substring "payload" for an interactivity payload (`/vehicle history payload` would be dropped).
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from dataclasses import dataclass
from hashlib import sha256
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest

log = logging.getLogger(__name__)

SIGNATURE_WINDOW_SECONDS = 300


class Refused(Exception):
    """A request the bot will not process: the HTTP status and a short public reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason

    def response(self) -> web.Response:
        """The answer to the sender."""
        return web.Response(status=self.status, text=self.reason)


@dataclass(frozen=True)
class Origins:
    """Where a `response_url` may point: exact scheme and host (and port) pairs."""

    allowed: frozenset[tuple[str, str]]

    @classmethod
    def parse(cls, origins: tuple[str, ...]) -> Origins:
        """From "https://hooks.slack.com"-style origins."""
        return cls(frozenset((parts.scheme, parts.netloc) for parts in map(urlsplit, origins)))

    def allows(self, url: str) -> bool:
        """Whether `url` points at an allowed origin."""
        parts = urlsplit(url)
        return (parts.scheme, parts.netloc) in self.allowed


def verify(secret: bytes, headers: Any, body: bytes, now: float | None = None) -> None:
    """Slack's v0 signature over timestamp and body, within the replay window; raise Refused(401)."""
    timestamp = str(headers.get("X-Slack-Request-Timestamp", ""))
    signature = str(headers.get("X-Slack-Signature", ""))
    if not (timestamp.isascii() and timestamp.isdigit() and signature.isascii()):
        raise Refused(401, "invalid signature")
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        raise Refused(401, "invalid signature")
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Refused(401, "invalid signature")


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused(400, "body is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, "body is not a JSON object")
    return value


def decode(content_type: str, body: bytes) -> dict[str, Any]:
    """The request's fields: a JSON body, an interactivity `payload`, or a form (slash commands)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    if content_type == "application/json" or text.startswith("{"):
        return _json_object(text)
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in form:
        return _json_object(form["payload"])
    return form


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def check_shape(fields: dict[str, Any], origins: Origins) -> None:
    """Refuse (400) what the listeners could not read: missing ids, odd actions, a foreign response_url."""
    if "command" in fields:
        needed = ("user_id", "channel_id", "response_url")
        if not all(_text(fields.get(name)) for name in needed):
            raise Refused(400, "slash command without user_id, channel_id or response_url")
    if fields.get("type") == "block_actions":
        actions, user = fields.get("actions"), fields.get("user")
        if not (isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)):
            raise Refused(400, "block_actions without actions")
        if not all(_text(a.get("action_id")) for a in actions):
            raise Refused(400, "an action without an action_id")
        if not (isinstance(user, dict) and _text(user.get("id"))):
            raise Refused(400, "block_actions without a user")
    response_url = fields.get("response_url")
    if response_url is not None and not (isinstance(response_url, str) and origins.allows(response_url)):
        raise Refused(400, "response_url is not Slack's")


async def bolt_request(request: web.Request, secret: bytes, origins: Origins) -> AsyncBoltRequest:
    """A verified, decoded, well-formed Slack request for Bolt; raise Refused otherwise."""
    body = await request.read()
    verify(secret, request.headers, body)
    fields = decode(request.content_type, body)
    check_shape(fields, origins)
    # Bolt takes parsed bodies only in its Socket Mode form; the signature was verified above.
    return AsyncBoltRequest(
        body=fields, query=request.query_string, headers=dict(request.headers), mode="socket_mode"
    )
