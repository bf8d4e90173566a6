"""Slack's requests at the bot's edge: verified, decoded and checked before Bolt sees anything.

Only a correctly signed request reaches Bolt, already parsed: a bad signature, timestamp or encoding is
a 401 or 400 here, with nothing logged of its body, and nothing is ever sent to its `response_url`.
Only the kinds the bot handles reach Bolt (its slash command, clicks on its own buttons, Slack's URL
and SSL checks): any other kind is answered here in one log line, not with Bolt's multi-line warning,
and no shape Bolt or a listener could not read gets past (a 400 at once, never a 500 or a 3 s stall).
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

from bot.runtime.http_body import BodyUnread, body_deadline
from bot.runtime.logs import escape
from bot.slack.blocks import ButtonId

log = logging.getLogger(__name__)

SIGNATURE_WINDOW_SECONDS = 300
# Slack's timestamps have 10 digits until the year 2286: a longer one is refused before any arithmetic
# (Python's int() refuses over 4,300 digits, a float overflows past 308).
MAX_TIMESTAMP_DIGITS = 12
# The bot's own buttons (handlers/buttons.py registers one listener each); a card's have a suffix.
_BUTTONS = frozenset(value for name, value in vars(ButtonId).items() if name.isupper() and name != "CARD")
_CARD_PREFIX = f"{ButtonId.CARD}_"
# Payload kinds Slack expects a 2xx for even when the app does nothing with them (else it redelivers).
_EVENT_KINDS = frozenset({"event_callback", "app_rate_limited"})
# Keys Bolt walks while building its context and in its middleware (`event` as an object, `response_urls`
# as a list of objects...) and raises on any other shape: none of the kinds the bot handles needs them.
_BOLT_WALKS = (
    "event", "response_urls", "previous_message", "item", "assistant_thread", "function_data",
    "function_execution_id", "bot_access_token",
)  # fmt: skip


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
    if not (
        timestamp.isascii()
        and timestamp.isdigit()
        and len(timestamp) <= MAX_TIMESTAMP_DIGITS
        and signature.isascii()
    ):
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


def _our_button(action_id: str) -> bool:
    return action_id in _BUTTONS or action_id.startswith(_CARD_PREFIX)


def _kind(fields: dict[str, Any]) -> str:
    if "command" in fields:
        return "command"
    if "ssl_check" in fields:
        return "ssl_check"
    kind = fields.get("type")
    return kind if isinstance(kind, str) else ""


def _check_ids(fields: dict[str, Any]) -> None:
    """What Bolt reads to build its context must be a string or an object, else Bolt raises (a 500)."""
    for name in ("team", "user", "channel", "enterprise", "container"):
        value = fields.get(name)
        if not (value is None or isinstance(value, str | dict)):
            raise Refused(400, f"{name} is neither an object nor a string")
    authorizations = fields.get("authorizations")
    if not (
        authorizations is None
        or (isinstance(authorizations, list) and all(isinstance(a, dict) for a in authorizations))
    ):
        raise Refused(400, "authorizations is not a list of objects")


def _check_command(fields: dict[str, Any], command: str) -> None:
    if fields.get("command") != command:
        raise Refused(404, "a slash command this bot does not register")
    needed = ("user_id", "channel_id", "response_url")
    if not all(_text(fields.get(name)) for name in needed):
        raise Refused(400, "slash command without user_id, channel_id or response_url")


def _check_click(fields: dict[str, Any]) -> None:
    actions, user, channel = fields.get("actions"), fields.get("user"), fields.get("channel")
    if not (isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)):
        raise Refused(400, "block_actions without actions")
    if not all(_text(a.get("action_id")) for a in actions):
        raise Refused(400, "an action without an action_id")
    if not _our_button(actions[0]["action_id"]):
        raise Refused(404, "a click on a button this bot does not render")
    if not (isinstance(user, dict) and _text(user.get("id"))):
        raise Refused(400, "block_actions without a user")
    # The bot's buttons live in channel messages and are answered through the response_url.
    if not (isinstance(channel, dict) and _text(channel.get("id"))):
        raise Refused(400, "a click without its channel")
    if not _text(fields.get("response_url")):
        raise Refused(400, "a click without a response_url")


def check_shape(fields: dict[str, Any], origins: Origins, command: str = "/vehicle") -> None:
    """Refuse what the bot does not handle (404; 200 for events) or its listeners could not read (400)."""
    kind = _kind(fields)
    if kind == "command":
        _check_command(fields, command)
    elif kind == "block_actions":
        _check_click(fields)
    elif kind in _EVENT_KINDS:
        raise Refused(200, "an event this app does not subscribe to")
    elif not (kind == "url_verification" or (kind == "ssl_check" and fields.get("ssl_check") == "1")):
        raise Refused(404, f"a kind of request this bot does not handle ({escape(kind[:40]) or 'none'})")
    _check_ids(fields)
    response_url = fields.get("response_url")
    if response_url is not None and not (isinstance(response_url, str) and origins.allows(response_url)):
        raise Refused(400, "response_url is not Slack's")


async def bolt_request(
    request: web.Request, secret: bytes, origins: Origins, command: str, body_seconds: float
) -> AsyncBoltRequest:
    """A verified, decoded, well-formed Slack request for Bolt; raise Refused otherwise.

    `command` is SLACK_COMMAND (any other is refused), `body_seconds` HTTP_BODY_TIMEOUT_SECONDS.
    """
    try:
        async with body_deadline(body_seconds):
            body = await request.read()
    except BodyUnread as unread:
        raise Refused(unread.status, unread.reason) from None
    verify(secret, request.headers, body)
    fields = decode(request.content_type, body)
    check_shape(fields, origins, command)
    for key in _BOLT_WALKS:  # a signed url_verification whose `event` was a string gave 500
        fields.pop(key, None)
    # Bolt takes parsed bodies only in its Socket Mode form; the signature was verified above.
    return AsyncBoltRequest(
        body=fields, query=request.query_string, headers=dict(request.headers), mode="socket_mode"
    )
