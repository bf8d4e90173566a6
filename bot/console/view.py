"""What one person of the demo workspace sees: their channels, the messages and their own ephemerals."""

from __future__ import annotations

from bot.catalogue.table import ROWS
from bot.console.workspace import USERS
from bot.slack_emulator import Ephemeral, Message, SlackState
from bot.slack_emulator.models import JSON


def _message(state: SlackState, message: Message) -> JSON:
    user = state.users.get(message.user)
    return {
        "ts": message.ts,
        "thread_ts": message.thread_ts,
        "user": message.user,
        "author": user.name if user is not None else message.user,
        "bot": message.bot_id is not None,
        "text": message.text,
        "blocks": message.blocks,
        "reply_count": len(state.replies(message.channel, message.ts)) if not message.thread_ts else 0,
    }


def _ephemeral(state: SlackState, ephemeral: Ephemeral) -> JSON:
    return {
        "ts": ephemeral.ts,
        "id": ephemeral.id,
        "thread_ts": ephemeral.thread_ts,
        "author": "Slackbot" if ephemeral.via == "slack" else state.bot_name,
        "bot": True,
        "ephemeral": True,
        "text": ephemeral.text,
        "blocks": ephemeral.blocks,
    }


def workspace_view(state: SlackState, user_id: str) -> JSON:
    """The workspace as `user_id` sees it: ephemerals of others are left out, as Slack leaves them out."""
    channels = [
        {"id": c.id, "name": c.name, "kind": "im" if c.is_im else "channel"}
        for c in state.channels.values()
        if c.has_member(user_id) and not c.is_mpim
    ]
    return {
        "me": user_id,
        "bot_user": state.bot_user_id,
        "users": {u.id: u.name for u in state.users.values()},
        "channels": channels,
        "messages": {
            c["id"]: [
                *(_message(state, m) for m in state.messages(c["id"])),
                *(_ephemeral(state, e) for e in state.ephemerals(c["id"], user_id)),
            ]
            for c in channels
        },
    }


def people() -> list[JSON]:
    """The demo users for the switcher."""
    return [{"id": u.id, "name": u.name, "role": u.role} for u in USERS]


# What Slack shows under the command while it is typed: the app manifest's words (a test keeps them equal).
COMMAND_DESCRIPTION = "Lock, locate, charge... a fleet vehicle and follow the request"
COMMAND_USAGE_HINT = "lock van-12 | state van-12 | help"


def suggestions(command: str) -> list[JSON]:
    """One line per typed subcommand, for the composer's suggestion list."""
    return [
        {"word": row.action.value, "usage": f"{command} {row.usage}", "title": row.title}
        for row in ROWS
        if row.typed
    ]
