"""Which notification proves that the vehicle itself answered, and as of when (its own date, never later)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.notifications.apply import answered_at
from bot.vehicle.events import VehicleEvent

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC).timestamp()


def event(kind: str, status: str, date: str | None = None, cause: str | None = None) -> VehicleEvent:
    """One Doors event of a remote."""
    return VehicleEvent(
        remote_action_id="r1",
        remote_type="Doors",
        event_type=kind,
        status=status,
        failure_cause=cause,
        date=date,
    )


@pytest.mark.parametrize("status", ["Success", "AlreadyDone"])
def test_the_vehicles_own_answer_is_a_report_as_of_its_date(status: str) -> None:
    """A Done Success or AlreadyDone proves the vehicle answered: at the notification's date, so a
    redelivery two days later does not pass for a recent report."""
    two_days_ago = "2026-12-05T09:00:00Z"
    assert answered_at(event("Done", status, two_days_ago), NOW) == NOW - 2 * 86400


def test_an_answer_without_a_date_or_dated_ahead_counts_as_now() -> None:
    """No readable date: now; a date ahead of the clock is never taken as later than now."""
    assert answered_at(event("Done", "Success"), NOW) == NOW
    assert answered_at(event("Done", "Success", "2027-01-01T00:00:00Z"), NOW) == NOW


@pytest.mark.parametrize(
    ("kind", "status", "cause"),
    [
        ("Pending", "WakingUpVehicle", None),
        ("Pending", "SentToVehicle", None),
        ("Done", "Failed", "VehicleConnectionTimeout"),
        ("Done", "Failed", "TooManyWakeUpsOverMonth"),
    ],
)
def test_a_step_or_a_failure_proves_nothing(kind: str, status: str, cause: str | None) -> None:
    """The platform alone may send these (waking, sending, a timed-out wake-up, the quota): no report."""
    assert answered_at(event(kind, status, "2026-12-07T08:59:00Z", cause), NOW) is None
