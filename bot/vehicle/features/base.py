"""What every vendor feature shares: its base model, its v1 and v3 names, vocabularies, errors, checks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

Day = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DAYS: tuple[Day, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ProgramAction = Literal["Set", "Delete"]
Recurrence = Literal["None", "Daily"]  # Fleet Owner v3 programs: once, or every listed day
PreconditioningMode = Literal["Auto", "Manual"]
ChargeRate = Literal["Low", "LowPlus", "Med", "MedPlus", "High"]
CHARGE_RATES: tuple[ChargeRate, ...] = ("Low", "LowPlus", "Med", "MedPlus", "High")
ChargeLimit = Literal["MedPlus", "High"]
ChargeType = Literal["Regular", "Cooperative"]
TanDuration = Literal["2h", "4h", "12h", "24h", "3d", "7d"]
TAN_DURATIONS: tuple[TanDuration, ...] = ("2h", "4h", "12h", "24h", "3d", "7d")
TAN_DURATION_CODES: Mapping[str, int] = MappingProxyType(
    {"2h": 0, "4h": 1, "12h": 2, "24h": 3, "3d": 4, "7d": 5}
)
EXTENDED_EVENT_PARAMS: tuple[str, ...] = (
    "vehicle.latestTelemetry",
    "vehicle.doorsState",
    "vehicle.maintenance",
    "vehicle.position",
    "vehicle.alerts.active",
    "vehicle.alarm",
)


class RemoteRequestError(ValueError):
    """A remote request that cannot be sent as asked; the message tells the user what to change."""


class RemoteBodyError(ValueError):
    """An incoming remote wire body that the vendor would refuse with HTTP 400."""


def _explain(exc: ValidationError) -> str:
    return "; ".join(_explain_one(error) for error in exc.errors())


def _explain_one(error: ErrorDetails) -> str:
    """One readable sentence per pydantic error, keeping our own validator messages verbatim."""
    ctx = error.get("ctx") or {}
    if error["type"] == "value_error" and isinstance(ctx.get("error"), ValueError):
        return str(ctx["error"])
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]).lstrip(".")
    if error["type"] == "literal_error":
        return f"{where}: {error['input']!r} is not one of {ctx.get('expected', '')}"
    return f"{where}: {error['msg']}" if where else error["msg"]


class RemoteModel(BaseModel):
    """Frozen, closed model whose construction errors surface as RemoteRequestError only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise RemoteRequestError(_explain(exc)) from None


@dataclass(frozen=True)
class V1Names:
    """How the Connected Car v1 ("data-treatment") API names one feature."""

    key: str  # the one key of the body's `action`, also the vehicle capability's key
    remote_type: str  # the RemoteType of its 202 answer
    also_answered_as: tuple[str, ...] = ()  # further RemoteTypes of its 202 answers
    notified_as: tuple[str, ...] = ()  # the `remoteType` of its notifications first, then older names
    capability_names: tuple[str, ...] = ()  # further capability keys naming it (compared in lower case)


@dataclass(frozen=True)
class V3Names:
    """How the Fleet Owner B2B v3 API names one feature."""

    key: str  # the one action key beside `label` in the body
    remote_type: str  # its RemoteType: in the callback's `remoteTypes`, the 202 and its notifications
    notified_as: tuple[str, ...] = ()  # further `remoteType` names of its notifications
    capability_keys: tuple[str, ...] = ()  # its keys under `_embedded.extension.onboardCapabilities.remote`


@dataclass(frozen=True)
class V3Context:
    """What a Fleet Owner v3 body needs beyond the request: the fleet's time zone and the present time."""

    zone: tzinfo
    now: datetime

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("V3Context.now must be an aware datetime")

    def next_occurrence(self, clock: time) -> datetime:
        """The next time the fleet's clocks show `clock` (after now; a time skipped by DST does not occur)."""
        now = self.now.astimezone(UTC)
        today = self.now.astimezone(self.zone).date()
        for offset in range(3):
            for fold in (0, 1):
                candidate = _existing(today + timedelta(days=offset), clock.replace(fold=fold), self.zone)
                if candidate is not None and candidate.astimezone(UTC) > now:
                    return candidate
        raise AssertionError(f"{clock} occurs at least once in any three days")  # pragma: no cover


