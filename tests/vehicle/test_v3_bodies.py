"""Golden Fleet Owner v3 bodies for every form, the forms v3 refuses with their reasons, and round trips."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.vehicle.features import FeatureModel
from bot.vehicle.features.base import CHARGE_RATES, RemoteBodyError, RemoteRequestError, V3Context
from bot.vehicle.features.charging import ChargeSettings, Charging, ChargingProgram, DeferredCharge
from bot.vehicle.features.horn import Horn
from bot.vehicle.features.immobilization import Immobilization
from bot.vehicle.features.lights import Lights
from bot.vehicle.features.locking import Locking
from bot.vehicle.features.navigation import Navigation
from bot.vehicle.features.personal_data import OnboardPersonalData
from bot.vehicle.features.preconditioning import Preconditioning, PreconditioningProgram
from bot.vehicle.features.stolen import Stolen
from bot.vehicle.features.tan import Tan
from bot.vehicle.features.vehicle_finder import VehicleFinder
from bot.vehicle.features.wakeup import WakeUp
from bot.vehicle.fleet_v3_remote import build_v3_remote, read_v3_remote
from tests.vehicle.test_remote_schema import _programs, clocks, day_lists, points

PARIS_ZONE = ZoneInfo("Europe/Paris")
# 12:00 in Paris (UTC+2 in May): 22:30 is still ahead today, 07:00 is tomorrow.
CONTEXT = V3Context(zone=PARIS_ZONE, now=datetime(2024, 5, 1, 10, 0, tzinfo=UTC))
PARIS = (48.8584, 2.2945)
LYON = (45.7640, 4.8357)


def _charge_program(slot: int, day: str, start: time, **fields: Any) -> ChargingProgram:
    return ChargingProgram(slot=slot, days=(day,), start=start, **fields)


# (case id, feature, the exact object beside `label` it must send)
V3_GOLDEN: list[tuple[str, FeatureModel, dict[str, Any]]] = [
    ("lock", Locking(lock=True), {"door": {"state": "Locked"}}),
    ("unlock", Locking(lock=False), {"door": {"state": "Unlocked"}}),
    ("horn", Horn(), {"horn": {"state": "Activated"}}),
    ("horn-off", Horn(on=False), {"horn": {"state": "Unactivated"}}),
    ("lights-on", Lights(on=True), {"lights": {"on": True}}),
    ("lights-off", Lights(on=False), {"lights": {"on": False}}),
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
        Preconditioning.set_program(1, ["Mon", "Fri"], time(7, 30)),
        {
            "preconditioning": {
                "airConditioning": {
                    "programs": [
                        {
                            "slot": 1,
                            "actionsType": "Set",
                            "recurrence": "Daily",
                            "start": "PT07H30M",
                            "occurence": {"day": ["Mon", "Fri"]},
                            "enabled": True,
                        }
                    ]
                }
            }
        },
    ),
    (
        "precond-program-once-disabled",
        Preconditioning.set_program(4, ["Sun"], time(23, 5), enabled=False, recurrence="None"),
        {
            "preconditioning": {
                "airConditioning": {
                    "programs": [
                        {
                            "slot": 4,
                            "actionsType": "Set",
                            "recurrence": "None",
                            "start": "PT23H05M",
                            "occurence": {"day": ["Sun"]},
                            "enabled": False,
                        }
                    ]
                }
            }
        },
    ),
    (
        "precond-delete",  # the schema requires `start` even on a delete; the vendor ignores it there
        Preconditioning.delete_program(2),
        {
            "preconditioning": {
                "airConditioning": {"programs": [{"slot": 2, "actionsType": "Delete", "start": "PT00H00M"}]}
            }
        },
    ),
    (
        "precond-set-and-delete",
        Preconditioning(
            programs=(
                PreconditioningProgram(slot=3, days=("Tue",), start=time(6)),
                PreconditioningProgram(slot=1, action="Delete"),
            )
        ),
        {
            "preconditioning": {
                "airConditioning": {
                    "programs": [
                        {
                            "slot": 3,
                            "actionsType": "Set",
                            "recurrence": "Daily",
                            "start": "PT06H00M",
                            "occurence": {"day": ["Tue"]},
                            "enabled": True,
                        },
                        {"slot": 1, "actionsType": "Delete", "start": "PT00H00M"},
                    ]
                }
            }
        },
    ),
    ("charge-start", Charging.start_now(), {"charging": {"immediate": True}}),
    ("charge-stop", Charging.stop_now(), {"charging": {"immediate": False}}),
    (
        "charge-at-tonight",
        Charging.start_at(time(22, 30)),
        {"charging": {"schedule": {"nextDelayedTime": "2024-05-01T22:30:00+02:00"}}},
    ),
    (
        "charge-at-tomorrow",
        Charging.start_at(time(7, 0)),
        {"charging": {"schedule": {"nextDelayedTime": "2024-05-02T07:00:00+02:00"}}},
    ),
    *[
        (
            f"charge-rate-{rate}",
            Charging.set_rate(rate),
            {"charging": {"preferences": {"level": f"Level{n}"}}},
        )
        for n, rate in enumerate(CHARGE_RATES, start=1)
    ],
    ("charge-limit-80", Charging.set_limit("MedPlus"), {"charging": {"preferences": {"type": "Partial"}}}),
    ("charge-limit-100", Charging.set_limit("High"), {"charging": {"preferences": {"type": "Full"}}}),
    (
        "charge-programs",
        Charging(
            programs=(
                _charge_program(3, "Mon", time(22), end=time(6)),
                _charge_program(1, "Sat", time(1, 15), enabled=False),
            )
        ),
        {
            "charging": {
                "schedule": {
                    "programs": [
                        {
                            "slot": 3,
                            "start": "PT22H00M",
                            "occurence": {"day": ["Mon"]},
                            "enabled": True,
                            "end": "PT06H00M",
                        },
                        {"slot": 1, "start": "PT01H15M", "occurence": {"day": ["Sat"]}, "enabled": False},
                    ]
                }
            }
        },
    ),
    ("immobilize", Immobilization(activate=True), {"immobilization": {"activate": True}}),
    ("release", Immobilization(activate=False), {"immobilization": {"activate": False}}),
    ("stolen", Stolen.report(True), {"stolen": {"stolen": True}}),
    ("recovered", Stolen.report(False), {"stolen": {"stolen": False}}),
    ("crank-inhibit", Stolen.inhibit_crank(True), {"stolen": {"immobilization": {"activate": True}}}),
    ("crank-release", Stolen.inhibit_crank(False), {"stolen": {"immobilization": {"activate": False}}}),
    (
        "tracking-both",
        Stolen.track_every(running=30, shutdown=120),
        {"stolen": {"trackingPeriod": {"running": 30, "shutdown": 120}}},
    ),
    ("tracking-running", Stolen.track_every(running=5), {"stolen": {"trackingPeriod": {"running": 5}}}),
    ("tracking-shutdown", Stolen.track_every(shutdown=60), {"stolen": {"trackingPeriod": {"shutdown": 60}}}),
    ("wakeup", WakeUp(), {"wakeUp": {"action": "WakeUp"}}),
    (
        "navigation",
        Navigation(positions=(PARIS,)),
        {"navigation": {"positions": [{"type": "Point", "coordinates": [2.2945, 48.8584]}]}},
    ),
    (
        "navigation-via",
        Navigation(positions=(LYON, PARIS)),
        {
            "navigation": {
                "positions": [
                    {"type": "Point", "coordinates": [4.8357, 45.764]},
                    {"type": "Point", "coordinates": [2.2945, 48.8584]},
                ]
            }
        },
    ),
]


@pytest.mark.parametrize(("feature", "action"), [c[1:] for c in V3_GOLDEN], ids=[c[0] for c in V3_GOLDEN])
def test_every_form_builds_its_golden_v3_body(feature: FeatureModel, action: dict[str, Any]) -> None:
    """Each form's v3 body is exactly the golden one: the label, then the one action key."""
    assert build_v3_remote("rb:x", feature, CONTEXT) == {"label": "rb:x", **action}


