"""Records kept by the Slack emulator: users, channels, messages, ephemerals, response URLs, calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]

FaultKind = Literal["error", "ratelimit", "server_error"]


class ApiError(Exception):
    """A Web API failure answered as {"ok": false, "error": error} with optional detail messages."""

    def __init__(self, error: str, *messages: str) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)


@dataclass
class User:
    """A workspace member (human or bot)."""

    id: str
    name: str
    real_name: str = ""
    email: str | None = None
    is_bot: bool = False
    deleted: bool = False
    tz: str = "Europe/Paris"

    def to_api(self) -> JSON:
        """The user object as users.info returns it."""
        profile: JSON = {"real_name": self.real_name or self.name, "display_name": self.name}
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "name": self.name,
            "real_name": self.real_name or self.name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "tz": self.tz,
            "profile": profile,
        }


@dataclass
class Channel:
    """A conversation; `members` None means every user is in it."""

    id: str
    name: str
    bot_is_member: bool = True
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_archived: bool = False
    members: set[str] | None = None

    def has_member(self, user_id: str) -> bool:
        """Whether the user is in this conversation."""
        return self.members is None or user_id in self.members

    def to_api(self) -> JSON:
        """The conversation object as conversations.open returns it."""
        data: JSON = {
            "id": self.id,
            "is_channel": not (self.is_im or self.is_mpim or self.is_private),
            "is_group": self.is_private,
            "is_im": self.is_im,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private or self.is_im or self.is_mpim,
            "is_archived": self.is_archived,
            "is_member": self.bot_is_member,
        }
        if not self.is_im:
            data["name"] = self.name
        elif self.members:
            data["user"] = next(iter(sorted(self.members)))
        return data


@dataclass
class Edit:
    """One change of a message's content, in the order applied."""

    text: str
    blocks: list[JSON] | None
    at: float
    via: str  # "chat.update" or "response_url"


@dataclass
class Message:
    """A channel-visible message (top level or thread reply)."""

    channel: str
    ts: str
    text: str
    blocks: list[JSON] | None
    user: str
    bot_id: str | None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    via: str = "chat.postMessage"
    deleted: bool = False
    edits: list[Edit] = field(default_factory=list)
    metadata: JSON | None = None  # chat.postMessage's `metadata`: {"event_type", "event_payload"}

    def to_api(self, team_id: str, *, include_metadata: bool = False) -> JSON:
        """The message object as the Web API and interaction payloads show it (its metadata only when
        asked for, as conversations.history's include_all_metadata does)."""
        data: JSON = {"type": "message", "text": self.text, "user": self.user, "ts": self.ts, "team": team_id}
        if include_metadata and self.metadata is not None:
            data["metadata"] = self.metadata
        if self.bot_id:
            data["bot_id"] = self.bot_id
        if self.blocks is not None:
            data["blocks"] = self.blocks
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.edits:
            data["edited"] = {"user": self.user, "ts": self.ts}
        return data


@dataclass
class Ephemeral:
    """A message only `user` sees in `channel`; chat.update cannot reach it, its response_url can."""

    id: str
    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JSON] | None
    thread_ts: str | None = None
    via: str = "chat.postEphemeral"
    deleted: bool = False
    edits: list[Edit] = field(default_factory=list)


@dataclass
class ResponseUrl:
    """A response_url handed out with a slash command or an interaction."""

    id: str
    url: str
    channel: str
    user: str
    created_at: float
    origin_message_ts: str | None = None
    origin_ephemeral_id: str | None = None
    uses: int = 0
    posts: list[JSON] = field(default_factory=list)


@dataclass
class UserGroup:
    """A user group (subteam) and its members."""

    id: str
    handle: str
    members: list[str] = field(default_factory=list)


@dataclass
class CallRecord:
    """One request the emulator received and how it answered."""

    method: str
    params: JSON
    at: float
    status: int = 200
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.status == 200 and self.error is None


@dataclass
class Fault:
    """An injected failure waiting for the next calls of one method."""

    kind: FaultKind
    remaining: int
    error: str = ""
    status: int = 500
    retry_after: int = 1
