"""When vehicles last reported, and which may be in deep sleep: from the store, with no vendor call."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.usecases.context import UseCaseContext
from bot.vehicle.wire import LatestTelemetry

DAY_SECONDS = 86400.0


@dataclass(frozen=True)
class Freshness:
    """When a vehicle last reported (None: never seen by the bot), against the deep-sleep threshold."""

    last_report: float | None  # unix time
    deep_sleep_days: int
    now: float

    @property
    def silent_days(self) -> float | None:
        """Days since the last report (None: never seen)."""
        return None if self.last_report is None else max(self.now - self.last_report, 0.0) / DAY_SECONDS

    @property
    def possibly_asleep(self) -> bool:
        """Silent for more than DEEP_SLEEP_DAYS: the vehicle may be in deep sleep until it is driven."""
        days = self.silent_days
        return days is not None and days > self.deep_sleep_days


def reported_time(telemetry: LatestTelemetry) -> float | None:
    """The telemetry's own report time as unix time (None when it has none or it cannot be read)."""
    text = telemetry.reported_at
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()


async def latest_state(ctx: UseCaseContext, vin: str) -> LatestTelemetry:
    """The vehicle's last reported state from the vendor (no wake-up); its report time is noted."""
    telemetry = await ctx.vehicles.latest_state(vin)
    at = reported_time(telemetry)
    if at is not None:
        await ctx.last_reports.note(vin, min(at, time.time()))
    return telemetry


async def freshness_of(ctx: UseCaseContext, vins: Sequence[str]) -> dict[str, Freshness]:
    """Each vehicle's last report as the bot knows it, in one Redis command and no vendor call."""
    reports = await ctx.last_reports.of_many(vins)
    now = time.time()
    days = ctx.settings.deep_sleep_days
    return {vin: Freshness(reports[vin], days, now) for vin in vins}
