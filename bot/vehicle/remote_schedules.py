"""The two schedule-heavy remote features: air-conditioning preconditioning and battery charging."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any, ClassVar, Self

from pydantic import model_validator

from bot.vehicle.remote_base import (
    ChargeLimit,
    ChargeRate,
    ChargeType,
    Day,
    FeatureModel,
    PreconditioningMode,
    ProgramAction,
    RemoteModel,
    RemoteRequestError,
    check_clock,
    check_days,
    check_finite,
    check_slots,
    format_clock,
    wire_number,
)


class PreconditioningProgram(RemoteModel):
    """One air-conditioning program slot to set (days, start, optional temperature) or delete."""

    slot: int
    action: ProgramAction = "Set"
    days: tuple[Day, ...] = ()
    start: time | None = None
    temp: float | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not 1 <= self.slot <= 4:
            raise RemoteRequestError("slot must be 1 to 4 for preconditioning programs")
        if self.action == "Delete":
            if self.days or self.start is not None or self.temp is not None:
                raise RemoteRequestError("deleting a preconditioning program takes only the slot")
            return self
        check_days(self.days)
        if self.start is None:
            raise RemoteRequestError("a preconditioning program needs a start time")
        check_clock(self.start, "the program start time")
        if self.temp is not None:
            check_finite(self.temp, "the program temperature")
        return self

    def wire(self) -> dict[str, Any]:
        """The program item as it appears in `programs`."""
        if self.action == "Delete" or self.start is None:
            return {"slot": self.slot, "actionsType": "Delete"}
        item: dict[str, Any] = {
            "slot": self.slot,
            "actionsType": "Set",
            "start": format_clock(self.start),
            "occurrence": {"day": list(self.days)},
            "enabled": self.enabled,
        }
        if self.temp is not None:
            item["temp"] = wire_number(self.temp)
        return item


class PreconditioningSettings(RemoteModel):
    """Cabin target temperature, mode and whether that mode is active."""

    temp: float
    mode: PreconditioningMode = "Auto"
    active: bool = True

    @model_validator(mode="after")
    def _check(self) -> Self:
        check_finite(self.temp, "the target temperature")
        return self


class Preconditioning(FeatureModel):
    """Air conditioning: on/off now, program slots, or settings (exactly one of the three)."""

    remote_type: ClassVar[str] = "Preconditioning"
    wire_key: ClassVar[str] = "preconditioning"
    webhook_type: ClassVar[str] = "ThermalPreconditioning"
    immediate: bool | None = None
    programs: tuple[PreconditioningProgram, ...] = ()
    settings: PreconditioningSettings | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        forms = (self.immediate is not None) + bool(self.programs) + (self.settings is not None)
        if forms != 1:
            raise RemoteRequestError(
                "preconditioning takes exactly one of: on/off now, programs, or settings"
            )
        check_slots([program.slot for program in self.programs], "preconditioning")
        return self

    @classmethod
    def switch(cls, on: bool) -> Preconditioning:
        """Start (on=True) or stop air conditioning now."""
        return cls(immediate=on)

    @classmethod
    def set_program(
        cls, slot: int, days: Sequence[Day], start: time, *, temp: float | None = None, enabled: bool = True
    ) -> Preconditioning:
        """Create or replace one program slot (1 to 4)."""
        program = PreconditioningProgram(slot=slot, days=tuple(days), start=start, temp=temp, enabled=enabled)
        return cls(programs=(program,))

    @classmethod
    def delete_program(cls, slot: int) -> Preconditioning:
        """Delete one program slot (1 to 4)."""
        return cls(programs=(PreconditioningProgram(slot=slot, action="Delete"),))

    @classmethod
    def configure(
        cls, temp: float, *, mode: PreconditioningMode = "Auto", active: bool = True
    ) -> Preconditioning:
        """Set the target temperature and mode."""
        return cls(settings=PreconditioningSettings(temp=temp, mode=mode, active=active))

    def action_body(self) -> dict[str, Any]:
        """{"preconditioning": {"airConditioning": {<immediate | programs | settings>}}}."""
        if self.immediate is not None:
            air: dict[str, Any] = {"immediate": self.immediate}
        elif self.settings is not None:
            settings = self.settings
            state = "Activated" if settings.active else "Unactivated"
            air = {"settings": {"temp": wire_number(settings.temp), "mode": settings.mode, "state": state}}
        else:
            air = {"programs": [program.wire() for program in self.programs]}
        return {"preconditioning": {"airConditioning": air}}


class ChargingProgram(RemoteModel):
    """One charging program slot to set or delete (the schema wants the levels even on delete)."""

    slot: int
    action: ProgramAction = "Set"
    days: tuple[Day, ...] = ()
    start: time | None = None
    enabled: bool = True
    min_level: int = 0
    max_level: int = 100
    charge_to_full: bool = True
    charge_type: ChargeType = "Regular"

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not 1 <= self.slot <= 2:
            raise RemoteRequestError("slot must be 1 to 2 for charging programs")
        if not 0 <= self.min_level <= 50:
            raise RemoteRequestError("the minimum charge level must be 0 to 50 %")
        if not 0 <= self.max_level <= 100:
            raise RemoteRequestError("the maximum charge level must be 0 to 100 %")
        if self.min_level > self.max_level:
            raise RemoteRequestError("the minimum charge level cannot be above the maximum")
        if self.action == "Delete":
            if self.days or self.start is not None:
                raise RemoteRequestError("deleting a charging program takes only the slot")
            return self
        check_days(self.days)
        if self.start is None:
            raise RemoteRequestError("a charging program needs a start time")
        check_clock(self.start, "the program start time")
        return self

    def wire(self) -> dict[str, Any]:
        """The program item as it appears in `programs`."""
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

    remote_type: ClassVar[str] = "Charging"
    wire_key: ClassVar[str] = "charging"
    webhook_type: ClassVar[str] = "ElectricBatteryChargingRequest"
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

    def action_body(self) -> dict[str, Any]:
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
