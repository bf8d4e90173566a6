"""Plays Slack towards the bot: signed slash commands and button clicks POSTed to /slack/events."""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import urlencode

import aiohttp

from bot.slack_emulator.models import JSON, Ephemeral, Message
from bot.slack_emulator.signing import SIGNATURE_HEADER, sign
from bot.slack_emulator.state import SlackState

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def find_action(blocks: list[JSON] | None, action_id: str) -> tuple[str, JSON] | None:
    """The (block_id, element) of the interactive element with this action_id, if the blocks hold one."""
    for index, block in enumerate(blocks or []):
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                # Slack assigns a block_id when the app gave none; any stable id serves here.
                return str(block.get("block_id") or f"emulator-block-{index}"), element
    return None


class SlackDriver:
    """Sends Slack-signed requests to the bot the way Slack does, using the emulator's response URLs."""

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        state: SlackState,
        session: aiohttp.ClientSession,
        *,
        events_path: str = "/slack/events",
        api_app_id: str = "A0EMULATOR",
    ) -> None:
        base = bot_url.rstrip("/")
        self.events_url = base if base.endswith(events_path) else base + events_path
        self._signing_secret = signing_secret
        self.state = state
        self.session = session
        self.api_app_id = api_app_id
        self.last_response_url: str | None = None

    def __repr__(self) -> str:
        return f"SlackDriver(events_url={self.events_url!r})"

    async def post_body(
        self,
        body: bytes,
        content_type: str = FORM_CONTENT_TYPE,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        signed: bool = True,
    ) -> aiohttp.ClientResponse:
        """POST a raw body signed as Slack would; `signature`/`timestamp` override it for rejection tests.

        The body is read before returning, so .status, .text() and .json() stay usable.
        """
        headers = {"Content-Type": content_type}
        if signed:
            headers.update(sign(self._signing_secret, body, timestamp))
            if signature is not None:
                headers[SIGNATURE_HEADER] = signature
        async with self.session.post(self.events_url, data=body, headers=headers) as response:
            await response.read()
        return response

    async def post_form(
        self,
        fields: dict[str, str],
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        signed: bool = True,
    ) -> aiohttp.ClientResponse:
        """POST form-encoded fields, signed."""
        body = urlencode(fields).encode()
        return await self.post_body(body, timestamp=timestamp, signature=signature, signed=signed)

    async def post_payload(
        self,
        payload: JSON,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        signed: bool = True,
    ) -> aiohttp.ClientResponse:
        """POST an interactivity payload as Slack does: a form with one `payload` field holding JSON."""
        fields = {"payload": json.dumps(payload)}
        return await self.post_form(fields, timestamp=timestamp, signature=signature, signed=signed)

    async def slash_command(
        self,
        command: str,
        text: str,
        user_id: str,
        channel_id: str,
        *,
        response_url: str | None = None,
        trigger_id: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        signed: bool = True,
    ) -> aiohttp.ClientResponse:
        """Invoke a slash command; a fresh response_url from the emulator is used unless one is given."""
        url = response_url or self.state.new_response_url(channel_id, user_id)
        self.last_response_url = url
        fields = {
            "token": "emulator-verification-token",
            "team_id": self.state.team_id,
            "team_domain": self.state.team_domain,
            "channel_id": channel_id,
            "channel_name": self._channel_name(channel_id),
            "user_id": user_id,
            "user_name": self._user_name(user_id),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": url,
            "trigger_id": trigger_id or self._trigger_id(),
        }
        return await self.post_form(fields, timestamp=timestamp, signature=signature, signed=signed)

    async def click(
        self,
        action_id: str,
        value: str | None,
        user_id: str,
        channel_id: str,
        *,
        message: Message | Ephemeral | None = None,
        block_id: str = "emulator-block",
        button_text: str = "Button",
        response_url: str | None = None,
        trigger_id: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        signed: bool = True,
    ) -> aiohttp.ClientResponse:
        """Click a button: a block_actions payload from `message` (channel message or ephemeral)."""
        if response_url is None:
            response_url = self.state.new_response_url(
                channel_id,
                user_id,
                message_ts=message.ts if isinstance(message, Message) else None,
                ephemeral_id=message.id if isinstance(message, Ephemeral) else None,
            )
        self.last_response_url = response_url
        action: JSON = {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": button_text, "emoji": True},
            "action_ts": f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        payload: JSON = {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": self._user_name(user_id),
                "name": self._user_name(user_id),
                "team_id": self.state.team_id,
            },
            "api_app_id": self.api_app_id,
            "token": "emulator-verification-token",
            "container": self._container(channel_id, message),
            "trigger_id": trigger_id or self._trigger_id(),
            "team": {"id": self.state.team_id, "domain": self.state.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": self._channel_name(channel_id)},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [action],
        }
        if isinstance(message, Message):
            payload["message"] = message.to_api(self.state.team_id)
        return await self.post_payload(payload, timestamp=timestamp, signature=signature, signed=signed)

    async def click_button(
        self,
        action_id: str,
        user_id: str,
        *,
        message: Message | Ephemeral | None = None,
        value: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        signed: bool = True,
    ) -> aiohttp.ClientResponse:
        """Click the button with this action_id in `message`, or in the newest message/ephemeral user sees.

        Raises LookupError when no such button is shown to the user.
        """
        candidates: list[Message | Ephemeral]
        if message is not None:
            candidates = [message]
        else:
            visible: list[Message | Ephemeral] = [
                *self.state.messages(),
                *self.state.ephemerals(user=user_id),
            ]
            candidates = sorted(visible, key=lambda m: float(m.ts), reverse=True)
        for candidate in candidates:
            found = find_action(candidate.blocks, action_id)
            if found is None:
                continue
            block_id, element = found
            text = element.get("text")
            label = str(text.get("text", "")) if isinstance(text, dict) else ""
            return await self.click(
                action_id,
                value if value is not None else element.get("value"),
                user_id,
                candidate.channel,
                message=candidate,
                block_id=block_id,
                button_text=label,
                timestamp=timestamp,
                signature=signature,
                signed=signed,
            )
        raise LookupError(f"no button with action_id {action_id!r} is shown to {user_id}")

    def _container(self, channel_id: str, message: Message | Ephemeral | None) -> JSON:
        container: JSON = {"type": "message", "channel_id": channel_id, "is_ephemeral": False}
        if message is not None:
            container["message_ts"] = message.ts
            container["is_ephemeral"] = isinstance(message, Ephemeral)
            if message.thread_ts:
                container["thread_ts"] = message.thread_ts
        return container

    def _user_name(self, user_id: str) -> str:
        user = self.state.users.get(user_id)
        return user.name if user is not None else user_id.lower()

    def _channel_name(self, channel_id: str) -> str:
        channel = self.state.channels.get(channel_id)
        if channel is None:
            return "unknown"
        return "directmessage" if channel.is_im else channel.name

    def _trigger_id(self) -> str:
        return f"{int(time.time())}.{self.state.team_id}.{secrets.token_hex(16)}"
