"""Every vendor remote feature, one module each, and the tables derived from all of them.

A feature module declares its model, its one name, and its words in each API vocabulary (today the
Connected Car v1 body, its reader, its RemoteTypes and capability keys). Adding a module here is how a
vendor feature is added: it is found at import and every table below includes it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from types import MappingProxyType

from bot.vehicle.features.base import FeatureModel, registered_features

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "strict"):
        importlib.import_module(f"{__name__}.{_module.name}")

FEATURES: tuple[type[FeatureModel], ...] = registered_features()

# The body's `action` key -> its feature (the v1 reader dispatches on it).
BY_V1_KEY: Mapping[str, type[FeatureModel]] = MappingProxyType({cls.v1.key: cls for cls in FEATURES})

# Capability keys (lower case) -> the v1 action key of the feature they describe.
V1_CAPABILITY_KEYS: Mapping[str, str] = MappingProxyType(
    {name.lower(): cls.v1.key for cls in FEATURES for name in (cls.v1.key, *cls.v1.capability_names)}
)

# Every RemoteType and notification `remoteType` name -> the feature's one name.
CANONICAL_NAMES: Mapping[str, str] = MappingProxyType(
    {remote_type: cls.name for cls in FEATURES for remote_type in cls.remote_types()}
)

__all__ = ["BY_V1_KEY", "CANONICAL_NAMES", "FEATURES", "V1_CAPABILITY_KEYS", "FeatureModel"]
