"""A bare Bolt app that only acknowledges `/vehicle`: the floor the bot's acknowledgement is compared to."""

from __future__ import annotations

import sys
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.event_loop import new_event_loop


def build(signing_secret: str, api_url: str, token: str) -> web.Application:
    """The same serving path as the bot (aiohttp + Bolt's adapter), with a listener that only acks."""
    bolt = AsyncApp(signing_secret=signing_secret, client=AsyncWebClient(token=token, base_url=api_url))

    async def only_ack(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()

    bolt.command("/vehicle")(only_ack)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    return app


if __name__ == "__main__":
    port, secret, api_url, token = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    # The same event loop as the bot's (uvloop where it exists), so the comparison is of the apps alone.
    web.run_app(build(secret, api_url, token), host="127.0.0.1", port=port, print=None, loop=new_event_loop())
