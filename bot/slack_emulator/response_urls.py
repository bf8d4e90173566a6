"""What a POST to a response_url does to the emulated workspace."""

from __future__ import annotations

from bot.slack_emulator.limits import check_message, parse_blocks
from bot.slack_emulator.methods import bool_param, optional_param, text_param
from bot.slack_emulator.models import JSON, ApiError, Edit, Ephemeral, Message, ResponseUrl
from bot.slack_emulator.state import SlackState


def check_usable(state: SlackState, record: ResponseUrl) -> None:
    """Raise expired_url after the TTL and used_url once the use budget is spent."""
    if state.clock() - record.created_at > state.response_url_ttl:
        raise ApiError("expired_url")
    if record.uses >= state.response_url_max_uses:
        raise ApiError("used_url")


def apply_payload(state: SlackState, record: ResponseUrl, payload: JSON) -> None:
    """Apply one response_url payload: delete/replace the source message, or post a new one."""
    origin = _origin(state, record)
    if bool_param(payload, "delete_original"):
        # With no source message (slash command) there is nothing to delete: a no-op, as recorded.
        if origin is not None:
            origin.deleted = True
            state.notify()
        return
    text = text_param(payload)
    blocks = parse_blocks(payload.get("blocks"))
    check_message(text, blocks, has_attachments=bool(payload.get("attachments")))
    if bool_param(payload, "replace_original") and origin is not None:
        origin.text, origin.blocks = text, blocks
        origin.edits.append(Edit(text=text, blocks=blocks, at=state.clock(), via="response_url"))
        state.notify()
        return
    thread_ts = optional_param(payload, "thread_ts")
    if payload.get("response_type") == "in_channel":
        state.add_message(
            Message(
                channel=record.channel,
                ts=state.next_ts(),
                text=text,
                blocks=blocks,
                user=state.bot_user_id,
                bot_id=state.bot_id,
                thread_ts=thread_ts,
                via="response_url",
            )
        )
    else:
        state.add_ephemeral(
            record.channel, record.user, text, blocks, thread_ts=thread_ts, via="response_url"
        )


def _origin(state: SlackState, record: ResponseUrl) -> Message | Ephemeral | None:
    if record.origin_ephemeral_id is not None:
        ephemeral = state.ephemeral(record.origin_ephemeral_id)
        return ephemeral if ephemeral is not None and not ephemeral.deleted else None
    if record.origin_message_ts is not None:
        message = state.message(record.channel, record.origin_message_ts)
        return message if message is not None and not message.deleted else None
    return None
