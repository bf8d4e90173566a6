"""Every remote body the models build conforms to the vendor's closed `Remote` schema and parses back."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from bot.simulator.remote_reader import parse_remote
from bot.vehicle.features import FeatureModel
from bot.vehicle.features.base import (
    CHARGE_RATES,
    DAYS,
    EXTENDED_EVENT_PARAMS,
    TAN_DURATIONS,
    RemoteBodyError,
)
from bot.vehicle.features.charging import ChargeSettings, Charging, ChargingProgram, DeferredCharge
from bot.vehicle.features.horn import Horn
from bot.vehicle.features.immobilization import Immobilization
from bot.vehicle.features.lights import Lights
from bot.vehicle.features.locking import Locking
from bot.vehicle.features.navigation import Navigation
from bot.vehicle.features.personal_data import OnboardPersonalData
from bot.vehicle.features.preconditioning import (
    Preconditioning,
    PreconditioningProgram,
    PreconditioningSettings,
)
from bot.vehicle.features.stolen import Stolen
from bot.vehicle.features.tan import Tan
from bot.vehicle.features.vehicle_finder import VehicleFinder
from bot.vehicle.features.wakeup import WakeUp
from bot.vehicle.remotes import build_remote
from tests.vehicle.test_remote_bodies import GOLDEN

# The vendor schema's attribute `value` is oneOf two string schemas, the second an enum of these bare words,
# so a literal value equal to one of them matches both branches and is refused by the schema as written.
_SCHEMA_AMBIGUOUS_VALUES = {"RemoteType", "RemoteStatus", "RemoteLabel"}


def _errors(validator: Draft7Validator, body: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(body)
    ]


def _assert_round_trip(feature: FeatureModel, body: dict[str, Any]) -> None:
    parsed = parse_remote(body)
    assert parsed.feature == feature
    assert parsed.action_key == next(iter(body["action"]))
    assert parsed.action == body["action"][parsed.action_key]
    assert parsed.remote_type == feature.response_type
    assert parsed.label == body["label"]
    assert parsed.attributes == {item["key"]: item["value"] for item in body["attributes"]}
    assert parsed.extended_event_params == tuple(body.get("extendedEventParam", ()))


@pytest.mark.parametrize("feature", [case[1] for case in GOLDEN], ids=[case[0] for case in GOLDEN])
def test_every_form_matches_the_closed_schema(
    feature: FeatureModel, remote_validator: Draft7Validator, remote_types: list[str]
) -> None:
    """Each form the bot can send is accepted by the vendor schema with no extra or missing keys."""
    body = build_remote(
        "slack:U1:x", feature, attributes={"cbtoken": "t"}, extended_event_params=["vehicle.alarm"]
    )
    assert _errors(remote_validator, body) == []
    assert feature.response_type in remote_types


@pytest.mark.parametrize("feature", [case[1] for case in GOLDEN], ids=[case[0] for case in GOLDEN])
def test_parse_remote_accepts_every_built_body(feature: FeatureModel) -> None:
    """The simulator's parser reads back every body the bot builds into the same feature."""
    _assert_round_trip(feature, build_remote("slack:U1:x", feature, attributes={"cbtoken": "t"}))


# --- hypothesis: every parameter combination -------------------------------------------------------------

clocks = st.builds(time, st.integers(0, 23), st.integers(0, 59))
day_lists = st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True).map(tuple)
temps = st.one_of(st.integers(5, 35), st.floats(min_value=-40, max_value=60, allow_nan=False))
levels = st.integers(0, 50).flatmap(lambda low: st.tuples(st.just(low), st.integers(low, 100)))


def _precond_program(slot: int) -> st.SearchStrategy[PreconditioningProgram]:
    delete = st.just(PreconditioningProgram(slot=slot, action="Delete"))
    set_ = st.builds(
        PreconditioningProgram,
        slot=st.just(slot),
        days=day_lists,
        start=clocks,
        temp=st.none() | temps,
        enabled=st.booleans(),
    )
    return delete | set_


def _charge_program(slot: int) -> st.SearchStrategy[ChargingProgram]:
    def build(
        level: tuple[int, int], days: tuple[str, ...], start: time, full: bool, kind: str
    ) -> ChargingProgram:
        return ChargingProgram(
            slot=slot,
            days=days,
            start=start,
            min_level=level[0],
            max_level=level[1],
            charge_to_full=full,
            charge_type=kind,
        )

    set_ = st.builds(
        build, levels, day_lists, clocks, st.booleans(), st.sampled_from(["Regular", "Cooperative"])
    )
    delete = levels.map(
        lambda level: ChargingProgram(slot=slot, action="Delete", min_level=level[0], max_level=level[1])
    )
    return set_ | delete


