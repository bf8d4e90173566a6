"""The one error handler: log the failure (never a secret) and tell the user something went wrong."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.slack import answers
from bot.store.errors import STORE_UNAVAILABLE

log = logging.getLogger(__name__)


async def on_error(error: Exception, body: dict[str, Any], respond: AsyncRespond | None) -> None:
    """Unexpected failures in listeners end here, after the acknowledgement."""
    text = answers.STORE_DOWN if isinstance(error, STORE_UNAVAILABLE) else answers.SOMETHING_WENT_WRONG
    log.error("listener failed: %s", type(error).__name__, exc_info=error)
    if respond is not None and body.get("response_url"):
        await respond(response_type="ephemeral", text=text)


def register_errors(app: AsyncApp) -> None:
    """Install the error handler."""
    app.error(on_error)
