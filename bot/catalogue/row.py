"""The shape of one catalogue row: everything the bot asks about one action, in one frozen object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, Generic, TypeVar

from bot.catalogue.action import Action
from bot.catalogue.options import Options
from bot.vehicle.features import FeatureModel
from bot.vehicle.features.wakeup import WakeUp
from bot.vehicle.wire import VehicleCapability

OptionsT = TypeVar("OptionsT", bound=Options)


class Target(Enum):
    """What the first word after the subcommand is."""

    VEHICLE = "vehicle"  # an alias, a VIN or a VIN suffix (or a request id for `status`)
    NONE = "none"  # every word goes to the option parser


class Outcome(StrEnum):
    """Data a finished request shows beyond its status; the value is the vendor's extended event parameter."""

    POSITION = "vehicle.position"
    STATE = "vehicle.latestTelemetry"


@dataclass(frozen=True)
class Plan:
    """What a parsed command will do: the feature to send (None: show the last reported state) and words."""

    feature: FeatureModel | None
    summary: str
    unless_fresh: bool = False  # a recent enough last report answers instead (STATE_FRESH_SECONDS)

    @property
    def wakes(self) -> bool:
        """Whether sending it always wakes the vehicle (a wake-up: `wakeup`, a refreshing `state`)."""
        return isinstance(self.feature, WakeUp)


@dataclass(frozen=True)
class CapabilityRule:
    """A form of an action that only some vehicles accept; `refusal` completes "<vehicle> ..."."""

    holds: Callable[[VehicleCapability], bool]
    refusal: str


@dataclass(frozen=True)
class CardButton:
    """A button on the vehicle card: the words it sends after the vehicle, and its label if not the row's."""

    words: str = ""
    title: str | None = None


ON_CARD = (CardButton(),)  # one button: the row's title, the action without options


def _never(_options: Any) -> bool:
    return False


def _no_rule(_options: Any) -> CapabilityRule | None:
    return None


def _no_slot(_options: Any) -> str | None:
    return None


@dataclass(frozen=True)
class Remote(Generic[OptionsT]):
    """How a remote action reaches the vehicle cloud and comes back."""

    model: type[FeatureModel]  # the vendor model: wire key, capability key, notification types
    plan: Callable[[OptionsT], Plan]
    dangerous: bool = False  # always asks for an explicit confirmation
    confirm_when: Callable[[OptionsT], bool] = _never  # asks for a confirmation for these options only
    cards: tuple[CardButton, ...] = ()  # its buttons on the vehicle card, in order (none: not on the card)
    outcome: Outcome | None = None
    capability_rule: Callable[[OptionsT], CapabilityRule | None] = _no_rule
    own_slot: Callable[[OptionsT], str | None] = _no_slot  # a slot of its own for these options

    @property
    def capability(self) -> str:
        """The capability key the vehicle must not deny (the feature's key)."""
        return self.model.v1.key

    def slot(self, options: OptionsT) -> str:
        """One request in flight per vehicle and slot: the feature's, unless these options have their own.

        Lock and unlock share the doors' slot; `horn stop` has its own, so it can stop a sounding horn.
        """
        return self.own_slot(options) or self.model.v1.key

    @property
    def shows_last_known(self) -> bool:
        """Where the vehicle cloud lacks its feature, the row still shows the last known position."""
        return self.outcome is Outcome.POSITION

    @property
    def remote_types(self) -> tuple[str, ...]:
        """The RemoteTypes of this action's 202 answers and notifications."""
        return self.model.remote_types()

    def needs_confirmation(self, options: OptionsT) -> bool:
        """Whether these options ask for an explicit confirmation first."""
        return self.dangerous or self.confirm_when(options)


@dataclass(frozen=True)
class ActionRow(Generic[OptionsT]):
    """One action: its words and usage, how its options are read, and for a remote action its vendor side."""

    action: Action
    title: str  # short label for buttons and messages
    emoji: str
    usage: str  # how to write it, after the slash command; alternatives separated by `|`
    options: type[OptionsT]
    parse: Callable[[list[str]], OptionsT]  # the words after the vehicle (or after the subcommand)
    target: Target = Target.VEHICLE
    aliases: tuple[str, ...] = ()
    guarded: bool = True  # needs a grant in POLICY_FILE (else anyone may use it)
    typed: bool = True  # reachable by its word (the vehicle card is reached by a vehicle word alone)
    note: str = ""  # said after the usage line in help
    remote: Remote[OptionsT] | None = None

    @property
    def words(self) -> tuple[str, ...]:
        """The words that select this action."""
        return (self.action.value, *self.aliases) if self.typed else ()

    def available(self, offers: Callable[[type[FeatureModel]], bool]) -> bool:
        """Whether users see this row where the vehicle cloud offers these features."""
        return self.remote is None or offers(self.remote.model) or self.remote.shows_last_known

    def help_line(self, command: str) -> str:
        """Its line in `help`."""
        return f"`{command} {self.usage}`" + (f"  {self.note}" if self.note else "")

    def plan(self, options: Options) -> Plan:
        """The feature and words of these options (a remote row only)."""
        if self.remote is None:
            raise LookupError(f"{self.action} is not a remote action")
        if not isinstance(options, self.options):
            raise TypeError(f"{self.action} takes {self.options.__name__}, not {type(options).__name__}")
        return self.remote.plan(options)
