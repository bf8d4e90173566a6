"""Charging: start or stop now, program slots, settings (v3: preferences), or a deferred start and end."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any, ClassVar, Self

from pydantic import model_validator

from bot.vehicle.features.base import (
    CHARGE_RATES,
    ChargeLimit,
    ChargeRate,
    ChargeType,
    Day,
    FeatureModel,
    ProgramAction,
    RemoteModel,
    RemoteRequestError,
    V1Names,
    V3Context,
    V3Names,
    check_clock,
    check_schedule,
    check_slots,
    format_clock,
)
from bot.vehicle.features.strict import (
    array,
    boolean,
    clock,
    closed_object,
    days,
    fail,
    instant_clock,
    integer,
    one_of,
    only_one,
)


class ChargingProgram(RemoteModel):
    """One charging program slot to set or delete (the v1 schema wants the levels even on delete).

    v1 has slots 1 and 2, levels, charge to full and charge type; v3 has slots 1 to 4 and an end time.
    """

    slot: int
    action: ProgramAction = "Set"
    days: tuple[Day, ...] = ()
    start: time | None = None
    end: time | None = None  # v3 only
    enabled: bool = True
    min_level: int = 0
    max_level: int = 100
    charge_to_full: bool = True
    charge_type: ChargeType = "Regular"

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not 1 <= self.slot <= 4:
            raise RemoteRequestError("slot must be 1 to 4 for charging programs (1 to 2 in Connected Car v1)")
        if not 0 <= self.min_level <= 50:
            raise RemoteRequestError("the minimum charge level must be 0 to 50 %")
        if not 0 <= self.max_level <= 100:
            raise RemoteRequestError("the maximum charge level must be 0 to 100 %")
        if self.min_level > self.max_level:
            raise RemoteRequestError("the minimum charge level cannot be above the maximum")
        if self.action == "Delete":
            if self.days or self.start is not None or self.end is not None:
                raise RemoteRequestError("deleting a charging program takes only the slot")
            return self
        check_schedule(self.days, self.start, "charging")
        if self.end is not None:
            check_clock(self.end, "the program end time")
        return self

    def wire(self) -> dict[str, Any]:
        """The program item as it appears in v1 `programs`."""
        if self.slot > 2:
            raise RemoteRequestError("the Connected Car v1 API has charging program slots 1 and 2 only")
        if self.end is not None:
            raise RemoteRequestError("the Connected Car v1 API has no end time in charging programs")
        item: dict[str, Any] = {
            "slot": self.slot,
            "actionsType": self.action,
            "minChargingLevel": self.min_level,
            "maxChargingLevel": self.max_level,
        }
        if self.action == "Set" and self.start is not None:
            item["start"] = format_clock(self.start)
            item["occurrence"] = {"day": list(self.days)}
            item["enabled"] = self.enabled
            item["chargeToFull"] = self.charge_to_full
            item["chargeType"] = self.charge_type
        return item

    def wire_v3(self) -> dict[str, Any]:
        """The item of v3 `schedule.programs` (`occurence` spelled as the vendor does)."""
        if self.action == "Delete" or self.start is None:
            raise RemoteRequestError(
                "the Fleet Owner v3 API cannot delete a charging program (its programs have no "
                "actionsType): set it again with enabled false instead"
            )
        extras = [
            *(
                [f"charge levels (min {self.min_level} %, max {self.max_level} %)"]
                if self._has_levels()
                else []
            ),
            *(["stopping before full"] if not self.charge_to_full else []),
            *([f"the {self.charge_type} charge type"] if self.charge_type != "Regular" else []),
        ]
        if extras:
            raise RemoteRequestError(
                f"the Fleet Owner v3 API's charging programs have no {', '.join(extras)}"
            )
        item: dict[str, Any] = {
            "slot": self.slot,
            "start": format_clock(self.start),
            "occurence": {"day": list(self.days)},
            "enabled": self.enabled,
        }
        if self.end is not None:
            item["end"] = format_clock(self.end)
        return item

    def _has_levels(self) -> bool:
        """Levels other than 0 % and 100 %, the range that limits nothing."""
        return (self.min_level, self.max_level) != (0, 100)


class ChargeSettings(RemoteModel):
    """Either the charge rate (share of the plug's amperage) or the charge limit, not both."""

    rate: ChargeRate | None = None
    limit: ChargeLimit | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.rate is None) == (self.limit is None):
            raise RemoteRequestError("charge settings take either a charge rate or a charge limit, not both")
        return self


