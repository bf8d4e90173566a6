"""Command text to commands and vendor features: every form, and each mistake explained."""

from __future__ import annotations

import pytest

from bot.catalogue.command import CommandError, parse
from bot.vehicle.features import FeatureModel


def feature_for(text: str) -> tuple[FeatureModel, str]:
    """The feature and words a typed command plans."""
    plan = parse(text).plan()
    assert plan.feature is not None
    return plan.feature, plan.summary


@pytest.mark.parametrize(
    ("text", "action_body"),
    [
        ("lock van-12", {"locking": {"state": "Locked"}}),
        ("UNLOCK van-12", {"locking": {"state": "Unlocked"}}),
        ("horn van-12", {"horn": {"state": "Activated"}}),
        ("lights van-12", {"lights": {"state": "Activated"}}),
        ("lights van-12 off", {"lights": {"state": "Unactivated"}}),
        ("charge van-12 start", {"charging": {"charge": {"deferred": {"start": {"immediate": True}}}}}),
        ("charge van-12 stop", {"charging": {"charge": {"immediate": False}}}),
        (
            "charge van-12 rate med+",
            {"charging": {"charge": {"settings": {"chargePreferenceRate": "MedPlus"}}}},
        ),
        ("charge van-12 limit 80", {"charging": {"charge": {"settings": {"chargeLimit": "MedPlus"}}}}),
        (
            "charge van-12 at 22:00",
            {"charging": {"charge": {"deferred": {"start": {"startTime": "PT22H00M"}}}}},
        ),
        ("precondition van-12 on", {"preconditioning": {"airConditioning": {"immediate": True}}}),
        ("wakeup van-12", {"wakeup": {"action": "Wakeup"}}),
        ("locate van-12", {"vehicleFinder": {"action": "GetPresentLocation"}}),
        ("immobilize van-12 on", {"immobilization": {"activate": True}}),
        ("stolen van-12 on", {"stolen": {"state": True}}),
        ("stolen van-12 crank-inhibit off", {"stolen": {"crankInhibit": {"activate": False}}}),
        ("tan van-12 suppress 24h", {"tan": {"suppress": {"state": True, "duration": 3}}}),
        ("tan van-12 deny", {"tan": {"confirm": {"state": False}}}),
        ("wipe-data van-12", {"onboardPersonalData": {"action": "Delete"}}),
    ],
)
def test_each_form_builds_the_vendor_action(text: str, action_body: dict[str, object]) -> None:
    """Typed forms become the exact data-treatment action object."""
    feature, summary = feature_for(text)
    assert feature.v1_action() == action_body
    assert summary


def test_precondition_program_with_days_temperature_and_slot() -> None:
    """`precondition at 07:30 mon,fri 21C slot 2` sets program 2 for those days at 21 °C."""
    feature, _ = feature_for("precondition van-12 at 07:30 mon,fri 21C slot 2")
    (program,) = feature.v1_action()["preconditioning"]["airConditioning"]["programs"]
    assert program["slot"] == 2 and program["start"] == "PT07H30M" and program["temp"] == 21
    assert program["occurrence"]["day"] == ["Mon", "Fri"]


def test_navigate_sends_longitude_then_latitude() -> None:
    """Points are typed lat,lon and sent as GeoJSON [lon, lat]; the last is the destination."""
    feature, summary = feature_for("navigate van-12 48.85,2.35 45.76,4.83")
    positions = feature.v1_action()["navigation"]["positions"]
    assert positions[-1]["geometry"]["coordinates"] == [4.83, 45.76]
    assert "45.76" in summary


@pytest.mark.parametrize(
    ("text", "problem", "usage"),
    [
        ("lock", "which vehicle", "lock <vehicle>"),
        ("lights van-12 dim", "expected `on` or `off`", "lights <vehicle> [on|off]"),
        ("charge van-12 at 25:00", "HH:MM", "charge <vehicle>"),
        ("charge van-12 limit 90", "80 or 100", "charge <vehicle>"),
        ("precondition van-12 at 07:00 funday", "unexpected `funday`", "precondition <vehicle>"),
        ("navigate van-12 paris", "not a point", "navigate <vehicle>"),
        ("tan van-12 suppress 5h", "2h, 4h", "tan <vehicle>"),
        ("stolen van-12 maybe", "expected `on` or `off`", "stolen <vehicle>"),
        ("fly van-12", "unknown subcommand `fly`", "help"),
        ("state van-12 --now", "unexpected `--now`", "state <vehicle>"),
    ],
)
def test_mistakes_say_what_was_wrong_and_give_the_usage(text: str, problem: str, usage: str) -> None:
    """Each parse error names the problem and carries the subcommand's usage line."""
    with pytest.raises(CommandError) as caught:
        parse(text)
    assert problem in caught.value.problem
    assert caught.value.usage.startswith(usage)


def test_refused_combination_becomes_a_usage_error() -> None:
    """A program slot out of range is refused with the model's words and the usage line."""
    with pytest.raises(CommandError) as caught:
        feature_for("precondition van-12 at 07:00 slot 7")
    assert "slot" in caught.value.problem


def test_dangerous_forms_need_confirmation() -> None:
    """Immobilize, stolen, wipe-data and tan suppress ask first; tan deny and lock do not."""
    assert parse("immobilize van-12 off").needs_confirmation
    assert parse("stolen van-12 crank-inhibit on").needs_confirmation
    assert parse("wipe-data van-12").needs_confirmation
    assert parse("tan van-12 suppress 2h").needs_confirmation
    assert not parse("tan van-12 deny").needs_confirmation
    assert not parse("lock van-12").needs_confirmation
