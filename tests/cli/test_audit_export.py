"""`remote-bot audit export` writes the trail as JSON lines and continues where it ended; trimming keeps
whatever was not exported, and an alert says so."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.app import audit_watch_forever
from bot.cli.audit_export import ExportFilter
from bot.cli.ops import audit_export
from bot.config import Settings
from bot.store.audit import AuditLog
from bot.store.keys import Keys
from tests.pipeline_support import running_bot

VIN = "VR3UHZKXZLT000012"
OTHER = "VR3UHZKXZLT000033"


@pytest.fixture
def audit(redis_client: Redis, key_prefix: str) -> AuditLog:
    """The audit log under the test's prefix, keeping 5 entries."""
    return AuditLog(redis_client, Keys(key_prefix), retention=5)


@pytest.fixture
def settings(redis_url: str, key_prefix: str) -> Settings:
    """What `remote-bot audit export` reads: the test's Redis and prefix."""
    return Settings(redis_url=redis_url, redis_key_prefix=key_prefix, audit_retention_entries=5)


async def export(settings: Settings, **wanted: str) -> list[dict[str, str]]:
    """What `remote-bot audit export` with these options writes, as parsed JSON lines."""
    out = StringIO()
    await audit_export(settings, ExportFilter(**wanted), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def remote_bot(
    settings: Settings, *args: str, fleet_file: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `remote-bot` command in a process of its own, on the test's Redis and prefix."""
    env = {**os.environ, "REDIS_URL": settings.redis_url or "", "REDIS_KEY_PREFIX": settings.redis_key_prefix}
    env.pop("FLEET_FILE", None)
    if fleet_file is not None:
        env["FLEET_FILE"] = str(fleet_file)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env=env, capture_output=True, text=True, timeout=30
    )


async def test_an_export_writes_every_entry_and_the_next_one_continues_after_it(
    audit: AuditLog, settings: Settings
) -> None:
    """The first export has everything; the second only what was recorded since."""
    await audit.record("requested", user="U1", action="lock", vin=VIN, request_id="r1", detail="lock van-12")
    await audit.record("outcome", user="U1", action="lock", vin=VIN, request_id="r1", detail="success")
    first = await export(settings)
    assert [(line["event"], line["request_id"], line["vehicle"]) for line in first] == [
        ("requested", "r1", VIN),
        ("outcome", "r1", VIN),
    ]
    assert first[0]["time"].endswith("+00:00") and first[0]["detail"] == "lock van-12"
    await audit.record("denied", user="U2", action="unlock", vin=OTHER, detail="unlock car-33")
    assert [line["event"] for line in await export(settings)] == ["denied"]
    assert await export(settings) == []


async def test_filtered_exports_select_and_leave_the_cursor_alone(
    audit: AuditLog, settings: Settings
) -> None:
    """--vehicle, --user and --since pick entries; the next whole export still has all of them."""
    await audit.record("requested", user="U1", action="lock", vin=VIN, request_id="r1")
    await audit.record("denied", user="U2", action="unlock", vin=OTHER)
    last_id = await audit.record("outcome", user="U1", action="lock", vin=VIN, request_id="r1")
    assert [line["event"] for line in await export(settings, vehicle=OTHER)] == ["denied"]
    assert [line["event"] for line in await export(settings, user="U1")] == ["requested", "outcome"]
    assert [line["id"] for line in await export(settings, since=last_id)] == [last_id]
    assert len(await export(settings, since="2000-01-01")) == 3
    assert await export(settings, since="2999-01-01T00:00Z") == []
    assert len(await export(settings)) == 3  # the whole export still starts at the first entry


def test_a_bad_since_is_one_line_naming_the_option(settings: Settings) -> None:
    """An unreadable --since stops with the configuration error code and says what it expects."""
    done = remote_bot(settings, "audit", "export", "--since", "yesterday")
    assert done.returncode == 2 and "--since: expected an ISO 8601 date" in done.stderr


async def test_vehicle_takes_an_alias_or_a_vin_suffix_as_everywhere_else(
    audit: AuditLog, settings: Settings, tmp_path: Path
) -> None:
    """--vehicle van-12 (FLEET_FILE's alias) or 000033 (the tail of a VIN the trail names) select those."""
    await audit.record("requested", user="U1", action="lock", vin=VIN, request_id="r1")
    await audit.record("denied", user="U2", action="unlock", vin=OTHER)
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(f"vehicles:\n  van-12: {{vin: {VIN}}}\n  car-33: {{vin: {OTHER}}}\n")
    by_alias = await asyncio.to_thread(
        remote_bot, settings, "audit", "export", "--vehicle", "VAN-12", fleet_file=fleet
    )
    assert by_alias.returncode == 0, by_alias.stderr
    assert [json.loads(line)["request_id"] for line in by_alias.stdout.splitlines()] == ["r1"]
    by_suffix = await asyncio.to_thread(remote_bot, settings, "audit", "export", "--vehicle", "t000033")
    assert by_suffix.returncode == 0, by_suffix.stderr
    assert [json.loads(line)["event"] for line in by_suffix.stdout.splitlines()] == ["denied"]
    by_vin = await asyncio.to_thread(remote_bot, settings, "audit", "export", "--vehicle", VIN.lower())
    assert [json.loads(line)["vehicle"] for line in by_vin.stdout.splitlines()] == [VIN]


async def test_vehicle_naming_nothing_is_one_line_and_exit_2(
    audit: AuditLog, settings: Settings, tmp_path: Path
) -> None:
    """An alias nobody has, or a suffix matching no VIN: exit 2 and why, nothing written; a vehicle
    without entries exits 0 and says that none names it."""
    await audit.record("requested", user="U1", action="lock", vin=VIN, request_id="r1")
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(f"vehicles:\n  van-12: {{vin: {VIN}}}\n")
    unknown = await asyncio.to_thread(
        remote_bot, settings, "audit", "export", "--vehicle", "van-34", fleet_file=fleet
    )
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert unknown.stderr.splitlines() == [
        "remote-bot: configuration error: --vehicle: No vehicle called `van-34`. Use an alias, a full VIN, "
        "or at least the last 6 characters of the VIN."
    ]
    no_suffix = await asyncio.to_thread(remote_bot, settings, "audit", "export", "--vehicle", "999999")
    assert (no_suffix.returncode, no_suffix.stdout) == (2, "")
    assert "No vehicle has a VIN ending in `999999`" in no_suffix.stderr
    quiet = await asyncio.to_thread(remote_bot, settings, "audit", "export", "--vehicle", OTHER)
    assert (quiet.returncode, quiet.stdout) == (0, "")
    assert quiet.stderr.splitlines()[-1] == f"no audit entry in this export names {OTHER}"


async def test_the_command_appends_to_its_output_file(
    audit: AuditLog, settings: Settings, tmp_path: Path
) -> None:
    """Two `remote-bot audit export --output FILE` runs give one file with every entry once."""
    target = tmp_path / "audit.jsonl"
    await audit.record("requested", user="U1", action="lock", vin=VIN, request_id="r1")
    first = await asyncio.to_thread(remote_bot, settings, "audit", "export", "--output", str(target))
    await audit.record("outcome", user="U1", action="lock", vin=VIN, request_id="r1")
    second = await asyncio.to_thread(remote_bot, settings, "audit", "export", "--output", str(target))
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["event"] for line in lines] == ["requested", "outcome"]
    assert "exported 1 audit entries" in first.stderr and "exported 1 audit entries" in second.stderr


