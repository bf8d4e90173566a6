"""Slack listeners: slash commands, buttons and errors."""

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