@pytest.mark.parametrize("feature", [c[1] for c in V3_GOLDEN], ids=[c[0] for c in V3_GOLDEN])
def test_every_v3_body_reads_back_into_the_same_request(feature: FeatureModel) -> None:
    """read_v3(v3_action(x)) == x, through the whole body, with the 202's RemoteType."""
    remote = read_v3_remote(build_v3_remote("rb:x", feature, CONTEXT))
    assert remote.feature == feature
    assert remote.label == "rb:x"
    assert remote.key == type(feature).v3_names().key
    assert remote.remote_type == type(feature).v3_names().remote_type


def test_v1_immediate_start_is_the_start_the_bot_sends() -> None:
    """v1's deprecated `charge.immediate: true` and the bot's start now are one v3 body, read as start now."""
    body = Charging(immediate=True).v3_action(CONTEXT)
    assert body == Charging.start_now().v3_action(CONTEXT) == {"charging": {"immediate": True}}
    assert Charging.read_v3(body["charging"], "charging") == Charging.start_now()


# (case id, a request v3 cannot carry, the reason the user reads)
V3_REFUSED: list[tuple[str, FeatureModel, str]] = [
    (
        "precond-settings",
        Preconditioning.configure(21),
        "the Fleet Owner v3 API has no preconditioning settings (target temperature and mode)",
    ),
    (
        "precond-program-temp",
        Preconditioning.set_program(1, ["Mon"], time(7), temp=21),
        "the Fleet Owner v3 API has no temperature per preconditioning program",
    ),
    ("charge-end", Charging.end_at(time(6)), "the Fleet Owner v3 API has no charge end time"),
    (
        "charge-now-until",
        Charging(deferred=DeferredCharge(start_now=True, end_at=time(6))),
        "the Fleet Owner v3 API has no charge end time",
    ),
    (
        "charge-from-until",
        Charging(deferred=DeferredCharge(start_at=time(22), end_at=time(6), charge_to_full=False)),
        "the Fleet Owner v3 API has no charge end time",
    ),
    (
        "charge-program-levels",
        Charging.set_program(1, ["Mon"], time(22), min_level=20, max_level=80),
        "the Fleet Owner v3 API's charging programs have no charge levels (min 20 %, max 80 %)",
    ),
    (
        "charge-program-v1-extras",
        Charging(
            programs=(_charge_program(2, "Mon", time(22), charge_to_full=False, charge_type="Cooperative"),)
        ),
        "charging programs have no stopping before full, the Cooperative charge type",
    ),
    (
        "charge-program-delete",
        Charging.delete_program(1),
        "the Fleet Owner v3 API cannot delete a charging program",
    ),
    ("tan-suppress", Tan.suppress_for("2h"), "the Fleet Owner v3 API does not offer Tan"),
    ("tan-unsuppress", Tan.unsuppress(), "the Fleet Owner v3 API does not offer Tan"),
    ("tan-confirm", Tan.confirm_theft(), "the Fleet Owner v3 API does not offer Tan"),
    ("tan-deny", Tan.deny_theft(), "the Fleet Owner v3 API does not offer Tan"),
    ("vehicle-finder", VehicleFinder(), "the Fleet Owner v3 API does not offer VehicleFinder"),
    ("personal-data", OnboardPersonalData(), "the Fleet Owner v3 API does not offer OnboardPersonalData"),
]


