"""Slack's door: what is not signed and well formed is refused before Bolt, without side effects."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from aiohttp import web

from bot.slack_emulator import sign
from tests.app_support import CHANNEL, OPERATOR, SIGNING_SECRET, BotUnderTest, serve


@pytest.fixture
async def trap() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A URL of an attacker's choosing that records whatever is POSTed to it."""
    received: list[bytes] = []

    async def record(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{tail:.*}", record)
    runner, url = await serve(app)
    yield f"{url}/steal", received
    await runner.cleanup()


def _command_body(text: str, response_url: str = "", **fields: str) -> bytes:
    form = {
        "command": "/vehicle", "text": text, "user_id": OPERATOR, "user_name": "operator",
        "channel_id": CHANNEL, "channel_name": "fleet-ops", "team_id": "T0", "response_url": response_url,
    }  # fmt: skip
    form.update(fields)  # an empty value removes a field's content
    return urlencode(form).encode()


async def _post(bot: BotUnderTest, body: bytes, headers: dict[str, str]) -> int:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    async with bot.session.post(bot.url + "/slack/events", data=body, headers=headers) as response:
        await response.read()
        return response.status


async def _a_valid_command_is_answered(bot: BotUnderTest) -> None:
    """A signed `whoami` afterwards gets its answer: whatever came before had every chance to act."""
    before = len(bot.slack.ephemerals(user=OPERATOR))
    await bot.command("whoami")
    await bot.slack.wait_for(lambda: len(bot.slack.ephemerals(user=OPERATOR)) > before)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=é"},
        {},
    ],
    ids=["non-integer-timestamp", "empty-timestamp", "non-ascii-signature", "no-headers"],
)
async def test_an_unsigned_request_is_refused_and_its_response_url_never_called(
    bot: BotUnderTest, trap: tuple[str, list[bytes]], headers: dict[str, str]
) -> None:
    """401, and the bot never POSTs to the response_url the sender chose (no reflector)."""
    url, received = trap
    assert await _post(bot, _command_body("lock van-12", url), headers) == 401
    await _a_valid_command_is_answered(bot)
    assert received == [] and bot.simulator.remote_posts == []


@pytest.mark.parametrize(
    "body",
    [b"{", b"payload=x", b"payload=null", b"\xff\xfe", b"payload=" + b"[" * 5000, b"payload=%5B1%5D"],
    ids=["brace", "payload-not-json", "payload-null", "not-utf8", "deep", "payload-list"],
)
async def test_a_signed_but_unreadable_body_is_a_400_not_a_500(bot: BotUnderTest, body: bytes) -> None:
    """Signed junk is refused as a bad request and nothing happens."""
    assert await _post(bot, body, sign(SIGNING_SECRET, body)) == 400
    assert bot.simulator.remote_posts == []


@pytest.mark.parametrize(
    "actions",
    [[{"action_id": 5, "value": "x"}], {"action_id": "rb_retry"}, [], ["rb_retry"]],
    ids=["action-id-not-text", "actions-not-a-list", "no-actions", "action-not-an-object"],
)
async def test_a_signed_click_of_an_unexpected_shape_is_a_400(bot: BotUnderTest, actions: object) -> None:
    """A block_actions payload the listeners could not read never reaches them."""
    payload = {
        "type": "block_actions", "user": {"id": OPERATOR}, "channel": {"id": CHANNEL},
        "response_url": bot.slack.new_response_url(CHANNEL, OPERATOR), "actions": actions,
    }  # fmt: skip
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert await _post(bot, body, sign(SIGNING_SECRET, body)) == 400


@pytest.mark.parametrize("missing", ["user_id", "channel_id", "response_url"])
async def test_a_signed_command_without_its_ids_is_a_400(bot: BotUnderTest, missing: str) -> None:
    """A slash command missing who, where or how to answer is refused at once, not after 3 s."""
    fields = {"response_url": bot.slack.new_response_url(CHANNEL, OPERATOR), missing: ""}
    body = _command_body("lock van-12", **fields)
    assert await _post(bot, body, sign(SIGNING_SECRET, body)) == 400
    assert bot.simulator.remote_posts == []


async def test_a_response_url_outside_slack_is_refused_even_when_signed(
    bot: BotUnderTest, trap: tuple[str, list[bytes]]
) -> None:
    """Only Slack's own response_url host is ever answered (SLACK_RESPONSE_ORIGINS)."""
    url, received = trap
    body = _command_body("whoami", url)
    assert await _post(bot, body, sign(SIGNING_SECRET, body)) == 400
    await _a_valid_command_is_answered(bot)
    assert received == []


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("history payload", {}),
        ("whoami", {"user_name": "payload-team"}),
        ("whoami", {"channel_name": "payload"}),
    ],
    ids=["text", "user-name", "channel-name"],
)
async def test_a_command_containing_the_word_payload_is_answered(
    bot: BotUnderTest, text: str, fields: dict[str, str]
) -> None:
    """slack-bolt takes any form body containing "payload" for a click; the edge reads it as a command."""
    body = _command_body(text, bot.slack.new_response_url(CHANNEL, OPERATOR), **fields)
    assert await _post(bot, body, sign(SIGNING_SECRET, body)) == 200
    answer = await bot.last_private_answer(OPERATOR)
    assert "payload" in answer.lower() if text.startswith("history") else OPERATOR in answer


async def test_superscript_digits_get_the_usage_not_a_500(bot: BotUnderTest) -> None:
    """`precondition van-12 delete ²`: Unicode digits are not numbers here; the user gets the usage."""
    response = await bot.command("precondition van-12 delete ²")
    body = await response.json()
    assert response.status == 200 and "delete <1-4>" in body["text"]
