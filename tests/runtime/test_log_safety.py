"""Logs hold no secret and no raw control character, whatever Slack, a stranger or the vendor sends."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from bot.catalogue.table import ROWS
from bot.runtime.logs import LogFormat, escape, formatter_for, install_context_fields
from bot.slack_emulator import DEFAULT_BOT_TOKEN
from bot.store.records import RequestStatus
from tests.app_support import CALLBACK_TOKEN, CHANNEL, SECURITY, SIGNING_SECRET, BotUnderTest
from tests.pipeline_support import notification, post, seed_request, wait_status

CONTROLS = ("\r", "\n", "\x1b", "\x00")
SECRETS = (SIGNING_SECRET, CALLBACK_TOKEN, DEFAULT_BOT_TOKEN)


@pytest.fixture
def context_fields() -> None:
    """Records carry the request fields, as under `remote-bot` (configure_logging installs the same)."""
    install_context_fields()


@pytest.mark.parametrize("kind", ["text", "json"])
async def test_a_whole_run_logs_no_secret_and_no_control_character(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture, context_fields: None, kind: LogFormat
) -> None:
    """Every subcommand, a refused request, a full notification flow with a forged failure cause."""
    caplog.set_level(logging.DEBUG)
    for row in ROWS:
        await bot.command(f"{row.action.value} van-12\r\nERROR forged", user=SECURITY)
    await bot.driver.slash_command("/vehicle", "lock van-12\r\nERROR x", SECURITY, CHANNEL, signature="v0=0")
    record, remote = await seed_request(bot)
    forged = "DoorsOpen\r\n2026-01-01 ERROR bot: forged line\x1b[2J"
    assert (await post(bot, notification(remote, "Done", "Failed", failure_cause=forged))).status == 200
    assert (await post(bot, notification("unknown\nremote", "Done", "Failed"), bearer=None)).status == 401
    await wait_status(bot.services, record.id, RequestStatus.FAILED)
    await bot.command("whoami")
    await bot.last_private_answer()
    formatter = formatter_for(kind)  # what `remote-bot serve` writes each record with
    messages = [formatter.format(entry) for entry in caplog.records if not entry.exc_info]
    if kind == "json":
        assert all(isinstance(json.loads(message), dict) for message in messages)
    assert messages, "the run logged nothing: the check would prove nothing"
    dirty = [message for message in messages if any(char in message for char in CONTROLS)]
    leaked = [message for message in messages if any(secret in message for secret in SECRETS)]
    assert not dirty, f"raw control characters in: {dirty[:3]}"
    assert not leaked, f"secrets in: {leaked[:3]}"


def test_escaping_keeps_the_text_readable() -> None:
    """A CR, LF or ESC becomes a visible escape; ordinary text, accents and emoji are untouched."""
    assert escape("a\r\nb\x1b[0m é 🚗") == "a\\x0d\\x0ab\\x1b[0m é 🚗"


def _json_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = formatter_for("json")
    return [json.loads(formatter.format(entry)) for entry in caplog.records]


async def test_json_lines_of_a_request_carry_its_ids_user_vehicle_and_action(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture, context_fields: None
) -> None:
    """From the slash command to the vendor's final notification, each line names what it is about."""
    caplog.set_level(logging.INFO)
    await bot.command("lock van-12", user=SECURITY)
    message = await bot.wait_for_request_message()
    await bot.slack.wait_for(lambda: message.edits and "Done" in str(message.edits[-1].blocks), timeout=10)
    lines = _json_lines(caplog)
    stored = next(line for line in lines if line["message"].endswith("stored"))
    record = await bot.services.requests.get(stored.get("request_id", ""))
    assert record is not None and record.remote_action_id, f"no request id on: {stored}"
    expected = {
        "request_id": record.id,
        "user": SECURITY,
        "vehicle": record.vin,
        "action": "lock",
    }
    accepted = next(line for line in lines if "accepted by the vehicle cloud" in line["message"])
    finished = next(line for line in lines if line["message"].endswith(f"now {record.status.value}"))
    for line in (stored, accepted, finished):
        assert expected.items() <= line.items(), line
    for line in (accepted, finished):
        assert line["remote_action_id"] == record.remote_action_id, line
    assert stored["channel"] == CHANNEL and "remote_action_id" not in stored


async def test_a_line_outside_any_request_carries_no_request_fields(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture, context_fields: None
) -> None:
    """A refused Slack request is logged without fields left over from an earlier request."""
    caplog.set_level(logging.INFO)
    await bot.command("lock van-12", user=SECURITY)
    await bot.wait_for_request_message()
    await bot.driver.slash_command("/vehicle", "lock van-12", SECURITY, CHANNEL, signature="v0=0")
    refused = next(line for line in _json_lines(caplog) if "Slack request refused" in line["message"])
    assert not {"request_id", "user", "vehicle", "action"} & refused.keys(), refused


def test_a_json_line_holds_no_raw_control_character_yet_reads_back_the_value() -> None:
    """DEL and C1 characters, which json.dumps leaves raw, are escaped too; the JSON decodes to the value."""
    value = "a\r\nb\x1b[0m\x7f\x85\x9b é 🚗"
    record = logging.LogRecord("bot", logging.WARNING, __file__, 1, "cause %s", (value,), None)
    line = formatter_for("json").format(record)
    assert not any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in line), line
    assert json.loads(line)["message"] == f"cause {value}"
