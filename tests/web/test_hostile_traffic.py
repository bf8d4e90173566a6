"""Hostile traffic as real bytes: a 4xx (or Slack's 200) at once, never a 5xx, a traceback or a stall."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from bot.slack_emulator import sign
from tests.app_support import CALLBACK_TOKEN, CHANNEL, OPERATOR, SIGNING_SECRET, BotUnderTest, start_bot
from tests.paths import SHARED

SLACK = "/slack/events"
CALLBACK = "/stellantis/notifications"
SHORT = 0.5  # the bot's connection and body deadlines in these tests, in seconds
ANSWER_WITHIN = 10.0  # a bound on waiting for an answer, far above any deadline: never a timing assert


@pytest.fixture
async def edge_bot(redis_url: str, key_prefix: str) -> AsyncIterator[BotUnderTest]:
    """The served bot, with short connection deadlines and no pipeline."""
    async for handle in start_bot(
        redis_url,
        key_prefix,
        pipeline=False,
        http_idle_timeout_seconds=SHORT,
        http_body_timeout_seconds=SHORT,
    ):
        yield handle


@pytest.fixture
def log_records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record from INFO up, whichever logger (aiohttp's included) wrote it."""
    caplog.set_level(logging.INFO)
    return caplog


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """No record carries a traceback or is an ERROR, and every message is one line."""
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        assert record.levelno < logging.ERROR, record.getMessage()
        assert "\n" not in record.getMessage(), record.getMessage()


async def _open(bot: BotUnderTest) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    parts = urlsplit(bot.url)
    assert parts.hostname is not None and parts.port is not None
    return await asyncio.open_connection(parts.hostname, parts.port)


async def raw_exchange(bot: BotUnderTest, data: bytes, *, half_close: bool = True) -> bytes:
    """Send bytes on a fresh connection (then half-close), and read whatever comes back until EOF."""
    reader, writer = await _open(bot)
    try:
        writer.write(data)
        await writer.drain()
        if half_close:
            writer.write_eof()
        return await asyncio.wait_for(reader.read(), ANSWER_WITHIN)
    finally:
        writer.close()


def status_of(answer: bytes) -> int:
    """The status code of the first response in `answer` (0: no response at all)."""
    if not (answer.startswith((b"HTTP/1.0 ", b"HTTP/1.1 "))):
        return 0
    return int(answer[9:12])


async def signed_post(bot: BotUnderTest, body: bytes, content_type: str) -> int:
    headers = {"Content-Type": content_type, **sign(SIGNING_SECRET, body)}
    async with bot.session.post(bot.url + SLACK, data=body, headers=headers) as response:
        await response.read()
        return response.status


def click_body(action_id: str, **fields: object) -> bytes:
    """A block_actions payload as Slack posts it (form with `payload`), fields overridden or removed."""
    payload: dict[str, object] = {
        "type": "block_actions", "user": {"id": OPERATOR}, "team": {"id": "T0"},
        "channel": {"id": CHANNEL}, "container": {"type": "message", "channel_id": CHANNEL},
        "response_url": "set by caller", "actions": [{"action_id": action_id, "value": "x"}],
    }  # fmt: skip
    payload.update(fields)
    payload = {name: value for name, value in payload.items() if value is not None}
    return urlencode({"payload": json.dumps(payload)}).encode()


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("digits", [13, 309, 4301])
async def test_a_timestamp_that_is_not_a_small_integer_is_a_401(
    bot: BotUnderTest, log_records: pytest.LogCaptureFixture, digits: int
) -> None:
    """An unsigned request with a huge timestamp is refused before any arithmetic: 401, one line."""
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": "9" * digits, "X-Slack-Signature": "v0=0"}
    async with bot.session.post(bot.url + SLACK, data=b"text=x", headers=headers) as response:
        assert response.status == 401
    no_traceback(log_records)


