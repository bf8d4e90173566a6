"""Web API methods the emulator serves, as functions of (state, params) raising ApiError on failure."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from bot.slack_emulator.limits import check_message, parse_blocks
from bot.slack_emulator.models import JSON, ApiError, Channel, Edit, Message
from bot.slack_emulator.state import SlackState

MAX_MPIM_USERS = 8
HISTORY_DEFAULT_LIMIT = 100
HISTORY_MAX_LIMIT = 999


@dataclass(frozen=True)
class MethodSpec:
    """A served method: the params Slack requires (else invalid_arguments) and its implementation."""

    required: tuple[str, ...]
    run: Callable[[SlackState, JSON], JSON]


def text_param(params: JSON, key: str = "text") -> str:
    """A string param, "" when absent."""
    value = params.get(key)
    return "" if value is None else str(value)


def optional_param(params: JSON, key: str) -> str | None:
    """A string param, None when absent or empty."""
    value = params.get(key)
    return str(value) if value not in (None, "") else None


def bool_param(params: JSON, key: str) -> bool:
    """A boolean param as JSON (true) or form ("true", "1") sends it."""
    value = params.get(key)
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1")


def resolve_channel(state: SlackState, raw: str) -> Channel:
    """The channel named by an id, a user id (their DM with the bot) or a #name; else channel_not_found."""
    if raw in state.channels:
        return state.channels[raw]
    if raw in state.users:
        return state.open_im(raw)
    name = raw.removeprefix("#")
    for channel in state.channels.values():
        if channel.name == name and not channel.is_im:
            return channel
    raise ApiError("channel_not_found")


def message_url(state: SlackState, message: Message) -> str:
    """The permalink Slack would give for a message."""
    url = f"https://{state.team_domain}.slack.com/archives/{message.channel}/p{message.ts.replace('.', '')}"
    if message.thread_ts and message.thread_ts != message.ts:
        url += f"?thread_ts={message.thread_ts}&cid={message.channel}"
    return url


def auth_test(state: SlackState, params: JSON) -> JSON:
    """auth.test: the bot's identity."""
    return {
        "url": f"https://{state.team_domain}.slack.com/",
        "team": state.team_domain,
        "user": state.bot_name,
        "team_id": state.team_id,
        "user_id": state.bot_user_id,
        "bot_id": state.bot_id,
        "is_enterprise_install": False,
    }


def chat_post_message(state: SlackState, params: JSON) -> JSON:
    """chat.postMessage: a channel-visible message, or a thread reply with thread_ts."""
    channel = resolve_channel(state, str(params["channel"]))
    text = text_param(params)
    blocks = parse_blocks(params.get("blocks"))
    check_message(text, blocks, has_attachments=bool(params.get("attachments")))
    if channel.is_archived:
        raise ApiError("is_archived")
    if not channel.bot_is_member:
        raise ApiError("not_in_channel")
    message = state.add_message(
        Message(
            channel=channel.id,
            ts=state.next_ts(),
            text=text,
            blocks=blocks,
            user=state.bot_user_id,
            bot_id=state.bot_id,
            thread_ts=optional_param(params, "thread_ts"),
            reply_broadcast=bool_param(params, "reply_broadcast"),
            metadata=parse_metadata(params.get("metadata")),
        )
    )
    return {"channel": channel.id, "ts": message.ts, "message": message.to_api(state.team_id)}


def parse_metadata(raw: object) -> JSON | None:
    """Message metadata from a JSON body (an object) or a form field (a JSON string): an `event_type`
    string and an `event_payload` object, else `invalid_metadata_format`."""
    if raw is None or raw == "":
        return None
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            raise ApiError("invalid_metadata_format") from None
    if not isinstance(value, dict):
        raise ApiError("invalid_metadata_format")
    event_type, payload = value.get("event_type"), value.get("event_payload")
    if not isinstance(event_type, str) or not event_type or not isinstance(payload, dict):
        raise ApiError("invalid_metadata_format")
    return {"event_type": event_type, "event_payload": payload}