def _programs(
    make: Callable[[int], st.SearchStrategy[Any]], slots: int
) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(st.integers(1, slots), min_size=1, max_size=slots, unique=True).flatmap(
        lambda chosen: st.tuples(*(make(slot) for slot in chosen))
    )


deferred = st.one_of(
    st.just(DeferredCharge(start_now=True)),
    st.builds(DeferredCharge, start_at=clocks),
    st.builds(DeferredCharge, end_at=clocks, charge_to_full=st.booleans()),
    st.builds(DeferredCharge, start_now=st.booleans(), end_at=clocks, charge_to_full=st.booleans()),
    st.builds(DeferredCharge, start_at=clocks, end_at=clocks),
)
points = st.tuples(
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
)
features: st.SearchStrategy[FeatureModel] = st.one_of(
    st.builds(Locking, lock=st.booleans()),
    st.builds(Horn, on=st.booleans()),
    st.builds(Lights, on=st.booleans()),
    st.builds(Preconditioning.switch, st.booleans()),
    _programs(_precond_program, 4).map(lambda programs: Preconditioning(programs=programs)),
    st.builds(
        Preconditioning,
        settings=st.builds(
            PreconditioningSettings,
            temp=temps,
            mode=st.sampled_from(["Auto", "Manual"]),
            active=st.booleans(),
        ),
    ),
    st.just(Charging.start_now()),
    st.just(Charging.stop_now()),
    _programs(_charge_program, 2).map(lambda programs: Charging(programs=programs)),
    st.sampled_from(CHARGE_RATES).map(lambda rate: Charging(settings=ChargeSettings(rate=rate))),
    st.sampled_from(["MedPlus", "High"]).map(lambda limit: Charging(settings=ChargeSettings(limit=limit))),
    deferred.map(lambda value: Charging(deferred=value)),
    st.builds(Immobilization, activate=st.booleans()),
    st.builds(Stolen.report, st.booleans()),
    st.builds(Stolen.inhibit_crank, st.booleans()),
    st.builds(Navigation, positions=st.lists(points, min_size=1, max_size=10).map(tuple)),
    st.just(WakeUp()),
    st.just(VehicleFinder()),
    st.just(OnboardPersonalData()),
    st.sampled_from(TAN_DURATIONS).map(Tan.suppress_for),
    st.sampled_from([Tan.unsuppress(), Tan.confirm_theft(), Tan.deny_theft()]),
)
labels = st.text(min_size=1, max_size=40)
attribute_maps = st.dictionaries(
    st.text(min_size=1, max_size=12), st.text(max_size=20).filter(lambda v: v not in _SCHEMA_AMBIGUOUS_VALUES)
)
event_params = st.lists(st.sampled_from(EXTENDED_EVENT_PARAMS), unique=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(feature=features, label=labels, attributes=attribute_maps, params=event_params)
def test_any_built_body_matches_the_schema_and_parses_back(
    feature: FeatureModel,
    label: str,
    attributes: dict[str, str],
    params: list[str],
    remote_validator: Draft7Validator,
) -> None:
    """Whatever parameters a user picks, the body fits the closed schema and parses back unchanged."""
    body = build_remote(label, feature, attributes=attributes, extended_event_params=params)
    assert _errors(remote_validator, body) == []
    _assert_round_trip(feature, body)
    parsed = parse_remote(body)
    rebuilt = build_remote(
        label,
        parsed.feature,
        attributes=parsed.attributes,
        extended_event_params=parsed.extended_event_params,
    )
    assert rebuilt == body


# --- bodies that break the schema ------------------------------------------------------------------------

_BASE = {
    "label": "x",
    "attributes": [{"type": "Body", "key": "k", "value": "v"}],
    "action": {"horn": {"state": "Activated"}},
}


_POINT = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.2945, 48.8584]}}