@pytest.mark.parametrize("path", [SLACK, CALLBACK])
async def test_a_body_cut_short_is_answered_400_with_one_line(
    edge_bot: BotUnderTest, log_records: pytest.LogCaptureFixture, path: str
) -> None:
    """The sender half-closes after 10 of 100 announced bytes: a 400 (or just the close), no traceback."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {CALLBACK_TOKEN}\r\nContent-Length: 100\r\n\r\n"
    ).encode()
    answer = await raw_exchange(edge_bot, head + b'{"a": "bcd')
    assert status_of(answer) in (0, 400)
    no_traceback(log_records)
    assert edge_bot.simulator.remote_posts == []


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nX-Bad: a\x01b\r\nContent-Length: 0\r\n\r\n",
        b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n",
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: bot\r\n\r\n",
    ],
    ids=["control-byte-in-header", "header-over-8-KiB", "request-line-over-8-KiB"],
)
async def test_malformed_http_is_a_400_and_one_info_line(
    bot: BotUnderTest, log_records: pytest.LogCaptureFixture, request_bytes: bytes
) -> None:
    """aiohttp answers 400 to what it cannot parse; the log gets one INFO line, not an ERROR traceback."""
    assert status_of(await raw_exchange(bot, request_bytes, half_close=False)) == 400
    no_traceback(log_records)
    assert any("malformed HTTP answered 400" in r.getMessage() for r in log_records.records)


async def test_a_click_whose_channel_is_not_an_object_is_a_400(
    bot: BotUnderTest, log_records: pytest.LogCaptureFixture
) -> None:
    """Bolt cannot build its context from a `channel` that is a number: refused before Bolt."""
    url = bot.slack.new_response_url(CHANNEL, OPERATOR)
    for channel in (5, 1.5, True):
        assert await signed_post(bot, click_body("rb_retry", channel=channel, response_url=url), FORM) == 400
    no_traceback(log_records)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"channel": [CHANNEL]}, "a list"),
        ({"channel": CHANNEL}, "a string"),
        ({"channel": {"name": "fleet-ops"}}, "no id"),
        ({"response_url": None}, "no response_url"),
    ],
    ids=["channel-list", "channel-string", "channel-without-id", "no-response-url"],
)
async def test_the_bots_own_buttons_without_a_channel_or_response_url_are_refused_at_once(
    bot: BotUnderTest, log_records: pytest.LogCaptureFixture, changes: dict[str, object], why: str
) -> None:
    """A click the listener could not answer is a 400 from the edge, not an error after the ack (a stall)."""
    fields = {"response_url": bot.slack.new_response_url(CHANNEL, OPERATOR), **changes}
    for action_id in ("rb_confirm", "rb_cancel", "rb_approve", "rb_reject", "rb_retry", "rb_card_lock"):
        assert await signed_post(bot, click_body(action_id, **fields), FORM) == 400, (action_id, why)
    no_traceback(log_records)


WORKFLOW_STEP_EDIT = {
    "type": "workflow_step_edit", "token": "verification_token", "action_ts": "1601541356.268786",
    "team": {"id": "T111", "domain": "subdomain"}, "user": {"id": "W111", "username": "primary-owner"},
    "callback_id": "copy_review", "trigger_id": "111.222.xxx",
    "workflow_step": {"workflow_id": "12345", "step_id": "aaa-bbb", "inputs": {}, "outputs": []},
}  # fmt: skip
WORKFLOW_VIEW_SUBMISSION = {
    "type": "view_submission", "team": {"id": "T111", "domain": "subdomain"},
    "user": {"id": "W111", "username": "primary-owner", "team_id": "T111"},
    "view": {"id": "V111", "type": "workflow_step", "callback_id": "copy_review", "state": {"values": {}}},
    "workflow_step": {"workflow_step_edit_id": "111.222.zzz", "workflow_id": "12345", "step_id": "aaa"},
}  # fmt: skip
EVENT = {
    "token": "verification_token", "team_id": "T111", "api_app_id": "A111", "type": "event_callback",
    "event": {"type": "app_mention", "user": "W111", "text": "<@U222> hi", "channel": "C111"},
    "event_id": "Ev111", "event_time": 1599616881,
}  # fmt: skip
SHORTCUT = {
    "type": "shortcut", "token": "verification_token", "action_ts": "111.111",
    "team": {"id": "T111"}, "user": {"id": "W111"}, "callback_id": "test-shortcut", "trigger_id": "111.xxx",
}  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "as_form", "status"),
    [
        (WORKFLOW_STEP_EDIT, True, 404),
        (WORKFLOW_VIEW_SUBMISSION, True, 404),
        (SHORTCUT, True, 404),
        ({**WORKFLOW_VIEW_SUBMISSION, "view": {"id": "V1", "type": "modal", "callback_id": "x"}}, True, 404),
        (EVENT, False, 200),
    ],
    ids=["workflow-step-edit", "workflow-step-view-submission", "shortcut", "view-submission", "event"],
)
async def test_kinds_the_bot_does_not_handle_are_answered_at_the_edge_in_one_line(
    bot: BotUnderTest,
    log_records: pytest.LogCaptureFixture,
    payload: dict[str, object],
    as_form: bool,
    status: int,
) -> None:
    """Bolt never sees them: 404 (200 for an event, so Slack does not redeliver), one INFO line each."""
    if as_form:
        body, content_type = urlencode({"payload": json.dumps(payload)}).encode(), FORM
    else:
        body, content_type = json.dumps(payload).encode(), "application/json"
    before = len(log_records.records)
    assert await signed_post(bot, body, content_type) == status
    no_traceback(log_records)
    assert len(log_records.records) - before <= 2  # the refusal's line and the access log's
    assert not any("Unhandled request" in r.getMessage() for r in log_records.records)


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        ("url_verification", {"event": "x"}),
        ("url_verification", {"event": {"user": 5}}),
        ("url_verification", {"response_urls": 5}),
        ("block_actions", {"event": "x"}),
    ],
    ids=["check-event-string", "check-event-user-number", "check-response-urls-number", "click-event-string"],
)
async def test_fields_bolt_walks_but_the_bot_never_reads_cannot_make_it_raise(
    v1_bot: BotUnderTest, log_records: pytest.LogCaptureFixture, kind: str, extra: dict[str, object]
) -> None:
    """Found by bench/fuzz_slack.py: a signed url_verification whose `event` was a string gave 500 and a
    traceback (Bolt's self-event middleware calls .get on it); such keys are dropped before Bolt."""
    bot = v1_bot
    if kind == "url_verification":
        body = json.dumps({"type": kind, "challenge": "c", "token": "t", **extra}).encode()
        assert await signed_post(bot, body, "application/json") == 200
    else:
        response_url = bot.slack.new_response_url(CHANNEL, OPERATOR)
        body = click_body("rb_confirm", response_url=response_url, **extra)
        assert await signed_post(bot, body, FORM) == 200
    no_traceback(log_records)


async def test_a_slash_command_the_bot_does_not_register_is_a_404_in_one_line(
    bot: BotUnderTest, log_records: pytest.LogCaptureFixture
) -> None:
    """Another command (the app registers one) never reaches Bolt's unhandled-request warning."""
    body = urlencode({
        "command": "/hello-world", "text": "Hi", "user_id": OPERATOR, "channel_id": CHANNEL,
        "response_url": bot.slack.new_response_url(CHANNEL, OPERATOR),
    }).encode()  # fmt: skip
    assert await signed_post(bot, body, FORM) == 404
    no_traceback(log_records)
    assert not any("Unhandled request" in r.getMessage() for r in log_records.records)


async def test_a_connection_that_sends_nothing_is_closed(edge_bot: BotUnderTest) -> None:
    """HTTP_IDLE_TIMEOUT_SECONDS after it opened, the bot closes a connection with no request on it."""
    reader, writer = await _open(edge_bot)
    try:
        assert await asyncio.wait_for(reader.read(), ANSWER_WITHIN) == b""
    finally:
        writer.close()


async def test_a_connection_trickling_its_head_is_closed(edge_bot: BotUnderTest) -> None:
    """A request head sent a byte at a time never completes: the connection is closed all the same."""
    reader, writer = await _open(edge_bot)
    closed = asyncio.ensure_future(reader.read())
    try:
        head = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\nX-Slow: " + b"a" * 10_000
        for byte in head:
            if closed.done():
                break
            writer.write(bytes([byte]))
            await asyncio.wait([closed], timeout=0.02)  # one byte per 20 ms, until the bot hangs up
        assert await asyncio.wait_for(closed, ANSWER_WITHIN) == b""
    finally:
        closed.cancel()
        writer.close()


@pytest.mark.parametrize("path", [SLACK, CALLBACK])
async def test_a_trickling_body_is_answered_408(
    edge_bot: BotUnderTest, log_records: pytest.LogCaptureFixture, path: str
) -> None:
    """A body that never arrives whole within HTTP_BODY_TIMEOUT_SECONDS gets a 408 and one line."""
    reader, writer = await _open(edge_bot)
    answered = asyncio.ensure_future(reader.readuntil(b"\r\n\r\n"))
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {CALLBACK_TOKEN}\r\nContent-Length: 10000\r\n\r\n".encode()
        )
        async with asyncio.timeout(ANSWER_WITHIN):
            while not answered.done():
                writer.write(b" ")
                await asyncio.wait([answered], timeout=0.02)
        assert status_of(await asyncio.wait_for(answered, ANSWER_WITHIN)) == 408
    finally:
        answered.cancel()
        writer.close()
    no_traceback(log_records)


