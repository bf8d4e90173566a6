"""Golden data-treatment wire bodies for every remote feature and form, and the requests refused up front."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

import pytest
from pydantic import ValidationError

from bot.vehicle.features import FeatureModel
from bot.vehicle.features.base import TAN_DURATIONS, RemoteRequestError
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

PARIS = (48.8584, 2.2945)
LYON = (45.7640, 4.8357)

# (case id, feature, the exact `action` object it must send)
GOLDEN: list[tuple[str, FeatureModel, dict[str, Any]]] = [
    ("lock", Locking(lock=True), {"locking": {"state": "Locked"}}),
    ("unlock", Locking(lock=False), {"locking": {"state": "Unlocked"}}),
    ("horn", Horn(), {"horn": {"state": "Activated"}}),
    ("horn-off", Horn(on=False), {"horn": {"state": "Unactivated"}}),
    ("lights-on", Lights(on=True), {"lights": {"state": "Activated"}}),
    ("lights-off", Lights(on=False), {"lights": {"state": "Unactivated"}}),
    (
        "precond-on",
        Preconditioning.switch(True),
        {"preconditioning": {"airConditioning": {"immediate": True}}},
    ),
    (
        "precond-off",
        Preconditioning.switch(False),
        {"preconditioning": {"airConditioning": {"immediate": False}}},
    ),
    (
        "precond-program",
        Preconditioning.set_program(1, ["Mon", "Fri"], time(7, 30), temp=21),
        {
            "preconditioning": {
                "airConditioning": {
                    "programs": [
                        {
                            "slot": 1,
                            "actionsType": "Set",
                            "start": "PT07H30M",
                            "occurrence": {"day": ["Mon", "Fri"]},
                            "enabled": True,
                            "temp": 21,
                        }
                    ]
                }
            }
        },
    ),
    (
        "precond-program-no-temp-disabled",
        Preconditioning.set_program(4, ["Sun"], time(23, 5), enabled=False),
        {
            "preconditioning": {
                "airConditioning": {
                    "programs": [
                        {
                            "slot": 4,
                            "actionsType": "Set",
                            "start": "PT23H05M",
                            "occurrence": {"day": ["Sun"]},
                            "enabled": False,
                        }
                    ]
                }
            }
        },
    ),
    (
        "precond-program-delete",
        Preconditioning.delete_program(2),
        {"preconditioning": {"airConditioning": {"programs": [{"slot": 2, "actionsType": "Delete"}]}}},
    ),
    (
        "precond-programs-two",
        Preconditioning(
            programs=(
                PreconditioningProgram(slot=1, days=("Tue",), start=time(6, 0), temp=19.5),
                PreconditioningProgram(slot=3, action="Delete"),
            )
        ),
        {
            "preconditioning": {
                "airConditioning": {
                    "programs": [
                        {
                            "slot": 1,
                            "actionsType": "Set",
                            "start": "PT06H00M",
                            "occurrence": {"day": ["Tue"]},
                            "enabled": True,
                            "temp": 19.5,
                        },
                        {"slot": 3, "actionsType": "Delete"},
                    ]
                }
            }
        },
    ),
    (
        "precond-settings",
        Preconditioning.configure(21),
        {
            "preconditioning": {
                "airConditioning": {"settings": {"temp": 21, "mode": "Auto", "state": "Activated"}}
            }
        },
    ),
    (
        "precond-settings-manual-off",
        Preconditioning.configure(18.5, mode="Manual", active=False),
        {
            "preconditioning": {
                "airConditioning": {"settings": {"temp": 18.5, "mode": "Manual", "state": "Unactivated"}}
            }
        },
    ),
    (
        "charge-start",
        Charging.start_now(),
        {"charging": {"charge": {"deferred": {"start": {"immediate": True}}}}},
    ),
    ("charge-stop", Charging.stop_now(), {"charging": {"charge": {"immediate": False}}}),
    (
        "charge-program",
        Charging.set_program(
            2,
            ["Sat", "Sun"],
            time(22, 0),
            min_level=20,
            max_level=80,
            charge_to_full=False,
            charge_type="Cooperative",
        ),
        {
            "charging": {
                "charge": {
                    "programs": [
                        {
                            "slot": 2,
                            "actionsType": "Set",
                            "start": "PT22H00M",
                            "occurrence": {"day": ["Sat", "Sun"]},
                            "enabled": True,
                            "minChargingLevel": 20,
                            "maxChargingLevel": 80,
                            "chargeToFull": False,
                            "chargeType": "Cooperative",
                        }
                    ]
                }
            }
        },
    ),
    (
        "charge-program-defaults",
        Charging.set_program(1, ["Mon"], time(1, 15), min_level=0, max_level=100, enabled=False),
        {
            "charging": {
                "charge": {
                    "programs": [
                        {
                            "slot": 1,
                            "actionsType": "Set",
                            "start": "PT01H15M",
                            "occurrence": {"day": ["Mon"]},
                            "enabled": False,
                            "minChargingLevel": 0,
                            "maxChargingLevel": 100,
                            "chargeToFull": True,
                            "chargeType": "Regular",
                        }
                    ]
                }
            }
        },
    ),
    (
        "charge-program-delete",
        Charging.delete_program(1),
        {
            "charging": {
                "charge": {
                    "programs": [
                        {"slot": 1, "actionsType": "Delete", "minChargingLevel": 0, "maxChargingLevel": 100}
                    ]
                }
            }
        },
    ),
    *[
        (
            f"charge-rate-{rate}",
            Charging.set_rate(rate),
            {"charging": {"charge": {"settings": {"chargePreferenceRate": rate}}}},
        )
        for rate in ("Low", "LowPlus", "Med", "MedPlus", "High")
    ],
    *[
        (
            f"charge-limit-{limit}",
            Charging.set_limit(limit),
            {"charging": {"charge": {"settings": {"chargeLimit": limit}}}},
        )
        for limit in ("MedPlus", "High")
    ],
    (
        "charge-start-at",
        Charging.start_at(time(22, 0)),
        {"charging": {"charge": {"deferred": {"start": {"startTime": "PT22H00M"}}}}},
    ),
    (
        "charge-end-at",
        Charging.end_at(time(6, 0), charge_to_full=False),
        {"charging": {"charge": {"deferred": {"end": {"endTime": "PT06H00M", "chargeToFull": False}}}}},
    ),
    (
        "charge-start-and-end",
        Charging(deferred=DeferredCharge(start_at=time(22, 30), end_at=time(6, 45))),
        {
            "charging": {
                "charge": {
                    "deferred": {
                        "start": {"startTime": "PT22H30M"},
                        "end": {"endTime": "PT06H45M", "chargeToFull": True},
                    }
                }
            }
        },
    ),
    ("immobilize", Immobilization(activate=True), {"immobilization": {"activate": True}}),
    ("release", Immobilization(activate=False), {"immobilization": {"activate": False}}),
    ("stolen", Stolen.report(True), {"stolen": {"state": True}}),
    ("recovered", Stolen.report(False), {"stolen": {"state": False}}),
    ("crank-inhibit", Stolen.inhibit_crank(True), {"stolen": {"crankInhibit": {"activate": True}}}),
    ("crank-release", Stolen.inhibit_crank(False), {"stolen": {"crankInhibit": {"activate": False}}}),
    (
        "navigate",
        Navigation(positions=[PARIS]),
        {
            "navigation": {
                "positions": [
                    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.2945, 48.8584]}}
                ]
            }
        },
    ),
    (
        "navigate-waypoint",
        Navigation(positions=[LYON, PARIS]),
        {
            "navigation": {
                "positions": [
                    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.8357, 45.7640]}},
                    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.2945, 48.8584]}},
                ]
            }
        },
    ),
    ("wakeup", WakeUp(), {"wakeup": {"action": "Wakeup"}}),
    ("find", VehicleFinder(), {"vehicleFinder": {"action": "GetPresentLocation"}}),
    ("personal-data", OnboardPersonalData(), {"onboardPersonalData": {"action": "Delete"}}),
    *[
        (
            f"tan-suppress-{duration}",
            Tan.suppress_for(duration),
            {"tan": {"suppress": {"state": True, "duration": code}}},
        )
        for code, duration in enumerate(TAN_DURATIONS)
    ],
    ("tan-unsuppress", Tan.unsuppress(), {"tan": {"suppress": {"state": False}}}),
    ("tan-confirm", Tan.confirm_theft(), {"tan": {"confirm": {"state": True}}}),
    ("tan-deny", Tan.deny_theft(), {"tan": {"confirm": {"state": False}}}),
]

EXPECTED_TYPES = {
    Locking: "Locking",
    Horn: "Horn",
    Lights: "Lights",
    Preconditioning: "Preconditioning",
    Charging: "Charging",
    Immobilization: "Immobilization",
    Stolen: "Stolen",
    Navigation: "Navigation",
    WakeUp: "Wakeup",
    VehicleFinder: "VehicleFinder",
    OnboardPersonalData: "OnboardPersonalData",
}


@pytest.mark.parametrize(
    ("feature", "action"), [case[1:] for case in GOLDEN], ids=[case[0] for case in GOLDEN]
)
def test_action_body_is_the_exact_wire_object(feature: FeatureModel, action: dict[str, Any]) -> None:
    """Each feature and form sends exactly the documented data-treatment action object."""
    assert feature.v1_action() == action


def test_every_feature_has_a_golden_case() -> None:
    """No remote feature ships without a hand-checked wire body."""
    covered = {type(case[1]) for case in GOLDEN}
    assert covered == {*EXPECTED_TYPES, Tan}


@pytest.mark.parametrize(("model", "remote_type"), list(EXPECTED_TYPES.items()))
def test_remote_type_is_the_202_type(model: type[Any], remote_type: str) -> None:
    """Each feature declares the RemoteType the vendor answers in the 202."""
    assert model.v1.remote_type == remote_type


def test_tan_response_type_depends_on_the_form() -> None:
    """A theft-alarm suppression answers Tan.suppress and a confirmation answers Tan.confirm."""
    assert Tan.suppress_for("2h").response_type == "Tan.suppress"
    assert Tan.unsuppress().response_type == "Tan.suppress"
    assert Tan.confirm_theft().response_type == "Tan.confirm"
    assert Tan.deny_theft().response_type == "Tan.confirm"
    assert Locking(lock=True).response_type == "Locking"


def test_build_remote_gives_the_full_body() -> None:
    """A remote carries its label, Body attributes, the action and the requested event extensions."""
    body = build_remote(
        "slack:U123:lock",
        Locking(lock=True),
        attributes={"cbtoken": "tok-1", "kind": "$RemoteType"},
        extended_event_params=["vehicle.position", "vehicle.doorsState"],
    )
    assert body == {
        "label": "slack:U123:lock",
        "attributes": [
            {"type": "Body", "key": "cbtoken", "value": "tok-1"},
            {"type": "Body", "key": "kind", "value": "$RemoteType"},
        ],
        "action": {"locking": {"state": "Locked"}},
        "extendedEventParam": ["vehicle.position", "vehicle.doorsState"],
    }


def test_build_remote_without_extensions_omits_the_key() -> None:
    """extendedEventParam is only sent when asked for, and attributes default to an empty list."""
    assert build_remote("w", WakeUp()) == {
        "label": "w",
        "attributes": [],
        "action": {"wakeup": {"action": "Wakeup"}},
    }


def test_models_are_frozen() -> None:
    """A built request cannot be altered after validation."""
    feature = Locking(lock=True)
    with pytest.raises(ValidationError):
        feature.lock = False  # type: ignore[misc]


def _any(value: object) -> Any:
    """A deliberately ill-typed argument, as a caller without type checking could pass."""
    return value


# (case id, a request that must be refused, words the user sees)
REFUSED: list[tuple[str, Callable[[], object], str]] = [
    (
        "precond-slot-0",
        lambda: Preconditioning.set_program(0, ["Mon"], time(7)),
        "slot must be 1 to 4 for preconditioning programs",
    ),
    (
        "precond-slot-5",
        lambda: Preconditioning.delete_program(5),
        "slot must be 1 to 4 for preconditioning programs",
    ),
    ("precond-nothing", lambda: Preconditioning(), "preconditioning takes exactly one of"),
    (
        "precond-two-forms",
        lambda: Preconditioning(immediate=True, settings=PreconditioningSettings(temp=21)),
        "preconditioning takes exactly one of",
    ),
    (
        "precond-same-slot",
        lambda: Preconditioning(programs=[{"slot": 1, "action": "Delete"}, {"slot": 1, "action": "Delete"}]),
        "each preconditioning program slot may appear only once",
    ),
    (
        "precond-no-day",
        lambda: Preconditioning.set_program(1, [], time(7)),
        "a program needs at least one day",
    ),
    ("precond-same-day", lambda: Preconditioning.set_program(1, ["Mon", "Mon"], time(7)), "only once"),
    (
        "precond-bad-day",
        lambda: Preconditioning.set_program(1, [_any("Funday")], time(7)),
        "'Funday' is not one of",
    ),
    (
        "precond-seconds",
        lambda: Preconditioning.set_program(1, ["Mon"], time(7, 30, 15)),
        "hours and minutes only",
    ),
    ("precond-no-start", lambda: PreconditioningProgram(slot=1, days=("Mon",)), "needs a start time"),
    (
        "precond-delete-with-days",
        lambda: PreconditioningProgram(slot=1, action="Delete", days=("Mon",)),
        "deleting a preconditioning program takes only the slot",
    ),
    ("precond-nan", lambda: Preconditioning.configure(float("nan")), "must be a number"),
    ("precond-mode", lambda: Preconditioning.configure(21, mode=_any("Eco")), "'Eco' is not one of"),
    (
        "charge-slot-5",
        lambda: Charging.set_program(5, ["Mon"], time(22), min_level=20, max_level=80),
        "slot must be 1 to 4 for charging programs",
    ),
    (
        "charge-slot-3-in-v1",
        lambda: Charging.set_program(3, ["Mon"], time(22), min_level=20, max_level=80).v1_action(),
        "the Connected Car v1 API has charging program slots 1 and 2 only",
    ),
    (
        "charge-end-in-v1",
        lambda: Charging(
            programs=[ChargingProgram(slot=1, days=("Mon",), start=time(22), end=time(6))]
        ).v1_action(),
        "the Connected Car v1 API has no end time in charging programs",
    ),
    (
        "precond-once-in-v1",
        lambda: Preconditioning.set_program(1, ["Mon"], time(7), recurrence="None").v1_action(),
        "the Connected Car v1 API has no one-off preconditioning programs",
    ),
    (
        "stolen-tracking-in-v1",
        lambda: Stolen.track_every(running=30).v1_action(),
        "the Connected Car v1 API cannot set a stolen vehicle's tracking period",
    ),
    (
        "charge-to-full-without-end",
        lambda: DeferredCharge(start_at=time(22), charge_to_full=False),
        "charging to full or not applies to an end time only",
    ),
    (
        "charge-min-51",
        lambda: Charging.set_program(1, ["Mon"], time(22), min_level=51, max_level=80),
        "minimum charge level must be 0 to 50 %",
    ),
    (
        "charge-max-101",
        lambda: Charging.set_program(1, ["Mon"], time(22), min_level=20, max_level=101),
        "maximum charge level must be 0 to 100 %",
    ),
    (
        "charge-min-above-max",
        lambda: Charging.set_program(1, ["Mon"], time(22), min_level=50, max_level=40),
        "cannot be above the maximum",
    ),
    ("charge-nothing", lambda: Charging(), "charging takes exactly one of"),
    (
        "charge-two-forms",
        lambda: Charging(immediate=False, settings=ChargeSettings(rate="Low")),
        "charging takes exactly one of",
    ),
    ("charge-no-setting", lambda: ChargeSettings(), "either a charge rate or a charge limit"),
    (
        "charge-rate-and-limit",
        lambda: ChargeSettings(rate="Low", limit="High"),
        "either a charge rate or a charge limit",
    ),
    ("charge-limit-low", lambda: Charging.set_limit(_any("Low")), "'Low' is not one of"),
    ("charge-rate-max", lambda: Charging.set_rate(_any("Max")), "'Max' is not one of"),
    (
        "charge-start-now-and-at",
        lambda: DeferredCharge(start_now=True, start_at=time(1)),
        "start charging now or at a time, not both",
    ),
    ("charge-deferred-empty", lambda: DeferredCharge(), "needs a start (now or a time) or an end time"),
    ("stolen-nothing", lambda: Stolen(), "either the stolen state, the crank inhibit or a tracking period"),
    (
        "stolen-both",
        lambda: Stolen(state=True, crank_inhibit=True),
        "either the stolen state, the crank inhibit or a tracking period",
    ),
    ("navigation-empty", lambda: Navigation(positions=[]), "navigation takes 1 to 10 points"),
    ("navigation-11", lambda: Navigation(positions=[PARIS] * 11), "navigation takes 1 to 10 points"),
    ("navigation-lat", lambda: Navigation(positions=[(91, 2)]), "latitude 91.0 is out of range (-90 to 90)"),
    (
        "navigation-lon",
        lambda: Navigation(positions=[(45, -181)]),
        "longitude -181.0 is out of range (-180 to 180)",
    ),
    ("tan-nothing", lambda: Tan(), "either a suppression or a theft confirmation"),
    ("tan-both", lambda: Tan(suppress=False, confirm=True), "either a suppression or a theft confirmation"),
    ("tan-no-duration", lambda: Tan(suppress=True), "needs a duration: 2h, 4h, 12h, 24h, 3d or 7d"),
    ("tan-duration-unsuppress", lambda: Tan(suppress=False, duration="2h"), "only applies when suppressing"),
    ("tan-bad-duration", lambda: Tan.suppress_for(_any("1h")), "'1h' is not one of"),
    ("lock-not-bool", lambda: Locking(lock="maybe"), "lock: Input should be a valid boolean"),
    ("lock-missing", lambda: Locking(), "lock: Field required"),  # type: ignore[call-arg]
    ("horn-extra", lambda: Horn(volume=3), "volume: Extra inputs are not permitted"),  # type: ignore[call-arg]
    ("label-empty", lambda: build_remote("", WakeUp()), "a remote needs a non-empty label"),
    ("attribute-empty-key", lambda: build_remote("x", WakeUp(), attributes={"": "v"}), "non-empty text keys"),
    (
        "event-param-unknown",
        lambda: build_remote("x", WakeUp(), extended_event_params=["vehicle.speed"]),
        "unknown extended event parameter 'vehicle.speed'",
    ),
    (
        "event-param-string",
        lambda: build_remote("x", WakeUp(), extended_event_params="vehicle.position"),
        "must be a list of names",
    ),
    (
        "event-param-twice",
        lambda: build_remote("x", WakeUp(), extended_event_params=["vehicle.alarm", "vehicle.alarm"]),
        "only once",
    ),
    ("not-a-feature", lambda: build_remote("x", _any("horn")), "is not a remote feature"),
]


@pytest.mark.parametrize(
    ("make", "message"), [case[1:] for case in REFUSED], ids=[case[0] for case in REFUSED]
)
def test_impossible_request_is_refused_with_a_readable_reason(
    make: Callable[[], object], message: str
) -> None:
    """An impossible request fails at construction with a RemoteRequestError the Slack user can act on."""
    with pytest.raises(RemoteRequestError) as caught:
        make()
    assert message in str(caught.value)
    assert not isinstance(caught.value, ValidationError)
    assert isinstance(caught.value, ValueError)
