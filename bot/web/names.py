"""Names the web app and its routes share: the paths and the typed keys of what the app holds."""

from __future__ import annotations

from aiohttp import web

from bot.services import Services

SLACK_PATH = "/slack/events"
CALLBACK_PATH = "/stellantis/notifications"

SERVICES_KEY = web.AppKey("services", Services)