@pytest.mark.parametrize(("feature", "reason"), [c[1:] for c in V3_REFUSED], ids=[c[0] for c in V3_REFUSED])
def test_a_form_v3_cannot_carry_is_refused_saying_why(feature: FeatureModel, reason: str) -> None:
    """A form v3 has no words for is refused with a RemoteRequestError, never sent with a field dropped."""
    with pytest.raises(RemoteRequestError) as caught:
        build_v3_remote("rb:x", feature, CONTEXT)
    assert reason in str(caught.value)


def test_build_v3_remote_refuses_an_empty_label() -> None:
    """A v3 remote needs a label, as a v1 one does."""
    with pytest.raises(RemoteRequestError, match="non-empty label"):
        build_v3_remote("", WakeUp(), CONTEXT)


def test_the_context_needs_an_aware_now() -> None:
    """A naive "now" would place the next delayed time in no time zone at all."""
    with pytest.raises(ValueError, match="aware"):
        V3Context(zone=PARIS_ZONE, now=datetime(2024, 5, 1, 10, 0))


@pytest.mark.parametrize(
    ("now", "clock", "expected"),
    [
        # The same minute as now is tomorrow's: the next occurrence is strictly after now.
        (datetime(2024, 5, 1, 20, 30, tzinfo=UTC), time(22, 30), "2024-05-02T22:30:00+02:00"),
        # 02:30 does not exist on 31 March 2024 in Paris (clocks jump 02:00 -> 03:00): the next is on 1 April.
        (datetime(2024, 3, 30, 23, 0, tzinfo=UTC), time(2, 30), "2024-04-01T02:30:00+02:00"),
        # 02:30 happens twice on 27 October 2024; at the first 02:40 the next 02:30 is the second one.
        (datetime(2024, 10, 27, 0, 40, tzinfo=UTC), time(2, 30), "2024-10-27T02:30:00+01:00"),
        # Winter: the offset is +01:00.
        (datetime(2024, 12, 31, 23, 30, tzinfo=UTC), time(8, 0), "2025-01-01T08:00:00+01:00"),
    ],
    ids=["same-minute", "dst-gap", "dst-overlap", "winter"],
)
def test_next_delayed_time_is_the_next_occurrence_in_the_fleet_zone(
    now: datetime, clock: time, expected: str
) -> None:
    """schedule.nextDelayedTime is the next time the fleet's clocks show the asked time, with its offset."""
    body = Charging.start_at(clock).v3_action(V3Context(zone=PARIS_ZONE, now=now))
    assert body == {"charging": {"schedule": {"nextDelayedTime": expected}}}


