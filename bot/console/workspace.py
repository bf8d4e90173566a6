"""The demo workspace: its people, its channels and the bot's welcome message."""

from __future__ import annotations

from dataclasses import dataclass

from bot.slack_emulator import Message, SlackState
from bot.slack_emulator.models import JSON

OPS_CHANNEL = "C0FLEETOPS"
ALERTS_CHANNEL = "C0ALERTS"


@dataclass(frozen=True)
class DemoUser:
    """A person of the demo workspace; their rights come from bot/data/sample-policy.yaml."""

    id: str
    name: str
    role: str


USERS = (
    DemoUser("U0OPERATOR", "Olivia (operator)", "operator: everyday actions on the Paris vehicles"),
    DemoUser("U0SECURITY", "Sam (security lead)", "security: every action, approves immobilization"),
    DemoUser(
        "U0SECURITY2",
        "Sasha (security lead)",
        "security and fleet-lead: every action, approves immobilization, may go over a month's wake-ups",
    ),
    DemoUser("U0VISITOR", "Victor (no rights)", "no role: every action is denied"),
)

WELCOME_COMMANDS = (
    ("/vehicle unlock van-12", "van-12 is asleep and locked: watch it wake up, then unlock"),
    ("/vehicle car-21", "the card of car-21: one button per action you may run"),
    ("/vehicle locate van-14", "where van-14 is, with a map link"),
    ("/vehicle lock group:paris", "the three Paris vehicles at once: a preview, then one live message"),
)


def build_workspace() -> SlackState:
    """The emulated workspace: the demo users, #fleet-ops, #fleet-alerts and a DM with the bot each."""
    state = SlackState()
    for user in USERS:
        state.add_user(user.id, user.name, real_name=user.name)
    state.add_channel(OPS_CHANNEL, "fleet-ops")
    state.add_channel(ALERTS_CHANNEL, "fleet-alerts")
    state.add_usergroup("S0NIGHTSHIFT", "night-shift", [])
    for user in USERS:
        state.open_im(user.id)
    return state


def welcome_blocks() -> list[JSON]:
    """The bot's first message in #fleet-ops: what this is and a few commands to try."""
    tries = "\n".join(f"• `{command}`: {why}" for command, why in WELCOME_COMMANDS)
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "Welcome to the remote-bot demo :wave:"}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "Vehicles are *simulated* and Slack is emulated: nothing leaves this machine. "
                "Type a command in the box below, as the person chosen at the top left.",
            },
        },
        {"type": "divider"},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Three commands to try*\n{tries}"}},
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{user.name}*\n{user.role}"} for user in USERS],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": ":bulb: The fleet panel on the right puts a vehicle to sleep, takes it offline, "
                    "opens its doors or fails its next request; failures also reach <#C0ALERTS>.",
                }
            ],
        },
    ]


def post_welcome(state: SlackState) -> Message:
    """Post the welcome message in #fleet-ops as the bot."""
    text = "Welcome to the remote-bot demo. Try: " + ", ".join(c for c, _ in WELCOME_COMMANDS)
    return state.add_message(
        Message(
            channel=OPS_CHANNEL,
            ts=state.next_ts(),
            text=text,
            blocks=welcome_blocks(),
            user=state.bot_user_id,
            bot_id=state.bot_id,
        )
    )