def conversations_history(state: SlackState, params: JSON) -> JSON:
    """conversations.history: a conversation's top-level messages, newest first, between `oldest` and
    `latest`, paged by cursor; each message's metadata only with include_all_metadata."""
    channel = state.channels.get(text_param(params, "channel"))
    if channel is None:  # a missing channel too (Slack's spec does not mark it required)
        raise ApiError("channel_not_found")
    if not channel.bot_is_member:
        raise ApiError("not_in_channel")
    inclusive = bool_param(params, "inclusive")
    oldest = float(optional_param(params, "oldest") or 0)
    latest = float(optional_param(params, "latest") or "inf")
    limit = min(int(optional_param(params, "limit") or HISTORY_DEFAULT_LIMIT), HISTORY_MAX_LIMIT)
    start = int(optional_param(params, "cursor") or 0)

    def within(ts: float) -> bool:
        return (oldest <= ts <= latest) if inclusive else (oldest < ts < latest)

    visible = [
        m
        for m in reversed(state.messages(channel.id))
        if (m.thread_ts in (None, m.ts) or m.reply_broadcast) and within(float(m.ts))
    ]
    page = visible[start : start + limit]
    more = start + limit < len(visible)
    metadata = bool_param(params, "include_all_metadata")
    return {
        "messages": [m.to_api(state.team_id, include_metadata=metadata) for m in page],
        "has_more": more,
        "pin_count": 0,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def chat_update(state: SlackState, params: JSON) -> JSON:
    """chat.update: edit a bot message in place; ephemerals and others' messages cannot be edited."""
    channel = resolve_channel(state, str(params["channel"]))
    message = state.message(channel.id, str(params["ts"]))
    if message is None or message.deleted:
        raise ApiError("message_not_found")
    if message.user != state.bot_user_id:
        raise ApiError("cant_update_message")
    text = text_param(params)
    # Slack keeps the previous blocks when the update omits them; [] removes them.
    blocks = parse_blocks(params["blocks"]) if "blocks" in params else message.blocks
    if blocks == []:
        blocks = None
    if not text and "blocks" not in params and not params.get("attachments"):
        raise ApiError("no_text")
    check_message(text, blocks, has_attachments=bool(params.get("attachments")))
    message.text, message.blocks = text, blocks
    message.edits.append(Edit(text=text, blocks=blocks, at=state.clock(), via="chat.update"))
    state.notify()
    return {"channel": channel.id, "ts": message.ts, "text": text, "message": message.to_api(state.team_id)}


def chat_post_ephemeral(state: SlackState, params: JSON) -> JSON:
    """chat.postEphemeral: a message only one member of the channel sees."""
    channel = resolve_channel(state, str(params["channel"]))
    user = str(params["user"])
    text = text_param(params)
    blocks = parse_blocks(params.get("blocks"))
    check_message(text, blocks, has_attachments=bool(params.get("attachments")))
    if channel.is_archived:
        raise ApiError("is_archived")
    if not channel.bot_is_member:
        raise ApiError("not_in_channel")
    if user not in state.users or not channel.has_member(user):
        raise ApiError("user_not_in_channel")
    ephemeral = state.add_ephemeral(
        channel.id, user, text, blocks, thread_ts=optional_param(params, "thread_ts")
    )
    return {"message_ts": ephemeral.ts}


def chat_get_permalink(state: SlackState, params: JSON) -> JSON:
    """chat.getPermalink: the link of a channel-visible message."""
    channel = resolve_channel(state, str(params["channel"]))
    message = state.message(channel.id, str(params["message_ts"]))
    if message is None or message.deleted:
        raise ApiError("message_not_found")
    return {"channel": channel.id, "permalink": message_url(state, message)}


def conversations_open(state: SlackState, params: JSON) -> JSON:
    """conversations.open: a DM with one user or a group DM with several (or resume `channel`)."""
    channel_id = optional_param(params, "channel")
    if channel_id is not None:
        channel = state.channels.get(channel_id)
        if channel is None or not (channel.is_im or channel.is_mpim):
            raise ApiError("channel_not_found")
        return {"channel": channel.to_api(), "already_open": True}
    raw_users = params.get("users")
    user_ids = raw_users if isinstance(raw_users, list) else str(raw_users or "").split(",")
    user_ids = [u.strip() for u in user_ids if u.strip()]
    if not user_ids:
        raise ApiError("users_list_not_supplied")
    if len(user_ids) > MAX_MPIM_USERS:
        raise ApiError("too_many_users")
    for user_id in user_ids:
        if user_id not in state.users:
            raise ApiError("user_not_found")
    before = set(state.channels)
    channel = state.open_im(user_ids[0]) if len(user_ids) == 1 else state.open_mpim(user_ids)
    return {"channel": channel.to_api(), "already_open": channel.id in before}


def usergroups_users_list(state: SlackState, params: JSON) -> JSON:
    """usergroups.users.list: the member ids of a user group."""
    group = state.usergroups.get(str(params["usergroup"]))
    if group is None:
        raise ApiError("no_such_subteam")
    return {"users": list(group.members)}


def users_info(state: SlackState, params: JSON) -> JSON:
    """users.info: one user's profile."""
    user = state.users.get(text_param(params, "user"))
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user.to_api()}


METHODS: dict[str, MethodSpec] = {
    "auth.test": MethodSpec((), auth_test),
    "chat.postMessage": MethodSpec(("channel",), chat_post_message),
    "chat.update": MethodSpec(("channel", "ts"), chat_update),
    "chat.postEphemeral": MethodSpec(("channel", "user"), chat_post_ephemeral),
    "chat.getPermalink": MethodSpec(("channel", "message_ts"), chat_get_permalink),
    "conversations.open": MethodSpec((), conversations_open),
    "conversations.history": MethodSpec((), conversations_history),
    "usergroups.users.list": MethodSpec(("usergroup",), usergroups_users_list),
    "users.info": MethodSpec((), users_info),
}
