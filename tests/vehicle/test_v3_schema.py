"""Every Fleet Owner v3 body the models build conforms to the closed v3 `Remote` schema of api-b2b.yaml."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from bot.vehicle.features import V3_CAPABILITY_KEYS, V3_FEATURES, FeatureModel
from bot.vehicle.features.base import V3Context
from bot.vehicle.fleet_v3_remote import build_v3_remote
from tests.vehicle.test_v3_bodies import CONTEXT, V3_FORMS, V3_GOLDEN, contexts
from tests.vendor_spec import FLEET_OWNER, FLEET_OWNER_WEBHOOK, enum_of, load_spec


def _errors(validator: Draft7Validator, body: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(body)
    ]


@pytest.mark.parametrize("feature", [c[1] for c in V3_GOLDEN], ids=[c[0] for c in V3_GOLDEN])
def test_every_v3_form_matches_the_closed_schema(
    feature: FeatureModel, v3_remote_validator: Draft7Validator, v3_remote_types: list[str]
) -> None:
    """Each v3 form is accepted by the closed vendor schema; its RemoteType is in the enum."""
    assert _errors(v3_remote_validator, build_v3_remote("slack:U1:x", feature, CONTEXT)) == []
    assert feature.v3_response_type in v3_remote_types


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(feature=V3_FORMS, context=contexts)
def test_any_v3_body_matches_the_closed_schema(
    feature: FeatureModel, context: V3Context, v3_remote_validator: Draft7Validator
) -> None:
    """Whatever the parameters, the v3 body fits the closed schema."""
    assert _errors(v3_remote_validator, build_v3_remote("rb:x", feature, context)) == []


def test_the_closed_schema_refuses_what_the_docs_forbid(v3_remote_validator: Draft7Validator) -> None:
    """The strict check has teeth: a v1 word, two actions, two stolen forms and a short period all fail."""
    for body in (
        {"label": "x", "locking": {"state": "Locked"}},
        {"label": "x", "horn": {"state": "Activated"}, "wakeUp": {"action": "WakeUp"}},
        {"label": "x", "stolen": {"stolen": True, "immobilization": {"activate": True}}},
        {"label": "x", "stolen": {"trackingPeriod": {"running": 4}}},
        {"label": "x", "lights": {"state": "Activated"}},
        {"label": "x", "navigation": {"positions": [{"type": "Feature", "geometry": {}}]}},
    ):
        assert _errors(v3_remote_validator, body) != [], body


def test_v3_remote_types_are_exactly_the_vendor_enum(v3_remote_types: list[str]) -> None:
    """The features v3 offers name each RemoteType of api-b2b.yaml once (the callback's remoteTypes)."""
    assert sorted(cls.v3_names().remote_type for cls in V3_FEATURES) == sorted(v3_remote_types)


def test_v3_notification_names_are_the_webhook_template_s() -> None:
    """Every notification name a feature declares is in the v3 webhook template's RemoteType enum."""
    notified = {name for cls in V3_FEATURES for name in cls.v3_remote_types()}
    webhook = set(enum_of(load_spec(FLEET_OWNER_WEBHOOK), "RemoteType"))
    assert notified <= webhook
    assert webhook - notified == {"VehicleState"}  # the state refresh, not a remote feature


def test_v3_capability_keys_are_the_vendor_s() -> None:
    """The capability keys declared are exactly the remotes of api-b2b.yaml's `OnboardCapabilities`."""
    capability = load_spec(FLEET_OWNER)["components"]["schemas"]["OnboardCapabilities"]
    assert set(V3_CAPABILITY_KEYS) == {
        key.lower() for key in capability["properties"]["remote"]["properties"]
    }