async def stream_ids(redis: Redis, stream: str) -> list[str]:
    """The ids in a stream, oldest first."""
    return [str(entry[0]) for entry in await redis.xrange(stream) or []]


async def test_before_any_export_the_stream_keeps_its_retention(
    audit: AuditLog, redis_client: Redis, key_prefix: str
) -> None:
    """Without an export cursor, the audit stream keeps the newest 5 entries."""
    ids = [await audit.record("denied", user="U1", action="lock", vin=VIN) for _ in range(8)]
    kept = await stream_ids(redis_client, Keys(key_prefix).audit())
    assert kept == ids[-5:]
    assert await audit.export_lag() == 0


async def test_a_vehicle_stream_keeps_only_its_own_short_history(
    redis_client: Redis, key_prefix: str
) -> None:
    """Each vehicle's stream (what `history` reads) keeps its newest AUDIT_VEHICLE_ENTRIES entries."""
    audit = AuditLog(redis_client, Keys(key_prefix), retention=1000, per_vehicle=20)
    for number in range(30):
        await audit.record("denied", user="U1", action="lock", vin=VIN, detail=str(number))
    # Each stream numbers its own entries: they are compared by what they hold, not by stream id.
    kept = await redis_client.xrange(Keys(key_prefix).vehicle_audit(VIN)) or []
    assert [str((fields or {}).get("detail")) for _id, fields in kept] == [str(n) for n in range(10, 30)]
    assert len(await stream_ids(redis_client, Keys(key_prefix).audit())) == 30


async def test_entries_not_yet_exported_are_never_trimmed(
    audit: AuditLog, redis_client: Redis, key_prefix: str, settings: Settings
) -> None:
    """Past the retention, unexported entries stay (and count as lag); exporting lets the trim go on."""
    stream = Keys(key_prefix).audit()
    for _ in range(3):
        await audit.record("denied", user="U1", action="lock", vin=VIN)
    assert len(await export(settings)) == 3
    ids = [await audit.record("denied", user="U1", action="lock", vin=VIN) for _ in range(6)]
    kept = await stream_ids(redis_client, stream)
    assert kept == ids and await audit.export_lag() == 1  # 6 unexported, retention 5: all kept
    assert len(await export(settings)) == 6
    newest = await audit.record("denied", user="U1", action="lock", vin=VIN)
    kept = await stream_ids(redis_client, stream)
    assert kept == [*ids[-4:], newest] and await audit.export_lag() == 0


async def test_a_lagging_export_is_alerted(redis_url: str, key_prefix: str) -> None:
    """When unexported entries pass the retention, the alerts channel hears about it."""
    async with running_bot(
        redis_url, key_prefix, alert_channel="C0ALERTS", audit_retention_entries=2, audit_watch_seconds=0.05
    ) as bot:
        bot.slack.add_channel("C0ALERTS", "alerts")
        audit = bot.services.audit
        await audit.advance_cursor(await audit.record("denied", user="U1", action="lock", vin=VIN))
        for _ in range(3):
            await audit.record("denied", user="U1", action="lock", vin=VIN)
        watch = asyncio.create_task(audit_watch_forever(bot.services))
        try:
            alerts = await bot.slack.wait_for(lambda: bot.slack.messages("C0ALERTS"))
        finally:
            watch.cancel()
        assert "1 entries beyond AUDIT_RETENTION_ENTRIES" in alerts[0].text
        assert "remote-bot audit export" in alerts[0].text
