"""Catalogue rows of the questions: the vehicle card, status, history, list, whoami and help."""

from __future__ import annotations

from typing import Any

from bot.catalogue.action import Action
from bot.catalogue.options import ListOptions, NoOptions, at_most, no_options
from bot.catalogue.row import ActionRow, Target


def _filter(args: list[str]) -> ListOptions:
    at_most(args, 1)
    return ListOptions(filter=args[0] if args else "")


CARD_ROW: ActionRow[Any] = ActionRow(
    Action.CARD, "Vehicle card", ":red_car:", "<vehicle>", NoOptions, no_options,
    guarded=False, typed=False, note="(a vehicle card with a button per action)",
)  # fmt: skip

QUERY_ROWS: tuple[ActionRow[Any], ...] = (
    ActionRow(
        Action.STATUS, "Status", ":mag:", "status <vehicle>|<request id>|<batch id>", NoOptions, no_options
    ),
    ActionRow(Action.HISTORY, "History", ":scroll:", "history <vehicle>", NoOptions, no_options),
    ActionRow(Action.LIST, "List", ":clipboard:", "list [filter]", ListOptions, _filter, target=Target.NONE),
    ActionRow(
        Action.WHOAMI, "Who am I", ":bust_in_silhouette:", "whoami", NoOptions, no_options,
        target=Target.NONE, guarded=False,
    ),
    ActionRow(
        Action.HELP, "Help", ":information_source:", "help", NoOptions, no_options,
        target=Target.NONE, guarded=False,
    ),
)  # fmt: skip
