"""Slack Web API calls the bot makes about requests: post, update in place, thread reply, alert."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import SIMULATOR_BADGE, Message, plain, request_message
from bot.store.records import RequestRecord
from bot.usecases.ports import Posted

log = logging.getLogger(__name__)

# Slack answers these when the bot cannot write where it was asked to: the request then goes to a DM.
CANNOT_POST_HERE = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})
SLACK_TIMEOUT_SECONDS = 10
# Slack message metadata on every request message: the request it shows, so that a message whose ts was
# never stored (the process died, or Redis refused the write, right after chat.postMessage answered) is
# found again in its conversation's history instead of being posted twice.
REQUEST_EVENT_TYPE = "remote_request"
HISTORY_PAGE = 200
HISTORY_PAGES = 5  # at most this many pages of one conversation are read looking for a request message
HISTORY_MARGIN_SECONDS = 60.0  # the message is looked for from this long before the request was created


CANNOT_READ_HERE = frozenset({"not_in_channel", "channel_not_found", "missing_scope"})


def request_metadata(request_id: str) -> dict[str, Any]:
    """The metadata a request message carries: which request it shows."""
    return {"event_type": REQUEST_EVENT_TYPE, "event_payload": {"request_id": request_id}}


def shows_request(message: Mapping[str, Any], request_id: str) -> bool:
    """Whether a message from conversations.history is the message of this request."""
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != REQUEST_EVENT_TYPE:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, Mapping) and payload.get("request_id") == request_id


def build_slack_clients(
    token: str, base_url: str, session: aiohttp.ClientSession | None = None
) -> tuple[AsyncWebClient, AsyncWebClient]:
    """Two clients: one for idempotent calls (retries connection, 429, 5xx), one for posts (429 only).

    A chat.postMessage is never retried after a connection error: it may have been posted already.
    With `session` both keep their connections alive in it; without, slack_sdk opens a new
    connection (and session) for every call.
    """
    idempotent = AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        timeout=SLACK_TIMEOUT_SECONDS,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )
    posting = AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        timeout=SLACK_TIMEOUT_SECONDS,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
    )
    return idempotent, posting


class Messenger:
    """Posts and edits the messages of requests."""

    def __init__(
        self,
        client: AsyncWebClient,
        posting_client: AsyncWebClient,
        alert_channel: str | None,
        *,
        simulator: bool = False,
    ) -> None:
        self.client = client
        self.posting = posting_client  # the client that never retries a post (a retry could post twice)
        self._posting = posting_client
        self._alert_channel = alert_channel
        self._simulator = simulator

    async def post_request(self, record: RequestRecord) -> Posted:
        """Post the request message in its channel, or in the requester's DM when the bot cannot."""
        return await self.post_or_dm(
            record.channel, record.requester, request_message(record), request_metadata(record.id)
        )

    async def post_or_dm(
        self, channel: str, user: str, message: Message, metadata: dict[str, Any] | None = None
    ) -> Posted:
        """Post in `channel`, or in `user`'s DM when the bot cannot post there (not invited, archived)."""
        try:
            response = await self._posting.chat_postMessage(
                channel=channel, metadata=metadata, **message.as_kwargs()
            )
            return Posted(str(response["channel"]), str(response["ts"]), moved_to_dm=False)
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code not in CANNOT_POST_HERE:
                raise
        dm_channel = await self._dm_of(user)
        response = await self._posting.chat_postMessage(
            channel=dm_channel, metadata=metadata, **message.as_kwargs()
        )
        return Posted(dm_channel, str(response["ts"]), moved_to_dm=True, error=code)

    async def find_request(self, record: RequestRecord) -> Posted | None:
        """The message posted for `record`, found by the request id in its metadata: in the request's
        channel, else in the requester's DM (where it goes when the bot cannot post in the channel).

        None when neither holds it, or the bot cannot read them (a bot reads only the history of
        conversations it is a member of).
        """
        ts = await self._find_in(record.channel, record)
        if ts is not None:
            return Posted(record.channel, ts, moved_to_dm=False)
        dm_channel = await self._dm_of(record.requester)
        ts = await self._find_in(dm_channel, record)
        return None if ts is None else Posted(dm_channel, ts, moved_to_dm=True)

    async def _find_in(self, channel: str, record: RequestRecord) -> str | None:
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                page = await self.client.conversations_history(
                    channel=channel, oldest=f"{record.created_at - HISTORY_MARGIN_SECONDS:.6f}",
                    include_all_metadata=True, limit=HISTORY_PAGE, cursor=cursor,
                )  # fmt: skip
            except SlackApiError as error:
                code = str(error.response.get("error", ""))
                if code in CANNOT_READ_HERE:
                    log.warning(
                        "request %s: cannot read %s to find its message (%s)", record.id, channel, code
                    )
                    return None
                raise
            for message in page.get("messages") or []:
                if shows_request(message, record.id):
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                return None
        log.warning("request %s: its message not found in the last %d pages", record.id, HISTORY_PAGES)
        return None

    async def _dm_of(self, user: str) -> str:
        dm = await self.client.conversations_open(users=user)
        return str(dm["channel"]["id"])

    async def permalink(self, record: RequestRecord) -> str | None:
        """A link to the request message, when Slack gives one."""
        if record.message_channel is None or record.message_ts is None:
            return None
        try:
            response = await self.client.chat_getPermalink(
                channel=record.message_channel, message_ts=record.message_ts
            )
        except SlackApiError:
            return None
        return str(response["permalink"])

    async def alert(self, message: Message) -> bool:
        """Post to ALERT_CHANNEL when set; False when there is none or Slack refused."""
        if not self._alert_channel:
            return False
        if self._simulator:
            message = Message(
                f"[SIMULATOR] {message.text}", [plain(SIMULATOR_BADGE).blocks[0], *message.blocks]
            )
        try:
            await self._posting.chat_postMessage(channel=self._alert_channel, **message.as_kwargs())
        except SlackApiError as error:
            log.error("alert not posted to %s: %s", self._alert_channel, error.response.get("error"))
            return False
        return True
