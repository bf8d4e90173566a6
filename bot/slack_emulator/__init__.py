"""A stateful, in-process fake of the Slack Web API plus a driver that plays Slack towards the bot.

Imports nothing else of the bot; only the console, the demo, the tests and the benchmarks use it.
"""

from bot.slack_emulator.driver import SlackDriver, find_action
from bot.slack_emulator.methods import METHODS
from bot.slack_emulator.models import (
    ApiError,
    CallRecord,
    Channel,
    Edit,
    Ephemeral,
    Message,
    ResponseUrl,
    User,
    UserGroup,
)
from bot.slack_emulator.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.slack_emulator.state import DEFAULT_BOT_TOKEN, SlackState
from bot.slack_emulator.web_api import STATE_KEY, RunningSlack, build_slack_api_app, start_slack_emulator

__all__ = [
    "DEFAULT_BOT_TOKEN",
    "METHODS",
    "SIGNATURE_HEADER",
    "STATE_KEY",
    "TIMESTAMP_HEADER",
    "ApiError",
    "CallRecord",
    "Channel",
    "Edit",
    "Ephemeral",
    "Message",
    "ResponseUrl",
    "RunningSlack",
    "SlackDriver",
    "SlackState",
    "User",
    "UserGroup",
    "build_slack_api_app",
    "find_action",
    "sign",
    "start_slack_emulator",
]