zones = st.sampled_from(
    [
        ZoneInfo(name)
        for name in ("UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")
    ]
)
contexts = st.builds(
    V3Context,
    zone=zones,
    now=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
)


def _precond_program(slot: int) -> st.SearchStrategy[PreconditioningProgram]:
    set_ = st.builds(
        PreconditioningProgram,
        slot=st.just(slot),
        days=day_lists,
        start=clocks,
        enabled=st.booleans(),
        recurrence=st.sampled_from(["None", "Daily"]),
    )
    return st.just(PreconditioningProgram(slot=slot, action="Delete")) | set_


def _v3_charge_program(slot: int) -> st.SearchStrategy[ChargingProgram]:
    return st.builds(
        ChargingProgram,
        slot=st.just(slot),
        days=day_lists,
        start=clocks,
        end=st.none() | clocks,
        enabled=st.booleans(),
    )


periods = st.tuples(st.none() | st.integers(5, 10**6), st.none() | st.integers(60, 10**6)).filter(
    lambda period: period != (None, None)
)
# Every request v3 can carry, whatever its parameters.
V3_FORMS: st.SearchStrategy[FeatureModel] = st.one_of(
    st.builds(Locking, lock=st.booleans()),
    st.builds(Horn, on=st.booleans()),
    st.builds(Lights, on=st.booleans()),
    st.builds(Preconditioning.switch, st.booleans()),
    _programs(_precond_program, 4).map(lambda programs: Preconditioning(programs=programs)),
    st.sampled_from([Charging.start_now(), Charging.stop_now()]),
    st.builds(Charging.start_at, clocks),
    _programs(_v3_charge_program, 4).map(lambda programs: Charging(programs=programs)),
    st.sampled_from(CHARGE_RATES).map(lambda rate: Charging(settings=ChargeSettings(rate=rate))),
    st.sampled_from(["MedPlus", "High"]).map(lambda limit: Charging(settings=ChargeSettings(limit=limit))),
    st.builds(Immobilization, activate=st.booleans()),
    st.builds(Stolen.report, st.booleans()),
    st.builds(Stolen.inhibit_crank, st.booleans()),
    periods.map(lambda period: Stolen.track_every(*period)),
    st.builds(Navigation, positions=st.lists(points, min_size=1, max_size=10).map(tuple)),
    st.just(WakeUp()),
)


@settings(max_examples=300, deadline=None)
@given(feature=V3_FORMS, context=contexts)
def test_any_v3_form_reads_back_unchanged(feature: FeatureModel, context: V3Context) -> None:
    """Whatever the parameters, time zone and present time, read_v3(v3_action(x)) == x."""
    assert read_v3_remote(build_v3_remote("rb:x", feature, context)).feature == feature


@settings(max_examples=300, deadline=None)
@given(clock=clocks, context=contexts)
def test_the_next_delayed_time_is_within_a_day_and_shows_the_clock(clock: time, context: V3Context) -> None:
    """The next delayed time is after now, at most a day (and a DST hour) later, at the asked local time."""
    body = Charging.start_at(clock).v3_action(context)
    moment = datetime.fromisoformat(body["charging"]["schedule"]["nextDelayedTime"])
    assert context.now < moment <= context.now + timedelta(days=1, hours=1)
    assert moment.time() == clock
    assert moment.utcoffset() == moment.astimezone(context.zone).utcoffset()


