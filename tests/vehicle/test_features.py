"""The vendor features are declared once: every table that needs all of them is derived from the registry."""

from __future__ import annotations

import pkgutil
from collections import Counter

import pytest

import bot.vehicle.features as features_package
from bot.vehicle.features import (
    BY_V1_KEY,
    BY_V3_KEY,
    BY_V3_TYPE,
    CANONICAL_NAMES,
    FEATURES,
    V1_CAPABILITY_KEYS,
    V3_CAPABILITY_KEYS,
    V3_FEATURES,
    FeatureModel,
    _one_feature_per_name,
    offered_by,
)
from bot.vehicle.features.base import RemoteBodyError, RemoteRequestError
from bot.vehicle.notifications import canonical_remote_type


def test_every_feature_module_registers_its_feature() -> None:
    """A module dropped into bot/vehicle/features/ is found: its feature is in the registry."""
    modules = {m.name for m in pkgutil.iter_modules(features_package.__path__)} - {"base", "strict"}
    registered = {cls.__module__.rsplit(".", 1)[1] for cls in FEATURES}
    assert registered == modules
    assert {cls.name for cls in FEATURES} == {
        *("Locking", "Horn", "Lights", "Preconditioning", "Charging", "Immobilization", "Stolen"),
        *("Navigation", "WakeUp", "VehicleFinder", "Tan", "OnboardPersonalData"),
    }


def test_no_two_features_claim_the_same_word() -> None:
    """Each v1 key, capability key and RemoteType names one feature only."""
    keys = Counter(cls.v1.key for cls in FEATURES)
    names = Counter(name for cls in FEATURES for name in cls.remote_types())
    capabilities = Counter(
        name.lower() for cls in FEATURES for name in (cls.v1.key, *cls.v1.capability_names)
    )
    assert [key for key, n in keys.items() if n > 1] == []
    assert [name for name, n in names.items() if n > 1] == []
    assert [name for name, n in capabilities.items() if n > 1] == []


def test_the_derived_tables_cover_every_feature() -> None:
    """The reader's dispatch, the capability keys and the notification names include every feature."""
    for cls in FEATURES:
        assert BY_V1_KEY[cls.v1.key] is cls
        assert V1_CAPABILITY_KEYS[cls.v1.key.lower()] == cls.v1.key
        for name in cls.remote_types():
            assert CANONICAL_NAMES[name] == cls.name
            assert canonical_remote_type(name) == cls.name


def test_v3_lacks_exactly_tan_vehicle_finder_and_personal_data() -> None:
    """v3 offers every feature but Tan, VehicleFinder and OnboardPersonalData, which declare no v3 names."""
    lacking = {cls.name for cls in FEATURES if cls.v3 is None}
    assert lacking == {"Tan", "VehicleFinder", "OnboardPersonalData"}
    assert offered_by("fleet-v3") == V3_FEATURES == tuple(cls for cls in FEATURES if cls.v3 is not None)
    assert offered_by("connected-car-v1") == FEATURES


def test_no_two_features_claim_the_same_v3_word() -> None:
    """Each v3 body key, RemoteType and capability key names one feature only."""
    names = [cls.v3_names() for cls in V3_FEATURES]
    keys = Counter(n.key for n in names)
    types = Counter(name for cls in V3_FEATURES for name in cls.v3_remote_types())
    capabilities = Counter(key.lower() for n in names for key in n.capability_keys)
    assert [key for key, n in keys.items() if n > 1] == []
    assert [name for name, n in types.items() if n > 1] == []
    assert [key for key, n in capabilities.items() if n > 1] == []


def test_the_v3_tables_cover_every_feature_v3_offers() -> None:
    """The v3 reader's dispatch, the RemoteTypes, capability keys and notification names include each one."""
    for cls in V3_FEATURES:
        names = cls.v3_names()
        assert BY_V3_KEY[names.key] is cls
        assert BY_V3_TYPE[names.remote_type] is cls
        for key in names.capability_keys:
            assert V3_CAPABILITY_KEYS[key.lower()] == names.key
        for name in cls.v3_remote_types():
            assert CANONICAL_NAMES[name] == cls.name
            assert canonical_remote_type(name) == cls.name
    assert len(BY_V3_KEY) == len(BY_V3_TYPE) == len(V3_FEATURES) == 9


def test_a_name_claimed_by_two_features_fails_at_import() -> None:
    """Merging the vocabularies' names refuses a name that two features claim (a declaration error)."""
    assert _one_feature_per_name([("Doors", "Locking"), ("Doors", "Locking")]) == {"Doors": "Locking"}
    with pytest.raises(ValueError, match="'Doors' is claimed by both Locking and Horn"):
        _one_feature_per_name([("Doors", "Locking"), ("Doors", "Horn")])


@pytest.mark.parametrize("cls", [cls for cls in FEATURES if cls.v3 is None], ids=lambda cls: cls.name)
def test_a_feature_v3_lacks_refuses_v3_words(cls: type[FeatureModel]) -> None:
    """A feature v3 lacks has no v3 names, and reading it from a v3 body says the API does not offer it."""
    with pytest.raises(RemoteRequestError, match=f"the Fleet Owner v3 API does not offer {cls.name}"):
        cls.v3_names()
    with pytest.raises(RemoteBodyError, match=f"does not offer {cls.name}"):
        cls.read_v3({}, "x")