CORPUS = SHARED / "spec" / "slack" / "payloads" / "test-bodies.jsonl"


def _corpus() -> list[dict[str, Any]]:
    if not CORPUS.is_file():
        pytest.skip(f"Slack's test bodies {CORPUS} not found (the repo expects ../shared/spec beside it)")
    return [json.loads(line) for line in CORPUS.read_text().splitlines() if line.strip()]


def _as_ours(row: dict[str, Any], response_url: str) -> bytes:
    """The body made to reach the listeners: the bot's command or button, a response_url it may answer."""
    body: str = row["body"]
    if row["ctype"] == "application/json":
        fields = json.loads(body)
        return (
            json.dumps(_retarget(fields, response_url)).encode()
            if isinstance(fields, dict)
            else body.encode()
        )
    form = dict(parse_qsl(body, keep_blank_values=True))
    if "payload" in form:
        payload = json.loads(form["payload"])
        if isinstance(payload, dict):
            form["payload"] = json.dumps(_retarget(payload, response_url))
    else:
        form = _retarget(form, response_url)
    return urlencode(form).encode()


def _retarget(fields: dict[str, Any], response_url: str) -> dict[str, Any]:
    fields = dict(fields)
    if "command" in fields:
        fields["command"] = "/vehicle"
    if isinstance(fields.get("actions"), list):
        fields["actions"] = [
            {**action, "action_id": "rb_retry", "value": "r-unknown"} if isinstance(action, dict) else action
            for action in fields["actions"]
        ]
    if "response_url" in fields:
        fields["response_url"] = response_url
    return fields


async def test_slacks_own_test_bodies_get_no_5xx_and_leave_no_traceback(
    bot: BotUnderTest, log_records: pytest.LogCaptureFixture
) -> None:
    """Each of the 151 bodies of bolt-python's and python-slack-sdk's tests, signed as sent and made ours."""
    statuses: dict[int, int] = {}
    for row in _corpus():
        url = bot.slack.new_response_url(CHANNEL, OPERATOR)
        for body in (row["body"].encode(), _as_ours(row, url)):
            status = await signed_post(bot, body, row["ctype"])
            assert status < 500, (status, row["source"])
            statuses[status] = statuses.get(status, 0) + 1
    assert await bot.services.work.drain()  # listeners that acknowledged have finished
    no_traceback(log_records)
    assert not any("Unhandled request" in r.getMessage() for r in log_records.records)
    assert 200 in statuses and bot.simulator.remote_posts == []
