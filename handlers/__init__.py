"""Slack listeners: each acknowledges, decodes the Slack payload, calls one use case and answers.

Imports the catalogue (command parsing, usage), the use cases, Slack output (answers, blocks), the
service bundle, the runtime's log context, the vendor error tree and the store's `STORE_UNAVAILABLE`;
never Redis itself. Inside the bot only the wiring module imports this.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services import Services
from handlers.buttons import register_buttons
from handlers.commands import register_commands
from handlers.errors import register_errors


def register(app: AsyncApp, services: Services) -> None:
    """Register every listener on the Bolt app."""
    register_commands(app, services)
    register_buttons(app, services)
    register_errors(app)
