"""Preconditioning: air conditioning now, its program slots, or its settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any, ClassVar, Self

from pydantic import model_validator

from bot.vehicle.features.base import (
    Day,
    FeatureModel,
    PreconditioningMode,
    ProgramAction,
    Recurrence,
    RemoteModel,
    RemoteRequestError,
    V1Names,
    V3Context,
    V3Names,
    check_finite,
    check_schedule,
    check_slots,
    format_clock,
    wire_number,
)
from bot.vehicle.features.strict import (
    ON_OFF,
    array,
    boolean,
    clock,
    closed_object,
    days,
    integer,
    number,
    one_of,
    only_one,
)


class PreconditioningProgram(RemoteModel):
    """One air-conditioning program slot to set (days, start, optional temperature) or delete."""

    slot: int
    action: ProgramAction = "Set"
    days: tuple[Day, ...] = ()
    start: time | None = None
    temp: float | None = None
    enabled: bool = True
    recurrence: Recurrence = "Daily"  # v3: "None" runs once; v1 programs always repeat

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not 1 <= self.slot <= 4:
            raise RemoteRequestError("slot must be 1 to 4 for preconditioning programs")
        if self.action == "Delete":
            if self.days or self.start is not None or self.temp is not None or self.recurrence != "Daily":
                raise RemoteRequestError("deleting a preconditioning program takes only the slot")
            return self
        check_schedule(self.days, self.start, "preconditioning")
        if self.temp is not None:
            check_finite(self.temp, "the program temperature")
        return self

    def wire(self) -> dict[str, Any]:
        """The program item as it appears in v1 `programs`."""
        if self.action == "Delete" or self.start is None:
            return {"slot": self.slot, "actionsType": "Delete"}
        if self.recurrence != "Daily":
            raise RemoteRequestError(
                "the Connected Car v1 API has no one-off preconditioning programs: its programs repeat"
            )
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

    def wire_v3(self) -> dict[str, Any]:
        """The program item as it appears in v3 `programs` (`occurence` spelled as the vendor does)."""
        if self.action == "Delete" or self.start is None:
            # The schema requires `start` in every program; the docs say a delete needs only the slot.
            return {"slot": self.slot, "actionsType": "Delete", "start": _ANY_START}
        if self.temp is not None:
            raise RemoteRequestError(
                "the Fleet Owner v3 API has no temperature per preconditioning program: "
                "set the program without one"
            )
        return {
            "slot": self.slot,
            "actionsType": "Set",
            "recurrence": self.recurrence,
            "start": format_clock(self.start),
            "occurence": {"day": list(self.days)},
            "enabled": self.enabled,
        }


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

    name: ClassVar[str] = "Preconditioning"
    v1: ClassVar[V1Names] = V1Names(
        key="preconditioning", remote_type="Preconditioning", notified_as=("ThermalPreconditioning",)
    )
    v3: ClassVar[V3Names | None] = V3Names(
        key="preconditioning", remote_type="ThermalPreconditioning", capability_keys=("preconditioning",)
    )
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
        cls,
        slot: int,
        days: Sequence[Day],
        start: time,
        *,
        temp: float | None = None,
        enabled: bool = True,
        recurrence: Recurrence = "Daily",
    ) -> Preconditioning:
        """Create or replace one program slot (1 to 4); recurrence "None" (v3 only) runs it once."""
        program = PreconditioningProgram(
            slot=slot, days=tuple(days), start=start, temp=temp, enabled=enabled, recurrence=recurrence
        )
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

    def v1_action(self) -> dict[str, Any]:
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

    def v3_action(self, context: V3Context) -> dict[str, Any]:
        """{"preconditioning": {"airConditioning": {<immediate | programs>}}}; v3 has no settings."""
        if self.settings is not None:
            raise RemoteRequestError(
                "the Fleet Owner v3 API has no preconditioning settings (target temperature and mode)"
            )
        if self.immediate is not None:
            return {"preconditioning": {"airConditioning": {"immediate": self.immediate}}}
        programs = [program.wire_v3() for program in self.programs]
        return {"preconditioning": {"airConditioning": {"programs": programs}}}

    @classmethod
    def read_v3(cls, value: Any, path: str) -> Self:
        """The v3 preconditioning object: immediate or programs (the bot sends one of them per request)."""
        outer = closed_object(value, path, {"airConditioning"}, {"airConditioning"})
        path += ".airConditioning"
        air = closed_object(outer["airConditioning"], path, ("immediate", "programs"))
        if only_one(air, path, ("immediate", "programs")) == "immediate":
            return cls(immediate=boolean(air["immediate"], f"{path}.immediate"))
        items = array(air["programs"], f"{path}.programs", 1, 4)
        return cls(
            programs=tuple(_read_program_v3(item, f"{path}.programs[{i}]") for i, item in enumerate(items))
        )

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 preconditioning object: exactly one of immediate, programs or settings."""
        outer = closed_object(value, path, {"airConditioning"}, {"airConditioning"})
        path += ".airConditioning"
        air = closed_object(outer["airConditioning"], path, ("immediate", "programs", "settings"))
        form = only_one(air, path, ("immediate", "programs", "settings"))
        if form == "immediate":
            return cls(immediate=boolean(air["immediate"], f"{path}.immediate"))
        if form == "programs":
            items = array(air["programs"], f"{path}.programs", 1, 4)
            return cls(
                programs=tuple(_read_program(item, f"{path}.programs[{i}]") for i, item in enumerate(items))
            )
        path += ".settings"
        settings = closed_object(air["settings"], path, ("temp", "mode", "state"), ("temp",))
        return cls(
            settings=PreconditioningSettings(
                temp=number(settings["temp"], f"{path}.temp"),
                mode=one_of(settings.get("mode", "Auto"), f"{path}.mode", ("Manual", "Auto")),
                active=one_of(settings.get("state", "Activated"), f"{path}.state", ON_OFF) == "Activated",
            )
        )