def _with(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(_BASE)
    body.update(changes)
    return body


BROKEN: list[tuple[str, dict[str, Any], str]] = [
    ("extra-top-key", _with(priority=1), "unknown key 'priority'"),
    ("no-action", {"label": "x"}, "missing required key 'action'"),
    (
        "two-actions",
        _with(action={"horn": {"state": "Activated"}, "wakeup": {"action": "Wakeup"}}),
        "exactly one of",
    ),
    ("empty-action", _with(action={}), "exactly one of"),
    ("unknown-action", _with(action={"wakeUp": {"action": "WakeUp"}}), "unknown key 'wakeUp'"),
    ("bad-enum", _with(action={"locking": {"state": "Open"}}), "'Open' is not one of"),
    ("b2b-lights", _with(action={"lights": {"on": True}}), "unknown key 'on'"),
    ("missing-state", _with(action={"horn": {}}), "missing required key 'state'"),
    ("extra-action-key", _with(action={"horn": {"state": "Activated", "times": 3}}), "unknown key 'times'"),
    (
        "stolen-both",
        _with(action={"stolen": {"state": True, "crankInhibit": {"activate": True}}}),
        "exactly one of",
    ),
    (
        "tan-both",
        _with(action={"tan": {"suppress": {"state": False}, "confirm": {"state": True}}}),
        "exactly one of",
    ),
    (
        "precond-two-forms",
        _with(action={"preconditioning": {"airConditioning": {"immediate": True, "settings": {"temp": 20}}}}),
        "exactly one of",
    ),
    ("precond-empty", _with(action={"preconditioning": {"airConditioning": {}}}), "exactly one of"),
    (
        "charge-two-forms",
        _with(
            action={"charging": {"charge": {"immediate": False, "deferred": {"start": {"immediate": True}}}}}
        ),
        "exactly one of",
    ),
    (
        "charge-slot-3",
        _with(
            action={
                "charging": {
                    "charge": {
                        "programs": [
                            {
                                "slot": 3,
                                "actionsType": "Delete",
                                "minChargingLevel": 0,
                                "maxChargingLevel": 100,
                            }
                        ]
                    }
                }
            }
        ),
        "must be 1 to 2",
    ),
    (
        "charge-delete-no-levels",
        _with(action={"charging": {"charge": {"programs": [{"slot": 1, "actionsType": "Delete"}]}}}),
        "missing required key 'minChargingLevel'",
    ),
    (
        "precond-no-slot",
        _with(action={"preconditioning": {"airConditioning": {"programs": [{"actionsType": "Delete"}]}}}),
        "missing required key 'slot'",
    ),
    (
        "rate-enum",
        _with(action={"charging": {"charge": {"settings": {"chargeLimit": "Low"}}}}),
        "'Low' is not one of",
    ),
    ("tan-duration-6", _with(action={"tan": {"suppress": {"state": True, "duration": 6}}}), "must be 0 to 5"),
    ("immobilization-string", _with(action={"immobilization": {"activate": "yes"}}), "must be true or false"),
    (
        "navigation-extra",
        _with(
            action={
                "navigation": {"positions": [{"geometry": {"type": "Point", "coordinates": [2, 48]}, "z": 1}]}
            }
        ),
        "unknown key 'z'",
    ),
    (
        "navigation-no-geometry",
        _with(action={"navigation": {"positions": [{"type": "Feature"}]}}),
        "missing required key 'geometry'",
    ),
    (
        "attribute-header",
        _with(attributes=[{"type": "Header", "key": "k", "value": "v"}]),
        "'Header' is not one of",
    ),
    (
        "attribute-extra",
        _with(attributes=[{"type": "Body", "key": "k", "value": "v", "x": 1}]),
        "unknown key 'x'",
    ),
    ("event-param", _with(extendedEventParam=["vehicle.speed"]), "'vehicle.speed' is not one of"),
    ("label-number", _with(label=7), "label: must be a string"),
]


@pytest.mark.parametrize(("body", "reason"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_bodies_breaking_the_schema_are_refused_by_both(
    body: dict[str, Any], reason: str, remote_validator: Draft7Validator
) -> None:
    """A body the closed vendor schema refuses is also refused by parse_remote, with a readable reason."""
    assert _errors(remote_validator, body) != []
    with pytest.raises(RemoteBodyError) as caught:
        parse_remote(body)
    assert reason in str(caught.value)


# (case id, a body the schema lets through but the documented rules forbid, reason)
DOC_RULES: list[tuple[str, dict[str, Any], str]] = [
    (
        "tan-no-duration",
        _with(action={"tan": {"suppress": {"state": True}}}),
        "duration is required when state is true",
    ),
    (
        "deferred-mixed",
        _with(
            action={
                "charging": {"charge": {"deferred": {"start": {"startTime": "PT22H00M", "immediate": True}}}}
            }
        ),
        "exactly one of startTime, immediate",
    ),
    (
        "deferred-start-false",
        _with(action={"charging": {"charge": {"deferred": {"start": {"immediate": False}}}}}),
        "false asks for nothing",
    ),
    (
        "deferred-empty",
        _with(action={"charging": {"charge": {"deferred": {}}}}),
        "give a start, an end, or both",
    ),
    ("programs-empty", _with(action={"charging": {"charge": {"programs": []}}}), "must hold 1 to 2 items"),
    (
        "program-set-no-start",
        _with(action={"preconditioning": {"airConditioning": {"programs": [{"slot": 1, "enabled": True}]}}}),
        "missing required key 'start'",
    ),
    (
        "program-bad-clock",
        _with(
            action={
                "preconditioning": {
                    "airConditioning": {
                        "programs": [
                            {"slot": 1, "start": "PT25H", "occurrence": {"day": ["Mon"]}, "enabled": True}
                        ]
                    }
                }
            }
        ),
        "'PT25H' is not between 00:00 and 23:59",
    ),
    (
        "program-same-slot",
        _with(
            action={
                "preconditioning": {
                    "airConditioning": {
                        "programs": [
                            {"slot": 2, "actionsType": "Delete"},
                            {"slot": 2, "actionsType": "Delete"},
                        ]
                    }
                }
            }
        ),
        "slot may appear only once",
    ),
    (
        "settings-both",
        _with(action={"charging": {"charge": {"settings": {}}}}),
        "exactly one of chargePreferenceRate",
    ),
    ("wakeup-value", _with(action={"wakeup": {"action": "Sleep"}}), "'Sleep' is not one of Wakeup"),
    ("navigation-11", _with(action={"navigation": {"positions": [_POINT] * 11}}), "must hold 1 to 10 items"),
    (
        "navigation-lat",
        _with(
            action={"navigation": {"positions": [{"geometry": {"type": "Point", "coordinates": [2, 95]}}]}}
        ),
        "latitude 95.0 is out of range",
    ),
    (
        "attribute-twice",
        _with(attributes=[{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]),
        "given twice",
    ),
    ("not-an-object", [], "body: must be an object"),  # type: ignore[list-item]
]


@pytest.mark.parametrize(
    ("body", "reason"), [case[1:] for case in DOC_RULES], ids=[case[0] for case in DOC_RULES]
)
def test_parse_remote_enforces_the_documented_rules(body: dict[str, Any], reason: str) -> None:
    """parse_remote refuses what the vendor docs forbid even where the schema is silent, saying why."""
    with pytest.raises(RemoteBodyError) as caught:
        parse_remote(body)
    assert reason in str(caught.value)


def test_parse_remote_accepts_optional_schema_parts() -> None:
    """Schema-valid extras the bot never sends (place details, channel attributes, defaults) are accepted."""
    body = {
        "channelAttributes": {"webhook": [{"type": "Header", "key": "X-Trace", "value": "$Vin"}]},
        "action": {
            "navigation": {
                "positions": [
                    {
                        "geometry": {"type": "Point", "coordinates": [2.2945, 48.8584, 35.0]},
                        "properties": {"name": "Tour Eiffel", "placeid": 7, "address": {"postalCode": 75007}},
                    }
                ]
            }
        },
    }
    parsed = parse_remote(body)
    assert parsed.feature == Navigation(positions=[(48.8584, 2.2945)])
    assert parsed.label is None
    assert parsed.attributes == {}
    assert parsed.channel_attributes == {"webhook": [{"type": "Header", "key": "X-Trace", "value": "$Vin"}]}
    assert parsed.remote_type == "Navigation"


def test_parse_remote_applies_schema_defaults() -> None:
    """Omitted fields take the schema defaults: actionsType Set, settings mode Auto and state Activated."""
    program = {"slot": 1, "start": "PT7H", "occurrence": {"day": ["Mon"]}, "enabled": True}
    parsed = parse_remote({"action": {"preconditioning": {"airConditioning": {"programs": [program]}}}})
    assert parsed.feature == Preconditioning.set_program(1, ["Mon"], time(7, 0))
    parsed = parse_remote({"action": {"preconditioning": {"airConditioning": {"settings": {"temp": 20}}}}})
    assert parsed.feature == Preconditioning.configure(20)


def test_parsed_remote_exposes_what_the_simulator_acts_on() -> None:
    """The simulator sees the label, attributes, the action and the 202 type of an accepted body."""
    parsed = parse_remote(
        build_remote(
            "slack:U9:tan",
            Tan.confirm_theft(),
            attributes={"cbtoken": "abc"},
            extended_event_params=["vehicle.alarm"],
        )
    )
    assert parsed.label == "slack:U9:tan"
    assert parsed.attributes == {"cbtoken": "abc"}
    assert parsed.action_key == "tan"
    assert parsed.action == {"confirm": {"state": True}}
    assert parsed.remote_type == "Tan.confirm"
    assert parsed.extended_event_params == ("vehicle.alarm",)
    assert isinstance(parsed.feature, Tan)
    assert parsed.feature.confirm is True
