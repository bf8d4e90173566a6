"""The vendor features are declared once: every table that needs all of them is derived from the registry."""

from __future__ import annotations

import pkgutil
from collections import Counter

import bot.vehicle.features as features_package
from bot.vehicle.features import BY_V1_KEY, CANONICAL_NAMES, FEATURES, V1_CAPABILITY_KEYS
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
