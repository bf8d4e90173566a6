"""The emulated workspace: its records, injected faults, call log and change notifications."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from bot.slack_emulator.models import (
    JSON,
    CallRecord,
    Channel,
    Ephemeral,
    Fault,
    Message,
    ResponseUrl,
    User,
    UserGroup,
)

T = TypeVar("T")

DEFAULT_BOT_TOKEN = "xoxb-emulator-token"
RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_TTL_SECONDS = 30 * 60.0


class SlackState:
    """Everything the emulated workspace knows; mutate through methods so waiters are woken."""

    def __init__(
        self,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        team_id: str = "T0EMULATOR",
        team_domain: str = "emulator",
        bot_user_id: str = "U0BOT",
        bot_id: str = "B0BOT",
        bot_name: str = "remote-bot",
        response_url_max_uses: int = RESPONSE_URL_MAX_USES,
        response_url_ttl: float = RESPONSE_URL_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot_token = bot_token
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.response_url_max_uses = response_url_max_uses
        self.response_url_ttl = response_url_ttl
        self.clock = clock
        # Set by start_slack_emulator (or by whoever mounts the app) so response URLs are absolute.
        self.base_url: str | None = None

        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.all_messages: list[Message] = []
        self.all_ephemerals: list[Ephemeral] = []
        self.response_urls: dict[str, ResponseUrl] = {}
        self.call_log: list[CallRecord] = []
        self._faults: dict[str, deque[Fault]] = {}
        self._last_ts_us = 0
        self._counter = 0
        self._changed = asyncio.Event()
        self.add_user(bot_user_id, bot_name, is_bot=True)

    def __repr__(self) -> str:
        return (
            f"SlackState(team_id={self.team_id!r}, users={len(self.users)}, channels={len(self.channels)}, "
            f"messages={len(self.all_messages)}, calls={len(self.call_log)})"
        )

    # --- identity -------------------------------------------------------------------------------

    def token_matches(self, token: str | None) -> bool:
        """Whether a request's token is the configured bot token."""
        return token is not None and secrets.compare_digest(token.encode(), self._bot_token.encode())

    # --- setup ----------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str = "",
        email: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> User:
        """Create or replace a user."""
        user = User(id=user_id, name=name, real_name=real_name, email=email, is_bot=is_bot, deleted=deleted)
        self.users[user_id] = user
        self.notify()
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        bot_is_member: bool = True,
        is_private: bool = False,
        is_archived: bool = False,
        members: set[str] | None = None,
    ) -> Channel:
        """Create or replace a channel; `members` None means every user is in it."""
        channel = Channel(
            id=channel_id,
            name=name,
            bot_is_member=bot_is_member,
            is_private=is_private,
            is_archived=is_archived,
            members=members,
        )
        self.channels[channel_id] = channel
        self.notify()
        return channel

    def add_usergroup(self, group_id: str, handle: str, members: list[str]) -> UserGroup:
        """Create or replace a user group with its members."""
        group = UserGroup(id=group_id, handle=handle, members=list(members))
        self.usergroups[group_id] = group
        self.notify()
        return group

    def open_im(self, user_id: str) -> Channel:
        """The bot's direct-message channel with a user, created on first use."""
        for channel in self.channels.values():
            if channel.is_im and channel.members == {user_id}:
                return channel
        channel = Channel(id=f"D{self._next_number():08d}", name=user_id, is_im=True, members={user_id})
        self.channels[channel.id] = channel
        self.notify()
        return channel

    def open_mpim(self, user_ids: list[str]) -> Channel:
        """The multi-person direct message with these users, created on first use."""
        wanted = set(user_ids)
        for channel in self.channels.values():
            if channel.is_mpim and channel.members == wanted:
                return channel
        name = "mpdm-" + "--".join(sorted(wanted))
        channel = Channel(id=f"G{self._next_number():08d}", name=name, is_mpim=True, members=wanted)
        self.channels[channel.id] = channel
        self.notify()
        return channel

    # --- queries --------------------------------------------------------------------------------

    def messages(self, channel: str | None = None, *, include_deleted: bool = False) -> list[Message]:
        """Channel-visible messages (top level and replies) in posting order."""
        return [
            m
            for m in self.all_messages
            if (channel is None or m.channel == channel) and (include_deleted or not m.deleted)
        ]

    def message(self, channel: str, ts: str) -> Message | None:
        """The message with this ts in this channel, if any."""
        for m in self.all_messages:
            if m.channel == channel and m.ts == ts:
                return m
        return None

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        """Replies in a thread (not the parent), oldest first."""
        return [m for m in self.messages(channel) if m.thread_ts == thread_ts and m.ts != thread_ts]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Ephemeral]:
        """Ephemeral messages still shown, optionally for one channel and/or user."""
        return [
            e
            for e in self.all_ephemerals
            if not e.deleted
            and (channel is None or e.channel == channel)
            and (user is None or e.user == user)
        ]

    def ephemeral(self, ephemeral_id: str) -> Ephemeral | None:
        """The ephemeral message with this id, if any."""
        return next((e for e in self.all_ephemerals if e.id == ephemeral_id), None)

    def calls(self, method: str | None = None) -> list[CallRecord]:
        """Recorded calls, optionally of one method ("response_url" for response URL posts)."""
        return [c for c in self.call_log if method is None or c.method == method]

    def call_count(self, method: str, *, ok_only: bool = False) -> int:
        """How many times a method was called (only successful calls if ok_only)."""
        return sum(1 for c in self.calls(method) if c.ok or not ok_only)

    # --- records (used by the web app) ---------------------------------------------------------

    def next_ts(self) -> str:
        """A message ts, unique and strictly increasing."""
        now_us = int(time.time() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def add_message(self, message: Message) -> Message:
        """Store a channel-visible message."""
        self.all_messages.append(message)
        self.notify()
        return message

    def add_ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[JSON] | None,
        *,
        thread_ts: str | None = None,
        via: str = "chat.postEphemeral",
    ) -> Ephemeral:
        """Store an ephemeral message and give it an id and a ts."""
        ephemeral = Ephemeral(
            id=f"eph-{self._next_number()}",
            channel=channel,
            user=user,
            ts=self.next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            via=via,
        )
        self.all_ephemerals.append(ephemeral)
        self.notify()
        return ephemeral

    def record_call(self, record: CallRecord) -> None:
        """Append a call to the log."""
        self.call_log.append(record)
        self.notify()

    # --- response URLs ---------------------------------------------------------------------------

    def new_response_url(
        self,
        channel: str,
        user: str,
        *,
        message_ts: str | None = None,
        ephemeral_id: str | None = None,
    ) -> str:
        """Hand out a response_url for an invocation in `channel` by `user`, tied to its source message."""
        if self.base_url is None:
            raise RuntimeError("SlackState.base_url is not set: start the emulator first")
        url_id = secrets.token_urlsafe(12)
        url = f"{self.base_url.rstrip('/')}/response/{url_id}"
        self.response_urls[url_id] = ResponseUrl(
            id=url_id,
            url=url,
            channel=channel,
            user=user,
            created_at=self.clock(),
            origin_message_ts=message_ts,
            origin_ephemeral_id=ephemeral_id,
        )
        return url

    def response_url_record(self, url: str) -> ResponseUrl | None:
        """The record behind a response_url (full URL or id)."""
        return self.response_urls.get(url.rstrip("/").rsplit("/", 1)[-1])

    # --- fault injection -----------------------------------------------------------------------

    def fail_next(self, method: str, error: str = "not_in_channel", times: int = 1) -> None:
        """The next `times` calls of `method` answer {"ok": false, "error": error}."""
        self._add_fault(method, Fault(kind="error", remaining=times, error=error))

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 429 with Retry-After and error "ratelimited"."""
        self._add_fault(method, Fault(kind="ratelimit", remaining=times, retry_after=retry_after))

    def server_error_next(self, method: str, status: int = 500, times: int = 1) -> None:
        """The next `times` calls of `method` answer with this HTTP 5xx status."""
        self._add_fault(method, Fault(kind="server_error", remaining=times, status=status))

    def take_fault(self, method: str) -> Fault | None:
        """Consume one use of the oldest fault waiting for `method`, if any."""
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        return fault

    def _add_fault(self, method: str, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        self._faults.setdefault(method, deque()).append(fault)

    # --- change notification -------------------------------------------------------------------

    def notify(self) -> None:
        """Wake every wait_for so it re-checks its predicate."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # The timeout parameter is the agreed test-facing API (asyncio.timeout is used inside).
    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0) -> T:
        """Wait until predicate() is truthy (re-checked on every state change) and return its value."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    changed = self._changed
                    result = predicate()
                    if result:
                        return result
                    await changed.wait()
        except TimeoutError:
            raise TimeoutError(f"Slack emulator condition not met within {timeout}s") from None

    def _next_number(self) -> int:
        self._counter += 1
        return self._counter