_PRECOND_PROGRAM_KEYS = ("slot", "actionsType", "start", "occurrence", "enabled", "temp")
_V3_PROGRAM_KEYS = ("slot", "actionsType", "recurrence", "start", "occurence", "enabled")
_ANY_START = "PT00H00M"  # the start a v3 delete carries for the schema's sake


def _read_program(value: Any, path: str) -> PreconditioningProgram:
    item = closed_object(value, path, _PRECOND_PROGRAM_KEYS, ("slot",))
    slot = integer(item["slot"], f"{path}.slot", 1, 4)
    action = one_of(item.get("actionsType", "Set"), f"{path}.actionsType", ("Set", "Delete"))
    if action == "Delete":  # the vendor ignores the other fields of a delete
        return PreconditioningProgram(slot=slot, action="Delete")
    closed_object(item, path, _PRECOND_PROGRAM_KEYS, ("start", "occurrence", "enabled"))
    temp = number(item["temp"], f"{path}.temp") if "temp" in item else None
    return PreconditioningProgram(
        slot=slot,
        days=days(item["occurrence"], f"{path}.occurrence"),
        start=clock(item["start"], f"{path}.start"),
        temp=temp,
        enabled=boolean(item["enabled"], f"{path}.enabled"),
    )


def _read_program_v3(value: Any, path: str) -> PreconditioningProgram:
    item = closed_object(value, path, _V3_PROGRAM_KEYS, ("slot", "start"))
    slot = integer(item["slot"], f"{path}.slot", 1, 4)
    start = clock(item["start"], f"{path}.start")
    action = one_of(item.get("actionsType", "Set"), f"{path}.actionsType", ("Set", "Delete"))
    recurrence = one_of(item.get("recurrence", "Daily"), f"{path}.recurrence", ("None", "Daily"))
    if action == "Delete":  # the vendor ignores the other fields of a delete
        return PreconditioningProgram(slot=slot, action="Delete")
    closed_object(item, path, _V3_PROGRAM_KEYS, ("occurence", "enabled"))
    return PreconditioningProgram(
        slot=slot,
        days=days(item["occurence"], f"{path}.occurence"),
        start=start,
        enabled=boolean(item["enabled"], f"{path}.enabled"),
        recurrence=recurrence,
    )
