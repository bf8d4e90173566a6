"""The pipeline's Slack Web API calls (chat.update, thread replies) as one JSON POST each.

slack_sdk's AsyncWebClient stays the client of every other call; here, two calls per vendor notification,
its per-call work (argument handling, its retry loop, building its response object) cost about as much
as the POST itself. The call goes through the client's own session, token, address and timeout, and a
failure is raised as slack_sdk's SlackApiError, so bot.slack.api_errors reads it as before. There is no
retry inside: the caller's queue paces every retry, so a render never sleeps on a 429 and a thread
reply is never posted again by the client after a connection error.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.runtime import fast_json


class WebApi:
    """Calls Web API methods with a JSON body, on the session of a slack_sdk client."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._headers = {
            "Authorization": f"Bearer {client.token}",
            "Content-Type": "application/json; charset=utf-8",
        }
        self._timeout = aiohttp.ClientTimeout(total=client.timeout)

    async def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Call `method`; Slack's answer, or SlackApiError when it is not ok (a 429 included)."""
        url = f"{self._client.base_url}{method}"
        body = fast_json.dumps(payload)
        session = self._client.session
        if session is None:  # a client without a session opens one per call, as slack_sdk does
            async with aiohttp.ClientSession() as own:
                return await self._post(own, url, body)
        return await self._post(session, url, body)

    async def _post(self, session: aiohttp.ClientSession, url: str, body: str) -> dict[str, Any]:
        async with session.post(url, data=body, headers=self._headers, timeout=self._timeout) as response:
            raw = await response.read()
            status, headers = response.status, dict(response.headers)
        try:
            data = orjson.loads(raw) if raw else {}
        except ValueError:
            data = {}
        if status == 200 and isinstance(data, dict) and data.get("ok"):
            return data
        answer = AsyncSlackResponse(
            client=self._client, http_verb="POST", api_url=url, req_args={},
            data=data if isinstance(data, dict) else {}, headers=headers, status_code=status,
        )  # fmt: skip
        message = f"{url.rsplit('/', 1)[-1]} failed: {answer.get('error') or status}"
        raise SlackApiError(message, answer)  # type: ignore[no-untyped-call]