# (case id, a body v3 or the bot's reader refuses, the reason)
V3_BROKEN: list[tuple[str, Any, str]] = [
    ("v1-wrapper", {"label": "x", "action": {"horn": {"state": "Activated"}}}, "unknown key 'action'"),
    ("no-action", {"label": "x"}, "give exactly one of"),
    ("two-actions", {"horn": {"state": "Activated"}, "wakeUp": {}}, "give exactly one of"),
    ("v1-key", {"locking": {"state": "Locked"}}, "unknown key 'locking'"),
    ("tan", {"tan": {"confirm": {"state": True}}}, "unknown key 'tan'"),
    ("door-forced", {"door": {"state": "Locked", "forced": True}}, "unknown key 'forced'"),
    ("v1-lights", {"lights": {"state": "Activated"}}, "unknown key 'state'"),
    ("wakeup-v1-word", {"wakeUp": {"action": "Wakeup"}}, "'Wakeup' is not one of WakeUp"),
    (
        "precond-v1-spelling",
        {
            "preconditioning": {
                "airConditioning": {
                    "programs": [
                        {"slot": 1, "start": "PT07H", "occurrence": {"day": ["Mon"]}, "enabled": True}
                    ]
                }
            }
        },
        "unknown key 'occurrence'",
    ),
    (
        "precond-temp",
        {
            "preconditioning": {
                "airConditioning": {
                    "programs": [
                        {
                            "slot": 1,
                            "start": "PT07H",
                            "occurence": {"day": ["Mon"]},
                            "enabled": True,
                            "temp": 21,
                        }
                    ]
                }
            }
        },
        "unknown key 'temp'",
    ),
    (
        "schedule-both",
        {"charging": {"schedule": {"nextDelayedTime": "2024-05-01T22:30:00Z", "programs": []}}},
        "give exactly one of nextDelayedTime, programs",
    ),
    (
        "next-time-no-offset",
        {"charging": {"schedule": {"nextDelayedTime": "2024-05-01T22:30:00"}}},
        "needs a date, a time and an offset",
    ),
    (
        "next-time-clock-only",
        {"charging": {"schedule": {"nextDelayedTime": "PT22H30M"}}},
        "is not an RFC 3339 date-time",
    ),
    ("preference-level-6", {"charging": {"preferences": {"level": "Level6"}}}, "'Level6' is not one of"),
    (
        "charge-program-slot-5",
        {
            "charging": {
                "schedule": {
                    "programs": [
                        {"slot": 5, "start": "PT22H", "occurence": {"day": ["Mon"]}, "enabled": True}
                    ]
                }
            }
        },
        "must be 1 to 4",
    ),
    (
        "charge-program-v1-levels",
        {
            "charging": {
                "schedule": {
                    "programs": [
                        {
                            "slot": 1,
                            "start": "PT22H",
                            "occurence": {"day": ["Mon"]},
                            "enabled": True,
                            "minChargingLevel": 0,
                        }
                    ]
                }
            }
        },
        "unknown key 'minChargingLevel'",
    ),
    ("stolen-two", {"stolen": {"stolen": True, "immobilization": {"activate": True}}}, "give exactly one of"),
    ("v1-crank-inhibit", {"stolen": {"crankInhibit": {"activate": True}}}, "unknown key 'crankInhibit'"),
    ("tracking-running-4", {"stolen": {"trackingPeriod": {"running": 4}}}, "must be 5 to"),
    ("tracking-shutdown-59", {"stolen": {"trackingPeriod": {"shutdown": 59}}}, "must be 60 to"),
    ("tracking-empty", {"stolen": {"trackingPeriod": {}}}, "give running, shutdown or both"),
    (
        "navigation-feature",
        {
            "navigation": {
                "positions": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [2, 48]}}]
            }
        },
        "unknown key 'geometry'",
    ),
    (
        "navigation-lat",
        {"navigation": {"positions": [{"type": "Point", "coordinates": [2, 95]}]}},
        "latitude 95.0 is out of range",
    ),
]


@pytest.mark.parametrize(("body", "reason"), [c[1:] for c in V3_BROKEN], ids=[c[0] for c in V3_BROKEN])
def test_the_v3_reader_refuses_saying_where_and_why(body: Any, reason: str) -> None:
    """The strict v3 reader refuses v1 words, unknown keys and out-of-range values with a readable reason."""
    with pytest.raises(RemoteBodyError) as caught:
        read_v3_remote(body)
    assert reason in str(caught.value)


def test_the_v3_reader_takes_the_vendor_defaults_and_the_deprecated_next_time() -> None:
    """Omitted `action`, `actionsType`, `recurrence` take their defaults; top-level nextDelayedTime reads."""
    assert read_v3_remote({"wakeUp": {}}).feature == WakeUp()
    program = {"slot": 2, "start": "PT7H", "occurence": {"day": ["Mon"]}, "enabled": True}
    parsed = read_v3_remote({"preconditioning": {"airConditioning": {"programs": [program]}}})
    assert parsed.feature == Preconditioning.set_program(2, ["Mon"], time(7))
    parsed = read_v3_remote({"charging": {"nextDelayedTime": "2024-05-01T22:30:00Z"}})
    assert parsed.feature == Charging.start_at(time(22, 30))
    assert parsed.label is None
