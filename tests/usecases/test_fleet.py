"""Resolving a user's `<vehicle>` word: alias, VIN, unique suffix, or a clear refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime.bundled import DEMO_FLEET
from bot.usecases.fleet import Fleet, FleetFileError, VehicleNotFound


@pytest.fixture
def fleet() -> Fleet:
    return Fleet.load(DEMO_FLEET)


def test_alias_is_case_insensitive(fleet: Fleet) -> None:
    """`VAN-12` finds the vehicle aliased van-12."""
    assert fleet.resolve("VAN-12").vin == "VR3UHZKXZLT000012"


def test_full_vin_is_validated(fleet: Fleet) -> None:
    """A 17-character word with I, O or Q is refused as an invalid VIN."""
    with pytest.raises(VehicleNotFound, match="not a valid VIN"):
        fleet.resolve("VR3UHZKXZLT00001O")
    assert fleet.resolve("vr3uhzkxzlt000012").alias == "van-12"


def test_unique_suffix_resolves_and_ambiguous_suffix_lists_candidates(fleet: Fleet) -> None:
    """Six or more trailing characters pick one vehicle; a suffix shared by two lists both."""
    assert fleet.resolve("000033").alias == "car-33"
    with pytest.raises(VehicleNotFound, match="several vehicles") as caught:
        fleet.resolve("000012", known_vins=["VF3AAAAAAAA000012"])
    assert "van-12" in str(caught.value) and "VF3AAAAAAAA000012" in str(caught.value)


def test_short_or_unknown_words_explain_what_to_type(fleet: Fleet) -> None:
    """A too-short suffix or an unknown alias says how to name a vehicle."""
    with pytest.raises(VehicleNotFound, match="at least the last 6"):
        fleet.resolve("012")


def test_fleet_file_without_vin_names_the_alias(tmp_path: Path) -> None:
    """A fleet entry without a VIN stops loading with the alias in the message."""
    path = tmp_path / "fleet.yaml"
    path.write_text("vehicles:\n  van-1: {groups: [x]}\n")
    with pytest.raises(FleetFileError, match="van-1"):
        Fleet.load(path)
