"""Slack Web API calls the bot makes about requests: post, update in place, thread reply, alert."""

from __future__ import annotations

import logging

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
        self._posting = posting_client
        self._alert_channel = alert_channel
        self._simulator = simulator

    async def post_request(self, record: RequestRecord) -> Posted:
        """Post the request message in its channel, or in the requester's DM when the bot cannot."""
        message = request_message(record)
        try:
            response = await self._posting.chat_postMessage(channel=record.channel, **message.as_kwargs())
            return Posted(str(response["channel"]), str(response["ts"]), moved_to_dm=False)
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            if code not in CANNOT_POST_HERE:
                raise
        dm = await self.client.conversations_open(users=record.requester)
        dm_channel = str(dm["channel"]["id"])
        response = await self._posting.chat_postMessage(channel=dm_channel, **message.as_kwargs())
        return Posted(dm_channel, str(response["ts"]), moved_to_dm=True, error=code)

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