def _existing(day: date, clock: time, zone: tzinfo) -> datetime | None:
    """`day` at `clock` in `zone`, or None when the clocks skip that time that day."""
    local = datetime.combine(day, clock, tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    return local if back.replace(tzinfo=None) == local.replace(tzinfo=None) else None


_REGISTERED: list[type[FeatureModel]] = []


class FeatureModel(RemoteModel):
    """A vendor remote feature, declared once: its fields, its name and its words in each vocabulary.

    Each subclass with a `v1` registers itself; every table that needs all features is derived from
    the registry (see `bot.vehicle.features`).
    """

    name: ClassVar[str]  # one name across every vocabulary (notifications are normalised to it)
    v1: ClassVar[V1Names]
    v3: ClassVar[V3Names | None] = None  # None: the Fleet Owner v3 API does not offer it

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "v1" in cls.__dict__:
            _REGISTERED.append(cls)

    @classmethod
    def remote_types(cls) -> tuple[str, ...]:
        """Every RemoteType the vendor uses for this feature's answers and notifications."""
        names = (cls.v1.remote_type, *cls.v1.also_answered_as, *cls.v1.notified_as)
        return tuple(dict.fromkeys(names))

    @classmethod
    def notification_type(cls) -> str:
        """The `remoteType` of this feature's v1 notifications."""
        return (*cls.v1.notified_as, cls.v1.remote_type)[0]

    @property
    def response_type(self) -> str:
        """The RemoteType the vendor answers in the 202 for this very request."""
        return self.v1.remote_type

    @classmethod
    def v3_remote_types(cls) -> tuple[str, ...]:
        """Every RemoteType the Fleet Owner v3 API uses for this feature (none when it lacks it)."""
        return () if cls.v3 is None else tuple(dict.fromkeys((cls.v3.remote_type, *cls.v3.notified_as)))

    @classmethod
    def v3_names(cls) -> V3Names:
        """Its Fleet Owner v3 names; RemoteRequestError when that API does not offer the feature."""
        if cls.v3 is None:
            raise RemoteRequestError(f"the Fleet Owner v3 API does not offer {cls.name}")
        return cls.v3

    def v1_action(self) -> dict[str, Any]:
        """The one-key object that goes under the v1 body's `action`."""
        raise NotImplementedError

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """Strictly read the object under `action.<key>` back into the model (RemoteBodyError if refused)."""
        raise NotImplementedError

    def v3_action(self, context: V3Context) -> dict[str, Any]:
        """The one-key object that goes beside `label` in the Fleet Owner v3 body.

        RemoteRequestError when v3 lacks the feature or cannot carry this form (never drops a field).
        """
        self.v3_names()  # refuses a feature v3 lacks
        raise NotImplementedError

    @classmethod
    def read_v3(cls, value: Any, path: str) -> Self:
        """Strictly read the object under the v3 body's key into the model (RemoteBodyError if refused)."""
        if cls.v3 is None:
            raise RemoteBodyError(f"{path}: the Fleet Owner v3 API does not offer {cls.name}")
        raise NotImplementedError

    @property
    def v3_response_type(self) -> str:
        """The RemoteType the Fleet Owner v3 API answers in the 202 for this request."""
        return self.v3_names().remote_type


def registered_features() -> tuple[type[FeatureModel], ...]:
    """Every feature class declared so far, in declaration order."""
    return tuple(_REGISTERED)


def format_clock(value: time) -> str:
    """A time of day as the vendor's ISO 8601 duration from midnight, e.g. 07:30 -> "PT07H30M"."""
    return f"PT{value.hour:02d}H{value.minute:02d}M"


def check_clock(value: time, what: str) -> None:
    """Refuse seconds and time zones: the vendor takes hours and minutes of local vehicle time."""
    if value.second or value.microsecond or value.tzinfo is not None:
        raise RemoteRequestError(f"{what} takes hours and minutes only (e.g. 07:30), no seconds or time zone")


def check_finite(value: float, what: str) -> None:
    """Refuse NaN and infinities, which JSON cannot carry."""
    if not math.isfinite(value):
        raise RemoteRequestError(f"{what} must be a number")


def check_days(days: tuple[Day, ...]) -> None:
    """A program runs on at least one day, each named once."""
    if not days:
        raise RemoteRequestError("a program needs at least one day (Mon to Sun)")
    if len(set(days)) != len(days):
        raise RemoteRequestError("each day may appear only once in a program")


def check_schedule(days: tuple[Day, ...], start: time | None, kind: str) -> None:
    """A program that is set runs on named days from a start time of hours and minutes."""
    check_days(days)
    if start is None:
        raise RemoteRequestError(f"a {kind} program needs a start time")
    check_clock(start, "the program start time")


def check_slots(slots: list[int], kind: str) -> None:
    """Each program slot may appear once in one request."""
    if len(set(slots)) != len(slots):
        raise RemoteRequestError(f"each {kind} program slot may appear only once")


def wire_number(value: float) -> int | float:
    """Whole numbers go on the wire as integers (21, not 21.0)."""
    return int(value) if float(value).is_integer() else value
