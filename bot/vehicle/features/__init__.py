"""Every vendor remote feature, one module each, and the tables derived from all of them.

A feature module declares its model, its one name, and its words in each API vocabulary (the Connected
Car v1 body and the Fleet Owner v3 body, their readers, RemoteTypes and capability keys). Adding a module
here is how a vendor feature is added: it is found at import and every table below includes it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Literal

from bot.vehicle.features.base import FeatureModel, V3Names, registered_features

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "strict"):
        importlib.import_module(f"{__name__}.{_module.name}")

Vocabulary = Literal["connected-car-v1", "fleet-v3"]

FEATURES: tuple[type[FeatureModel], ...] = registered_features()

# Each feature Fleet Owner v3 offers, with its v3 names (it lacks Tan, VehicleFinder, OnboardPersonalData).
_V3: tuple[tuple[type[FeatureModel], V3Names], ...] = tuple(
    (cls, cls.v3) for cls in FEATURES if cls.v3 is not None
)
V3_FEATURES: tuple[type[FeatureModel], ...] = tuple(cls for cls, _names in _V3)

_OFFERED: Mapping[Vocabulary, tuple[type[FeatureModel], ...]] = MappingProxyType(
    {"connected-car-v1": FEATURES, "fleet-v3": V3_FEATURES}
)


def offered_by(vocabulary: Vocabulary) -> tuple[type[FeatureModel], ...]:
    """The features an API vocabulary offers (`STELLANTIS_API`: connected-car-v1 or fleet-v3)."""
    return _OFFERED[vocabulary]


# The body's `action` key -> its feature (the v1 reader dispatches on it).
BY_V1_KEY: Mapping[str, type[FeatureModel]] = MappingProxyType({cls.v1.key: cls for cls in FEATURES})

# The v3 body's one action key beside `label` -> its feature (the v3 reader dispatches on it).
BY_V3_KEY: Mapping[str, type[FeatureModel]] = MappingProxyType({names.key: cls for cls, names in _V3})

# The v3 RemoteType of each feature (the callback's `remoteTypes`, the 202's `type`) -> its feature.
BY_V3_TYPE: Mapping[str, type[FeatureModel]] = MappingProxyType(
    {names.remote_type: cls for cls, names in _V3}
)

# Capability keys (lower case) -> the v1 action key of the feature they describe.
V1_CAPABILITY_KEYS: Mapping[str, str] = MappingProxyType(
    {name.lower(): cls.v1.key for cls in FEATURES for name in (cls.v1.key, *cls.v1.capability_names)}
)

# Keys (lower case) under v3 `_embedded.extension.onboardCapabilities.remote` -> the v3 action key.
V3_CAPABILITY_KEYS: Mapping[str, str] = MappingProxyType(
    {name.lower(): names.key for _cls, names in _V3 for name in names.capability_keys}
)


def _one_feature_per_name(pairs: Iterable[tuple[str, str]]) -> Mapping[str, str]:
    """Name -> feature name; a name two features claim, in any vocabulary, is a declaration error."""
    table: dict[str, str] = {}
    for name, feature in pairs:
        if table.setdefault(name, feature) != feature:
            raise ValueError(f"RemoteType {name!r} is claimed by both {table[name]} and {feature}")
    return MappingProxyType(table)


# Every RemoteType and notification `remoteType` name of both vocabularies -> the feature's one name.
CANONICAL_NAMES: Mapping[str, str] = _one_feature_per_name(
    (remote_type, cls.name)
    for cls in FEATURES
    for remote_type in (*cls.remote_types(), *cls.v3_remote_types())
)

__all__ = [
    "BY_V1_KEY",
    "BY_V3_KEY",
    "BY_V3_TYPE",
    "CANONICAL_NAMES",
    "FEATURES",
    "V1_CAPABILITY_KEYS",
    "V3_CAPABILITY_KEYS",
    "V3_FEATURES",
    "FeatureModel",
    "Vocabulary",
    "offered_by",
]
