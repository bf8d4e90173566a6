"""Logs hold no secret and no raw control character, whatever Slack, a stranger or the vendor sends."""

from __future__ import annotations

import logging

import pytest

from bot.catalogue.table import ROWS
from bot.runtime.logs import LOG_FORMAT, EscapingFormatter, escape
from bot.slack_emulator import DEFAULT_BOT_TOKEN
from bot.store.records import RequestStatus
from tests.app_support import CALLBACK_TOKEN, CHANNEL, SECURITY, SIGNING_SECRET, BotUnderTest
from tests.pipeline_support import notification, post, seed_request, wait_status

CONTROLS = ("\r", "\n", "\x1b", "\x00")
SECRETS = (SIGNING_SECRET, CALLBACK_TOKEN, DEFAULT_BOT_TOKEN)


async def test_a_whole_run_logs_no_secret_and_no_control_character(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
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
    formatter = EscapingFormatter(LOG_FORMAT)  # what `remote-bot serve` writes each record with
    messages = [formatter.format(entry) for entry in caplog.records if not entry.exc_info]
    assert messages, "the run logged nothing: the check would prove nothing"
    dirty = [message for message in messages if any(char in message for char in CONTROLS)]
    leaked = [message for message in messages if any(secret in message for secret in SECRETS)]
    assert not dirty, f"raw control characters in: {dirty[:3]}"
    assert not leaked, f"secrets in: {leaked[:3]}"


def test_escaping_keeps_the_text_readable() -> None:
    """A CR, LF or ESC becomes a visible escape; ordinary text, accents and emoji are untouched."""
    assert escape("a\r\nb\x1b[0m é 🚗") == "a\\x0d\\x0ab\\x1b[0m é 🚗"