class DeferredCharge(RemoteModel):
    """Start charging now or at a time of day, and/or end it at a time of day."""

    start_now: bool = False
    start_at: time | None = None
    end_at: time | None = None
    charge_to_full: bool = True

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.start_now and self.start_at is not None:
            raise RemoteRequestError("start charging now or at a time, not both")
        if not self.start_now and self.start_at is None and self.end_at is None:
            raise RemoteRequestError("a deferred charge needs a start (now or a time) or an end time")
        if self.end_at is None and not self.charge_to_full:
            raise RemoteRequestError("charging to full or not applies to an end time only")
        for value, what in ((self.start_at, "the charge start time"), (self.end_at, "the charge end time")):
            if value is not None:
                check_clock(value, what)
        return self

    def wire(self) -> dict[str, Any]:
        """The `deferred` object."""
        deferred: dict[str, Any] = {}
        if self.start_now:
            deferred["start"] = {"immediate": True}
        elif self.start_at is not None:
            deferred["start"] = {"startTime": format_clock(self.start_at)}
        if self.end_at is not None:
            deferred["end"] = {"endTime": format_clock(self.end_at), "chargeToFull": self.charge_to_full}
        return deferred


class Charging(FeatureModel):
    """Battery charging: stop now, programs, settings, or deferred start/end (exactly one)."""

    name: ClassVar[str] = "Charging"
    v1: ClassVar[V1Names] = V1Names(
        key="charging",
        remote_type="Charging",
        notified_as=("ElectricBatteryChargingRequest", "ChargingState"),
    )
    v3: ClassVar[V3Names | None] = V3Names(
        key="charging",
        remote_type="ElectricBatteryChargingRequest",
        notified_as=("ChargingState",),
        capability_keys=("charging",),
    )
    immediate: bool | None = None
    programs: tuple[ChargingProgram, ...] = ()
    settings: ChargeSettings | None = None
    deferred: DeferredCharge | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        forms = (
            (self.immediate is not None)
            + bool(self.programs)
            + (self.settings is not None)
            + (self.deferred is not None)
        )
        if forms != 1:
            raise RemoteRequestError(
                "charging takes exactly one of: start/stop now, programs, settings, or a deferred start/end"
            )
        check_slots([program.slot for program in self.programs], "charging")
        return self

    @classmethod
    def start_now(cls) -> Charging:
        """Start charging now (deferred start, immediate)."""
        return cls(deferred=DeferredCharge(start_now=True))

    @classmethod
    def stop_now(cls) -> Charging:
        """Stop charging with the deprecated `immediate: false`, the stop the Fleet Owner docs describe.

        The data-treatment docs give no other way to stop a charge; offer this only where the vehicle's
        capability reports `charging.parameters.immediate.stop`.
        """
        return cls(immediate=False)

    @classmethod
    def set_program(
        cls,
        slot: int,
        days: Sequence[Day],
        start: time,
        *,
        min_level: int,
        max_level: int,
        charge_to_full: bool = True,
        charge_type: ChargeType = "Regular",
        enabled: bool = True,
    ) -> Charging:
        """Create or replace one charging program slot (1 to 2)."""
        program = ChargingProgram(
            slot=slot,
            days=tuple(days),
            start=start,
            min_level=min_level,
            max_level=max_level,
            charge_to_full=charge_to_full,
            charge_type=charge_type,
            enabled=enabled,
        )
        return cls(programs=(program,))

    @classmethod
    def delete_program(cls, slot: int) -> Charging:
        """Delete one charging program slot (1 to 2)."""
        return cls(programs=(ChargingProgram(slot=slot, action="Delete"),))

    @classmethod
    def set_rate(cls, rate: ChargeRate) -> Charging:
        """Limit the charge current to a share of the plug's amperage (Low 20 % ... High 100 %)."""
        return cls(settings=ChargeSettings(rate=rate))

    @classmethod
    def set_limit(cls, limit: ChargeLimit) -> Charging:
        """Stop charging at 80 % (MedPlus) or 100 % (High) of the battery."""
        return cls(settings=ChargeSettings(limit=limit))

    @classmethod
    def start_at(cls, start: time) -> Charging:
        """Start charging at a time of day."""
        return cls(deferred=DeferredCharge(start_at=start))

    @classmethod
    def end_at(cls, end: time, *, charge_to_full: bool = True) -> Charging:
        """End charging at a time of day (or keep going to full)."""
        return cls(deferred=DeferredCharge(end_at=end, charge_to_full=charge_to_full))

    def v1_action(self) -> dict[str, Any]:
        """{"charging": {"charge": {<immediate | programs | settings | deferred>}}}."""
        charge: dict[str, Any]
        if self.immediate is not None:
            charge = {"immediate": self.immediate}
        elif self.settings is not None:
            if self.settings.rate is not None:
                charge = {"settings": {"chargePreferenceRate": self.settings.rate}}
            else:
                charge = {"settings": {"chargeLimit": self.settings.limit}}
        elif self.deferred is not None:
            charge = {"deferred": self.deferred.wire()}
        else:
            charge = {"programs": [program.wire() for program in self.programs]}
        return {"charging": {"charge": charge}}

    def v3_action(self, context: V3Context) -> dict[str, Any]:
        """{"charging": {<immediate | schedule | preferences>}}; a deferred start is the next such time."""
        if self.immediate is not None:
            return {"charging": {"immediate": self.immediate}}
        if self.settings is not None:
            return {"charging": {"preferences": _preferences(self.settings)}}
        if self.deferred is not None:
            return {"charging": _deferred_v3(self.deferred, context)}
        return {"charging": {"schedule": {"programs": [program.wire_v3() for program in self.programs]}}}

    @classmethod
    def read_v3(cls, value: Any, path: str) -> Self:
        """The v3 charging object: one of immediate, schedule (a next time or programs) or preferences."""
        forms = ("immediate", "schedule", "preferences", "nextDelayedTime")
        charging = closed_object(value, path, forms)
        form = only_one(charging, path, forms)
        if form == "immediate":
            start = boolean(charging["immediate"], f"{path}.immediate")
            return cls(deferred=DeferredCharge(start_now=True)) if start else cls(immediate=False)
        if form == "nextDelayedTime":  # deprecated by the vendor for schedule.nextDelayedTime
            return cls(deferred=DeferredCharge(start_at=instant_clock(charging[form], f"{path}.{form}")))
        if form == "preferences":
            return cls(settings=_read_preferences(charging[form], f"{path}.{form}"))
        path += ".schedule"
        schedule = closed_object(charging["schedule"], path, ("nextDelayedTime", "programs"))
        if only_one(schedule, path, ("nextDelayedTime", "programs")) == "nextDelayedTime":
            next_time = instant_clock(schedule["nextDelayedTime"], f"{path}.nextDelayedTime")
            return cls(deferred=DeferredCharge(start_at=next_time))
        items = array(schedule["programs"], f"{path}.programs", 1, 4)
        return cls(
            programs=tuple(_read_program_v3(item, f"{path}.programs[{i}]") for i, item in enumerate(items))
        )

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 charging object: exactly one of immediate, programs, settings or deferred."""
        outer = closed_object(value, path, {"charge"}, {"charge"})
        path += ".charge"
        charge = closed_object(outer["charge"], path, ("immediate", "programs", "settings", "deferred"))
        form = only_one(charge, path, ("immediate", "programs", "settings", "deferred"))
        if form == "immediate":
            return cls(immediate=boolean(charge["immediate"], f"{path}.immediate"))
        if form == "programs":
            items = array(charge["programs"], f"{path}.programs", 1, 2)
            return cls(
                programs=tuple(_read_program(item, f"{path}.programs[{i}]") for i, item in enumerate(items))
            )
        if form == "deferred":
            return cls(deferred=_read_deferred(charge["deferred"], f"{path}.deferred"))
        path += ".settings"
        settings = closed_object(charge["settings"], path, ("chargePreferenceRate", "chargeLimit"))
        if only_one(settings, path, ("chargePreferenceRate", "chargeLimit")) == "chargeLimit":
            limit = one_of(settings["chargeLimit"], f"{path}.chargeLimit", ("MedPlus", "High"))
            return cls(settings=ChargeSettings(limit=limit))
        rate = one_of(settings["chargePreferenceRate"], f"{path}.chargePreferenceRate", CHARGE_RATES)
        return cls(settings=ChargeSettings(rate=rate))


_CHARGE_PROGRAM_KEYS = (
    *("slot", "actionsType", "start", "occurrence", "enabled", "chargeToFull", "chargeType"),
    *("minChargingLevel", "maxChargingLevel", "minSOC", "targetSOC"),
)


def _read_program(value: Any, path: str) -> ChargingProgram:
    item = closed_object(value, path, _CHARGE_PROGRAM_KEYS, ("slot", "minChargingLevel", "maxChargingLevel"))
    slot = integer(item["slot"], f"{path}.slot", 1, 2)
    levels = {
        "min_level": integer(item["minChargingLevel"], f"{path}.minChargingLevel", 0, 50),
        "max_level": integer(item["maxChargingLevel"], f"{path}.maxChargingLevel", 0, 100),
    }
    # Deprecated aliases of the levels: checked, then ignored.
    if "minSOC" in item:
        integer(item["minSOC"], f"{path}.minSOC", 0, 50)
    if "targetSOC" in item:
        integer(item["targetSOC"], f"{path}.targetSOC", 0, 100)
    action = one_of(item.get("actionsType", "Set"), f"{path}.actionsType", ("Set", "Delete"))
    if action == "Delete":
        return ChargingProgram(slot=slot, action="Delete", **levels)
    closed_object(item, path, _CHARGE_PROGRAM_KEYS, ("start", "occurrence", "enabled"))
    return ChargingProgram(
        slot=slot,
        days=days(item["occurrence"], f"{path}.occurrence"),
        start=clock(item["start"], f"{path}.start"),
        enabled=boolean(item["enabled"], f"{path}.enabled"),
        charge_to_full=boolean(item.get("chargeToFull", True), f"{path}.chargeToFull"),
        charge_type=one_of(
            item.get("chargeType", "Regular"), f"{path}.chargeType", ("Regular", "Cooperative")
        ),
        **levels,
    )


def _read_deferred(value: Any, path: str) -> DeferredCharge:
    deferred = closed_object(value, path, ("start", "end"))
    if not deferred:
        fail(path, "give a start, an end, or both")
    fields: dict[str, Any] = {}
    if "start" in deferred:
        start = closed_object(deferred["start"], f"{path}.start", ("startTime", "immediate"))
        if only_one(start, f"{path}.start", ("startTime", "immediate")) == "startTime":
            fields["start_at"] = clock(start["startTime"], f"{path}.start.startTime")
        elif not boolean(start["immediate"], f"{path}.start.immediate"):
            fail(f"{path}.start.immediate", "false asks for nothing; give startTime or immediate true")
        else:
            fields["start_now"] = True
    if "end" in deferred:
        end = closed_object(
            deferred["end"], f"{path}.end", ("endTime", "chargeToFull"), ("endTime", "chargeToFull")
        )
        fields["end_at"] = clock(end["endTime"], f"{path}.end.endTime")
        fields["charge_to_full"] = boolean(end["chargeToFull"], f"{path}.end.chargeToFull")
    return DeferredCharge(**fields)


# Charge rate (share of the plug's amperage, 20 % steps) -> v3 charging power level, rank for rank.
_LEVELS: dict[ChargeRate, str] = {
    "Low": "Level1", "LowPlus": "Level2", "Med": "Level3", "MedPlus": "Level4", "High": "Level5"
}  # fmt: skip
# Charge limit -> v3 charging type: 80 % stops before the end of charge (Partial), 100 % at the end (Full).
_TYPES: dict[ChargeLimit, str] = {"MedPlus": "Partial", "High": "Full"}


def _preferences(settings: ChargeSettings) -> dict[str, str]:
    """The v3 `preferences` object of a charge rate (`level`) or a charge limit (`type`)."""
    if settings.rate is not None:
        return {"level": _LEVELS[settings.rate]}
    assert settings.limit is not None
    return {"type": _TYPES[settings.limit]}


def _read_preferences(value: Any, path: str) -> ChargeSettings:
    preferences = closed_object(value, path, ("level", "type"))
    if only_one(preferences, path, ("level", "type")) == "level":
        level = one_of(preferences["level"], f"{path}.level", tuple(_LEVELS.values()))
        return ChargeSettings(rate=next(rate for rate, name in _LEVELS.items() if name == level))
    kind = one_of(preferences["type"], f"{path}.type", tuple(_TYPES.values()))
    return ChargeSettings(limit=next(limit for limit, name in _TYPES.items() if name == kind))


def _deferred_v3(deferred: DeferredCharge, context: V3Context) -> dict[str, Any]:
    """Start now (`immediate`) or at the next such time of day (`schedule.nextDelayedTime`); no end time."""
    if deferred.end_at is not None:
        raise RemoteRequestError(
            "the Fleet Owner v3 API has no charge end time: it starts a charge now, at a time, or by programs"
        )
    if deferred.start_at is None:
        return {"immediate": True}
    return {"schedule": {"nextDelayedTime": context.next_occurrence(deferred.start_at).isoformat()}}


_V3_PROGRAM_KEYS = ("slot", "start", "end", "occurence", "enabled")


def _read_program_v3(value: Any, path: str) -> ChargingProgram:
    """A v3 charging program; the bot's programs name their slot, days and whether they are enabled."""
    item = closed_object(value, path, _V3_PROGRAM_KEYS, ("slot", "start", "occurence", "enabled"))
    return ChargingProgram(
        slot=integer(item["slot"], f"{path}.slot", 1, 4),
        days=days(item["occurence"], f"{path}.occurence"),
        start=clock(item["start"], f"{path}.start"),
        end=clock(item["end"], f"{path}.end") if "end" in item else None,
        enabled=boolean(item["enabled"], f"{path}.enabled"),
    )
