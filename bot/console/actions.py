"""What the page asks Slack to do: a slash command or a button click, sent to the bot as Slack sends them."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import aiohttp

from bot.slack_emulator import Ephemeral, Message, SlackDriver, SlackState, find_action

log = logging.getLogger(__name__)


class ConsoleError(Exception):
    """A request the console refuses, with the words Slack would show the user."""


@dataclass(frozen=True)
class Click:
    """A click on a button of a channel message (ts) or of one of the user's ephemerals (ephemeral_id)."""

    user: str
    channel: str
    action_id: str
    ts: str | None = None
    ephemeral_id: str | None = None


def _slack_says(state: SlackState, channel: str, user: str, text: str, thread_ts: str | None) -> None:
    state.add_ephemeral(channel, user, text, None, thread_ts=thread_ts, via="slack")


async def run_command(
    driver: SlackDriver, user: str, channel: str, line: str, thread_ts: str | None = None
) -> None:
    """Invoke `/command text` as Slack does, and show what the bot's acknowledgement says."""
    state = driver.state
    command, _, text = line.strip().partition(" ")
    if thread_ts is not None:
        raise ConsoleError(f"{command} is not supported in threads. Sorry!")
    if channel not in state.channels or not state.channels[channel].has_member(user):
        raise ConsoleError("You are not in this channel.")
    try:
        response = await driver.slash_command(command, text.strip(), user, channel)
        body = await response.text()
    except aiohttp.ClientError as error:
        log.warning("slash command not delivered: %s", type(error).__name__)
        _slack_says(state, channel, user, f'{command} failed with the error "dispatch_failed"', None)
        return
    if response.status != 200:
        _slack_says(state, channel, user, f'{command} failed with the error "http_{response.status}"', None)
        return
    _show_acknowledgement(state, channel, user, body)


def _show_acknowledgement(state: SlackState, channel: str, user: str, body: str) -> None:
    """An acknowledgement with a body is a message: ephemeral unless it says in_channel, as in Slack."""
    if not body.strip():
        return
    try:
        answer = json.loads(body)
    except ValueError:
        answer = {"text": body}
    if not isinstance(answer, dict) or not (answer.get("text") or answer.get("blocks")):
        return
    text, blocks = str(answer.get("text") or ""), answer.get("blocks")
    if answer.get("response_type") == "in_channel":
        state.add_message(
            Message(channel, state.next_ts(), text, blocks, user=state.bot_user_id, bot_id=state.bot_id)
        )
    else:
        state.add_ephemeral(channel, user, text, blocks, via="acknowledgement")


def _source(state: SlackState, click: Click) -> Message | Ephemeral:
    if click.ephemeral_id is not None:
        ephemeral = state.ephemeral(click.ephemeral_id)
        if ephemeral is None or ephemeral.deleted or ephemeral.user != click.user:
            raise ConsoleError("This message is no longer there.")
        return ephemeral
    message = state.message(click.channel, click.ts or "")
    if message is None or message.deleted:
        raise ConsoleError("This message is no longer there.")
    return message


async def run_click(driver: SlackDriver, click: Click) -> None:
    """Send the block_actions payload of a click on a shown button."""
    source = _source(driver.state, click)
    found = find_action(source.blocks, click.action_id)
    if found is None:
        raise ConsoleError("This button is no longer there.")
    block_id, element = found
    label = element.get("text")
    try:
        await driver.click(
            click.action_id,
            element.get("value"),
            click.user,
            source.channel,
            message=source,
            block_id=block_id,
            button_text=str(label.get("text", "")) if isinstance(label, dict) else "",
        )
    except aiohttp.ClientError as error:
        log.warning("click not delivered: %s", type(error).__name__)
        raise ConsoleError("The app did not answer.") from None
