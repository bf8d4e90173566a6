"""Load the vendor OpenAPI files (skipping when absent) and turn their schemas into closed JSON schemas."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Collection
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from tests.paths import SHARED

SPEC_ROOT = SHARED / "spec" / "stellantis"
DATA_TREATMENT = "StellantisCloudCapability.github.io/assets/openapi/data-treatment.yaml"
PLATFORM_NOTIFICATION = "StellantisCloudCapability.github.io/assets/openapi/platform-notification.yaml"
FLEET_OWNER = "stellantis.github.io/assets/openapi/api-b2b.yaml"
FLEET_OWNER_WEBHOOK = "stellantis.github.io/assets/openapi/api-b2b-webhook-template-v3.yaml"
_SCHEMA_REF = "#/components/schemas/"


class _StringKeyLoader(yaml.SafeLoader):
    """YAML loader that only reads true/false as booleans, so keys like `on`, `off`, `yes` stay strings."""


_StringKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StringKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@functools.cache
def _read(relative: str) -> dict[str, Any] | None:
    path = SPEC_ROOT / relative
    if not path.is_file():
        return None
    # One vendor file carries a stray Latin-1 byte; none of the ones used here should, but do not crash.
    text = path.read_bytes().decode("utf-8", errors="replace")
    loaded = yaml.load(text, Loader=_StringKeyLoader)
    assert isinstance(loaded, dict), f"{path} is not an OpenAPI document"
    return loaded


def load_spec(relative: str) -> dict[str, Any]:
    """The parsed OpenAPI document at SPEC_ROOT/relative; skips the test when the file is absent."""
    spec = _read(relative)
    if spec is None:
        pytest.skip(
            f"vendor spec {SPEC_ROOT / relative} not found (the repo expects ../shared/spec beside it)"
        )
    return spec


def enum_of(spec: dict[str, Any], name: str) -> list[str]:
    """The enum values of a named component schema."""
    values = spec["components"]["schemas"][name]["enum"]
    assert isinstance(values, list)
    return [str(value) for value in values]


def closed_schema(spec: dict[str, Any], name: str, *, one_key: Collection[str] = ()) -> dict[str, Any]:
    """A self-contained JSON schema for one component, with every object closed.

    `$ref`s are inlined and `allOf` parts merged into one object (closing each part separately would make
    the parts reject each other's properties); every object schema with `properties` gets
    `additionalProperties: false`; properties named in `one_key` must hold exactly one key.
    """
    closed = _Closer(spec["components"]["schemas"], frozenset(one_key)).schema(
        {"$ref": f"{_SCHEMA_REF}{name}"}, ()
    )
    assert isinstance(closed, dict)
    return closed


def validator_for(schema: dict[str, Any]) -> Draft7Validator:
    """A checked Draft 7 validator (OpenAPI 3.0 schemas are close to it; formats are not asserted)."""
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


class _Closer:
    """Rewrites OpenAPI component schemas into closed, reference-free JSON schemas."""

    def __init__(self, components: dict[str, Any], one_key: frozenset[str]) -> None:
        self._components = components
        self._one_key = one_key

    def schema(self, node: Any, stack: tuple[str, ...]) -> Any:
        if not isinstance(node, dict):
            return copy.deepcopy(node)
        node = dict(node)
        if "$ref" in node:
            ref = node.pop("$ref")
            assert isinstance(ref, str), f"unsupported $ref {ref!r}"
            assert ref.startswith(_SCHEMA_REF), f"unsupported $ref {ref}"
            target = ref.removeprefix(_SCHEMA_REF)
            assert target not in stack, f"recursive schema {target}"
            resolved = self.schema(self._components[target], (*stack, target))
            return _merge([resolved, self.schema(node, stack)]) if node else resolved
        if "allOf" in node:
            parts = [self.schema(part, stack) for part in node.pop("allOf")]
            return _merge([*parts, self.schema(node, stack)])
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "properties":
                out[key] = {prop: self._property(prop, sub, stack) for prop, sub in value.items()}
            elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
                out[key] = self.schema(value, stack)
            elif key in ("oneOf", "anyOf"):
                out[key] = [self.schema(item, stack) for item in value]
            else:
                out[key] = copy.deepcopy(value)
        return _close(out)

    def _property(self, name: str, node: Any, stack: tuple[str, ...]) -> Any:
        sub = self.schema(node, stack)
        if name in self._one_key and isinstance(sub, dict) and "properties" in sub:
            sub = {**sub, "minProperties": 1, "maxProperties": 1}
        return sub


def _close(schema: dict[str, Any]) -> dict[str, Any]:
    if "properties" in schema:
        schema["additionalProperties"] = False
    return schema


def _merge(parts: list[Any]) -> dict[str, Any]:
    """One object schema equivalent to the allOf of `parts` (properties united, required united)."""
    merged: dict[str, Any] = {}
    for part in parts:
        if not isinstance(part, dict):
            continue
        for key, value in part.items():
            if key == "properties":
                props = merged.setdefault("properties", {})
                for prop, sub in value.items():
                    props[prop] = _merge([props[prop], sub]) if prop in props else sub
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            elif key == "additionalProperties":
                continue  # recomputed below for the merged object
            elif key in ("minProperties", "maxProperties") and key in merged:
                merged[key] = max(merged[key], value) if key == "minProperties" else min(merged[key], value)
            else:
                merged.setdefault(key, value)
    return _close(merged)
