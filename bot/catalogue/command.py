"""A parsed command, and the parser of `/vehicle ...` text: errors say what was wrong and how to write it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SerializeAsAny, model_validator

from bot.catalogue.action import Action
from bot.catalogue.options import NoOptions, OptionError, Options
from bot.catalogue.row import ActionRow, Plan, Target
from bot.catalogue.table import BY_WORD, CATALOGUE, row_of
from bot.vehicle.features.base import RemoteRequestError

HELP_USAGE = "help"
GROUP_PREFIX = "group:"


class CommandError(ValueError):
    """A typo or a missing word: `problem` says what, `usage` how to write it."""

    def __init__(self, problem: str, usage: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.usage = usage


class Command(BaseModel):
    """A parsed command: the action, the vehicle word (if any) and the action's typed options.

    Stored as JSON (confirmations, request records) and put on vehicle-card buttons, so that what the
    bot itself wrote is read back, never parsed again from text.
    """

    model_config = ConfigDict(frozen=True)

    action: Action
    vehicle: str | None = None
    options: SerializeAsAny[Options] = NoOptions()
    text: str = ""  # as typed, for the audit trail

    @model_validator(mode="before")
    @classmethod
    def _typed_options(cls, data: Any) -> Any:
        """Options read back from JSON become the action's own options model."""
        if isinstance(data, dict) and isinstance(data.get("options"), dict) and "action" in data:
            data = {**data, "options": row_of(data["action"]).options.model_validate(data["options"])}
        return data

    @property
    def row(self) -> ActionRow[Any]:
        """The catalogue row of the action."""
        return CATALOGUE[self.action]

    def plan(self) -> Plan:
        """The feature this command sends and the words for it; a refused combination raises CommandError."""
        try:
            return self.row.plan(self.options)
        except RemoteRequestError as error:
            raise CommandError(str(error), self.row.usage) from None

    @property
    def targets_many(self) -> bool:
        """Whether the vehicle word names several vehicles: a comma list or a `group:` of the fleet."""
        word = self.vehicle or ""
        return "," in word or word.startswith(GROUP_PREFIX)

    def for_vehicle(self, vin: str) -> Command:
        """The same command for one vehicle (a batch member's own command)."""
        return self.model_copy(update={"vehicle": vin})

    @property
    def needs_confirmation(self) -> bool:
        """Whether the command asks for an explicit confirmation before anything is sent."""
        remote = self.row.remote
        return remote is not None and remote.needs_confirmation(self.options)


def parse(text: str) -> Command:
    """Parse the text after the slash command; raise CommandError on any mistake."""
    words = text.strip().lower().split()
    if not words:
        return Command(action=Action.HELP, text=text)
    head, rest = words[0], words[1:]
    row = BY_WORD.get(head)
    if row is None:
        if len(words) == 1:
            return Command(action=Action.CARD, vehicle=head, text=text)
        raise CommandError(f"unknown subcommand `{head}`", HELP_USAGE)
    vehicle = None
    if row.target is Target.VEHICLE:
        if not rest:
            raise CommandError("which vehicle? give an alias, a full VIN or the end of a VIN", row.usage)
        vehicle, rest = _target(rest)
    try:
        options = row.parse(rest)
    except OptionError as error:
        raise CommandError(str(error), row.usage) from None
    return Command(action=row.action, vehicle=vehicle, options=options, text=text)


def _target(words: list[str]) -> tuple[str, list[str]]:
    """The vehicle word, with a comma list typed with spaces ("van-12, van-34") joined into one."""
    target, rest = words[0], words[1:]
    while rest and (target.endswith(",") or rest[0].startswith(",")):
        target, rest = target + rest[0], rest[1:]
    return target, rest
